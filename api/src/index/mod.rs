//! The read index: an embedded search index (tantivy) of the catalogue's publications, held
//! by each instance and kept current by the change feed. It answers which publications a list
//! holds, in which order, how many, and the facet counts; the rows of a page are then read
//! from the database by primary key. The database stays the source of truth.
//!
//! Life of an index:
//! - At start ([`ReadIndex::prepare`]) the index in `INDEX_DIR` (default `DATA_DIR/index`) is
//!   opened if it was made by this version for this database and the feed still holds every
//!   change since the revision it reflects; otherwise it is built from the database (progress
//!   in the log) into a new directory that then replaces the old one. A corrupt index is
//!   rebuilt the same way. `/readyz` answers 503 meanwhile.
//! - The instance's hub hands it every revision of the feed ([`ReadIndex::apply`]): the
//!   publications a revision changed (directly, or through their authors, venue or topics)
//!   are read again and replace their documents; each batch is one commit, which records the
//!   revision it reflects.
//! - A request reads the catalogue's revision and waits (at most `INDEX_WAIT_MS`) until the
//!   index has applied it ([`ReadIndex::at`]), so that what a mutation changed is seen by the
//!   next request on any instance.

pub mod budget;
pub mod collect;
pub mod document;
pub mod query;
pub mod text;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use sea_orm::{ColumnTrait as _, DatabaseConnection, DbErr, EntityTrait, QuerySelect};
use serde::{Deserialize, Serialize};
use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, Term};
use tokio::sync::watch;

use self::collect::{Dimensions, FacetCounts, Ids, PageFruit, PageSpec};
use self::document::{Fields, as_u64};
use crate::error::ApiError;
use crate::service::Audience;
use crate::service::feed::{self, Entity};
use crate::service::listing::PublicationFilter;
use crate::service::revision;

/// Before the index has been opened or built.
pub const NOT_YET: i64 = -1;
/// Publications read from the database per statement while building or applying.
const CHUNK: usize = 1000;
/// Memory for the writer that applies the feed (tantivy's least is 15 MB a thread).
const APPLY_MEMORY: usize = 32 << 20;
/// Publication ids read from the database per batch while building.
const BUILD_CHUNK: usize = 5000;
/// Memory per thread while building: about 200 bytes a publication, within these bounds
/// (more makes fewer, larger segments and a faster build; less a smaller peak).
const BUILD_MEMORY_PER_THREAD: std::ops::RangeInclusive<usize> = (16 << 20)..=(64 << 20);

/// Where the index lives and how long a request waits for it.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// `None`: in memory, rebuilt at every start.
    pub dir: Option<PathBuf>,
    pub wait: Duration,
    /// Names the database the index was built from (a digest of its URL).
    pub database: String,
}

impl IndexConfig {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            dir: config.index_dir.clone(),
            wait: config.index_wait,
            database: database_identity(&config.database.redacted_url()),
        }
    }
}

/// Fails when a running instance holds the index in `dir` (its writer's lock).
pub fn ensure_unused(dir: &Path) -> anyhow::Result<()> {
    if !dir.join("meta.json").exists() {
        return Ok(());
    }
    let Ok(index) = Index::open_in_dir(dir) else {
        // Unreadable: nobody can be using it.
        return Ok(());
    };
    match index.writer_with_num_threads::<tantivy::TantivyDocument>(1, APPLY_MEMORY) {
        Ok(_) => Ok(()),
        Err(tantivy::TantivyError::LockFailure(..)) => anyhow::bail!(
            "the read index in {} is in use by a running instance: stop it first",
            dir.display()
        ),
        Err(_) => Ok(()),
    }
}

/// What a commit records with the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Payload {
    format: u32,
    revision: i64,
    database: String,
}

impl Payload {
    /// What a commit of this version records for `database` at `revision`, as text.
    fn text(revision: i64, database: &str) -> Result<String, DbErr> {
        serde_json::to_string(&Self {
            format: document::FORMAT,
            revision,
            database: database.to_owned(),
        })
        .map_err(index_error)
    }
}

