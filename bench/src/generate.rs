//! A deterministic catalogue generator: for a seed, always the same topics, venues, authors
//! and publications, bulk-loaded with multi-row INSERTs (thousands of rows per statement, a
//! transaction per batch), on Postgres or SQLite.
//!
//! The shape follows real catalogues: author productivity follows Lotka's law (most authors
//! have one paper, a few have hundreds), author lists are mostly 2 to 8 long with a tail up to
//! 400, topics form a tree, venues of every kind, dates over 30 years known to the day, the
//! month or the year (a few undated), and abstracts of 100 to 250 words drawn from a
//! research vocabulary so that full-text search finds things.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use api::domain::Slug;
use rand::seq::SliceRandom as _;
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

use crate::words;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How many publications.
    pub publications: usize,
    /// The seed of the pseudo-random generator: the same seed gives the same catalogue.
    pub seed: u64,
}

/// Rows written, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub topics: u64,
    pub venues: u64,
    pub authors: u64,
    pub author_name_variants: u64,
    pub publications: u64,
    pub publication_authors: u64,
    pub publication_topics: u64,
}

/// How long one phase of the load took.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: &'static str,
    pub elapsed: Duration,
}

/// What a load did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub counts: Counts,
    pub phases: Vec<Phase>,
}

/// Rows per INSERT statement for the narrow tables, and publications per batch.
const ROWS_PER_INSERT: usize = 5000;
const PUBLICATIONS_PER_BATCH: usize = 1000;
/// The longest author list generated.
const MAX_AUTHORS: usize = 400;
/// The most papers one author gets, in a catalogue of 100,000 publications or more.
const MAX_PAPERS_PER_AUTHOR: usize = 600;
/// Lotka's exponent: the share of authors with n papers falls as n^-LOTKA.
const LOTKA: f64 = 2.1;
const FIRST_YEAR: i32 = 1995;
const YEARS: i32 = 30;
/// Timestamps of rows that have no date of their own.
const LOADED_AT: &str = "2025-01-01T00:00:00+00:00";

/// The catalogue tables, children first.
const TABLES: [&str; 9] = [
    "publication_topic",
    "publication_author",
    "submission",
    "history",
    "publication",
    "author_name_variant",
    "author",
    "venue",
    "topic",
];

/// How many publications the database holds (any status).
pub async fn publication_count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    scalar(db, "SELECT COUNT(*) AS n FROM publication")
        .await
        .map(|n| u64::try_from(n).unwrap_or(0))
        .context("failed to count the publications")
}

/// Deletes the catalogue (publications, authors, venues, topics, their history and
/// submissions); API tokens stay.
pub async fn clear(db: &DatabaseConnection) -> anyhow::Result<()> {
    let txn = db.begin().await.context("failed to start a transaction")?;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared(&format!("TRUNCATE {} CASCADE", TABLES.join(", ")))
                .await
                .context("failed to empty the catalogue tables")?;
        }
        _ => {
            // SQLite checks RESTRICT row by row: untie the topic tree first.
            txn.execute_unprepared("UPDATE topic SET parent_id = NULL")
                .await
                .context("failed to untie the topic tree")?;
            for table in TABLES {
                txn.execute_unprepared(&format!("DELETE FROM {table}"))
                    .await
                    .with_context(|| format!("failed to empty {table}"))?;
            }
        }
    }
    // A bulk load is not a stream of edits: the feed forgets what the triggers noted.
    api::service::feed::forget_bulk_load(&txn)
        .await
        .context("failed to move the catalogue revision")?;
    txn.commit()
        .await
        .context("failed to commit the deletion")?;
    Ok(())
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| format!("failed to run {sql}"))?
        .with_context(|| format!("no row from {sql}"))?;
    row.try_get_by_index::<i64>(0)
        .with_context(|| format!("failed to read the result of {sql}"))
}

async fn strings(db: &impl ConnectionTrait, sql: &str) -> anyhow::Result<Vec<String>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| format!("failed to run {sql}"))?
        .iter()
        .map(|row| {
            row.try_get_by_index::<String>(0)
                .with_context(|| format!("failed to read the result of {sql}"))
        })
        .collect()
}

/// Generates `options.publications` publications with their authors, venues and topics and
/// loads them, then rebuilds the search index and moves the catalogue revision.
pub async fn load(db: &DatabaseConnection, options: Options) -> anyhow::Result<Report> {
    load_reporting(db, options, &|_| {}).await
}

