//! What every change to the catalogue shares: the errors an editor can fix, and the history.

use chrono::Utc;
use entity::history::{self, Action, EntityType};
use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::ParseError;

/// The kind of a problem the editor can fix, as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemCode {
    /// A value is malformed or not allowed.
    Invalid,
    /// A referenced entry does not exist.
    NotFound,
    /// Someone else changed the entry first (`expectedVersion` is stale).
    Conflict,
    /// A unique value (slug, DOI, arXiv id, ORCID, name) belongs to another entry.
    Duplicate,
    /// The entry is still used by publications.
    Referenced,
}

/// One problem with the input, at a path into it (`["input", "authors", "3", "orcid"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Vec<String>,
    pub message: String,
    pub code: ProblemCode,
}

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Problems the editor can fix; nothing was written.
    #[error("the input has {} problem(s)", .0.len())]
    Problems(Vec<Problem>),
    #[error(transparent)]
    Db(DbErr),
}

/// Every database error of a change passes through here (`?` on a `DbErr`), so that a
/// constraint the checks before the write could not foresee (another editor saved the same
/// slug, or deleted a referenced entry, between the check and the write) reaches the editor
/// as a problem naming the field, never as an internal error.
impl From<DbErr> for EditError {
    fn from(err: DbErr) -> Self {
        Self::from_db(err, None)
    }
}

impl EditError {
    pub fn one(code: ProblemCode, field: &[&str], message: impl Into<String>) -> Self {
        Self::Problems(vec![Problem {
            field: field.iter().map(|part| (*part).to_owned()).collect(),
            message: message.into(),
            code,
        }])
    }

    /// [`From<DbErr>`], with the problem reported at `field` where the caller knows better
    /// than the constraint's name which input is at fault.
    pub fn from_write(err: DbErr, field: &[&str]) -> Self {
        Self::from_db(err, Some(field))
    }

    fn from_db(err: DbErr, field: Option<&[&str]>) -> Self {
        let Some(violation) = Violation::of(&err) else {
            return Self::Db(err);
        };
        tracing::info!(error = %err, "a concurrent change got in the way of a write");
        let (code, message) = violation.problem();
        let field = match field {
            Some(field) => field.iter().map(|part| (*part).to_owned()).collect(),
            None => path(&[&violation.field()]),
        };
        Self::Problems(vec![Problem {
            field,
            message,
            code,
        }])
    }
}

/// CONFLICT: the entry (`what`: "publication", "author", ...) is no longer at the version
/// the editor made their change against.
pub fn stale(what: &str, expected: i32, now: i32) -> EditError {
    EditError::one(
        ProblemCode::Conflict,
        &["input", "expectedVersion"],
        format!(
            "the {what} changed since version {expected} (it is at version {now}); reload it and apply your change again"
        ),
    )
}

/// [`stale`] unless the entry is at `expected` (`None`: whatever version it is at).
pub fn check_version(what: &str, expected: Option<i32>, now: i32) -> Result<(), EditError> {
    match expected {
        Some(expected) if expected != now => Err(stale(what, expected, now)),
        _ => Ok(()),
    }
}

/// An entry that carries a `version` (moved on by every change) and an `updated_at`.
pub trait Versioned: EntityTrait {
    /// The id, version and updated-at columns.
    fn columns() -> [Self::Column; 3];
}

macro_rules! versioned {
    ($($entity:ident),*) => {$(
        impl Versioned for entity::$entity::Entity {
            fn columns() -> [Self::Column; 3] {
                use entity::$entity::Column;
                [Column::Id, Column::Version, Column::UpdatedAt]
            }
        }
    )*};
}

versioned!(publication, author, venue, topic);

/// What a patch changes: the columns to set, and the names (as the API spells them) of the
/// fields whose values really differ. The one way every update applies its patch.
pub struct Changes<E: Versioned> {
    names: Vec<&'static str>,
    sets: Vec<(E::Column, sea_orm::Value)>,
}

impl<E: Versioned> Default for Changes<E> {
    fn default() -> Self {
        Self {
            names: Vec::new(),
            sets: Vec::new(),
        }
    }
}

