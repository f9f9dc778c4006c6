// VS Code glue: starts plan-lsp, passes settings live, registers the palette commands and the
// status bar item. Everything that decides something lives in the pure modules beside this file.
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import {
  DocumentSymbolRequest,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
  WorkDoneProgress,
} from "vscode-languageclient/node";
import { COMMAND_TITLES, HOVER_COMMANDS, Host, PaletteCommand, runCommand } from "./commands";
import { statusBarText, statusTooltip } from "./format";
import { SERVER_COMMANDS, ServerCommand, StatusResult } from "./protocol";
import { Section, sectionsFromSymbols, sectionsFromText, SymbolLike } from "./sections";
import { ServerLocation, ServerNotFoundError, resolveServer } from "./serverPath";
import { serverEnvironment } from "./serverEnv";
import { changeNeedsRestart, serverSettings } from "./settings";

const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "markdown" },
  { scheme: "file", language: "plan" },
];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;
let progressCounter = 0;
/** Where the running server came from; exported to other extensions (and the e2e probe). */
let serverLocation: ServerLocation | undefined;

export interface PlanLspApi {
  /** The server binary in use and how it was found, or undefined when none was found. */
  readonly server: ServerLocation | undefined;
}

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function currentSettings(scope?: vscode.ConfigurationScope): ReturnType<typeof serverSettings> {
  const raw = JSON.parse(JSON.stringify(vscode.workspace.getConfiguration("planLsp", scope))) as Record<string, unknown>;
  return serverSettings(raw);
}

function isPlanDocument(doc: vscode.TextDocument | undefined): doc is vscode.TextDocument {
  return !!doc && doc.uri.scheme === "file" && (doc.languageId === "markdown" || doc.languageId === "plan");
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("planLsp");
  serverLocation = undefined;
  let server;
  try {
    server = resolveServer({
      settingPath: config.get<string | null>("server.path"),
      extensionPath: context.extensionPath,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      env: process.env,
      platform: process.platform,
      homeDir: os.homedir(),
      isExecutable,
    });
  } catch (error) {
    if (error instanceof ServerNotFoundError) {
      output.appendLine(error.message);
      void vscode.window.showErrorMessage(error.message, "Open Settings").then((choice) => {
        if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "planLsp.server.path");
      });
      return;
    }
    throw error;
  }
  serverLocation = server;
  output.appendLine(`Starting ${server.command} (${server.source})`);
  const serverOptions: ServerOptions = {
    command: server.command,
    transport: TransportKind.stdio,
    options: { env: serverEnvironment(process.env, config.get<Record<string, string>>("server.extraEnv")) },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    initializationOptions: currentSettings(),
    // Hovers carry `command:` links to the extension's own palette commands.
    markdown: { isTrusted: { enabledCommands: [...HOVER_COMMANDS] }, supportHtml: false },
    middleware: {
      // One outline per file: VS Code's built-in Markdown support already outlines `markdown`
      // documents (and drives their breadcrumbs); plan-lsp outlines the `plan` language only.
      provideDocumentSymbols: (document, token, next) =>
        document.languageId === "markdown" ? [] : next(document, token),
      // Server commands run from code lenses and code actions: let the server's message reach
      // VS Code (which shows it) instead of vscode-languageclient's generic "Request failed".
      executeCommand: async (command, args) => {
        const running = runningClient();
        try {
          return await running.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
        } catch (error) {
          output.appendLine(`${command} failed: ${error instanceof Error ? error.message : String(error)}`);
          throw error;
        }
      },
      workspace: {
        // Answer `planLsp` with the server's settings only (no client-only keys such as server.path).
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) return answers;
          return params.items.map((item, i) => {
            if (item.section !== "planLsp") return answers[i];
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            return currentSettings(scope);
          });
        },
      },
    },
  };
  client = new LanguageClient("planLsp", "Plan LSP", serverOptions, clientOptions);
  // Tells the server to write hovers with this extension's command links.
  client.registerFeature({
    fillClientCapabilities: (capabilities) => {
      capabilities.experimental = { ...(capabilities.experimental as object | undefined), planLspCommands: "vscode" };
    },
    initialize: () => {},
    getState: () => ({ kind: "static" }),
    clear: () => {},
  });
  client.onDidChangeState((e) => {
    if (e.newState === State.Running) scheduleStatusUpdate();
    if (e.newState === State.Stopped) statusItem.hide();
  });
  try {
    await client.start();
  } catch (error) {
    const message = `plan-lsp: the server ${server.command} failed to start: ${error instanceof Error ? error.message : String(error)}`;
    output.appendLine(message);
    void vscode.window.showErrorMessage(message, "Show server log").then((c) => c && output.show());
  }
}

