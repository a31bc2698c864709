//! The catalogue's change feed, in the database: what changed at each revision.
//!
//! Triggers note each changed row of a transaction without a revision (migration 000008);
//! [`record`], the last step of every transaction that changes the catalogue, moves the
//! catalogue revision, stamps the noted rows with it, the actor and the time, and on Postgres
//! sends a `NOTIFY` that the database delivers to every listening instance at commit. The
//! revision row stays locked from then until the commit, so revisions become visible in
//! order: a reader that sees revision `n` sees every revision before it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// The channel of the notification that carries a new revision.
pub const CHANNEL: &str = "catalogue_change";

/// What a change did to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Updated,
    Created,
    Deleted,
    Merged,
}

impl Action {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "created" => Self::Created,
            "updated" => Self::Updated,
            "deleted" => Self::Deleted,
            "merged" => Self::Merged,
            _ => return None,
        })
    }
}

/// Which kind of row changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Publication,
    Author,
    Venue,
    Topic,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publication => "publication",
            Self::Author => "author",
            Self::Venue => "venue",
            Self::Topic => "topic",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "publication" => Self::Publication,
            "author" => Self::Author,
            "venue" => Self::Venue,
            "topic" => Self::Topic,
            _ => return None,
        })
    }
}

/// One row's change at one revision (several notes of the same row in one transaction are
/// one change: created then updated is created, updated then deleted is deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub entity: Entity,
    pub id: i64,
    pub action: Action,
}

/// Everything that changed at one revision.
#[derive(Debug, Clone)]
pub struct Revision {
    pub revision: i64,
    pub actor: Option<String>,
    pub at: DateTime<Utc>,
    /// In the order the rows were first noted.
    pub changes: Vec<Change>,
}

impl Revision {
    /// The publications this revision changed, with what happened to each.
    pub fn publications(&self) -> impl Iterator<Item = (i64, Action)> + '_ {
        self.changes
            .iter()
            .filter(|change| change.entity == Entity::Publication)
            .map(|change| (change.id, change.action))
    }
}

/// Moves the catalogue revision and stamps the changes this transaction noted with it,
/// `actor` and the time; the last statements before the commit (three: the conditional bump,
/// the stamp, and on Postgres the notification). A transaction that noted
/// nothing (an edit that changed no value) leaves the revision where it is, so that cached
/// counts stay valid. Returns the new revision, if there is one.
pub async fn record(conn: &impl ConnectionTrait, actor: &str) -> Result<Option<i64>, DbErr> {
    let backend = conn.get_database_backend();
    let bumped = super::revision::bump_where(
        conn,
        "EXISTS (SELECT 1 FROM catalogue_change WHERE revision IS NULL)",
    )
    .await?;
    let Some(revision) = bumped else {
        return Ok(None);
    };
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE catalogue_change SET revision = $1, actor = $2, changed_at = $3 \
             WHERE revision IS NULL"
        }
        _ => {
            "UPDATE catalogue_change SET revision = ?, actor = ?, changed_at = ? \
             WHERE revision IS NULL"
        }
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [revision.into(), actor.into(), Utc::now().into()],
    ))
    .await?;
    notify(conn, revision).await?;
    Ok(Some(revision))
}

/// Whether committed changes wait for a revision: rows changed outside the service (an
/// operator's SQL), which the triggers noted but no mutation stamped.
pub async fn pending(conn: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT EXISTS (SELECT 1 FROM catalogue_change WHERE revision IS NULL) AS pending",
        ))
        .await?;
    match row {
        Some(row) => row.try_get::<bool>("", "pending"),
        None => Ok(false),
    }
}

/// Notes that `ids` were merged into another row (their deletion is already noted).
pub async fn note_merged(
    conn: &impl ConnectionTrait,
    entity: Entity,
    ids: &[i64],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO catalogue_change (entity, entity_id, action) VALUES ($1, $2, 'merged')"
        }
        _ => "INSERT INTO catalogue_change (entity, entity_id, action) VALUES (?, ?, 'merged')",
    };
    for id in ids {
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [entity.as_str().into(), (*id).into()],
        ))
        .await?;
    }
    Ok(())
}

/// A bulk load (the benchmark's generator) is not a stream of edits: its noted rows are
/// dropped and the revision moves once, so that caches notice and subscribers that ask to
/// replay from before it are told to re-read instead.
pub async fn forget_bulk_load(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    conn.execute_unprepared("DELETE FROM catalogue_change")
        .await?;
    let revision = super::revision::bump(conn).await?;
    notify(conn, revision).await?;
    Ok(revision)
}

async fn notify(conn: &impl ConnectionTrait, revision: i64) -> Result<(), DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), revision.to_string().into()],
        ))
        .await?;
    }
    Ok(())
}