/// `load`, calling `progress` as each phase ends.
pub async fn load_reporting(
    db: &DatabaseConnection,
    options: Options,
    progress: &dyn Fn(&Phase),
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let mut clock = Instant::now();
    let mut phase = |report: &mut Report, name: &'static str| {
        let phase = Phase {
            name,
            elapsed: clock.elapsed(),
        };
        progress(&phase);
        report.phases.push(phase);
        clock = Instant::now();
    };

    let existing = Existing::read(db).await?;
    let plan = Plan::new(options, existing);
    phase(&mut report, "plan");

    let txn = db.begin().await.context("failed to start a transaction")?;
    for sql in plan.topic_inserts().into_iter().chain(plan.venue_inserts()) {
        txn.execute_unprepared(&sql)
            .await
            .context("failed to insert topics and venues")?;
    }
    txn.commit()
        .await
        .context("failed to commit topics and venues")?;
    report.counts.topics = plan.new_topics() as u64;
    report.counts.venues = plan.venues.len() as u64;
    phase(&mut report, "topics and venues");

    let (author_inserts, variants) = plan.author_inserts();
    for batch in author_inserts.chunks(4) {
        let txn = db.begin().await.context("failed to start a transaction")?;
        for sql in batch {
            txn.execute_unprepared(sql)
                .await
                .context("failed to insert authors")?;
        }
        txn.commit().await.context("failed to commit authors")?;
    }
    report.counts.authors = plan.authors.len() as u64;
    report.counts.author_name_variants = variants;
    phase(&mut report, "authors");

    let backend = db.get_database_backend();
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(4);
    let producer = std::thread::spawn(move || plan.publication_batches(&sender));
    while let Some(batch) = receiver.recv().await {
        let txn = db.begin().await.context("failed to start a transaction")?;
        for sql in &batch.statements {
            txn.execute_unprepared(sql)
                .await
                .context("failed to insert publications")?;
        }
        txn.commit()
            .await
            .context("failed to commit publications")?;
        report.counts.publications += batch.publications;
        report.counts.publication_authors += batch.publication_authors;
        report.counts.publication_topics += batch.publication_topics;
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("the publication generator panicked"))?;
    if backend == DbBackend::Postgres {
        // Ids were given explicitly; the sequences must continue after them.
        for table in [
            "topic",
            "venue",
            "author",
            "author_name_variant",
            "publication",
        ] {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .await
            .with_context(|| format!("failed to move the id sequence of {table}"))?;
        }
    }
    phase(&mut report, "publications");

    let txn = db.begin().await.context("failed to start a transaction")?;
    // A bulk load is not a stream of edits: the feed forgets what the triggers noted.
    api::service::feed::forget_bulk_load(&txn)
        .await
        .context("failed to move the catalogue revision")?;
    txn.commit()
        .await
        .context("failed to forget the bulk load's changes")?;
    phase(&mut report, "change feed");

    // Statistics for the planner, which would take the new tables for small ones.
    let vacuum = match backend {
        DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(vacuum)
        .await
        .with_context(|| format!("failed to {vacuum}"))?;
    phase(&mut report, "vacuum");
    Ok(report)
}

/// What the database holds already, so that new ids and slugs do not collide.
#[derive(Debug, Default)]
struct Existing {
    base: Bases,
    slugs: [HashSet<String>; 4],
    topics: HashMap<String, i64>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Bases {
    topic: i64,
    venue: i64,
    author: i64,
    variant: i64,
    publication: i64,
}

impl Existing {
    async fn read(db: &DatabaseConnection) -> anyhow::Result<Self> {
        let max = |table: &str| format!("SELECT COALESCE(MAX(id), 0) AS n FROM {table}");
        let base = Bases {
            topic: scalar(db, &max("topic")).await?,
            venue: scalar(db, &max("venue")).await?,
            author: scalar(db, &max("author")).await?,
            variant: scalar(db, &max("author_name_variant")).await?,
            publication: scalar(db, &max("publication")).await?,
        };
        let mut slugs: [HashSet<String>; 4] = Default::default();
        for (set, table) in slugs
            .iter_mut()
            .zip(["topic", "venue", "author", "publication"])
        {
            set.extend(strings(db, &format!("SELECT slug FROM {table}")).await?);
        }
        let mut topics = HashMap::new();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT name, id FROM topic",
            ))
            .await
            .context("failed to read the topics")?;
        for row in rows {
            let name: String = row.try_get_by_index(0).context("topic name")?;
            let id: i64 = row.try_get_by_index(1).context("topic id")?;
            topics.insert(name, id);
        }
        Ok(Self {
            base,
            slugs,
            topics,
        })
    }
}

