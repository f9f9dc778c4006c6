// Text shown to the user, kept apart from the VS Code API so it is unit-tested.
import type { StatusResult } from "./protocol";

export function statusBarText(status: Pick<StatusResult, "open" | "answered">): string {
  return status.open === 0 ? "$(pass) Plan: no open questions" : `$(question) Plan: ${status.open} open`;
}

export function statusTooltip(status: StatusResult): string {
  const parts = [
    `${status.open} open placeholder${status.open === 1 ? "" : "s"}, ${status.answered} answered`,
  ];
  if (status.missingSections.length > 0) parts.push(`Missing sections: ${status.missingSections.join(", ")}`);
  if (hasDrift(status.issueDrift)) parts.push("The linked issue changed since the plan was written");
  parts.push("Click for the plan status");
  return parts.join("\n");
}

export function hasDrift(drift: unknown): boolean {
  if (drift === null || drift === undefined || drift === false) return false;
  if (Array.isArray(drift)) return drift.length > 0;
  if (typeof drift === "object") return Object.keys(drift as object).length > 0;
  return Boolean(drift);
}

export function statusSummary(status: StatusResult): string {
  const missing = status.missingSections.length === 0 ? "no missing sections" : `missing: ${status.missingSections.join(", ")}`;
  return `${status.open} open, ${status.answered} answered; ${missing}${hasDrift(status.issueDrift) ? "; issue changed" : ""}`;
}

/** The message of a failed server command, e.g. "Fill section: LLM not configured: set …". */
export function commandErrorMessage(title: string, error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : JSON.stringify(error);
  return `Plan – ${title}: ${message}`;
}

export function insertedMessage(inserted: string[]): string {
  if (inserted.length === 0) return "Plan: no sections were missing.";
  return `Plan: inserted ${inserted.length} section${inserted.length === 1 ? "" : "s"}: ${inserted.join(", ")}`;
}
