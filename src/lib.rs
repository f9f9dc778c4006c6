//! plan-lsp: a language server for implementation-plan Markdown documents.

pub mod analysis;
pub mod document;
pub mod plan;
pub mod services;
pub mod settings;
pub mod workspace;
