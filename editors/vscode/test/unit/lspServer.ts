// The real plan-lsp binary over stdio JSON-RPC, for tests that need what the server itself says
// (its capabilities, what it sends to GitHub). PLAN_LSP_BIN names the binary (test/run.sh sets
// it); the default is the repository's debug build.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const SERVER_BIN = process.env.PLAN_LSP_BIN || path.join(__dirname, "..", "..", "..", "..", "..", "target", "debug", "plan-lsp");

interface Message {
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export class LspServer {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<number | null>;
  stderr = "";

  private constructor(
    private readonly child: ChildProcess,
    /** Answers the server's workspace/configuration requests. */
    private readonly settings: Record<string, unknown>,
  ) {
    child.stdout!.on("data", (chunk: Buffer) => this.read(chunk));
    child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    child.on("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error(`plan-lsp exited; stderr:\n${this.stderr}`));
      this.pending.clear();
    });
  }

  /** Spawns the server with `env`, sends initialize and initialized; resolves to the server and its InitializeResult. */
  static async start(options: { root: string; env: NodeJS.ProcessEnv; settings?: Record<string, unknown> }): Promise<{ server: LspServer; result: InitializeResult }> {
    if (!fs.existsSync(SERVER_BIN)) throw new Error(`no plan-lsp binary at ${SERVER_BIN}: build it (cargo build) or set PLAN_LSP_BIN`);
    const child = spawn(SERVER_BIN, [], { cwd: options.root, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    const server = new LspServer(child, options.settings ?? {});
    const rootUri = `file://${options.root}`;
    const result = (await server.request("initialize", {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(options.root) }],
      initializationOptions: options.settings ?? {},
      capabilities: {
        workspace: { configuration: true, applyEdit: true, workspaceEdit: { documentChanges: true, resourceOperations: ["create"] } },
      },
    })) as InitializeResult;
    server.notify("initialized", {});
    return { server, result };
  }

  request(method: string, params: unknown, timeoutMs = 15000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.send({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  /** shutdown, exit, and the process gone (killed if it lingers). */
  async stop(): Promise<void> {
    try {
      await this.request("shutdown", null, 5000);
      this.notify("exit", null);
    } catch {
      // Already gone: nothing to shut down.
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: object): void {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    this.child.stdin!.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]));
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString("ascii"))?.[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8")) as Message;
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(message: Message): void {
    if (message.method === undefined) {
      const waiter = this.pending.get(message.id as number);
      this.pending.delete(message.id as number);
      if (message.error) waiter?.reject(new Error(message.error.message));
      else waiter?.resolve(message.result);
      return;
    }
    if (message.id === undefined) return; // A notification: diagnostics, logs, progress.
    // Requests from the server: settings, edits (accepted, as an editor would), progress tokens.
    let result: unknown = null;
    if (message.method === "workspace/configuration") {
      const items = (message.params as { items: { section?: string }[] }).items;
      result = items.map((item) => (item.section === "planLsp" ? this.settings : null));
    } else if (message.method === "workspace/applyEdit") {
      result = { applied: true };
    }
    this.send({ jsonrpc: "2.0", id: message.id, result });
  }
}

export interface InitializeResult {
  capabilities: {
    executeCommandProvider?: { commands: string[] };
    experimental?: { planLsp?: { commands?: { name: string; argument: string; needs: string }[] } };
  };
  serverInfo?: { name: string; version?: string };
}
