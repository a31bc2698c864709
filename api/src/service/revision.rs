//! The catalogue's revision: bumped by every change in the change's own transaction, read
//! with one primary-key lookup. Cached counts remember the revision they were computed at
//! and are exact as long as it has not moved, however many instances share the database.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use lru::LruCache;
use sea_orm::{ConnectionTrait, DbErr, Statement};

use super::Audience;

/// Marks the catalogue changed, inside the transaction that changes it, and returns the new
/// revision (one statement).
pub async fn bump(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    bump_where(conn, "1 = 1")
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("catalogue_revision".into()))
}

/// [`bump`] only when `condition` (SQL over other tables) holds; `None` when it does not.
pub(crate) async fn bump_where(
    conn: &impl ConnectionTrait,
    condition: &str,
) -> Result<Option<i64>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!(
                "UPDATE catalogue_revision SET revision = revision + 1 \
                 WHERE id = 1 AND {condition} RETURNING revision"
            ),
        ))
        .await?;
    row.map(|row| row.try_get::<i64>("", "revision"))
        .transpose()
}

/// The current revision.
pub async fn current(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT revision FROM catalogue_revision WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("catalogue_revision".into()))?;
    row.try_get::<i64>("", "revision")
}

/// Values computed from the catalogue (counts, facets), each remembered with the revision
/// it was computed at and used only while that revision is current.
#[derive(Debug)]
pub struct RevisionCache<V> {
    entries: Mutex<LruCache<(Audience, String), (i64, V)>>,
}

impl<V: Clone> RevisionCache<V> {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(LruCache::new(capacity)),
        }
    }

    /// The value of (audience, key) if it was computed at `revision`.
    pub fn get(&self, audience: Audience, key: &str, revision: i64) -> Option<V> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(&(audience, key.to_owned())) {
            Some((at, value)) if *at == revision => Some(value.clone()),
            _ => None,
        }
    }

    pub fn put(&self, audience: Audience, key: String, revision: i64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put((audience, key), (revision, value));
        }
    }
}

/// Cached `totalCount`s, by filter digest.
pub type CountCache = RevisionCache<u64>;

/// Cached facets, by facet name and filter digest.
pub type FacetCache = RevisionCache<Vec<(String, i64)>>;
