// End-to-end test of the packaged extension in real VS Code: code-server (from npm) in headless
// Chromium driven by playwright-core, against the real plan-lsp binary.
// Run by ../run.sh, which provisions everything and sets the environment read below.
"use strict";
const assert = require("node:assert/strict");
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { startFakeGithub } = require("./fakeGithub");

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run editors/vscode/test/run.sh)`);
  return v;
};
const NODE = env("E2E_NODE"); // Node 24: code-server 4.139 needs it
const ENTRY = env("E2E_CODE_SERVER_ENTRY");
const VSIX = env("E2E_VSIX");
const PROBE_VSIX = env("E2E_PROBE_VSIX");
const SERVER_BIN = process.env.E2E_SERVER_PATH || ""; // empty: the server bundled in the .vsix
const WORKSPACE = env("E2E_WORKSPACE");
const OUT = env("E2E_OUT");
const CHROMIUM = process.env.E2E_CHROMIUM || "/usr/bin/chromium";
const QUESTION = "Should the greeting be localized?";

const results = [];
const children = [];
let page;
let shot = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function poll(what, fn, timeoutMs = 20000, intervalMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : last !== undefined ? ` (last: ${JSON.stringify(last)})` : ""}`);
}

async function screenshot(name) {
  if (!page) return;
  const file = path.join(OUT, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file }).catch((e) => log(`screenshot ${name} failed: ${e.message}`));
  return file;
}

async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (e) {
    results.push({ name, ok: false, error: e });
    log(`FAIL ${name} (${Date.now() - start} ms)\n${e.stack || e}`);
    await screenshot(`fail-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 50)}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpOk(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/**
 * A local OpenAI-compatible chat completions endpoint (the real wire format: server-sent events
 * for `"stream": true`, JSON otherwise) that answers `reply` after `delayMs`.
 */
function startFakeLlm(reply, delayMs) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      let parsed = {};
      try {
        parsed = JSON.parse(body);
      } catch {}
      requests.push({ path: req.url, body: parsed });
      if (reply === null) return; // a model that never answers
      setTimeout(() => {
        const model = parsed.model || "test";
        if (parsed.stream) {
          const chunk = (delta, finish) =>
            `data: ${JSON.stringify({ id: "chatcmpl-e2e", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish ?? null }] })}\n\n`;
          const half = Math.floor(reply.length / 2);
          res.writeHead(200, { "Content-Type": "text/event-stream", Connection: "close" });
          res.end(chunk({ role: "assistant", content: reply.slice(0, half) }) + chunk({ content: reply.slice(half) }) + chunk({}, "stop") + "data: [DONE]\n\n");
        } else {
          res.writeHead(200, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ id: "chatcmpl-e2e", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }] }));
        }
      }, delayMs);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}/v1` })));
}

function killGroup(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
}

function cleanup() {
  for (const c of children) killGroup(c);
  setTimeout(() => {
    for (const c of children) {
      try {
        process.kill(-c.pid, "SIGKILL");
      } catch {}
    }
  }, 1500).unref();
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));

function codeServerArgs(dirs) {
  return [ENTRY, "--config", dirs.config, "--user-data-dir", dirs.userData, "--extensions-dir", dirs.extensions];
}

