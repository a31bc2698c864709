//! Collectors over the index's fast fields: one page in any ordering from a keyset cursor
//! (counting every match on the way, for `totalCount`), and facet counts.
//!
//! A page keeps the `size + 1` smallest sort keys among the matches beyond the cursor. Each
//! key value is encoded as a `u64` that sorts as the value does in the direction read, so a
//! sort key is an array compared element by element. Titles compare by their ordinal in a
//! segment's dictionary (which follows the text); across segments, by the text itself.

use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, HashMap};

use chrono::{DateTime, NaiveDate};
use serde_json::{Value, json};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn, TermOrdHit};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::document::as_i64;
use crate::service::listing::{OrderField, OrderKey};

/// At most the ordering's keys and the id.
const MAX_KEYS: usize = 8;
type Key = [u64; MAX_KEYS];

/// A cursor's value for one sort key, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Number(i64),
    Undated,
    Text(String),
    Score(f32),
}

/// Where a cursor stands: its sort key values and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub values: Vec<Mark>,
    pub id: i64,
}

impl Position {
    /// Reads a cursor's key (the values of `keys`, then the id); `None` when it does not fit.
    pub fn parse(keys: &[OrderKey], key: &[Value]) -> Option<Self> {
        if key.len() != keys.len() + 1 {
            return None;
        }
        let id = key.last()?.as_i64()?;
        let mut values = Vec::with_capacity(keys.len());
        for (order, value) in keys.iter().zip(key) {
            values.push(match order.field {
                OrderField::PublishedOn if value.is_null() => Mark::Undated,
                OrderField::PublishedOn => Mark::Number(super::document::day_number(
                    value.as_str()?.parse::<NaiveDate>().ok()?,
                )),
                OrderField::Title => Mark::Text(value.as_str()?.to_owned()),
                OrderField::CreatedAt | OrderField::UpdatedAt => Mark::Number(
                    DateTime::parse_from_rfc3339(value.as_str()?)
                        .ok()?
                        .timestamp_micros(),
                ),
                OrderField::AuthorCount => Mark::Number(value.as_i64()?),
                OrderField::Relevance => Mark::Score(value.as_str()?.parse().ok()?),
            });
        }
        Some(Self { values, id })
    }
}

/// What a page asks for.
#[derive(Debug, Clone)]
pub struct PageSpec {
    /// The ordering's keys (in its own directions), the id after them.
    pub keys: Vec<OrderKey>,
    pub id_descending: bool,
    /// Read from the end: the ordering reversed (the caller reverses the rows back).
    pub backward: bool,
    pub after: Option<Position>,
    pub before: Option<Position>,
    /// How many rows to keep.
    pub limit: usize,
}

/// A row of a page: its id and its cursor key (the values of the ordering's keys, then the
/// id), as cursors carry it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub cursor: Vec<Value>,
    /// How it compares with hits of other segments.
    order: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Number(u64),
    /// A title, and whether it is read in descending order.
    Text(String, bool),
}

fn compare(a: &[Part], b: &[Part]) -> CmpOrdering {
    for (x, y) in a.iter().zip(b) {
        let step = match (x, y) {
            (Part::Number(x), Part::Number(y)) => x.cmp(y),
            (Part::Text(x, descending), Part::Text(y, _)) => {
                if *descending {
                    y.cmp(x)
                } else {
                    x.cmp(y)
                }
            }
            _ => CmpOrdering::Equal,
        };
        if step != CmpOrdering::Equal {
            return step;
        }
    }
    CmpOrdering::Equal
}

/// The page and how many documents matched in all.
#[derive(Debug, Default)]
pub struct PageFruit {
    pub hits: Vec<Hit>,
    pub total: u64,
}

