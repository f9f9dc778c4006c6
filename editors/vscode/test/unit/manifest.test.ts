import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { COMMAND_TITLES } from "../../src/commands";
import { hasDrift, statusBarText, statusTooltip } from "../../src/format";
import { SERVER_COMMANDS } from "../../src/protocol";
import { LspServer } from "./lspServer";

const extRoot = path.join(__dirname, "..", "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(extRoot, "package.json"), "utf8"));
const protocol = fs.readFileSync(path.join(extRoot, "..", "..", "docs", "PROTOCOL.md"), "utf8");

test("every palette command is contributed with its title and category Plan", () => {
  const contributed = new Map<string, { title: string; category: string }>(
    manifest.contributes.commands.map((c: { command: string; title: string; category: string }) => [c.command, c]),
  );
  for (const [id, title] of Object.entries(COMMAND_TITLES)) {
    assert.equal(contributed.get(id)?.title, title, id);
    assert.equal(contributed.get(id)?.category, "Plan", id);
  }
});

test("the client's server commands are exactly those the server declares, and the contract lists them", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-lsp-caps-"));
  const { server, result } = await LspServer.start({ root, env: process.env });
  try {
    // The server's one command table: [{name, argument, needs}].
    const table = result.capabilities.experimental?.planLsp?.commands ?? [];
    const declared = table.map((c) => c.name).sort();
    assert.ok(declared.length > 0, JSON.stringify(result.capabilities.experimental));
    for (const c of table) assert.ok(["nothing", "gitHub", "llm"].includes(c.needs), JSON.stringify(c));
    assert.deepEqual([...(result.capabilities.executeCommandProvider?.commands ?? [])].sort(), declared);
    assert.deepEqual(Object.values(SERVER_COMMANDS).sort(), declared);
    const doc = protocol.split("## Commands")[1];
    assert.deepEqual([...doc.matchAll(/^\| `(plan\.[A-Za-z]+)` \|/gm)].map((m) => m[1]).sort(), declared);
  } finally {
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("activates on markdown and plan documents; *.plan.md is the plan language", () => {
  assert.ok(manifest.activationEvents.includes("onLanguage:markdown"));
  assert.ok(manifest.activationEvents.includes("onLanguage:plan"));
  const plan = manifest.contributes.languages.find((l: { id: string }) => l.id === "plan");
  assert.deepEqual(plan.filenamePatterns, ["*.plan.md"]);
  for (const g of manifest.contributes.grammars) assert.ok(fs.existsSync(path.join(extRoot, g.path)), g.path);
});

test("the server's placeholder tokens keep the grammar's placeholder colour", () => {
  // The server sends `keyword` + `planPlaceholder`; without this mapping VS Code would paint
  // placeholders as keywords over the injection grammar's scope.
  const injection = manifest.contributes.grammars.find((g: { scopeName: string }) => g.scopeName === "plan.placeholder.injection");
  const grammar = JSON.parse(fs.readFileSync(path.join(extRoot, injection.path), "utf8"));
  const grammarScopes = grammar.patterns.map((p: { name: string }) => p.name);
  assert.ok(manifest.contributes.semanticTokenModifiers.some((m: { id: string }) => m.id === "planPlaceholder"));
  const mapped = manifest.contributes.semanticTokenScopes.flatMap((s: { scopes: Record<string, string[]> }) => s.scopes["keyword.planPlaceholder"] ?? []);
  assert.ok(mapped.length > 0);
  for (const scope of mapped) assert.ok(grammarScopes.includes(scope), scope);
  assert.match(protocol, /typed `keyword`\s+with the modifier `planPlaceholder`/);
});

test("every dependency is pinned to an exact version", () => {
  for (const deps of [manifest.dependencies, manifest.devDependencies]) {
    for (const [name, version] of Object.entries(deps as Record<string, string>)) assert.match(version, /^\d+\.\d+\.\d+$/, name);
  }
});

test("status bar text and tooltip", () => {
  assert.equal(statusBarText({ open: 3, answered: 0 }), "$(question) Plan: 3 open");
  assert.equal(statusBarText({ open: 0, answered: 2, missingSections: [] }), "$(pass) Plan: complete");
  // Missing sections count too: no check mark on a plan that lacks required sections.
  assert.equal(statusBarText({ open: 0, answered: 0, missingSections: ["Best Practices", "Risks"] }), "$(warning) Plan: 2 missing sections");
  assert.equal(statusBarText({ open: 1, answered: 0, missingSections: ["Risks"] }), "$(question) Plan: 1 open, 1 missing section");
  const tip = statusTooltip({ open: 1, answered: 2, missingSections: ["Testing"], placeholders: [], issueDrift: { changed: true } });
  assert.match(tip, /1 open placeholder, 2 answered/);
  assert.match(tip, /Missing sections: Testing/);
  assert.match(tip, /issue changed/);
  assert.equal(hasDrift([]), false);
  assert.equal(hasDrift(null), false);
  assert.equal(hasDrift(["title"]), true);
});
