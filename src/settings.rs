//! The one typed settings struct, read from `initializationOptions` and `workspace/configuration`
//! (section `planLsp`). Every field has a default, so no settings at all is a working setup.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
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

/// Severity names the `severity` setting accepts (case-insensitive).
pub const SEVERITY_NAMES: &[&str] = &[
    "error",
    "warning",
    "warn",
    "information",
    "info",
    "hint",
    "off",
    "none",
    "ignore",
];

impl Settings {
    /// Reads settings from a JSON value that is either the settings object or `{ "planLsp": … }`.
    /// Unknown keys are ignored (clients send their own); a value of the wrong type or out of range
    /// keeps its default and is reported as `planLsp.<key>: <why>`, the rest still applies.
    pub fn from_json(value: &serde_json::Value) -> (Settings, Vec<String>) {
        let value = value.get("planLsp").unwrap_or(value);
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            if !value.is_null() {
                problems.push(format!(
                    "planLsp: expected an object of settings, got {value}; using the defaults"
                ));
            }
            return (Settings::default(), problems);
        };
        let mut settings = Settings::default();
        for (key, value) in object {
            let name = format!("planLsp.{key}");
            match key.as_str() {
                "template" => {
                    settings.template = decode(&name, value, &mut problems).unwrap_or_default()
                }
                "placeholders" => {
                    settings.placeholders = decode_fields(&name, value, &mut problems)
                }
                "severity" => settings.severity = decode_severity(&name, value, &mut problems),
                "github" => settings.github = decode_fields(&name, value, &mut problems),
                "llm" => settings.llm = decode_fields(&name, value, &mut problems),
                "index" => settings.index = decode_fields(&name, value, &mut problems),
                "research" => settings.research = decode_fields(&name, value, &mut problems),
                _ => {}
            }
        }
        settings.check_ranges(&mut problems);
        (settings, problems)
    }

    /// Values of the right type that still make no sense: reported, and the default kept.
    fn check_ranges(&mut self, problems: &mut Vec<String>) {
        let defaults = Settings::default();
        if self.llm.timeout_seconds == 0 {
            problems.push("planLsp.llm.timeoutSeconds: must be at least 1; using 120".to_string());
            self.llm.timeout_seconds = defaults.llm.timeout_seconds;
        }
        if self.llm.max_context_bytes == 0 {
            problems
                .push("planLsp.llm.maxContextBytes: must be at least 1; using 60000".to_string());
            self.llm.max_context_bytes = defaults.llm.max_context_bytes;
        }
        if self.index.max_file_bytes == 0 {
            problems
                .push("planLsp.index.maxFileBytes: must be at least 1; using 1048576".to_string());
            self.index.max_file_bytes = defaults.index.max_file_bytes;
        }
        if self.research.max_files == 0 {
            problems.push("planLsp.research.maxFiles: must be at least 1; using 10".to_string());
            self.research.max_files = defaults.research.max_files;
        }
        // Editors send "" for a string setting left empty: that means the default, not a mistake.
        if self.github.api_url.trim().is_empty() {
            self.github.api_url = defaults.github.api_url.clone();
        }
        if self
            .llm
            .api_base
            .as_deref()
            .is_some_and(|b| b.trim().is_empty())
        {
            self.llm.api_base = None;
        }
        if !is_http_url(&self.github.api_url) {
            problems.push(format!(
                "planLsp.github.apiUrl: {:?} is not an http(s) URL; using {}",
                self.github.api_url, defaults.github.api_url
            ));
            self.github.api_url = defaults.github.api_url;
        }
        if let Some(base) = self.llm.api_base.as_deref().filter(|b| !is_http_url(b)) {
            problems.push(format!(
                "planLsp.llm.apiBase: {base:?} is not an http(s) URL; the LLM stays unconfigured"
            ));
            self.llm.api_base = None;
        }
    }

    /// `severity` keys that name no diagnostic code (a typo silently changes nothing otherwise).
    pub fn unknown_severity_codes(&self, known: &[&str]) -> Vec<String> {
        let mut unknown: Vec<String> = self
            .severity
            .keys()
            .filter(|code| !known.contains(&code.as_str()))
            .map(|code| {
                format!(
                    "planLsp.severity.{code}: no such diagnostic code; known: {}",
                    known.join(", ")
                )
            })
            .collect();
        unknown.sort();
        unknown
    }

    /// A copy safe to log or show: secrets replaced.
    pub fn redacted(&self) -> Settings {
        Settings {
            github: self.github.redacted(),
            ..self.clone()
        }
    }
}

fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|host| !host.is_empty() && !host.starts_with('/'))
}

fn decode<T: DeserializeOwned>(
    name: &str,
    value: &serde_json::Value,
    problems: &mut Vec<String>,
) -> Option<T> {
    match serde_json::from_value(value.clone()) {
        Ok(decoded) => Some(decoded),
        Err(e) => {
            problems.push(format!("{name}: {e}; using the default"));
            None
        }
    }
}

