//! What a file says, reduced to what research needs: its identifiers (exact, for finding where a
//! symbol may be defined), the names that follow a definition keyword (for completion), and
//! lower-cased search terms split by case and underscores (for BM25 ranking).
//!
//! Tokenizing is lexical and language-agnostic on purpose: it runs on every file during the
//! background walk, where a tree-sitter parse of 100,000 files would be far too slow. Exact
//! symbol ranges come later, lazily, from `symbols`.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
#[cfg(test)]
use rustc_hash::FxHashMap;

use super::index::FileId;

/// Identifiers longer than this are generated data (hashes, base64), not names.
const MAX_IDENT_LEN: usize = 64;

/// Interned identifier (exact spelling, case-sensitive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentId(u32);

/// Interned search term (lower-case word).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(u32);

/// The tokens of one file, produced off-lock by a walker thread: one string buffer and ranges
/// into it, so a file costs three allocations rather than one per token.
#[derive(Debug, Default, Clone)]
pub struct ScannedContent {
    buf: String,
    idents: Vec<(u32, u16)>,
    /// Indexes into `idents` of names that follow a definition keyword.
    defs: Vec<u32>,
    terms: Vec<(u32, u16, u16)>,
    length: u32,
    /// Whether the file's text was read (not only its path).
    text_indexed: bool,
}

impl ScannedContent {
    /// Tokenizes source or prose text.
    pub fn from_text(text: &[u8]) -> Self {
        let mut raw_idents: Vec<(usize, usize)> = Vec::new();
        let mut def_starts: Vec<usize> = Vec::new();
        let mut expect_def = DefState::None;
        let mut i = 0;
        while i < text.len() {
            let c = text[i];
            if is_ident_start(c) {
                let start = i;
                while i < text.len() && is_ident_continue(text[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                if matches!(expect_def, DefState::Next) && word.len() >= 2 {
                    def_starts.push(start);
                }
                expect_def = match expect_def {
                    DefState::Receiver(_) => expect_def,
                    _ if is_definition_keyword(word) => DefState::Next,
                    _ => DefState::None,
                };
                if word.len() >= 2 && word.len() <= MAX_IDENT_LEN {
                    raw_idents.push((start, i));
                }
                continue;
            }
            if c.is_ascii_digit() {
                // Numbers (and identifiers glued to them, like `0x1f`) carry no meaning here.
                while i < text.len() && is_ident_continue(text[i]) {
                    i += 1;
                }
                continue;
            }
            if c == b'(' && matches!(expect_def, DefState::Next) {
                // Go receivers: `func (s *Server) Handle(` names `Handle`.
                expect_def = DefState::Receiver(1);
            } else if let DefState::Receiver(depth) = expect_def {
                expect_def = match c {
                    b'(' => DefState::Receiver(depth + 1),
                    b')' if depth == 1 => DefState::Next,
                    b')' => DefState::Receiver(depth - 1),
                    _ => expect_def,
                };
            } else if !c.is_ascii_whitespace() && !matches!(c, b'*' | b'&') {
                expect_def = DefState::None;
            }
            i += 1;
        }

        let mut out = ScannedContent {
            text_indexed: true,
            ..ScannedContent::default()
        };
        let mut lower = String::new();
        let mut term_ranges: Vec<(usize, usize)> = Vec::new();
        for &(start, end) in &raw_idents {
            split_identifier(&text[start..end], |ws, we| {
                let word = &text[start + ws..start + we];
                if word.len() >= 2 && !is_stopword(word) {
                    let at = lower.len();
                    lower.extend(word.iter().map(|b| b.to_ascii_lowercase() as char));
                    term_ranges.push((at, lower.len()));
                }
            });
        }
        out.length = u32::try_from(term_ranges.len()).unwrap_or(u32::MAX);

        // Unique identifiers, remembering which were definitions.
        let mut order: Vec<usize> = (0..raw_idents.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (sa, ea) = raw_idents[a];
            let (sb, eb) = raw_idents[b];
            text[sa..ea].cmp(&text[sb..eb])
        });
        def_starts.sort_unstable();
        let mut previous: Option<&[u8]> = None;
        for &k in &order {
            let (s, e) = raw_idents[k];
            let word = &text[s..e];
            let is_def = def_starts.binary_search(&s).is_ok();
            if previous == Some(word) {
                if is_def && out.defs.last() != Some(&(out.idents.len() as u32 - 1)) {
                    out.defs.push(out.idents.len() as u32 - 1);
                }
                continue;
            }
            previous = Some(word);
            let at = out.buf.len() as u32;
            // Identifiers are ASCII by construction.
            out.buf.extend(word.iter().map(|&b| b as char));
            out.idents.push((at, word.len() as u16));
            if is_def {
                out.defs.push(out.idents.len() as u32 - 1);
            }
        }

        term_ranges.sort_unstable_by(|a, b| lower[a.0..a.1].cmp(&lower[b.0..b.1]));
        let mut k = 0;
        while k < term_ranges.len() {
            let (s, e) = term_ranges[k];
            let word = &lower[s..e];
            let mut run = 1;
            while k + run < term_ranges.len() {
                let (s2, e2) = term_ranges[k + run];
                if &lower[s2..e2] != word {
                    break;
                }
                run += 1;
            }
            let at = out.buf.len() as u32;
            out.buf.push_str(word);
            out.terms
                .push((at, word.len() as u16, run.min(u16::MAX as usize) as u16));
            k += run;
        }
        out
    }

    /// Adds the terms of the file's path, each occurrence weighing [`PATH_TERM_WEIGHT`].
    pub fn with_path_terms(mut self, path: &str) -> Self {
        for term in terms_of(path) {
            let found = self.terms.iter().position(|&(s, l, _)| {
                &self.buf[s as usize..s as usize + l as usize] == term.as_str()
            });
            match found {
                Some(k) => self.terms[k].2 = self.terms[k].2.saturating_add(PATH_TERM_WEIGHT),
                None => {
                    let at = self.buf.len() as u32;
                    self.buf.push_str(&term);
                    self.terms.push((at, term.len() as u16, PATH_TERM_WEIGHT));
                }
            }
            self.length += u32::from(PATH_TERM_WEIGHT);
        }
        self
    }

    /// The unique identifiers of the file.
    pub fn identifiers(&self) -> impl Iterator<Item = &str> + '_ {
        self.idents
            .iter()
            .map(|&(s, l)| &self.buf[s as usize..s as usize + l as usize])
    }

