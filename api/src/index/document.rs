//! What the read index holds of each publication, and how it is read from the database.
//!
//! One document per publication: the values lists filter, sort and count on (fast fields),
//! and the text that search looks in (title, the authors' names and name variants, the venue's
//! name and short name, the abstract), analysed by [`analyzer`]. Nothing is stored: the rows
//! of a page are read from the database by primary key.

use std::collections::HashMap;

use chrono::Datelike as _;
use entity::{author, author_name_variant, publication, publication_author, publication_topic};
use entity::{topic, venue};
use sea_orm::{
    ActiveEnum as _, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

use crate::service::listing::TopicTree;

/// The name the analyzer of the text fields is registered under.
pub const ANALYZER: &str = "catalogue";
/// The version of this schema and analysis; an index of another version is rebuilt.
pub const FORMAT: u32 = 2;

/// Words: split on what is not a letter or digit, lower-cased, accents folded
/// ("Déjà" is "deja"), English stems ("models" and "modelling" are "model"); no stop words,
/// so that "the" and "of" can be searched for.
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// [`analyzer`] without stems: the words as typed, for prefixes.
pub fn plain_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub status: Field,
    pub kind: Field,
    /// Days since 0001-01-01 (CE); none for undated entries. A fast field, to sort on.
    pub published_on: Field,
    /// The same days, indexed only, for date filters: a range over the inverted index can be
    /// excluded (`not`) safely, where tantivy 0.27's range over a fast field may be asked to
    /// seek backwards there, and panics.
    pub published_day: Field,
    pub year: Field,
    /// Microseconds since the Unix epoch.
    pub created_at: Field,
    pub updated_at: Field,
    pub venue: Field,
    pub venue_kind: Field,
    pub authors: Field,
    /// The publication's topics and every topic above them.
    pub topics: Field,
    pub has_pdf: Field,
    pub doi: Field,
    pub arxiv_id: Field,
    pub author_count: Field,
    /// The title as titles sort: lower-cased.
    pub title_key: Field,
    pub title: Field,
    pub people: Field,
    pub venue_name: Field,
    pub summary: Field,
}

/// The names of the text fields, by [`Fields`] member, for searches and highlights.
pub const TITLE: &str = "title";

pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_u64_field("id", INDEXED | FAST),
        status: builder.add_text_field("status", STRING | FAST),
        kind: builder.add_text_field("kind", STRING | FAST),
        published_on: builder.add_i64_field("published_on", FAST),
        published_day: builder.add_i64_field("published_day", INDEXED),
        year: builder.add_i64_field("year", FAST),
        created_at: builder.add_i64_field("created_at", FAST),
        updated_at: builder.add_i64_field("updated_at", FAST),
        venue: builder.add_u64_field("venue", INDEXED | FAST),
        venue_kind: builder.add_text_field("venue_kind", STRING | FAST),
        authors: builder.add_u64_field("authors", INDEXED),
        topics: builder.add_u64_field("topics", INDEXED | FAST),
        has_pdf: builder.add_u64_field("has_pdf", INDEXED),
        doi: builder.add_text_field("doi", STRING),
        arxiv_id: builder.add_text_field("arxiv_id", STRING),
        author_count: builder.add_u64_field("author_count", FAST),
        title_key: builder.add_text_field("title_key", TextOptions::default().set_fast("raw")),
        title: builder.add_text_field(TITLE, text.clone()),
        people: builder.add_text_field("people", text.clone()),
        venue_name: builder.add_text_field("venue_name", text.clone()),
        summary: builder.add_text_field("summary", text),
    };
    (builder.build(), fields)
}

/// How titles sort: case-insensitively, then by id.
pub fn title_key(title: &str) -> String {
    title.to_lowercase()
}

