// Section headings of a plan, from the server's document symbols or, failing that, from the text.

export interface Section {
  title: string;
  level: number;
  /** 0-based line of the heading. */
  line: number;
}

export interface SymbolLike {
  name: string;
  range?: { start: { line: number } };
  location?: { range: { start: { line: number } } };
  children?: SymbolLike[];
}

export function sectionsFromSymbols(symbols: SymbolLike[] | null | undefined, level = 1): Section[] {
  const out: Section[] = [];
  for (const s of symbols ?? []) {
    const line = s.range?.start.line ?? s.location?.range.start.line ?? 0;
    out.push({ title: s.name.replace(/^#+\s*/, "").trim(), level, line });
    out.push(...sectionsFromSymbols(s.children, level + 1));
  }
  return out.sort((a, b) => a.line - b.line);
}

/** ATX headings outside fenced code blocks. */
export function sectionsFromText(text: string): Section[] {
  const out: Section[] = [];
  let fence: string | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, line) => {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (f) {
      if (!fence) fence = f[1];
      else if (f[1][0] === fence[0] && f[1].length >= fence.length) fence = undefined;
      return;
    }
    if (fence) return;
    const h = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(raw);
    if (h && h[2].trim() !== "") out.push({ title: h[2].trim(), level: h[1].length, line });
  });
  return out;
}

/** The innermost section whose heading is at or above the line. */
export function sectionAt(sections: Section[], line: number): Section | undefined {
  let found: Section | undefined;
  for (const s of sections) {
    if (s.line <= line) found = s;
    else break;
  }
  return found;
}