/// Unique slugs: the first "name", then "name-2", "name-3"...
#[derive(Debug, Default)]
struct Slugs {
    taken: HashSet<String>,
    /// Per base slug, the suffix to try next: the suffixes below it are taken already (the
    /// set only grows), so the search starts there rather than at 2 every time, which made
    /// the plan quadratic in the names that repeat (minutes at a million publications).
    next: HashMap<String, u32>,
}

impl Slugs {
    fn taking(taken: HashSet<String>) -> Self {
        Self {
            taken,
            next: HashMap::new(),
        }
    }

    fn unique(&mut self, text: &str, fallback: &str) -> String {
        let base = Slug::from_text(text, fallback).as_ref().to_owned();
        if self.taken.insert(base.clone()) {
            return base;
        }
        let next = self.next.entry(base.clone()).or_insert(2);
        loop {
            let candidate = format!("{base}-{next}");
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VenueKind {
    Conference,
    Workshop,
    Journal,
    PreprintServer,
    ReportSeries,
    Other,
}

impl VenueKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Conference => "conference",
            Self::Workshop => "workshop",
            Self::Journal => "journal",
            Self::PreprintServer => "preprint_server",
            Self::ReportSeries => "report_series",
            Self::Other => "other",
        }
    }
}

#[derive(Debug)]
struct Venue {
    id: i64,
    slug: String,
    name: String,
    short_name: Option<String>,
    kind: VenueKind,
    year: Option<i32>,
    url: Option<String>,
}

#[derive(Debug)]
struct Topic {
    id: i64,
    /// False when the database had this topic already.
    new: bool,
    slug: String,
    name: &'static str,
    parent: Option<i64>,
}

#[derive(Debug)]
struct Author {
    id: i64,
    slug: String,
    name: String,
    orcid: Option<String>,
    affiliation: Option<&'static str>,
    url: Option<String>,
    variants: Vec<String>,
}

/// Everything decided before the publications are generated.
struct Plan {
    rng: ChaCha8Rng,
    base: Bases,
    topics: Vec<Topic>,
    venues: Vec<Venue>,
    authors: Vec<Author>,
    /// Author lengths of each publication, in order.
    author_counts: Vec<u16>,
    /// Author indexes (into `authors`), dealt to publications in order.
    slots: Vec<u32>,
    publication_slugs: Slugs,
    publications: usize,
}

/// One transaction's worth of publications, as SQL.
#[derive(Debug)]
struct Batch {
    statements: Vec<String>,
    publications: u64,
    publication_authors: u64,
    publication_topics: u64,
}