function installExtension(dirs, vsix) {
  const r = spawnSync(NODE, [...codeServerArgs(dirs), "--install-extension", vsix, "--force"], {
    encoding: "utf8",
    timeout: 120000,
  });
  fs.appendFileSync(path.join(OUT, "install-extensions.log"), `$ install ${vsix}\n${r.stdout}\n${r.stderr}\n`);
  if (r.status !== 0) throw new Error(`installing ${vsix} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** The text of the monaco editor's visible lines (what the user sees). */
async function editorText() {
  // Monaco renders spaces as U+00A0.
  const text = await page.locator(".editor-group-container.active .editor-instance .monaco-editor .view-lines").first().innerText();
  return text.replace(/\u00a0/g, " ");
}

async function runCommandPalette(title) {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 10000 });
  await input.fill(`>${title}`);
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
  await row.waitFor({ state: "visible", timeout: 10000 });
  await input.press("Enter");
}

async function openFromExplorer(parts) {
  for (const [i, name] of parts.entries()) {
    const row = page.locator(`.explorer-folders-view .monaco-list-row[aria-label="${name}"], .explorer-folders-view .monaco-list-row[aria-label^="${name} "], .explorer-folders-view .monaco-list-row[aria-label^="${name},"]`).first();
    await row.waitFor({ state: "visible", timeout: 20000 });
    const expanded = await row.getAttribute("aria-expanded");
    if (i < parts.length - 1) {
      if (expanded !== "true") await row.click();
    } else {
      await row.dblclick();
    }
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dirs = {
    config: path.join(OUT, "code-server.yaml"),
    userData: path.join(OUT, "user-data"),
    extensions: path.join(OUT, "extensions"),
  };
  const port = await freePort();
  fs.writeFileSync(dirs.config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  fs.mkdirSync(path.join(dirs.userData, "User"), { recursive: true });
  const settings = {
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "telemetry.telemetryLevel": "off",
    "extensions.autoUpdate": false,
    "extensions.autoCheckUpdates": false,
    "extensions.ignoreRecommendations": true,
    "update.mode": "none",
    "git.enabled": false,
    "markdown.validate.enabled": false,
    "editor.hover.delay": 200,
    "editor.minimap.enabled": false,
    "window.commandCenter": false,
    "chat.disableAIFeatures": true,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "planLsp.trace.server": "verbose",
  };
  fs.writeFileSync(path.join(dirs.userData, "User", "settings.json"), JSON.stringify(settings, null, 2));
  // planLsp.server.path is machine-overridable: in code-server (a remote window) it is read from
  // the machine settings, not from the user settings.
  fs.mkdirSync(path.join(dirs.userData, "Machine"), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, "Machine", "settings.json"), JSON.stringify(SERVER_BIN ? { "planLsp.server.path": SERVER_BIN } : {}, null, 2));

  log(`installing ${path.basename(VSIX)} and the probe`);
  installExtension(dirs, VSIX);
  installExtension(dirs, PROBE_VSIX);

  const probeResult = path.join(OUT, "probe-result.json");
  fs.rmSync(probeResult, { force: true });
  const csLog = fs.openSync(path.join(OUT, "code-server.log"), "w");
  const server = spawn(
    NODE,
    [...codeServerArgs(dirs), "--auth", "none", "--bind-addr", `127.0.0.1:${port}`, "--disable-telemetry", "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override", WORKSPACE],
    { detached: true, stdio: ["ignore", csLog, csLog], env: { ...process.env, PLAN_LSP_E2E_RESULT: probeResult, PLAN_LSP_LOG: "debug" } },
  );
  children.push(server);
  await poll("code-server /healthz", () => httpOk(`http://127.0.0.1:${port}/healthz`), 60000);
  log(`code-server on port ${port}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    const consoleLog = fs.createWriteStream(path.join(OUT, "browser-console.log"));
    page.on("console", (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
    page.on("pageerror", (e) => consoleLog.write(`[pageerror] ${e.message}\n`));
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(WORKSPACE)}`, { waitUntil: "domcontentloaded", timeout: 60000 });
    await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 60000 });
    log("workbench loaded");
    await tests(probeResult);
    await screenshot("final");
  } finally {
    await browser.close().catch(() => {});
  }
}

async function updateSettings(probeResult, values) {
  const id = `${Date.now()}`;
  fs.writeFileSync(`${probeResult}.request.json`, JSON.stringify({ id, settings: values }));
  const response = await poll("the probe to update the settings", () => {
    const file = `${probeResult}.response-${id}.json`;
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : undefined;
  }, 15000);
  assert.ok(response.ok, response.error);
}

