//! Facts about a plan: diagnostics, template checks, and the edits that fix what they find.

pub mod diagnostics;
pub mod edits;
pub mod intent;
pub mod issue_drift;
pub mod template_check;