/// Index `0..n` skewed toward 0: `u^skew` with `skew > 1` makes the first entries popular.
fn skewed(rng: &mut ChaCha8Rng, n: usize, skew: f64) -> usize {
    let u: f64 = rng.random();
    ((u.powf(skew) * n as f64) as usize).min(n.saturating_sub(1))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// The ISO 7064 MOD 11-2 check digit of an ORCID iD's first 15 digits.
pub fn orcid_check_digit(body: &str) -> char {
    let total = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |total, digit| (total + digit) * 2);
    match (12 - total % 11) % 11 {
        10 => 'X',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

fn orcid_for(id: i64) -> String {
    let body = format!("{:015}", 100_000_000_000_i64 + id);
    let check = orcid_check_digit(&body);
    format!(
        "{}-{}-{}-{}{check}",
        &body[0..4],
        &body[4..8],
        &body[8..12],
        &body[12..15]
    )
}

/// Author list lengths: mostly 2 to 8, some single authors, a long tail up to 400.
fn author_count(rng: &mut ChaCha8Rng) -> usize {
    let u: f64 = rng.random();
    if u < 0.05 {
        1
    } else if u < 0.90 {
        // 2..=8, peaking at 3 to 5.
        const WEIGHTS: [(usize, u32); 7] =
            [(2, 14), (3, 20), (4, 20), (5, 16), (6, 12), (7, 10), (8, 8)];
        let mut roll = rng.random_range(0..100u32);
        WEIGHTS
            .iter()
            .find(|(_, weight)| {
                if roll < *weight {
                    true
                } else {
                    roll -= weight;
                    false
                }
            })
            .map_or(4, |(n, _)| *n)
    } else if u < 0.99 {
        rng.random_range(9..=30)
    } else if u < 0.999 {
        rng.random_range(31..=100)
    } else {
        rng.random_range(101..=MAX_AUTHORS)
    }
}

/// Papers per author after Lotka's law, by inverse transform over a cumulative table.
struct Lotka {
    cumulative: Vec<f64>,
}

impl Lotka {
    /// Up to `max` papers per author.
    fn new(max: usize) -> Self {
        let mut total = 0.0;
        let mut cumulative = Vec::with_capacity(max);
        for n in 1..=max {
            total += (n as f64).powf(-LOTKA);
            cumulative.push(total);
        }
        for value in &mut cumulative {
            *value /= total;
        }
        Self { cumulative }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let u: f64 = rng.random();
        self.cumulative.partition_point(|&c| c < u) + 1
    }
}

impl Plan {
    fn new(options: Options, existing: Existing) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let base = existing.base;
        let [topic_slugs, venue_slugs, author_slugs, publication_slugs] = existing.slugs;

        let mut topic_slugs = Slugs::taking(topic_slugs);
        let mut topic_ids: HashMap<&str, i64> = HashMap::new();
        let mut topics = Vec::new();
        let mut next_topic = base.topic;
        for (name, parent) in words::TOPICS {
            let parent = parent.and_then(|parent| topic_ids.get(parent).copied());
            let (id, new) = match existing.topics.get(*name) {
                Some(id) => (*id, false),
                None => {
                    next_topic += 1;
                    (next_topic, true)
                }
            };
            topic_ids.insert(name, id);
            topics.push(Topic {
                id,
                new,
                slug: topic_slugs.unique(name, "topic"),
                name,
                parent,
            });
        }

        let venues = Self::venues(&mut rng, base.venue, Slugs::taking(venue_slugs));

        let author_counts: Vec<u16> = (0..options.publications)
            .map(|_| author_count(&mut rng) as u16)
            .collect();
        let total_slots: usize = author_counts.iter().map(|&n| usize::from(n)).sum();
        // A small catalogue has no author with hundreds of papers.
        let lotka = Lotka::new((options.publications / 100).clamp(10, MAX_PAPERS_PER_AUTHOR));
        let mut papers = Vec::new();
        let mut dealt = 0;
        while dealt < total_slots {
            let n = lotka.sample(&mut rng).min(total_slots - dealt);
            papers.push(n);
            dealt += n;
        }
        let mut slots: Vec<u32> = Vec::with_capacity(total_slots);
        for (index, &n) in papers.iter().enumerate() {
            slots.extend(std::iter::repeat_n(index as u32, n));
        }
        slots.shuffle(&mut rng);
        let author_total = deal_without_repeats(&mut rng, &mut slots, &author_counts, papers.len());

        let mut author_slugs = Slugs::taking(author_slugs);
        let authors = (0..author_total)
            .map(|index| {
                let id = base.author + 1 + index as i64;
                Self::author(&mut rng, id, &mut author_slugs)
            })
            .collect();

        Self {
            rng,
            base,
            topics,
            venues,
            authors,
            author_counts,
            slots,
            publication_slugs: Slugs::taking(publication_slugs),
            publications: options.publications,
        }
    }

    fn new_topics(&self) -> usize {
        self.topics.iter().filter(|topic| topic.new).count()
    }

    /// About 500 venues of every kind: conference series every third year, workshops,
    /// journals, preprint servers, report series and a few others.
    fn venues(rng: &mut ChaCha8Rng, base: i64, mut slugs: Slugs) -> Vec<Venue> {
        let mut venues = Vec::new();
        let mut push = |venues: &mut Vec<Venue>,
                        name: String,
                        short_name: Option<String>,
                        kind: VenueKind,
                        year: Option<i32>,
                        url: Option<String>| {
            let id = base + 1 + venues.len() as i64;
            venues.push(Venue {
                id,
                slug: slugs.unique(&name, "venue"),
                name,
                short_name,
                kind,
                year,
                url,
            });
        };
        for (index, (short, _)) in words::CONFERENCES.iter().enumerate() {
            for year in (FIRST_YEAR + (index % 3) as i32..FIRST_YEAR + YEARS).step_by(3) {
                push(
                    &mut venues,
                    format!("{short} {year}"),
                    Some(format!("{short} {year}")),
                    VenueKind::Conference,
                    Some(year),
                    rng.random_bool(0.5)
                        .then(|| format!("https://{}.example.org/{year}", short.to_lowercase())),
                );
            }
        }
        for (index, theme) in words::WORKSHOP_THEMES.iter().enumerate() {
            for n in 0..10 {
                let (host, _) = words::CONFERENCES[(index * 7 + n * 3) % 12];
                let year = 2005 + ((index + n * 2) % 20) as i32;
                push(
                    &mut venues,
                    format!("{host} {year} Workshop {theme}"),
                    None,
                    VenueKind::Workshop,
                    Some(year),
                    None,
                );
            }
        }
        for journal in words::JOURNALS {
            push(
                &mut venues,
                (*journal).to_owned(),
                None,
                VenueKind::Journal,
                None,
                None,
            );
        }
        for (short, long) in words::PREPRINT_SERVERS {
            push(
                &mut venues,
                (*long).to_owned(),
                Some((*short).to_owned()),
                VenueKind::PreprintServer,
                None,
                Some(format!("https://{}.example.org", short.to_lowercase())),
            );
        }
        for series in words::REPORT_SERIES {
            push(
                &mut venues,
                (*series).to_owned(),
                None,
                VenueKind::ReportSeries,
                None,
                None,
            );
        }
        for other in words::OTHER_VENUES {
            push(
                &mut venues,
                (*other).to_owned(),
                None,
                VenueKind::Other,
                None,
                None,
            );
        }
        venues
    }

    fn author(rng: &mut ChaCha8Rng, id: i64, slugs: &mut Slugs) -> Author {
        let first = *pick(rng, words::FIRST_NAMES);
        let last = *pick(rng, words::LAST_NAMES);
        let middle = rng
            .random_bool(0.08)
            .then(|| char::from(b'A' + rng.random_range(0..26u8)));
        let name = match middle {
            Some(initial) => format!("{first} {initial}. {last}"),
            None => format!("{first} {last}"),
        };
        let mut variants = Vec::new();
        if rng.random_bool(0.06) {
            let initial = first.chars().next().unwrap_or('X');
            variants.push(format!("{initial}. {last}"));
            if rng.random_bool(0.3) {
                variants.push(format!("{last}, {first}"));
            }
        }
        let slug = slugs.unique(&name, "author");
        Author {
            id,
            orcid: rng.random_bool(0.15).then(|| orcid_for(id)),
            affiliation: rng
                .random_bool(0.7)
                .then(|| *pick(rng, words::AFFILIATIONS)),
            url: rng
                .random_bool(0.1)
                .then(|| format!("https://people.example.org/{slug}")),
            slug,
            name,
            variants,
        }
    }

    fn topic_inserts(&self) -> Vec<String> {
        let mut sql = Insert::new(
            "topic",
            "id, slug, name, description, parent_id, created_at, updated_at",
        );
        for topic in self.topics.iter().filter(|topic| topic.new) {
            sql.row()
                .int(topic.id)
                .text(&topic.slug)
                .text(topic.name)
                .text(&format!("Research on {}.", topic.name.to_lowercase()))
                .opt_int(topic.parent)
                .text(LOADED_AT)
                .text(LOADED_AT);
        }
        sql.finish().into_iter().collect()
    }

    fn venue_inserts(&self) -> Vec<String> {
        let mut sql = Insert::new(
            "venue",
            "id, slug, name, short_name, kind, year, url, created_at, updated_at",
        );
        for venue in &self.venues {
            sql.row()
                .int(venue.id)
                .text(&venue.slug)
                .text(&venue.name)
                .opt_text(venue.short_name.as_deref())
                .text(venue.kind.as_str())
                .opt_int(venue.year.map(i64::from))
                .opt_text(venue.url.as_deref())
                .text(LOADED_AT)
                .text(LOADED_AT);
        }
        sql.finish().into_iter().collect()
    }

    /// INSERTs of the authors and their name variants; and how many variants.
    fn author_inserts(&self) -> (Vec<String>, u64) {
        let mut statements = Vec::new();
        let mut variants = 0;
        let mut next_variant = self.base.variant;
        for chunk in self.authors.chunks(ROWS_PER_INSERT) {
            let mut authors = Insert::new(
                "author",
                "id, slug, name, orcid, affiliation, url, created_at, updated_at",
            );
            let mut names = Insert::new("author_name_variant", "id, author_id, name");
            for author in chunk {
                authors
                    .row()
                    .int(author.id)
                    .text(&author.slug)
                    .text(&author.name)
                    .opt_text(author.orcid.as_deref())
                    .opt_text(author.affiliation)
                    .opt_text(author.url.as_deref())
                    .text(LOADED_AT)
                    .text(LOADED_AT);
                for variant in &author.variants {
                    next_variant += 1;
                    variants += 1;
                    names.row().int(next_variant).int(author.id).text(variant);
                }
            }
            statements.extend(authors.finish());
            statements.extend(names.finish());
        }
        (statements, variants)
    }

    /// Generates the publications batch by batch and sends each batch's SQL; runs on its
    /// own thread so that generating overlaps with the database's work.
    fn publication_batches(mut self, sender: &tokio::sync::mpsc::Sender<Batch>) {
        let conferences_by_year = self.venues_by_year(VenueKind::Conference);
        let workshops_by_year = self.venues_by_year(VenueKind::Workshop);
        let of_kind = |kind: VenueKind| -> Vec<usize> {
            self.venues
                .iter()
                .enumerate()
                .filter(|(_, venue)| venue.kind == kind)
                .map(|(index, _)| index)
                .collect()
        };
        let journals = of_kind(VenueKind::Journal);
        let servers = of_kind(VenueKind::PreprintServer);
        let reports = of_kind(VenueKind::ReportSeries);
        let others = of_kind(VenueKind::Other);
        let mut arxiv_numbers: HashMap<String, u32> = HashMap::new();
        let mut slot = 0;
        let mut id = self.base.publication;
        let mut start = 0;
        while start < self.publications {
            let end = (start + PUBLICATIONS_PER_BATCH).min(self.publications);
            let mut publications = Insert::new(
                "publication",
                "id, slug, title, abstract, kind, status, published_on, published_on_precision, \
                 venue_id, doi, arxiv_id, url, pdf_url, version, created_at, updated_at",
            );
            let mut links =
                Insert::new("publication_author", "publication_id, author_id, position");
            let mut filed = Insert::new("publication_topic", "publication_id, topic_id");
            let mut counts = (0u64, 0u64, 0u64);
            for index in start..end {
                id += 1;
                let rng = &mut self.rng;
                let year = FIRST_YEAR + skewed(rng, YEARS as usize, 0.6) as i32;
                let roll: f64 = rng.random();
                let venue: Option<usize> = if roll < 0.40 {
                    conferences_by_year
                        .get(&year)
                        .map(|candidates| *pick(rng, candidates))
                } else if roll < 0.52 {
                    workshops_by_year
                        .get(&year)
                        .or_else(|| conferences_by_year.get(&year))
                        .map(|candidates| *pick(rng, candidates))
                } else if roll < 0.70 {
                    Some(journals[skewed(rng, journals.len(), 1.5)])
                } else if roll < 0.88 {
                    Some(servers[skewed(rng, servers.len(), 2.5)])
                } else if roll < 0.93 {
                    Some(reports[skewed(rng, reports.len(), 1.5)])
                } else if roll < 0.96 {
                    Some(others[skewed(rng, others.len(), 1.2)])
                } else {
                    None
                };
                let venue = venue.map(|index| &self.venues[index]);
                let kind = match venue.map(|venue| (venue.kind, venue.name.as_str())) {
                    Some((VenueKind::Conference, _)) => "conference_paper",
                    Some((VenueKind::Workshop, _)) => "workshop_paper",
                    Some((VenueKind::Journal, _)) => "journal_article",
                    Some((VenueKind::PreprintServer, _)) => "preprint",
                    Some((VenueKind::ReportSeries, _)) => "technical_report",
                    Some((VenueKind::Other, name)) if name.contains("Thesis") => "thesis",
                    Some((VenueKind::Other, name)) if name.contains("Book") => "book_chapter",
                    Some((VenueKind::Other, _)) => "other",
                    None => *pick(rng, &["preprint", "other", "technical_report"]),
                };
                let year = venue.and_then(|venue| venue.year).unwrap_or(year);
                let month = rng.random_range(1..=12u32);
                let day = rng.random_range(1..=28u32);
                let precision_roll: f64 = rng.random();
                let (date, precision) = if precision_roll < 0.02 {
                    (None, None)
                } else if precision_roll < 0.37 {
                    (Some(format!("{year}-{month:02}-{day:02}")), Some("day"))
                } else if precision_roll < 0.82 {
                    (Some(format!("{year}-{month:02}-01")), Some("month"))
                } else {
                    (Some(format!("{year}-01-01")), Some("year"))
                };
                let status_roll: f64 = rng.random();
                let status = if status_roll < 0.95 {
                    "published"
                } else if status_roll < 0.98 {
                    "draft"
                } else {
                    "archived"
                };
                let title = title(rng);
                let summary = abstract_text(rng);
                let slug = self.publication_slugs.unique(&title, "publication");
                let doi = (matches!(
                    kind,
                    "conference_paper" | "workshop_paper" | "journal_article"
                ) && rng.random_bool(0.6))
                .then(|| {
                    let short = venue
                        .and_then(|venue| venue.short_name.as_deref())
                        .unwrap_or("pub");
                    let registrant = venue.map_or(1000, |venue| 1000 + venue.id % 9000);
                    format!(
                        "10.{registrant}/{}.{year}.{id}",
                        Slug::from_text(short, "pub").as_ref()
                    )
                });
                let arxiv =
                    (year >= 2008 && (kind == "preprint" || rng.random_bool(0.4))).then(|| {
                        let yymm = format!("{:02}{month:02}", year % 100);
                        let number = arxiv_numbers.entry(yymm.clone()).or_insert(0);
                        *number += 1;
                        if year >= 2015 {
                            format!("{yymm}.{:05}", *number)
                        } else {
                            format!("{yymm}.{:04}", *number)
                        }
                    });
                let url = match &doi {
                    Some(doi) => Some(format!("https://doi.org/{doi}")),
                    None => rng
                        .random_bool(0.3)
                        .then(|| format!("https://papers.example.org/{slug}")),
                };
                let pdf_url = match &arxiv {
                    Some(arxiv) => Some(format!("https://arxiv.org/pdf/{arxiv}")),
                    None => rng
                        .random_bool(0.2)
                        .then(|| format!("https://papers.example.org/{slug}.pdf")),
                };
                let created_at = format!(
                    "{}T{:02}:{:02}:{:02}+00:00",
                    date.as_deref().unwrap_or("2024-06-01"),
                    rng.random_range(0..24u32),
                    rng.random_range(0..60u32),
                    rng.random_range(0..60u32)
                );
                publications
                    .row()
                    .int(id)
                    .text(&slug)
                    .text(&title)
                    .text(&summary)
                    .text(kind)
                    .text(status)
                    .opt_text(date.as_deref())
                    .opt_text(precision)
                    .opt_int(venue.map(|venue| venue.id))
                    .opt_text(doi.as_deref())
                    .opt_text(arxiv.as_deref())
                    .opt_text(url.as_deref())
                    .opt_text(pdf_url.as_deref())
                    .int(1)
                    .text(&created_at)
                    .text(&created_at);
                counts.0 += 1;

                let n = usize::from(self.author_counts[index]);
                for (position, &author) in self.slots[slot..slot + n].iter().enumerate() {
                    links
                        .row()
                        .int(id)
                        .int(self.authors[author as usize].id)
                        .int(position as i64 + 1);
                }
                slot += n;
                counts.1 += n as u64;

                let topic_count = match rng.random_range(0..10u32) {
                    0..=4 => 1,
                    5..=8 => 2,
                    _ => 3,
                };
                let mut chosen: Vec<i64> = Vec::with_capacity(topic_count);
                while chosen.len() < topic_count {
                    let topic = self.topics[skewed(rng, self.topics.len(), 1.6)].id;
                    if !chosen.contains(&topic) {
                        chosen.push(topic);
                    }
                }
                for topic in chosen {
                    filed.row().int(id).int(topic);
                    counts.2 += 1;
                }
            }
            let statements = publications
                .finish()
                .into_iter()
                .chain(links.finish())
                .chain(filed.finish())
                .collect();
            let batch = Batch {
                statements,
                publications: counts.0,
                publication_authors: counts.1,
                publication_topics: counts.2,
            };
            if sender.blocking_send(batch).is_err() {
                // The loader stopped on an error, which it reports.
                return;
            }
            start = end;
        }
    }

    fn venues_by_year(&self, kind: VenueKind) -> HashMap<i32, Vec<usize>> {
        let mut by_year: HashMap<i32, Vec<usize>> = HashMap::new();
        for (index, venue) in self.venues.iter().enumerate() {
            if venue.kind == kind
                && let Some(year) = venue.year
            {
                by_year.entry(year).or_default().push(index);
            }
        }
        by_year
    }
}

/// Makes each publication's range of `slots` free of repeated authors, by swapping a repeat
/// with a later slot, or when none fits, by giving the slot to a new author (index
/// `authors`, then the next). Returns how many authors there are then.
fn deal_without_repeats(
    rng: &mut ChaCha8Rng,
    slots: &mut [u32],
    counts: &[u16],
    mut authors: usize,
) -> usize {
    let mut start = 0;
    let mut seen = HashSet::new();
    for &n in counts {
        let end = start + usize::from(n);
        seen.clear();
        for position in start..end {
            let mut tries = 0;
            while !seen.insert(slots[position]) {
                if tries == 64 || end == slots.len() {
                    slots[position] = authors as u32;
                    authors += 1;
                } else {
                    let other = rng.random_range(end..slots.len());
                    slots.swap(position, other);
                    tries += 1;
                }
            }
        }
        start = end;
    }
    authors
}

fn title(rng: &mut ChaCha8Rng) -> String {
    let pattern = *pick(rng, words::TITLE_PATTERNS);
    let mut title = String::with_capacity(80);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        title.push_str(&rest[..open]);
        let key = rest.as_bytes().get(open + 1).copied().unwrap_or(b'N');
        let word = match key {
            b'A' => *pick(rng, words::TITLE_ADJECTIVES),
            b'T' => *pick(rng, words::TITLE_TASKS),
            b'Q' => *pick(rng, words::TITLE_QUALITIES),
            b'M' => *pick(rng, words::SYSTEM_NAMES),
            b'D' => *pick(rng, words::TITLE_DATA),
            _ => *pick(rng, words::TITLE_NOUNS),
        };
        title.push_str(word);
        rest = &rest[(open + 3).min(rest.len())..];
    }
    title.push_str(rest);
    title
}

