// Finds the plan-lsp binary: setting, then bundled, then PATH. Pure so it is testable under Node.
import * as path from "path";

export type ServerSource = "setting" | "bundled" | "path";

export interface ServerLocation {
  command: string;
  source: ServerSource;
}

export interface ResolveInput {
  /** `planLsp.server.path`, possibly with `~` or `${workspaceFolder}`. */
  settingPath: string | null | undefined;
  /** Folder of the installed extension; a bundled binary lives in `server/`. */
  extensionPath: string;
  /** First workspace folder, for `${workspaceFolder}` in the setting. */
  workspaceFolder?: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homeDir: string;
  /** True when the path is an existing executable file. */
  isExecutable: (p: string) => boolean;
}

/** Raised when no binary is found; the message tells the user what to do. */
export class ServerNotFoundError extends Error {
  constructor(message: string, readonly checked: string[]) {
    super(message);
    this.name = "ServerNotFoundError";
  }
}

export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "plan-lsp.exe" : "plan-lsp";
}

export function expandSettingPath(raw: string, input: Pick<ResolveInput, "homeDir" | "workspaceFolder" | "env">): string {
  let p = raw.trim();
  if (p === "~" || p.startsWith("~/")) {
    p = path.join(input.homeDir, p.slice(1));
  }
  if (input.workspaceFolder) {
    p = p.split("${workspaceFolder}").join(input.workspaceFolder);
  }
  p = p.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => input.env[name] ?? "");
  if (!path.isAbsolute(p) && input.workspaceFolder) {
    p = path.join(input.workspaceFolder, p);
  }
  return p;
}

export function bundledServerPath(extensionPath: string, platform: NodeJS.Platform): string {
  return path.join(extensionPath, "server", binaryName(platform));
}

export function findOnPath(name: string, env: Record<string, string | undefined>, platform: NodeJS.Platform, isExecutable: (p: string) => boolean): string | undefined {
  const pathVar = env.PATH ?? env.Path ?? "";
  const sep = platform === "win32" ? ";" : ":";
  for (const dir of pathVar.split(sep)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function resolveServer(input: ResolveInput): ServerLocation {
  const checked: string[] = [];
  const setting = input.settingPath?.trim();
  if (setting) {
    const p = expandSettingPath(setting, input);
    if (input.isExecutable(p)) return { command: p, source: "setting" };
    // A wrong explicit setting is an error of its own: falling back would hide it.
    throw new ServerNotFoundError(
      `plan-lsp: the server set in "planLsp.server.path" (${p}) does not exist or is not executable. ` +
        `Fix the setting, or clear it to use the bundled server or plan-lsp from PATH.`,
      [p],
    );
  }
  const bundled = bundledServerPath(input.extensionPath, input.platform);
  checked.push(bundled);
  if (input.isExecutable(bundled)) return { command: bundled, source: "bundled" };
  const name = binaryName(input.platform);
  const onPath = findOnPath(name, input.env, input.platform, input.isExecutable);
  checked.push(`${name} on PATH`);
  if (onPath) return { command: onPath, source: "path" };
  throw new ServerNotFoundError(
    `plan-lsp: the language server binary was not found (looked for ${checked.join(", ")}). ` +
      `Install it with "cargo install --locked --path ." from the plan-lsp repository (or put plan-lsp on PATH), ` +
      `or set "planLsp.server.path" to the binary.`,
    checked,
  );
}
