//! The filter and order inputs of publication lists, and their conversion into the
//! service's `PublicationFilter` and `Ordering` (ids decoded, mistakes named by path).

use async_graphql::{Enum, ID, InputObject};
use chrono::NaiveDate;

use super::ids::{GlobalId, NodeKind};
use super::publication::{PublicationKind, PublicationStatus};
use super::scalars::PartialDate;
use super::venue::VenueKind;
use crate::domain::{ArxivId, Doi};
use crate::error::ApiError;
use crate::service::listing::{
    DateRange, IdSet, OrderField, OrderKey, Ordering, PublicationFilter, YearRange,
};

/// How deeply `and`, `or` and `not` may nest.
const MAX_FILTER_DEPTH: usize = 8;

/// How many ids one `anyOf` or `noneOf` may list.
pub const MAX_IDS_PER_SET: usize = 100;

/// How many ids one `allOf` may list: each is a join of its own.
pub const MAX_ALL_OF: usize = 20;

/// How many ids a whole filter may list, its nested filters included.
pub const MAX_IDS_PER_FILTER: usize = 200;

/// How many filters `and` or `or` may combine at one level.
pub const MAX_FILTERS_PER_LIST: usize = 20;

/// How many searches a whole filter may hold, its nested filters included: each is text
/// matching of its own (with typo and prefix expansions), so they are what a filter can make
/// expensive.
pub const MAX_SEARCHES_PER_FILTER: usize = 4;

/// Ids to match: any of them, all of them, or none of them.
#[derive(InputObject, Clone, Debug, Default)]
pub struct IdSetInput {
    /// At least one of these.
    pub any_of: Option<Vec<ID>>,
    /// Every one of these.
    pub all_of: Option<Vec<ID>>,
    /// None of these.
    pub none_of: Option<Vec<ID>>,
}

/// A range of years, both ends included.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct YearRangeInput {
    /// The first year in the range.
    pub from: Option<i32>,
    /// The last year in the range.
    pub to: Option<i32>,
}

/// A range of dates, both ends included.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct DateRangeInput {
    /// From the first day of this period.
    pub from: Option<PartialDate>,
    /// To the last day of this period.
    pub to: Option<PartialDate>,
}

/// Which publications to list. Every part given must hold; combine filters with `and`,
/// `or` and `not`.
#[derive(InputObject, Clone, Debug, Default)]
#[graphql(name = "PublicationFilter")]
pub struct PublicationFilterInput {
    /// Words to find in the title, abstract, authors' names (and their variants) and venue:
    /// every word must appear; "quoted phrases" appear whole; `-word` excludes; `OR` joins
    /// the words beside it. Case-insensitive.
    pub search: Option<String>,
    /// Only publications of one of these kinds.
    pub kinds: Option<Vec<PublicationKind>>,
    /// Editors only: anonymous callers see PUBLISHED entries whatever this says.
    pub statuses: Option<Vec<PublicationStatus>>,
    /// The year of publication; undated entries never match.
    pub year: Option<YearRangeInput>,
    /// The publication date; a date known to the year or month matches when its first day
    /// is in the range. Undated entries never match.
    pub published_on: Option<DateRangeInput>,
    /// Author ids.
    pub authors: Option<IdSetInput>,
    /// Topic ids; a topic includes its subtopics.
    pub topics: Option<IdSetInput>,
    /// Venue ids.
    pub venues: Option<IdSetInput>,
    /// Only publications that appeared at a venue of one of these kinds; entries without a
    /// venue never match.
    pub venue_kinds: Option<Vec<VenueKind>>,
    /// Whether a link to the full text is known.
    pub has_pdf: Option<bool>,
    /// The publication with this DOI, with or without `https://doi.org/`, in any case.
    pub doi: Option<String>,
    /// The publication with this arXiv id, such as "2206.15342"; a version suffix ("v2")
    /// or `arXiv:` prefix is ignored.
    pub arxiv_id: Option<String>,
    /// Every one of these filters.
    pub and: Option<Vec<PublicationFilterInput>>,
    /// At least one of these filters.
    pub or: Option<Vec<PublicationFilterInput>>,
    /// Not this filter.
    pub not: Option<Box<PublicationFilterInput>>,
}

/// What a publication list can be sorted on.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PublicationOrderField {
    /// The publication date; undated entries come last.
    PublishedOn,
    /// The title, alphabetically.
    Title,
    /// When the entry was added to the catalogue.
    CreatedAt,
    /// When the entry last changed.
    UpdatedAt,
    /// How many authors the publication lists.
    AuthorCount,
    /// How well the publication matches `filter.search` (title matches count most, then
    /// authors and venue, then the abstract). The default order when there is a search;
    /// ignored without one.
    Relevance,
}