/// Days since 0001-01-01, as `published_on` holds a date.
pub fn day_number(date: chrono::NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

/// Everything a publication's document is made of besides its row.
#[derive(Debug, Default)]
struct Links {
    /// (author, position), in any order.
    authors: Vec<(i64, i32)>,
    topics: Vec<i64>,
}

/// What the documents of a batch share: the topic tree, each topic with the topics above it
/// (a small table, read once per batch); for a build, also every venue and every author's
/// name variants, read once rather than per batch.
#[derive(Debug)]
pub struct Context {
    ancestors: HashMap<i64, Vec<i64>>,
    venues: Option<HashMap<i64, venue::Model>>,
    variants: Option<HashMap<i64, Vec<String>>>,
}

impl Context {
    /// For a few batches (the feed's changes).
    pub async fn load(conn: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let topics = topic::Entity::find().all(conn).await?;
        Ok(Self {
            ancestors: TopicTree::of(&topics).ancestors(),
            venues: None,
            variants: None,
        })
    }

    /// For every publication (a build).
    pub async fn for_build(conn: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let mut context = Self::load(conn).await?;
        let venues = venue::Entity::find().all(conn).await?;
        context.venues = Some(venues.into_iter().map(|v| (v.id, v)).collect());
        let variants: Vec<(i64, String)> = author_name_variant::Entity::find()
            .select_only()
            .column(author_name_variant::Column::AuthorId)
            .column(author_name_variant::Column::Name)
            .order_by_asc(author_name_variant::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        let mut by_author: HashMap<i64, Vec<String>> = HashMap::new();
        for (author_id, name) in variants {
            by_author.entry(author_id).or_default().push(name);
        }
        context.variants = Some(by_author);
        Ok(context)
    }
}

/// Which publications a batch holds.
#[derive(Debug, Clone, Copy)]
pub enum Batch<'a> {
    Ids(&'a [i64]),
    /// Ids from the first to the second, both included (a build reads the table in ranges,
    /// which the primary keys of the link tables serve too).
    Range(i64, i64),
}

impl Batch<'_> {
    fn condition(self, column: impl ColumnTrait) -> sea_orm::Condition {
        match self {
            Self::Ids(ids) => sea_orm::Condition::all().add(column.is_in(ids.iter().copied())),
            Self::Range(first, last) => sea_orm::Condition::all().add(column.between(first, last)),
        }
    }
}

/// The documents of the publications of `batch` that exist, in at most five statements.
pub async fn load(
    conn: &impl ConnectionTrait,
    context: &Context,
    fields: &Fields,
    batch: Batch<'_>,
) -> Result<Vec<(i64, TantivyDocument)>, DbErr> {
    if matches!(batch, Batch::Ids([])) {
        return Ok(Vec::new());
    }
    let rows = publication::Entity::find()
        .filter(batch.condition(publication::Column::Id))
        .all(conn)
        .await?;
    let mut venue_ids: Vec<i64> = rows.iter().filter_map(|row| row.venue_id).collect();
    venue_ids.sort_unstable();
    venue_ids.dedup();
    let read_venues;
    let venues: &HashMap<i64, venue::Model> = match &context.venues {
        Some(all) => all,
        None => {
            read_venues = if venue_ids.is_empty() {
                HashMap::new()
            } else {
                venue::Entity::find()
                    .filter(venue::Column::Id.is_in(venue_ids))
                    .all(conn)
                    .await?
                    .into_iter()
                    .map(|venue| (venue.id, venue))
                    .collect()
            };
            &read_venues
        }
    };
    let mut links: HashMap<i64, Links> = HashMap::new();
    let author_links: Vec<(i64, i64, i32, String)> = publication_author::Entity::find()
        .select_only()
        .column(publication_author::Column::PublicationId)
        .column(publication_author::Column::AuthorId)
        .column(publication_author::Column::Position)
        .column(author::Column::Name)
        .inner_join(author::Entity)
        .filter(batch.condition(publication_author::Column::PublicationId))
        .into_tuple()
        .all(conn)
        .await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for (publication_id, author_id, position, name) in author_links {
        links
            .entry(publication_id)
            .or_default()
            .authors
            .push((author_id, position));
        names.entry(author_id).or_insert_with(|| vec![name]);
    }
    if let Some(all) = &context.variants {
        for (author_id, list) in &mut names {
            list.extend(all.get(author_id).into_iter().flatten().cloned());
        }
    } else if !names.is_empty() {
        let variants: Vec<(i64, String)> = author_name_variant::Entity::find()
            .select_only()
            .column(author_name_variant::Column::AuthorId)
            .column(author_name_variant::Column::Name)
            .filter(author_name_variant::Column::AuthorId.is_in(names.keys().copied()))
            .order_by_asc(author_name_variant::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        for (author_id, name) in variants {
            names.entry(author_id).or_default().push(name);
        }
    }
    let topic_links: Vec<(i64, i64)> = publication_topic::Entity::find()
        .select_only()
        .column(publication_topic::Column::PublicationId)
        .column(publication_topic::Column::TopicId)
        .filter(batch.condition(publication_topic::Column::PublicationId))
        .into_tuple()
        .all(conn)
        .await?;
    for (publication_id, topic_id) in topic_links {
        links
            .entry(publication_id)
            .or_default()
            .topics
            .push(topic_id);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let links = links.remove(&row.id).unwrap_or_default();
            let id = row.id;
            let parts = Parts {
                fields,
                ancestors: &context.ancestors,
                venues,
                names: &names,
            };
            (id, parts.document(row, links))
        })
        .collect())
}