impl<E: Versioned> Changes<E> {
    /// Sets `column` to `after` when it is given and differs from `before`, noting `name`;
    /// true when it does.
    pub fn set<T>(
        &mut self,
        name: &'static str,
        column: E::Column,
        before: &T,
        after: Option<T>,
    ) -> bool
    where
        T: PartialEq + Into<sea_orm::Value>,
    {
        match after {
            Some(after) if after != *before => {
                self.names.push(name);
                self.sets.push((column, after.into()));
                true
            }
            _ => false,
        }
    }

    /// Also sets `column`, with the field noted last (a slug that follows a name).
    pub fn also(&mut self, column: E::Column, value: impl Into<sea_orm::Value>) {
        self.sets.push((column, value.into()));
    }

    /// Notes a field that changes by writes of its own (a list of links, name variants).
    pub fn note(&mut self, name: &'static str) {
        self.names.push(name);
    }

    /// The fields that change, for the history.
    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Writes the changes to entry `id` if it is still at `version`, moving its version on
    /// and stamping its `updated_at`. The guard on the version makes the check and the write
    /// one step: of two editors who read the same version, exactly one writes; false for the
    /// other.
    pub async fn write(
        &self,
        conn: &impl ConnectionTrait,
        id: i64,
        version: i32,
    ) -> Result<bool, DbErr> {
        use sea_orm::sea_query::{Expr, ExprTrait as _};
        let [id_column, version_column, updated_column] = E::columns();
        let mut update = E::update_many()
            .col_expr(version_column, Expr::col(version_column).add(1))
            .col_expr(updated_column, Expr::value(Utc::now()))
            .filter(id_column.eq(id))
            .filter(version_column.eq(version));
        for (column, value) in &self.sets {
            update = update.col_expr(*column, Expr::value(value.clone()));
        }
        Ok(update.exec(conn).await?.rows_affected > 0)
    }
}

/// A write the database refused for a reason that another transaction caused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Violation {
    /// A unique value another entry took. `constraint` is Postgres's constraint name or
    /// SQLite's `table.column`.
    Unique { constraint: String },
    /// A reference to an entry that is gone (`deleting: false`), or a delete of an entry
    /// that something refers to now (`deleting: true`).
    ForeignKey { constraint: String, deleting: bool },
    /// A deadlock or serialization failure: the transaction lost a race and may be retried.
    Contention,
}

impl Violation {
    fn of(err: &DbErr) -> Option<Self> {
        use sea_orm::RuntimeErr;
        use sea_orm::sqlx::error::ErrorKind;
        let (DbErr::Exec(RuntimeErr::SqlxError(sqlx)) | DbErr::Query(RuntimeErr::SqlxError(sqlx))) =
            err
        else {
            return None;
        };
        let database = sqlx.as_database_error()?;
        let message = database.message();
        // SQLite names no constraint but its columns: "UNIQUE constraint failed: venue.slug".
        let constraint = || {
            database.constraint().map_or_else(
                || {
                    message
                        .split_once(": ")
                        .map(|(_, columns)| columns.split(", ").next().unwrap_or(columns))
                        .unwrap_or_default()
                        .to_owned()
                },
                str::to_owned,
            )
        };
        match database.kind() {
            ErrorKind::UniqueViolation => Some(Self::Unique {
                constraint: constraint(),
            }),
            ErrorKind::ForeignKeyViolation => Some(Self::ForeignKey {
                constraint: constraint(),
                deleting: message.starts_with("update or delete"),
            }),
            _ => match database.code().as_deref() {
                Some("40P01" | "40001") => Some(Self::Contention),
                _ => None,
            },
        }
    }