/// Which way a sort key sorts.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    /// Ascending: A to Z, oldest first, fewest first.
    Asc,
    /// Descending: Z to A, newest first, most first.
    Desc,
}

/// One sort key. Several break ties in turn; the id always ends the order, so it is total.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct PublicationOrder {
    /// What to sort on.
    pub field: PublicationOrderField,
    /// ASC or DESC.
    pub direction: OrderDirection,
}

fn ids(path: &str, ids: Option<Vec<ID>>, kind: NodeKind) -> Result<Option<Vec<i64>>, ApiError> {
    ids.map(|list| {
        list.iter()
            .enumerate()
            .map(|(i, id)| GlobalId::decode_as(&format!("{path}[{i}]"), id, kind))
            .collect()
    })
    .transpose()
}

fn id_set(path: &str, set: Option<IdSetInput>, kind: NodeKind) -> Result<Option<IdSet>, ApiError> {
    set.map(|set| {
        Ok(IdSet {
            any_of: ids(&format!("{path}.anyOf"), set.any_of, kind)?,
            all_of: ids(&format!("{path}.allOf"), set.all_of, kind)?,
            none_of: ids(&format!("{path}.noneOf"), set.none_of, kind)?,
        })
    })
    .transpose()
}

impl PublicationFilterInput {
    /// Every filter of the tree with its depth (1 at the top) and path, read with one stack
    /// so that no nesting a client writes can recurse. Stops at the first `Err` of `visit`.
    fn each<'f>(
        &'f self,
        path: &str,
        mut visit: impl FnMut(&'f Self, usize, &str) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut stack = vec![(self, 1usize, path.to_owned())];
        while let Some((filter, depth, path)) = stack.pop() {
            visit(filter, depth, &path)?;
            for (name, list) in [("and", &filter.and), ("or", &filter.or)] {
                for (i, nested) in list.iter().flatten().enumerate() {
                    stack.push((nested, depth + 1, format!("{path}.{name}[{i}]")));
                }
            }
            if let Some(not) = &filter.not {
                stack.push((not, depth + 1, format!("{path}.not")));
            }
        }
        Ok(())
    }

    /// Refuses a filter nested too deeply or listing too many ids, before anything recurses
    /// over it.
    fn check_bounds(&self, path: &str) -> Result<(), ApiError> {
        let mut ids = 0usize;
        let mut searches = 0usize;
        self.each(path, |filter, depth, path| {
            if filter.search.is_some() {
                searches += 1;
                if searches > MAX_SEARCHES_PER_FILTER {
                    return Err(ApiError::bad_input(
                        format!("{path}.search"),
                        format!(
                            "a filter may hold at most {MAX_SEARCHES_PER_FILTER} searches in all; put the words in one search (`a OR b` matches either)"
                        ),
                    ));
                }
            }
            if depth > MAX_FILTER_DEPTH {
                return Err(ApiError::bad_input(
                    path,
                    format!("and/or/not may nest at most {MAX_FILTER_DEPTH} levels deep"),
                ));
            }
            for (name, list) in [("and", &filter.and), ("or", &filter.or)] {
                if list
                    .as_ref()
                    .is_some_and(|l| l.len() > MAX_FILTERS_PER_LIST)
                {
                    return Err(ApiError::bad_input(
                        format!("{path}.{name}"),
                        format!("may combine at most {MAX_FILTERS_PER_LIST} filters"),
                    ));
                }
            }
            for (name, set) in [
                ("authors", &filter.authors),
                ("topics", &filter.topics),
                ("venues", &filter.venues),
            ] {
                let Some(set) = set else { continue };
                for (part, list, max) in [
                    ("anyOf", &set.any_of, MAX_IDS_PER_SET),
                    ("allOf", &set.all_of, MAX_ALL_OF),
                    ("noneOf", &set.none_of, MAX_IDS_PER_SET),
                ] {
                    let len = list.as_ref().map_or(0, Vec::len);
                    if len > max {
                        return Err(ApiError::bad_input(
                            format!("{path}.{name}.{part}"),
                            format!("may list at most {max} ids"),
                        ));
                    }
                    ids += len;
                }
            }
            if ids > MAX_IDS_PER_FILTER {
                return Err(ApiError::bad_input(
                    path,
                    format!("a filter may list at most {MAX_IDS_PER_FILTER} ids in all"),
                ));
            }
            Ok(())
        })
    }