/// 100 to 250 words in sentences of 8 to 20, a third of them research vocabulary (the first
/// words of the list most often).
fn abstract_text(rng: &mut ChaCha8Rng) -> String {
    let words = rng.random_range(100..=250usize);
    let mut text = String::with_capacity(words * 8);
    let mut written = 0;
    while written < words {
        let sentence = rng.random_range(8..=20usize).min(words - written).max(1);
        for position in 0..sentence {
            let word = if rng.random_bool(0.35) {
                words::RESEARCH_WORDS[skewed(rng, words::RESEARCH_WORDS.len(), 1.5)]
            } else {
                *pick(rng, words::COMMON_WORDS)
            };
            if position == 0 {
                if !text.is_empty() {
                    text.push(' ');
                }
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    text.extend(first.to_uppercase());
                    text.push_str(chars.as_str());
                }
            } else {
                text.push(' ');
                text.push_str(word);
            }
        }
        text.push('.');
        written += sentence;
    }
    text
}

/// A multi-row INSERT built as SQL text with quoted literals, split every
/// `ROWS_PER_INSERT` rows. Literals are plain SQL strings and integers, which Postgres and
/// SQLite read alike (Postgres casts a quoted literal to the column's date or timestamp).
struct Insert {
    head: String,
    statements: Vec<String>,
    current: String,
    rows: usize,
}