/// The revisions after `after` up to `upto`, both in the feed, oldest first; revisions that
/// noted nothing (a bulk load's) are left out.
pub async fn read(
    conn: &impl ConnectionTrait,
    after: i64,
    upto: i64,
) -> Result<Vec<Revision>, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT revision, seq, entity, entity_id, action, actor, changed_at \
             FROM catalogue_change WHERE revision > $1 AND revision <= $2 ORDER BY revision, seq"
        }
        _ => {
            "SELECT revision, seq, entity, entity_id, action, actor, changed_at \
             FROM catalogue_change WHERE revision > ? AND revision <= ? ORDER BY revision, seq"
        }
    };
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(after), Value::from(upto)],
        ))
        .await?;
    let mut revisions: Vec<Revision> = Vec::new();
    let mut notes: Vec<(Entity, i64, Action)> = Vec::new();
    for row in rows {
        let revision: i64 = row.try_get("", "revision")?;
        let entity: String = row.try_get("", "entity")?;
        let action: String = row.try_get("", "action")?;
        let (Some(entity), Some(action)) = (Entity::parse(&entity), Action::parse(&action)) else {
            return Err(DbErr::Custom(format!(
                "catalogue_change holds an unknown entity or action at revision {revision}"
            )));
        };
        if revisions
            .last()
            .is_none_or(|last| last.revision != revision)
        {
            if let Some(last) = revisions.last_mut() {
                last.changes = collapse(std::mem::take(&mut notes));
            }
            revisions.push(Revision {
                revision,
                actor: row.try_get("", "actor")?,
                at: row
                    .try_get::<Option<DateTime<Utc>>>("", "changed_at")?
                    .unwrap_or_else(Utc::now),
                changes: Vec::new(),
            });
        }
        notes.push((entity, row.try_get("", "entity_id")?, action));
    }
    if let Some(last) = revisions.last_mut() {
        last.changes = collapse(notes);
    }
    Ok(revisions)
}

/// One change per row from a transaction's notes, in the order rows were first noted. A row
/// created and deleted in the same transaction never existed for anyone else: no change.
fn collapse(notes: Vec<(Entity, i64, Action)>) -> Vec<Change> {
    let mut order: Vec<(Entity, i64)> = Vec::new();
    let mut seen: HashMap<(Entity, i64), (bool, Action)> = HashMap::new();
    for (entity, id, action) in notes {
        let entry = seen.entry((entity, id)).or_insert_with(|| {
            order.push((entity, id));
            (false, Action::Updated)
        });
        if action == Action::Created {
            entry.0 = true;
        }
        // Merged (a deletion into another row) outranks deleted, deleted outranks created,
        // created outranks updated.
        entry.1 = entry.1.max(action);
    }
    order
        .into_iter()
        .filter_map(|key| {
            let (created, action) = seen.get(&key).copied()?;
            if created && matches!(action, Action::Deleted | Action::Merged) {
                return None;
            }
            Some(Change {
                entity: key.0,
                id: key.1,
                action,
            })
        })
        .collect()
}

/// The oldest revision the feed still holds, if it holds any.
pub async fn oldest(conn: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT MIN(revision) AS oldest FROM catalogue_change WHERE revision IS NOT NULL",
        ))
        .await?;
    match row {
        Some(row) => row.try_get::<Option<i64>>("", "oldest"),
        None => Ok(None),
    }
}

/// Deletes the changes recorded before `before`, keeping the newest revision whatever its
/// age so that [`oldest`] always says where a replay can start. Returns how many rows went.
pub async fn prune(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "DELETE FROM catalogue_change WHERE changed_at < $1 AND revision < \
             (SELECT MAX(revision) FROM catalogue_change)"
        }
        _ => {
            "DELETE FROM catalogue_change WHERE changed_at < ? AND revision < \
             (SELECT MAX(revision) FROM catalogue_change)"
        }
    };
    let result = conn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [before.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transactions_notes_collapse_to_one_change_per_row() {
        let p = Entity::Publication;
        let notes = vec![
            (p, 1, Action::Updated),
            (p, 2, Action::Created),
            (p, 1, Action::Updated),
            (p, 2, Action::Updated),
            (p, 3, Action::Updated),
            (p, 3, Action::Deleted),
            (p, 4, Action::Created),
            (p, 4, Action::Deleted),
            (Entity::Author, 1, Action::Deleted),
            (Entity::Author, 1, Action::Merged),
        ];
        let changes: Vec<(Entity, i64, Action)> = collapse(notes)
            .into_iter()
            .map(|c| (c.entity, c.id, c.action))
            .collect();
        assert_eq!(
            changes,
            vec![
                (p, 1, Action::Updated),
                (p, 2, Action::Created),
                (p, 3, Action::Deleted),
                (Entity::Author, 1, Action::Merged),
            ]
        );
    }
}
