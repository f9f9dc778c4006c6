//! What a plan means by a file that does not exist: one it will create ("`x.go` (NEW)",
//! "Create `x`", a table row saying Add), one it deletes or renames, or one it says is absent
//! ("No `package.json` exists"). Read from the words around the reference, its table row and
//! column, and its section's title. Asked only for references that resolve to nothing.

use std::ops::Range;
use std::sync::OnceLock;

use regex::Regex;

/// What the words around a missing file say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Nothing said: the plan cites it as if it existed.
    Cites,
    /// The plan creates it.
    Creates,
    /// The plan deletes, renames or moves it.
    Removes,
    /// The plan states that it does not exist.
    Absent,
}

fn words(pattern: &str) -> Regex {
    Regex::new(&format!(r"(?i)\b(?:{pattern})\b")).expect("valid regex")
}

fn creates() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        words("new|create|creates|created|creating|add|adds|added|adding|introduce|introduces|introducing|scaffold|scaffolds|generate|generates|write|writes|implement|implements|build|builds|set up|to be created")
    })
}

fn removes() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        words("delete|deletes|deleted|deleting|remove|removes|removed|removing|rename|renames|renamed|renaming|move|moves|moved|moving|drop|drops|dropped|retire|retired|obsolete|replaced|replace|replaces|deprecated")
    })
}

/// "No `x`", "without `x`", "there is no `x`" just before the reference.
fn absent_before() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)\b(?:no|without|missing|lacks?|absent|not even)\s*[*_]*\s*$")
            .expect("valid regex")
    })
}

/// "`x` does not exist", "`x` is missing" just after it.
fn absent_after() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^[\s*_]*(?:\([^)]*\)\s*)?(?:(?:file|folder|directory)\s+)?(?:does ?n[o']t|do ?n[o']t|did ?n[o']t|is ?n[o']t|are ?n[o']t|was ?n[o']t|never)\s+(?:yet\s+)?(?:exist|present|there|found|created|checked in)|^[\s*_]*(?:is|are) (?:missing|absent|gone)")
            .expect("valid regex")
    })
}

/// `**File:**`, `File:`, `- **Files**:` at the start of a line, right before the reference.
fn file_label() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^\s*(?:[-*+]\s+)?[*_]*(?:new\s+)?files?[*_]*\s*:\s*[*_]*\s*$")
            .expect("valid regex")
    })
}

/// What the text around `range` (a reference in `text`) says of its file; `section` is the title
/// of the section it sits in.
pub fn intent(text: &str, range: Range<usize>, section: Option<&str>) -> Intent {
    let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i);
    let line = &text[line_start..line_end];
    let at = range.start - line_start..range.end - line_start;
    if line.trim_start().starts_with('|') {
        if let Some(intent) = table_intent(text, line_start, line, at.clone()) {
            return intent;
        }
    }
    // A step that names its file ("**File:** `x`") or a heading about it: the plan works on it, and
    // since it is missing, makes it.
    if line.trim_start().starts_with('#') || file_label().is_match(&line[..at.start]) {
        return Intent::Creates;
    }
    // The clause the reference sits in: from the last sentence break before it to the next after.
    let before = clause_before(&line[..at.start]);
    let after = clause_after(&line[at.end..]);
    if line[..at.start].contains("~~") && line[at.end..].contains("~~") {
        return Intent::Removes; // Struck through.
    }
    if absent_before().is_match(before) || absent_after().is_match(after) {
        return Intent::Absent;
    }
    let around = |re: &Regex| re.is_match(before) || re.is_match(after);
    if around(removes()) {
        return Intent::Removes;
    }
    if around(creates()) {
        return Intent::Creates;
    }
    if let Some(title) = section {
        if removes().is_match(title) {
            return Intent::Removes;
        }
        if creates().is_match(title) {
            return Intent::Creates;
        }
    }
    Intent::Cites
}

fn clause_before(before: &str) -> &str {
    let cut = before
        .rfind(". ")
        .or_else(|| before.rfind("; "))
        .map_or(0, |i| i + 2);
    &before[cut..]
}

fn clause_after(after: &str) -> &str {
    let cut = [". ", "; ", ", and ", " and then "]
        .iter()
        .filter_map(|s| after.find(s))
        .min()
        .unwrap_or(after.len());
    &after[..cut]
}

