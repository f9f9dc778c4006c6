import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { SERVER_SETTING_KEYS, changeNeedsRestart, serverSettings } from "../../src/settings";

const root = path.join(__dirname, "..", "..", "..", "..", "..");

test("client-only keys never reach the server; unset values are left out", () => {
  const vsConfig = {
    server: { path: "/x/plan-lsp", extraEnv: { A: "1" } },
    trace: { server: "verbose" },
    statusBar: { enabled: true },
    template: "phased-plan",
    placeholders: { patterns: ["TODO\\((?<question>[^)]*)\\)"], disableDefaults: false },
    severity: { placeholder: "error", "missing-section": "off" },
    github: { token: null, apiUrl: "https://ghe.example/api/v3" },
    llm: { apiBase: "", model: null, apiKeyEnv: "OPENAI_API_KEY", timeoutSeconds: 30, maxContextBytes: 60000 },
    index: { maxFileBytes: 1024 },
    research: { maxFiles: 4, includeTests: false },
    get: () => undefined,
  };
  assert.deepEqual(serverSettings(vsConfig), {
    template: "phased-plan",
    placeholders: { patterns: ["TODO\\((?<question>[^)]*)\\)"], disableDefaults: false },
    severity: { placeholder: "error", "missing-section": "off" },
    github: { apiUrl: "https://ghe.example/api/v3" },
    llm: { apiKeyEnv: "OPENAI_API_KEY", timeoutSeconds: 30, maxContextBytes: 60000 },
    index: { maxFileBytes: 1024 },
    research: { maxFiles: 4, includeTests: false },
  });
});

test("an empty configuration gives an empty object (the server's defaults apply)", () => {
  assert.deepEqual(serverSettings({}), {});
  assert.deepEqual(serverSettings({ github: { token: null }, template: "" }), {});
});

test("only server.* changes need a restart", () => {
  assert.equal(changeNeedsRestart((s) => s === "planLsp.server" || s === "planLsp.server.path"), true);
  assert.equal(changeNeedsRestart((s) => s === "planLsp.llm"), false);
});

// Every setting of the protocol contract is a VS Code setting, so users can set all of them.
test("package.json declares every setting of docs/PROTOCOL.md", () => {
  const protocol = fs.readFileSync(path.join(root, "docs", "PROTOCOL.md"), "utf8");
  const block = /```jsonc\n([\s\S]*?)```/.exec(protocol);
  assert.ok(block, "PROTOCOL.md has a jsonc settings block");
  const json = JSON.parse(block[1].replace(/("(?:\\.|[^"\\])*")|\/\/.*$/gm, (_m, str?: string) => str ?? "").replace(/,(\s*[}\]])/g, "$1")) as Record<string, unknown>;
  const keys: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      // severity is one object setting keyed by diagnostic code
      if (v && typeof v === "object" && !Array.isArray(v) && k !== "severity") walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else keys.push(`${prefix}${k}`);
    }
  };
  walk(json, "");
  assert.ok(keys.length >= 10, `parsed ${keys.length} keys`);
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8"));
  const declared = Object.keys(manifest.contributes.configuration.properties);
  for (const key of keys) assert.ok(declared.includes(`planLsp.${key}`), `planLsp.${key} is declared`);
  for (const top of new Set(keys.map((k) => k.split(".")[0]))) {
    assert.ok((SERVER_SETTING_KEYS as readonly string[]).includes(top), `${top} is passed to the server`);
  }
});

test("the severity setting lists every diagnostic code of the contract", () => {
  const protocol = fs.readFileSync(path.join(root, "docs", "PROTOCOL.md"), "utf8");
  const section = protocol.split("## Diagnostic codes")[1].split("##")[0];
  const codes = [...section.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]).filter((c) => c !== "source" && c !== "plan-lsp");
  assert.ok(codes.length >= 9);
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8"));
  const severity = manifest.contributes.configuration.properties["planLsp.severity"].properties;
  assert.deepEqual(Object.keys(severity).sort(), codes.sort());
});
