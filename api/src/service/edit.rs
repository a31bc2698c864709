//! What every change to the catalogue shares: the errors an editor can fix, and the history.

use chrono::Utc;
use entity::history::{self, Action, EntityType};
use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    SqlErr,
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
    Db(#[from] DbErr),
}

impl EditError {
    pub fn one(code: ProblemCode, field: &[&str], message: impl Into<String>) -> Self {
        Self::Problems(vec![Problem {
            field: field.iter().map(|part| (*part).to_owned()).collect(),
            message: message.into(),
            code,
        }])
    }

    /// A unique or foreign-key violation the checks before the write did not foresee (two
    /// editors racing) becomes a problem the editor can act on, not a database error text.
    pub fn from_write(err: DbErr, field: &[&str]) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::one(
                ProblemCode::Duplicate,
                field,
                "conflicts with an entry saved meanwhile; reload and try again",
            ),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::one(
                ProblemCode::NotFound,
                field,
                "refers to an entry that was deleted meanwhile",
            ),
            _ => Self::Db(err),
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