    /// The names that follow a definition keyword (`fn`, `def`, `class`, `func`…).
    pub fn definitions(&self) -> impl Iterator<Item = &str> + '_ {
        self.defs.iter().map(|&k| {
            let (s, l) = self.idents[k as usize];
            &self.buf[s as usize..s as usize + l as usize]
        })
    }

    /// Unique lower-case terms with their counts.
    pub fn terms(&self) -> impl Iterator<Item = (&str, u16)> + '_ {
        self.terms
            .iter()
            .map(|&(s, l, tf)| (&self.buf[s as usize..s as usize + l as usize], tf))
    }

    /// Number of term occurrences (the document length for BM25).
    pub fn length(&self) -> u32 {
        self.length
    }
}

#[derive(Clone, Copy)]
enum DefState {
    None,
    Next,
    Receiver(u8),
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

fn is_definition_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"fn"
            | b"struct"
            | b"enum"
            | b"trait"
            | b"type"
            | b"mod"
            | b"const"
            | b"static"
            | b"union"
            | b"def"
            | b"class"
            | b"func"
            | b"function"
            | b"interface"
            | b"namespace"
    )
}

/// Words too common in code and prose to say what a file is about.
pub(super) fn is_stopword(word: &[u8]) -> bool {
    if word.len() > 8 {
        return false;
    }
    let mut lower = [0u8; 8];
    for (d, s) in lower.iter_mut().zip(word) {
        *d = s.to_ascii_lowercase();
    }
    matches!(
        &lower[..word.len()],
        b"the"
            | b"and"
            | b"or"
            | b"of"
            | b"to"
            | b"in"
            | b"is"
            | b"it"
            | b"be"
            | b"as"
            | b"at"
            | b"by"
            | b"on"
            | b"an"
            | b"if"
            | b"for"
            | b"this"
            | b"that"
            | b"with"
            | b"from"
            | b"are"
            | b"was"
            | b"not"
            | b"but"
            | b"we"
            | b"can"
            | b"will"
            | b"should"
            | b"would"
            | b"when"
            | b"then"
            | b"else"
            | b"into"
            | b"its"
            | b"so"
            | b"do"
            | b"no"
            | b"all"
            | b"any"
            | b"fn"
            | b"let"
            | b"mut"
            | b"pub"
            | b"use"
            | b"impl"
            | b"self"
            | b"return"
            | b"def"
            | b"var"
            | b"const"
            | b"func"
            | b"function"
            | b"import"
            | b"export"
            | b"package"
            | b"true"
            | b"false"
            | b"none"
            | b"null"
            | b"nil"
            | b"new"
            | b"match"
            | b"while"
            | b"elif"
            | b"pass"
            | b"crate"
            | b"super"
            | b"where"
            | b"async"
            | b"await"
            | b"str"
            | b"string"
            | b"int"
            | b"bool"
            | b"usize"
            | b"u32"
            | b"u64"
            | b"i32"
            | b"i64"
            | b"ok"
            | b"err"
            | b"some"
            | b"https"
            | b"http"
            | b"www"
            | b"com"
            // Words of an issue or a commit message that say nothing about where the code is.
            | b"has"
            | b"have"
            | b"had"
            | b"been"
            | b"being"
            | b"were"
            | b"also"
            | b"already"
            | b"now"
            | b"could"
            | b"did"
            | b"does"
            | b"just"
            | b"than"
            | b"very"
            | b"because"
            | b"which"
            | b"what"
            | b"there"
            | b"their"
            | b"they"
            | b"them"
            | b"these"
            | b"those"
            | b"our"
            | b"you"
            | b"your"
            | b"about"
            | b"such"
            | b"may"
            | b"might"
            | b"must"
            | b"seems"
            | b"think"
            | b"fix"
            | b"fixes"
            | b"fixed"
            | b"bug"
            | b"how"
            | b"why"
            | b"still"
            | b"even"
            | b"here"
            | b"via"
    )
}

