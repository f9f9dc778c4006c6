// Turns the VS Code `planLsp` configuration into the server's settings object (docs/PROTOCOL.md).

/** Top-level keys the server understands; client-only keys (server, trace, statusBar) stay here. */
export const SERVER_SETTING_KEYS = ["template", "placeholders", "severity", "github", "llm", "index", "research"] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function clean(value: unknown): Json | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value.trim() === "" ? undefined : value;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map((v) => clean(v)).filter((v): v is Json => v !== undefined);
  if (typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === "function") continue;
      const c = clean(v);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return undefined;
}

/**
 * The settings sent as initializationOptions, in workspace/didChangeConfiguration and as the answer
 * to workspace/configuration for the `planLsp` section. Unset and empty values are left out so the
 * server applies its own defaults.
 */
export function serverSettings(config: Record<string, unknown>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const key of SERVER_SETTING_KEYS) {
    const c = clean(config[key]);
    if (c === undefined) continue;
    if (typeof c === "object" && !Array.isArray(c) && c !== null && Object.keys(c).length === 0) continue;
    out[key] = c;
  }
  return out;
}

/** Whether a configuration change needs a server restart rather than a live update. */
export function changeNeedsRestart(affects: (section: string) => boolean): boolean {
  return affects("planLsp.server");
}
