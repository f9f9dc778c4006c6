// A local GitHub REST API for the e2e test: the issue and comment paths with GitHub's full JSON
// shapes (octocrab rejects trimmed objects), and GitHub's 404 body for anything else.
"use strict";
const http = require("node:http");

function user(base, login, id) {
  const api = `${base}/users/${login}`;
  return {
    login, id, node_id: `MDQ6VXNlcj${id}`, avatar_url: `${base}/avatars/u/${id}?v=4`, gravatar_id: "",
    url: api, html_url: `${base}/${login}`, followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`, gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`, subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`, repos_url: `${api}/repos`, events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`, type: "User", user_view_type: "public", site_admin: false,
  };
}

function issueJson(base, issue) {
  const repoUrl = `${base}/repos/${issue.owner}/${issue.repo}`;
  const url = `${repoUrl}/issues/${issue.number}`;
  return {
    id: 1000000 + issue.number, node_id: `MDU6SXNzdWUx${issue.number}`, url, repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`, comments_url: `${url}/comments`, events_url: `${url}/events`,
    html_url: `${base}/${issue.owner}/${issue.repo}/issues/${issue.number}`, number: issue.number,
    state: "open", state_reason: null, title: issue.title, body: issue.body, user: user(base, "octocat", 1),
    labels: (issue.labels || []).map((name, n) => ({
      id: 208045946 + n, node_id: `MDU6TGFiZWwyMDgwNDU5N${n}`, url: `${repoUrl}/labels/${name}`, name,
      description: `${name} label`, color: "f29513", default: n === 0,
    })),
    assignee: null, assignees: [], milestone: null, locked: false, active_lock_reason: null, comments: 0,
    closed_at: null, created_at: "2026-11-17T09:30:00Z", updated_at: "2026-11-20T09:30:00Z", closed_by: null,
    author_association: "OWNER",
    reactions: { url: `${url}/reactions`, total_count: 0, "+1": 0, "-1": 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    timeline_url: `${url}/timeline`, performed_via_github_app: null,
  };
}

function commentJson(base, issue, c) {
  const url = `${base}/repos/${issue.owner}/${issue.repo}/issues/comments/${c.id}`;
  return {
    id: c.id, node_id: `MDEyOklzc3VlQ29tbWVudDE${c.id}`, url,
    html_url: `${base}/${issue.owner}/${issue.repo}/issues/${issue.number}#issuecomment-${c.id}`,
    body: c.body, user: user(base, c.author, 2 + (c.id % 97)), created_at: c.createdAt, updated_at: c.createdAt,
    issue_url: `${base}/repos/${issue.owner}/${issue.repo}/issues/${issue.number}`, author_association: "CONTRIBUTOR",
    reactions: { url: `${url}/reactions`, total_count: 0, "+1": 0, "-1": 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
    performed_via_github_app: null,
  };
}

/**
 * Serves one issue and its comments (list, create, edit); resolves to
 * { url, requests, comments, addComment(author, body), server }.
 */
function startFakeGithub(issue) {
  const requests = [];
  const comments = [];
  let nextId = 4100;
  const addComment = (author, body) => {
    const c = { id: ++nextId, author, body, createdAt: `2026-11-21T10:${String(comments.length).padStart(2, "0")}:00Z` };
    comments.push(c);
    return c;
  };
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => (raw += d));
    req.on("end", () => {
      requests.push({ method: req.method, path: req.url, headers: req.headers, body: raw });
      const base = `http://127.0.0.1:${server.address().port}`;
      const path = req.url.replace(/\?.*$/, "");
      const prefix = `/repos/${issue.owner}/${issue.repo}/issues/${issue.number}`;
      const commentPrefix = `/repos/${issue.owner}/${issue.repo}/issues/comments/`;
      const headers = { "Content-Type": "application/json; charset=utf-8", "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999" };
      const body = () => {
        try {
          return JSON.parse(raw).body || "";
        } catch {
          return "";
        }
      };
      const existing = path.startsWith(commentPrefix) ? comments.find((c) => c.id === Number(path.slice(commentPrefix.length))) : undefined;
      if (req.method === "GET" && path === prefix) {
        res.writeHead(200, headers);
        res.end(JSON.stringify(issueJson(base, issue)));
      } else if (req.method === "GET" && path === `${prefix}/comments`) {
        res.writeHead(200, headers);
        res.end(JSON.stringify(comments.map((c) => commentJson(base, issue, c))));
      } else if (req.method === "POST" && path === `${prefix}/comments`) {
        const c = addComment("plan-author", body());
        res.writeHead(201, headers);
        res.end(JSON.stringify(commentJson(base, issue, c)));
      } else if (req.method === "PATCH" && existing) {
        existing.body = body();
        res.writeHead(200, headers);
        res.end(JSON.stringify(commentJson(base, issue, existing)));
      } else {
        res.writeHead(404, headers);
        res.end(JSON.stringify({ message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, requests, comments, addComment, url: `http://127.0.0.1:${server.address().port}` })));
}

module.exports = { startFakeGithub };
