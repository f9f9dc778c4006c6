//! Code symbols from tree-sitter grammars (Rust, Python, TypeScript, TSX also for JavaScript, Go):
//! functions, methods, types, traits/interfaces, modules and constants, with qualified names
//! (`crate::plan::parse`, `Document::apply_change`, `pkg.Func`, `Class.method`), ranges and a
//! one-line signature.
//!
//! Files are parsed lazily, on the first lookup that needs them, and cached by modification
//! time and size. A lookup by name finds its candidate files through the identifier postings of
//! the workspace index, so only files that mention the name are ever parsed.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use tree_sitter::{Language, Node, Parser};

use super::bounded::insert_bounded;
use super::disk::{Door, RealDisk};
use super::index::{FileId, FileLanguage, WorkspaceIndex};
use super::no_wait;

/// The most files one lookup parses; beyond this a name is too common to be a useful reference.
const MAX_PARSED_CANDIDATES: usize = 500;

/// Up to this many files mentioning a name are all parsed to find its definitions.
const ALL_MENTIONS_UP_TO: usize = 200;

/// Longest signature kept, in bytes.
const MAX_SIGNATURE: usize = 240;

/// What a symbol is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SymbolKind {
    /// A free function.
    Function,
    /// A function in an impl, class, trait or interface.
    Method,
    /// A Rust or Go struct (or Rust union).
    Struct,
    /// A class.
    Class,
    /// An enum.
    Enum,
    /// A Rust trait.
    Trait,
    /// A TypeScript or Go interface.
    Interface,
    /// A type alias or other named type.
    TypeAlias,
    /// A module or namespace.
    Module,
    /// A constant.
    Const,
    /// A Rust static.
    Static,
    /// A Rust `macro_rules!` macro.
    Macro,
}

impl SymbolKind {
    /// A short word for outlines.
    pub fn label(self) -> &'static str {
        match self {
            Self::Function => "fn",
            Self::Method => "method",
            Self::Struct => "struct",
            Self::Class => "class",
            Self::Enum => "enum",
            Self::Trait => "trait",
            Self::Interface => "interface",
            Self::TypeAlias => "type",
            Self::Module => "module",
            Self::Const => "const",
            Self::Static => "static",
            Self::Macro => "macro",
        }
    }
}

/// A span of source: zero-based lines, byte columns within the line, and byte offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TextSpan {
    /// Zero-based start line.
    pub start_line: u32,
    /// Byte column of the start within its line.
    pub start_col: u32,
    /// Zero-based end line.
    pub end_line: u32,
    /// Byte column of the end within its line.
    pub end_col: u32,
    /// Byte offset of the start.
    pub start_byte: u32,
    /// Byte offset of the end.
    pub end_byte: u32,
}

impl TextSpan {
    fn of(node: Node) -> Self {
        let (s, e) = (node.start_position(), node.end_position());
        Self {
            start_line: s.row as u32,
            start_col: s.column as u32,
            end_line: e.row as u32,
            end_col: e.column as u32,
            start_byte: node.start_byte() as u32,
            end_byte: node.end_byte() as u32,
        }
    }
}

/// One definition in a source file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Symbol {
    /// The defined name.
    pub name: String,
    /// Module path, enclosing types and name, joined with the language's separator.
    pub qualified: String,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole definition.
    pub range: TextSpan,
    /// The name.
    pub selection: TextSpan,
    /// The head of the definition on one line (`pub fn parse(text: &str) -> Plan`).
    pub signature: String,
}

/// The separator of qualified names in a language.
pub fn separator(kind: FileLanguage) -> &'static str {
    if kind == FileLanguage::Rust {
        "::"
    } else {
        "."
    }
}

/// The symbols of one parsed file, valid for the recorded modification time and size.
#[derive(Debug)]
pub struct FileSymbols {
    /// Modification time the symbols were read at.
    pub mtime: u64,
    /// Size the symbols were read at.
    pub size: u64,
    /// Definitions in source order.
    pub symbols: Vec<Symbol>,
}

fn grammar(kind: FileLanguage) -> Option<Language> {
    Some(match kind {
        FileLanguage::Rust => tree_sitter_rust::LANGUAGE.into(),
        FileLanguage::Python => tree_sitter_python::LANGUAGE.into(),
        FileLanguage::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        // JavaScript (with JSX) is TSX without types: one grammar fewer in the binary (380 KB of
        // parse tables) and the same declarations. Plain TypeScript keeps its own grammar: TSX
        // reads a `<T>value` cast as JSX and loses the rest of the file.
        FileLanguage::Tsx | FileLanguage::JavaScript => tree_sitter_typescript::LANGUAGE_TSX.into(),
        FileLanguage::Go => tree_sitter_go::LANGUAGE.into(),
        FileLanguage::Markdown | FileLanguage::Other => return None,
    })
}

