import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { serverEnvironment } from "../../src/serverEnv";
import { serverSettings } from "../../src/settings";
import { LspServer } from "./lspServer";
// The e2e suite's local GitHub (GitHub's full JSON shapes, every request recorded).
const { startFakeGithub } = require(path.join(__dirname, "..", "..", "..", "test", "e2e", "fakeGithub.js"));

test("the server inherits VS Code's environment, with planLsp.server.extraEnv on top", () => {
  const env = serverEnvironment({ GITHUB_TOKEN: "ghp_editor", PATH: "/usr/bin" }, { RUST_LOG: "debug", PATH: "/opt/bin" });
  assert.deepEqual(env, { GITHUB_TOKEN: "ghp_editor", PATH: "/opt/bin", RUST_LOG: "debug" });
  assert.deepEqual(serverEnvironment({ GH_TOKEN: "x" }, undefined), { GH_TOKEN: "x" });
});

test("a GITHUB_TOKEN set only in VS Code's environment reaches GitHub through the server", async () => {
  const gh = await startFakeGithub({ owner: "acme", repo: "rocket", number: 12, title: "Retry failed uploads", body: "Uploads fail.", labels: ["bug"] });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-lsp-env-"));
  fs.mkdirSync(path.join(root, ".git"));
  const editorEnv: NodeJS.ProcessEnv = { ...process.env, GITHUB_TOKEN: "ghp_from_the_editor" };
  delete editorEnv.GH_TOKEN;
  // What the extension sends: the settings with the token setting at its default (unset or "").
  const settings = serverSettings({ github: { apiUrl: gh.url, token: "" } });
  const { server } = await LspServer.start({ root, env: serverEnvironment(editorEnv, {}), settings });
  try {
    await server.request("workspace/executeCommand", { command: "plan.newFromIssue", arguments: [{ issue: "acme/rocket#12" }] });
    const asked = gh.requests.find((r: { method: string; path: string }) => r.method === "GET" && r.path.startsWith("/repos/acme/rocket/issues/12"));
    assert.ok(asked, JSON.stringify(gh.requests.map((r: { path: string }) => r.path)));
    assert.match(asked.headers.authorization ?? "", / ghp_from_the_editor$/);
  } finally {
    await server.stop();
    gh.server.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
