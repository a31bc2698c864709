//! Live updates: `publicationEvents`, fed by the instance's [`Hub`].
//!
//! Each subscriber sees the change feed through its filter and audience. A change reaches it
//! when the publication is in its list after the change (CREATED or UPDATED, with the
//! publication), or may have been before (DELETED, or REMOVED when it left the list), so that
//! a page can drop an entry that left its filter. "May have been": the subscriber remembers
//! what it was told of each publication; of one it has not been told about, it cannot know
//! whether the page holds it, and says REMOVED, which a page treats as "drop it if present".

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::sync::Arc;

use async_graphql::{Context, Enum, ErrorExtensions as _, ID, Object, Subscription};
use chrono::{DateTime, Utc};
use entity::publication;
use futures_util::Stream;
use lru::LruCache;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{broadcast, watch};

use super::filters::PublicationFilterInput;
use super::publication::Publication;
use super::scalars::Timestamp;
use super::{GlobalId, NodeKind};
use crate::error::{ApiError, ApiResultExt as _};
use crate::live::{Batch, Hub, SubscriptionPlace};
use crate::service::feed::Action;
use crate::service::listing::PublicationFilter;
use crate::service::{Audience, revision};

/// How often in a row a subscriber waits for an unavailable database before it ends with
/// the error, and how long it waits the first time (then twice as long, and so on).
const MAX_RETRIES: u32 = 5;
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(200);
/// How long a subscriber behind the hub waits for it to read the revisions it needs.
const HUB_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);
/// How many publications a subscriber remembers being told about.
const REMEMBERED: usize = 4096;

#[derive(Default)]
pub struct Subscription;

/// Live updates, over the graphql-transport-ws protocol at `/graphql`.
#[Subscription]
impl Subscription {
    /// The catalogue's changes to the publications of a list, as they are committed on any
    /// instance, in revision order. `sinceRevision` first replays what happened after that
    /// revision (the `revision` of the last event seen), within the change feed's retention,
    /// then goes on live without a gap or a repeat. Anonymous subscribers see published
    /// entries only: one that is unpublished arrives as REMOVED, without its data. The token
    /// of an editor goes in `connection_init`'s payload: `{"Authorization": "Bearer ..."}`.
    async fn publication_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which publications to follow; the list's filter.")] filter: Option<
            PublicationFilterInput,
        >,
        #[graphql(
            desc = "Replay the changes after this revision before going on live; at most the feed's retention back."
        )]
        since_revision: Option<i64>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<PublicationEvent>> + use<>>
    {
        let hub = Arc::clone(ctx.data::<Arc<Hub>>()?);
        let db = ctx.data::<DatabaseConnection>()?.clone();
        let audience = *ctx.data::<Audience>()?;
        let filter = filter
            .map(|filter| filter.parse("filter"))
            .transpose()
            .gql()?
            .unwrap_or_default();
        let place = hub.admit().ok_or_else(|| {
            ApiError::TooManySubscriptions(
                "this instance holds as many subscriptions as it may; try again later".into(),
            )
            .extend()
        })?;
        // Subscribed before the revision is read: nothing handed out after it can be missed.
        // The hub's revision is the one to start from; the database is asked only before the
        // hub has one, or when a client resumes from a newer one (read on another instance).
        let revisions = hub.revisions();
        let applied = hub.status().applied;
        let current = if applied == crate::live::NOT_YET
            || since_revision.is_some_and(|since| since > applied)
        {
            revision::current(&db).await.gql()?
        } else {
            applied
        };
        let start = match since_revision {
            None => current,
            Some(since) => resume_point(&hub, since, current).await?,
        };
        let follower = Follower {
            digest: filter.digest(),
            stopping: hub.stopped(),
            db,
            audience,
            filter,
            revisions,
            delivered: start,
            replay_upto: current,
            queue: VecDeque::new(),
            remembered: LruCache::new(NonZeroUsize::new(REMEMBERED).unwrap_or(NonZeroUsize::MIN)),
            hub,
            done: false,
            failures: 0,
            _place: place,
        };
        Ok(futures_util::stream::unfold(follower, Follower::next))
    }
}

/// Checks that the feed still holds every revision after `since`.
async fn resume_point(hub: &Hub, since: i64, current: i64) -> async_graphql::Result<i64> {
    if since < 0 || since > current {
        return Err(ApiError::bad_input(
            "sinceRevision",
            format!("must be between 0 and the catalogue's revision, {current}"),
        )
        .extend());
    }
    if since == current {
        return Ok(since);
    }
    let oldest = hub.oldest_revision().await.gql()?;
    match oldest {
        Some(oldest) if oldest <= since + 1 => Ok(since),
        _ => Err(ApiError::RevisionExpired(format!(
            "the change feed no longer holds the revisions after {since}{}; re-read the list, then subscribe without sinceRevision",
            oldest.map_or_else(String::new, |o| format!(" (its oldest is {o})"))
        ))
        .extend()),
    }
}