/// An open index: what searches and the feed's writer share.
struct Engine {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// A consistent view of the index at one revision or later, to run queries on.
#[derive(Clone)]
pub struct Snapshot {
    searcher: Searcher,
    fields: Fields,
    /// Names this view of the index among all views the instance has had.
    view: String,
    answers: Arc<Answers>,
    health: Arc<Health>,
    searchers: Arc<tokio::sync::Semaphore>,
}

/// How long the index work of one list that holds a search may take.
const SEARCH_BUDGET: Duration = Duration::from_secs(2);

/// The start of the message of an index error that is the request's (its search needed more
/// work than its budget), not the index's.
pub const OVER_BUDGET: &str = "over budget: ";
/// The start of the message of an index error that says the index cannot answer right now
/// (being rebuilt, damaged): the request may be tried again.
pub const UNAVAILABLE: &str = "read index unavailable: ";

/// What the instance knows of its index's health: whether its last write failed or damage
/// was found (and why), for `/readyz` and `/metrics`, and whether a search failed in a way
/// that asks for its files to be checked.
#[derive(Debug, Default)]
pub struct Health {
    fault: Mutex<Option<String>>,
    /// A search failed or panicked: the hub checks the files, and rebuilds if they are
    /// damaged.
    suspect: AtomicBool,
    faults: AtomicU64,
}

impl Health {
    /// Why the index cannot be trusted right now, if it cannot.
    pub fn fault(&self) -> Option<String> {
        self.fault.lock().ok().and_then(|fault| fault.clone())
    }

    /// Faults found since the instance started.
    pub fn faults(&self) -> u64 {
        self.faults.load(Ordering::Relaxed)
    }

    fn failed(&self, reason: String) {
        tracing::error!(reason = %reason, "the read index is at fault");
        self.faults.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut fault) = self.fault.lock() {
            *fault = Some(reason);
        }
    }

    fn recovered(&self) {
        if let Ok(mut fault) = self.fault.lock()
            && let Some(reason) = fault.take()
        {
            tracing::info!(was = %reason, "the read index is healthy again");
        }
    }
}

/// Answers already given, by view of the index and question: the same list asked again at
/// the same revision (a page everyone opens, an author page) costs a lookup.
struct Answers(Mutex<lru::LruCache<String, Arc<dyn std::any::Any + Send + Sync>>>);

/// How many answers an instance keeps.
const ANSWERS_KEPT: usize = 2000;

impl Answers {
    fn new() -> Self {
        Self(Mutex::new(lru::LruCache::new(
            std::num::NonZeroUsize::new(ANSWERS_KEPT).unwrap_or(std::num::NonZeroUsize::MIN),
        )))
    }

    fn get<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let mut kept = self.0.lock().ok()?;
        kept.get(key)?.downcast_ref::<T>().cloned()
    }

    fn put<T: Send + Sync + 'static>(&self, key: String, value: T) {
        if let Ok(mut kept) = self.0.lock() {
            kept.put(key, Arc::new(value));
        }
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("documents", &self.searcher.num_docs())
            .finish()
    }
}

/// Why a persisted index cannot be opened.
enum Unusable {
    /// Another running instance holds it: it must not be rebuilt under that instance.
    Held(String),
    /// Anything else (corrupt, unreadable): it is rebuilt.
    Other(DbErr),
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Held(reason) => f.write_str(reason),
            Self::Other(err) => err.fmt(f),
        }
    }
}

/// How far a build has come, for `/readyz`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub indexed: u64,
    pub total: u64,
}

/// The instance's read index.
pub struct ReadIndex {
    config: IndexConfig,
    engine: RwLock<Option<Arc<Engine>>>,
    /// Counts the engines opened, so that views of two engines are never taken for one.
    epoch: std::sync::atomic::AtomicU64,
    answers: Arc<Answers>,
    applied: watch::Sender<i64>,
    building: Mutex<Option<Progress>>,
    health: Arc<Health>,
    /// Searches run at once on the blocking pool: one per core.
    searchers: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for ReadIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadIndex")
            .field("config", &self.config)
            .field("applied", &*self.applied.borrow())
            .finish_non_exhaustive()
    }
}

