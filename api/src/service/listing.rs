//! Publication lists: the filters and orderings of `publications(filter:, orderBy:)` turned
//! into SQL in one place, and keyset pagination over any ordering.
//!
//! Every ordering ends on the id, so it is total and a cursor (the sort key of a row plus
//! its id) says exactly where a page ends. Sort keys are never NULL: undated entries sort on
//! a date beyond every real one, so they come last in both directions. Where the keys share
//! one direction, the cursor condition is a row-value comparison
//! (`(COALESCE(published_on, ..), id) < ($1, $2)`), which lets Postgres start an index scan
//! at the cursor; only orderings that mix directions use the expanded lexicographic form.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::publication::{self, Kind, Status};
use entity::{publication_author, publication_topic, topic, venue};
use sea_orm::sea_query::{Expr, ExprTrait as _, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryOrder, QueryResult, QuerySelect, Select, Value,
};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::pagination::{Cursor, Direction};
use super::search::SearchQuery;

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
    pub search: Option<SearchQuery>,
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
    ids: Vec<i64>,
    children: HashMap<i64, Vec<i64>>,
}

impl TopicTree {
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, DbErr> {
        Ok(Self::of(&topic::Entity::find().all(conn).await?))
    }

    /// The tree of these topics (every topic, for the whole tree).
    pub fn of(rows: &[topic::Model]) -> Self {
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut ids = Vec::new();
        for row in rows {
            ids.push(row.id);
            if let Some(parent) = row.parent_id {
                children.entry(parent).or_default().push(row.id);
            }
        }
        Self { ids, children }
    }

    /// (topic, topic in its subtree) for every topic, itself included.
    pub fn ancestor_pairs(&self) -> Vec<(i64, i64)> {
        self.ids
            .iter()
            .flat_map(|id| self.subtree(*id).into_iter().map(move |d| (*id, d)))
            .collect()
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
    pub fn condition(&self, topics: &TopicTree, backend: DbBackend) -> Condition {
        use publication::Column as C;
        let mut all = Condition::all();
        if let Some(search) = &self.search {
            all = all.add(search.condition(backend));
        }
        if let Some(kinds) = &self.kinds {
            all = all.add(C::Kind.is_in(kinds.iter().copied()));
        }
        if let Some(statuses) = &self.statuses {
            all = all.add(C::Status.is_in(statuses.iter().copied()));
        }
        // Date bounds also bound the newest-first sort key (the same, since a bounded date
        // is never NULL), so that the default list's index scan covers only the range.
        let sort_date = || OrderField::PublishedOn.expr(true, backend, None);
        let mut from_dates: Vec<NaiveDate> = Vec::new();
        let mut to_dates: Vec<NaiveDate> = Vec::new();
        if let Some(year) = self.year {
            from_dates.extend(year.gte.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)));
            to_dates.extend(year.lte.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)));
        }
        if let Some(range) = self.published_on {
            from_dates.extend(range.from);
            to_dates.extend(range.to);
        }
        for from in from_dates {
            all = all.add(C::PublishedOn.gte(from)).add(sort_date().gte(from));
        }
        for to in to_dates {
            all = all.add(C::PublishedOn.lte(to)).add(sort_date().lte(to));
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
            all = all.add(filter.condition(topics, backend));
        }
        if !self.or.is_empty() {
            let any = self.or.iter().fold(Condition::any(), |any, filter| {
                any.add(filter.condition(topics, backend))
            });
            all = all.add(any);
        }
        if let Some(not) = &self.not {
            all = all.add(not.condition(topics, backend).not());
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

/// What publications can be sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    PublishedOn,
    Title,
    CreatedAt,
    UpdatedAt,
    AuthorCount,
    /// How well the list's search matches; only with a search.
    Relevance,
}

/// Undated entries sort as if dated before (newest first) or after (oldest first) every real
/// date, which keeps them last in both directions; the migration's indexes use the same
/// expressions.
const UNDATED_NEWEST_FIRST: (i32, u32, u32) = (1, 1, 1);
const UNDATED_OLDEST_FIRST: (i32, u32, u32) = (9999, 12, 31);

