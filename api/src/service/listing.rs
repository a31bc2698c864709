//! Publication lists: the filters and orderings of `publications(filter:, orderBy:)`, which
//! the read index (`crate::index`) runs, and keyset pagination over any ordering.
//!
//! Every ordering ends on the id, so it is total and a cursor (the sort key of a row plus
//! its id) says exactly where a page ends. Undated entries come last in both directions;
//! titles sort case-insensitively.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::publication::{Kind, Status};
use entity::{topic, venue};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

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

    /// Each topic with itself and every topic above it.
    pub fn ancestors(&self) -> HashMap<i64, Vec<i64>> {
        let mut found: HashMap<i64, Vec<i64>> = HashMap::new();
        for (ancestor, descendant) in self.ancestor_pairs() {
            found.entry(descendant).or_default().push(ancestor);
        }
        found
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

impl PublicationFilter {
    /// A short digest that cursors carry, so that a cursor of one filter is refused by
    /// another.
    pub fn digest(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..8])
    }

    /// How many searches the filter holds, its nested filters included.
    pub fn searches(&self) -> usize {
        usize::from(self.search.is_some())
            + self
                .and
                .iter()
                .chain(&self.or)
                .chain(self.not.as_deref())
                .map(PublicationFilter::searches)
                .sum::<usize>()
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

    /// The keys, in order (the id follows them).
    pub fn keys(&self) -> &[OrderKey] {
        &self.keys
    }

    /// The id breaks ties in the direction of the last key.
    pub fn id_descending(&self) -> bool {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance_needs_a_search_and_leads_when_there_is_one() {
        let search = SearchQuery::parse("scaling laws");
        let ranked = Ordering::new(Vec::new(), search);
        assert_eq!(ranked.tag("f"), "relevance:desc,published_on:desc|f");
        let asked = Ordering::new(vec![MOST_RELEVANT_FIRST], None);
        assert_eq!(asked, Ordering::default());
    }

    #[test]
    fn topics_include_their_subtopics_and_digests_tell_filters_apart() {
        let mut tree = TopicTree {
            ids: vec![1, 2, 3],
            ..TopicTree::default()
        };
        tree.children.insert(1, vec![2]);
        tree.children.insert(2, vec![3]);
        assert_eq!(tree.subtree(1), [1, 2, 3]);
        let mut above_three = tree.ancestors().remove(&3).unwrap_or_default();
        above_three.sort_unstable();
        assert_eq!(above_three, [1, 2, 3]);
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
        assert_ne!(filter.digest(), PublicationFilter::default().digest());
        assert_eq!(filter.depth(), 2);
    }
}
