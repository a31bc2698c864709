//! The subscriptions scenario: live updates delivered to many subscribers spread over
//! several instances of the service on one database, while editors change publications at
//! a steady rate.
//!
//! Every subscriber opens a WebSocket to `/graphql` (graphql-transport-ws), initialises it
//! anonymously and subscribes to `publicationEvents` from the catalogue's current revision,
//! unfiltered; subscriber `i` goes to instance `i % instances`. Once every instance's
//! `graphql_subscriptions` gauge shows its subscribers, a ticker sends `updatePublication`
//! (a new `url`) at the given rate, alternating the instances, each on a published
//! publication of its own, so that every mutation is one event for every subscriber. After
//! the last answer the subscribers wait [`GRACE`] for stragglers, then say what they got.
//!
//! Delivery latency is the instant a subscriber read the event minus the instant the
//! mutation's request was sent, both on this process's monotonic clock: it includes the
//! mutation's own work up to its commit, which is the closest point to the commit a client
//! can observe (the HTTP answer may come after some events do).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::load::{Api, Outcome, Tally};
use crate::scenarios::{global_id, rows};
use crate::server;

/// The delivery latency target at the 99th percentile.
pub const TARGET_P99_MS: f64 = 100.0;
/// How long subscribers keep reading after the last mutation was answered.
pub const GRACE: Duration = Duration::from_secs(3);
/// WebSockets opened at once while subscribers connect.
const CONNECTING: usize = 32;
/// How long the instances have to show every subscription on `/metrics`.
const SETTLE: Duration = Duration::from_secs(60);
/// How often `/metrics` is read while mutations run.
const MONITOR_EVERY: Duration = Duration::from_secs(1);

/// What every subscriber follows: every publication it may see, from `$since` on.
pub const SUBSCRIPTION: &str = "subscription Live($since: Int) { publicationEvents(sinceRevision: $since) { revision kind publicationId changedAt } }";
/// The edit each mutation makes.
const EDIT: &str = "mutation LiveEdit($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { version } userErrors { code message } } }";

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How the scenario runs.
#[derive(Debug, Clone)]
pub struct Plan {
    pub subscribers: usize,
    pub mutations_per_second: f64,
    /// Mutations before the measured window: their events are counted (every subscriber
    /// should get them too), their latencies are not.
    pub warmup: Duration,
    pub duration: Duration,
}

impl Plan {
    fn warmup_mutations(&self) -> usize {
        (self.warmup.as_secs_f64() * self.mutations_per_second).round() as usize
    }

    fn measured_mutations(&self) -> usize {
        ((self.duration.as_secs_f64() * self.mutations_per_second).round() as usize).max(1)
    }

    /// Every mutation the run sends, warm-up included.
    pub fn mutations(&self) -> usize {
        self.warmup_mutations() + self.measured_mutations()
    }
}

/// One instance of the service, as the scenario reaches it.
pub struct Instance {
    pub name: String,
    pub api: Api,
}

/// What the scenario prepared in the database: the publications to edit, one per mutation.
pub struct Prepared {
    /// Global id and version of each, in the order they are edited.
    pub edits: Vec<(String, i64)>,
}

/// Picks one published publication per mutation of `plan`, with its version.
pub async fn prepare(db: &DatabaseConnection, plan: &Plan) -> anyhow::Result<Prepared> {
    let wanted = plan.mutations();
    let sample = rows(
        db,
        &format!(
            "SELECT id, version FROM publication WHERE status = 'published' ORDER BY id LIMIT {wanted}"
        ),
    )
    .await?;
    let mut edits = Vec::with_capacity(sample.len());
    for row in sample {
        let id: i64 = row.try_get_by_index(0).context("publication id")?;
        let version: i32 = row.try_get_by_index(1).context("publication version")?;
        edits.push((global_id("Publication", id), i64::from(version)));
    }
    if edits.len() < wanted {
        bail!(
            "the run edits {wanted} published publications, one per mutation, and the catalogue \
             has {}; generate a larger one, or lower --duration or --mutations-per-second",
            edits.len()
        );
    }
    Ok(Prepared { edits })
}

