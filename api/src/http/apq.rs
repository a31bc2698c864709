//! Automatic persisted queries, as Apollo's protocol has them: a client sends the SHA-256 of
//! its query in `extensions.persistedQuery`; the server answers `PersistedQueryNotFound` the
//! first time, the client sends the query with its hash once, and from then on the hash alone
//! is enough, which keeps GET URLs short and cacheable.
//!
//! The store is per instance and bounded twice: by entry count and by bytes (least recently
//! used go first), so that a client cannot fill memory with a few large documents. A document
//! larger than [`MAX_DOCUMENT_BYTES`] still runs but is not kept: its hash alone keeps
//! answering `PersistedQueryNotFound`, and the client goes on sending the document. A client
//! whose hash an instance does not know simply sends the query again.
//!
//! [`PersistedQueries::lookup`] looks a hash up (and checks a document against it) without
//! storing anything; [`PersistedQueries::remember`] stores a document once the request that
//! brought it has been admitted, so that a refused request leaves nothing behind.
//! [`PersistedQueries::resolve`] does both at once.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The largest document kept: the queries of a frontend are a few kilobytes, and a larger one
/// is more likely an attempt to fill the store than a query worth a short URL.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// Why a persisted-query request cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApqError {
    /// The hash is unknown here: the client should send the query along with it.
    NotFound,
    /// The extension is malformed, or the query does not match its hash.
    Invalid(String),
}

impl ApqError {
    pub fn code(&self) -> crate::error::ErrorCode {
        match self {
            Self::NotFound => crate::error::ErrorCode::PersistedQueryNotFound,
            Self::Invalid(_) => crate::error::ErrorCode::BadRequest,
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
    store: Option<Mutex<Store>>,
}

#[derive(Debug)]
struct Store {
    entries: LruCache<String, String>,
    /// The bytes of every kept hash and document.
    bytes: usize,
    max_bytes: usize,
    max_document_bytes: usize,
}

impl Store {
    fn size(hash: &str, query: &str) -> usize {
        hash.len() + query.len()
    }

    fn put(&mut self, hash: String, query: String) {
        if query.len() > self.max_document_bytes {
            return;
        }
        let size = Self::size(&hash, &query);
        if size > self.max_bytes {
            return;
        }
        if let Some((old_hash, old_query)) = self.entries.push(hash, query) {
            // The entry replaced (same hash) or the one the count bound pushed out.
            self.bytes -= Self::size(&old_hash, &old_query);
        }
        self.bytes += size;
        while self.bytes > self.max_bytes {
            match self.entries.pop_lru() {
                Some((old_hash, old_query)) => self.bytes -= Self::size(&old_hash, &old_query),
                None => {
                    self.bytes = 0;
                    break;
                }
            }
        }
    }
}

impl PersistedQueries {
    /// A store of at most `capacity` queries and 16 MiB; 0 turns persisted queries off.
    pub fn new(capacity: usize) -> Self {
        Self::with_limits(capacity, 16 * 1024 * 1024)
    }

    /// A store of at most `capacity` queries taking at most `max_bytes` of documents and
    /// hashes together; a capacity of 0 turns persisted queries off.
    pub fn with_limits(capacity: usize, max_bytes: usize) -> Self {
        Self {
            store: NonZeroUsize::new(capacity).map(|n| {
                Mutex::new(Store {
                    entries: LruCache::new(n),
                    bytes: 0,
                    max_bytes,
                    max_document_bytes: MAX_DOCUMENT_BYTES.min(max_bytes),
                })
            }),
        }
    }

    /// [`Self::lookup`], then [`Self::remember`] of the query found: for a caller that
    /// admits every request before it resolves the query.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Map<String, Value>>,
    ) -> Result<Option<String>, ApqError> {
        let query = self.lookup(query, extensions)?;
        if let Some(query) = &query {
            self.remember(query, extensions);
        }
        Ok(query)
    }

    /// The query to run: `query` itself when there is no persisted-query extension,
    /// otherwise the query its hash names, or `query` when it comes with a hash it matches.
    /// Nothing is stored: see [`Self::remember`].
    pub fn lookup(
        &self,
        query: Option<String>,
        extensions: Option<&Map<String, Value>>,
    ) -> Result<Option<String>, ApqError> {
        let Some(hash) = self.hash(extensions)? else {
            return Ok(query);
        };
        match query {
            Some(query) => {
                if hex::encode(Sha256::digest(query.as_bytes())) != hash {
                    return Err(ApqError::Invalid(
                        "extensions.persistedQuery.sha256Hash: does not match the query".into(),
                    ));
                }
                Ok(Some(query))
            }
            None => {
                let Some(Ok(mut store)) = self.store.as_ref().map(Mutex::lock) else {
                    return Err(ApqError::NotFound);
                };
                store
                    .entries
                    .get(&hash)
                    .cloned()
                    .map(Some)
                    .ok_or(ApqError::NotFound)
            }
        }
    }

    /// Keeps `query` under its hash when the request carried a persisted-query extension
    /// whose hash it matches, within the store's bounds. Call it once the request has been
    /// admitted (authenticated, within limits), with the query [`Self::lookup`] returned.
    pub fn remember(&self, query: &str, extensions: Option<&Map<String, Value>>) {
        let Ok(Some(hash)) = self.hash(extensions) else {
            return;
        };
        if hex::encode(Sha256::digest(query.as_bytes())) != hash {
            return;
        }
        if let Some(Ok(mut store)) = self.store.as_ref().map(Mutex::lock) {
            store.put(hash, query.to_owned());
        }
    }

    /// How many documents and bytes are kept now.
    pub fn usage(&self) -> (usize, usize) {
        match self.store.as_ref().map(Mutex::lock) {
            Some(Ok(store)) => (store.entries.len(), store.bytes),
            _ => (0, 0),
        }
    }

    /// The lower-case hash of the extension, `None` without one.
    fn hash(&self, extensions: Option<&Map<String, Value>>) -> Result<Option<String>, ApqError> {
        let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Ok(None);
        };
        if self.store.is_none() {
            return Err(ApqError::Invalid(
                "persisted queries are turned off on this server; send the query".into(),
            ));
        }
        let version = persisted.get("version").and_then(Value::as_i64);
        if version != Some(1) {
            return Err(ApqError::Invalid(
                "extensions.persistedQuery.version: only version 1 is supported".into(),
            ));
        }
        persisted
            .get("sha256Hash")
            .and_then(Value::as_str)
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|h| Some(h.to_ascii_lowercase()))
            .ok_or_else(|| {
                ApqError::Invalid(
                    "extensions.persistedQuery.sha256Hash: expected 64 hexadecimal digits".into(),
                )
            })
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
        assert_eq!(err.code().as_str(), "BAD_REQUEST");
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