async function tests(probeResult) {
  let probe;
  await check("the extension activates and its providers answer through plan-lsp (API probe)", async () => {
    probe = await poll("the probe's results", () => {
      if (!fs.existsSync(probeResult)) return undefined;
      const r = JSON.parse(fs.readFileSync(probeResult, "utf8"));
      return r.done ? r : undefined;
    }, 120000, 500);
    fs.writeFileSync(path.join(OUT, "probe-result.json"), JSON.stringify(probe, null, 2));
    assert.equal(probe.fatal, undefined, probe.fatal);
    for (const [name, s] of Object.entries(probe.steps)) assert.ok(s.ok, `${name}: ${s.error}`);
    const { steps } = probe;
    assert.equal(steps.activate.value.languageId, "markdown");
    // The server the extension found: the setting, or the binary bundled in the .vsix.
    const server = steps.activate.value.server;
    if (SERVER_BIN) assert.deepEqual(server, { command: SERVER_BIN, source: "setting" });
    else {
      assert.equal(server && server.source, "bundled", JSON.stringify(server));
      assert.match(server.command, /[\\/]extensions[\\/]plan-lsp\.plan-lsp-[^\\/]+[\\/]server[\\/]plan-lsp$/);
    }
    for (const c of ["planLsp.newFromIssue", "planLsp.insertMissingSections", "planLsp.gatherContext", "planLsp.fillSection", "planLsp.refine", "planLsp.answerPlaceholder", "planLsp.askOnIssue", "planLsp.syncAnswers", "planLsp.status"]) {
      assert.ok(steps.activate.value.commands.includes(c), `${c} registered`);
    }
    const placeholder = steps.diagnostics.value.filter((d) => d.code === "placeholder");
    assert.equal(placeholder.length, 1, JSON.stringify(steps.diagnostics.value));
    assert.equal(placeholder[0].message, QUESTION);
    assert.equal(placeholder[0].line, 12);
    assert.ok(steps.hover.value.includes(QUESTION), `hover: ${steps.hover.value}`);
    const def = steps.definition.value.find((d) => d.relative === path.join("src", "lib.rs"));
    assert.ok(def, `definition: ${JSON.stringify(steps.definition.value)}`);
    assert.equal(def.line, 2, "0-based line 2 is line 3");
    assert.ok(steps.codeActions.value.some((a) => /^Insert missing section/.test(a.title) && a.kind.startsWith("quickfix")), `code actions: ${JSON.stringify(steps.codeActions.value)}`);
  });

  await check("opening the plan from the Explorer shows it in the editor", async () => {
    await openFromExplorer(["plans", "greeting.md"]);
    await poll("the plan's text in the editor", async () => (await editorText()).includes("Plan: Greet people by name"), 20000);
  });

  await check("the placeholder shows a diagnostic in the Problems panel", async () => {
    await page.keyboard.press("Control+Shift+M");
    const panel = page.locator(".markers-panel");
    await panel.waitFor({ state: "visible", timeout: 10000 });
    await poll("the question in the Problems panel", async () => (await panel.innerText()).includes(QUESTION), 60000);
    const row = panel.locator(".monaco-list-row", { hasText: QUESTION }).first();
    const rowText = await row.innerText();
    assert.match(rowText, /plan-lsp/, `source shown: ${rowText}`);
    assert.match(rowText, /placeholder/, `code shown: ${rowText}`);
    assert.match(rowText, /\[Ln 13, Col \d+\]/, `position shown: ${rowText}`);
    await screenshot("problems-panel");
  });

  await check("the status bar counts the open placeholder and the missing section", async () => {
    const item = page.locator(".statusbar-item", { hasText: "Plan:" }).first();
    await poll("the status bar item", async () => /Plan: 1 open, 1 missing section/.test(await item.innerText()), 30000);
    await screenshot("status-bar");
  });

  await check("one outline for the .md plan (VS Code's Markdown one, no second plan-lsp group)", async () => {
    await runCommandPalette("Explorer: Focus on Outline View");
    const outline = page.locator(".outline-pane .monaco-list-row");
    await poll("the outline rows", async () => (await outline.count()) > 0, 20000);
    const rows = await outline.allInnerTexts();
    const titles = rows.filter((r) => r.includes("Greet people by name"));
    assert.equal(titles.length, 1, `outline rows: ${JSON.stringify(rows)}`);
    assert.ok(!rows.some((r) => /^plan-lsp$|Markdown Language Features/.test(r.trim())), `no provider groups: ${JSON.stringify(rows)}`);
    await screenshot("outline");
    await page.keyboard.press("Control+Shift+E");
  });

  await check("hovering the placeholder shows its question", async () => {
    const token = page.locator(".editor-group-container.active .view-lines span", { hasText: "NEEDS CLARIFICATION" }).last();
    await token.waitFor({ state: "visible", timeout: 10000 });
    const box = await token.boundingBox();
    // The provider's markdown, not the diagnostic's message that VS Code also shows in the hover.
    const hover = page.locator(".monaco-hover-content .rendered-markdown");
    await poll("the hover with the question", async () => {
      await page.mouse.move(box.x + 2, box.y + box.height / 2);
      await page.mouse.move(box.x + Math.min(40, box.width / 2), box.y + box.height / 2, { steps: 3 });
      await sleep(600);
      const texts = await hover.allInnerTexts();
      return texts.some((t) => t.includes(QUESTION));
    }, 30000, 200);
    await screenshot("hover");
    const texts = (await hover.allInnerTexts()).join("\n");
    assert.match(texts, /Open question P1 · NEEDS CLARIFICATION/, texts);
    assert.ok(!texts.includes("plan.answerPlaceholder"), `no internal command id: ${texts}`);
    assert.ok(!texts.includes("[NEEDS"), `no stray bracket: ${texts}`);
    // The actions are links that run the extension's commands.
    const link = page.locator(".monaco-hover-content a", { hasText: "Answer placeholder…" }).first();
    await link.waitFor({ state: "visible", timeout: 5000 });
    assert.match((await link.getAttribute("data-href")) || (await link.getAttribute("href")) || "", /^command:planLsp\.answerPlaceholder/);
    await link.click();
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 10000 });
    await poll("the answer box for P1", async () => /Answer P1/.test(await page.locator(".quick-input-widget").innerText()), 10000);
    await screenshot("hover-link-answer-box");
    await page.keyboard.press("Escape");
    await page.mouse.move(5, 5);
    await page.keyboard.press("Escape");
  });

  await check("go to definition on `src/lib.rs:3` opens src/lib.rs at line 3", async () => {
    // The innermost span (a token), not the line's span that contains it.
    const token = page.locator(".editor-group-container.active .view-lines span", { hasText: "src/lib.rs:3" }).last();
    await token.waitFor({ state: "visible", timeout: 10000 });
    const box = await token.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press("F12");
    await poll("lib.rs in the active editor (window title)", async () => (await page.title()).startsWith("lib.rs"), 15000);
    const cursor = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    await poll("the cursor on line 3", async () => /Ln 3, Col/.test(await cursor.innerText()), 10000);
    assert.match(await editorText(), /pub fn greet\(\) -> String/);
    await screenshot("definition");
    await page.locator(".tabs-container .tab", { hasText: "greeting.md" }).first().click();
    await poll("back on the plan", async () => (await page.title()).startsWith("greeting.md"), 10000);
  });

  await check('the "Insert missing section" quick fix changes the document', async () => {
    assert.ok(!(await editorText()).includes("## Best Practices"), "the section is missing before");
    // Go to the missing-section diagnostic through the Problems panel, then Ctrl+. for its fixes.
    const panel = page.locator(".markers-panel");
    const problem = panel.locator(".monaco-list-row", { hasText: "Best Practices" }).first();
    await problem.waitFor({ state: "visible", timeout: 20000 });
    await problem.click();
    await page.keyboard.press("Enter");
    await sleep(300);
    const fix = page.locator(".action-widget .monaco-list-row", { hasText: /Insert missing section.*Best Practices/ }).first();
    await poll("the quick fix menu", async () => {
      if (await fix.isVisible()) return true;
      await page.keyboard.press("Control+.");
      await sleep(700);
      return fix.isVisible();
    }, 15000, 100);
    await screenshot("quick-fix-menu");
    await fix.click();
    await poll("the inserted section in the editor", async () => (await editorText()).includes("Best Practices"), 10000);
    await poll("the missing-section problem to go", async () => !(await panel.innerText()).match(/Best Practices/), 20000);
    assert.ok((await panel.innerText()).includes(QUESTION), "the placeholder problem stays");
    await screenshot("quick-fix-applied");
  });

  await check("the status bar follows the plan's open placeholders live", async () => {
    // The inserted section carries its own placeholder (the template's question), so the count moves.
    const panel = page.locator(".markers-panel");
    let panelText = "";
    const count = await poll("two or more placeholder problems", async () => {
      panelText = await panel.innerText();
      const n = (panelText.match(/plan-lsp\W*placeholder/g) || []).length;
      return n >= 2 ? n : false;
    }, 15000).catch((e) => {
      throw new Error(`${e.message}; the Problems panel shows ${JSON.stringify(panelText)}`);
    });
    const item = page.locator(".statusbar-item", { hasText: "Plan:" }).first();
    await poll(`"Plan: ${count} open" in the status bar`, async () => (await item.innerText()).includes(`Plan: ${count} open`), 15000);
  });

  await check('"Plan: Insert missing sections" from the palette fills a *.plan.md plan', async () => {
    await openFromExplorer(["plans", "sparse.plan.md"]);
    await poll("the sparse plan in the editor", async () => (await editorText()).includes("Plan: Say goodbye"), 20000);
    const mode = page.locator(".statusbar-item", { hasText: /^Plan$/ }).first();
    await poll("the plan language in the status bar", async () => (await mode.count()) > 0, 10000);
    assert.ok(!(await editorText()).includes("Best Practices"));
    await runCommandPalette("Plan: Insert missing sections");
    await poll("the inserted sections in the editor", async () => {
      const t = await editorText();
      return t.includes("## Best Practices") && t.includes("## Proposed Implementation");
    }, 15000);
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Plan: inserted" }).first();
    await toast.waitFor({ state: "visible", timeout: 10000 });
    assert.match(await toast.innerText(), /Best Practices/);
    await screenshot("insert-missing-sections");
  });

  await check("a command the server cannot run shows the server's message", async () => {
    await runCommandPalette("Plan: Fill section…");
    const qp = page.locator(".quick-input-widget");
    const row = qp.locator(".monaco-list-row", { hasText: "Status quo" }).first();
    await row.waitFor({ state: "visible", timeout: 10000 });
    await row.click();
    const input = qp.locator("input");
    await poll("the instruction box", async () => /Extra instruction/.test(await qp.innerText()), 10000);
    await input.press("Enter");
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Fill section" }).first();
    await toast.waitFor({ state: "visible", timeout: 30000 });
    const text = await toast.innerText();
    const direct = probe && probe.steps.fillSectionDirect && probe.steps.fillSectionDirect.value;
    assert.ok(direct && direct.ok === false && direct.message, `the server refuses plan.fillSection without an LLM: ${JSON.stringify(direct)}`);
    assert.ok(text.replace(/\s+/g, " ").includes(`Plan – Fill section…: ${direct.message}`.replace(/\s+/g, " ")), `the toast ${JSON.stringify(text)} shows the server's message ${JSON.stringify(direct.message)}`);
    await sleep(800); // let the notification animations settle for the evidence screenshot
    await screenshot("command-error");
  });

  await check("settings apply live, and Fill section… drafts the section with progress shown", async () => {
    const draft = "Saying goodbye is new: `greet` in src/lib.rs only says hello today.";
    const llm = await startFakeLlm(draft, 2500);
    try {
      // Change the user settings the way the Settings UI does (through the probe); the extension
      // must pass the change on to the running server.
      await updateSettings(probeResult, { "planLsp.llm.apiBase": llm.url, "planLsp.llm.model": "e2e-model" });
      await poll("a fill request to reach the local model", async () => {
        if (llm.requests.length > 0) return true;
        log("running Plan: Fill section…");
        await runCommandPalette("Plan: Fill section…");
        const qp = page.locator(".quick-input-widget");
        const row = qp.locator(".monaco-list-row", { hasText: "Status quo" }).first();
        await row.waitFor({ state: "visible", timeout: 10000 });
        await row.click();
        await poll("the instruction box", async () => /Extra instruction/.test(await qp.innerText()), 10000);
        await qp.locator("input").fill("keep it to one sentence");
        await qp.locator("input").press("Enter");
        await sleep(1500);
        return llm.requests.length > 0;
      }, 30000, 500);
      // While the model "thinks", the long command shows progress in a notification.
      const progress = page.locator(".notifications-toasts .notification-toast", { hasText: /Status quo/ }).first();
      await progress.waitFor({ state: "visible", timeout: 5000 });
      await screenshot("fill-section-progress");
      await poll("the draft in the editor", async () => (await editorText()).includes(draft), 20000);
      const request = llm.requests[llm.requests.length - 1];
      assert.equal(request.path, "/v1/chat/completions");
      assert.equal(request.body.model, "e2e-model", "the model setting reached the server live");
      assert.equal(request.body.stream, true);
      const prompt = JSON.stringify(request.body.messages);
      assert.ok(prompt.includes("keep it to one sentence"), "the instruction typed in the input box is in the prompt");
      assert.ok(!(await editorText()).includes("Nothing says goodbye yet"), "the section's old body was replaced");
      await screenshot("fill-section-applied");
    } finally {
      llm.server.closeAllConnections();
      llm.server.close();
    }
  });

  await check("a long command is cancelled from its notification and nothing changes", async () => {
    const llm = await startFakeLlm(null, 0);
    try {
      await updateSettings(probeResult, { "planLsp.llm.apiBase": llm.url });
      const before = await editorText();
      await runCommandPalette("Plan: Fill section…");
      const qp = page.locator(".quick-input-widget");
      await qp.locator(".monaco-list-row", { hasText: "Status quo" }).first().click({ timeout: 10000 });
      await poll("the instruction box", async () => /Extra instruction/.test(await qp.innerText()), 10000);
      await qp.locator("input").press("Enter");
      await poll("the fill request to reach the model", () => llm.requests.length > 0, 20000);
      const serverProgress = page.locator(".statusbar-item", { hasText: /Writing "Status quo"/ });
      await poll("the server's progress in the status bar", async () => (await serverProgress.count()) > 0, 10000);
      const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Plan: filling" }).first();
      await toast.waitFor({ state: "visible", timeout: 10000 });
      await toast.locator(".monaco-button", { hasText: "Cancel" }).first().click();
      await poll("the server to end its progress", async () => (await serverProgress.count()) === 0, 15000);
      await poll("the notification to close", async () => !(await toast.isVisible()), 10000);
      assert.equal(await editorText(), before, "nothing was applied");
      const errors = await page.locator(".notifications-toasts .notification-toast", { hasText: /Plan – Fill section…: .*[Cc]ancel/ }).count();
      assert.equal(errors, 0, "a cancellation is not reported as an error");
      await screenshot("fill-section-cancelled");
    } finally {
      llm.server.closeAllConnections();
      llm.server.close();
    }
  });

  // One local GitHub for New plan, Ask and Sync.
  const gh = await startFakeGithub({ owner: "acme", repo: "rocket", number: 12, title: "Retry failed uploads", body: "Uploads fail on flaky networks.", labels: ["bug", "network"] });
  await check("New plan from GitHub issue… asks for the issue, writes the plan and opens it", async () => {
    {
      // No model: the server writes the template skeleton with the issue text.
      await updateSettings(probeResult, { "planLsp.github.apiUrl": gh.url, "planLsp.llm.apiBase": null });
      await runCommandPalette("Plan: New plan from GitHub issue…");
      const qp = page.locator(".quick-input-widget");
      const input = qp.locator("input");
      await poll("the issue input box", async () => /owner\/repo#123/.test(await qp.innerText()) || (await input.getAttribute("placeholder")) === "owner/repo#123", 10000);
      await input.fill("acme/rocket 12");
      await poll("the validation message", async () => /Not an issue reference/.test(await qp.innerText()), 5000);
      await input.fill("acme/rocket#12");
      await input.press("Enter");
      await poll("the new plan in the editor", async () => /^12-.*\.md/.test(await page.title()), 20000);
      await poll("the issue text in the plan", async () => {
        const t = await editorText();
        return t.includes("# Retry failed uploads") && t.includes("Uploads fail on flaky networks.");
      }, 10000);
      assert.ok(gh.requests.some((r) => r.method === "GET" && r.path.startsWith("/repos/acme/rocket/issues/12")), JSON.stringify(gh.requests.map((r) => r.path)));
      await screenshot("new-plan-from-issue");
    }
  });

  await check("Answer placeholder… picks a question, takes the answer and writes it in", async () => {
    const question = "How does the code work today?";
    await runCommandPalette("Plan: Answer placeholder…");
    const qp = page.locator(".quick-input-widget");
    const row = qp.locator(".monaco-list-row", { hasText: question }).first();
    await row.waitFor({ state: "visible", timeout: 10000 });
    await row.click();
    await poll("the answer box", async () => (await qp.innerText()).includes("leave empty to ask the LLM"), 10000);
    await qp.locator("input").fill("Uploads go through src/storage.rs without retries.");
    await qp.locator("input").press("Enter");
    await poll("the answer in the plan", async () => (await editorText()).includes("Uploads go through src/storage.rs without retries."), 10000);
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Plan: answered" }).first();
    await toast.waitFor({ state: "visible", timeout: 10000 });
    await screenshot("answer-placeholder");
  });

  await check("Show plan status lists the open questions and jumps to one", async () => {
    await runCommandPalette("Plan: Show plan status");
    const qp = page.locator(".quick-input-widget");
    await poll("the status title", async () => /Plan status: \d+ open, 1 answered/.test(await qp.innerText()), 10000);
    const row = qp.locator(".monaco-list-row", { hasText: "Which established practices" }).first();
    await row.waitFor({ state: "visible", timeout: 10000 });
    const detail = await row.innerText();
    const line = Number(/line (\d+)/.exec(detail)[1]);
    await row.click();
    const cursor = page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first();
    await poll(`the cursor on line ${line}`, async () => new RegExp(`Ln ${line}, Col`).test(await cursor.innerText()), 10000);
  });

  await check("Ask open questions on the issue posts them, and Sync answers writes the reply in", async () => {
    const question = "Which storage backend retries the upload?";
    // Type a question into the plan, as its author would (from the top, where the issue quote is).
    await page.locator(".editor-group-container.active .view-lines").first().click();
    await page.keyboard.press("Control+Home");
    const line = page.locator(".editor-group-container.active .view-lines .view-line", { hasText: "Uploads fail on flaky networks." }).first();
    await line.click();
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.keyboard.insertText(`[NEEDS CLARIFICATION: ${question}]`);
    const panel = page.locator(".markers-panel");
    await poll("the new question in the Problems panel", async () => (await panel.innerText()).includes(question), 15000);
    await updateSettings(probeResult, { "planLsp.github.token": "e2e-token" });
    await runCommandPalette("Plan: Ask open questions on the issue");
    const posted = page.locator(".notifications-toasts .notification-toast", { hasText: "posted the open questions" }).first();
    await posted.waitFor({ state: "visible", timeout: 20000 });
    assert.equal(gh.comments.length, 1, "one questions comment");
    const asked = gh.comments[0];
    assert.match(await posted.innerText(), new RegExp(`#issuecomment-${asked.id}`));
    const id = new RegExp(`\\*\\*(P\\d+)\\*\\*: ${question.replace(/[?]/g, "\\?")}`).exec(asked.body);
    assert.ok(id, `the comment lists the question with its id: ${asked.body}`);
    const post = gh.requests.find((r) => r.method === "POST");
    assert.match(post.headers.authorization || "", /e2e-token/, "the token reaches GitHub");
    await screenshot("ask-on-issue");
    // Someone answers on GitHub; Sync previews, then applies when confirmed.
    const answer = "The S3 client retries three times with backoff.";
    gh.addComment("reviewer", `Thanks!\n\n${id[1]}: ${answer}`);
    await runCommandPalette("Plan: Sync answers from the issue");
    const qp = page.locator(".quick-input-widget");
    const apply = qp.locator(".monaco-list-row", { hasText: "Apply 1 answer" }).first();
    await apply.waitFor({ state: "visible", timeout: 20000 });
    assert.ok((await qp.innerText()).includes(answer), "the preview shows the answer");
    await apply.click();
    await poll("the answer in the plan", async () => (await editorText()).includes(answer), 15000);
    await poll("the answered question to leave the Problems panel", async () => !(await panel.innerText()).includes(question), 15000);
    await screenshot("sync-answers");
  });

  await check("Refine selection… rewrites the selected line through the model", async () => {
    const rewrite = "Uploads go through src/storage.rs, which has no retry today.";
    const llm = await startFakeLlm(rewrite, 300);
    try {
      await updateSettings(probeResult, { "planLsp.llm.apiBase": llm.url });
      const original = "Uploads go through src/storage.rs without retries.";
      const token = page.locator(".editor-group-container.active .view-lines .view-line", { hasText: "without retries" }).first();
      await token.click();
      await page.keyboard.press("End");
      await page.keyboard.press("Shift+Home");
      await poll("a selection in the status bar", async () => /\(\d+ selected\)/.test(await page.locator(".statusbar-item", { hasText: /Ln \d+, Col \d+/ }).first().innerText()), 5000);
      await runCommandPalette("Plan: Refine selection…");
      const qp = page.locator(".quick-input-widget");
      await poll("the instruction box", async () => /How should the selected text change/.test(await qp.innerText()), 10000);
      await qp.locator("input").fill("say what is missing");
      await qp.locator("input").press("Enter");
      await poll("the rewrite in the editor", async () => (await editorText()).includes(rewrite), 20000);
      const text = await editorText();
      assert.ok(!text.includes(original), "the selected text was replaced");
      const prompt = JSON.stringify(llm.requests[llm.requests.length - 1].body.messages);
      assert.ok(prompt.includes(original), "the prompt carries the selection");
      assert.ok(prompt.includes("say what is missing"), "the prompt carries the instruction");
      await screenshot("refine-selection");
    } finally {
      llm.server.closeAllConnections();
      llm.server.close();
    }
  });

  await check("Gather codebase context opens the ranked files beside the plan", async () => {
    await runCommandPalette("Plan: Gather codebase context");
    const qp = page.locator(".quick-input-widget");
    await poll("the query box", async () => /What to look for/.test(await qp.innerText()), 10000);
    await qp.locator("input").fill("greet");
    await qp.locator("input").press("Enter");
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Plan: gathered" }).first();
    await toast.waitFor({ state: "visible", timeout: 20000 });
    assert.match(await toast.innerText(), /gathered [1-9]\d* files? and \d+ documents? under Status quo/);
    // The server wrote the block into the plan ...
    await poll("the context block in the plan", async () => /Relevant files[\s\S]*src\/lib\.rs/.test(await editorText()), 10000);
    // ... and the notification opens it as a document of its own.
    await toast.locator(".monaco-button", { hasText: "Open as document" }).first().click();
    await poll("an untitled Markdown editor with the context", async () => {
      if (!/Untitled-\d/.test(await page.title())) return false;
      const t = await editorText();
      return t.startsWith("**Relevant files**") && t.includes("src/lib.rs");
    }, 10000);
    await screenshot("gather-context");
  });
  gh.server.close();
}

main()
  .catch((e) => {
    results.push({ name: "setup", ok: false, error: e });
    log(`FAIL setup\n${e.stack || e}`);
    return screenshot("setup-failure");
  })
  .finally(() => {
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    cleanup();
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  });
