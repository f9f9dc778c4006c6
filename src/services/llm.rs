//! Any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio) through
//! async-openai: streamed generation with a total timeout and cancellation, where only a finished,
//! non-empty answer counts as success.

use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
    FinishReason,
};
use async_openai::Client;
use futures::StreamExt;
use thiserror::Error;
use tokio_util::sync::CancellationToken;

use super::prompts::Prompt;

/// The environment variable read for the key when `planLsp.llm.apiKeyEnv` is not set.
pub const DEFAULT_API_KEY_ENV: &str = "OPENAI_API_KEY";

/// How to reach the model. The key is read from the environment, held in memory, never logged.
#[derive(Clone)]
pub struct LlmConfig {
    /// Endpoint root, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub api_base: String,
    /// Model name as the endpoint knows it.
    pub model: String,
    /// Name of the environment variable the key came from (for messages).
    pub api_key_env: String,
    /// The key, when that variable is set (local servers usually need none).
    pub api_key: Option<String>,
    /// Longest time a whole generation may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmConfig")
            .field("api_base", &self.api_base)
            .field("model", &self.model)
            .field("api_key_env", &self.api_key_env)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl LlmConfig {
    /// Builds the configuration from the settings; the key comes from the variable `api_key_env`
    /// names. Fails with [`LlmError::NotConfigured`] when the endpoint or model is missing.
    pub fn resolve(
        api_base: Option<&str>,
        model: Option<&str>,
        api_key_env: Option<&str>,
        timeout_seconds: u64,
    ) -> Result<Self, LlmError> {
        let api_base = api_base.map(str::trim).filter(|s| !s.is_empty());
        let model = model.map(str::trim).filter(|s| !s.is_empty());
        let (Some(api_base), Some(model)) = (api_base, model) else {
            return Err(LlmError::NotConfigured);
        };
        let api_key_env = api_key_env
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_API_KEY_ENV)
            .to_string();
        let api_key = std::env::var(&api_key_env)
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty());
        // The key goes into an HTTP header: anything else would make the client panic.
        if api_key
            .as_deref()
            .is_some_and(|k| !k.bytes().all(|b| (0x20..0x7f).contains(&b)))
        {
            return Err(LlmError::UnusableKey { env: api_key_env });
        }
        if api_key.is_none() && api_base.contains("api.openai.com") {
            return Err(LlmError::MissingKey { env: api_key_env });
        }
        Ok(LlmConfig {
            api_base: api_base.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key_env,
            api_key,
            timeout: Duration::from_secs(timeout_seconds.max(1)),
        })
    }
}

/// What can go wrong with a generation. In every case nothing was applied.
#[derive(Debug, Error)]
pub enum LlmError {
    /// No endpoint or model in the settings.
    #[error("LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model")]
    NotConfigured,
    /// The hosted OpenAI API needs a key.
    #[error("LLM API key missing: export it in the environment variable {env} (named by planLsp.llm.apiKeyEnv) and restart the server")]
    MissingKey {
        /// Variable name.
        env: String,
    },
    /// The key has characters a header cannot carry.
    #[error("the API key in the environment variable {env} contains characters that cannot be sent (spaces inside, control characters or non-ASCII): fix the variable and restart the server")]
    UnusableKey {
        /// Variable name.
        env: String,
    },
    /// 401/403.
    #[error("the LLM endpoint rejected the API key ({status}): put a valid key in the environment variable {env} (named by planLsp.llm.apiKeyEnv)")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// Variable name.
        env: String,
    },
    /// 404.
    #[error("the LLM endpoint answered 404 for model `{model}`: check planLsp.llm.apiBase (usually ending in /v1) and planLsp.llm.model")]
    NotFound {
        /// Model asked for.
        model: String,
    },
    /// 429.
    #[error("the LLM endpoint is rate limiting or out of quota (429 {message}): wait a moment and retry")]
    RateLimited {
        /// Endpoint message.
        message: String,
    },
    /// 5xx.
    #[error("the LLM endpoint had a server error ({status} {message}): retry, or check the model server's log")]
    Server {
        /// HTTP status.
        status: u16,
        /// Endpoint message.
        message: String,
    },
    /// Another 4xx.
    #[error("the LLM endpoint refused the request ({status} {message}); if the prompt is too long, lower planLsp.llm.maxContextBytes")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Endpoint message.
        message: String,
    },
    /// Total timeout.
    #[error("the model did not finish within {seconds} s: nothing was changed; raise planLsp.llm.timeoutSeconds or use a faster model")]
    Timeout {
        /// The limit.
        seconds: u64,
    },
    /// Cancelled by the user.
    #[error("generation cancelled: nothing was changed")]
    Cancelled,
    /// The stream stopped before the model said it was done.
    #[error(
        "the model's answer was cut off before it finished ({detail}): nothing was changed; retry"
    )]
    Incomplete {
        /// What was seen.
        detail: String,
    },
    /// `finish_reason: length`.
    #[error("the model stopped at its output limit, so the answer is incomplete: nothing was changed; ask for less or use a model with a larger output limit")]
    OutputLimit,
    /// `finish_reason: content_filter`.
    #[error("the model's content filter withheld the answer: nothing was changed; rephrase the instruction")]
    Filtered,
    /// Finished with no text.
    #[error("the model returned no text: nothing was changed; check planLsp.llm.model, or retry")]
    Empty,
    /// Not an OpenAI chat completion.
    #[error("the LLM endpoint sent something that is not an OpenAI chat completion ({detail}): check that planLsp.llm.apiBase points at an OpenAI-compatible /v1 endpoint")]
    InvalidResponse {
        /// Parser detail (shortened).
        detail: String,
    },
    /// Connection-level failure.
    #[error("could not reach the LLM endpoint at {url} ({detail}): check planLsp.llm.apiBase and that the model server is running")]
    Network {
        /// Endpoint root.
        url: String,
        /// Transport detail.
        detail: String,
    },
}

