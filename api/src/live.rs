//! Following the change feed: each instance reads every revision once, in order, and hands it
//! to its subscribers.
//!
//! On Postgres the [`Hub`] holds one `LISTEN` connection of its own (outside the request pool):
//! a notification says a revision was committed, on this instance or any other, and the hub
//! reads the feed from the last revision it applied up to the current one. When that connection
//! drops it reconnects with backoff, polling the table meanwhile, and catches up from the table,
//! so nothing is missed or handed out twice; it also polls now and then, in case a notification
//! is lost. On SQLite (one
//! instance by nature) a commit on this instance wakes the hub directly, and the poll picks up
//! changes made by another process (`api seed`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use entity::publication;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter};
use tokio::sync::{Notify, OnceCell, broadcast, watch};

use crate::index::ReadIndex;
use crate::service::feed::{self, Action};
use crate::service::listing::PublicationFilter;
use crate::service::{Audience, revision};

/// The applied revision before the hub could read one (the database was not ready).
pub const NOT_YET: i64 = -1;
/// How many revisions the hub hands out ahead of its slowest live subscriber; one that falls
/// further behind takes them from the recent revisions (or the feed) instead.
const BROADCAST_CAPACITY: usize = 16;
/// How many revisions the hub keeps for subscribers that resume or fall behind, and how many
/// changes they may hold together (an import is one revision of hundreds).
const RECENT_REVISIONS: usize = 1024;
const RECENT_CHANGES: usize = 50_000;
/// How many of the newest recent revisions keep what subscribers read of them (rows, which
/// changes each list holds); older ones keep only the changes, so that the memory a storm of
/// subscribers with distinct filters fills is given back as the feed moves on. (The broadcast
/// holds as many, so it keeps no older one alive.)
const RECENT_WITH_READS: usize = 16;
/// How many revisions are read from the feed in one statement; replays read chunks of this
/// many, aligned on multiples of it, so that subscribers resuming from nearby revisions share
/// them.
pub const READ_CHUNK: i64 = 100;
/// How often the hub looks at the revision without being told to.
const POLL: Duration = Duration::from_secs(2);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often old changes are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// What the instance knows of the feed, for `/readyz` and `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedStatus {
    /// The newest revision handed to subscribers.
    pub applied: i64,
    /// The newest revision the instance has heard of.
    pub latest: i64,
    /// Whether the instance is listening (always, on SQLite).
    pub listening: bool,
    pub subscriptions: usize,
}

impl FeedStatus {
    pub fn lag(&self) -> i64 {
        (self.latest - self.applied).max(0)
    }
}

/// One instance's follower of the change feed.
#[derive(Debug)]
pub struct Hub {
    db: DatabaseConnection,
    index: Arc<ReadIndex>,
    /// The Postgres URL for the listening connection; `None` on SQLite.
    listen_url: Option<String>,
    retention: Duration,
    applied: watch::Sender<i64>,
    latest: AtomicI64,
    listening: AtomicBool,
    wake: Notify,
    stopping: watch::Sender<bool>,
    revisions: broadcast::Sender<Arc<Batch>>,
    /// The last revisions handed out, for subscribers that resume or fall behind: they take
    /// these batches (and what the batches have read) rather than read the feed again.
    recent: Mutex<Recent>,
    /// Chunks of older revisions that subscribers are replaying from the feed table, read once
    /// and shared while any of them holds one.
    replays: Mutex<HashMap<i64, Weak<Replay>>>,
    /// The oldest revision the feed holds, as last read and when that read began: a crowd of
    /// subscribers resuming at once shares one read.
    oldest: tokio::sync::Mutex<Option<(std::time::Instant, Option<i64>)>>,
    /// Replays delivering a chunk at once: two per core.
    replaying: Arc<tokio::sync::Semaphore>,
    subscriptions: AtomicUsize,
    max_subscriptions: usize,
}