/// What the subscribers and the mutations share: for each mutation (by its number), when
/// it was sent, from which instance and whether it was committed.
struct Ledger {
    epoch: Instant,
    /// Publication global id to the number of the mutation that edits it.
    number: HashMap<String, usize>,
    /// Nanoseconds after `epoch`; 0 until sent.
    sent: Vec<AtomicU64>,
    instance: Vec<AtomicU8>,
    committed: Vec<AtomicBool>,
    /// Mutations below this number are the warm-up.
    warmup: usize,
}

impl Ledger {
    fn new(prepared: &Prepared, plan: &Plan) -> Self {
        let n = plan.mutations();
        Self {
            epoch: Instant::now(),
            number: prepared
                .edits
                .iter()
                .take(n)
                .enumerate()
                .map(|(number, (id, _))| (id.clone(), number))
                .collect(),
            sent: (0..n).map(|_| AtomicU64::new(0)).collect(),
            instance: (0..n).map(|_| AtomicU8::new(0)).collect(),
            committed: (0..n).map(|_| AtomicBool::new(false)).collect(),
            warmup: plan.warmup_mutations(),
        }
    }

    fn nanos(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// How one subscriber's subscription ended before it was told to stop.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ended {
    /// The close code, or 0 when the server completed the subscription or sent `error`.
    code: u16,
    reason: String,
}

/// What one subscriber got.
struct Received {
    instance: usize,
    /// The revision of the event seen for each mutation; 0 when none came.
    seen: Vec<i64>,
    /// Microseconds from mutation sent to event read, measured mutations only, when the
    /// mutation went to this subscriber's instance and when it went to another.
    same: Vec<u32>,
    other: Vec<u32>,
    duplicates: u64,
    /// A second event, at another revision, for a publication a mutation edited.
    extra: u64,
    /// Events for publications no mutation edited.
    foreign: u64,
    /// Events with a lower revision than one before them.
    out_of_order: u64,
    /// Events whose kind is not UPDATED.
    odd_kind: u64,
    /// `next` messages carrying errors, or that could not be read.
    errors: u64,
    first_error: Option<String>,
    ended: Option<Ended>,
}

impl Received {
    fn new(instance: usize, mutations: usize) -> Self {
        Self {
            instance,
            seen: vec![0; mutations],
            same: Vec::new(),
            other: Vec::new(),
            duplicates: 0,
            extra: 0,
            foreign: 0,
            out_of_order: 0,
            odd_kind: 0,
            errors: 0,
            first_error: None,
            ended: None,
        }
    }

