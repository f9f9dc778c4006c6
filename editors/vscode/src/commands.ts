// The palette commands: ask the user on the client side, then call the server's
// workspace/executeCommand. Written against `Host` so plain Node tests can drive them.
import { validateIssueInput } from "./issueRef";
import { commandErrorMessage, insertedMessage, statusSummary } from "./format";
import {
  AppliedResult,
  CANCELLED_CODES,
  GatherResult,
  InsertResult,
  PlaceholderInfo,
  Range,
  SERVER_COMMANDS,
  ServerCommand,
  StatusResult,
  SyncResult,
} from "./protocol";
import { Section, sectionAt } from "./sections";

export interface ActiveDocument {
  uri: string;
  languageId: string;
  /** The primary selection, in LSP coordinates of the document. */
  selection: Range;
  selectionEmpty: boolean;
}

export interface PickItem<T> {
  label: string;
  description?: string;
  detail?: string;
  value: T;
}

export interface InputOptions {
  title: string;
  prompt: string;
  placeHolder?: string;
  value?: string;
  validate?: (text: string) => string | undefined;
}

export interface ExecuteOptions {
  /** Shown while a long command runs; long commands can be cancelled by the user. */
  progressTitle?: string;
}

export interface Host {
  activeDocument(): ActiveDocument | undefined;
  execute<T>(command: ServerCommand, args: Record<string, unknown>, options?: ExecuteOptions): Promise<T>;
  sections(uri: string): Promise<Section[]>;
  showInputBox(options: InputOptions): Promise<string | undefined>;
  showQuickPick<T>(items: PickItem<T>[], options: { title: string; placeHolder?: string; activeIndex?: number }): Promise<T | undefined>;
  showInfo(message: string, ...actions: string[]): Promise<string | undefined>;
  showError(message: string, ...actions: string[]): Promise<string | undefined>;
  openDocument(uri: string, line?: number): Promise<void>;
  openUntitledMarkdown(content: string): Promise<void>;
  openExternal(url: string): Promise<void>;
}

/** Palette command id → title, as contributed in package.json. */
export const COMMAND_TITLES = {
  "planLsp.newFromIssue": "New plan from GitHub issue…",
  "planLsp.insertMissingSections": "Insert missing sections",
  "planLsp.gatherContext": "Gather codebase context",
  "planLsp.fillSection": "Fill section…",
  "planLsp.refine": "Refine selection…",
  "planLsp.answerPlaceholder": "Answer placeholder…",
  "planLsp.askOnIssue": "Ask open questions on the issue",
  "planLsp.syncAnswers": "Sync answers from the issue",
  "planLsp.status": "Show plan status",
} as const;

export type PaletteCommand = keyof typeof COMMAND_TITLES;

/** The commands the server's hovers link to (`command:` URIs); the only ones a hover may run. */
export const HOVER_COMMANDS: readonly PaletteCommand[] = ["planLsp.answerPlaceholder", "planLsp.askOnIssue", "planLsp.status"];

const PLAN_LANGUAGES = new Set(["markdown", "plan"]);

/** A user-facing stop that is not a server failure (no plan open, nothing selected…). */
class UserStop extends Error {}

function isCancellation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; name?: unknown };
  return (typeof e.code === "number" && CANCELLED_CODES.has(e.code)) || e.name === "Canceled" || e.name === "CancellationError";
}

function requirePlan(host: Host): ActiveDocument {
  const doc = host.activeDocument();
  if (!doc || !PLAN_LANGUAGES.has(doc.languageId)) {
    throw new UserStop("Open a plan (a Markdown file) in the editor first.");
  }
  return doc;
}

async function placeholdersOf(host: Host, uri: string): Promise<PlaceholderInfo[]> {
  const status = await host.execute<StatusResult>(SERVER_COMMANDS.status, { uri });
  return status.placeholders ?? [];
}

/** The placeholder id a caller names: `"P1"` (a hover's link) or `{placeholder: "P1"}` (a code lens). */
function namedPlaceholder(arg: unknown): string | undefined {
  if (typeof arg === "string") return arg;
  const id = typeof arg === "object" && arg !== null ? (arg as { placeholder?: unknown }).placeholder : undefined;
  return typeof id === "string" ? id : undefined;
}