    /// The service filter; `path` names this input in error messages.
    pub fn parse(self, path: &str) -> Result<PublicationFilter, ApiError> {
        self.check_bounds(path)?;
        self.convert(path)
    }

    /// [`Self::parse`] once the bounds hold: the recursion is at most [`MAX_FILTER_DEPTH`]
    /// deep.
    fn convert(self, path: &str) -> Result<PublicationFilter, ApiError> {
        let nested = |list: Option<Vec<PublicationFilterInput>>,
                      name: &str|
         -> Result<Vec<PublicationFilter>, ApiError> {
            list.unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, filter)| filter.convert(&format!("{path}.{name}[{i}]")))
                .collect()
        };
        if self
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 500)
        {
            return Err(ApiError::bad_input(
                format!("{path}.search"),
                "must be at most 500 characters",
            ));
        }
        let filter = PublicationFilter {
            search: self
                .search
                .as_deref()
                .and_then(crate::service::search::SearchQuery::parse),
            kinds: self
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            statuses: self
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            year: self
                .year
                .map(|y| -> Result<YearRange, ApiError> {
                    Ok(YearRange {
                        gte: year_bound(path, "from", y.from)?,
                        lte: year_bound(path, "to", y.to)?,
                    })
                })
                .transpose()?,
            published_on: self.published_on.map(|d| DateRange {
                from: d.from.map(|date: PartialDate| -> NaiveDate { date.0.date }),
                to: d.to.map(|date| date.0.last_day()),
            }),
            authors: id_set(&format!("{path}.authors"), self.authors, NodeKind::Author)?,
            topics: id_set(&format!("{path}.topics"), self.topics, NodeKind::Topic)?,
            venues: id_set(&format!("{path}.venues"), self.venues, NodeKind::Venue)?,
            venue_kinds: self
                .venue_kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            has_pdf: self.has_pdf,
            doi: self
                .doi
                .map(|doi| {
                    Doi::parse(&doi)
                        .map(String::from)
                        .map_err(|e| ApiError::bad_input(format!("{path}.doi"), e.0))
                })
                .transpose()?,
            arxiv_id: self
                .arxiv_id
                .map(|id| {
                    ArxivId::parse(&id)
                        .map(String::from)
                        .map_err(|e| ApiError::bad_input(format!("{path}.arxivId"), e.0))
                })
                .transpose()?,
            and: nested(self.and, "and")?,
            or: nested(self.or, "or")?,
            not: self
                .not
                .map(|not| not.convert(&format!("{path}.not")))
                .transpose()?
                .map(Box::new),
        };
        Ok(filter)
    }
}

/// One end of a year range: a catalogue's years have four digits (as its dates do), so a
/// bound outside them is a mistake, not a range that happens to hold everything.
fn year_bound(path: &str, end: &str, year: Option<i32>) -> Result<Option<i32>, ApiError> {
    match year {
        Some(year)
            if !(crate::domain::PartialDate::MIN_YEAR..=crate::domain::PartialDate::MAX_YEAR)
                .contains(&year) =>
        {
            Err(ApiError::bad_input(
                format!("{path}.year.{end}"),
                format!(
                    "{year} is not a year of the catalogue: years are between {} and {}",
                    crate::domain::PartialDate::MIN_YEAR,
                    crate::domain::PartialDate::MAX_YEAR
                ),
            ))
        }
        _ => Ok(year),
    }
}

/// The ordering of `orderBy` (the default when it is absent or empty) for a list with
/// `search`.
pub fn ordering(
    order_by: Option<Vec<PublicationOrder>>,
    search: Option<crate::service::search::SearchQuery>,
) -> Ordering {
    Ordering::new(
        order_by
            .unwrap_or_default()
            .into_iter()
            .map(|order| OrderKey {
                field: match order.field {
                    PublicationOrderField::PublishedOn => OrderField::PublishedOn,
                    PublicationOrderField::Title => OrderField::Title,
                    PublicationOrderField::CreatedAt => OrderField::CreatedAt,
                    PublicationOrderField::UpdatedAt => OrderField::UpdatedAt,
                    PublicationOrderField::AuthorCount => OrderField::AuthorCount,
                    PublicationOrderField::Relevance => OrderField::Relevance,
                },
                descending: order.direction == OrderDirection::Desc,
            })
            .collect(),
        search,
    )
}