    fn error(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Next {
    payload: NextPayload,
}

#[derive(Deserialize)]
struct NextPayload {
    data: Option<EventData>,
    errors: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventData {
    publication_events: Event,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    revision: i64,
    kind: String,
    publication_id: String,
}

/// Opens a WebSocket to `api`'s `/graphql`, initialises it anonymously and subscribes to
/// every publication's events after revision `since`.
async fn open(api: &Api, since: i64) -> anyhow::Result<Socket> {
    let url = format!("{}/graphql", api.base_url.replacen("http", "ws", 1));
    let mut request = url
        .as_str()
        .into_client_request()
        .with_context(|| format!("{url} is not a WebSocket URL"))?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, None, true)
        .await
        .with_context(|| format!("failed to open a WebSocket to {url}"))?;
    let send = |message: Value| Message::text(message.to_string());
    socket
        .send(send(json!({ "type": "connection_init", "payload": {} })))
        .await
        .context("failed to send connection_init")?;
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(30), socket.next())
            .await
            .context("no connection_ack within 30 s")?;
        match frame {
            Some(Ok(Message::Text(text))) => {
                let kind: Kind = serde_json::from_str(text.as_str())
                    .with_context(|| format!("an unreadable message: {text}"))?;
                match kind.kind.as_str() {
                    "connection_ack" => break,
                    "ping" => socket
                        .send(send(json!({ "type": "pong" })))
                        .await
                        .context("failed to answer a ping")?,
                    _ => bail!("expected connection_ack, got {text}"),
                }
            }
            Some(Ok(Message::Close(frame))) => {
                bail!("the server closed the WebSocket before connection_ack: {frame:?}")
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => {
                return Err(err).context("the WebSocket failed before connection_ack");
            }
            None => bail!("the WebSocket ended before connection_ack"),
        }
    }
    socket
        .send(send(json!({
            "type": "subscribe",
            "id": "1",
            "payload": { "query": SUBSCRIPTION, "variables": { "since": since } },
        })))
        .await
        .context("failed to subscribe")?;
    Ok(socket)
}

/// Reads one subscriber's events until `stop`, answering pings.
async fn listen(
    mut socket: Socket,
    instance: usize,
    ledger: Arc<Ledger>,
    mut stop: watch::Receiver<bool>,
) -> Received {
    let mut received = Received::new(instance, ledger.sent.len());
    let mut last_revision = 0;
    loop {
        let frame = tokio::select! {
            frame = socket.next() => frame,
            () = stopped(&mut stop) => {
                let _ = socket.close(None).await;
                return received;
            }
        };
        let at = Instant::now();
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                received.ended = Some(frame.map_or_else(
                    || Ended {
                        code: 1005,
                        reason: String::new(),
                    },
                    |frame| Ended {
                        code: frame.code.into(),
                        reason: frame.reason.to_string(),
                    },
                ));
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => {
                received.ended = Some(Ended {
                    code: 1006,
                    reason: format!("the connection failed: {err}"),
                });
                break;
            }
            None => {
                received.ended = Some(Ended {
                    code: 1006,
                    reason: "the connection dropped".into(),
                });
                break;
            }
        };
        let kind = match serde_json::from_str::<Kind>(text.as_str()) {
            Ok(kind) => kind.kind,
            Err(err) => {
                received.error(format!("an unreadable message ({err}): {text}"));
                continue;
            }
        };
        match kind.as_str() {
            "next" => match serde_json::from_str::<Next>(text.as_str()) {
                Ok(Next {
                    payload:
                        NextPayload {
                            data: Some(data),
                            errors: None,
                        },
                }) => take(
                    &mut received,
                    &ledger,
                    &data.publication_events,
                    at,
                    &mut last_revision,
                ),
                Ok(_) => received.error(format!("an event with errors: {text}")),
                Err(err) => received.error(format!("an unreadable event ({err}): {text}")),
            },
            "ping" => {
                let pong = Message::text(json!({ "type": "pong" }).to_string());
                if let Err(err) = socket.send(pong).await {
                    received.ended = Some(Ended {
                        code: 1006,
                        reason: format!("failed to answer a ping: {err}"),
                    });
                    break;
                }
            }
            "pong" => {}
            "error" | "complete" => {
                received.ended = Some(Ended {
                    code: 0,
                    reason: format!("the server ended the subscription: {text}"),
                });
                // The socket stays open; nothing more comes for this subscription.
            }
            _ => received.error(format!("an unexpected message: {text}")),
        }
    }
    // The server ended the connection. The subscriber does not reconnect (what it missed
    // counts as lost); it waits for the stop like the others.
    stopped(&mut stop).await;
    received
}

/// Resolves when the run tells its tasks to stop (or can no longer tell them anything).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Counts one event against the mutation that caused it.
fn take(
    received: &mut Received,
    ledger: &Ledger,
    event: &Event,
    at: Instant,
    last_revision: &mut i64,
) {
    if event.revision < *last_revision {
        received.out_of_order += 1;
    }
    *last_revision = (*last_revision).max(event.revision);
    let Some(&number) = ledger.number.get(&event.publication_id) else {
        received.foreign += 1;
        return;
    };
    let sent = ledger.sent[number].load(Ordering::Acquire);
    if sent == 0 {
        // An event for a publication whose mutation has not been sent: another change.
        received.foreign += 1;
        return;
    }
    match received.seen[number] {
        0 => received.seen[number] = event.revision,
        seen if seen == event.revision => {
            received.duplicates += 1;
            return;
        }
        _ => {
            received.extra += 1;
            return;
        }
    }
    if event.kind != "UPDATED" {
        received.odd_kind += 1;
    }
    if number >= ledger.warmup {
        let micros = (ledger.nanos(at).saturating_sub(sent) / 1000).max(1);
        let micros = u32::try_from(micros).unwrap_or(u32::MAX);
        if usize::from(ledger.instance[number].load(Ordering::Relaxed)) == received.instance {
            received.same.push(micros);
        } else {
            received.other.push(micros);
        }
    }
}

/// Percentiles of one set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Latency {
    pub events: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(histogram: &Histogram<u64>) -> Self {
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        Self {
            events: histogram.len(),
            p50_ms: ms(0.50),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            max_ms: ms(1.0),
        }
    }
}