function toProtocolRange(range: vscode.Range) {
  return {
    start: { line: range.start.line, character: range.start.character },
    end: { line: range.end.line, character: range.end.character },
  };
}

function runningClient(): LanguageClient {
  if (!client || client.state !== State.Running) {
    throw new Error("the plan-lsp server is not running. See the “Plan LSP” output channel, check “planLsp.server.path”, then run “Plan: Restart server”.");
  }
  return client;
}

async function executeOnServer<T>(command: ServerCommand, args: Record<string, unknown>, progressTitle?: string): Promise<T> {
  const c = runningClient();
  const supported = c.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (!supported.includes(command)) {
    throw new Error(`this plan-lsp server does not offer ${command}. Update plan-lsp (see “plan-lsp --version”).`);
  }
  const send = async (token?: vscode.CancellationToken, progress?: vscode.Progress<{ message?: string; increment?: number }>) => {
    // With a progress notification of our own, offer its token to the server too (client-initiated
    // progress); the server may instead create its own token, which vscode-languageclient shows.
    const workDoneToken = progress ? `plan-lsp-vscode-${process.pid}-${++progressCounter}` : undefined;
    const sub =
      progress && workDoneToken
        ? c.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
            if (value.kind !== "end") progress.report({ message: value.message });
          })
        : undefined;
    try {
      const params = workDoneToken ? { command, arguments: [args], workDoneToken } : { command, arguments: [args] };
      return (await c.sendRequest(ExecuteCommandRequest.type, params, token)) as T;
    } finally {
      sub?.dispose();
    }
  };
  if (!progressTitle) return send();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: progressTitle, cancellable: true },
    (progress, token) => send(token, progress),
  );
}

