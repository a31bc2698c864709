//! Lists of authors, venues and topics, sorted by name (then id) with keyset cursors.

use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde_json::json;

use super::pagination::{Cursor, Direction, Page, PageRequest};

/// `text` trimmed and lower-cased, with LIKE's wildcards escaped (by `\\`), ready to be
/// placed in a pattern for [`lower_like`].
pub fn escape_like(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// `lower(column) LIKE pattern ESCAPE '\\'`.
pub fn lower_like<C: ColumnTrait>(column: C, pattern: String) -> Condition {
    Condition::all()
        .add(Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape('\\')))
}

/// A case-insensitive "contains" condition on `column`.
pub fn contains<C: ColumnTrait>(column: C, text: &str) -> Condition {
    lower_like(column, format!("%{}%", escape_like(text)))
}

/// An entity listed by name.
pub trait Named: EntityTrait {
    fn name_column() -> Self::Column;
    fn id_column() -> Self::Column;
    fn name_of(model: &Self::Model) -> &str;
    fn id_of(model: &Self::Model) -> i64;
}

impl Named for entity::author::Entity {
    fn name_column() -> Self::Column {
        entity::author::Column::Name
    }
    fn id_column() -> Self::Column {
        entity::author::Column::Id
    }
    fn name_of(model: &Self::Model) -> &str {
        &model.name
    }
    fn id_of(model: &Self::Model) -> i64 {
        model.id
    }
}

impl Named for entity::venue::Entity {
    fn name_column() -> Self::Column {
        entity::venue::Column::Name
    }
    fn id_column() -> Self::Column {
        entity::venue::Column::Id
    }
    fn name_of(model: &Self::Model) -> &str {
        &model.name
    }
    fn id_of(model: &Self::Model) -> i64 {
        model.id
    }
}

impl Named for entity::topic::Entity {
    fn name_column() -> Self::Column {
        entity::topic::Column::Name
    }
    fn id_column() -> Self::Column {
        entity::topic::Column::Id
    }
    fn name_of(model: &Self::Model) -> &str {
        &model.name
    }
    fn id_of(model: &Self::Model) -> i64 {
        model.id
    }
}

/// The cursor of `model` in a by-name list tagged `tag`.
pub fn cursor<E: Named>(tag: &str, model: &E::Model) -> Cursor {
    Cursor::new(tag, vec![json!(E::name_of(model)), json!(E::id_of(model))])
}

fn beyond<E: Named>(cursor: &Cursor, later: bool, descending: bool) -> Result<Condition, DbErr> {
    let (Some(name), Some(id)) = (
        cursor.key.first().and_then(serde_json::Value::as_str),
        cursor.key.get(1).and_then(serde_json::Value::as_i64),
    ) else {
        return Err(DbErr::Custom("a cursor does not fit its list".into()));
    };
    let row = Expr::tuple([Expr::col(E::name_column()), Expr::col(E::id_column())]);
    let at = Expr::tuple([Expr::val(name.to_owned()), Expr::val(id)]);
    Ok(Condition::all().add(if later != descending {
        row.gt(at)
    } else {
        row.lt(at)
    }))
}

/// One page of `select` by name (descending when asked), and the list's total when wanted.
pub async fn page<E: Named>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    descending: bool,
    request: &PageRequest,
) -> Result<Page<E::Model>, DbErr>
where
    E::Model: Send + Sync,
{
    let mut select = select;
    if let Some(after) = &request.after {
        select = select.filter(beyond::<E>(after, true, descending)?);
    }
    if let Some(before) = &request.before {
        select = select.filter(beyond::<E>(before, false, descending)?);
    }
    let reading_descending = descending != (request.direction == Direction::Backward);
    let order = if reading_descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = select
        .order_by(E::name_column(), order.clone())
        .order_by(E::id_column(), order)
        .limit(request.size + 1)
        .all(conn)
        .await?;
    Ok(Page::from_overfetch(rows, request))
}