/// One instance's figures.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceFigures {
    pub name: String,
    pub base_url: String,
    pub subscribers: usize,
    /// Mutations sent to it.
    pub mutations: u64,
    /// Latency of the events its subscribers read.
    pub latency: Latency,
    /// Events its subscribers missed.
    pub events_lost: u64,
    /// The largest `feed_lag_revisions` read on its `/metrics` while mutations ran.
    pub max_feed_lag_revisions: Option<f64>,
    /// `graphql_subscriptions` on its `/metrics` after the grace period.
    pub subscriptions_at_end: Option<f64>,
    /// Peak resident memory (VmHWM), in MiB; filled in by the caller, which owns the process.
    pub peak_rss_mib: Option<f64>,
}

/// Subscriptions the server ended, by how.
#[derive(Debug, Clone, Serialize)]
pub struct EndedCount {
    /// The close code; 0 when the server sent `error` or `complete` instead.
    pub code: u16,
    pub subscribers: u64,
    pub first_reason: String,
}

/// What the subscribers read, over every mutation of the run (warm-up included: every
/// subscription was set up before the first one).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Events {
    /// Subscribers times committed mutations.
    pub expected: u64,
    /// Events read for committed mutations, one per subscriber and mutation at most.
    pub received: u64,
    /// Expected and not received.
    pub lost: u64,
    /// Of those, the ones of subscriptions the server ended (closed, or `error` or `complete`
    /// sent); the rest were still not delivered [`GRACE`] after the last mutation's answer.
    pub lost_ended: u64,
    /// An event for the same subscriber, revision and publication seen again.
    pub duplicated: u64,
    /// Events at another revision for a publication already reported to that subscriber.
    pub extra: u64,
    /// Events for a mutation whose answer did not say it was committed.
    pub unconfirmed: u64,
    /// Events for publications no mutation of the run had edited yet.
    pub foreign: u64,
    /// Events with a lower revision than one the subscriber read before.
    pub out_of_order: u64,
    /// Events for the edits whose kind was not UPDATED.
    pub odd_kind: u64,
    /// `next` messages with errors, or unreadable, or messages of no known type.
    pub errors: u64,
    pub first_error: Option<String>,
}

/// The scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub subscribers: usize,
    pub instances: Vec<InstanceFigures>,
    /// How long opening, initialising and subscribing every WebSocket took, until every
    /// instance's gauge showed them.
    pub connect_seconds: f64,
    pub mutations_per_second_target: f64,
    /// Mutations sent per second over the measured window.
    pub mutations_per_second: f64,
    pub warmup_mutations: usize,
    pub measured_mutations: usize,
    pub mutations_committed: u64,
    pub mutation_conflicts: u64,
    pub mutation_errors: u64,
    pub mutation_first_error: Option<String>,
    /// The mutations' round trips (sent to answered).
    pub mutation_latency: Latency,
    /// Mutation sent to event read, every subscriber, measured window.
    pub latency: Latency,
    /// The same, when the subscriber's instance is the one that took the mutation.
    pub latency_same_instance: Latency,
    /// The same, when another instance took it (the path through Postgres `NOTIFY`).
    pub latency_other_instance: Latency,
    pub events: Events,
    pub ended: Vec<EndedCount>,
}

