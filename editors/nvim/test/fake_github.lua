-- A local GitHub REST API for the tests: the issue and comment paths, with GitHub's full JSON
-- shapes (octocrab rejects trimmed objects) and GitHub's 404 body for anything else.
--   local gh = require('fake_github').start({ owner=, repo=, number=, title=, body=, labels= })
--   gh.url (the apiUrl setting), gh.requests, gh:close()
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

function M.start(issue)
  local gh = {}
  local srv
  srv = fake_http.start(function(req, respond)
    local path = req.path:gsub('%?.*$', '')
    local prefix = ('/repos/%s/%s/issues/%d'):format(issue.owner, issue.repo, issue.number)
    local json = { ['Content-Type'] = 'application/json; charset=utf-8', ['x-ratelimit-limit'] = '5000', ['x-ratelimit-remaining'] = '4999' }
    if req.method == 'GET' and path == prefix then
      respond(200, json, vim.json.encode(issue_json(srv.base, issue)))
    elseif req.method == 'GET' and path == prefix .. '/comments' then
      respond(200, json, '[]')
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
