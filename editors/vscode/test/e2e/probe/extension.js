// Test-only: queries the providers VS Code aggregates (so the answers come through the real
// plan-lsp extension and server) and writes them as JSON for the Playwright test to assert.
const fs = require("fs");
const path = require("path");
const vscode = require("vscode");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function poll(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}

// VS Code cancels a provider request when something newer supersedes it (the workbench asks too);
// ask again rather than report a cancellation as the answer.
async function retryCanceled(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const canceled = e && (e.name === "Canceled" || /^Canceled/.test(e.message || ""));
      if (!canceled || attempt >= 10) throw e;
      await sleep(300);
    }
  }
}

function hoverText(hovers) {
  return (hovers || [])
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === "string" ? c : c.value))
    .join("\n");
}

async function probe(out) {
  const result = { steps: {} };
  const write = () => fs.writeFileSync(out, JSON.stringify(result, null, 2));
  const step = async (name, fn) => {
    try {
      result.steps[name] = { ok: true, value: await fn() };
    } catch (e) {
      result.steps[name] = { ok: false, error: String(e && e.stack ? e.stack : e) };
    }
    write();
  };
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) throw new Error("no workspace folder");
  const planUri = vscode.Uri.joinPath(folder.uri, "plans", "greeting.md");
  let doc;
  await step("activate", async () => {
    const ext = vscode.extensions.getExtension("plan-lsp.plan-lsp");
    if (!ext) throw new Error("plan-lsp.plan-lsp is not installed");
    doc = await vscode.workspace.openTextDocument(planUri);
    await poll("plan-lsp to activate", () => ext.isActive, 30000);
    return { languageId: doc.languageId, active: ext.isActive, server: ext.exports && ext.exports.server, commands: (await vscode.commands.getCommands(true)).filter((c) => c.startsWith("planLsp.") || c.startsWith("plan.")).sort() };
  });
  const text = doc.getText();
  const at = (needle, delta) => {
    const i = text.indexOf(needle);
    if (i < 0) throw new Error(`${needle} not in the fixture`);
    return doc.positionAt(i + delta);
  };
  await step("diagnostics", async () => {
    const diags = await poll("plan-lsp diagnostics", () => {
      const d = vscode.languages.getDiagnostics(planUri).filter((x) => x.source === "plan-lsp");
      return d.some((x) => x.code === "placeholder") && d.some((x) => x.code === "missing-section") ? d : undefined;
    }, 60000);
    return diags.map((d) => ({ code: typeof d.code === "object" ? d.code.value : d.code, message: d.message, line: d.range.start.line, character: d.range.start.character, severity: d.severity }));
  });
  await step("hover", async () => {
    const hovers = await retryCanceled(() => vscode.commands.executeCommand("vscode.executeHoverProvider", planUri, at("[NEEDS CLARIFICATION", 3)));
    return hoverText(hovers);
  });
  await step("definition", async () => {
    const locs = await retryCanceled(() => vscode.commands.executeCommand("vscode.executeDefinitionProvider", planUri, at("src/lib.rs:3", 2)));
    return (locs || []).map((l) => {
      const uri = l.targetUri || l.uri;
      const range = l.targetSelectionRange || l.targetRange || l.range;
      return { path: uri.fsPath, relative: path.relative(folder.uri.fsPath, uri.fsPath), line: range.start.line };
    });
  });
  await step("codeActions", async () => {
    const missing = vscode.languages.getDiagnostics(planUri).filter((d) => d.source === "plan-lsp" && (typeof d.code === "object" ? d.code.value : d.code) === "missing-section");
    // Ask again while the answer is empty: right after the diagnostics arrive, providers may
    // still be settling (the workbench asks for code actions at the same time).
    let actions = [];
    const end = Date.now() + 15000;
    do {
      actions = (await retryCanceled(() => vscode.commands.executeCommand("vscode.executeCodeActionProvider", planUri, missing[0].range, vscode.CodeActionKind.QuickFix.value))) || [];
      if (actions.some((a) => /^Insert missing section/.test(a.title))) break;
      await sleep(300);
    } while (Date.now() < end);
    return actions.map((a) => ({ title: a.title, kind: a.kind && a.kind.value, hasEdit: !!a.edit, command: a.command && a.command.command }));
  });
  await step("fillSectionDirect", async () => {
    // The server's own answer to plan.fillSection (the client registers server commands with VS
    // Code); without an LLM configured it is an error whose message the palette command must show.
    try {
      const r = await vscode.commands.executeCommand("plan.fillSection", { uri: planUri.toString(), section: "Status quo" });
      return { ok: true, result: r };
    } catch (e) {
      return { ok: false, message: e && e.message ? e.message : String(e) };
    }
  });
  result.done = true;
  write();
}

// Requests from the Playwright test, as files: `<result>.request.json` {id, settings} is answered
// with `<result>.response-<id>.json` after the settings are updated the way the Settings UI does.
function serveRequests(out) {
  const requestFile = `${out}.request.json`;
  let lastId;
  const timer = setInterval(async () => {
    let request;
    try {
      request = JSON.parse(fs.readFileSync(requestFile, "utf8"));
    } catch {
      return;
    }
    if (request.id === lastId) return;
    lastId = request.id;
    const response = { id: request.id };
    try {
      const config = vscode.workspace.getConfiguration();
      for (const [key, value] of Object.entries(request.settings || {})) {
        await config.update(key, value, vscode.ConfigurationTarget.Global);
      }
      response.ok = true;
    } catch (e) {
      response.ok = false;
      response.error = String(e && e.stack ? e.stack : e);
    }
    fs.writeFileSync(`${out}.response-${request.id}.json`, JSON.stringify(response));
  }, 200);
  return { dispose: () => clearInterval(timer) };
}

function activate(context) {
  const out = process.env.PLAN_LSP_E2E_RESULT;
  if (!out) return;
  context.subscriptions.push(serveRequests(out));
  probe(out).catch((e) => fs.writeFileSync(out, JSON.stringify({ done: true, fatal: String(e && e.stack ? e.stack : e) })));
}

module.exports = { activate, deactivate() {} };