thread_local! {
    static PARSERS: RefCell<FxHashMap<FileLanguage, Parser>> = RefCell::new(FxHashMap::default());
}

/// Extracts the symbols of a source file. `rel_path` gives the module path of Rust and Python
/// files. Returns nothing for kinds without a grammar.
pub fn extract(kind: FileLanguage, rel_path: &str, source: &[u8]) -> Vec<Symbol> {
    let Some(language) = grammar(kind) else {
        return Vec::new();
    };
    let tree = PARSERS.with(|parsers| {
        let mut parsers = parsers.borrow_mut();
        let parser = parsers.entry(kind).or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&language)
                .expect("grammar matches the tree-sitter ABI");
            parser
        });
        parser.parse(source, None)
    });
    let Some(tree) = tree else {
        return Vec::new();
    };
    let mut extractor = Extractor {
        src: source,
        sep: separator(kind),
        module: module_path(kind, rel_path),
        scope: Vec::new(),
        out: Vec::new(),
    };
    let root = tree.root_node();
    match kind {
        FileLanguage::Rust => extractor.rust_items(root, false),
        FileLanguage::Python => extractor.python_block(root, false),
        FileLanguage::Go => extractor.go_file(root),
        FileLanguage::TypeScript | FileLanguage::Tsx | FileLanguage::JavaScript => {
            extractor.js_statements(root)
        }
        FileLanguage::Markdown | FileLanguage::Other => {}
    }
    extractor.out
}

/// The module prefix of qualified names: `crate::plan::parse` for `src/plan/parse.rs`,
/// `pkg.mod` for `pkg/mod.py`. Go takes its package from the source; TS/JS have none.
fn module_path(kind: FileLanguage, rel_path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or(file);
    match kind {
        FileLanguage::Rust => {
            let after_src = parts
                .iter()
                .rposition(|p| *p == "src")
                .map_or(&parts[..0], |i| &parts[i + 1..]);
            let mut out = vec!["crate".to_owned()];
            out.extend(after_src.iter().map(|p| (*p).to_owned()));
            if !matches!(stem, "lib" | "main" | "mod") {
                out.push(stem.to_owned());
            }
            out
        }
        FileLanguage::Python => {
            let start = usize::from(parts.first() == Some(&"src"));
            let mut out: Vec<String> = parts[start..].iter().map(|p| (*p).to_owned()).collect();
            if stem != "__init__" {
                out.push(stem.to_owned());
            }
            out
        }
        _ => Vec::new(),
    }
}

struct Extractor<'a> {
    src: &'a [u8],
    sep: &'static str,
    module: Vec<String>,
    scope: Vec<String>,
    out: Vec<Symbol>,
}

fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