impl Insert {
    fn new(table: &str, columns: &str) -> Self {
        Self {
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            statements: Vec::new(),
            current: String::new(),
            rows: 0,
        }
    }

    fn row(&mut self) -> Row<'_> {
        if self.rows == ROWS_PER_INSERT {
            self.statements.push(std::mem::take(&mut self.current));
            self.rows = 0;
        }
        if self.rows == 0 {
            self.current.push_str(&self.head);
        } else {
            self.current.push(',');
        }
        self.rows += 1;
        self.current.push('(');
        Row {
            sql: &mut self.current,
            first: true,
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.rows > 0 {
            self.statements.push(self.current);
        }
        self.statements
    }
}

/// One row of an `Insert`; closes its parenthesis when dropped.
struct Row<'a> {
    sql: &'a mut String,
    first: bool,
}

impl Row<'_> {
    fn separator(&mut self) {
        if !self.first {
            self.sql.push(',');
        }
        self.first = false;
    }

    fn int(&mut self, value: i64) -> &mut Self {
        self.separator();
        let _ = write!(self.sql, "{value}");
        self
    }

    fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(value) => self.int(value),
            None => self.null(),
        }
    }

    fn text(&mut self, value: &str) -> &mut Self {
        self.separator();
        self.sql.push('\'');
        for c in value.chars() {
            if c == '\'' {
                self.sql.push('\'');
            }
            self.sql.push(c);
        }
        self.sql.push('\'');
        self
    }

    fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.text(value),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.separator();
        self.sql.push_str("NULL");
        self
    }
}

impl Drop for Row<'_> {
    fn drop(&mut self) {
        self.sql.push(')');
    }
}

/// Refuses to load into a catalogue that has publications, unless told to replace them.
pub async fn check_empty(db: &DatabaseConnection, force: bool) -> anyhow::Result<()> {
    let count = publication_count(db).await?;
    if count > 0 && !force {
        bail!(
            "the database holds {count} publications already; use an empty database, or pass \
             --force to delete the catalogue (publications, authors, venues, topics, history) \
             and load a new one"
        );
    }
    if count > 0 {
        clear(db).await?;
    }
    Ok(())
}