impl Collector for PageSpec {
    type Fruit = PageFruit;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let fast = reader.fast_fields();
        let needs = |field: OrderField| self.keys.iter().any(|k| k.field == field);
        let titles = if needs(OrderField::Title) {
            fast.str("title_key")?
        } else {
            None
        };
        let columns = Columns {
            id: fast.u64("id")?,
            published_on: needs(OrderField::PublishedOn)
                .then(|| fast.i64("published_on"))
                .transpose()?,
            created_at: needs(OrderField::CreatedAt)
                .then(|| fast.i64("created_at"))
                .transpose()?,
            updated_at: needs(OrderField::UpdatedAt)
                .then(|| fast.i64("updated_at"))
                .transpose()?,
            author_count: needs(OrderField::AuthorCount)
                .then(|| fast.u64("author_count"))
                .transpose()?,
            titles,
        };
        let mut segment = SegmentPage {
            spec: self.clone(),
            lower: None,
            upper: None,
            heap: BinaryHeap::with_capacity(self.limit + 1),
            total: 0,
            columns,
        };
        let after = self.after.as_ref().map(|p| segment.encode_position(p));
        let before = self.before.as_ref().map(|p| segment.encode_position(p));
        // Beyond `after` in the ordering is later in the reading order when reading forward,
        // earlier when reading backward; `before` the other way round.
        if self.backward {
            segment.upper = after;
            segment.lower = before;
        } else {
            segment.lower = after;
            segment.upper = before;
        }
        Ok(segment)
    }

    fn requires_scoring(&self) -> bool {
        self.keys.iter().any(|k| k.field == OrderField::Relevance)
    }

    fn merge_fruits(&self, fruits: Vec<PageFruit>) -> tantivy::Result<PageFruit> {
        let total = fruits.iter().map(|f| f.total).sum();
        let mut hits: Vec<Hit> = fruits.into_iter().flat_map(|f| f.hits).collect();
        hits.sort_by(|a, b| compare(&a.order, &b.order));
        hits.truncate(self.limit);
        Ok(PageFruit { hits, total })
    }
}

struct Columns {
    id: Column<u64>,
    published_on: Option<Column<i64>>,
    created_at: Option<Column<i64>>,
    updated_at: Option<Column<i64>>,
    author_count: Option<Column<u64>>,
    titles: Option<StrColumn>,
}

pub struct SegmentPage {
    spec: PageSpec,
    /// Keys must be greater than this (in reading order).
    lower: Option<Key>,
    /// Keys must be less than this.
    upper: Option<Key>,
    heap: BinaryHeap<(Key, DocId, u32)>,
    total: u64,
    columns: Columns,
}

/// An `i64` as a `u64` that sorts the same.
fn signed(value: i64) -> u64 {
    (value as u64) ^ (1 << 63)
}

/// A score as a `u64` that sorts the same.
fn score_bits(score: f32) -> u64 {
    let bits = u64::from(score.to_bits());
    if bits >> 31 == 1 {
        !bits & 0xFFFF_FFFF
    } else {
        bits | (1 << 31)
    }
}

impl SegmentPage {
    fn reading_descending(&self, descending: bool) -> bool {
        descending != self.spec.backward
    }

    fn undated(descending: bool) -> i64 {
        // Undated entries come last in both directions.
        if descending { i64::MIN } else { i64::MAX }
    }

    fn finish(&self, mut key: Key, id: u64) -> Key {
        for (slot, order) in key.iter_mut().zip(&self.spec.keys) {
            if self.reading_descending(order.descending) {
                *slot = !*slot;
            }
        }
        self.finish_id(key, id)
    }

    fn finish_id(&self, mut key: Key, id: u64) -> Key {
        let at = self.spec.keys.len().min(MAX_KEYS - 1);
        key[at] = if self.reading_descending(self.spec.id_descending) {
            !id
        } else {
            id
        };
        key
    }

    /// A cursor's key in this segment's encoding: a title absent from the segment falls
    /// between two of its titles' ordinals.
    fn encode_position(&self, position: &Position) -> Key {
        let mut key = [0u64; MAX_KEYS];
        for ((slot, order), mark) in key.iter_mut().zip(&self.spec.keys).zip(&position.values) {
            *slot = match (order.field, mark) {
                (OrderField::PublishedOn, Mark::Undated) => signed(Self::undated(order.descending)),
                (OrderField::AuthorCount, Mark::Number(n)) => u64::try_from(*n).unwrap_or(0),
                (_, Mark::Number(n)) => signed(*n),
                (_, Mark::Score(score)) => score_bits(*score),
                (_, Mark::Text(text)) => match &self.columns.titles {
                    Some(titles) => match titles.dictionary().term_ord_or_next(text.as_bytes()) {
                        Ok(TermOrdHit::Exact(ord)) => ord.saturating_mul(2).saturating_add(1),
                        Ok(TermOrdHit::Next(ord)) => ord.saturating_mul(2),
                        Err(_) => 0,
                    },
                    None => 0,
                },
                (_, Mark::Undated) => 0,
            };
        }
        self.finish(key, super::document::as_u64(position.id))
    }