/// What happened to a publication, as the subscriber's list sees it.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PublicationEventKind {
    /// Created, and in the list.
    Created,
    /// Changed, and in the list now (it may just have entered it).
    Updated,
    /// Deleted from the catalogue.
    Deleted,
    /// Not in the list (any more): it left the filter or, for anonymous subscribers, is no
    /// longer published. Drop it if the page shows it.
    Removed,
}

/// One publication's change at one revision.
#[derive(Debug, Clone)]
pub struct PublicationEvent {
    revision: i64,
    kind: PublicationEventKind,
    id: i64,
    row: Option<publication::Model>,
    at: DateTime<Utc>,
}

/// An event waiting in a subscriber's queue: the row stays in the revision's shared rows
/// until the event is sent, so that a revision of hundreds of changes is not copied once per
/// subscriber.
struct Pending {
    revision: i64,
    kind: PublicationEventKind,
    id: i64,
    rows: Option<Arc<std::collections::HashMap<i64, publication::Model>>>,
    at: DateTime<Utc>,
}

impl Pending {
    fn event(self) -> PublicationEvent {
        PublicationEvent {
            revision: self.revision,
            kind: self.kind,
            id: self.id,
            row: self.rows.and_then(|rows| rows.get(&self.id).cloned()),
            at: self.at,
        }
    }
}

/// One publication's change, as the subscriber's list sees it.
#[Object]
impl PublicationEvent {
    /// The catalogue revision of the change; resume from the last one seen with
    /// `sinceRevision`. Several events may share a revision (one edit that changed several
    /// publications).
    async fn revision(&self) -> i64 {
        self.revision
    }

    /// What happened, as the subscriber's list sees it.
    async fn kind(&self) -> PublicationEventKind {
        self.kind
    }

    /// The publication's id, whatever the kind.
    async fn publication_id(&self) -> ID {
        GlobalId::new(NodeKind::Publication, self.id).encode()
    }

    /// The publication as the instance read it when it first sent this revision, right after
    /// the commit; null for DELETED and REMOVED.
    async fn publication(&self) -> Option<Publication> {
        self.row.clone().map(Publication)
    }

    /// When the change was committed.
    async fn changed_at(&self) -> Timestamp {
        Timestamp(self.at)
    }
}

/// One subscriber's walk along the feed.
struct Follower {
    hub: Arc<Hub>,
    db: DatabaseConnection,
    audience: Audience,
    filter: PublicationFilter,
    digest: String,
    revisions: broadcast::Receiver<Arc<Batch>>,
    stopping: watch::Receiver<bool>,
    /// The newest revision handed out.
    delivered: i64,
    /// Revisions up to this one are read from the feed table, not taken from the hub.
    replay_upto: i64,
    queue: VecDeque<Pending>,
    /// Whether each publication the subscriber was told about is in its list.
    remembered: LruCache<i64, bool>,
    done: bool,
    /// Database errors in a row.
    failures: u32,
    _place: SubscriptionPlace,
}