/// The alias under which a computed sort key is read back with each row.
const AUTHOR_COUNT_KEY: &str = "sort_author_count";
const RELEVANCE_KEY: &str = "sort_relevance";

impl OrderField {
    fn name(self) -> &'static str {
        match self {
            Self::PublishedOn => "published_on",
            Self::Title => "title",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::AuthorCount => "author_count",
            Self::Relevance => "relevance",
        }
    }

    /// The SQL the list sorts on; never NULL, so that a cursor condition is one row-value
    /// comparison.
    fn expr(self, descending: bool, backend: DbBackend, search: Option<&SearchQuery>) -> Expr {
        let column = |c: publication::Column| Expr::col((publication::Entity, c));
        match self {
            Self::PublishedOn => {
                let (y, m, d) = if descending {
                    UNDATED_NEWEST_FIRST
                } else {
                    UNDATED_OLDEST_FIRST
                };
                let date = match backend {
                    DbBackend::Sqlite => format!("'{y:04}-{m:02}-{d:02}'"),
                    _ => format!("DATE '{y:04}-{m:02}-{d:02}'"),
                };
                Expr::cust(format!(r#"COALESCE("publication"."published_on", {date})"#))
            }
            Self::Title => column(publication::Column::Title),
            Self::CreatedAt => column(publication::Column::CreatedAt),
            Self::UpdatedAt => column(publication::Column::UpdatedAt),
            Self::AuthorCount => Expr::cust(
                r#"(SELECT COUNT(*) FROM publication_author WHERE publication_author.publication_id = "publication"."id")"#,
            ),
            Self::Relevance => match search {
                Some(search) => search.rank(backend),
                None => Expr::cust("CAST(0.0 AS REAL)"),
            },
        }
    }

    fn value_of(self, row: &Listed) -> serde_json::Value {
        match self {
            Self::PublishedOn => json!(row.row.published_on.map(|d| d.to_string())),
            Self::Title => json!(row.row.title),
            Self::CreatedAt => json!(row.row.created_at.to_rfc3339()),
            Self::UpdatedAt => json!(row.row.updated_at.to_rfc3339()),
            Self::AuthorCount => json!(row.author_count),
            // As text: Rust prints an f64 so that parsing it gives the same f64 back, which
            // a JSON number does not promise.
            Self::Relevance => json!(row.relevance.map(|r| r.to_string())),
        }
    }

    /// The cursor's value as SQL; `Err` when it does not fit.
    fn sql_value(self, descending: bool, value: &serde_json::Value) -> Result<Value, DbErr> {
        let malformed = || DbErr::Custom("a cursor value does not fit its ordering".into());
        let text = || value.as_str().ok_or_else(malformed);
        Ok(match self {
            Self::PublishedOn if value.is_null() => {
                let (y, m, d) = if descending {
                    UNDATED_NEWEST_FIRST
                } else {
                    UNDATED_OLDEST_FIRST
                };
                NaiveDate::from_ymd_opt(y, m, d)
                    .ok_or_else(malformed)?
                    .into()
            }
            Self::PublishedOn => text()?
                .parse::<NaiveDate>()
                .map_err(|_| malformed())?
                .into(),
            Self::Title => text()?.to_owned().into(),
            Self::CreatedAt | Self::UpdatedAt => DateTime::parse_from_rfc3339(text()?)
                .map_err(|_| malformed())?
                .with_timezone(&Utc)
                .into(),
            Self::AuthorCount => value.as_i64().ok_or_else(malformed)?.into(),
            Self::Relevance => text()?.parse::<f64>().map_err(|_| malformed())?.into(),
        })
    }

    /// The alias a computed key is selected under, for the cursor of each row.
    fn computed_alias(self) -> Option<&'static str> {
        match self {
            Self::AuthorCount => Some(AUTHOR_COUNT_KEY),
            Self::Relevance => Some(RELEVANCE_KEY),
            _ => None,
        }
    }
}