async function planSections(uri: string): Promise<Section[]> {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  try {
    const symbols = (await runningClient().sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as SymbolLike[] | null;
    const fromServer = sectionsFromSymbols(symbols);
    if (fromServer.length > 0) return fromServer;
  } catch (error) {
    output.appendLine(`documentSymbol failed, reading headings from the text: ${String(error)}`);
  }
  return doc ? sectionsFromText(doc.getText()) : [];
}

const host: Host = {
  activeDocument() {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return undefined;
    return {
      uri: editor.document.uri.toString(),
      languageId: editor.document.languageId,
      selection: toProtocolRange(editor.selection),
      selectionEmpty: editor.selection.isEmpty,
    };
  },
  execute: (command, args, options) => executeOnServer(command, args, options?.progressTitle),
  sections: planSections,
  async showInputBox(o) {
    return vscode.window.showInputBox({
      title: o.title,
      prompt: o.prompt,
      placeHolder: o.placeHolder,
      value: o.value,
      ignoreFocusOut: true,
      validateInput: o.validate,
    });
  },
  async showQuickPick(items, o) {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: (typeof items)[number]["value"] }>();
    qp.title = o.title;
    qp.placeholder = o.placeHolder;
    qp.ignoreFocusOut = true;
    qp.items = items;
    if (o.activeIndex !== undefined && qp.items[o.activeIndex]) qp.activeItems = [qp.items[o.activeIndex]];
    return new Promise((resolve) => {
      let done = false;
      qp.onDidAccept(() => {
        done = true;
        resolve(qp.selectedItems[0]?.value);
        qp.hide();
      });
      qp.onDidHide(() => {
        if (!done) resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
  },
  showInfo: (message, ...actions) => Promise.resolve(vscode.window.showInformationMessage(message, ...actions)),
  async showError(message, ...actions) {
    output.appendLine(message);
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === "Show server log") output.show(true);
    return choice;
  },
  async openDocument(uri, line) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const editor = await vscode.window.showTextDocument(doc);
    if (line !== undefined) {
      const pos = new vscode.Position(line, 0);
      editor.selection = new vscode.Selection(pos, pos);
      editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    }
  },
  async openUntitledMarkdown(content) {
    const doc = await vscode.workspace.openTextDocument({ language: "markdown", content });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  },
  async openExternal(url) {
    await vscode.env.openExternal(vscode.Uri.parse(url));
  },
};

let statusTimer: NodeJS.Timeout | undefined;
let statusGeneration = 0;

function scheduleStatusUpdate(): void {
  if (statusTimer) clearTimeout(statusTimer);
  statusTimer = setTimeout(() => void updateStatus(), 250);
}

async function updateStatus(): Promise<void> {
  const generation = ++statusGeneration;
  const doc = vscode.window.activeTextEditor?.document;
  const enabled = vscode.workspace.getConfiguration("planLsp").get<boolean>("statusBar.enabled", true);
  if (!enabled || !isPlanDocument(doc) || !client || client.state !== State.Running) {
    statusItem.hide();
    return;
  }
  try {
    const status = await executeOnServer<StatusResult>(SERVER_COMMANDS.status, { uri: doc.uri.toString() });
    if (generation !== statusGeneration) return;
    statusItem.text = statusBarText(status);
    statusItem.tooltip = statusTooltip(status);
  } catch (error) {
    if (generation !== statusGeneration) return;
    // Without plan.status, count the placeholder diagnostics the server published.
    const open = vscode.languages
      .getDiagnostics(doc.uri)
      .filter((d) => d.source === "plan-lsp" && (d.code === "placeholder" || (typeof d.code === "object" && d.code?.value === "placeholder"))).length;
    statusItem.text = statusBarText({ open, answered: 0 });
    statusItem.tooltip = `${open} open placeholder diagnostics (plan.status failed: ${error instanceof Error ? error.message : String(error)})`;
  }
  statusItem.show();
}

export async function activate(context: vscode.ExtensionContext): Promise<PlanLspApi> {
  output = vscode.window.createOutputChannel("Plan LSP");
  statusItem = vscode.window.createStatusBarItem("planLsp.status", vscode.StatusBarAlignment.Right, 100);
  statusItem.name = "Plan placeholders";
  statusItem.command = "planLsp.status";
  context.subscriptions.push(output, statusItem);

  for (const id of Object.keys(COMMAND_TITLES) as PaletteCommand[]) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => runCommand(host, id, args)));
  }
  context.subscriptions.push(
    vscode.commands.registerCommand("planLsp.restartServer", async () => {
      if (client) {
        const old = client;
        client = undefined;
        await old.stop().catch((e) => output.appendLine(`stop failed: ${String(e)}`));
      }
      await startClient(context);
    }),
    vscode.commands.registerCommand("planLsp.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("planLsp")) return;
      if (changeNeedsRestart((s) => e.affectsConfiguration(s))) {
        const choice = await vscode.window.showInformationMessage("Plan LSP: the server settings changed.", "Restart server");
        if (choice) await vscode.commands.executeCommand("planLsp.restartServer");
        return;
      }
      // Live update: the server re-reads `planLsp` with workspace/configuration (or uses this payload).
      if (client?.state === State.Running) {
        await client.sendNotification("workspace/didChangeConfiguration", { settings: { planLsp: currentSettings() } });
      }
      scheduleStatusUpdate();
    }),
    vscode.window.onDidChangeActiveTextEditor(() => scheduleStatusUpdate()),
    vscode.languages.onDidChangeDiagnostics((e) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (active && e.uris.some((u) => u.toString() === active)) scheduleStatusUpdate();
    }),
  );
  await startClient(context);
  return {
    get server() {
      return serverLocation;
    },
  };
}

export async function deactivate(): Promise<void> {
  if (statusTimer) clearTimeout(statusTimer);
  if (client) await client.stop();
}
