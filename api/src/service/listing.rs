//! Publication lists: the filters and orderings of `publications(filter:, orderBy:)` turned
//! into SQL in one place, and keyset pagination over any ordering.
//!
//! Every ordering ends on the id, so it is total and a cursor (the sort key of a row plus
//! its id) says exactly where a page ends. Columns that may be NULL sort last in both
//! directions. Where the keys share one direction and cannot be NULL, the cursor condition
//! is a row-value comparison (`(title, id) > ($1, $2)`), which lets Postgres start an index
//! scan at the cursor; otherwise it is the expanded lexicographic form.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::publication::{self, Kind, Status};
use entity::{publication_author, publication_topic, topic, venue};
use sea_orm::sea_query::{Expr, ExprTrait as _, NullOrdering, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryOrder, Select, Value,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::pagination::{Cursor, Direction};

/// A set of ids to match: any of them, all of them, none of them (each part optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdSet {
    pub any_of: Option<Vec<i64>>,
    pub all_of: Option<Vec<i64>>,
    pub none_of: Option<Vec<i64>>,
}

/// Years, both ends included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct YearRange {
    pub gte: Option<i32>,
    pub lte: Option<i32>,
}

/// Dates, both ends included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Which publications a list holds. Every part given must hold; `and`, `or` and `not`
/// combine filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublicationFilter {
    /// Words, "phrases", -exclusions and OR over title, abstract, authors and venue.
    pub search: Option<super::search::SearchQuery>,
    pub kinds: Option<Vec<Kind>>,
    pub statuses: Option<Vec<Status>>,
    pub year: Option<YearRange>,
    pub published_on: Option<DateRange>,
    pub authors: Option<IdSet>,
    /// Topic ids; each includes its subtopics.
    pub topics: Option<IdSet>,
    pub venues: Option<IdSet>,
    pub venue_kinds: Option<Vec<venue::Kind>>,
    pub has_pdf: Option<bool>,
    pub doi: Option<String>,
    pub arxiv_id: Option<String>,
    pub and: Vec<PublicationFilter>,
    pub or: Vec<PublicationFilter>,
    pub not: Option<Box<PublicationFilter>>,
}

/// The topic tree, for filters that include subtopics.
#[derive(Debug, Clone, Default)]
pub struct TopicTree {
    children: HashMap<i64, Vec<i64>>,
}

impl TopicTree {
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in topic::Entity::find().all(conn).await? {
            if let Some(parent) = row.parent_id {
                children.entry(parent).or_default().push(row.id);
            }
        }
        Ok(Self { children })
    }

    /// The topic and every topic under it.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut found = vec![id];
        let mut next = 0;
        while next < found.len() {
            if let Some(children) = self.children.get(&found[next]) {
                for child in children {
                    if !found.contains(child) {
                        found.push(*child);
                    }
                }
            }
            next += 1;
        }
        found
    }
}

fn with_author(ids: Vec<i64>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(publication_author::Column::PublicationId)
        .from(publication_author::Entity)
        .and_where(publication_author::Column::AuthorId.is_in(ids))
        .to_owned()
}

fn with_topic(ids: Vec<i64>) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(publication_topic::Column::PublicationId)
        .from(publication_topic::Entity)
        .and_where(publication_topic::Column::TopicId.is_in(ids))
        .to_owned()
}

