// Client-side check of "owner/repo#N" or an issue URL before asking the server to fetch it.

export interface IssueRef {
  owner: string;
  repo: string;
  number: number;
}

const SHORT = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})#([1-9][0-9]*)$/;
const URL_RE = /^https?:\/\/[^/\s]+\/(?:api\/v3\/repos\/)?([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/(?:issues|pull)\/([1-9][0-9]*)\/?(?:[#?].*)?$/;

export function parseIssueRef(text: string): IssueRef | undefined {
  const t = text.trim();
  const m = SHORT.exec(t) ?? URL_RE.exec(t);
  if (!m) return undefined;
  return { owner: m[1], repo: m[2], number: Number(m[3]) };
}

/** Input box validation: undefined when valid, else what is wrong. */
export function validateIssueInput(text: string): string | undefined {
  if (text.trim() === "") return "Enter an issue as owner/repo#123 or its URL";
  return parseIssueRef(text) ? undefined : "Not an issue reference: use owner/repo#123 or https://github.com/owner/repo/issues/123";
}
