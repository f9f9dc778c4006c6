//! The workspace around the plans: files on disk, reference resolution confined to the workspace
//! folders, and (in its own modules) the code index.

pub mod bounded;
pub mod code;
pub mod content;
pub mod disk;
pub mod drift;
pub mod files;
pub mod history;
pub mod index;
pub mod markdown;
pub mod mentions;
pub mod no_wait;
pub mod privacy;
pub mod rank;
pub mod research;
pub mod resolve;
pub mod revision;
pub mod root;
pub mod symbols;
pub mod templates;
pub mod wordforms;
