//! plan-lsp: a language server for implementation-plan Markdown documents.

pub mod analysis;
pub mod cli;
pub mod document;
pub mod features;
pub mod plan;
pub mod server;
pub mod services;
pub mod settings;
pub mod snapshot;
pub mod workspace;