/** `args[0]` may name the placeholder, as the hover's link and the code lens do. */
async function answerPlaceholder(host: Host, args: unknown[] = []): Promise<void> {
  const doc = requirePlan(host);
  const placeholders = await placeholdersOf(host, doc.uri);
  if (placeholders.length === 0) {
    await host.showInfo("Plan: this plan has no open placeholders.");
    return;
  }
  const wanted = namedPlaceholder(args[0]);
  const named = wanted === undefined ? undefined : placeholders.find((p) => p.id === wanted);
  const cursorLine = doc.selection.start.line;
  const atCursor = placeholders.find((p) => p.line === cursorLine);
  const placeholder =
    named ??
    atCursor ??
    (await host.showQuickPick(
      placeholders.map((p) => ({
        label: p.question,
        description: p.id,
        detail: `line ${p.line + 1}${p.section ? ` · ${p.section}` : ""}`,
        value: p,
      })),
      { title: "Answer placeholder", placeHolder: "Pick the question to answer" },
    ));
  if (!placeholder) return;
  let answer = await host.showInputBox({
    title: `Answer ${placeholder.id}`,
    prompt: `${placeholder.question} (leave empty to ask the LLM for a suggestion)`,
    placeHolder: "Your answer",
  });
  if (answer === undefined) return;
  if (answer.trim() === "") {
    const suggestion = await host.execute<{ answer: string }>(
      SERVER_COMMANDS.suggestAnswer,
      { uri: doc.uri, placeholder: placeholder.id },
      { progressTitle: `Plan: suggesting an answer to ${placeholder.id}` },
    );
    answer = await host.showInputBox({
      title: `Answer ${placeholder.id}`,
      prompt: `${placeholder.question} (suggested answer: edit or accept)`,
      value: suggestion.answer,
      validate: (t) => (t.trim() === "" ? "The answer cannot be empty" : undefined),
    });
    if (answer === undefined) return;
  }
  const result = await host.execute<{ answered: string }>(SERVER_COMMANDS.answerPlaceholder, {
    uri: doc.uri,
    placeholder: placeholder.id,
    answer: answer.trim(),
  });
  await host.showInfo(`Plan: answered ${result.answered}.`);
}

async function fillSection(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const sections = await host.sections(doc.uri);
  if (sections.length === 0) throw new UserStop("This plan has no sections to fill: add a heading first.");
  const current = sectionAt(sections, doc.selection.start.line);
  const activeIndex = current ? sections.indexOf(current) : 0;
  const section = await host.showQuickPick(
    sections.map((s) => ({ label: `${"  ".repeat(Math.max(0, s.level - 1))}${s.title}`, description: `line ${s.line + 1}`, value: s })),
    { title: "Fill section", placeHolder: "Which section should be drafted?", activeIndex },
  );
  if (!section) return;
  const instruction = await host.showInputBox({
    title: `Fill “${section.title}”`,
    prompt: "Extra instruction for the draft (optional)",
    placeHolder: "e.g. focus on the database migration",
  });
  if (instruction === undefined) return;
  const args: Record<string, unknown> = { uri: doc.uri, section: section.title };
  if (instruction.trim() !== "") args.instruction = instruction.trim();
  const result = await host.execute<AppliedResult>(SERVER_COMMANDS.fillSection, args, {
    progressTitle: `Plan: filling “${section.title}”`,
  });
  if (!result.applied) await host.showInfo(`Plan: the draft for “${section.title}” was not applied (the document changed meanwhile?).`);
}

async function refine(host: Host): Promise<void> {
  const doc = requirePlan(host);
  if (doc.selectionEmpty) throw new UserStop("Select the text to refine first.");
  const instruction = await host.showInputBox({
    title: "Refine selection",
    prompt: "How should the selected text change?",
    placeHolder: "e.g. make the steps concrete and name the files",
    validate: (t) => (t.trim() === "" ? "Say how to refine the selection" : undefined),
  });
  if (instruction === undefined) return;
  const result = await host.execute<AppliedResult>(
    SERVER_COMMANDS.refine,
    { uri: doc.uri, range: doc.selection, instruction: instruction.trim() },
    { progressTitle: "Plan: refining the selection" },
  );
  if (!result.applied) await host.showInfo("Plan: the refinement was not applied (the document changed meanwhile?).");
}

async function newFromIssue(host: Host): Promise<void> {
  const issue = await host.showInputBox({
    title: "New plan from GitHub issue",
    prompt: "The issue to plan: owner/repo#123 or its URL",
    placeHolder: "owner/repo#123",
    validate: validateIssueInput,
  });
  if (issue === undefined) return;
  const result = await host.execute<{ uri: string }>(
    SERVER_COMMANDS.newFromIssue,
    { issue: issue.trim() },
    { progressTitle: `Plan: creating a plan from ${issue.trim()}` },
  );
  await host.openDocument(result.uri);
}

async function insertMissingSections(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const result = await host.execute<InsertResult>(SERVER_COMMANDS.insertMissingSections, { uri: doc.uri });
  await host.showInfo(insertedMessage(result.inserted ?? []));
}

