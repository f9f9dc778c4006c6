// Server commands and result shapes from docs/PROTOCOL.md.

export const SERVER_COMMANDS = {
  insertMissingSections: "plan.insertMissingSections",
  insertSection: "plan.insertSection",
  movePlaceholderToOpenQuestions: "plan.movePlaceholderToOpenQuestions",
  status: "plan.status",
  gatherContext: "plan.gatherContext",
  newFromIssue: "plan.newFromIssue",
  fillSection: "plan.fillSection",
  refine: "plan.refine",
  suggestAnswer: "plan.suggestAnswer",
  answerPlaceholder: "plan.answerPlaceholder",
  askOnIssue: "plan.askOnIssue",
  syncAnswers: "plan.syncAnswers",
} as const;

export type ServerCommand = (typeof SERVER_COMMANDS)[keyof typeof SERVER_COMMANDS];

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface PlaceholderInfo {
  id: string;
  question: string;
  line: number;
  section?: string | null;
}

export interface StatusResult {
  open: number;
  answered: number;
  missingSections: string[];
  placeholders: PlaceholderInfo[];
  issueDrift?: unknown;
}

export interface InsertResult {
  inserted: string[];
}

export interface GatherResult {
  files: unknown[];
  documents: unknown[];
  markdown: string;
}

export interface AppliedResult {
  applied: boolean;
}

export interface SyncResult {
  answers: { placeholder: string; answer: string; author?: string | null }[];
}

/** JSON-RPC RequestCancelled / ServerCancelled / ContentModified. */
export const CANCELLED_CODES = new Set([-32800, -32802]);