/// A publication of a list, with the computed sort keys its cursor needs.
#[derive(Debug, Clone)]
pub struct Listed {
    pub row: publication::Model,
    pub author_count: Option<i64>,
    pub relevance: Option<f64>,
}

impl FromQueryResult for Listed {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            row: publication::Model::from_query_result(res, pre)?,
            // Present only when the ordering sorts on them.
            author_count: res.try_get(pre, AUTHOR_COUNT_KEY).ok(),
            relevance: res.try_get(pre, RELEVANCE_KEY).ok(),
        })
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
    /// The list's search, which `Relevance` ranks by.
    search: Option<SearchQuery>,
}

const NEWEST_FIRST: OrderKey = OrderKey {
    field: OrderField::PublishedOn,
    descending: true,
};

const MOST_RELEVANT_FIRST: OrderKey = OrderKey {
    field: OrderField::Relevance,
    descending: true,
};

impl Default for Ordering {
    /// Newest first; undated entries last.
    fn default() -> Self {
        Self {
            keys: vec![NEWEST_FIRST],
            search: None,
        }
    }
}

impl Ordering {
    /// The keys, without repeats (a key given twice adds nothing). Without keys: the most
    /// relevant first when there is a search, then the newest; else the newest first.
    /// Relevance means nothing without a search and is left out then.
    pub fn new(keys: Vec<OrderKey>, search: Option<SearchQuery>) -> Self {
        let mut distinct: Vec<OrderKey> = Vec::with_capacity(keys.len());
        for key in keys {
            let pointless = key.field == OrderField::Relevance && search.is_none();
            if !pointless && !distinct.iter().any(|k| k.field == key.field) {
                distinct.push(key);
            }
        }
        if distinct.is_empty() {
            distinct = if search.is_some() {
                vec![MOST_RELEVANT_FIRST, NEWEST_FIRST]
            } else {
                vec![NEWEST_FIRST]
            };
        }
        Self {
            keys: distinct,
            search,
        }
    }

    /// The id breaks ties in the direction of the last key.
    fn id_descending(&self) -> bool {
        self.keys.last().is_some_and(|k| k.descending)
    }

    fn expr(&self, key: &OrderKey, backend: DbBackend) -> Expr {
        key.field
            .expr(key.descending, backend, self.search.as_ref())
    }

    /// The sort expressions and their directions (descending when true), the id last.
    pub fn sort_exprs(&self, backend: DbBackend) -> Vec<(Expr, bool)> {
        let mut exprs: Vec<(Expr, bool)> = self
            .keys
            .iter()
            .map(|key| (self.expr(key, backend), key.descending))
            .collect();
        exprs.push((
            Expr::col((publication::Entity, publication::Column::Id)),
            self.id_descending(),
        ));
        exprs
    }

