//! Lists of authors, venues and topics, sorted by name or by publication count (then id)
//! with keyset cursors.

use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, Select,
};
use serde_json::json;

use super::Audience;
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

/// An entity listed by name or by publication count.
pub trait Named: EntityTrait {
    fn name_column() -> Self::Column;
    fn id_column() -> Self::Column;
    fn name_of(model: &Self::Model) -> &str;
    fn id_of(model: &Self::Model) -> i64;
    /// SQL for how many publications `audience` may see of the row at hand (a subquery on the
    /// outer row), counted as `publicationCount` counts them.
    fn publication_count(audience: Audience) -> Expr;
}

/// `AND p.status = 'published'` for anonymous callers: what `publicationCount` counts.
fn published_only(audience: Audience) -> &'static str {
    match audience {
        Audience::Public => " AND p.status = 'published'",
        Audience::Editor => "",
    }
}

/// The publications listing the author.
fn author_publication_count(audience: Audience) -> Expr {
    Expr::cust(format!(
        r#"(SELECT COUNT(pa.publication_id) FROM publication_author pa JOIN publication p ON p.id = pa.publication_id WHERE pa.author_id = "author"."id"{})"#,
        published_only(audience)
    ))
}

/// The publications that appeared at the venue.
fn venue_publication_count(audience: Audience) -> Expr {
    Expr::cust(format!(
        r#"(SELECT COUNT(p.id) FROM publication p WHERE p.venue_id = "venue"."id"{})"#,
        published_only(audience)
    ))
}

/// The distinct publications filed under the topic or any topic below it (UNION, not UNION
/// ALL, so that even a corrupt tree with a cycle ends), as `TopicTree::subtree` walks it.
fn topic_publication_count(audience: Audience) -> Expr {
    Expr::cust(format!(
        r#"(SELECT COUNT(DISTINCT pt.publication_id) FROM publication_topic pt JOIN publication p ON p.id = pt.publication_id WHERE pt.topic_id IN (WITH RECURSIVE subtree(id) AS (SELECT "topic"."id" UNION SELECT child.id FROM topic child JOIN subtree ON child.parent_id = subtree.id) SELECT id FROM subtree){})"#,
        published_only(audience)
    ))
}

impl Named for entity::author::Entity {
    fn publication_count(audience: Audience) -> Expr {
        author_publication_count(audience)
    }
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
    fn publication_count(audience: Audience) -> Expr {
        venue_publication_count(audience)
    }
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
    fn publication_count(audience: Audience) -> Expr {
        topic_publication_count(audience)
    }
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

/// What a directory list is sorted on; the id always breaks ties, in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    /// How many publications the caller may see: `publicationCount`.
    PublicationCount,
}

impl SortKey {
    /// The field's name in cursor tags.
    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::PublicationCount => "publication_count",
        }
    }
}

/// A directory list's order, for one audience (whose publications are counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
    pub audience: Audience,
}

impl Sort {
    fn expr<E: Named>(self) -> Expr {
        match self.key {
            SortKey::Name => Expr::col(E::name_column()),
            SortKey::PublicationCount => E::publication_count(self.audience),
        }
    }
}

/// The alias under which the publication count is read back with each row.
const PUBLICATION_COUNT_KEY: &str = "sort_publication_count";

/// A row of a directory list with the computed sort key its cursor needs.
#[derive(Debug, Clone)]
pub struct Sorted<M> {
    pub model: M,
    /// Present when the list sorts on it.
    pub publication_count: Option<i64>,
}

impl<M: FromQueryResult> FromQueryResult for Sorted<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: M::from_query_result(res, pre)?,
            publication_count: res.try_get(pre, PUBLICATION_COUNT_KEY).ok(),
        })
    }
}

/// The cursor of `row` in a list tagged `tag`, sorted on `key`.
pub fn cursor<E: Named>(tag: &str, key: SortKey, row: &Sorted<E::Model>) -> Cursor {
    let value = match key {
        SortKey::Name => json!(E::name_of(&row.model)),
        SortKey::PublicationCount => json!(row.publication_count),
    };
    Cursor::new(tag, vec![value, json!(E::id_of(&row.model))])
}

fn beyond<E: Named>(cursor: &Cursor, later: bool, sort: Sort) -> Result<Condition, DbErr> {
    let malformed = || DbErr::Custom("a cursor does not fit its list".into());
    let id = cursor
        .key
        .get(1)
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(malformed)?;
    let value = cursor.key.first().ok_or_else(malformed)?;
    let value = match sort.key {
        SortKey::Name => Expr::val(value.as_str().ok_or_else(malformed)?.to_owned()),
        SortKey::PublicationCount => Expr::val(value.as_i64().ok_or_else(malformed)?),
    };
    let row = Expr::tuple([sort.expr::<E>(), Expr::col(E::id_column())]);
    let at = Expr::tuple([value, Expr::val(id)]);
    Ok(Condition::all().add(if later != sort.descending {
        row.gt(at)
    } else {
        row.lt(at)
    }))
}

/// One page of `select` in `sort`.
pub async fn page<E: Named>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    sort: Sort,
    request: &PageRequest,
) -> Result<Page<Sorted<E::Model>>, DbErr>
where
    E::Model: Send + Sync,
{
    let mut select = select;
    if let Some(after) = &request.after {
        select = select.filter(beyond::<E>(after, true, sort)?);
    }
    if let Some(before) = &request.before {
        select = select.filter(beyond::<E>(before, false, sort)?);
    }
    if sort.key == SortKey::PublicationCount {
        select = select.expr_as(sort.expr::<E>(), PUBLICATION_COUNT_KEY);
    }
    let reading_descending = sort.descending != (request.direction == Direction::Backward);
    let order = if reading_descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let rows = select
        .order_by(sort.expr::<E>(), order.clone())
        .order_by(E::id_column(), order)
        .limit(request.size + 1)
        .into_model::<Sorted<E::Model>>()
        .all(conn)
        .await?;
    Ok(Page::from_overfetch(rows, request))
}