/// A settings group decoded field by field, so one bad field keeps only its own default.
fn decode_fields<T: DeserializeOwned + Default>(
    name: &str,
    value: &serde_json::Value,
    problems: &mut Vec<String>,
) -> T {
    let Some(object) = value.as_object() else {
        if !value.is_null() {
            problems.push(format!(
                "{name}: expected an object, got {value}; using the defaults"
            ));
        }
        return T::default();
    };
    let mut accepted = serde_json::Map::new();
    for (key, field) in object {
        let mut trial = accepted.clone();
        trial.insert(key.clone(), field.clone());
        match serde_json::from_value::<T>(serde_json::Value::Object(trial)) {
            Ok(_) => {
                accepted.insert(key.clone(), field.clone());
            }
            Err(e) => problems.push(format!("{name}.{key}: {e}; using the default")),
        }
    }
    serde_json::from_value(serde_json::Value::Object(accepted)).unwrap_or_default()
}

fn decode_severity(
    name: &str,
    value: &serde_json::Value,
    problems: &mut Vec<String>,
) -> HashMap<String, String> {
    let Some(object) = value.as_object() else {
        if !value.is_null() {
            problems.push(format!(
                "{name}: expected an object of code → severity, got {value}; using the defaults"
            ));
        }
        return HashMap::new();
    };
    let mut severity = HashMap::new();
    for (code, level) in object {
        match level.as_str() {
            Some(level) if SEVERITY_NAMES.contains(&level.to_ascii_lowercase().as_str()) => {
                severity.insert(code.clone(), level.to_string());
            }
            _ => problems.push(format!(
                "{name}.{code}: {level} is not a severity (use error, warning, information, hint or off); using the default"
            )),
        }
    }
    severity
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_partial_settings() {
        let (s, problems) = Settings::from_json(
            &json!({"planLsp": {"template": "phased-plan", "llm": {"model": "m"}}}),
        );
        assert!(problems.is_empty());
        assert_eq!(s.template.as_deref(), Some("phased-plan"));
        assert_eq!(s.llm.model.as_deref(), Some("m"));
        assert_eq!(s.llm.api_key_env, "OPENAI_API_KEY");
        assert_eq!(s.research, ResearchSettings::default());
        assert_eq!(s.research.max_files, 10);
        let (s, _) = Settings::from_json(
            &json!({"planLsp": {"research": {"maxFiles": 4, "includeTests": false}}}),
        );
        assert_eq!((s.research.max_files, s.research.include_tests), (4, false));
        let (s, problems) = Settings::from_json(&json!({"research": {"maxFiles": 0}}));
        assert_eq!(s.research.max_files, 10);
        assert!(problems[0].contains("research.maxFiles"), "{problems:?}");
        assert_eq!(
            Settings::from_json(&serde_json::Value::Null).0,
            Settings::default()
        );
    }

    #[test]
    fn wrong_types_are_reported_not_fatal() {
        let (s, problems) = Settings::from_json(&json!({"severity": 3}));
        assert_eq!(s, Settings::default());
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("planLsp.severity: "),
            "{problems:?}"
        );
    }

    #[test]
    fn a_bad_field_keeps_its_default_and_the_rest_applies() {
        let (s, problems) = Settings::from_json(&json!({
            "template": "phased-plan",
            "llm": {"model": "m", "timeoutSeconds": "soon"},
            "severity": {"placeholder": "eror", "broken-link": "off"},
        }));
        assert_eq!(s.template.as_deref(), Some("phased-plan"));
        assert_eq!(s.llm.model.as_deref(), Some("m"));
        assert_eq!(s.llm.timeout_seconds, 120);
        assert_eq!(
            s.severity.get("broken-link").map(String::as_str),
            Some("off")
        );
        assert!(!s.severity.contains_key("placeholder"));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.starts_with("planLsp.llm.timeoutSeconds: ")));
        assert!(problems
            .iter()
            .any(|p| p.starts_with("planLsp.severity.placeholder: \"eror\" is not a severity")));
    }

    #[test]
    fn out_of_range_values_are_reported() {
        let (s, problems) = Settings::from_json(&json!({
            "index": {"maxFileBytes": 0},
            "github": {"apiUrl": "api.github.com"},
            "llm": {"apiBase": "localhost:11434"},
        }));
        assert_eq!(s.index.max_file_bytes, 1 << 20);
        assert_eq!(s.github.api_url, "https://api.github.com");
        assert_eq!(s.llm.api_base, None);
        let keys: Vec<&str> = problems
            .iter()
            .filter_map(|p| p.split(':').next())
            .collect();
        assert_eq!(
            keys,
            [
                "planLsp.index.maxFileBytes",
                "planLsp.github.apiUrl",
                "planLsp.llm.apiBase"
            ]
        );
    }

    #[test]
    fn empty_strings_mean_unset() {
        let (s, problems) =
            Settings::from_json(&json!({"github": {"apiUrl": ""}, "llm": {"apiBase": " "}}));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(s.github.api_url, "https://api.github.com");
        assert_eq!(s.llm.api_base, None);
    }

    #[test]
    fn unknown_severity_codes_are_named() {
        let (s, problems) = Settings::from_json(&json!({"severity": {"placehodler": "error"}}));
        assert!(problems.is_empty());
        let unknown = s.unknown_severity_codes(&["placeholder", "broken-link"]);
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].starts_with("planLsp.severity.placehodler: no such diagnostic code"));
        assert!(s.unknown_severity_codes(&["placehodler"]).is_empty());
    }

    #[test]
    fn redaction_hides_the_token() {
        let (s, _) = Settings::from_json(&json!({"github": {"token": "ghp_secret"}}));
        assert!(!format!("{:?}", s.redacted()).contains("ghp_secret"));
    }
}