/// What a batch's documents are made from besides their rows.
struct Parts<'a> {
    fields: &'a Fields,
    ancestors: &'a HashMap<i64, Vec<i64>>,
    venues: &'a HashMap<i64, venue::Model>,
    names: &'a HashMap<i64, Vec<String>>,
}

impl Parts<'_> {
    fn document(&self, row: publication::Model, mut links: Links) -> TantivyDocument {
        let (fields, ancestors, names) = (self.fields, self.ancestors, self.names);
        let mut doc = TantivyDocument::new();
        doc.add_u64(fields.id, as_u64(row.id));
        doc.add_text(fields.status, row.status.to_value());
        doc.add_text(fields.kind, row.kind.to_value());
        if let Some(date) = row.published_on {
            doc.add_i64(fields.published_on, day_number(date));
            doc.add_i64(fields.published_day, day_number(date));
            doc.add_i64(fields.year, i64::from(date.year()));
        }
        doc.add_i64(fields.created_at, row.created_at.timestamp_micros());
        doc.add_i64(fields.updated_at, row.updated_at.timestamp_micros());
        if let Some(venue_id) = row.venue_id {
            doc.add_u64(fields.venue, as_u64(venue_id));
            if let Some(venue) = self.venues.get(&venue_id) {
                doc.add_text(fields.venue_kind, venue.kind.to_value());
                doc.add_text(fields.venue_name, &venue.name);
                if let Some(short) = &venue.short_name {
                    doc.add_text(fields.venue_name, short);
                }
            }
        }
        links.authors.sort_by_key(|(_, position)| *position);
        doc.add_u64(fields.author_count, links.authors.len() as u64);
        for (author_id, _) in &links.authors {
            doc.add_u64(fields.authors, as_u64(*author_id));
            for name in names.get(author_id).into_iter().flatten() {
                doc.add_text(fields.people, name);
            }
        }
        let mut topics: Vec<i64> = links
            .topics
            .iter()
            .flat_map(|id| {
                ancestors
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| vec![*id])
                    .into_iter()
            })
            .collect();
        topics.sort_unstable();
        topics.dedup();
        for topic in topics {
            doc.add_u64(fields.topics, as_u64(topic));
        }
        doc.add_u64(fields.has_pdf, u64::from(row.pdf_url.is_some()));
        if let Some(doi) = &row.doi {
            doc.add_text(fields.doi, doi);
        }
        if let Some(arxiv_id) = &row.arxiv_id {
            doc.add_text(fields.arxiv_id, arxiv_id);
        }
        doc.add_text(fields.title_key, title_key(&row.title));
        doc.add_text(fields.title, &row.title);
        if let Some(text) = &row.r#abstract {
            doc.add_text(fields.summary, text);
        }
        doc
    }
}

/// Ids are positive; a negative one (never made by the database) maps to 0, which no row has.
pub fn as_u64(id: i64) -> u64 {
    u64::try_from(id).unwrap_or(0)
}

pub fn as_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}