    /// A document of `bytes` bytes (a query padded with a comment) and its extension.
    fn document(n: usize, bytes: usize) -> (String, Map<String, Value>) {
        let head = format!("{{ publications {{ totalCount }} }} # {n} ");
        let query = format!("{head}{}", "x".repeat(bytes.saturating_sub(head.len())));
        let ext = extension(&hex::encode(Sha256::digest(&query)));
        (query, ext)
    }

    #[test]
    fn the_store_keeps_to_its_byte_budget_by_dropping_the_least_recently_used() {
        let store = PersistedQueries::with_limits(1000, 100_000);
        let documents: Vec<_> = (0..10).map(|n| document(n, 30_000)).collect();

        for (query, ext) in &documents {
            assert_eq!(
                store.resolve(Some(query.clone()), Some(ext)),
                Ok(Some(query.clone()))
            );
        }

        let (count, bytes) = store.usage();
        assert!(bytes <= 100_000, "{bytes} bytes kept");
        assert_eq!(count, 3);
        assert_eq!(
            store.resolve(None, Some(&documents[0].1)),
            Err(ApqError::NotFound)
        );
        assert_eq!(
            store.resolve(None, Some(&documents[9].1)),
            Ok(Some(documents[9].0.clone()))
        );
    }

    #[test]
    fn a_recently_used_document_outlives_an_older_one() {
        let store = PersistedQueries::with_limits(1000, 70_000);
        let (a, b, c) = (
            document(1, 30_000),
            document(2, 30_000),
            document(3, 30_000),
        );
        store.remember(&a.0, Some(&a.1));
        store.remember(&b.0, Some(&b.1));

        assert!(store.resolve(None, Some(&a.1)).is_ok(), "a is used again");
        store.remember(&c.0, Some(&c.1));

        assert!(store.resolve(None, Some(&a.1)).is_ok());
        assert_eq!(store.resolve(None, Some(&b.1)), Err(ApqError::NotFound));
    }

    #[test]
    fn a_document_over_the_cap_runs_but_is_not_kept() {
        let store = PersistedQueries::new(1000);
        let (query, ext) = document(1, MAX_DOCUMENT_BYTES + 1);

        assert_eq!(
            store.resolve(Some(query.clone()), Some(&ext)),
            Ok(Some(query))
        );
        assert_eq!(store.resolve(None, Some(&ext)), Err(ApqError::NotFound));
        assert_eq!(store.usage(), (0, 0));
    }

    #[test]
    fn a_hundred_large_documents_take_no_more_than_the_budget() {
        let store = PersistedQueries::with_limits(1000, 1024 * 1024);
        for n in 0..100 {
            let (query, ext) = document(n, MAX_DOCUMENT_BYTES);
            store.remember(&query, Some(&ext));
        }
        let (count, bytes) = store.usage();
        assert!(bytes <= 1024 * 1024, "{bytes} bytes kept");
        assert!(count > 0 && count < 100, "{count} documents kept");
    }

    #[test]
    fn lookup_stores_nothing_until_the_request_is_remembered() {
        let store = PersistedQueries::new(10);
        let hash = hex::encode(Sha256::digest(QUERY));
        let ext = extension(&hash);

        assert_eq!(
            store.lookup(Some(QUERY.into()), Some(&ext)),
            Ok(Some(QUERY.into()))
        );
        assert_eq!(store.lookup(None, Some(&ext)), Err(ApqError::NotFound));
        store.remember(QUERY, Some(&ext));
        assert_eq!(store.lookup(None, Some(&ext)), Ok(Some(QUERY.into())));
    }

    #[test]
    fn remember_ignores_a_query_that_does_not_match_the_hash() {
        let store = PersistedQueries::new(10);
        let ext = extension(&hex::encode(Sha256::digest(QUERY)));
        store.remember("{ other }", Some(&ext));
        assert_eq!(store.usage(), (0, 0));
    }
}