/// A finished generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The whole text.
    pub text: String,
}

/// Chat generation against the configured endpoint.
#[derive(Clone)]
pub struct LlmService {
    client: Client<OpenAIConfig>,
    config: LlmConfig,
}

impl std::fmt::Debug for LlmService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmService")
            .field("config", &self.config)
            .finish()
    }
}

impl LlmService {
    /// Builds the client; needs a rustls crypto provider installed.
    pub fn new(config: LlmConfig) -> Self {
        // Only what the settings name: no OPENAI_ORG_ID/OPENAI_PROJECT_ID from the environment
        // goes to a third-party endpoint.
        let openai = OpenAIConfig::new()
            .with_api_base(config.api_base.clone())
            .with_api_key(config.api_key.clone().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        LlmService {
            client: Client::with_config(openai),
            config,
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// Streams a chat completion, calling `on_delta` with each piece of text as it arrives.
    /// Succeeds only when the model finished (`finish_reason: stop`) with non-empty text, within
    /// the timeout and before `cancel` fires.
    pub async fn stream_chat(
        &self,
        prompt: &Prompt,
        cancel: &CancellationToken,
        mut on_delta: impl FnMut(&str) + Send,
    ) -> Result<Completion, LlmError> {
        let mut request = self.request(prompt)?;
        request.stream = Some(true);
        let work = async {
            let mut stream = self
                .client
                .chat()
                .create_stream(request)
                .await
                .map_err(|e| self.map_error(e))?;
            let mut text = String::new();
            let mut finish = None;
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| match self.map_error(e) {
                    LlmError::Network { detail, .. } => LlmError::Incomplete { detail },
                    other => other,
                })?;
                for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
                    if let Some(delta) = choice.delta.content.filter(|d| !d.is_empty()) {
                        on_delta(&delta);
                        text.push_str(&delta);
                    }
                    if choice.finish_reason.is_some() {
                        finish = choice.finish_reason;
                    }
                }
            }
            let Some(reason) = finish else {
                return Err(LlmError::Incomplete {
                    detail: format!(
                        "the stream ended after {} characters without a finish_reason",
                        text.chars().count()
                    ),
                });
            };
            finished(text, reason)
        };
        self.bounded(cancel, work).await
    }

    /// One non-streamed chat completion (for short answers), with the same rules as
    /// [`LlmService::stream_chat`].
    pub async fn complete(
        &self,
        prompt: &Prompt,
        cancel: &CancellationToken,
    ) -> Result<Completion, LlmError> {
        let request = self.request(prompt)?;
        let work = async {
            let response = self
                .client
                .chat()
                .create(request)
                .await
                .map_err(|e| self.map_error(e))?;
            let choice = response
                .choices
                .into_iter()
                .find(|c| c.index == 0)
                .ok_or(LlmError::Empty)?;
            let Some(reason) = choice.finish_reason else {
                return Err(LlmError::Incomplete {
                    detail: "the answer had no finish_reason".into(),
                });
            };
            finished(choice.message.content.unwrap_or_default(), reason)
        };
        self.bounded(cancel, work).await
    }