/// Splits an identifier into word ranges, handed to `each` without allocating:
/// `apply_change` → `apply`, `change`; `HTTPServer2Config` → `HTTP`, `Server`, `Config`.
fn split_identifier(ident: &[u8], mut each: impl FnMut(usize, usize)) {
    let mut start: Option<usize> = None;
    for i in 0..ident.len() {
        let c = ident[i];
        if !c.is_ascii_alphabetic() {
            if let Some(s) = start.take() {
                each(s, i);
            }
            continue;
        }
        match start {
            None => start = Some(i),
            Some(s) => {
                let prev = ident[i - 1];
                let next_lower = ident.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                let boundary = c.is_ascii_uppercase()
                    && (prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower));
                if boundary {
                    each(s, i);
                    start = Some(i);
                }
            }
        }
    }
    if let Some(s) = start {
        each(s, ident.len());
    }
}

/// Whether a token looks like a commit or object id: seven or more hex digits, some of them
/// digits (so `deadbeef`-like words without digits stay words).
fn is_hex_id(token: &[u8]) -> bool {
    token.len() >= 7
        && token.iter().all(u8::is_ascii_hexdigit)
        && token.iter().any(u8::is_ascii_digit)
}

/// The lower-case search terms of free text (an issue, a heading, a path), in order, with
/// stopwords removed: the query side of BM25 uses exactly the tokenizer the files went through.
pub fn terms_of(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident_start(bytes[i]) {
            let start = i;
            while i < bytes.len() && is_ident_continue(bytes[i]) {
                i += 1;
            }
            if is_hex_id(&bytes[start..i]) {
                // A commit or object id quoted in an issue, not a word.
                continue;
            }
            split_identifier(&bytes[start..i], |s, e| {
                let word = &bytes[start + s..start + e];
                if word.len() >= 2 && !is_stopword(word) {
                    out.push(
                        word.iter()
                            .map(|b| b.to_ascii_lowercase() as char)
                            .collect(),
                    );
                }
            });
        } else {
            i += 1;
        }
    }
    out
}

/// A string interner: ids are dense and stable for the life of the index. Strings live once,
/// in one arena; the table holds only ids.
#[derive(Default)]
pub(super) struct Interner {
    arena: String,
    spans: Vec<(u32, u32)>,
    table: HashTable<u32>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.spans.len())
            .finish()
    }
}

fn hash_str(s: &str) -> u64 {
    FxBuildHasher.hash_one(s)
}

fn span_str<'a>(arena: &'a str, spans: &[(u32, u32)], id: u32) -> &'a str {
    let (at, len) = spans[id as usize];
    &arena[at as usize..at as usize + len as usize]
}

