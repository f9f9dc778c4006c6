//! Request ids tower-lsp cannot hold. JSON-RPC allows any number as an id, tower-lsp only an i64, so
//! ids like `1.5`, `1e3` or `2^63` are swapped for a string on the way in and restored on the way
//! out (in the response, and in a `$/cancelRequest` naming them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::Value;

/// Requests with such ids in flight at once; past this they are answered with an error instead.
const MAX_MAPPED: usize = 4096;

const PREFIX: &str = "plan-lsp/mapped-id/";

#[derive(Default)]
pub struct RequestIds {
    /// Mapped string → the client's id, and the reverse.
    mapped: Mutex<(HashMap<String, Value>, HashMap<String, String>)>,
    next: AtomicU64,
    /// Whether any id is mapped: the output side skips its check when none is.
    any: AtomicBool,
}

/// Whether tower-lsp can decode this id as it is.
pub fn is_representable(id: &Value) -> bool {
    match id {
        Value::Number(n) => n.is_i64(),
        Value::String(_) | Value::Null => true,
        _ => false,
    }
}

impl RequestIds {
    /// The string id to use for a numeric `id` tower-lsp cannot decode; `None` when too many are
    /// in flight.
    pub fn map(&self, id: &Value) -> Option<Value> {
        let key = id.to_string();
        let mut mapped = self.lock();
        if let Some(existing) = mapped.1.get(&key) {
            return Some(Value::String(existing.clone()));
        }
        if mapped.0.len() >= MAX_MAPPED {
            return None;
        }
        let name = format!("{PREFIX}{}", self.next.fetch_add(1, Ordering::Relaxed));
        mapped.0.insert(name.clone(), id.clone());
        mapped.1.insert(key, name.clone());
        self.any.store(true, Ordering::Release);
        Some(Value::String(name))
    }

    /// The mapped id for a client id already mapped (for `$/cancelRequest`).
    pub fn lookup(&self, id: &Value) -> Option<Value> {
        self.lock()
            .1
            .get(&id.to_string())
            .cloned()
            .map(Value::String)
    }

    /// The client's id for a mapped one, forgotten once its response is sent.
    pub fn restore(&self, mapped_id: &str) -> Option<Value> {
        let mut mapped = self.lock();
        let original = mapped.0.remove(mapped_id)?;
        mapped.1.remove(&original.to_string());
        self.any.store(!mapped.0.is_empty(), Ordering::Release);
        Some(original)
    }

    /// Whether an outgoing frame may carry a mapped id (cheap: no parse).
    pub fn may_be_in(&self, frame: &[u8]) -> bool {
        self.any.load(Ordering::Acquire) && memchr::memmem::find(frame, PREFIX.as_bytes()).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<String, Value>, HashMap<String, String>)> {
        self.mapped.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unrepresentable_ids_round_trip_once() {
        let ids = RequestIds::default();
        assert!(!is_representable(&json!(1.5)));
        assert!(!is_representable(&json!(9223372036854775808u64)));
        assert!(is_representable(&json!(-3)));
        let mapped = ids.map(&json!(1.5)).unwrap();
        assert_eq!(ids.lookup(&json!(1.5)), Some(mapped.clone()));
        assert!(ids.may_be_in(mapped.to_string().as_bytes()));
        assert_eq!(ids.restore(mapped.as_str().unwrap()), Some(json!(1.5)));
        assert_eq!(ids.restore(mapped.as_str().unwrap()), None);
        assert!(!ids.may_be_in(mapped.to_string().as_bytes()));
    }
}
