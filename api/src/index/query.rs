//! Publication filters as index queries. Only a search scores; every other part of a filter
//! matches or not, with a score of 0, so that relevance is the search's alone.

use std::ops::Bound;

use chrono::NaiveDate;
use sea_orm::ActiveEnum as _;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use super::document::{Fields, as_u64, day_number};
use super::text::Probes;
use crate::service::Audience;
use crate::service::listing::{IdSet, PublicationFilter};

/// What `audience` may see of the list `filter` describes.
pub fn list_query(
    fields: &Fields,
    audience: Audience,
    filter: &PublicationFilter,
) -> Box<dyn Query> {
    let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, filter_query(fields, filter))];
    if audience == Audience::Public {
        parts.push((
            Occur::Must,
            unscored(Box::new(TermQuery::new(
                Term::from_field_text(fields.status, "published"),
                IndexRecordOption::Basic,
            ))),
        ));
    }
    Box::new(BooleanQuery::new(parts))
}

fn unscored(query: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ConstScoreQuery::new(query, 0.0))
}

/// Documents holding any of `terms`: one term is a term query, a few a union of them, and
/// only a long list a term set (whose automaton costs more to build than a few lookups).
fn any_term(terms: Vec<Term>) -> Box<dyn Query> {
    const SMALL: usize = 16;
    let query: Box<dyn Query> = match terms.len() {
        0 => Box::new(EmptyQuery),
        1 => Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::Basic)),
        n if n <= SMALL => Box::new(BooleanQuery::new(
            terms
                .into_iter()
                .map(|term| {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect(),
        )),
        _ => Box::new(TermSetQuery::new(terms)),
    };
    unscored(query)
}

fn texts(field: Field, values: impl IntoIterator<Item = String>) -> Box<dyn Query> {
    any_term(
        values
            .into_iter()
            .map(|value| Term::from_field_text(field, &value))
            .collect(),
    )
}

fn ids(field: Field, values: &[i64]) -> Box<dyn Query> {
    any_term(
        values
            .iter()
            .map(|id| Term::from_field_u64(field, as_u64(*id)))
            .collect(),
    )
}

fn id(field: Field, value: i64) -> Box<dyn Query> {
    unscored(Box::new(TermQuery::new(
        Term::from_field_u64(field, as_u64(value)),
        IndexRecordOption::Basic,
    )))
}

/// `anyOf`, `allOf` and `noneOf` of a set over a multi-valued id field.
fn id_set(parts: &mut Vec<(Occur, Box<dyn Query>)>, field: Field, set: &IdSet) {
    if let Some(any) = &set.any_of {
        parts.push((Occur::Must, ids(field, any)));
    }
    for one in set.all_of.iter().flatten() {
        parts.push((Occur::Must, id(field, *one)));
    }
    if let Some(none) = &set.none_of {
        parts.push((Occur::MustNot, ids(field, none)));
    }
}

/// The query of `filter` alone (no visibility).
pub fn filter_query(fields: &Fields, filter: &PublicationFilter) -> Box<dyn Query> {
    let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(search) = &filter.search {
        parts.push((Occur::Must, Probes::of(search).query(fields)));
    }
    if let Some(kinds) = &filter.kinds {
        parts.push((
            Occur::Must,
            texts(fields.kind, kinds.iter().map(|k| k.to_value())),
        ));
    }
    if let Some(statuses) = &filter.statuses {
        parts.push((
            Occur::Must,
            texts(fields.status, statuses.iter().map(|s| s.to_value())),
        ));
    }
    let mut from: Option<i64> = None;
    let mut to: Option<i64> = None;
    let mut narrow = |lower: Option<NaiveDate>, upper: Option<NaiveDate>| {
        if let Some(date) = lower {
            from = Some(from.map_or(day_number(date), |f| f.max(day_number(date))));
        }
        if let Some(date) = upper {
            to = Some(to.map_or(day_number(date), |t| t.min(day_number(date))));
        }
    };
    if let Some(year) = filter.year {
        narrow(
            year.gte.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)),
            year.lte.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)),
        );
    }
    if let Some(range) = filter.published_on {
        narrow(range.from, range.to);
    }
    if from.is_some() || to.is_some() {
        let bound = |value: Option<i64>| match value {
            Some(day) => Bound::Included(Term::from_field_i64(fields.published_day, day)),
            None => Bound::Unbounded,
        };
        parts.push((
            Occur::Must,
            unscored(Box::new(RangeQuery::new(bound(from), bound(to)))),
        ));
    }
    if let Some(authors) = &filter.authors {
        id_set(&mut parts, fields.authors, authors);
    }
    if let Some(topics) = &filter.topics {
        // A document holds its topics' ancestors too: a topic matches its subtopics.
        id_set(&mut parts, fields.topics, topics);
    }
    if let Some(venues) = &filter.venues {
        if let Some(any) = &venues.any_of {
            parts.push((Occur::Must, ids(fields.venue, any)));
        }
        if let Some(all_of) = &venues.all_of {
            // A publication has one venue: all of several can only hold for one.
            let mut distinct = all_of.clone();
            distinct.sort_unstable();
            distinct.dedup();
            match distinct.as_slice() {
                [] => {}
                [one] => parts.push((Occur::Must, id(fields.venue, *one))),
                _ => parts.push((Occur::Must, Box::new(EmptyQuery))),
            }
        }
        if let Some(none) = &venues.none_of {
            parts.push((Occur::MustNot, ids(fields.venue, none)));
        }
    }
    if let Some(kinds) = &filter.venue_kinds {
        parts.push((
            Occur::Must,
            texts(fields.venue_kind, kinds.iter().map(|k| k.to_value())),
        ));
    }
    if let Some(has_pdf) = filter.has_pdf {
        parts.push((
            Occur::Must,
            unscored(Box::new(TermQuery::new(
                Term::from_field_u64(fields.has_pdf, u64::from(has_pdf)),
                IndexRecordOption::Basic,
            ))),
        ));
    }
    if let Some(doi) = &filter.doi {
        parts.push((Occur::Must, texts(fields.doi, [doi.clone()])));
    }
    if let Some(arxiv_id) = &filter.arxiv_id {
        parts.push((Occur::Must, texts(fields.arxiv_id, [arxiv_id.clone()])));
    }
    for nested in &filter.and {
        parts.push((Occur::Must, filter_query(fields, nested)));
    }
    if !filter.or.is_empty() {
        parts.push((
            Occur::Must,
            Box::new(BooleanQuery::new(
                filter
                    .or
                    .iter()
                    .map(|nested| (Occur::Should, filter_query(fields, nested)))
                    .collect(),
            )),
        ));
    }
    if let Some(not) = &filter.not {
        parts.push((Occur::MustNot, filter_query(fields, not)));
    }
    // Exclusions alone match nothing: they exclude from everything.
    if parts.iter().all(|(occur, _)| *occur == Occur::MustNot) {
        parts.push((Occur::Must, unscored(Box::new(AllQuery))));
    }
    Box::new(BooleanQuery::new(parts))
}