impl Interner {
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        let hash = hash_str(s);
        let (arena, spans) = (&self.arena, &self.spans);
        if let Some(&id) = self.table.find(hash, |&id| span_str(arena, spans, id) == s) {
            return id;
        }
        let id = self.spans.len() as u32;
        self.spans.push((self.arena.len() as u32, s.len() as u32));
        self.arena.push_str(s);
        let (arena, spans) = (&self.arena, &self.spans);
        self.table
            .insert_unique(hash, id, |&i| hash_str(span_str(arena, spans, i)));
        id
    }

    pub(super) fn get(&self, s: &str) -> Option<u32> {
        self.table
            .find(hash_str(s), |&id| self.name(id) == s)
            .copied()
    }

    pub(super) fn name(&self, id: u32) -> &str {
        span_str(&self.arena, &self.spans, id)
    }

    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }
}

/// A postings list that holds its first entry inline: most identifiers occur in one file.
#[derive(Debug, Clone, Default)]
enum Postings<T> {
    #[default]
    Empty,
    One(T),
    Many(Vec<T>),
}

impl<T: Copy> Postings<T> {
    fn push(&mut self, item: T) {
        *self = match std::mem::take(self) {
            Self::Empty => Self::One(item),
            Self::One(first) => Self::Many(vec![first, item]),
            Self::Many(mut items) => {
                items.push(item);
                Self::Many(items)
            }
        };
    }

    fn as_slice(&self) -> &[T] {
        match self {
            Self::Empty => &[],
            Self::One(item) => std::slice::from_ref(item),
            Self::Many(items) => items,
        }
    }

    fn retain(&mut self, keep: impl Fn(&T) -> bool) {
        let mut items: Vec<T> = self
            .as_slice()
            .iter()
            .copied()
            .filter(|i| keep(i))
            .collect();
        *self = match items.len() {
            0 => Self::Empty,
            1 => Self::One(items.remove(0)),
            _ => Self::Many(items),
        };
    }
}

/// Per-file entry kept for removal and BM25 lengths: identifier ids, then the indexes of the
/// definitions among them, then term ids, in one allocation.
#[derive(Debug)]
struct FileTokens {
    tokens: Box<[u32]>,
    idents: u32,
    defs: u32,
    length: u32,
    text_indexed: bool,
}

impl FileTokens {
    fn idents(&self) -> &[u32] {
        &self.tokens[..self.idents as usize]
    }

    fn defs(&self) -> &[u32] {
        &self.tokens[self.idents as usize..(self.idents + self.defs) as usize]
    }

    fn terms(&self) -> &[u32] {
        &self.tokens[(self.idents + self.defs) as usize..]
    }
}

/// Weight of a path-segment term relative to a term in the body: a file named after a
/// concept is more likely about it than one that mentions it.
pub const PATH_TERM_WEIGHT: u16 = 3;

/// Inverted index over every file's identifiers and terms. Ids are dense, so the postings
/// are vectors indexed by id rather than hash maps.
#[derive(Debug, Default)]
pub struct ContentIndex {
    idents: Interner,
    terms: Interner,
    ident_files: Vec<Postings<FileId>>,
    /// Files where each identifier follows a definition keyword.
    def_files: Vec<Postings<FileId>>,
    term_postings: Vec<Postings<(FileId, u16)>>,
    files: Vec<Option<FileTokens>>,
    file_count: usize,
    /// Files whose text (not only their path) was tokenized, and their summed lengths: the
    /// average BM25 length is taken over these, so thousands of path-only files (images,
    /// data) do not make every real source file look long.
    text_file_count: usize,
    text_total_length: u64,
}

impl ContentIndex {
    /// Adds (or replaces) a file's tokens.
    pub fn insert(&mut self, file: FileId, content: &ScannedContent) {
        self.remove(file);
        let mut tokens =
            Vec::with_capacity(content.idents.len() + content.defs.len() + content.terms.len());
        for name in content.identifiers() {
            let id = self.idents.intern(name);
            if id as usize == self.ident_files.len() {
                self.ident_files.push(Postings::Empty);
                self.def_files.push(Postings::Empty);
            }
            self.ident_files[id as usize].push(file);
            tokens.push(id);
        }
        for &k in &content.defs {
            let id = tokens[k as usize];
            self.def_files[id as usize].push(file);
            tokens.push(id);
        }
        for (term, count) in content.terms() {
            let id = self.terms.intern(term);
            if id as usize == self.term_postings.len() {
                self.term_postings.push(Postings::Empty);
            }
            self.term_postings[id as usize].push((file, count));
            tokens.push(id);
        }
        if content.text_indexed {
            self.text_file_count += 1;
            self.text_total_length += u64::from(content.length);
        }
        let slot = file.0 as usize;
        if slot >= self.files.len() {
            self.files.resize_with(slot + 1, || None);
        }
        self.files[slot] = Some(FileTokens {
            tokens: tokens.into(),
            idents: content.idents.len() as u32,
            defs: content.defs.len() as u32,
            length: content.length,
            text_indexed: content.text_indexed,
        });
        self.file_count += 1;
    }

