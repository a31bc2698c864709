//! Automatic persisted queries, as Apollo's protocol has them: a client sends the SHA-256 of
//! its query in `extensions.persistedQuery`; the server answers `PersistedQueryNotFound` the
//! first time, the client sends the query with its hash once, and from then on the hash alone
//! is enough, which keeps GET URLs short and cacheable.
//!
//! The store is per instance and bounded (least recently used go first); a client whose hash
//! an instance does not know simply sends the query again.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Why a persisted-query request cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApqError {
    /// The hash is unknown here: the client should send the query along with it.
    NotFound,
    /// The extension is malformed, or the query does not match its hash.
    Invalid(String),
}

impl ApqError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::Invalid(_) => "BAD_REQUEST",
        }
    }

    pub fn message(&self) -> String {
        match self {
            // Apollo's clients look for this exact message.
            Self::NotFound => "PersistedQueryNotFound".to_owned(),
            Self::Invalid(message) => message.clone(),
        }
    }
}

/// The queries this instance has seen, by SHA-256.
#[derive(Debug)]
pub struct PersistedQueries {
    store: Option<Mutex<LruCache<String, String>>>,
}

impl PersistedQueries {
    /// A store of at most `capacity` queries; 0 turns persisted queries off.
    pub fn new(capacity: usize) -> Self {
        Self {
            store: NonZeroUsize::new(capacity).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// The query to run: `query` itself when there is no persisted-query extension,
    /// otherwise the query its hash names (storing `query` under its hash when both come).
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Map<String, Value>>,
    ) -> Result<Option<String>, ApqError> {
        let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Ok(query);
        };
        let Some(store) = &self.store else {
            return Err(ApqError::Invalid(
                "persisted queries are turned off on this server; send the query".into(),
            ));
        };
        let version = persisted.get("version").and_then(Value::as_i64);
        if version != Some(1) {
            return Err(ApqError::Invalid(
                "extensions.persistedQuery.version: only version 1 is supported".into(),
            ));
        }
        let hash = persisted
            .get("sha256Hash")
            .and_then(Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| {
                ApqError::Invalid(
                    "extensions.persistedQuery.sha256Hash: expected 64 hexadecimal digits".into(),
                )
            })?;
        let Ok(mut store) = store.lock() else {
            return Err(ApqError::NotFound);
        };
        match query {
            Some(query) => {
                if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                    return Err(ApqError::Invalid(
                        "extensions.persistedQuery.sha256Hash: does not match the query".into(),
                    ));
                }
                store.put(hash, query.clone());
                Ok(Some(query))
            }
            None => store
                .get(&hash)
                .cloned()
                .map(Some)
                .ok_or(ApqError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const QUERY: &str = "{ publications { totalCount } }";

    fn extension(hash: &str) -> Map<String, Value> {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
            .as_object()
            .cloned()
            .expect("object")
    }

    #[test]
    fn a_hash_is_unknown_until_its_query_is_sent_once() {
        let store = PersistedQueries::new(10);
        let hash = hex::encode(Sha256::digest(QUERY));
        let ext = extension(&hash);

        assert_eq!(store.resolve(None, Some(&ext)), Err(ApqError::NotFound));
        assert_eq!(
            store.resolve(Some(QUERY.into()), Some(&ext)),
            Ok(Some(QUERY.into()))
        );
        assert_eq!(store.resolve(None, Some(&ext)), Ok(Some(QUERY.into())));
    }

    #[test]
    fn a_query_that_does_not_match_its_hash_is_refused() {
        let store = PersistedQueries::new(10);
        let ext = extension(&"0".repeat(64));
        let err = store
            .resolve(Some(QUERY.into()), Some(&ext))
            .expect_err("mismatch");
        assert_eq!(err.code(), "BAD_REQUEST");
    }

    #[test]
    fn the_store_is_bounded() {
        let store = PersistedQueries::new(1);
        let queries = ["{ a }", "{ b }"];
        for query in queries {
            let ext = extension(&hex::encode(Sha256::digest(query)));
            store
                .resolve(Some(query.into()), Some(&ext))
                .expect("stored");
        }
        let first = extension(&hex::encode(Sha256::digest(queries[0])));
        assert_eq!(store.resolve(None, Some(&first)), Err(ApqError::NotFound));
    }
}