impl PublicationFilter {
    /// The SQL condition of this filter.
    pub fn condition(&self, topics: &TopicTree) -> Condition {
        use publication::Column as C;
        let mut all = Condition::all();
        if let Some(search) = &self.search {
            all = all.add(search.condition());
        }
        if let Some(kinds) = &self.kinds {
            all = all.add(C::Kind.is_in(kinds.iter().copied()));
        }
        if let Some(statuses) = &self.statuses {
            all = all.add(C::Status.is_in(statuses.iter().copied()));
        }
        if let Some(year) = self.year {
            if let Some(gte) = year.gte.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)) {
                all = all.add(C::PublishedOn.gte(gte));
            }
            if let Some(lte) = year.lte.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)) {
                all = all.add(C::PublishedOn.lte(lte));
            }
        }
        if let Some(range) = self.published_on {
            if let Some(from) = range.from {
                all = all.add(C::PublishedOn.gte(from));
            }
            if let Some(to) = range.to {
                all = all.add(C::PublishedOn.lte(to));
            }
        }
        if let Some(authors) = &self.authors {
            if let Some(any) = &authors.any_of {
                all = all.add(C::Id.in_subquery(with_author(any.clone())));
            }
            for author in authors.all_of.iter().flatten() {
                all = all.add(C::Id.in_subquery(with_author(vec![*author])));
            }
            if let Some(none) = &authors.none_of {
                all = all.add(C::Id.not_in_subquery(with_author(none.clone())));
            }
        }
        if let Some(set) = &self.topics {
            let expand = |ids: &[i64]| -> Vec<i64> {
                ids.iter().flat_map(|id| topics.subtree(*id)).collect()
            };
            if let Some(any) = &set.any_of {
                all = all.add(C::Id.in_subquery(with_topic(expand(any))));
            }
            for topic in set.all_of.iter().flatten() {
                all = all.add(C::Id.in_subquery(with_topic(topics.subtree(*topic))));
            }
            if let Some(none) = &set.none_of {
                all = all.add(C::Id.not_in_subquery(with_topic(expand(none))));
            }
        }
        if let Some(set) = &self.venues {
            if let Some(any) = &set.any_of {
                all = all.add(C::VenueId.is_in(any.iter().copied()));
            }
            if let Some(all_of) = &set.all_of {
                // A publication has one venue: all of several can only hold for one.
                let mut distinct = all_of.clone();
                distinct.sort_unstable();
                distinct.dedup();
                all = match distinct.as_slice() {
                    [] => all,
                    [one] => all.add(C::VenueId.eq(*one)),
                    _ => all.add(Expr::value(false)),
                };
            }
            if let Some(none) = &set.none_of {
                all = all.add(
                    Condition::any()
                        .add(C::VenueId.is_null())
                        .add(C::VenueId.is_not_in(none.iter().copied())),
                );
            }
        }
        if let Some(kinds) = &self.venue_kinds {
            all = all.add(
                C::VenueId.in_subquery(
                    Query::select()
                        .column(venue::Column::Id)
                        .from(venue::Entity)
                        .and_where(venue::Column::Kind.is_in(kinds.iter().copied()))
                        .to_owned(),
                ),
            );
        }
        match self.has_pdf {
            Some(true) => all = all.add(C::PdfUrl.is_not_null()),
            Some(false) => all = all.add(C::PdfUrl.is_null()),
            None => {}
        }
        if let Some(doi) = &self.doi {
            all = all.add(C::Doi.eq(doi.clone()));
        }
        if let Some(arxiv_id) = &self.arxiv_id {
            all = all.add(C::ArxivId.eq(arxiv_id.clone()));
        }
        for filter in &self.and {
            all = all.add(filter.condition(topics));
        }
        if !self.or.is_empty() {
            let any = self.or.iter().fold(Condition::any(), |any, filter| {
                any.add(filter.condition(topics))
            });
            all = all.add(any);
        }
        if let Some(not) = &self.not {
            all = all.add(not.condition(topics).not());
        }
        all
    }

    /// A short digest that cursors carry, so that a cursor of one filter is refused by
    /// another.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..8])
    }

    /// Whether the filter, or one nested in it, names topics (whose subtopics it needs).
    pub fn mentions_topics(&self) -> bool {
        self.topics.is_some()
            || self
                .and
                .iter()
                .chain(&self.or)
                .chain(self.not.as_deref())
                .any(PublicationFilter::mentions_topics)
    }

    /// How deeply `and`, `or` and `not` nest.
    pub fn depth(&self) -> usize {
        let nested = self
            .and
            .iter()
            .chain(&self.or)
            .chain(self.not.as_deref())
            .map(PublicationFilter::depth)
            .max()
            .unwrap_or(0);
        1 + nested
    }
}

/// A column publications can be sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    PublishedOn,
    Title,
    CreatedAt,
    UpdatedAt,
}

impl OrderField {
    fn column(self) -> publication::Column {
        match self {
            Self::PublishedOn => publication::Column::PublishedOn,
            Self::Title => publication::Column::Title,
            Self::CreatedAt => publication::Column::CreatedAt,
            Self::UpdatedAt => publication::Column::UpdatedAt,
        }
    }

    fn nullable(self) -> bool {
        self == Self::PublishedOn
    }

    fn name(self) -> &'static str {
        match self {
            Self::PublishedOn => "published_on",
            Self::Title => "title",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }

    fn value_of(self, row: &publication::Model) -> serde_json::Value {
        match self {
            Self::PublishedOn => json!(row.published_on.map(|d| d.to_string())),
            Self::Title => json!(row.title),
            Self::CreatedAt => json!(row.created_at.to_rfc3339()),
            Self::UpdatedAt => json!(row.updated_at.to_rfc3339()),
        }
    }

