//! Command-line entry points other than the server.

pub mod check;
pub mod formats;
pub mod research;

pub const USAGE: &str = "\
plan-lsp — a language server for implementation-plan Markdown documents

USAGE:
    plan-lsp                 serve LSP on stdin/stdout
    plan-lsp check [OPTIONS] PATHS...
                             lint plans (files, or folders searched for *.md)
    plan-lsp --version
    plan-lsp check --help

CHECK OPTIONS:
    --format FORMAT          human (default), json, github (workflow annotations)
                             or sarif (SARIF 2.1.0, for code scanning)
    --strict                 fail on warnings too (open placeholders, missing sections)
    --root DIR               workspace folder references resolve in (default: current folder)
    --template NAME          template for plans whose front matter names none
    --settings FILE          settings as JSON (the same object editors send)

EXIT STATUS:
    0 no errors (no warnings with --strict), 1 problems found, 2 usage or I/O error";