fn index_error(err: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("read index: {err}"))
}

fn open_engine(index: Index) -> tantivy::Result<Engine> {
    index
        .tokenizers()
        .register(document::ANALYZER, document::analyzer());
    let (_, fields) = document::schema();
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let writer = index.writer_with_num_threads(1, APPLY_MEMORY)?;
    Ok(Engine {
        reader,
        writer: Mutex::new(writer),
        fields,
    })
}

impl ReadIndex {
    pub fn new(config: IndexConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            engine: RwLock::new(None),
            epoch: std::sync::atomic::AtomicU64::new(0),
            answers: Arc::new(Answers::new()),
            applied: watch::Sender::new(NOT_YET),
            building: Mutex::new(None),
            health: Arc::default(),
            searchers: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            )),
        })
    }

    /// The index's health.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// When a search failed in a way that may mean damaged files: checks them, and rebuilds
    /// the index into a fresh directory if they are (searches answer 503 meanwhile, and
    /// `/readyz` says why). A failure that the files do not explain is left as it was: a
    /// rebuild would not cure it.
    pub async fn check_if_suspect(&self, db: &DatabaseConnection) -> Result<(), DbErr> {
        if !self.health.suspect.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let engine = self.engine()?;
        let damaged = tokio::task::spawn_blocking(move || {
            engine.reader.searcher().index().validate_checksum()
        })
        .await
        .map_err(index_error)?;
        let reason = match damaged {
            Ok(files) if files.is_empty() => {
                tracing::warn!("a search failed, and the read index's files are whole");
                return Ok(());
            }
            Ok(files) => format!("damaged files in the read index: {files:?}"),
            Err(err) => format!("the read index's files cannot be checked: {err}"),
        };
        self.health.failed(format!("{reason}; rebuilding it"));
        self.build(db).await?;
        self.health.recovered();
        Ok(())
    }

    /// The revision the index reflects; [`NOT_YET`] before it is usable.
    pub fn applied(&self) -> i64 {
        *self.applied.borrow()
    }

    /// How far the build in progress has come, if one is.
    pub fn building(&self) -> Option<Progress> {
        self.building.lock().ok().and_then(|b| *b)
    }

    fn engine(&self) -> Result<Arc<Engine>, DbErr> {
        self.engine
            .read()
            .ok()
            .and_then(|engine| engine.clone())
            .ok_or_else(|| DbErr::Custom(format!("{UNAVAILABLE}not open yet")))
    }

    /// Opens the index, or builds it; returns the revision it reflects. An index that another
    /// running instance holds is neither opened nor rebuilt (a rebuild would replace that
    /// instance's files under it): that is a fault `/readyz` reports until it is let go.
    pub async fn prepare(&self, db: &DatabaseConnection) -> Result<i64, DbErr> {
        let current = revision::current(db).await?;
        if let Some(dir) = &self.config.dir {
            match self.try_open(db, dir, current).await {
                Ok(Some(revision)) => {
                    tracing::info!(revision, dir = %dir.display(), "opened the read index");
                    self.health.recovered();
                    return Ok(revision);
                }
                Ok(None) => {}
                Err(Unusable::Held(reason)) => {
                    self.health.failed(reason.clone());
                    return Err(DbErr::Custom(format!("{UNAVAILABLE}{reason}")));
                }
                Err(err) => {
                    tracing::warn!(error = %err, dir = %dir.display(), "the read index cannot be used; rebuilding it");
                }
            }
        }
        self.build(db).await
    }

    /// The persisted index, if it can be caught up from the feed.
    async fn try_open(
        &self,
        db: &DatabaseConnection,
        dir: &Path,
        current: i64,
    ) -> Result<Option<i64>, Unusable> {
        if !dir.join("meta.json").exists() {
            tracing::info!(dir = %dir.display(), "no read index yet; building it");
            return Ok(None);
        }
        let dir_owned = dir.to_path_buf();
        let (engine, payload) = tokio::task::spawn_blocking(move || -> tantivy::Result<_> {
            let index = Index::open_in_dir(&dir_owned)?;
            let payload: Option<Payload> = index
                .load_metas()?
                .payload
                .and_then(|text| serde_json::from_str(&text).ok());
            // The schema must be this version's: an older one is rebuilt, not misread.
            let engine = open_engine(index)?;
            Ok((engine, payload))
        })
        .await
        .map_err(|err| Unusable::Other(index_error(err)))?
        .map_err(|err| match err {
            tantivy::TantivyError::LockFailure(..) => Unusable::Held(format!(
                "another instance holds the read index in {}: give each instance a directory of its own (INDEX_DIR, or DATA_DIR)",
                dir.display()
            )),
            err => Unusable::Other(index_error(err)),
        })?;
        let Some(payload) = payload else {
            tracing::warn!("the read index records no revision; rebuilding it");
            return Ok(None);
        };
        if payload.format != document::FORMAT || payload.database != self.config.database {
            tracing::info!(
                format = payload.format,
                "the read index was built by another version or for another database; rebuilding it"
            );
            return Ok(None);
        }
        if payload.revision > current {
            tracing::warn!(
                index = payload.revision,
                database = current,
                "the read index is ahead of the database (restored from a backup?); rebuilding it"
            );
            return Ok(None);
        }
        if payload.revision < current {
            let oldest = feed::oldest(db).await.map_err(Unusable::Other)?;
            if oldest.is_none_or(|oldest| oldest > payload.revision + 1) {
                tracing::info!(
                    index = payload.revision,
                    database = current,
                    "the change feed no longer holds every change since the read index's revision; rebuilding it"
                );
                return Ok(None);
            }
        }
        self.install(engine, payload.revision);
        Ok(Some(payload.revision))
    }

    /// Builds the index from the database, replacing any other; returns its revision.
    pub async fn build(&self, db: &DatabaseConnection) -> Result<i64, DbErr> {
        let started = Instant::now();
        // Read first: what the build reads is at least this revision, and the feed's changes
        // after it are applied again (applying a change twice is harmless).
        let revision = revision::current(db).await?;
        let total: u64 = entity::publication::Entity::find()
            .select_only()
            .column_as(entity::publication::Column::Id.count(), "n")
            .into_tuple::<i64>()
            .one(db)
            .await?
            .map_or(0, |n| u64::try_from(n).unwrap_or(0));
        self.set_building(Some(Progress { indexed: 0, total }));
        tracing::info!(publications = total, "building the read index");
        let building = self
            .config
            .dir
            .as_ref()
            .map(|dir| dir.with_extension("building"));
        let (schema, fields) = document::schema();
        let index = match &building {
            Some(path) => {
                if path.exists() {
                    std::fs::remove_dir_all(path).map_err(index_error)?;
                }
                std::fs::create_dir_all(path).map_err(index_error)?;
                Index::create_in_dir(path, schema).map_err(index_error)?
            }
            None => Index::create_in_ram(schema),
        };
        index
            .tokenizers()
            .register(document::ANALYZER, document::analyzer());
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 4);
        let per_thread = usize::try_from(total)
            .unwrap_or(usize::MAX)
            .saturating_mul(200)
            .clamp(
                *BUILD_MEMORY_PER_THREAD.start(),
                *BUILD_MEMORY_PER_THREAD.end(),
            );
        let writer: IndexWriter = index
            .writer_with_num_threads(threads, threads * per_thread)
            .map_err(index_error)?;
        let context = document::Context::for_build(db).await?;
        let (first, last): (Option<i64>, Option<i64>) = entity::publication::Entity::find()
            .select_only()
            .column_as(entity::publication::Column::Id.min(), "first")
            .column_as(entity::publication::Column::Id.max(), "last")
            .into_tuple()
            .one(db)
            .await?
            .unwrap_or((None, None));
        let ranges: Vec<(i64, i64)> = match (first, last) {
            (Some(first), Some(last)) => (first..=last)
                .step_by(BUILD_CHUNK)
                .map(|lo| (lo, lo.saturating_add(BUILD_CHUNK as i64 - 1).min(last)))
                .collect(),
            _ => Vec::new(),
        };
        // The next ranges are read while the writer's threads index the last one.
        let mut batches =
            futures_util::stream::iter(ranges)
                .map(|(lo, hi)| {
                    let (context, fields) = (&context, &fields);
                    async move {
                        document::load(db, context, fields, document::Batch::Range(lo, hi)).await
                    }
                })
                .buffered(2);
        let mut indexed = 0u64;
        let mut logged = Instant::now();
        while let Some(docs) = batches.next().await {
            let docs = docs?;
            indexed += docs.len() as u64;
            for (_, doc) in docs {
                writer.add_document(doc).map_err(index_error)?;
            }
            self.set_building(Some(Progress { indexed, total }));
            if logged.elapsed() >= Duration::from_secs(5) {
                tracing::info!(indexed, total, "building the read index");
                logged = Instant::now();
            }
        }
        drop(batches);
        let payload = Payload::text(revision, &self.config.database)?;
        let built = tokio::task::spawn_blocking(move || -> tantivy::Result<Index> {
            let mut writer = writer;
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
            writer.wait_merging_threads()?;
            Ok(index)
        })
        .await
        .map_err(index_error)?
        .map_err(index_error)?;
        let engine = match (&self.config.dir, &building) {
            (Some(dir), Some(path)) => {
                drop(built);
                // The old engine (a rebuild) lets go of its files first.
                if let Ok(mut slot) = self.engine.write() {
                    *slot = None;
                }
                if dir.exists() {
                    std::fs::remove_dir_all(dir).map_err(index_error)?;
                }
                std::fs::rename(path, dir).map_err(index_error)?;
                let index = Index::open_in_dir(dir).map_err(index_error)?;
                open_engine(index).map_err(index_error)?
            }
            _ => open_engine(built).map_err(index_error)?,
        };
        self.set_building(None);
        self.install(engine, revision);
        tracing::info!(
            publications = indexed,
            revision,
            seconds = started.elapsed().as_secs_f64(),
            "built the read index"
        );
        Ok(revision)
    }

    /// Makes `engine` the one searches use, at `revision`.
    fn install(&self, engine: Engine, revision: i64) {
        if let Ok(mut slot) = self.engine.write() {
            *slot = Some(Arc::new(engine));
            self.epoch
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.applied.send_replace(revision);
    }

    fn set_building(&self, progress: Option<Progress>) {
        if let Ok(mut building) = self.building.lock() {
            *building = progress;
        }
    }

    /// Applies the feed's revisions up to `upto`: every publication they changed, directly or
    /// through an author, venue or topic, is read again (or dropped, if it is gone).
    pub async fn apply(
        &self,
        db: &DatabaseConnection,
        revisions: &[feed::Revision],
        upto: i64,
    ) -> Result<(), DbErr> {
        let engine = self.engine()?;
        let fields = engine.fields;
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        let mut through: Vec<Term> = Vec::new();
        for change in revisions.iter().flat_map(|r| &r.changes) {
            match change.entity {
                Entity::Publication => {
                    ids.insert(change.id);
                }
                Entity::Author => {
                    through.push(Term::from_field_u64(fields.authors, as_u64(change.id)))
                }
                Entity::Venue => {
                    through.push(Term::from_field_u64(fields.venue, as_u64(change.id)))
                }
                Entity::Topic => {
                    through.push(Term::from_field_u64(fields.topics, as_u64(change.id)))
                }
            }
        }
        if !through.is_empty() {
            let query = BooleanQuery::new(
                through
                    .into_iter()
                    .map(|term| {
                        (
                            Occur::Should,
                            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
                                as Box<dyn Query>,
                        )
                    })
                    .collect(),
            );
            let searcher = engine.reader.searcher();
            ids.extend(searcher.search(&query, &Ids).map_err(index_error)?);
        }
        if ids.is_empty() {
            if upto > self.applied() {
                self.applied.send_replace(upto);
            }
            return Ok(());
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let context = document::Context::load(db).await?;
        let mut docs = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            docs.extend(document::load(db, &context, &fields, document::Batch::Ids(chunk)).await?);
        }
        let payload = Payload::text(upto, &self.config.database)?;
        let writing = Arc::clone(&engine);
        let written = tokio::task::spawn_blocking(move || -> tantivy::Result<()> {
            let mut writer = writing
                .writer
                .lock()
                .map_err(|_| tantivy::TantivyError::InternalError("a writer panicked".into()))?;
            let write = || -> tantivy::Result<()> {
                for id in &ids {
                    writer.delete_term(Term::from_field_u64(fields.id, as_u64(*id)));
                }
                for (_, doc) in docs {
                    writer.add_document(doc)?;
                }
                let mut commit = writer.prepare_commit()?;
                commit.set_payload(&payload);
                commit.commit()?;
                Ok(())
            };
            if let Err(err) = write() {
                // Nothing of a failed write may stay pending: the next try starts from the
                // last commit, and applies these revisions again whole.
                if let Err(rollback) = writer.rollback() {
                    tracing::error!(error = %rollback, "cannot roll back the read index's writer");
                }
                return Err(err);
            }
            writing.reader.reload()?;
            Ok(())
        })
        .await
        .map_err(index_error)
        .and_then(|written| written.map_err(index_error));
        if let Err(err) = written {
            self.health.failed(format!(
                "cannot write the read index (revisions up to {upto} wait): {err}"
            ));
            return Err(err);
        }
        self.health.recovered();
        self.applied.send_replace(upto);
        Ok(())
    }

    /// A view of the index at `revision` or later, waiting for the feed to be applied up to
    /// it for at most the configured time.
    pub async fn at(&self, revision: i64) -> Result<Snapshot, ApiError> {
        // An index that cannot be written will not catch up by waiting: say so at once, so
        // that clients (and load balancers) turn to another instance.
        if self.applied() < revision
            && let Some(fault) = self.health.fault()
        {
            return Err(ApiError::NotReady(format!(
                "this instance's read index is behind the catalogue and repairing itself ({fault}); try again shortly"
            )));
        }
        let mut applied = self.applied.subscribe();
        let waited = tokio::time::timeout(
            self.config.wait,
            applied.wait_for(|applied| *applied >= revision),
        )
        .await;
        if !matches!(waited, Ok(Ok(_))) {
            let now = self.applied();
            return Err(ApiError::NotReady(match self.building() {
                Some(progress) => format!(
                    "this instance is building its read index ({} of {} publications); try again shortly",
                    progress.indexed, progress.total
                ),
                None if now == NOT_YET => {
                    "this instance has not opened its read index yet; try again shortly".into()
                }
                None => format!(
                    "this instance's read index is at revision {now}, behind the catalogue's {revision}; try again shortly"
                ),
            }));
        }
        let engine = self.engine().map_err(|_| {
            ApiError::NotReady(
                "this instance's read index is being rebuilt; try again shortly".into(),
            )
        })?;
        let searcher = engine.reader.searcher();
        Ok(Snapshot {
            view: format!(
                "{}.{}",
                self.epoch.load(std::sync::atomic::Ordering::Relaxed),
                searcher.generation().generation_id()
            ),
            searcher,
            fields: engine.fields,
            answers: Arc::clone(&self.answers),
            health: Arc::clone(&self.health),
            searchers: Arc::clone(&self.searchers),
        })
    }
}

