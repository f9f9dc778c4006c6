// The environment the server process starts with. Pure so it is testable under Node.

/**
 * VS Code's own environment (so a `GITHUB_TOKEN`, `GH_TOKEN` or model API key variable set where
 * the editor was started reaches the server), with `planLsp.server.extraEnv` on top.
 */
export function serverEnvironment(editorEnv: NodeJS.ProcessEnv, extraEnv: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return { ...editorEnv, ...(extraEnv ?? {}) };
}
