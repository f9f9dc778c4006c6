//! The outside world: GitHub (octocrab) and OpenAI-compatible models (async-openai), the prompts
//! sent to them, and the rule of which workspace files a model may see.

pub mod context_filter;
pub mod github;
pub mod issue_ref;
pub mod llm;
pub mod prompts;