    /// The sort key of a document without its id (read only when the rest does not decide).
    fn key_of(&self, doc: DocId, score: Score) -> Key {
        let mut key = [0u64; MAX_KEYS];
        let c = &self.columns;
        for (slot, order) in key.iter_mut().zip(&self.spec.keys) {
            *slot = match order.field {
                OrderField::PublishedOn => signed(
                    c.published_on
                        .as_ref()
                        .and_then(|col| col.first(doc))
                        .unwrap_or_else(|| Self::undated(order.descending)),
                ),
                OrderField::Title => c
                    .titles
                    .as_ref()
                    .and_then(|col| col.ords().first(doc))
                    .map_or(0, |ord| ord.saturating_mul(2).saturating_add(1)),
                OrderField::CreatedAt => signed(
                    c.created_at
                        .as_ref()
                        .and_then(|col| col.first(doc))
                        .unwrap_or(0),
                ),
                OrderField::UpdatedAt => signed(
                    c.updated_at
                        .as_ref()
                        .and_then(|col| col.first(doc))
                        .unwrap_or(0),
                ),
                OrderField::AuthorCount => c
                    .author_count
                    .as_ref()
                    .and_then(|col| col.first(doc))
                    .unwrap_or(0),
                OrderField::Relevance => score_bits(score),
            };
        }
        self.finish(key, 0)
    }

    /// Completes a key with the document's id.
    fn with_id(&self, key: Key, doc: DocId) -> Key {
        self.finish_id(key, self.columns.id.first(doc).unwrap_or(0))
    }

    fn hit(&self, key: &Key, doc: DocId, score_bits_value: u32) -> Hit {
        let c = &self.columns;
        let id = c.id.first(doc).unwrap_or(0);
        let mut cursor = Vec::with_capacity(self.spec.keys.len() + 1);
        let mut order = Vec::with_capacity(self.spec.keys.len() + 1);
        for (slot, spec) in key.iter().zip(&self.spec.keys) {
            match spec.field {
                OrderField::Title => {
                    let mut title = String::new();
                    if let (Some(col), Some(ord)) = (
                        c.titles.as_ref(),
                        c.titles.as_ref().and_then(|t| t.ords().first(doc)),
                    ) {
                        let _ = col.ord_to_str(ord, &mut title);
                    }
                    cursor.push(json!(title));
                    order.push(Part::Text(title, self.reading_descending(spec.descending)));
                    continue;
                }
                OrderField::PublishedOn => cursor.push(json!(
                    c.published_on
                        .as_ref()
                        .and_then(|col| col.first(doc))
                        .and_then(|days| i32::try_from(days).ok())
                        .and_then(NaiveDate::from_num_days_from_ce_opt)
                        .map(|date| date.to_string())
                )),
                OrderField::CreatedAt | OrderField::UpdatedAt => {
                    let column = if spec.field == OrderField::CreatedAt {
                        &c.created_at
                    } else {
                        &c.updated_at
                    };
                    let micros = column.as_ref().and_then(|col| col.first(doc)).unwrap_or(0);
                    cursor.push(json!(
                        DateTime::from_timestamp_micros(micros)
                            .unwrap_or_default()
                            .to_rfc3339()
                    ));
                }
                OrderField::AuthorCount => cursor.push(json!(
                    c.author_count
                        .as_ref()
                        .and_then(|col| col.first(doc))
                        .unwrap_or(0)
                )),
                // As text: Rust prints an f32 so that parsing it gives the same f32 back.
                OrderField::Relevance => {
                    cursor.push(json!(f32::from_bits(score_bits_value).to_string()))
                }
            }
            order.push(Part::Number(*slot));
        }
        let at = self.spec.keys.len().min(MAX_KEYS - 1);
        order.push(Part::Number(key[at]));
        cursor.push(json!(as_i64(id)));
        Hit {
            id: as_i64(id),
            cursor,
            order,
        }
    }
}