impl Snapshot {
    /// Runs one list's index work. Without a search it runs where the request runs: such work
    /// takes a few milliseconds at most, and running it in place lets the lists of one request
    /// reach the row loaders together, so that their rows are read in one statement. With a
    /// search (which a request can make expensive) it runs on the blocking pool, one per core,
    /// within [`SEARCH_BUDGET`]. Either way a panic stays here: the request gets an error, and
    /// the index's files are checked.
    async fn run<T: Send + 'static>(
        &self,
        filter: &PublicationFilter,
        work: impl FnOnce(&Searcher) -> tantivy::Result<T> + Send + 'static,
    ) -> Result<T, DbErr> {
        let outcome = if filter.searches() == 0 {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&self.searcher)))
                .map_err(|_| "a search panicked".to_owned())
        } else {
            let permit = Arc::clone(&self.searchers)
                .acquire_owned()
                .await
                .map_err(index_error)?;
            let searcher = self.searcher.clone();
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let deadline = Instant::now() + SEARCH_BUDGET;
                budget::within(deadline, || work(&searcher))
            })
            .await
            .map_err(|err| format!("a search failed: {err}"))
        };
        match outcome {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(tantivy::TantivyError::InvalidArgument(message)))
                if message == budget::SPENT =>
            {
                Err(DbErr::Custom(format!(
                    "{OVER_BUDGET}{message} ({} s); search for fewer words, or with fewer searches in one filter",
                    SEARCH_BUDGET.as_secs()
                )))
            }
            Ok(Err(err)) => Err(self.suspect(err.to_string())),
            Err(panicked) => Err(self.suspect(panicked)),
        }
    }

    /// A search failed where it should not: the hub checks the index's files.
    fn suspect(&self, what: String) -> DbErr {
        tracing::error!(error = %what, "a search of the read index failed; checking its files");
        self.health.suspect.store(true, Ordering::Release);
        DbErr::Custom(format!("{UNAVAILABLE}{what}"))
    }
}

