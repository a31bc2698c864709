//! Facet counts for a list's sidebar: by year, kind, venue kind, venue and topic, each under
//! the list's filter with its own dimension left out, so that a sidebar can show "2022 (4)"
//! next to a selected 2021. The read index counts them; this module says what each dimension
//! leaves out and how its counts are ordered.

use entity::publication::Kind;
use entity::venue;
use sea_orm::ActiveEnum as _;

use super::listing::PublicationFilter;
use crate::index::collect::{Dimensions, FacetCounts};

/// A dimension of the facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Year,
    Kind,
    VenueKind,
    Venue,
    Topic,
}

impl Dimension {
    pub const ALL: [Self; 5] = [
        Self::Year,
        Self::Kind,
        Self::VenueKind,
        Self::Venue,
        Self::Topic,
    ];

    fn set(self, dimensions: &mut Dimensions) {
        match self {
            Self::Year => dimensions.years = true,
            Self::Kind => dimensions.kinds = true,
            Self::VenueKind => dimensions.venue_kinds = true,
            Self::Venue => dimensions.venues = true,
            Self::Topic => dimensions.topics = true,
        }
    }

    pub fn only(self) -> Dimensions {
        let mut dimensions = Dimensions::default();
        self.set(&mut dimensions);
        dimensions
    }
}

/// `filter` without the top-level part that constrains `dimension`.
pub fn without(filter: &PublicationFilter, dimension: Dimension) -> PublicationFilter {
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

/// The dimensions that `filter` does not constrain: their counts are all read in one pass
/// over the list itself.
pub fn unconstrained(filter: &PublicationFilter) -> Dimensions {
    let mut dimensions = Dimensions::default();
    for dimension in Dimension::ALL {
        if without(filter, dimension) == *filter {
            dimension.set(&mut dimensions);
        }
    }
    dimensions
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Publications per year (undated ones are not counted), newest year first.
pub fn years(counts: &FacetCounts) -> Vec<(i32, i64)> {
    let mut rows: Vec<(i32, i64)> = counts
        .years
        .iter()
        .filter_map(|(year, n)| Some((i32::try_from(*year).ok()?, count(*n))))
        .collect();
    rows.sort_by_key(|(year, _)| std::cmp::Reverse(*year));
    rows
}

/// Publications per kind, most first.
pub fn kinds(counts: &FacetCounts) -> Vec<(Kind, i64)> {
    let mut rows: Vec<(Kind, i64)> = counts
        .kinds
        .iter()
        .filter_map(|(kind, n)| Some((Kind::try_from_value(kind).ok()?, count(*n))))
        .collect();
    rows.sort_by_key(|(kind, n)| (-n, format!("{kind:?}")));
    rows
}

/// Publications per venue kind, most first.
pub fn venue_kinds(counts: &FacetCounts) -> Vec<(venue::Kind, i64)> {
    let mut rows: Vec<(venue::Kind, i64)> = counts
        .venue_kinds
        .iter()
        .filter_map(|(kind, n)| Some((venue::Kind::try_from_value(kind).ok()?, count(*n))))
        .collect();
    rows.sort_by_key(|(kind, n)| (-n, format!("{kind:?}")));
    rows
}

fn most_first(counts: &std::collections::HashMap<i64, u64>, limit: usize) -> Vec<(i64, i64)> {
    let mut rows: Vec<(i64, i64)> = counts.iter().map(|(id, n)| (*id, count(*n))).collect();
    rows.sort_by_key(|(id, n)| (-n, *id));
    rows.truncate(limit);
    rows
}

/// Publications per venue (ids), most first, at most `limit`.
pub fn venues(counts: &FacetCounts, limit: usize) -> Vec<(i64, i64)> {
    most_first(&counts.venues, limit)
}

/// Publications per topic (ids), a topic counting those of its subtopics once each, most
/// first, at most `limit`.
pub fn topics(counts: &FacetCounts, limit: usize) -> Vec<(i64, i64)> {
    most_first(&counts.topics, limit)
}