/// A table row that says Create/New/Add or Delete/Remove/Rename in another cell, or a column whose
/// header says so.
fn table_intent(text: &str, line_start: usize, row: &str, at: Range<usize>) -> Option<Intent> {
    let row_cells = cells(row);
    let column = row_cells
        .iter()
        .position(|c| c.start <= at.start && at.start < c.end);
    let verdict = |cell: &str| {
        let cell = cell
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        let first = cell.split_whitespace().next().unwrap_or("");
        if removes().is_match(first) {
            Some(Intent::Removes)
        } else if creates().is_match(first) {
            Some(Intent::Creates)
        } else {
            None
        }
    };
    for (i, cell) in row_cells.iter().enumerate() {
        if Some(i) != column {
            if let Some(intent) = verdict(&row[cell.clone()]) {
                return Some(intent);
            }
        }
    }
    // The header: the first of the contiguous table lines above.
    let column = column?;
    let mut header_start = line_start;
    while header_start > 0 {
        let previous_start = text[..header_start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !text[previous_start..header_start - 1]
            .trim_start()
            .starts_with('|')
        {
            break;
        }
        header_start = previous_start;
    }
    if header_start == line_start {
        return None;
    }
    let header_end = text[header_start..]
        .find('\n')
        .map_or(text.len(), |i| header_start + i);
    let header = &text[header_start..header_end];
    let cell = cells(header).get(column).cloned()?;
    verdict(&header[cell])
}

/// The byte ranges of a table row's cells (between unescaped pipes).
fn cells(row: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, c) in row.char_indices() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '|' if !escaped => {
                if let Some(s) = start {
                    out.push(s..i);
                }
                start = Some(i + 1);
            }
            _ => {}
        }
        escaped = false;
    }
    if let Some(s) = start {
        if !row[s..].trim().is_empty() {
            out.push(s..row.len());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str, reference: &str) -> Intent {
        of_in(text, reference, None)
    }

    fn of_in(text: &str, reference: &str, section: Option<&str>) -> Intent {
        let start = text.find(reference).unwrap();
        intent(text, start..start + reference.len(), section)
    }

    #[test]
    fn files_the_plan_creates() {
        assert_eq!(
            of("- `cmd/out.go` (NEW)\n", "`cmd/out.go`"),
            Intent::Creates
        );
        assert_eq!(
            of("Create `lib/x.ts` with the parser.", "`lib/x.ts`"),
            Intent::Creates
        );
        assert_eq!(
            of("**New file:** `lib/x.ts`", "`lib/x.ts`"),
            Intent::Creates
        );
        assert_eq!(
            of("We add `lib/x.ts` for it.", "`lib/x.ts`"),
            Intent::Creates
        );
        assert_eq!(
            of("**File:** `lib/x_test.go`\n", "`lib/x_test.go`"),
            Intent::Creates
        );
        assert_eq!(
            of("**File: `lib/x.tsx`**\n", "`lib/x.tsx`"),
            Intent::Creates
        );
        assert_eq!(
            of("#### Hook script: `hooks/x.sh`\n", "`hooks/x.sh`"),
            Intent::Creates
        );
        assert_eq!(
            of(
                "| File | Change |\n|---|---|\n| `lib/x.ts` | Create |\n",
                "`lib/x.ts`"
            ),
            Intent::Creates
        );
        assert_eq!(
            of(
                "| New files | Why |\n|---|---|\n| `lib/x.ts` | parser |\n",
                "`lib/x.ts`"
            ),
            Intent::Creates
        );
        assert_eq!(
            of_in(
                "- `lib/x.ts`: the parser\n",
                "`lib/x.ts`",
                Some("Files to create")
            ),
            Intent::Creates
        );
    }

    #[test]
    fn files_the_plan_removes_or_says_are_absent() {
        assert_eq!(
            of("| `old/a.go` | DELETE |\n", "`old/a.go`"),
            Intent::Removes
        );
        assert_eq!(
            of("Remove `old/a.go` entirely.", "`old/a.go`"),
            Intent::Removes
        );
        assert_eq!(
            of("Rename `old/a.go` to `new/a.go`.", "`old/a.go`"),
            Intent::Removes
        );
        assert_eq!(of("- ~~`old/a.go`~~ gone\n", "`old/a.go`"), Intent::Removes);
        assert_eq!(
            of(
                "No `package.json` exists in the project root.",
                "`package.json`"
            ),
            Intent::Absent
        );
        assert_eq!(
            of("`web/app.css` does not exist yet.", "`web/app.css`"),
            Intent::Absent
        );
    }

    #[test]
    fn plain_citations_and_other_clauses() {
        assert_eq!(
            of("The parser lives in `src/p.rs:12`.", "`src/p.rs:12`"),
            Intent::Cites
        );
        // A creating word in another sentence does not count.
        assert_eq!(
            of(
                "We create a cache. The parser lives in `src/p.rs`.",
                "`src/p.rs`"
            ),
            Intent::Cites
        );
        assert_eq!(
            of(
                "| File | Purpose |\n|---|---|\n| `src/p.rs` | parser |\n",
                "`src/p.rs`"
            ),
            Intent::Cites
        );
    }
}
