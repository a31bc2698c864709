//! Facet counts for a list's sidebar: by year, kind, venue kind, venue and topic, each under
//! the list's filter with its own dimension left out, so that a sidebar can show "2022 (4)"
//! next to a selected 2021.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use entity::publication::{self, Kind};
use entity::venue;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait, Statement,
};

use super::Audience;
use super::listing::{PublicationFilter, TopicTree};
use super::publication::list_condition;

/// A dimension of the facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Year,
    Kind,
    VenueKind,
    Venue,
    Topic,
}

/// `filter` without the top-level part that constrains `dimension`.
fn without(filter: &PublicationFilter, dimension: Dimension) -> PublicationFilter {
    let mut filter = filter.clone();
    match dimension {
        Dimension::Year => {
            filter.year = None;
            filter.published_on = None;
        }
        Dimension::Kind => filter.kinds = None,
        Dimension::VenueKind => filter.venue_kinds = None,
        Dimension::Venue => filter.venues = None,
        Dimension::Topic => filter.topics = None,
    }
    filter
}

/// Publications per year (undated ones are not counted), newest year first.
pub async fn years(
    conn: &impl ConnectionTrait,
    audience: Audience,
    filter: &PublicationFilter,
) -> Result<Vec<(i32, i64)>, DbErr> {
    let condition = list_condition(conn, audience, &without(filter, Dimension::Year)).await?;
    // Grouped by date in SQL (portable), then by year here: a catalogue has few dates.
    let rows: Vec<(Option<NaiveDate>, i64)> = publication::Entity::find()
        .select_only()
        .column(publication::Column::PublishedOn)
        .column_as(publication::Column::Id.count(), "count")
        .filter(condition)
        .filter(publication::Column::PublishedOn.is_not_null())
        .group_by(publication::Column::PublishedOn)
        .into_tuple()
        .all(conn)
        .await?;
    let mut years: BTreeMap<i32, i64> = BTreeMap::new();
    for (date, count) in rows {
        if let Some(date) = date {
            *years.entry(date.year()).or_default() += count;
        }
    }
    Ok(years.into_iter().rev().collect())
}

/// Publications per kind, most first.
pub async fn kinds(
    conn: &impl ConnectionTrait,
    audience: Audience,
    filter: &PublicationFilter,
) -> Result<Vec<(Kind, i64)>, DbErr> {
    let condition = list_condition(conn, audience, &without(filter, Dimension::Kind)).await?;
    let mut rows: Vec<(Kind, i64)> = publication::Entity::find()
        .select_only()
        .column(publication::Column::Kind)
        .column_as(publication::Column::Id.count(), "count")
        .filter(condition)
        .group_by(publication::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by_key(|(kind, count)| (-count, format!("{kind:?}")));
    Ok(rows)
}

/// Publications per venue kind, most first.
pub async fn venue_kinds(
    conn: &impl ConnectionTrait,
    audience: Audience,
    filter: &PublicationFilter,
) -> Result<Vec<(venue::Kind, i64)>, DbErr> {
    let condition = list_condition(conn, audience, &without(filter, Dimension::VenueKind)).await?;
    let mut rows: Vec<(venue::Kind, i64)> = publication::Entity::find()
        .select_only()
        .column(venue::Column::Kind)
        .column_as(publication::Column::Id.count(), "count")
        .join(JoinType::InnerJoin, publication::Relation::Venue.def())
        .filter(condition)
        .group_by(venue::Column::Kind)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by_key(|(kind, count)| (-count, format!("{kind:?}")));
    Ok(rows)
}

/// Publications per venue (ids), most first, at most `limit`.
pub async fn venues(
    conn: &impl ConnectionTrait,
    audience: Audience,
    filter: &PublicationFilter,
    limit: usize,
) -> Result<Vec<(i64, i64)>, DbErr> {
    let condition = list_condition(conn, audience, &without(filter, Dimension::Venue)).await?;
    let mut rows: Vec<(i64, i64)> = publication::Entity::find()
        .select_only()
        .column(publication::Column::VenueId)
        .column_as(publication::Column::Id.count(), "count")
        .filter(condition)
        .filter(publication::Column::VenueId.is_not_null())
        .group_by(publication::Column::VenueId)
        .into_tuple()
        .all(conn)
        .await?;
    rows.sort_by_key(|(id, count)| (-count, *id));
    rows.truncate(limit);
    Ok(rows)
}

/// Publications per topic (ids), a topic counting those of its subtopics once each, most
/// first, at most `limit`.
pub async fn topics(
    conn: &impl ConnectionTrait,
    audience: Audience,
    filter: &PublicationFilter,
    limit: usize,
) -> Result<Vec<(i64, i64)>, DbErr> {
    let condition = list_condition(conn, audience, &without(filter, Dimension::Topic)).await?;
    let tree = TopicTree::load(conn).await?;
    let pairs = tree.ancestor_pairs();
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    // Rolled up in SQL: each topic counts the distinct publications of its subtree, so only
    // one row per topic leaves the database.
    let backend = conn.get_database_backend();
    let matching = backend.build(
        &Query::select()
            .column((publication::Entity, publication::Column::Id))
            .from(publication::Entity)
            .cond_where(condition)
            .to_owned(),
    );
    let tree_rows: Vec<String> = pairs
        .iter()
        .map(|(ancestor, descendant)| format!("({ancestor}, {descendant})"))
        .collect();
    let sql = format!(
        "WITH subtree (ancestor, descendant) AS (VALUES {}) \
         SELECT CAST(subtree.ancestor AS BIGINT) AS topic_id, COUNT(DISTINCT pt.publication_id) AS count \
         FROM publication_topic pt JOIN subtree ON pt.topic_id = subtree.descendant \
         WHERE pt.publication_id IN ({}) GROUP BY subtree.ancestor",
        tree_rows.join(", "),
        matching.sql
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            matching.values.map(|v| v.0).unwrap_or_default(),
        ))
        .await?;
    let mut counts: Vec<(i64, i64)> = rows
        .iter()
        .map(|row| Ok((row.try_get("", "topic_id")?, row.try_get("", "count")?)))
        .collect::<Result<_, DbErr>>()?;
    counts.sort_by_key(|(id, count)| (-count, *id));
    counts.truncate(limit);
    Ok(counts)
}