    /// Forgets a file's tokens.
    pub fn remove(&mut self, file: FileId) {
        let Some(tokens) = self.files.get_mut(file.0 as usize).and_then(Option::take) else {
            return;
        };
        for &id in tokens.idents() {
            self.ident_files[id as usize].retain(|&f| f != file);
        }
        for &id in tokens.defs() {
            self.def_files[id as usize].retain(|&f| f != file);
        }
        for &id in tokens.terms() {
            self.term_postings[id as usize].retain(|&(f, _)| f != file);
        }
        if tokens.text_indexed {
            self.text_file_count -= 1;
            self.text_total_length -= u64::from(tokens.length);
        }
        self.file_count -= 1;
    }

    /// Files whose text contains `identifier` exactly.
    pub fn files_with_identifier(&self, identifier: &str) -> &[FileId] {
        self.idents
            .get(identifier)
            .map_or(&[], |id| self.ident_files[id as usize].as_slice())
    }

    /// Files where `identifier` follows a definition keyword (`fn`, `class`, `def`, `func`…).
    pub fn files_defining(&self, identifier: &str) -> &[FileId] {
        self.idents
            .get(identifier)
            .map_or(&[], |id| self.def_files[id as usize].as_slice())
    }

    /// Names defined somewhere in the workspace (after `fn`, `class`, `def`…) that start with
    /// `prefix`, most defined first, at most `limit`.
    pub fn defined_names_with_prefix(&self, prefix: &str, limit: usize) -> Vec<&str> {
        let mut hits: Vec<(&str, u32)> = (0..self.idents.len() as u32)
            .map(|id| (id, self.def_files[id as usize].as_slice().len() as u32))
            .filter(|&(_, n)| n > 0)
            .map(|(id, n)| (self.idents.name(id), n))
            .filter(|(name, _)| name.starts_with(prefix))
            .collect();
        hits.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        hits.truncate(limit);
        hits.into_iter().map(|(name, _)| name).collect()
    }

    /// Whether `name` follows a definition keyword somewhere in the workspace.
    pub fn is_defined(&self, name: &str) -> bool {
        self.idents
            .get(name)
            .is_some_and(|id| !self.def_files[id as usize].as_slice().is_empty())
    }

    /// The term id of a lower-case word, if any file contains it.
    pub fn term(&self, word: &str) -> Option<TermId> {
        self.terms.get(word).map(TermId)
    }