impl Hub {
    /// A hub that starts at the catalogue's current revision, once it can read it (a
    /// subscriber that wants older changes asks for them with `sinceRevision`, which reads the
    /// feed table).
    pub async fn start(
        db: DatabaseConnection,
        index: Arc<ReadIndex>,
        listen_url: Option<String>,
        retention: Duration,
        max_subscriptions: usize,
    ) -> Arc<Self> {
        // The hub starts where the read index is, once it is open or built (subscriptions and
        // reads wait for it).
        let current = NOT_YET;
        let hub = Arc::new(Self {
            listening: AtomicBool::new(listen_url.is_none()),
            db,
            index,
            listen_url,
            retention,
            applied: watch::Sender::new(current),
            latest: AtomicI64::new(current),
            wake: Notify::new(),
            stopping: watch::Sender::new(false),
            revisions: broadcast::Sender::new(BROADCAST_CAPACITY),
            recent: Mutex::new(Recent {
                floor: current,
                batches: VecDeque::new(),
                changes: 0,
            }),
            replays: Mutex::new(HashMap::new()),
            oldest: tokio::sync::Mutex::new(None),
            replaying: Arc::new(tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, usize::from),
            )),
            subscriptions: AtomicUsize::new(0),
            max_subscriptions,
        });
        tokio::spawn(Arc::clone(&hub).follow());
        tokio::spawn(Arc::clone(&hub).prune());
        hub
    }

    /// For a database that is not Postgres, `None`; otherwise the URL to listen with.
    pub fn listen_url_for(db: &DatabaseConnection, url: &str) -> Option<String> {
        (db.get_database_backend() == DbBackend::Postgres).then(|| url.to_owned())
    }

    pub fn status(&self) -> FeedStatus {
        FeedStatus {
            applied: *self.applied.borrow(),
            latest: self.latest.load(Ordering::Relaxed),
            listening: self.listening.load(Ordering::Relaxed),
            subscriptions: self.subscriptions.load(Ordering::Relaxed),
        }
    }

    /// Tells the hub that this instance committed a revision: it reads it now rather than
    /// when the notification (or the poll) comes.
    pub fn committed(&self, revision: i64) {
        self.latest.fetch_max(revision, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Stops following, and tells every subscriber to end (the server is shutting down).
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// The newest revision handed to subscribers, as it moves; [`NOT_YET`] until the hub has
    /// read one.
    pub fn applied(&self) -> watch::Receiver<i64> {
        self.applied.subscribe()
    }

    /// Resolves when the hub is stopping.
    pub fn stopped(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Revisions as the hub applies them. Subscribe before reading where to start, so that
    /// nothing falls between the two.
    pub fn revisions(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.revisions.subscribe()
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The instance's read index.
    pub fn index(&self) -> &Arc<ReadIndex> {
        &self.index
    }

    /// A view of the read index at `revision` or later: the hub reads the feed now if it is
    /// behind, and the caller waits (a bounded time) for it.
    pub async fn index_at(
        &self,
        revision: i64,
    ) -> Result<crate::index::Snapshot, crate::error::ApiError> {
        if self.index.applied() < revision {
            self.committed(revision);
        }
        self.index.at(revision).await
    }

    /// The revisions after `after` up to `upto` that changed something, as the hub handed
    /// them out, if it still holds them all.
    pub fn recent(&self, after: i64, upto: i64) -> Option<Vec<Arc<Batch>>> {
        let recent = self.recent.lock().ok()?;
        if after < recent.floor || upto > *self.applied.borrow() {
            return None;
        }
        Some(
            recent
                .batches
                .iter()
                .filter(|batch| (after + 1..=upto).contains(&batch.revision.revision))
                .cloned()
                .collect(),
        )
    }

    /// The revisions of the chunk of the feed that holds revision `after + 1`: the revisions
    /// after `start` up to `start + READ_CHUNK`, where `start` is `after` rounded down to a
    /// multiple of [`READ_CHUNK`]. Subscribers replaying the same stretch of the feed share
    /// one read of it (and what its batches read); a chunk that reaches past the revision the
    /// hub has applied is read for the caller alone, since more may still be added to it.
    pub async fn replay(&self, after: i64) -> Result<Arc<Replay>, DbErr> {
        let start = after.div_euclid(READ_CHUNK) * READ_CHUNK;
        let end = start + READ_CHUNK;
        let shared = end <= *self.applied.borrow();
        let replay = if shared {
            let Ok(mut replays) = self.replays.lock() else {
                return Err(DbErr::Custom("a replay panicked".into()));
            };
            replays.retain(|_, replay| replay.strong_count() > 0);
            match replays.get(&start).and_then(Weak::upgrade) {
                Some(replay) => replay,
                None => {
                    let replay = Arc::new(Replay {
                        end,
                        batches: OnceCell::new(),
                    });
                    replays.insert(start, Arc::downgrade(&replay));
                    replay
                }
            }
        } else {
            Arc::new(Replay {
                end,
                batches: OnceCell::new(),
            })
        };
        replay
            .batches
            .get_or_try_init(|| async {
                let revisions = feed::read(&self.db, start, end).await?;
                Ok::<_, DbErr>(
                    revisions
                        .into_iter()
                        .map(|revision| Arc::new(Batch::new(revision, Arc::clone(&self.index))))
                        .collect(),
                )
            })
            .await?;
        Ok(replay)
    }

    /// A turn to deliver a chunk of a replay, when one is free (`None` only if the hub is
    /// gone).
    pub async fn replay_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.replaying).acquire_owned().await.ok()
    }

    /// Which of `ids` are in the list `audience` sees under `filter`, as the index holds them
    /// now.
    pub async fn matching_now(
        &self,
        audience: Audience,
        filter: &PublicationFilter,
        ids: &[i64],
    ) -> Result<HashSet<i64>, DbErr> {
        matching_at(&self.index, self.index.applied(), audience, filter, ids).await
    }

    /// The oldest revision the change feed holds. Callers that ask while another reads it
    /// take that read's answer when it began after they asked, so a crowd of subscribers
    /// resuming at once reads it once, and nobody gets an answer older than their question.
    pub async fn oldest_revision(&self) -> Result<Option<i64>, DbErr> {
        let asked = std::time::Instant::now();
        let mut oldest = self.oldest.lock().await;
        if let Some((began, revision)) = *oldest
            && began >= asked
        {
            return Ok(revision);
        }
        let began = std::time::Instant::now();
        let revision = feed::oldest(&self.db).await?;
        *oldest = Some((began, revision));
        Ok(revision)
    }

    /// Takes a place for one more subscription, if the instance has one.
    pub fn admit(self: &Arc<Self>) -> Option<SubscriptionPlace> {
        let taken = self
            .subscriptions
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_subscriptions).then_some(n + 1)
            });
        taken.is_ok().then(|| SubscriptionPlace(Arc::clone(self)))
    }

    async fn follow(self: Arc<Self>) {
        let mut stopping = self.stopped();
        let mut backoff = BACKOFF_MIN;
        // The index first: the feed is followed from the revision it reflects.
        loop {
            let prepared = tokio::select! {
                prepared = self.index.prepare(&self.db) => prepared,
                _ = stopping.wait_for(|stop| *stop) => return,
            };
            match prepared {
                Ok(revision) => {
                    if let Ok(mut recent) = self.recent.lock() {
                        recent.floor = revision;
                    }
                    self.latest.fetch_max(revision, Ordering::Relaxed);
                    self.applied.send_replace(revision);
                    break;
                }
                Err(err) => {
                    tracing::warn!(error = %err, retry_in = ?backoff, "cannot open or build the read index");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = stopping.wait_for(|stop| *stop) => return,
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
        backoff = BACKOFF_MIN;
        loop {
            let mut listener = match &self.listen_url {
                None => None,
                Some(url) => match listen(url).await {
                    Ok(listener) => {
                        tracing::info!("listening for catalogue changes");
                        backoff = BACKOFF_MIN;
                        Some(listener)
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, retry_in = ?backoff, "cannot listen for catalogue changes");
                        self.listening.store(false, Ordering::Relaxed);
                        // Meanwhile the feed is polled, at the backoff's pace.
                        if let Err(err) = self.catch_up().await {
                            tracing::warn!(error = %err, "cannot read the change feed; retrying");
                        }
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            _ = stopping.wait_for(|stop| *stop) => return,
                        }
                        backoff = (backoff * 2).min(BACKOFF_MAX);
                        continue;
                    }
                },
            };
            self.listening.store(true, Ordering::Relaxed);
            loop {
                // After (re)connecting, this reads what was committed while not listening.
                if let Err(err) = self.catch_up().await {
                    tracing::warn!(error = %err, "cannot read the change feed; retrying");
                }
                let mut polled = false;
                let lost = tokio::select! {
                    notified = next_notification(listener.as_mut()) => match notified {
                        Ok(Some(revision)) => {
                            self.latest.fetch_max(revision, Ordering::Relaxed);
                            false
                        }
                        Ok(None) => true,
                        Err(err) => {
                            tracing::warn!(error = %err, "the change feed's listening connection failed");
                            true
                        }
                    },
                    () = self.wake.notified() => false,
                    () = tokio::time::sleep(POLL) => {
                        polled = true;
                        false
                    }
                    _ = stopping.wait_for(|stop| *stop) => return,
                };
                if polled && let Err(err) = self.stamp_outside_edits().await {
                    tracing::warn!(error = %err, "cannot stamp changes made outside the service");
                }
                if lost {
                    tracing::warn!("lost the listening connection; reconnecting");
                    self.listening.store(false, Ordering::Relaxed);
                    break;
                }
            }
        }
    }

    /// Gives changes made outside the service (SQL run by hand, which the triggers noted) a
    /// revision of their own, so that the read index and subscribers learn of them.
    async fn stamp_outside_edits(&self) -> Result<(), DbErr> {
        use sea_orm::TransactionTrait as _;
        if !feed::pending(&self.db).await? {
            return Ok(());
        }
        let txn = self.db.begin().await?;
        let revision = feed::record(&txn, "database").await?;
        txn.commit().await?;
        if let Some(revision) = revision {
            tracing::info!(revision, "stamped changes made outside the service");
            self.committed(revision);
        }
        Ok(())
    }

    /// Reads the feed from the last applied revision to the current one and hands each
    /// revision to the subscribers.
    async fn catch_up(&self) -> Result<(), DbErr> {
        // A search that failed may have found damage: the index is checked (and rebuilt)
        // before it is written again.
        self.index.check_if_suspect(&self.db).await?;
        let upto = revision::current(&self.db).await?;
        self.latest.fetch_max(upto, Ordering::Relaxed);
        let mut after = *self.applied.borrow();
        if after == NOT_YET {
            return Ok(());
        }
        while after < upto {
            let end = (after + READ_CHUNK).min(upto);
            let revisions = feed::read(&self.db, after, end).await?;
            // In runs where no publication changes twice, so that what the public could see
            // before each run is what it could see before each of its revisions.
            for run in runs_of_distinct_publications(revisions) {
                let Some(run_end) = run.last().map(|revision| revision.revision) else {
                    continue;
                };
                // Which of the publications the run changes the public could see before it:
                // an anonymous subscriber hears of no other.
                let was_public = Arc::new(self.public_before(&run).await?);
                // The index first, so that a subscriber's list reads it at this revision.
                self.index.apply(&self.db, &run, run_end).await?;
                for revision in run {
                    let number = revision.revision;
                    let batch = Arc::new(
                        Batch::new(revision, Arc::clone(&self.index))
                            .with_public_before(Arc::clone(&was_public)),
                    );
                    if let Ok(mut recent) = self.recent.lock() {
                        recent.push(Arc::clone(&batch));
                    }
                    // Applied before it is sent: a subscriber that subscribes, then reads
                    // where the hub is, starts there and receives every later revision.
                    self.applied.send_replace(number);
                    // No receiver is not an error: nobody subscribes.
                    let _ = self.revisions.send(batch);
                }
                self.applied.send_replace(run_end);
            }
            // Revisions that noted nothing move the index and the hub all the same.
            if self.index.applied() < end {
                self.index.apply(&self.db, &[], end).await?;
            }
            after = end;
            self.applied.send_replace(after);
        }
        Ok(())
    }

    /// Which publications `revisions` change are in the public's list now, before the index
    /// applies them.
    async fn public_before(&self, revisions: &[feed::Revision]) -> Result<HashSet<i64>, DbErr> {
        let ids: Vec<i64> = revisions
            .iter()
            .flat_map(feed::Revision::publications)
            .map(|(id, _)| id)
            .collect::<HashSet<i64>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        self.matching_now(Audience::Public, &PublicationFilter::default(), &ids)
            .await
    }

    async fn prune(self: Arc<Self>) {
        let mut stopping = self.stopped();
        loop {
            let before = chrono::Utc::now()
                - chrono::Duration::from_std(self.retention).unwrap_or(chrono::Duration::MAX);
            match feed::prune(&self.db, before).await {
                Ok(0) => {}
                Ok(rows) => tracing::info!(rows, "pruned old changes from the feed"),
                Err(err) => tracing::warn!(error = %err, "cannot prune the change feed"),
            }
            tokio::select! {
                () = tokio::time::sleep(PRUNE_EVERY) => {}
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        }
    }
}

/// Which of `ids` are in the list `audience` sees under `filter`, in a view of `index` at
/// `revision` or later.
async fn matching_at(
    index: &ReadIndex,
    revision: i64,
    audience: Audience,
    filter: &PublicationFilter,
    ids: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let snapshot = index
        .at(revision)
        .await
        .map_err(|err| DbErr::Custom(err.to_string()))?;
    Ok(snapshot
        .matching(audience, filter, ids)
        .await?
        .into_iter()
        .collect())
}

/// `revisions` cut, in order, into runs in which no publication changes twice.
fn runs_of_distinct_publications(revisions: Vec<feed::Revision>) -> Vec<Vec<feed::Revision>> {
    let mut runs: Vec<Vec<feed::Revision>> = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut current: Vec<feed::Revision> = Vec::new();
    for revision in revisions {
        let ids: Vec<i64> = revision.publications().map(|(id, _)| id).collect();
        if ids.iter().any(|id| seen.contains(id)) {
            runs.push(std::mem::take(&mut current));
            seen.clear();
        }
        seen.extend(ids);
        current.push(revision);
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The last revisions handed out: at most [`RECENT_REVISIONS`], holding at most
/// [`RECENT_CHANGES`] changes together.
#[derive(Debug)]
struct Recent {
    /// Every revision after this one that changed something is in `batches`.
    floor: i64,
    batches: VecDeque<Arc<Batch>>,
    /// The changes the batches hold together.
    changes: usize,
}

impl Recent {
    fn push(&mut self, batch: Arc<Batch>) {
        self.changes += batch.revision.changes.len();
        self.batches.push_back(batch);
        while self.batches.len() > RECENT_REVISIONS
            || (self.changes > RECENT_CHANGES && self.batches.len() > 1)
        {
            let Some(oldest) = self.batches.pop_front() else {
                break;
            };
            self.changes -= oldest.revision.changes.len();
            self.floor = oldest.revision.revision;
        }
        // What subscribers read of a batch is kept while it is new; then the batch is kept
        // bare (subscribers still holding the full one keep it until they let go).
        if let Some(aging) = self
            .batches
            .len()
            .checked_sub(RECENT_WITH_READS + 1)
            .and_then(|at| self.batches.get_mut(at))
        {
            *aging = Arc::new(aging.bare());
        }
    }
}

/// A chunk of old revisions read from the feed table for subscribers that replay it.
#[derive(Debug)]
pub struct Replay {
    /// The chunk holds the revisions up to this one.
    pub end: i64,
    batches: OnceCell<Vec<Arc<Batch>>>,
}

impl Replay {
    /// The chunk's batches, oldest first.
    pub fn batches(&self) -> &[Arc<Batch>] {
        self.batches.get().map_or(&[], Vec::as_slice)
    }
}

/// A subscription's place in the instance's limit, given back when dropped.
#[derive(Debug)]
pub struct SubscriptionPlace(Arc<Hub>);

impl Drop for SubscriptionPlace {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::AcqRel);
    }
}

type Listener = sea_orm::sqlx::postgres::PgListener;

async fn listen(url: &str) -> Result<Listener, sea_orm::sqlx::Error> {
    let mut listener = Listener::connect(url).await?;
    listener.listen(feed::CHANNEL).await?;
    Ok(listener)
}

/// The revision the next notification carries; `Ok(None)` when the connection was lost.
/// Without a listener (SQLite) it never resolves.
async fn next_notification(
    listener: Option<&mut Listener>,
) -> Result<Option<i64>, sea_orm::sqlx::Error> {
    let Some(listener) = listener else {
        return std::future::pending().await;
    };
    Ok(listener
        .try_recv()
        .await?
        .map(|notification| notification.payload().parse().unwrap_or(0)))
}

/// Which changed publications are in one list, read once.
type Matching = OnceCell<Arc<HashSet<i64>>>;

/// One revision as subscribers see it, with what they share: the changed publications' rows
/// and, per audience and filter, which of them are in the list (each read once, by the first
/// subscriber that needs it).
#[derive(Debug)]
pub struct Batch {
    pub revision: feed::Revision,
    index: Arc<ReadIndex>,
    /// Which changed publications the public could see before the revisions of this batch's
    /// chunk, when the hub knows (it asks the index before applying them); `None` for a
    /// revision read back from the feed table.
    public_before: Option<Arc<HashSet<i64>>>,
    rows: OnceCell<Arc<HashMap<i64, publication::Model>>>,
    matches: Mutex<HashMap<(Audience, String), Arc<Matching>>>,
}

impl Batch {
    pub fn new(revision: feed::Revision, index: Arc<ReadIndex>) -> Self {
        Self {
            revision,
            index,
            public_before: None,
            rows: OnceCell::new(),
            matches: Mutex::new(HashMap::new()),
        }
    }

    fn with_public_before(mut self, public: Arc<HashSet<i64>>) -> Self {
        self.public_before = Some(public);
        self
    }

    /// The same revision without what subscribers have read of it.
    fn bare(&self) -> Self {
        Self {
            revision: self.revision.clone(),
            index: Arc::clone(&self.index),
            public_before: self.public_before.clone(),
            rows: OnceCell::new(),
            matches: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the public may have seen publication `id` before this revision: it is
    /// published now (`row`), or the index said it was public before. For a revision read
    /// back from the feed table that cannot be known, and a draft is taken to have been one
    /// all along: a subscriber that resumes that far back and held the entry re-reads its
    /// list.
    pub fn public_may_have_seen(&self, id: i64, row: Option<&publication::Model>) -> bool {
        row.is_some_and(|row| row.status == publication::Status::Published)
            || self
                .public_before
                .as_ref()
                .is_some_and(|public| public.contains(&id))
    }

    fn changed_ids(&self) -> Vec<i64> {
        self.revision
            .publications()
            .filter(|(_, action)| *action != Action::Deleted)
            .map(|(id, _)| id)
            .collect()
    }

    /// The rows of the publications this revision changed (as they are now).
    pub async fn rows(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Arc<HashMap<i64, publication::Model>>, DbErr> {
        self.rows
            .get_or_try_init(|| async {
                let ids = self.changed_ids();
                if ids.is_empty() {
                    return Ok(Arc::new(HashMap::new()));
                }
                let rows = publication::Entity::find()
                    .filter(sea_orm::ColumnTrait::is_in(
                        &publication::Column::Id,
                        ids.iter().copied(),
                    ))
                    .all(db)
                    .await?;
                Ok(Arc::new(
                    rows.into_iter().map(|row| (row.id, row)).collect(),
                ))
            })
            .await
            .cloned()
    }

    /// Which changed publications are in the list `audience` sees under `filter` now.
    pub async fn matching(
        &self,
        db: &DatabaseConnection,
        audience: Audience,
        filter: &PublicationFilter,
        digest: &str,
    ) -> Result<Arc<HashSet<i64>>, DbErr> {
        let cell = {
            let Ok(mut matches) = self.matches.lock() else {
                return Err(DbErr::Custom("a subscriber panicked".into()));
            };
            Arc::clone(matches.entry((audience, digest.to_owned())).or_default())
        };
        cell.get_or_try_init(|| async {
            let ids = self.changed_ids();
            let found = if *filter == PublicationFilter::default() {
                // No filter: what the audience may see, read off the rows.
                let rows = self.rows(db).await?;
                ids.into_iter()
                    .filter(|id| {
                        rows.get(id).is_some_and(|row| {
                            audience == Audience::Editor
                                || row.status == publication::Status::Published
                        })
                    })
                    .collect()
            } else {
                matching_at(&self.index, self.revision.revision, audience, filter, &ids).await?
            };
            Ok(Arc::new(found))
        })
        .await
        .cloned()
    }
}