impl Snapshot {
    /// One page of the list `audience` sees under `filter`, and how many it holds in all.
    pub async fn page(
        &self,
        audience: Audience,
        filter: &PublicationFilter,
        spec: PageSpec,
    ) -> Result<Arc<PageFruit>, DbErr> {
        let key = self.key("page", audience, filter, &format!("{spec:?}"));
        if let Some(found) = self.answers.get::<Arc<PageFruit>>(&key) {
            return Ok(found);
        }
        let query = query::list_query(&self.fields, audience, filter);
        let found = Arc::new(
            self.run(filter, move |searcher| searcher.search(&*query, &spec))
                .await?,
        );
        self.answers.put(key, Arc::clone(&found));
        Ok(found)
    }

    /// The key of an answer: this view, what was asked, of which list.
    fn key(
        &self,
        asked: &str,
        audience: Audience,
        filter: &PublicationFilter,
        more: &str,
    ) -> String {
        let filter = serde_json::to_string(filter).unwrap_or_default();
        format!("{}|{asked}|{audience:?}|{filter}|{more}", self.view)
    }

    /// How many publications the list holds.
    pub async fn count(
        &self,
        audience: Audience,
        filter: &PublicationFilter,
    ) -> Result<u64, DbErr> {
        let query = query::list_query(&self.fields, audience, filter);
        self.run(filter, move |searcher| {
            Ok(searcher.search(&*query, &Count)? as u64)
        })
        .await
    }