    /// The computed sort keys a cursor needs, with the aliases `Listed` reads them under.
    pub fn computed(&self, backend: DbBackend) -> Vec<(Expr, &'static str)> {
        self.keys
            .iter()
            .filter_map(|key| Some((self.expr(key, backend), key.field.computed_alias()?)))
            .collect()
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

    pub fn cursor(&self, tag: &str, row: &Listed) -> Cursor {
        let mut key: Vec<serde_json::Value> =
            self.keys.iter().map(|k| k.field.value_of(row)).collect();
        key.push(json!(row.row.id));
        Cursor::new(tag, key)
    }

    /// `select` sorted for reading in `direction`, with the computed keys the cursors need.
    pub fn apply(
        &self,
        mut select: Select<publication::Entity>,
        direction: Direction,
        backend: DbBackend,
    ) -> Select<publication::Entity> {
        let flip = direction == Direction::Backward;
        for (expr, alias) in self.computed(backend) {
            select = select.expr_as(expr, alias);
        }
        for key in &self.keys {
            let descending = key.descending != flip;
            let order = if descending { Order::Desc } else { Order::Asc };
            select = select.order_by(self.expr(key, backend), order);
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
    pub fn beyond(
        &self,
        cursor: &Cursor,
        later: bool,
        backend: DbBackend,
    ) -> Result<Condition, DbErr> {
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
            values.push(key.field.sql_value(key.descending, value)?);
        }
        let id_descending = self.id_descending();
        let id_column = Expr::col((publication::Entity, publication::Column::Id));

        // Every key in one direction: a row-value comparison, which an index on the same
        // expressions starts at.
        if self.keys.iter().all(|k| k.descending == id_descending) {
            let mut columns: Vec<Expr> = self.keys.iter().map(|k| self.expr(k, backend)).collect();
            columns.push(id_column);
            let mut cursor_values: Vec<Expr> = values.into_iter().map(Expr::val).collect();
            cursor_values.push(Expr::val(id));
            let (row, at) = (Expr::tuple(columns), Expr::tuple(cursor_values));
            let greater = later != id_descending;
            return Ok(Condition::all().add(if greater { row.gt(at) } else { row.lt(at) }));
        }

        // Mixed directions: equal on the first i keys and beyond on key i, for some i.
        let mut any = Condition::any();
        let mut equal_so_far = Condition::all();
        for (key, value) in self.keys.iter().zip(values) {
            let expr = self.expr(key, backend);
            let greater = later != key.descending;
            let step = if greater {
                expr.clone().gt(value.clone())
            } else {
                expr.clone().lt(value.clone())
            };
            any = any.add(equal_so_far.clone().add(step));
            equal_so_far = equal_so_far.add(expr.eq(value));
        }
        let id_step = if later != id_descending {
            id_column.gt(id)
        } else {
            id_column.lt(id)
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

    const PG: DbBackend = DbBackend::Postgres;

    #[test]
    fn one_direction_is_a_row_value_comparison() {
        let ordering = Ordering::new(
            vec![OrderKey {
                field: OrderField::Title,
                descending: false,
            }],
            None,
        );
        let cursor = Cursor::new("t", vec![json!("PAGnol"), json!(5)]);
        let after = sql(ordering.beyond(&cursor, true, PG).expect("fits"));
        assert!(
            after.contains(r#"("publication"."title", "publication"."id") > ('PAGnol', 5)"#),
            "{after}"
        );
        let before = sql(ordering.beyond(&cursor, false, PG).expect("fits"));
        assert!(
            before.contains(r#"("publication"."title", "publication"."id") < ('PAGnol', 5)"#),
            "{before}"
        );
    }

    #[test]
    fn undated_rows_sort_on_a_date_beyond_every_real_one() {
        let ordering = Ordering::default();
        let dated = Cursor::new("t", vec![json!("2022-04-01"), json!(4)]);
        let after = sql(ordering.beyond(&dated, true, PG).expect("fits"));
        assert!(
            after.contains(
                r#"(COALESCE("publication"."published_on", DATE '0001-01-01'), "publication"."id") < ('2022-04-01', 4)"#
            ),
            "{after}"
        );
        // An undated row's cursor stands for the oldest date (newest first) ...
        let undated = Cursor::new("t", vec![serde_json::Value::Null, json!(2)]);
        let before = sql(ordering.beyond(&undated, false, PG).expect("fits"));
        assert!(before.contains("> ('0001-01-01', 2)"), "{before}");
        // ... or the newest (oldest first), so undated rows come last either way.
        let oldest_first = Ordering::new(
            vec![OrderKey {
                field: OrderField::PublishedOn,
                descending: false,
            }],
            None,
        );
        let after = sql(oldest_first
            .beyond(&undated, true, DbBackend::Sqlite)
            .expect("fits"));
        assert!(
            after.contains(r#"COALESCE("publication"."published_on", '9999-12-31')"#),
            "{after}"
        );
        assert!(after.contains("> ('9999-12-31', 2)"), "{after}");
    }

    #[test]
    fn mixed_directions_expand_the_comparison() {
        let ordering = Ordering::new(
            vec![
                OrderKey {
                    field: OrderField::AuthorCount,
                    descending: true,
                },
                OrderKey {
                    field: OrderField::Title,
                    descending: false,
                },
            ],
            None,
        );
        let cursor = Cursor::new("t", vec![json!(3), json!("BLOOM"), json!(7)]);
        let after = sql(ordering.beyond(&cursor, true, PG).expect("fits"));
        assert!(after.contains("COUNT(*)"), "{after}");
        assert!(
            after.contains(r#""publication"."title" > 'BLOOM'"#),
            "{after}"
        );
        assert!(after.contains(r#""publication"."id" > 7"#), "{after}");
    }

    #[test]
    fn relevance_needs_a_search_and_leads_when_there_is_one() {
        let search = SearchQuery::parse("scaling laws");
        let ranked = Ordering::new(Vec::new(), search.clone());
        assert_eq!(ranked.tag("f"), "relevance:desc,published_on:desc|f");
        let asked = Ordering::new(vec![MOST_RELEVANT_FIRST], None);
        assert_eq!(asked, Ordering::default());
        let cursor = Cursor::new("t", vec![json!("0.5"), json!("2020-01-01"), json!(9)]);
        let after = sql(ranked.beyond(&cursor, true, PG).expect("fits"));
        assert!(after.contains("ts_rank"), "{after}");
        let text = sql(Condition::all().add(
            search
                .as_ref()
                .map(|s| s.condition(DbBackend::Sqlite))
                .unwrap_or_else(Condition::all),
        ));
        assert!(text.contains("publication_fts MATCH"), "{text}");
    }

    /// `Cursor::decode` checks each key value by the field names in the tag: every ordering's
    /// own cursors, dated or not, must pass it, and then fit `beyond`.
    #[test]
    fn every_orderings_cursors_decode_and_fit() {
        let at = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
            .expect("a timestamp")
            .with_timezone(&Utc);
        let model = |published_on: Option<NaiveDate>| publication::Model {
            id: 42,
            slug: "x".into(),
            title: "Déjà \"Vu\"".into(),
            r#abstract: None,
            kind: Kind::Other,
            status: Status::Published,
            published_on,
            published_on_precision: None,
            venue_id: None,
            doi: None,
            arxiv_id: None,
            url: None,
            pdf_url: None,
            created_at: at,
            updated_at: at,
            version: 1,
        };
        let search = SearchQuery::parse("model");
        let fields = [
            OrderField::PublishedOn,
            OrderField::Title,
            OrderField::CreatedAt,
            OrderField::UpdatedAt,
            OrderField::AuthorCount,
            OrderField::Relevance,
        ];
        for field in fields {
            for descending in [false, true] {
                let ordering = Ordering::new(
                    vec![OrderKey { field, descending }, NEWEST_FIRST],
                    search.clone(),
                );
                let tag = ordering.tag("0123456789abcdef");
                for published_on in [None, NaiveDate::from_ymd_opt(2022, 4, 1)] {
                    let row = Listed {
                        row: model(published_on),
                        author_count: Some(3),
                        relevance: Some(0.125),
                    };
                    let cursor = ordering.cursor(&tag, &row);
                    let decoded = Cursor::decode("after", &cursor.encode(), &tag)
                        .unwrap_or_else(|err| panic!("{tag}: {err}"));
                    assert_eq!(decoded, cursor);
                    assert!(ordering.beyond(&decoded, true, PG).is_ok(), "{tag}");
                }
            }
        }
    }

    #[test]
    fn a_cursor_of_another_shape_is_refused() {
        let ordering = Ordering::default();
        assert!(
            ordering
                .beyond(&Cursor::new("t", vec![json!(1)]), true, PG)
                .is_err()
        );
        assert!(
            ordering
                .beyond(&Cursor::new("t", vec![json!(3), json!(1)]), true, PG)
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
        let text = sql(filter.condition(&tree, PG));
        assert!(text.contains(r#""topic_id" IN (1, 2, 3)"#), "{text}");
        assert!(text.contains(r#""published_on" >= '2020-01-01'"#), "{text}");
        assert!(text.contains("NOT"), "{text}");
        assert_ne!(filter.digest(), PublicationFilter::default().digest());
        assert_eq!(filter.depth(), 2);
    }
}
