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

/** Serves one issue; resolves to { url, requests, server }. */
function startFakeGithub(issue) {
  const requests = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      requests.push({ method: req.method, path: req.url });
      const base = `http://127.0.0.1:${server.address().port}`;
      const path = req.url.replace(/\?.*$/, "");
      const prefix = `/repos/${issue.owner}/${issue.repo}/issues/${issue.number}`;
      const headers = { "Content-Type": "application/json; charset=utf-8", "x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999" };
      if (req.method === "GET" && path === prefix) {
        res.writeHead(200, headers);
        res.end(JSON.stringify(issueJson(base, issue)));
      } else if (req.method === "GET" && path === `${prefix}/comments`) {
        res.writeHead(200, headers);
        res.end("[]");
      } else {
        res.writeHead(404, headers);
        res.end(JSON.stringify({ message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" }));
      }
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}` })));
}

module.exports = { startFakeGithub };