impl Follower {
    async fn next(mut self) -> Option<(async_graphql::Result<PublicationEvent>, Self)> {
        loop {
            if let Some(pending) = self.queue.pop_front() {
                return Some((Ok(pending.event()), self));
            }
            if self.done {
                return None;
            }
            let batches = if self.delivered < self.replay_upto {
                // Replays take turns, a few at a time, chunk by chunk, to sort their chunk's
                // changes: a crowd of subscribers resuming from long ago shares the cores
                // with everything else rather than taking them all. (The turn is not held
                // while the events go out, which is at the client's pace.)
                let turn = tokio::select! {
                    turn = self.hub.replay_turn() => turn,
                    _ = self.stopping.wait_for(|stop| *stop) => return None,
                };
                // Behind: the hub's recent revisions if it still holds them, else a chunk
                // of the feed table; either way shared with the other subscribers.
                let end = (self.delivered + crate::live::READ_CHUNK).min(self.replay_upto);
                // The hub may be a moment behind the revision read when subscribing: it is
                // waited for (briefly) rather than read again from the feed table.
                if self.hub.status().applied < end {
                    let mut applied = self.hub.applied();
                    let _ = tokio::time::timeout(
                        HUB_PATIENCE,
                        applied.wait_for(|applied| *applied >= end),
                    )
                    .await;
                }
                let (batches, end) = match self.hub.recent(self.delivered, end) {
                    Some(batches) => (batches, end),
                    None => match self.hub.replay(self.delivered).await {
                        Ok(replay) => {
                            let end = replay.end.min(self.replay_upto);
                            let batches = replay
                                .batches()
                                .iter()
                                .filter(|batch| batch.revision.revision <= end)
                                .cloned()
                                .collect();
                            (batches, end)
                        }
                        Err(err) => match self.retry(err).await {
                            Ok(()) => continue,
                            Err(err) => return self.fail(err),
                        },
                    },
                };
                let taken = self.take(&batches).await;
                drop(turn);
                if let Err(err) = taken {
                    match self.retry(err).await {
                        Ok(()) => continue,
                        Err(err) => return self.fail(err),
                    }
                }
                self.delivered = self.delivered.max(end);
                self.failures = 0;
                continue;
            } else if self.hub.status().applied == crate::live::NOT_YET {
                // The hub has not read the feed yet (the database was down at start): what it
                // reads first may be past this subscriber's start, so wait for it, then read
                // the difference.
                let mut applied = self.hub.applied();
                tokio::select! {
                    _ = applied.wait_for(|applied| *applied != crate::live::NOT_YET) => {
                        self.replay_upto = self.replay_upto.max(self.hub.status().applied);
                        continue;
                    }
                    _ = self.stopping.wait_for(|stop| *stop) => return None,
                }
            } else {
                tokio::select! {
                    received = self.revisions.recv() => match received {
                        Ok(batch) => vec![batch],
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            // Fell behind the hub: catch up as a resuming subscriber does.
                            self.replay_upto = self.hub.status().applied;
                            continue;
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = self.stopping.wait_for(|stop| *stop) => return None,
                }
            };
            if let Err(err) = self.take(&batches).await {
                // What was taken stays delivered; the rest of the batch is read again.
                match self.retry(err).await {
                    Ok(()) => {
                        self.replay_upto = self.replay_upto.max(
                            batches
                                .last()
                                .map_or(self.delivered, |batch| batch.revision.revision),
                        );
                        continue;
                    }
                    Err(err) => return self.fail(err),
                }
            }
            self.failures = 0;
        }
    }

    /// After a database error: waits a moment and says to try again, unless the database has
    /// failed too often in a row, or the error is not one of its being unavailable.
    async fn retry(&mut self, err: DbErr) -> Result<(), DbErr> {
        let transient = crate::error::connection_lost(&err);
        self.failures += 1;
        if !transient || self.failures > MAX_RETRIES {
            return Err(err);
        }
        tracing::warn!(error = %err, attempt = self.failures, "a subscriber waits for the database");
        tokio::time::sleep(RETRY_PAUSE * self.failures).await;
        Ok(())
    }

    /// Queues the events of `batches` that this subscriber sees.
    async fn take(&mut self, batches: &[Arc<Batch>]) -> Result<(), DbErr> {
        // Over several revisions (a replay), which of their publications the list holds is
        // asked of the index once: it answers as of now, whichever revision asks.
        let across = if batches.len() > 1 && self.filter != PublicationFilter::default() {
            let ids: Vec<i64> = batches
                .iter()
                .filter(|batch| batch.revision.revision > self.delivered)
                .flat_map(|batch| batch.revision.publications())
                .filter(|(_, action)| *action != Action::Deleted)
                .map(|(id, _)| id)
                .collect::<std::collections::HashSet<i64>>()
                .into_iter()
                .collect();
            Some(Arc::new(
                self.hub
                    .matching_now(self.audience, &self.filter, &ids)
                    .await?,
            ))
        } else {
            None
        };
        for batch in batches {
            let revision = batch.revision.revision;
            if revision <= self.delivered {
                continue;
            }
            let changes: Vec<(i64, Action)> = batch.revision.publications().collect();
            if !changes.is_empty() {
                let rows = batch.rows(&self.db).await?;
                let matching = match &across {
                    Some(across) => Arc::clone(across),
                    None => {
                        batch
                            .matching(&self.db, self.audience, &self.filter, &self.digest)
                            .await?
                    }
                };
                for (id, action) in changes {
                    if action != Action::Deleted && !rows.contains_key(&id) {
                        // Deleted since (a replay reads the rows as they are now): its
                        // deletion, at a later revision, is the event to send.
                        continue;
                    }
                    let before = if action == Action::Created {
                        Some(false)
                    } else {
                        self.remembered.get(&id).copied()
                    };
                    let after = action != Action::Deleted && matching.contains(&id);
                    if !after
                        && before.is_none()
                        && self.audience == Audience::Public
                        && !batch.public_may_have_seen(id, rows.get(&id))
                    {
                        // A draft the public never saw: its changes are nobody's business
                        // outside the editors.
                        self.remembered.put(id, false);
                        continue;
                    }
                    let kind = match (after, action, before) {
                        (true, Action::Created, _) => PublicationEventKind::Created,
                        (true, _, _) => PublicationEventKind::Updated,
                        (false, _, Some(false)) => continue,
                        (false, Action::Deleted, _) => PublicationEventKind::Deleted,
                        (false, _, _) => PublicationEventKind::Removed,
                    };
                    self.remembered.put(id, after);
                    self.queue.push_back(Pending {
                        revision,
                        kind,
                        id,
                        rows: after.then(|| Arc::clone(&rows)),
                        at: batch.revision.at,
                    });
                }
            }
            self.delivered = revision;
        }
        Ok(())
    }

    /// Ends the subscription with an error: the client resumes from the last revision it saw.
    fn fail(mut self, err: DbErr) -> Option<(async_graphql::Result<PublicationEvent>, Self)> {
        self.done = true;
        self.queue.clear();
        let err = ApiError::from(err).extend();
        Some((Err(err), self))
    }
}
