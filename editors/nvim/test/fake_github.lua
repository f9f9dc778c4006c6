-- A local GitHub REST API for the tests: the issue and comment paths, with GitHub's full JSON
-- shapes (octocrab rejects trimmed objects) and GitHub's 404 body for anything else.
--   local gh = require('fake_github').start({ owner=, repo=, number=, title=, body=, labels= })
--   gh.url (the apiUrl setting), gh.requests, gh.comments, gh:add_comment(author, body), gh:close()
local fake_http = require('fake_http')
local M = {}

local function user(base, login, id)
  local api = base .. '/users/' .. login
  return {
    login = login, id = id, node_id = 'MDQ6VXNlcj' .. id,
    avatar_url = base .. '/avatars/u/' .. id .. '?v=4', gravatar_id = '', url = api,
    html_url = base .. '/' .. login, followers_url = api .. '/followers',
    following_url = api .. '/following{/other_user}', gists_url = api .. '/gists{/gist_id}',
    starred_url = api .. '/starred{/owner}{/repo}', subscriptions_url = api .. '/subscriptions',
    organizations_url = api .. '/orgs', repos_url = api .. '/repos',
    events_url = api .. '/events{/privacy}', received_events_url = api .. '/received_events',
    type = 'User', user_view_type = 'public', site_admin = false,
  }
end

local function issue_json(base, issue)
  local repo_url = ('%s/repos/%s/%s'):format(base, issue.owner, issue.repo)
  local url = ('%s/issues/%d'):format(repo_url, issue.number)
  local labels = {}
  for n, name in ipairs(issue.labels or {}) do
    table.insert(labels, {
      id = 208045945 + n, node_id = 'MDU6TGFiZWwyMDgwNDU5N' .. n, url = repo_url .. '/labels/' .. name,
      name = name, description = name .. ' label', color = 'f29513', default = n == 1,
    })
  end
  return {
    id = 1000000 + issue.number, node_id = 'MDU6SXNzdWUx' .. issue.number, url = url,
    repository_url = repo_url, labels_url = url .. '/labels{/name}', comments_url = url .. '/comments',
    events_url = url .. '/events', html_url = ('%s/%s/%s/issues/%d'):format(base, issue.owner, issue.repo, issue.number),
    number = issue.number, state = 'open', state_reason = vim.NIL, title = issue.title, body = issue.body,
    user = user(base, 'octocat', 1), labels = labels, assignee = vim.NIL, assignees = {},
    milestone = vim.NIL, locked = false, active_lock_reason = vim.NIL, comments = 0,
    closed_at = vim.NIL, created_at = '2026-11-17T09:30:00Z', updated_at = '2026-11-20T09:30:00Z',
    closed_by = vim.NIL, author_association = 'OWNER',
    reactions = { url = url .. '/reactions', total_count = 0, ['+1'] = 0, ['-1'] = 0, laugh = 0, hooray = 0, confused = 0, heart = 0, rocket = 0, eyes = 0 },
    timeline_url = url .. '/timeline', performed_via_github_app = vim.NIL,
  }
end

local function comment_json(base, issue, c)
  local url = ('%s/repos/%s/%s/issues/comments/%d'):format(base, issue.owner, issue.repo, c.id)
  return {
    id = c.id, node_id = 'MDEyOklzc3VlQ29tbWVudDE' .. c.id, url = url,
    html_url = ('%s/%s/%s/issues/%d#issuecomment-%d'):format(base, issue.owner, issue.repo, issue.number, c.id),
    body = c.body, user = user(base, c.author, 2 + c.id % 97),
    created_at = c.created_at, updated_at = c.created_at,
    issue_url = ('%s/repos/%s/%s/issues/%d'):format(base, issue.owner, issue.repo, issue.number),
    author_association = 'CONTRIBUTOR',
    reactions = { url = url .. '/reactions', total_count = 0, ['+1'] = 0, ['-1'] = 0, laugh = 0, hooray = 0, confused = 0, heart = 0, rocket = 0, eyes = 0 },
    performed_via_github_app = vim.NIL,
  }
end

function M.start(issue)
  local gh = { comments = {} }
  local next_id = 4100
  local srv
  --- Adds a comment as if `author` wrote it on GitHub; returns its id.
  function gh:add_comment(author, body)
    next_id = next_id + 1
    table.insert(self.comments, { id = next_id, author = author, body = body, created_at = ('2026-11-21T10:%02d:00Z'):format(#self.comments) })
    return next_id
  end
  srv = fake_http.start(function(req, respond)
    local path = req.path:gsub('%?.*$', '')
    local prefix = ('/repos/%s/%s/issues/%d'):format(issue.owner, issue.repo, issue.number)
    local comment_prefix = ('/repos/%s/%s/issues/comments/'):format(issue.owner, issue.repo)
    local json = { ['Content-Type'] = 'application/json; charset=utf-8', ['x-ratelimit-limit'] = '5000', ['x-ratelimit-remaining'] = '4999' }
    if req.method == 'GET' and path == prefix then
      respond(200, json, vim.json.encode(issue_json(srv.base, issue)))
    elseif req.method == 'GET' and path == prefix .. '/comments' then
      local list = {}
      for _, c in ipairs(gh.comments) do
        table.insert(list, comment_json(srv.base, issue, c))
      end
      respond(200, json, #list == 0 and '[]' or vim.json.encode(list))
    elseif req.method == 'POST' and path == prefix .. '/comments' then
      local ok, body = pcall(vim.json.decode, req.body)
      local id = gh:add_comment('plan-author', ok and body.body or '')
      respond(201, json, vim.json.encode(comment_json(srv.base, issue, gh.comments[#gh.comments])))
    elseif req.method == 'PATCH' and vim.startswith(path, comment_prefix) then
      local id = tonumber(path:sub(#comment_prefix + 1))
      local ok, body = pcall(vim.json.decode, req.body)
      for _, c in ipairs(gh.comments) do
        if c.id == id then
          c.body = ok and body.body or c.body
          return respond(200, json, vim.json.encode(comment_json(srv.base, issue, c)))
        end
      end
      respond(404, json, vim.json.encode({ message = 'Not Found', documentation_url = 'https://docs.github.com/rest', status = '404' }))
    else
      respond(404, json, vim.json.encode({ message = 'Not Found', documentation_url = 'https://docs.github.com/rest', status = '404' }))
    end
  end)
  gh.url = srv.base
  gh.requests = srv.requests
  function gh:close()
    srv:close()
  end
  return gh
end

return M