    /// The cursor's value as SQL, or `None` for NULL; `Err` when it does not fit.
    fn sql_value(self, value: &serde_json::Value) -> Result<Option<Value>, DbErr> {
        let malformed = || DbErr::Custom("a cursor value does not fit its ordering".into());
        if value.is_null() {
            return if self.nullable() {
                Ok(None)
            } else {
                Err(malformed())
            };
        }
        let text = value.as_str().ok_or_else(malformed)?;
        Ok(Some(match self {
            Self::PublishedOn => text.parse::<NaiveDate>().map_err(|_| malformed())?.into(),
            Self::Title => text.to_owned().into(),
            Self::CreatedAt | Self::UpdatedAt => DateTime::parse_from_rfc3339(text)
                .map_err(|_| malformed())?
                .with_timezone(&Utc)
                .into(),
        }))
    }
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    pub field: OrderField,
    pub descending: bool,
}

/// A total ordering of publications: the keys asked for, then the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ordering {
    keys: Vec<OrderKey>,
}

impl Default for Ordering {
    /// Newest first; undated entries last.
    fn default() -> Self {
        Self {
            keys: vec![OrderKey {
                field: OrderField::PublishedOn,
                descending: true,
            }],
        }
    }
}

impl Ordering {
    /// The keys, without repeats (a key given twice adds nothing); the default when empty.
    pub fn new(keys: Vec<OrderKey>) -> Self {
        let mut distinct: Vec<OrderKey> = Vec::with_capacity(keys.len());
        for key in keys {
            if !distinct.iter().any(|k| k.field == key.field) {
                distinct.push(key);
            }
        }
        if distinct.is_empty() {
            Self::default()
        } else {
            Self { keys: distinct }
        }
    }

    /// The id breaks ties in the direction of the last key.
    fn id_descending(&self) -> bool {
        self.keys.last().is_some_and(|k| k.descending)
    }