impl SegmentCollector for SegmentPage {
    type Fruit = PageFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if self.spec.limit == 0 {
            return;
        }
        let key = self.key_of(doc, score);
        // A full page keeps only keys before its last: most documents of a broad list are
        // decided here, without reading their id.
        let keys = self.spec.keys.len().min(MAX_KEYS - 1);
        if self.heap.len() >= self.spec.limit
            && self
                .heap
                .peek()
                .is_some_and(|top| key[..keys] > top.0[..keys])
        {
            return;
        }
        let key = self.with_id(key, doc);
        if self.lower.is_some_and(|lower| key <= lower)
            || self.upper.is_some_and(|upper| key >= upper)
        {
            return;
        }
        if self.heap.len() < self.spec.limit {
            self.heap.push((key, doc, score.to_bits()));
        } else if self.heap.peek().is_some_and(|top| key < top.0) {
            self.heap.pop();
            self.heap.push((key, doc, score.to_bits()));
        }
    }

    fn harvest(self) -> PageFruit {
        let mut kept = self.heap.clone().into_sorted_vec();
        kept.truncate(self.spec.limit);
        let hits = kept
            .iter()
            .map(|(key, doc, score)| self.hit(key, *doc, *score))
            .collect();
        PageFruit {
            hits,
            total: self.total,
        }
    }
}

/// The dimensions a facet collector counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dimensions {
    pub years: bool,
    pub kinds: bool,
    pub venue_kinds: bool,
    pub venues: bool,
    pub topics: bool,
}

/// Counts per value of each dimension asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FacetCounts {
    pub years: HashMap<i64, u64>,
    pub kinds: HashMap<String, u64>,
    pub venue_kinds: HashMap<String, u64>,
    pub venues: HashMap<i64, u64>,
    pub topics: HashMap<i64, u64>,
}

impl FacetCounts {
    fn add(&mut self, other: FacetCounts) {
        fn sum<K: std::hash::Hash + Eq>(into: &mut HashMap<K, u64>, from: HashMap<K, u64>) {
            for (key, count) in from {
                *into.entry(key).or_default() += count;
            }
        }
        sum(&mut self.years, other.years);
        sum(&mut self.kinds, other.kinds);
        sum(&mut self.venue_kinds, other.venue_kinds);
        sum(&mut self.venues, other.venues);
        sum(&mut self.topics, other.topics);
    }
}

