//! JSON-RPC errors whose messages tell the user what to do; only the server speaks JSON-RPC.

use tower_lsp::jsonrpc::{Error, ErrorCode};

/// The request's parameters are wrong.
pub fn invalid_params(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into().into(),
        data: None,
    }
}

/// A request the server understood but cannot carry out (service missing, edit refused…).
pub fn failed(message: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::ServerError(-32803),
        message: message.into().into(),
        data: None,
    }
}

/// The request was cancelled by the user.
pub fn cancelled() -> Error {
    Error {
        code: ErrorCode::ServerError(-32800),
        message: "cancelled; nothing was changed".into(),
        data: None,
    }
}