    /// Names the ordering (and the filter) in the cursors made for it.
    pub fn tag(&self, filter_digest: &str) -> String {
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| {
                format!(
                    "{}:{}",
                    k.field.name(),
                    if k.descending { "desc" } else { "asc" }
                )
            })
            .collect();
        format!("{}|{filter_digest}", keys.join(","))
    }

    pub fn cursor(&self, tag: &str, row: &publication::Model) -> Cursor {
        let mut key: Vec<serde_json::Value> =
            self.keys.iter().map(|k| k.field.value_of(row)).collect();
        key.push(json!(row.id));
        Cursor::new(tag, key)
    }

    /// `select` sorted for reading in `direction`.
    pub fn apply(
        &self,
        mut select: Select<publication::Entity>,
        direction: Direction,
    ) -> Select<publication::Entity> {
        let flip = direction == Direction::Backward;
        for key in &self.keys {
            let descending = key.descending != flip;
            let order = if descending { Order::Desc } else { Order::Asc };
            // NULL sorts last when reading forward, so first when reading backward.
            let nulls = if flip {
                NullOrdering::First
            } else {
                NullOrdering::Last
            };
            select = if key.field.nullable() {
                select.order_by_with_nulls(key.field.column(), order, nulls)
            } else {
                select.order_by(key.field.column(), order)
            };
        }
        let id_descending = self.id_descending() != flip;
        select.order_by(
            publication::Column::Id,
            if id_descending {
                Order::Desc
            } else {
                Order::Asc
            },
        )
    }

    /// Rows strictly after (`later`) or before the cursor in this ordering.
    pub fn beyond(&self, cursor: &Cursor, later: bool) -> Result<Condition, DbErr> {
        let malformed = || DbErr::Custom("a cursor does not fit its ordering".into());
        if cursor.key.len() != self.keys.len() + 1 {
            return Err(malformed());
        }
        let id = cursor
            .key
            .last()
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(malformed)?;
        let mut values = Vec::with_capacity(self.keys.len());
        for (key, value) in self.keys.iter().zip(&cursor.key) {
            values.push(key.field.sql_value(value)?);
        }
        let id_descending = self.id_descending();

        // Fast path: one direction, no NULL possible: a row-value comparison.
        let one_direction = self.keys.iter().all(|k| k.descending == id_descending);
        if one_direction
            && values.iter().all(Option::is_some)
            && self.keys.iter().all(|k| !k.field.nullable())
        {
            let mut columns: Vec<Expr> = self
                .keys
                .iter()
                .map(|k| Expr::col((publication::Entity, k.field.column())))
                .collect();
            columns.push(Expr::col((publication::Entity, publication::Column::Id)));
            let mut cursor_values: Vec<Expr> =
                values.into_iter().flatten().map(Expr::val).collect();
            cursor_values.push(Expr::val(id));
            let (row, at) = (Expr::tuple(columns), Expr::tuple(cursor_values));
            let greater = later != id_descending;
            return Ok(Condition::all().add(if greater { row.gt(at) } else { row.lt(at) }));
        }

        // General form: equal on the first i keys and beyond on key i, for some i.
        let mut any = Condition::any();
        let mut equal_so_far = Condition::all();
        for (key, value) in self.keys.iter().zip(values) {
            let column = key.field.column();
            let greater = later != key.descending;
            let step = match (&value, later) {
                (Some(v), true) => {
                    let past = if greater {
                        column.gt(v.clone())
                    } else {
                        column.lt(v.clone())
                    };
                    if key.field.nullable() {
                        Condition::any().add(past).add(column.is_null())
                    } else {
                        Condition::all().add(past)
                    }
                }
                (Some(v), false) => Condition::all().add(if greater {
                    column.gt(v.clone())
                } else {
                    column.lt(v.clone())
                }),
                // Nothing sorts after NULL (NULL is last); everything not NULL sorts before it.
                (None, true) => Condition::all().add(Expr::value(false)),
                (None, false) => Condition::all().add(column.is_not_null()),
            };
            any = any.add(equal_so_far.clone().add(step));
            equal_so_far = equal_so_far.add(match value {
                Some(v) => column.eq(v),
                None => column.is_null(),
            });
        }
        let id_greater = later != id_descending;
        let id_step = if id_greater {
            publication::Column::Id.gt(id)
        } else {
            publication::Column::Id.lt(id)
        };
        Ok(any.add(equal_so_far.add(id_step)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryFilter, QueryTrait};

    fn sql(condition: Condition) -> String {
        publication::Entity::find()
            .filter(condition)
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn one_direction_on_non_null_keys_is_a_row_value_comparison() {
        let ordering = Ordering::new(vec![OrderKey {
            field: OrderField::Title,
            descending: false,
        }]);
        let cursor = Cursor::new("t", vec![json!("PAGnol"), json!(5)]);
        let after = sql(ordering.beyond(&cursor, true).expect("fits"));
        assert!(
            after.contains(r#"("publication"."title", "publication"."id") > ('PAGnol', 5)"#),
            "{after}"
        );
        let before = sql(ordering.beyond(&cursor, false).expect("fits"));
        assert!(
            before.contains(r#"("publication"."title", "publication"."id") < ('PAGnol', 5)"#),
            "{before}"
        );
    }

    #[test]
    fn a_nullable_key_keeps_null_rows_last() {
        let ordering = Ordering::default();
        let dated = Cursor::new("t", vec![json!("2022-04-01"), json!(4)]);
        let after = sql(ordering.beyond(&dated, true).expect("fits"));
        assert!(
            after.contains(r#""publication"."published_on" IS NULL"#),
            "{after}"
        );
        let undated = Cursor::new("t", vec![serde_json::Value::Null, json!(2)]);
        let before = sql(ordering.beyond(&undated, false).expect("fits"));
        assert!(
            before.contains(r#""publication"."published_on" IS NOT NULL"#),
            "{before}"
        );
    }

    #[test]
    fn a_cursor_of_another_shape_is_refused() {
        let ordering = Ordering::default();
        assert!(
            ordering
                .beyond(&Cursor::new("t", vec![json!(1)]), true)
                .is_err()
        );
        assert!(
            ordering
                .beyond(&Cursor::new("t", vec![json!(3), json!(1)]), true)
                .is_err()
        );
    }

    #[test]
    fn filters_become_conditions_and_digests_tell_them_apart() {
        let mut tree = TopicTree::default();
        tree.children.insert(1, vec![2]);
        tree.children.insert(2, vec![3]);
        assert_eq!(tree.subtree(1), [1, 2, 3]);
        let filter = PublicationFilter {
            topics: Some(IdSet {
                any_of: Some(vec![1]),
                ..IdSet::default()
            }),
            year: Some(YearRange {
                gte: Some(2020),
                lte: None,
            }),
            not: Some(Box::new(PublicationFilter {
                has_pdf: Some(true),
                ..PublicationFilter::default()
            })),
            ..PublicationFilter::default()
        };
        let text = sql(filter.condition(&tree));
        assert!(text.contains(r#""topic_id" IN (1, 2, 3)"#), "{text}");
        assert!(text.contains(r#""published_on" >= '2020-01-01'"#), "{text}");
        assert!(text.contains("NOT"), "{text}");
        assert_ne!(filter.digest(), PublicationFilter::default().digest());
        assert_eq!(filter.depth(), 2);
    }
}