    /// Counts per value of `dimensions` over the list.
    pub async fn facets(
        &self,
        audience: Audience,
        filter: &PublicationFilter,
        dimensions: Dimensions,
    ) -> Result<FacetCounts, DbErr> {
        let key = self.key("facets", audience, filter, &format!("{dimensions:?}"));
        if let Some(found) = self.answers.get::<Arc<FacetCounts>>(&key) {
            return Ok(FacetCounts::clone(&found));
        }
        let query = query::list_query(&self.fields, audience, filter);
        let found = self
            .run(filter, move |searcher| {
                searcher.search(&*query, &dimensions)
            })
            .await?;
        self.answers.put(key, Arc::new(found.clone()));
        Ok(found)
    }

    /// Which of `ids` the list holds.
    pub async fn matching(
        &self,
        audience: Audience,
        filter: &PublicationFilter,
        ids: &[i64],
    ) -> Result<Vec<i64>, DbErr> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let among = tantivy::query::TermSetQuery::new(
            ids.iter()
                .map(|id| Term::from_field_u64(self.fields.id, as_u64(*id))),
        );
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                query::list_query(&self.fields, audience, filter),
            ),
            (Occur::Must, Box::new(among)),
        ]);
        self.run(filter, move |searcher| searcher.search(&query, &Ids))
            .await
    }
}

/// What names a database in the index's payload: a digest of its URL without the password.
pub fn database_identity(redacted_url: &str) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(&Sha256::digest(redacted_url.as_bytes())[..8])
}