    /// The input field at fault, relative to `input`.
    fn field(&self) -> &'static str {
        let constraint = match self {
            Self::ForeignKey { deleting: true, .. } | Self::Contention => return "id",
            Self::Unique { constraint } | Self::ForeignKey { constraint, .. } => {
                constraint.as_str()
            }
        };
        match constraint {
            "publication_slug_key" | "publication.slug" => "slug",
            "publication_doi_key" | "publication.doi" => "doi",
            "publication_arxiv_id_key" | "publication.arxiv_id" => "arxivId",
            "author_orcid_key" | "author.orcid" => "orcid",
            "author_slug_key" | "author.slug" | "venue_slug_key" | "venue.slug"
            | "topic_slug_key" | "topic.slug" | "topic_name_key" | "topic.name" => "name",
            "author_name_variant_author_name_key" | "author_name_variant.author_id" => {
                "nameVariants"
            }
            "publication_author_pkey"
            | "publication_author_position_key"
            | "publication_author.publication_id"
            | "publication_author_author_fk" => "authors",
            "publication_topic_pkey"
            | "publication_topic.publication_id"
            | "publication_topic_topic_fk" => "topics",
            "publication_venue_fk" => "venue",
            "topic_parent_fk" => "parentId",
            _ => "id",
        }
    }

    fn what(&self) -> &'static str {
        match self.field() {
            "slug" => "a publication with this slug",
            "doi" => "a publication with this DOI",
            "arxivId" => "a publication with this arXiv id",
            "orcid" => "an author with this ORCID iD",
            "name" => match self {
                Self::Unique { constraint } | Self::ForeignKey { constraint, .. }
                    if constraint.starts_with("venue") =>
                {
                    "a venue with this name"
                }
                Self::Unique { constraint } | Self::ForeignKey { constraint, .. }
                    if constraint.starts_with("topic") =>
                {
                    "a topic with this name"
                }
                _ => "an author with this name",
            },
            "nameVariants" => "this name variant",
            "authors" => "this author",
            "topics" => "this topic",
            "venue" => "this venue",
            "parentId" => "this parent topic",
            _ => "this entry",
        }
    }

    fn problem(&self) -> (ProblemCode, String) {
        let what = self.what();
        match self {
            Self::Unique { .. } => (
                ProblemCode::Duplicate,
                format!("{what} was saved by another change meanwhile; reload and try again"),
            ),
            Self::ForeignKey {
                deleting: false, ..
            } => (
                ProblemCode::NotFound,
                format!("{what} was deleted by another change meanwhile"),
            ),
            Self::ForeignKey { deleting: true, .. } => (
                ProblemCode::Conflict,
                "another change made publications refer to this entry meanwhile; reload and try again"
                    .to_owned(),
            ),
            Self::Contention => (
                ProblemCode::Conflict,
                "another change to the same entries ran at the same time; try again".to_owned(),
            ),
        }
    }
}

/// Collects input problems while an input is parsed, so that an editor sees all of them
/// at once rather than one per attempt.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn add(&mut self, code: ProblemCode, field: Vec<String>, message: impl Into<String>) {
        self.0.push(Problem {
            field,
            message: message.into(),
            code,
        });
    }

    /// Parses `raw` with `parse`, noting a problem at `field` when it fails.
    pub fn parse<T>(
        &mut self,
        field: Vec<String>,
        raw: &str,
        parse: impl FnOnce(&str) -> Result<T, ParseError>,
    ) -> Option<T> {
        match parse(raw) {
            Ok(value) => Some(value),
            Err(err) => {
                self.add(ProblemCode::Invalid, field, err.0);
                None
            }
        }
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// `Ok(())` when there is no problem.
    pub fn finish(self) -> Result<(), EditError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(EditError::Problems(self.0))
        }
    }
}

/// `["input", a, b]` from its parts.
pub fn path(parts: &[&dyn std::fmt::Display]) -> Vec<String> {
    std::iter::once("input".to_owned())
        .chain(parts.iter().map(|part| part.to_string()))
        .collect()
}

/// Who is making a change, as the history records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

/// Records a change in the history, in the transaction that makes it.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    entity_type: EntityType,
    entity_id: i64,
    action: Action,
    fields: &[&str],
) -> Result<(), DbErr> {
    let fields = serde_json::to_string(fields).unwrap_or_else(|_| "[]".to_owned());
    history::Entity::insert(history::ActiveModel {
        entity_type: Set(entity_type),
        entity_id: Set(entity_id),
        action: Set(action),
        actor: Set(actor.0.clone()),
        fields: Set(fields),
        occurred_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The history of each entity, oldest change first.
pub async fn history_of(
    conn: &impl ConnectionTrait,
    entity_type: EntityType,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<history::Model>>, DbErr> {
    let rows = history::Entity::find()
        .filter(history::Column::EntityType.eq(entity_type))
        .filter(history::Column::EntityId.is_in(ids.iter().copied()))
        .order_by_asc(history::Column::Id)
        .all(conn)
        .await?;
    let mut found: HashMap<i64, Vec<history::Model>> =
        ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        found.entry(row.entity_id).or_default().push(row);
    }
    Ok(found)
}
