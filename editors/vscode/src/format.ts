// Text shown to the user, kept apart from the VS Code API so it is unit-tested.
import type { StatusResult } from "./protocol";

/** The status bar item: open placeholders and missing sections; a check mark only when neither. */
export function statusBarText(status: Pick<StatusResult, "open" | "answered"> & { missingSections?: string[] }): string {
  const missing = status.missingSections?.length ?? 0;
  if (status.open === 0 && missing === 0) return "$(pass) Plan: complete";
  const parts: string[] = [];
  if (status.open > 0) parts.push(`${status.open} open`);
  if (missing > 0) parts.push(`${missing} missing section${missing === 1 ? "" : "s"}`);
  return `$(${status.open > 0 ? "question" : "warning"}) Plan: ${parts.join(", ")}`;
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
