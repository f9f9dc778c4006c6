import { strict as assert } from "node:assert";
import * as path from "node:path";
import { test } from "node:test";
import { ServerNotFoundError, expandSettingPath, findOnPath, resolveServer } from "../../src/serverPath";

const base = {
  extensionPath: "/ext",
  workspaceFolder: "/ws",
  env: { PATH: "/usr/local/bin:/opt/tools/bin", PLAN_HOME: "/plan" } as Record<string, string | undefined>,
  platform: "linux" as NodeJS.Platform,
  homeDir: "/home/u",
};

function only(...executables: string[]) {
  const set = new Set(executables);
  return (p: string) => set.has(p);
}

test("the setting wins over the bundled binary and PATH", () => {
  const loc = resolveServer({ ...base, settingPath: "/custom/plan-lsp", isExecutable: only("/custom/plan-lsp", "/ext/server/plan-lsp", "/usr/local/bin/plan-lsp") });
  assert.deepEqual(loc, { command: "/custom/plan-lsp", source: "setting" });
});

test("a setting pointing at nothing is an error naming the setting, with no silent fallback", () => {
  assert.throws(
    () => resolveServer({ ...base, settingPath: "/missing/plan-lsp", isExecutable: only("/usr/local/bin/plan-lsp") }),
    (e: unknown) => e instanceof ServerNotFoundError && /planLsp\.server\.path/.test(e.message) && e.message.includes("/missing/plan-lsp"),
  );
});

test("the bundled binary comes before PATH", () => {
  const loc = resolveServer({ ...base, settingPath: null, isExecutable: only("/ext/server/plan-lsp", "/usr/local/bin/plan-lsp") });
  assert.deepEqual(loc, { command: path.join("/ext", "server", "plan-lsp"), source: "bundled" });
});

test("PATH is searched in order when nothing is bundled", () => {
  const loc = resolveServer({ ...base, settingPath: "  ", isExecutable: only("/opt/tools/bin/plan-lsp") });
  assert.deepEqual(loc, { command: "/opt/tools/bin/plan-lsp", source: "path" });
});

test("windows looks for plan-lsp.exe with ; separated PATH", () => {
  const found = findOnPath("plan-lsp.exe", { Path: "C:\\a;C:\\b" }, "win32", (p) => p === path.join("C:\\b", "plan-lsp.exe"));
  assert.equal(found, path.join("C:\\b", "plan-lsp.exe"));
});

test("nothing found: the error says how to install or configure", () => {
  assert.throws(
    () => resolveServer({ ...base, settingPath: undefined, isExecutable: () => false }),
    (e: unknown) =>
      e instanceof ServerNotFoundError &&
      e.message.includes("cargo install") &&
      e.message.includes("planLsp.server.path") &&
      e.checked.includes(path.join("/ext", "server", "plan-lsp")),
  );
});

test("setting paths expand ~, ${workspaceFolder}, ${env:X} and relative paths", () => {
  assert.equal(expandSettingPath("~/bin/plan-lsp", base), path.join("/home/u", "bin/plan-lsp"));
  assert.equal(expandSettingPath("${workspaceFolder}/target/debug/plan-lsp", base), "/ws/target/debug/plan-lsp");
  assert.equal(expandSettingPath("${env:PLAN_HOME}/plan-lsp", base), "/plan/plan-lsp");
  assert.equal(expandSettingPath("target/release/plan-lsp", base), path.join("/ws", "target/release/plan-lsp"));
});
