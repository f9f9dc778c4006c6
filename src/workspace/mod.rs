//! The workspace around the plans: files on disk, reference resolution confined to the workspace
//! folders, and (in its own modules) the code index.

pub mod files;
pub mod resolve;
pub mod content;
pub mod index;