async function gatherContext(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const query = await host.showInputBox({
    title: "Gather codebase context",
    prompt: "What to look for (optional: empty uses the plan itself)",
    placeHolder: "e.g. authentication middleware",
  });
  if (query === undefined) return;
  const args: Record<string, unknown> = { uri: doc.uri };
  if (query.trim() !== "") args.query = query.trim();
  const result = await host.execute<GatherResult>(SERVER_COMMANDS.gatherContext, args, {
    progressTitle: "Plan: gathering codebase context",
  });
  // The server already wrote the block under Status quo; offer it as a document of its own too.
  const files = (result.files ?? []).length;
  const documents = (result.documents ?? []).length;
  const choice = await host.showInfo(
    `Plan: gathered ${files} file${files === 1 ? "" : "s"} and ${documents} document${documents === 1 ? "" : "s"} under Status quo.`,
    "Open as document",
  );
  if (choice === "Open as document") await host.openUntitledMarkdown(result.markdown);
}

async function askOnIssue(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const result = await host.execute<{ commentId: unknown; url: string }>(
    SERVER_COMMANDS.askOnIssue,
    { uri: doc.uri },
    { progressTitle: "Plan: posting the open questions on the issue" },
  );
  const open = await host.showInfo(`Plan: posted the open questions as ${result.url}`, "Open in browser");
  if (open === "Open in browser") await host.openExternal(result.url);
}

async function syncAnswers(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const preview = await host.execute<SyncResult>(
    SERVER_COMMANDS.syncAnswers,
    { uri: doc.uri, apply: false },
    { progressTitle: "Plan: reading answers from the issue" },
  );
  const answers = preview.answers ?? [];
  if (answers.length === 0) {
    await host.showInfo("Plan: no new answers on the issue.");
    return;
  }
  const choice = await host.showQuickPick(
    [
      { label: `Apply ${answers.length} answer${answers.length === 1 ? "" : "s"}`, detail: answers.map((a) => `${a.placeholder}: ${a.answer}`).join(" · "), value: true },
      { label: "Cancel", value: false },
    ],
    { title: "Sync answers from the issue" },
  );
  if (!choice) return;
  const applied = await host.execute<SyncResult>(SERVER_COMMANDS.syncAnswers, { uri: doc.uri, apply: true }, { progressTitle: "Plan: applying answers" });
  await host.showInfo(`Plan: applied ${(applied.answers ?? []).length} answer(s) from the issue.`);
}

async function status(host: Host): Promise<void> {
  const doc = requirePlan(host);
  const result = await host.execute<StatusResult>(SERVER_COMMANDS.status, { uri: doc.uri });
  const items: PickItem<number | undefined>[] = (result.placeholders ?? []).map((p) => ({
    label: `$(question) ${p.question}`,
    description: p.id,
    detail: `line ${p.line + 1}${p.section ? ` · ${p.section}` : ""}`,
    value: p.line,
  }));
  for (const missing of result.missingSections ?? []) {
    items.push({ label: `$(warning) Missing section: ${missing}`, value: undefined });
  }
  if (items.length === 0) {
    await host.showInfo(`Plan: ${statusSummary(result)}.`);
    return;
  }
  const line = await host.showQuickPick(items, { title: `Plan status: ${statusSummary(result)}`, placeHolder: "Pick a question to go to it" });
  if (line !== undefined) await host.openDocument(doc.uri, line);
}

const IMPLEMENTATIONS: Record<PaletteCommand, (host: Host, args?: unknown[]) => Promise<void>> = {
  "planLsp.newFromIssue": newFromIssue,
  "planLsp.insertMissingSections": insertMissingSections,
  "planLsp.gatherContext": gatherContext,
  "planLsp.fillSection": fillSection,
  "planLsp.refine": refine,
  "planLsp.answerPlaceholder": answerPlaceholder,
  "planLsp.askOnIssue": askOnIssue,
  "planLsp.syncAnswers": syncAnswers,
  "planLsp.status": status,
};

/**
 * Runs a palette command; failures are shown to the user (never swallowed), cancellations are quiet.
 * Resolves to false when the command failed, for tests and callers that chain.
 */
export async function runCommand(host: Host, id: PaletteCommand, args: unknown[] = []): Promise<boolean> {
  try {
    await IMPLEMENTATIONS[id](host, args);
    return true;
  } catch (error) {
    if (isCancellation(error)) return false;
    if (error instanceof UserStop) {
      await host.showError(`Plan – ${COMMAND_TITLES[id]}: ${error.message}`);
      return false;
    }
    await host.showError(commandErrorMessage(COMMAND_TITLES[id], error), "Show server log");
    return false;
  }
}