    async fn bounded(
        &self,
        cancel: &CancellationToken,
        work: impl std::future::Future<Output = Result<Completion, LlmError>>,
    ) -> Result<Completion, LlmError> {
        let seconds = self.config.timeout.as_secs();
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(LlmError::Cancelled),
            outcome = tokio::time::timeout(self.config.timeout, work) => {
                outcome.unwrap_or(Err(LlmError::Timeout { seconds }))
            }
        }
    }

    fn request(&self, prompt: &Prompt) -> Result<CreateChatCompletionRequest, LlmError> {
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(prompt.system.as_str()).into(),
            ChatCompletionRequestUserMessage::from(prompt.user.as_str()).into(),
        ];
        CreateChatCompletionRequestArgs::default()
            .model(self.config.model.clone())
            .messages(messages)
            .temperature(0.2_f32)
            .build()
            .map_err(|e| LlmError::InvalidResponse {
                detail: e.to_string(),
            })
    }

    /// Remote text without the key or anything shaped like a credential.
    fn scrub(&self, text: &str) -> String {
        let key = self.config.api_key.as_deref().unwrap_or_default();
        shorten(&super::redact::redact(text, &[key]))
    }

    fn map_error(&self, error: OpenAIError) -> LlmError {
        let mapped = match error {
            OpenAIError::ApiError(response) => {
                let status = response.status_code.as_u16();
                let message = self.scrub(&api_message(&response.api_error.message));
                match status {
                    401 | 403 => LlmError::Unauthorized {
                        status,
                        env: self.config.api_key_env.clone(),
                    },
                    404 => LlmError::NotFound {
                        model: self.config.model.clone(),
                    },
                    429 => LlmError::RateLimited { message },
                    500..=599 => LlmError::Server { status, message },
                    _ => LlmError::Rejected { status, message },
                }
            }
            OpenAIError::JSONDeserialize(error, _) => LlmError::InvalidResponse {
                detail: self.scrub(&error.to_string()),
            },
            OpenAIError::Reqwest(error) if error.is_timeout() => LlmError::Timeout {
                seconds: self.config.timeout.as_secs(),
            },
            OpenAIError::Reqwest(error) => LlmError::Network {
                url: self.config.api_base.clone(),
                detail: self.scrub(&super::error_chain(&error)),
            },
            OpenAIError::StreamError(error) => LlmError::Incomplete {
                detail: self.scrub(&error.to_string()),
            },
            other => LlmError::InvalidResponse {
                detail: self.scrub(&other.to_string()),
            },
        };
        tracing::warn!(error = %mapped, "LLM request failed");
        mapped
    }
}

fn finished(text: String, reason: FinishReason) -> Result<Completion, LlmError> {
    match reason {
        FinishReason::Length => Err(LlmError::OutputLimit),
        FinishReason::ContentFilter => Err(LlmError::Filtered),
        _ if text.trim().is_empty() => Err(LlmError::Empty),
        _ => Ok(Completion { text }),
    }
}

/// The message inside an OpenAI error body (`{"error": {"message": …}}`), which async-openai
/// passes through raw for server errors; other text as it is.
fn api_message(raw: &str) -> String {
    serde_json::from_str::<serde_json::Value>(raw)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| raw.to_string())
}

/// Keeps error details readable: the endpoint may echo whole bodies.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 200;
    let text = text.trim();
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfigured_without_base_or_model() {
        assert!(matches!(
            LlmConfig::resolve(None, Some("m"), None, 10),
            Err(LlmError::NotConfigured)
        ));
        assert!(matches!(
            LlmConfig::resolve(Some("http://x/v1"), Some("  "), None, 10),
            Err(LlmError::NotConfigured)
        ));
        assert_eq!(
            LlmError::NotConfigured.to_string(),
            "LLM not configured: set planLsp.llm.apiBase and planLsp.llm.model"
        );
    }

    #[test]
    fn key_comes_from_the_named_variable_and_is_never_printed() {
        let name = "PLAN_LSP_TEST_KEY_FOR_LLM_UNIT";
        // SAFETY: this variable is private to this test.
        unsafe { std::env::set_var(name, "sk-secret-value") };
        let config =
            LlmConfig::resolve(Some("http://127.0.0.1:1/v1/"), Some("m"), Some(name), 0).unwrap();
        assert_eq!(config.api_key.as_deref(), Some("sk-secret-value"));
        assert_eq!(config.api_base, "http://127.0.0.1:1/v1");
        assert_eq!(config.timeout, Duration::from_secs(1));
        assert!(!format!("{config:?}").contains("sk-secret"));
    }

    #[test]
    fn keys_that_cannot_be_a_header_are_refused() {
        let name = "PLAN_LSP_TEST_KEY_WITH_NEWLINE";
        // SAFETY: this variable is private to this test.
        unsafe { std::env::set_var(name, "sk-abc\ndef") };
        let error = LlmConfig::resolve(Some("http://x/v1"), Some("m"), Some(name), 5).unwrap_err();
        assert!(matches!(error, LlmError::UnusableKey { .. }), "{error}");
        assert!(!error.to_string().contains("sk-abc"));
    }

    #[test]
    fn finish_reasons_decide_success() {
        assert!(finished("text".into(), FinishReason::Stop).is_ok());
        assert!(matches!(
            finished("  ".into(), FinishReason::Stop),
            Err(LlmError::Empty)
        ));
        assert!(matches!(
            finished("t".into(), FinishReason::Length),
            Err(LlmError::OutputLimit)
        ));
        assert!(matches!(
            finished("t".into(), FinishReason::ContentFilter),
            Err(LlmError::Filtered)
        ));
    }

    #[test]
    fn server_error_bodies_yield_their_message() {
        assert_eq!(
            api_message(r#"{"error":{"message":"crashed","type":"server_error"}}"#),
            "crashed"
        );
        assert_eq!(api_message("Bad Gateway"), "Bad Gateway");
    }

    #[test]
    fn shorten_cuts_on_char_boundaries() {
        let long = "é".repeat(300);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 201);
        assert!(short.ends_with('…'));
    }
}