impl<'a> Extractor<'a> {
    fn text(&self, node: Node) -> &'a str {
        std::str::from_utf8(&self.src[node.byte_range()]).unwrap_or("")
    }

    /// Records a definition; `head_end` is where its signature stops (usually the body).
    fn push(&mut self, node: Node, name: Node, kind: SymbolKind, head_end: Option<usize>) {
        let name_text = self.text(name);
        if name_text.is_empty() {
            return;
        }
        let mut qualified = String::new();
        for part in self.module.iter().chain(&self.scope) {
            qualified.push_str(part);
            qualified.push_str(self.sep);
        }
        qualified.push_str(name_text);
        let end = head_end.unwrap_or_else(|| node.end_byte());
        self.out.push(Symbol {
            name: name_text.to_owned(),
            qualified,
            kind,
            range: TextSpan::of(node),
            selection: TextSpan::of(name),
            signature: one_line(&self.src[node.start_byte()..end.max(node.start_byte())]),
        });
    }

    fn body_start(node: Node) -> Option<usize> {
        node.child_by_field_name("body").map(|b| b.start_byte())
    }

    fn rust_items(&mut self, container: Node, in_type: bool) {
        for child in named_children(container) {
            let Some(name) = child.child_by_field_name("name") else {
                if child.kind() == "impl_item" {
                    self.rust_impl(child);
                }
                continue;
            };
            let kind = match child.kind() {
                "function_item" | "function_signature_item" if in_type => SymbolKind::Method,
                "function_item" | "function_signature_item" => SymbolKind::Function,
                "struct_item" | "union_item" => SymbolKind::Struct,
                "enum_item" => SymbolKind::Enum,
                "type_item" => SymbolKind::TypeAlias,
                "trait_item" => SymbolKind::Trait,
                "mod_item" => SymbolKind::Module,
                "const_item" => SymbolKind::Const,
                "static_item" => SymbolKind::Static,
                "macro_definition" => SymbolKind::Macro,
                _ => continue,
            };
            self.push(child, name, kind, Self::body_start(child));
            if matches!(kind, SymbolKind::Trait | SymbolKind::Module) {
                if let Some(body) = child.child_by_field_name("body") {
                    self.scope.push(self.text(name).to_owned());
                    self.rust_items(body, kind == SymbolKind::Trait);
                    self.scope.pop();
                }
            }
        }
    }

    fn rust_impl(&mut self, node: Node) {
        let (Some(ty), Some(body)) = (
            node.child_by_field_name("type"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let name = self.rust_type_name(ty);
        self.scope.push(name.to_owned());
        self.rust_items(body, true);
        self.scope.pop();
    }

    fn rust_type_name(&self, ty: Node) -> &'a str {
        match ty.kind() {
            "generic_type" => ty
                .child_by_field_name("type")
                .map_or_else(|| self.text(ty), |t| self.rust_type_name(t)),
            "scoped_type_identifier" => ty
                .child_by_field_name("name")
                .map_or_else(|| self.text(ty), |t| self.text(t)),
            "reference_type" => ty
                .child_by_field_name("type")
                .map_or_else(|| self.text(ty), |t| self.rust_type_name(t)),
            _ => self.text(ty),
        }
    }

    fn python_block(&mut self, container: Node, in_class: bool) {
        for child in named_children(container) {
            let def = if child.kind() == "decorated_definition" {
                match child.child_by_field_name("definition") {
                    Some(def) => def,
                    None => continue,
                }
            } else {
                child
            };
            match def.kind() {
                "function_definition" => {
                    let Some(name) = def.child_by_field_name("name") else {
                        continue;
                    };
                    let kind = if in_class {
                        SymbolKind::Method
                    } else {
                        SymbolKind::Function
                    };
                    self.push(def, name, kind, Self::body_start(def));
                }
                "class_definition" => {
                    let Some(name) = def.child_by_field_name("name") else {
                        continue;
                    };
                    self.push(def, name, SymbolKind::Class, Self::body_start(def));
                    if let Some(body) = def.child_by_field_name("body") {
                        self.scope.push(self.text(name).to_owned());
                        self.python_block(body, true);
                        self.scope.pop();
                    }
                }
                "expression_statement" if self.scope.is_empty() => {
                    let Some(assign) = def.named_child(0).filter(|n| n.kind() == "assignment")
                    else {
                        continue;
                    };
                    let Some(left) = assign
                        .child_by_field_name("left")
                        .filter(|n| n.kind() == "identifier")
                    else {
                        continue;
                    };
                    if is_constant_name(self.text(left)) {
                        self.push(def, left, SymbolKind::Const, None);
                    }
                }
                _ => {}
            }
        }
    }

    fn go_file(&mut self, root: Node) {
        for child in named_children(root) {
            match child.kind() {
                "package_clause" => {
                    if let Some(pkg) = named_children(child)
                        .into_iter()
                        .find(|n| n.kind() == "package_identifier")
                    {
                        self.module = vec![self.text(pkg).to_owned()];
                    }
                }
                "function_declaration" => {
                    if let Some(name) = child.child_by_field_name("name") {
                        self.push(child, name, SymbolKind::Function, Self::body_start(child));
                    }
                }
                "method_declaration" => {
                    let (Some(name), Some(receiver)) = (
                        child.child_by_field_name("name"),
                        child.child_by_field_name("receiver"),
                    ) else {
                        continue;
                    };
                    let receiver_type = find_descendant(receiver, "type_identifier")
                        .map(|t| self.text(t).to_owned())
                        .unwrap_or_default();
                    self.scope.push(receiver_type);
                    self.push(child, name, SymbolKind::Method, Self::body_start(child));
                    self.scope.pop();
                }
                "type_declaration" => {
                    for spec in named_children(child) {
                        self.go_type_spec(spec);
                    }
                }
                "const_declaration" => {
                    for spec in named_children(child) {
                        let mut cursor = spec.walk();
                        let names: Vec<Node> =
                            spec.children_by_field_name("name", &mut cursor).collect();
                        for name in names {
                            self.push(spec, name, SymbolKind::Const, None);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn go_type_spec(&mut self, spec: Node) {
        let Some(name) = spec.child_by_field_name("name") else {
            return;
        };
        let ty = spec.child_by_field_name("type");
        let kind = match ty.map(|t| t.kind()) {
            Some("struct_type") => SymbolKind::Struct,
            Some("interface_type") => SymbolKind::Interface,
            _ => SymbolKind::TypeAlias,
        };
        // `type Server struct {` reads better than the whole field list.
        let head_end = ty
            .filter(|_| kind != SymbolKind::TypeAlias)
            .and_then(|t| t.child(1).map(|brace| brace.start_byte()));
        self.push(spec, name, kind, head_end);
        if let (SymbolKind::Interface, Some(ty)) = (kind, ty) {
            self.scope.push(self.text(name).to_owned());
            for member in named_children(ty) {
                if member.kind() == "method_elem" {
                    if let Some(method) = member.child_by_field_name("name") {
                        self.push(member, method, SymbolKind::Method, None);
                    }
                }
            }
            self.scope.pop();
        }
    }

    fn js_statements(&mut self, container: Node) {
        for child in named_children(container) {
            match child.kind() {
                "export_statement" => match child.child_by_field_name("declaration") {
                    Some(decl) => self.js_declaration(decl),
                    None => {
                        for inner in named_children(child) {
                            self.js_declaration(inner);
                        }
                    }
                },
                "ambient_declaration" => {
                    for inner in named_children(child) {
                        self.js_declaration(inner);
                    }
                }
                "expression_statement" => {
                    // `namespace Foo {}` parses as an expression statement in TypeScript.
                    if let Some(inner) = child.named_child(0) {
                        self.js_declaration(inner);
                    }
                }
                _ => self.js_declaration(child),
            }
        }
    }

    fn js_declaration(&mut self, node: Node) {
        let name = node.child_by_field_name("name");
        let kind = match node.kind() {
            "function_declaration" | "generator_function_declaration" | "function_signature" => {
                SymbolKind::Function
            }
            "class_declaration" | "abstract_class_declaration" | "class" => SymbolKind::Class,
            "interface_declaration" => SymbolKind::Interface,
            "type_alias_declaration" => SymbolKind::TypeAlias,
            "enum_declaration" => SymbolKind::Enum,
            "module" | "internal_module" => SymbolKind::Module,
            "lexical_declaration" | "variable_declaration" => {
                self.js_variables(node);
                return;
            }
            _ => return,
        };
        let Some(name) = name else {
            return;
        };
        self.push(node, name, kind, Self::body_start(node));
        let Some(body) = node.child_by_field_name("body") else {
            return;
        };
        self.scope.push(self.text(name).to_owned());
        match kind {
            SymbolKind::Class | SymbolKind::Interface => self.js_members(body),
            SymbolKind::Module => self.js_statements(body),
            _ => {}
        }
        self.scope.pop();
    }

    fn js_members(&mut self, body: Node) {
        for member in named_children(body) {
            if matches!(
                member.kind(),
                "method_definition" | "method_signature" | "abstract_method_signature"
            ) {
                if let Some(name) = member.child_by_field_name("name") {
                    self.push(member, name, SymbolKind::Method, Self::body_start(member));
                }
            }
        }
    }

    fn js_variables(&mut self, decl: Node) {
        let is_const = decl.child(0).is_some_and(|k| k.kind() == "const");
        for declarator in named_children(decl) {
            if declarator.kind() != "variable_declarator" {
                continue;
            }
            let Some(name) = declarator
                .child_by_field_name("name")
                .filter(|n| n.kind() == "identifier")
            else {
                continue;
            };
            let value = declarator.child_by_field_name("value");
            let is_function = value.is_some_and(|v| {
                matches!(
                    v.kind(),
                    "arrow_function" | "function_expression" | "function" | "generator_function"
                )
            });
            if is_function {
                let head_end = value.and_then(Self::body_start);
                self.push(decl, name, SymbolKind::Function, head_end);
            } else if is_const && self.scope.is_empty() {
                self.push(decl, name, SymbolKind::Const, None);
            }
        }
    }
}

fn find_descendant<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    if node.kind() == kind {
        return Some(node);
    }
    named_children(node)
        .into_iter()
        .find_map(|child| find_descendant(child, kind))
}

fn is_constant_name(name: &str) -> bool {
    name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Collapses a definition head to one line: whitespace runs become one space, a trailing
/// `{` or `:` is dropped, and the result is capped.
fn one_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(MAX_SIGNATURE));
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        if out.len() >= MAX_SIGNATURE {
            let mut cut = MAX_SIGNATURE;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
            out.push('…');
            return out;
        }
    }
    let trimmed = out.trim_end_matches(['{', ':', ' ', '=']).len();
    out.truncate(trimmed);
    out
}

/// The first lines of a definition, for hover: at most `max_lines`, ending with `…` when cut.
pub fn excerpt(source: &str, symbol: &Symbol, max_lines: usize) -> String {
    let start = symbol.range.start_line as usize;
    let end = symbol.range.end_line as usize;
    let lines: Vec<&str> = source
        .lines()
        .skip(start)
        .take((end - start + 1).min(max_lines))
        .collect();
    let mut out = lines.join("\n");
    if end - start + 1 > max_lines {
        out.push_str("\n…");
    }
    out
}

/// A symbol reference as written in a plan: `Document::apply_change`, `parse_plan()`,
/// `pkg.Func`, `src/doc.rs::apply_change`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolQuery {
    /// A file path the symbol is in, when written as `path::name`.
    pub path: Option<String>,
    /// Qualifier segments and name, last is the name.
    pub segments: Vec<String>,
}

impl SymbolQuery {
    /// Reads a code span's text as a symbol reference, or `None` when it is not one (a command,
    /// a file name, a number).
    pub fn parse(text: &str) -> Option<Self> {
        let mut t = text.trim().trim_matches('`').trim();
        for keyword in ["fn ", "def ", "func ", "class ", "struct ", "function "] {
            if let Some(rest) = t.strip_prefix(keyword) {
                t = rest.trim_start();
            }
        }
        if let Some(open) = t.find('(') {
            if t.ends_with(')') {
                t = &t[..open];
            }
        }
        t = t.trim_end_matches('!');
        if t.is_empty() || t.contains(char::is_whitespace) {
            return None;
        }
        let (path, rest) = match t.find("::") {
            Some(i) if looks_like_file(&t[..i]) => (Some(t[..i].to_owned()), &t[i + 2..]),
            _ => (None, t),
        };
        let parts: Vec<&str> = if rest.contains("::") {
            rest.split("::").collect()
        } else {
            rest.split('.').collect()
        };
        if parts.iter().any(|p| !is_identifier(p)) {
            return None;
        }
        if path.is_none() && parts.len() > 1 && is_file_extension(parts[parts.len() - 1]) {
            return None;
        }
        let skip = parts
            .iter()
            .take_while(|p| matches!(**p, "self" | "super"))
            .count();
        let segments: Vec<String> = parts[skip..].iter().map(|p| (*p).to_owned()).collect();
        if segments.is_empty() {
            return None;
        }
        Some(Self { path, segments })
    }

    /// The symbol's own name (the last segment).
    pub fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// Whether it is written as a path (`a::b`, `a.b()`, `file::name`): only such references
    /// are worth an `unknown-symbol` hint when nothing matches.
    pub fn is_qualified(&self) -> bool {
        self.path.is_some() || self.segments.len() > 1
    }

    /// Whether `symbol` (in a file of `kind`) is what this reference names: the segments
    /// must be a suffix of its qualified name.
    pub fn matches(&self, symbol: &Symbol, kind: FileLanguage) -> bool {
        if symbol.name != self.name() {
            return false;
        }
        let qualified: Vec<&str> = symbol.qualified.split(separator(kind)).collect();
        qualified.len() >= self.segments.len()
            && qualified[qualified.len() - self.segments.len()..]
                .iter()
                .zip(&self.segments)
                .all(|(a, b)| *a == b)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

fn looks_like_file(s: &str) -> bool {
    s.contains('/')
        || s.rsplit_once('.')
            .is_some_and(|(_, ext)| is_file_extension(ext))
}

fn is_file_extension(s: &str) -> bool {
    matches!(
        s,
        "rs" | "py"
            | "pyi"
            | "ts"
            | "tsx"
            | "js"
            | "jsx"
            | "mjs"
            | "cjs"
            | "go"
            | "md"
            | "json"
            | "toml"
            | "yaml"
            | "yml"
            | "txt"
            | "lock"
            | "sh"
            | "html"
            | "css"
            | "c"
            | "h"
            | "cpp"
            | "java"
            | "kt"
            | "rb"
            | "sql"
            | "xml"
            | "ini"
            | "cfg"
            | "env"
            | "com"
            | "org"
            | "io"
            | "dev"
            | "net"
    )
}

/// A symbol found by a lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SymbolMatch {
    /// The file it is defined in.
    #[serde(skip)]
    pub file: FileId,
    /// Workspace root index.
    pub root: usize,
    /// Path relative to the root.
    pub path: String,
    /// The definition.
    pub symbol: Symbol,
}

/// Most files whose symbols are kept parsed.
pub const MAX_CACHED_FILES: usize = 4096;

/// Lazily parsed symbols of source files, keyed by index file id, at most [`MAX_CACHED_FILES`].
#[derive(Debug, Default)]
pub struct SymbolCache {
    files: Mutex<FxHashMap<FileId, Arc<FileSymbols>>>,
}

impl SymbolCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The symbols of a file, parsed now if not cached for its current modification time.
    /// `None` for files that are not source, too large, or unreadable.
    pub fn file_symbols(&self, index: &WorkspaceIndex, id: FileId) -> Option<Arc<FileSymbols>> {
        let info = index.file(id)?;
        if !info.kind.is_source() || info.size > index.options().max_file_bytes {
            return None;
        }
        if let Some(cached) = self.lock().get(&id) {
            if cached.mtime == info.mtime && cached.size == info.size {
                return Some(Arc::clone(cached));
            }
        }
        // Reading and parsing the file waits: after the pass.
        if no_wait::leave_out() {
            return None;
        }
        let path = index.abs_path(id)?;
        let door = Door::new(&RealDisk, index.roots(), index.options().max_file_bytes);
        let source = match door.read(&path) {
            Ok(contents) if !contents.is_cut() => contents.bytes,
            Ok(_) => return None,
            Err(error) => {
                tracing::debug!(%error, path = %path.display(), "could not read source file");
                return None;
            }
        };
        let parsed = Arc::new(FileSymbols {
            mtime: info.mtime,
            size: info.size,
            symbols: extract(info.kind, &info.rel_path(), &source),
        });
        insert_bounded(
            &mut self.lock(),
            MAX_CACHED_FILES,
            id,
            Arc::clone(&parsed),
            |_| false,
        );
        Some(parsed)
    }

    /// Drops every cached file (the workspace folders changed).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// Drops cached symbols of files that changed or disappeared.
    pub fn forget(&self, ids: &[FileId]) {
        let mut files = self.lock();
        for id in ids {
            files.remove(id);
        }
    }

    /// Number of files parsed and cached.
    pub fn cached_files(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<FileId, Arc<FileSymbols>>> {
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Definitions named by `query`, closest first (fewest extra qualifiers, then by path),
    /// at most `limit`.
    pub fn find(
        &self,
        index: &WorkspaceIndex,
        query: &SymbolQuery,
        limit: usize,
    ) -> Vec<SymbolMatch> {
        let mut candidates: Vec<FileId> = match &query.path {
            Some(path) => index.find_by_suffix(path),
            None => {
                // Every file that mentions the name, unless that is many: then the files
                // where it follows a definition keyword (JS/TS methods have none, so they
                // are only found while the name is rare).
                let mentions = index.content().files_with_identifier(query.name());
                if mentions.len() <= ALL_MENTIONS_UP_TO {
                    mentions.to_vec()
                } else {
                    index.content().files_defining(query.name()).to_vec()
                }
            }
        };
        if query.path.is_none() && query.segments.len() > 1 {
            // `Document::apply_change` is most likely where `Document` is also written.
            let qualifier = &query.segments[query.segments.len() - 2];
            let with: FxHashSet<FileId> = index
                .content()
                .files_with_identifier(qualifier)
                .iter()
                .copied()
                .collect();
            let narrowed: Vec<FileId> = candidates
                .iter()
                .copied()
                .filter(|id| with.contains(id))
                .collect();
            if !narrowed.is_empty() {
                candidates = narrowed;
            }
        }
        candidates.sort_unstable();
        candidates.truncate(MAX_PARSED_CANDIDATES);
        let mut matches = Vec::new();
        for id in candidates {
            let Some(info) = index.file(id) else {
                continue;
            };
            let kind = info.kind;
            let Some(symbols) = self.file_symbols(index, id) else {
                continue;
            };
            for symbol in &symbols.symbols {
                if query.matches(symbol, kind) {
                    matches.push(SymbolMatch {
                        file: id,
                        root: info.root,
                        path: info.rel_path(),
                        symbol: symbol.clone(),
                    });
                }
            }
        }
        // Closest first: the fewest segments beyond what was written, then by path.
        matches.sort_by_cached_key(|m| {
            let depth = m
                .symbol
                .qualified
                .split(separator(FileLanguage::from_path(&m.path)))
                .count();
            (depth, m.path.clone(), m.symbol.range.start_line)
        });
        matches.truncate(limit);
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(kind: FileLanguage, path: &str, src: &str) -> Vec<(String, SymbolKind)> {
        extract(kind, path, src.as_bytes())
            .into_iter()
            .map(|s| (s.qualified, s.kind))
            .collect()
    }

    #[test]
    fn rust_items_with_module_paths_and_impl_scopes() {
        let src = r#"
pub struct Document { text: String }
impl<T> Document {
    /// Applies an edit.
    pub fn apply_change(&mut self, edit: Edit) -> Result<(), Error> {
        todo!()
    }
}
pub trait Store { fn load(&self); }
pub enum Mode { A, B }
pub const LIMIT: usize = 4;
static NAME: &str = "x";
type Alias = u32;
pub mod inner { pub fn helper() {} }
macro_rules! check { () => {} }
pub fn parse(text: &str) -> Plan { Plan }
"#;
        let got = names(FileLanguage::Rust, "src/plan/mod.rs", src);
        use SymbolKind::*;
        assert_eq!(
            got,
            [
                ("crate::plan::Document".into(), Struct),
                ("crate::plan::Document::apply_change".into(), Method),
                ("crate::plan::Store".into(), Trait),
                ("crate::plan::Store::load".into(), Method),
                ("crate::plan::Mode".into(), Enum),
                ("crate::plan::LIMIT".into(), Const),
                ("crate::plan::NAME".into(), Static),
                ("crate::plan::Alias".into(), TypeAlias),
                ("crate::plan::inner".into(), Module),
                ("crate::plan::inner::helper".into(), Function),
                ("crate::plan::check".into(), Macro),
                ("crate::plan::parse".into(), Function),
            ]
        );
        let syms = extract(FileLanguage::Rust, "src/doc.rs", src.as_bytes());
        let apply = syms.iter().find(|s| s.name == "apply_change").unwrap();
        assert_eq!(
            apply.signature,
            "pub fn apply_change(&mut self, edit: Edit) -> Result<(), Error>"
        );
        assert_eq!((apply.range.start_line, apply.range.end_line), (4, 6));
        assert_eq!(
            (apply.selection.start_line, apply.selection.start_col),
            (4, 11)
        );
        assert_eq!(
            excerpt(src, apply, 2),
            "    pub fn apply_change(&mut self, edit: Edit) -> Result<(), Error> {\n        todo!()\n…"
        );
    }

    #[test]
    fn python_classes_methods_functions_and_constants() {
        let src = "MAX_RETRIES = 3\nlower = 1\n\nclass Indexer(Base):\n    @property\n    def size(self) -> int:\n        return 1\n\nasync def crawl(root: str,\n          depth: int = 2):\n    pass\n";
        use SymbolKind::*;
        assert_eq!(
            names(FileLanguage::Python, "src/pkg/walk.py", src),
            [
                ("pkg.walk.MAX_RETRIES".into(), Const),
                ("pkg.walk.Indexer".into(), Class),
                ("pkg.walk.Indexer.size".into(), Method),
                ("pkg.walk.crawl".into(), Function),
            ]
        );
        let syms = extract(FileLanguage::Python, "pkg/__init__.py", src.as_bytes());
        assert_eq!(syms[1].qualified, "pkg.Indexer");
        assert_eq!(
            syms[3].signature,
            "async def crawl(root: str, depth: int = 2)"
        );
    }

    #[test]
    fn go_package_functions_methods_types_and_consts() {
        let src = "package server\n\nconst Port = 80\n\ntype Server struct {\n\tAddr string\n}\n\ntype Handler interface {\n\tServe(r *Request) error\n}\n\ntype ID = string\n\nfunc New(addr string) *Server {\n\treturn &Server{Addr: addr}\n}\n\nfunc (s *Server) Start() error {\n\treturn nil\n}\n";
        use SymbolKind::*;
        let got = names(FileLanguage::Go, "server/server.go", src);
        assert_eq!(
            got,
            [
                ("server.Port".into(), Const),
                ("server.Server".into(), Struct),
                ("server.Handler".into(), Interface),
                ("server.Handler.Serve".into(), Method),
                ("server.ID".into(), TypeAlias),
                ("server.New".into(), Function),
                ("server.Server.Start".into(), Method),
            ]
        );
        let syms = extract(FileLanguage::Go, "server/server.go", src.as_bytes());
        assert_eq!(syms[1].signature, "Server struct");
        assert_eq!(syms[6].signature, "func (s *Server) Start() error");
    }

    #[test]
    fn typescript_and_javascript_declarations() {
        let ts = "export interface Store { load(id: string): Item; }\nexport class Cache<T> extends Base {\n  constructor() { super(); }\n  get(key: string): T { return this.m[key]; }\n}\nexport type Key = string;\nexport enum Color { Red }\nexport const MAX = 10;\nexport const fetchAll = async (url: string) => { return 1; };\nfunction helper() {}\nnamespace Util { export function twice() {} }\n";
        use SymbolKind::*;
        assert_eq!(
            names(FileLanguage::TypeScript, "src/cache.ts", ts),
            [
                ("Store".into(), Interface),
                ("Store.load".into(), Method),
                ("Cache".into(), Class),
                ("Cache.constructor".into(), Method),
                ("Cache.get".into(), Method),
                ("Key".into(), TypeAlias),
                ("Color".into(), Enum),
                ("MAX".into(), Const),
                ("fetchAll".into(), Function),
                ("helper".into(), Function),
                ("Util".into(), Module),
                ("Util.twice".into(), Function),
            ]
        );
        let tsx = "export function App(props: Props) { return <div>{props.x}</div>; }\n";
        assert_eq!(
            names(FileLanguage::Tsx, "src/App.tsx", tsx),
            [("App".into(), Function)]
        );
        let js = "class Router { route(path) { return path; } }\nconst handle = function (req) {};\nexport default function main() {}\nexport const View = () => <div className=\"v\">{items.map((i) => <Item key={i} />)}</div>;\nfunction after(a, b) { return a < b; }\n";
        assert_eq!(
            names(FileLanguage::JavaScript, "lib/router.js", js),
            [
                ("Router".into(), Class),
                ("Router.route".into(), Method),
                ("handle".into(), Function),
                ("main".into(), Function),
                ("View".into(), Function),
                ("after".into(), Function),
            ]
        );
    }

    #[test]
    fn reference_text_is_read_as_a_query() {
        let q = SymbolQuery::parse("`Document::apply_change`").unwrap();
        assert_eq!(q.segments, ["Document", "apply_change"]);
        assert!(q.is_qualified());
        let q = SymbolQuery::parse("parse_plan()").unwrap();
        assert_eq!((q.name(), q.is_qualified()), ("parse_plan", false));
        let q = SymbolQuery::parse("src/doc.rs::Document::apply_change").unwrap();
        assert_eq!(q.path.as_deref(), Some("src/doc.rs"));
        assert_eq!(q.segments, ["Document", "apply_change"]);
        let q = SymbolQuery::parse("walk.py::Indexer.size").unwrap();
        assert_eq!(q.path.as_deref(), Some("walk.py"));
        assert_eq!(q.segments, ["Indexer", "size"]);
        assert_eq!(
            SymbolQuery::parse("self.index.lookup(path, 3)")
                .unwrap()
                .segments,
            ["index", "lookup"]
        );
        assert!(SymbolQuery::parse("cargo test").is_none());
        assert!(SymbolQuery::parse("config.toml").is_none());
        assert!(SymbolQuery::parse("1.2.3").is_none());
        assert!(SymbolQuery::parse("example.com").is_none());
    }

    #[test]
    fn queries_match_qualified_suffixes() {
        let syms = extract(
            FileLanguage::Rust,
            "src/document/mod.rs",
            b"pub struct Document;\nimpl Document { pub fn apply_change(&mut self) {} }",
        );
        let apply = &syms[1];
        let yes = [
            "apply_change",
            "Document::apply_change",
            "crate::document::Document::apply_change",
        ];
        for text in yes {
            assert!(
                SymbolQuery::parse(text)
                    .unwrap()
                    .matches(apply, FileLanguage::Rust),
                "{text}"
            );
        }
        for text in ["Other::apply_change", "apply", "x::Document::apply_change"] {
            assert!(
                !SymbolQuery::parse(text)
                    .unwrap()
                    .matches(apply, FileLanguage::Rust),
                "{text}"
            );
        }
    }

    #[test]
    fn lookups_parse_lazily_and_refresh_on_modification() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("src/doc.rs"),
            "pub struct Document;\nimpl Document {\n    pub fn apply_change(&mut self) {}\n}\n",
        )
        .unwrap();
        std::fs::write(root.join("src/other.rs"), "pub fn unrelated() {}\n").unwrap();
        std::fs::write(
            root.join("app.py"),
            "class Document:\n    def apply_change(self): pass\n",
        )
        .unwrap();
        let mut index = WorkspaceIndex::build(vec![root.to_path_buf()], Default::default());
        let cache = SymbolCache::new();
        assert_eq!(cache.cached_files(), 0, "nothing parsed before a lookup");

        let found = cache.find(
            &index,
            &SymbolQuery::parse("Document::apply_change").unwrap(),
            10,
        );
        let paths: Vec<&str> = found.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(paths, ["app.py", "src/doc.rs"]);
        assert_eq!(
            cache.cached_files(),
            2,
            "only files naming the symbol were parsed"
        );
        assert_eq!(found[1].symbol.selection.start_line, 2);

        let by_path = cache.find(
            &index,
            &SymbolQuery::parse("src/doc.rs::apply_change").unwrap(),
            10,
        );
        assert_eq!(by_path.len(), 1);
        assert_eq!(
            by_path[0].symbol.qualified,
            "crate::doc::Document::apply_change"
        );

        // Move the method down two lines: the cached entry is stale by mtime/size.
        std::fs::write(
            root.join("src/doc.rs"),
            "// moved\n\npub struct Document;\nimpl Document {\n    pub fn apply_change(&mut self) {}\n}\n",
        )
        .unwrap();
        let changed = index.apply_change(
            &root.join("src/doc.rs"),
            super::super::index::FileChange::Changed,
        );
        cache.forget(&changed);
        let again = cache.find(
            &index,
            &SymbolQuery::parse("src/doc.rs::apply_change").unwrap(),
            10,
        );
        assert_eq!(again[0].symbol.selection.start_line, 4);
        assert!(cache
            .find(&index, &SymbolQuery::parse("Missing::thing").unwrap(), 10)
            .is_empty());
    }
}
