//! The one typed settings struct, read from `initializationOptions` and `workspace/configuration`
//! (section `planLsp`). Every field has a default, so no settings at all is a working setup.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Template for plans whose front matter names none.
    pub template: Option<String>,
    pub placeholders: PlaceholderSettings,
    /// Severity per diagnostic code: `error`, `warning`, `information`, `hint` or `off`.
    pub severity: HashMap<String, String>,
    pub github: GitHubSettings,
    pub llm: LlmSettings,
    pub index: IndexSettings,
    pub research: ResearchSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PlaceholderSettings {
    /// Extra regexes; a named group `question` captures the question.
    pub patterns: Vec<String>,
    pub disable_defaults: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GitHubSettings {
    /// Prefer the environment (`GITHUB_TOKEN`, `GH_TOKEN`); a token here is used when set.
    pub token: Option<String>,
    pub api_url: String,
}

impl Default for GitHubSettings {
    fn default() -> Self {
        GitHubSettings {
            token: None,
            api_url: "https://api.github.com".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LlmSettings {
    pub api_base: Option<String>,
    pub model: Option<String>,
    /// The name of the environment variable holding the key; keys never live in settings.
    pub api_key_env: String,
    pub timeout_seconds: u64,
    pub max_context_bytes: usize,
}

impl Default for LlmSettings {
    fn default() -> Self {
        LlmSettings {
            api_base: None,
            model: None,
            api_key_env: "OPENAI_API_KEY".to_string(),
            timeout_seconds: 120,
            max_context_bytes: 60_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IndexSettings {
    pub max_file_bytes: u64,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            max_file_bytes: 1 << 20,
        }
    }
}

/// `plan.gatherContext`: how many source files to list, and whether tests are listed (apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResearchSettings {
    pub max_files: usize,
    pub include_tests: bool,
}

impl Default for ResearchSettings {
    fn default() -> Self {
        ResearchSettings {
            max_files: 10,
            include_tests: true,
        }
    }
}

// Debug output of settings must never show the token.
impl GitHubSettings {
    pub fn redacted(&self) -> GitHubSettings {
        GitHubSettings {
            token: self.token.as_ref().map(|_| "<redacted>".to_string()),
            api_url: self.api_url.clone(),
        }
    }
}

impl Settings {
    /// Reads settings from a JSON value that is either the settings object or `{ "planLsp": … }`.
    /// Unknown keys are ignored; a field of the wrong type falls back to its default and is reported.
    pub fn from_json(value: &serde_json::Value) -> (Settings, Option<String>) {
        let value = value.get("planLsp").unwrap_or(value);
        if value.is_null() {
            return (Settings::default(), None);
        }
        match serde_json::from_value::<Settings>(value.clone()) {
            Ok(settings) => (settings, None),
            Err(e) => (
                Settings::default(),
                Some(format!("invalid planLsp settings, using defaults: {e}")),
            ),
        }
    }

    /// A copy safe to log or show: secrets replaced.
    pub fn redacted(&self) -> Settings {
        Settings {
            github: self.github.redacted(),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_partial_settings() {
        let (s, err) = Settings::from_json(
            &json!({"planLsp": {"template": "phased-plan", "llm": {"model": "m"}}}),
        );
        assert!(err.is_none());
        assert_eq!(s.template.as_deref(), Some("phased-plan"));
        assert_eq!(s.llm.model.as_deref(), Some("m"));
        assert_eq!(s.llm.api_key_env, "OPENAI_API_KEY");
        assert_eq!(s.research, ResearchSettings::default());
        assert_eq!(s.research.max_files, 10);
        let (s, _) = Settings::from_json(
            &json!({"planLsp": {"research": {"maxFiles": 4, "includeTests": false}}}),
        );
        assert_eq!((s.research.max_files, s.research.include_tests), (4, false));
        assert_eq!(
            Settings::from_json(&serde_json::Value::Null).0,
            Settings::default()
        );
    }

    #[test]
    fn wrong_types_are_reported_not_fatal() {
        let (s, err) = Settings::from_json(&json!({"severity": 3}));
        assert_eq!(s, Settings::default());
        assert!(err.unwrap().contains("invalid planLsp settings"));
    }

    #[test]
    fn redaction_hides_the_token() {
        let (s, _) = Settings::from_json(&json!({"github": {"token": "ghp_secret"}}));
        assert!(!format!("{:?}", s.redacted()).contains("ghp_secret"));
    }
}