/// Reads the catalogue's revision.
async fn revision(api: &Api) -> anyhow::Result<i64> {
    api.query(&json!({ "query": "{ revision }" }), None)
        .await?
        .get("revision")
        .and_then(Value::as_i64)
        .context("the answer has no revision")
}

/// Waits until every instance's `graphql_subscriptions` gauge shows its subscribers.
async fn settle(instances: &[Instance], wanted: &[usize]) -> anyhow::Result<()> {
    let deadline = Instant::now() + SETTLE;
    loop {
        let mut counts = Vec::with_capacity(instances.len());
        for instance in instances {
            let scrape = server::scrape(&instance.api.client, &instance.api.base_url).await?;
            counts.push(scrape.subscriptions.unwrap_or(0.0));
        }
        if counts
            .iter()
            .zip(wanted)
            .all(|(count, wanted)| *count >= *wanted as f64)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!(
                "after {} s the instances hold {counts:?} subscriptions of {wanted:?}",
                SETTLE.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends mutation `number` to `instance` and records it in the ledger.
async fn mutate(
    ledger: &Ledger,
    instance: usize,
    api: &Api,
    token: &str,
    number: usize,
    (id, version): &(String, i64),
) -> (Duration, Outcome) {
    let body = json!({
        "query": EDIT,
        "variables": { "input": {
            "id": id,
            "expectedVersion": version,
            "url": format!("https://papers.example.org/live/{number}-{version}"),
        } },
    })
    .to_string();
    let started = Instant::now();
    ledger.instance[number].store(u8::try_from(instance).unwrap_or(u8::MAX), Ordering::Relaxed);
    ledger.sent[number].store(ledger.nanos(started), Ordering::Release);
    let outcome = match api.post(body, Some(token)).await {
        Ok(response) => edit_outcome(&response),
        Err(err) => Outcome::Error(err),
    };
    let elapsed = started.elapsed();
    if outcome == Outcome::Ok {
        ledger.committed[number].store(true, Ordering::Release);
    }
    (elapsed, outcome)
}

fn edit_outcome(response: &[u8]) -> Outcome {
    let Ok(value) = serde_json::from_slice::<Value>(response) else {
        return Outcome::Error("the answer is not JSON".into());
    };
    if let Some(errors) = value.get("errors") {
        return Outcome::Error(errors.to_string());
    }
    let payload = &value["data"]["updatePublication"];
    if payload["publication"]["version"].is_i64() {
        return Outcome::Ok;
    }
    match payload["userErrors"][0]["code"].as_str() {
        Some("CONFLICT") => Outcome::Conflict,
        _ => Outcome::Error(payload.to_string()),
    }
}

/// The largest `feed_lag_revisions` each instance reported, read every [`MONITOR_EVERY`]
/// until `stop`.
async fn monitor(instances: Vec<Api>, mut stop: watch::Receiver<bool>) -> Vec<Option<f64>> {
    let mut lag: Vec<Option<f64>> = vec![None; instances.len()];
    loop {
        for (api, lag) in instances.iter().zip(lag.iter_mut()) {
            if let Ok(scrape) = server::scrape(&api.client, &api.base_url).await
                && let Some(now) = scrape.feed_lag
            {
                *lag = Some(lag.map_or(now, |seen: f64| seen.max(now)));
            }
        }
        tokio::select! {
            () = tokio::time::sleep(MONITOR_EVERY) => {}
            () = stopped(&mut stop) => return lag,
        }
    }
}

/// Tells the subscribers to stop when dropped, so that they end on an error too.
struct StopOnDrop(watch::Sender<bool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 120_000_000, 3).context("failed to make a histogram")
}

/// Runs the scenario against `instances` (at least one) with an editor `token`.
pub async fn run(
    plan: &Plan,
    instances: &[Instance],
    prepared: &Prepared,
    token: &str,
) -> anyhow::Result<Figures> {
    if instances.is_empty() {
        bail!("the subscriptions scenario needs an instance");
    }
    if plan.subscribers == 0
        || !plan.mutations_per_second.is_finite()
        || plan.mutations_per_second <= 0.0
    {
        bail!("--subscribers and --mutations-per-second must be above 0");
    }
    let ledger = Arc::new(Ledger::new(prepared, plan));
    let since = revision(&instances[0].api).await?;

    // Connect every subscriber, a few at a time, then start reading.
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(CONNECTING));
    let mut connecting = JoinSet::new();
    for subscriber in 0..plan.subscribers {
        let instance = subscriber % instances.len();
        let api = instances[instance].api.clone();
        let permits = Arc::clone(&permits);
        connecting.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .context("the connection limiter closed")?;
            let socket = open(&api, since)
                .await
                .with_context(|| format!("subscriber {subscriber} on {}", api.base_url))?;
            anyhow::Ok((instance, socket))
        });
    }
    let (stop, stopped) = watch::channel(false);
    let stop = StopOnDrop(stop);
    let mut listeners = Vec::with_capacity(plan.subscribers);
    while let Some(joined) = connecting.join_next().await {
        let (instance, socket) = joined.context("a connecting task failed")??;
        listeners.push(tokio::spawn(listen(
            socket,
            instance,
            Arc::clone(&ledger),
            stopped.clone(),
        )));
    }
    let wanted: Vec<usize> = (0..instances.len())
        .map(|instance| {
            (0..plan.subscribers)
                .filter(|subscriber| subscriber % instances.len() == instance)
                .count()
        })
        .collect();
    settle(instances, &wanted).await?;
    let connect_seconds = started.elapsed().as_secs_f64();

    // Mutations on a ticker, alternating the instances, each answered on its own task.
    let watcher = tokio::spawn(monitor(
        instances
            .iter()
            .map(|instance| instance.api.clone())
            .collect(),
        stopped.clone(),
    ));
    let apis: Arc<Vec<Api>> = Arc::new(instances.iter().map(|i| i.api.clone()).collect());
    let token: Arc<str> = Arc::from(token);
    let edits: Arc<Vec<(String, i64)>> = Arc::new(prepared.edits.clone());
    let period = Duration::from_secs_f64(1.0 / plan.mutations_per_second);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut mutations = Vec::with_capacity(plan.mutations());
    let mut window_start = None;
    let mut window_end = Instant::now();
    for number in 0..plan.mutations() {
        ticker.tick().await;
        let now = Instant::now();
        if number == ledger.warmup {
            window_start = Some(now);
        }
        window_end = now;
        let instance = number % apis.len();
        let (ledger, apis, token, edits) = (
            Arc::clone(&ledger),
            Arc::clone(&apis),
            Arc::clone(&token),
            Arc::clone(&edits),
        );
        mutations.push(tokio::spawn(async move {
            let (elapsed, outcome) = mutate(
                &ledger,
                instance,
                &apis[instance],
                &token,
                number,
                &edits[number],
            )
            .await;
            (instance, elapsed, outcome)
        }));
    }
    let measured_seconds = window_start.map_or(0.0, |start| {
        (window_end - start).as_secs_f64() + period.as_secs_f64()
    });
    let mut round_trips = Tally::new()?;
    let mut sent_to = vec![0u64; instances.len()];
    for mutation in mutations {
        let (instance, elapsed, outcome) = mutation.await.context("a mutation task failed")?;
        sent_to[instance] += 1;
        round_trips.record(elapsed, outcome);
    }
    tokio::time::sleep(GRACE).await;
    let mut at_end = Vec::with_capacity(instances.len());
    for instance in instances {
        at_end.push(
            server::scrape(&instance.api.client, &instance.api.base_url)
                .await
                .ok()
                .and_then(|scrape| scrape.subscriptions),
        );
    }
    stop.0.send_replace(true);
    let max_lag = watcher.await.context("the /metrics monitor failed")?;

    // Tally what every subscriber got.
    let committed: Vec<bool> = ledger
        .committed
        .iter()
        .map(|flag| flag.load(Ordering::Acquire))
        .collect();
    let committed_count = committed.iter().filter(|c| **c).count() as u64;
    let mut all = histogram()?;
    let mut same = histogram()?;
    let mut other = histogram()?;
    let mut by_instance = (0..instances.len())
        .map(|_| histogram())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut lost_by_instance = vec![0u64; instances.len()];
    let mut events = Events::default();
    let mut ended: Vec<EndedCount> = Vec::new();
    for listener in listeners {
        let received = listener.await.context("a subscriber task failed")?;
        let mut got = 0;
        for (seen, committed) in received.seen.iter().zip(&committed) {
            match (*seen != 0, *committed) {
                (true, true) => got += 1,
                (true, false) => events.unconfirmed += 1,
                (false, _) => {}
            }
        }
        events.received += got;
        lost_by_instance[received.instance] += committed_count - got;
        if received.ended.is_some() {
            events.lost_ended += committed_count - got;
        }
        events.duplicated += received.duplicates;
        events.extra += received.extra;
        events.foreign += received.foreign;
        events.out_of_order += received.out_of_order;
        events.odd_kind += received.odd_kind;
        events.errors += received.errors;
        if events.first_error.is_none() {
            events.first_error.clone_from(&received.first_error);
        }
        for (micros, mine) in received
            .same
            .iter()
            .map(|m| (m, true))
            .chain(received.other.iter().map(|m| (m, false)))
        {
            let micros = u64::from(*micros);
            all.saturating_record(micros);
            by_instance[received.instance].saturating_record(micros);
            if mine {
                same.saturating_record(micros);
            } else {
                other.saturating_record(micros);
            }
        }
        if let Some(end) = received.ended {
            match ended.iter_mut().find(|count| count.code == end.code) {
                Some(count) => count.subscribers += 1,
                None => ended.push(EndedCount {
                    code: end.code,
                    subscribers: 1,
                    first_reason: end.reason,
                }),
            }
        }
    }
    events.expected = committed_count * plan.subscribers as u64;
    events.lost = events.expected.saturating_sub(events.received);
    let instances = instances
        .iter()
        .enumerate()
        .map(|(index, instance)| InstanceFigures {
            name: instance.name.clone(),
            base_url: instance.api.base_url.clone(),
            subscribers: wanted[index],
            mutations: sent_to[index],
            latency: Latency::of(&by_instance[index]),
            events_lost: lost_by_instance[index],
            max_feed_lag_revisions: max_lag.get(index).copied().flatten(),
            subscriptions_at_end: at_end.get(index).copied().flatten(),
            peak_rss_mib: None,
        })
        .collect();
    Ok(Figures {
        subscribers: plan.subscribers,
        instances,
        connect_seconds,
        mutations_per_second_target: plan.mutations_per_second,
        mutations_per_second: if measured_seconds > 0.0 {
            plan.measured_mutations() as f64 / measured_seconds
        } else {
            0.0
        },
        warmup_mutations: plan.warmup_mutations(),
        measured_mutations: plan.measured_mutations(),
        mutations_committed: committed_count,
        mutation_conflicts: round_trips.conflicts,
        mutation_errors: round_trips.errors,
        mutation_first_error: round_trips.first_error.clone(),
        mutation_latency: Latency::of(&round_trips.latency),
        latency: Latency::of(&all),
        latency_same_instance: Latency::of(&same),
        latency_other_instance: Latency::of(&other),
        events,
        ended,
    })
}