impl Collector for Dimensions {
    type Fruit = FacetCounts;
    type Child = SegmentFacets;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacets> {
        let fast = reader.fast_fields();
        let str_ords =
            |name: &str, wanted: bool| -> tantivy::Result<Option<(StrColumn, Vec<u64>)>> {
                if !wanted {
                    return Ok(None);
                }
                Ok(fast.str(name)?.map(|column| {
                    let terms = column.num_terms();
                    (column, vec![0; terms])
                }))
            };
        let dense = |column: &Column<u64>| {
            let size = usize::try_from(column.max_value())
                .unwrap_or(0)
                .saturating_add(1);
            vec![0u32; size.min(1 << 24)]
        };
        let venues = if self.venues {
            let column = fast.u64("venue")?;
            let counts = dense(&column);
            Some((column, counts))
        } else {
            None
        };
        let topics = if self.topics {
            let column = fast.u64("topics")?;
            let counts = dense(&column);
            Some((column, counts))
        } else {
            None
        };
        Ok(SegmentFacets {
            years: self
                .years
                .then(|| fast.i64("year"))
                .transpose()?
                .map(|column| {
                    let first = column.min_value();
                    let span = usize::try_from(column.max_value().saturating_sub(first))
                        .unwrap_or(0)
                        .saturating_add(1);
                    (column, first, vec![0u32; span.min(1 << 16)])
                }),
            kinds: str_ords("kind", self.kinds)?,
            venue_kinds: str_ords("venue_kind", self.venue_kinds)?,
            venues,
            topics,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetCounts>) -> tantivy::Result<FacetCounts> {
        let mut all = FacetCounts::default();
        for fruit in fruits {
            all.add(fruit);
        }
        // Venue and topic facets show at most this many (the most first, then by id): the
        // rest would only take memory where answers are kept.
        all.venues = most(all.venues, MAX_FACET_ENTRIES);
        all.topics = most(all.topics, MAX_FACET_ENTRIES);
        Ok(all)
    }
}

/// The most entries a venue or topic facet shows (its `first` is at most 100).
pub const MAX_FACET_ENTRIES: usize = 100;

fn most(counts: HashMap<i64, u64>, keep: usize) -> HashMap<i64, u64> {
    if counts.len() <= keep {
        return counts;
    }
    let mut sorted: Vec<(i64, u64)> = counts.into_iter().collect();
    sorted.sort_by_key(|(id, count)| (std::cmp::Reverse(*count), *id));
    sorted.truncate(keep);
    sorted.into_iter().collect()
}

pub struct SegmentFacets {
    /// The years column, its first year, and counts from that year on.
    years: Option<(Column<i64>, i64, Vec<u32>)>,
    kinds: Option<(StrColumn, Vec<u64>)>,
    venue_kinds: Option<(StrColumn, Vec<u64>)>,
    venues: Option<(Column<u64>, Vec<u32>)>,
    topics: Option<(Column<u64>, Vec<u32>)>,
}

fn by_ord(column: &StrColumn, counts: &[u64]) -> HashMap<String, u64> {
    let mut found = HashMap::new();
    for (ord, count) in counts.iter().enumerate() {
        let mut text = String::new();
        if *count > 0 && column.ord_to_str(ord as u64, &mut text).unwrap_or(false) {
            found.insert(text, *count);
        }
    }
    found
}

fn dense_counts(counts: &[u32]) -> HashMap<i64, u64> {
    counts
        .iter()
        .enumerate()
        .filter(|(_, count)| **count > 0)
        .map(|(id, count)| (i64::try_from(id).unwrap_or(i64::MAX), u64::from(*count)))
        .collect()
}

impl SegmentCollector for SegmentFacets {
    type Fruit = FacetCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some((column, first, counts)) = &mut self.years
            && let Some(year) = column.first(doc)
            && let Some(count) = usize::try_from(year.saturating_sub(*first))
                .ok()
                .and_then(|at| counts.get_mut(at))
        {
            *count += 1;
        }
        for facet in [&mut self.kinds, &mut self.venue_kinds]
            .into_iter()
            .flatten()
        {
            if let Some(ord) = facet.0.ords().first(doc)
                && let Some(count) = facet.1.get_mut(ord as usize)
            {
                *count += 1;
            }
        }
        if let Some((column, counts)) = &mut self.venues
            && let Some(venue) = column.first(doc)
            && let Some(count) = counts.get_mut(venue as usize)
        {
            *count += 1;
        }
        if let Some((column, counts)) = &mut self.topics {
            for topic in column.values_for_doc(doc) {
                if let Some(count) = counts.get_mut(topic as usize) {
                    *count += 1;
                }
            }
        }
    }

    fn harvest(self) -> FacetCounts {
        FacetCounts {
            years: self
                .years
                .map(|(_, first, counts)| {
                    counts
                        .iter()
                        .zip(first..)
                        .filter(|(count, _)| **count > 0)
                        .map(|(count, year)| (year, u64::from(*count)))
                        .collect()
                })
                .unwrap_or_default(),
            kinds: self
                .kinds
                .map(|(column, counts)| by_ord(&column, &counts))
                .unwrap_or_default(),
            venue_kinds: self
                .venue_kinds
                .map(|(column, counts)| by_ord(&column, &counts))
                .unwrap_or_default(),
            venues: self
                .venues
                .map(|(_, counts)| dense_counts(&counts))
                .unwrap_or_default(),
            topics: self
                .topics
                .map(|(_, counts)| dense_counts(&counts))
                .unwrap_or_default(),
        }
    }
}

/// The ids of every match.
#[derive(Debug, Clone, Copy)]
pub struct Ids;

impl Collector for Ids {
    type Fruit = Vec<i64>;
    type Child = SegmentIds;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentIds> {
        Ok(SegmentIds {
            column: reader.fast_fields().u64("id")?,
            found: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        let mut all: Vec<i64> = fruits.into_iter().flatten().collect();
        all.sort_unstable();
        Ok(all)
    }
}

pub struct SegmentIds {
    column: Column<u64>,
    found: Vec<i64>,
}

impl SegmentCollector for SegmentIds {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.column.first(doc) {
            self.found.push(as_i64(id));
        }
    }

    fn harvest(self) -> Vec<i64> {
        self.found
    }
}