    /// Every term some file still contains, with its id (the vocabulary, for word-form and
    /// compound matching of a query).
    pub fn vocabulary(&self) -> impl Iterator<Item = (TermId, &str)> + '_ {
        (0..self.terms.len() as u32)
            .filter(|&id| !self.term_postings[id as usize].as_slice().is_empty())
            .map(|id| (TermId(id), self.terms.name(id)))
    }

    /// The word of a term id.
    pub fn term_text(&self, term: TermId) -> &str {
        self.terms.name(term.0)
    }

    /// Files containing `term`, with weighted frequencies.
    pub fn postings(&self, term: TermId) -> &[(FileId, u16)] {
        self.term_postings
            .get(term.0 as usize)
            .map_or(&[], Postings::as_slice)
    }

    /// BM25 length of a file (weighted term occurrences).
    pub fn length(&self, file: FileId) -> u32 {
        self.files
            .get(file.0 as usize)
            .and_then(Option::as_ref)
            .map_or(0, |t| t.length)
    }

    /// Number of files with tokens.
    pub fn file_count(&self) -> usize {
        self.file_count
    }

    /// Mean BM25 length over the files whose text was tokenized.
    pub fn average_text_length(&self) -> f32 {
        if self.text_file_count == 0 {
            0.0
        } else {
            self.text_total_length as f32 / self.text_file_count as f32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        split_identifier(s.as_bytes(), |a, b| out.push(&s[a..b]));
        out
    }

    #[test]
    fn identifiers_split_by_case_underscore_and_digits() {
        assert_eq!(split("apply_change"), ["apply", "change"]);
        assert_eq!(split("applyChange"), ["apply", "Change"]);
        assert_eq!(split("HTTPServer2Config"), ["HTTP", "Server", "Config"]);
        assert_eq!(split("__init__"), ["init"]);
        assert_eq!(split("parseJSONValue"), ["parse", "JSON", "Value"]);
    }

    #[test]
    fn scanning_collects_identifiers_definitions_and_terms() {
        let src = b"// Parse the plan document\npub fn parse_plan(text: &str) -> Plan { Plan::new(text) }\nfunc (s *Server) HandleRequest() {}\nclass Indexer:\n  def run(self): pass\n";
        let c = ScannedContent::from_text(src);
        let idents: Vec<&str> = c.identifiers().collect();
        assert!(idents.contains(&"parse_plan"));
        assert!(idents.contains(&"Plan"));
        assert!(!idents.contains(&"s"), "single letters are noise");
        let mut defs: Vec<&str> = c.definitions().collect();
        defs.sort_unstable();
        assert_eq!(defs, ["HandleRequest", "Indexer", "parse_plan", "run"]);
        let terms: FxHashMap<&str, u16> = c.terms().collect();
        assert_eq!(
            terms.get("plan"),
            Some(&4),
            "comment, parse_plan, Plan twice"
        );
        assert_eq!(terms.get("document"), Some(&1));
        assert!(!terms.contains_key("the"));
        assert!(!terms.contains_key("fn"));
    }

    #[test]
    fn commit_ids_in_text_are_not_words() {
        assert_eq!(
            terms_of("introduced by commit efd9cfb2fc1f0233de in decade"),
            ["introduced", "commit", "decade"]
        );
    }

    #[test]
    fn query_terms_use_the_same_tokenizer() {
        assert_eq!(
            terms_of("Index the workspace with `WorkspaceIndex::apply_change`"),
            [
                "index",
                "workspace",
                "workspace",
                "index",
                "apply",
                "change"
            ]
        );
    }

    #[test]
    fn removing_a_file_forgets_its_postings() {
        let mut index = ContentIndex::default();
        let a = ScannedContent::from_text(b"fn alpha_beta() {}");
        let b = ScannedContent::from_text(b"fn alpha_gamma() {}");
        index.insert(FileId(0), &a.with_path_terms("src/a.rs"));
        let b = b.with_path_terms("src/b.rs");
        index.insert(FileId(1), &b);
        assert_eq!(index.files_with_identifier("alpha_beta"), [FileId(0)]);
        assert_eq!(index.files_defining("alpha_beta"), [FileId(0)]);
        let alpha = index.term("alpha").unwrap();
        assert_eq!(index.postings(alpha).len(), 2);
        assert_eq!(
            index.defined_names_with_prefix("alpha", 10),
            ["alpha_beta", "alpha_gamma"]
        );
        index.remove(FileId(0));
        assert!(index.files_with_identifier("alpha_beta").is_empty());
        assert_eq!(index.postings(alpha), [(FileId(1), 1)]);
        assert_eq!(
            index.defined_names_with_prefix("alpha", 10),
            ["alpha_gamma"]
        );
        assert_eq!(index.file_count(), 1);
        let before = index.average_text_length();
        index.insert(FileId(1), &b);
        assert_eq!(
            index.average_text_length(),
            before,
            "re-insert replaces, not adds"
        );
    }

    #[test]
    fn path_terms_are_weighted() {
        let mut index = ContentIndex::default();
        index.insert(
            FileId(3),
            &ScannedContent::default().with_path_terms("src/workspace/rank.rs"),
        );
        let rank = index.term("rank").unwrap();
        assert_eq!(index.postings(rank), [(FileId(3), PATH_TERM_WEIGHT)]);
        assert!(index.term("rs").is_some());
    }

    #[test]
    fn average_length_counts_only_files_whose_text_was_read() {
        let mut index = ContentIndex::default();
        let long = ScannedContent::from_text(b"fn alpha_beta_gamma_delta() {}");
        index.insert(FileId(0), &long.with_path_terms("src/a.rs"));
        for k in 1..50 {
            let path = format!("assets/image{k}.png");
            index.insert(FileId(k), &ScannedContent::default().with_path_terms(&path));
        }
        let expected = index.length(FileId(0)) as f32;
        assert_eq!(
            index.average_text_length(),
            expected,
            "path-only files ignored"
        );
        index.remove(FileId(0));
        assert_eq!(index.average_text_length(), 0.0);
    }
}
