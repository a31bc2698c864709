//! The storm scenario: one instance of the service on a fresh Postgres database, hit by
//! storms of WebSockets that each hold many `publicationEvents` subscriptions, every one
//! with a filter the instance has never seen and a `sinceRevision` that replays the whole
//! change feed, while an editor and a reader measure what the rest of the service gets.
//!
//! Before the first storm an editor makes a few hundred edits, so that the feed holds that
//! many revisions to replay. The bulk load of the generated catalogue moves the catalogue
//! revision without noting changes in the feed; the revision is set back to
//! `sinceRevision` (0) after it, before the instance starts, so that the feed holds every
//! revision after it, as it does in a catalogue that grew by edits and was never pruned.
//!
//! Each storm opens its sockets at once (a few as an editor, the rest anonymous), each
//! subscribing to its filters; the editor sends `updatePublication` at a steady rate and
//! the reader asks for the listing page without a pause, both recording every answer's
//! latency and errors; after the storm's duration every socket closes. The instance's
//! resident memory is read from `/proc` throughout. The run then checks that every storm
//! reached its subscribers, that no edit failed, that the memory went back down once the
//! subscriptions ended, that the instance holds no subscription any more, and that no answer
//! was an internal error.
//!
//! Every filter is built around one of the edited publications (a word of its title, its
//! kind, its topic, a range of years around its year), so that the replay alone owes every
//! subscription events; the ranges of years make the filters distinct, across storms too.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, DatabaseConnection};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

use crate::chaos::{self, Answer, Check, Errors, Latency, Scratch, Socket};
use crate::generate;
use crate::load::Api;
use crate::say;
use crate::scenarios::{self, global_id};
use crate::server::{Launch, Log, Server};

const SUBSCRIPTION: &str = "subscription Storm($filter: PublicationFilter, $since: Int) { \
     publicationEvents(filter: $filter, sinceRevision: $since) { revision kind publicationId } }";
/// The ordinary listing page.
const LISTING: &str = "{ publications(first: 20) { totalCount nodes { id title } } }";
/// What a filter lists, to check before the storms that the filters find publications.
const PROBE: &str = "query StormProbe($filter: PublicationFilter) { \
     publications(first: 1, filter: $filter) { totalCount } }";
/// How many filters of each storm are probed.
const PROBES_PER_STORM: usize = 20;
/// Lines of the instance's log counted per storm, by what they say.
const LOGGED: [&str; 3] = [
    "failed to check a token",
    "Connection pool timed out",
    "a subscriber waits for the database",
];
/// How many publications the editor edits, in turn; every filter is built around one.
const EDITED: usize = 150;
/// How many edits are in flight at once before the first storm.
const WARM_EDITS_IN_FLIGHT: usize = 4;
/// How long a socket may take to close once its storm is over.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `/readyz` may take to answer.
const READYZ_TIMEOUT: Duration = Duration::from_secs(10);
/// How many examples of each kind of failure the report keeps.
const EXAMPLES: usize = 3;
/// The kinds a filter may add to its publication's, GraphQL spelling.
const KINDS: [&str; 6] = [
    "JOURNAL_ARTICLE",
    "CONFERENCE_PAPER",
    "PREPRINT",
    "TECHNICAL_REPORT",
    "WORKSHOP_PAPER",
    "THESIS",
];

/// The defaults of the checks: the share of a storm's subscriptions that must get an event,
/// and the resident memory allowed 10 s after the last storm, as a factor of the memory
/// before the first plus a margin.
pub const MIN_REACHED_SHARE: f64 = 0.9;
pub const RSS_GROWTH_FACTOR: f64 = 1.5;
pub const RSS_HEADROOM_MIB: f64 = 60.0;

/// How the scenario runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The `api` binary the instance runs.
    pub api_bin: PathBuf,
    /// A Postgres URL on the server to use: the scenario creates a database of its own
    /// beside the one it names, and drops it afterwards unless `keep_database`.
    pub database_url: String,
    /// The size of the generated catalogue.
    pub publications: usize,
    /// Edits made before the first storm, for the subscriptions to replay.
    pub warm_edits: usize,
    pub storms: usize,
    /// WebSockets per storm.
    pub sockets: usize,
    /// Subscriptions per WebSocket, each with a filter of its own.
    pub subscriptions_per_socket: usize,
    /// Every this many sockets, one authenticates with the editor token.
    pub editor_socket_every: usize,
    /// How long the sockets of a storm stay open.
    pub storm_duration: Duration,
    /// The editor's `updatePublication` rate during a storm.
    pub edits_per_second: f64,
    /// The `sinceRevision` of every subscription.
    pub since_revision: i64,
    /// When the memory and `/readyz` are read after a storm's sockets closed, and after the
    /// last storm's.
    pub after_storm: Duration,
    pub after_last: Duration,
    /// How often the instance's resident memory is read.
    pub rss_every: Duration,
    /// Check (a): the share of a storm's subscriptions that must get at least one event.
    pub min_reached_share: f64,
    /// Check (c): the memory `after_last` the last storm may be at most
    /// `rss_growth_factor` times the memory before the first storm plus `rss_headroom_mib`.
    pub rss_growth_factor: f64,
    pub rss_headroom_mib: f64,
    /// Where the instance logs.
    pub log: PathBuf,
    pub keep_database: bool,
    /// Keep the database when a check fails, for inspection.
    pub keep_failed_database: bool,
    /// How long the instance may take to answer `/readyz` with 200 at its start.
    pub ready_timeout: Duration,
}

impl Plan {
    pub fn new(api_bin: &Path, database_url: &str) -> Self {
        Self {
            api_bin: api_bin.to_owned(),
            database_url: database_url.to_owned(),
            publications: 3_000,
            warm_edits: 300,
            storms: 5,
            sockets: 100,
            subscriptions_per_socket: 20,
            editor_socket_every: 10,
            storm_duration: Duration::from_secs(15),
            edits_per_second: 5.0,
            since_revision: 0,
            after_storm: Duration::from_secs(5),
            after_last: Duration::from_secs(10),
            rss_every: Duration::from_millis(250),
            min_reached_share: MIN_REACHED_SHARE,
            rss_growth_factor: RSS_GROWTH_FACTOR,
            rss_headroom_mib: RSS_HEADROOM_MIB,
            log: std::env::temp_dir()
                .join(format!("catalogue-bench-storm-{}.log", std::process::id())),
            keep_database: false,
            keep_failed_database: true,
            ready_timeout: Duration::from_secs(180),
        }
    }

    fn per_storm(&self) -> usize {
        self.sockets * self.subscriptions_per_socket
    }
}

// ---------------------------------------------------------------------------------------
// The report.

/// Edits and what they got.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Edits {
    pub sent: u64,
    pub latency: Latency,
    pub failed: u64,
    /// Failures by kind: `HTTP 503 SERVICE_UNAVAILABLE`, `userError CONFLICT`, `no answer`...
    pub failures: BTreeMap<String, u64>,
    pub examples: Vec<String>,
}

/// The listing page's answers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Listing {
    pub latency: Latency,
    pub refused: u64,
    pub no_answer: u64,
    pub failures: BTreeMap<String, u64>,
}

/// One storm's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StormFigures {
    pub number: usize,
    pub sockets: usize,
    pub editor_sockets: usize,
    pub connected: usize,
    pub first_failed_connect: Option<String>,
    pub subscriptions: usize,
    pub events: u64,
    /// Subscriptions that got at least one event.
    pub reached: usize,
    /// Seconds from the storm's start to each reached subscription's first event.
    pub first_event_p50_s: f64,
    pub first_event_max_s: f64,
    /// Subscriptions that ended before the storm did, by how (an error code, a close code,
    /// `complete`), and those on sockets that never opened.
    pub ended: BTreeMap<String, u64>,
    /// Subscriptions still open at the storm's end without a single event.
    pub silent: usize,
    pub unreadable: u64,
    /// `/readyz`'s `feed.subscriptions` halfway through the storm and `after_storm` after its
    /// sockets closed.
    pub held_midway: Option<u64>,
    pub held_after: Option<u64>,
    pub rss_start_mib: Option<f64>,
    pub rss_peak_mib: Option<f64>,
    pub rss_after_mib: Option<f64>,
    pub editor: Edits,
    pub listing: Listing,
    /// Answers with an internal error during the storm (any client).
    pub internal_errors: u64,
    /// Lines of the instance's log during the storm that say one of [`LOGGED`].
    pub logged: BTreeMap<String, u64>,
    pub seconds: f64,
}

/// The run's figures and the checks' verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub database: String,
    pub log: PathBuf,
    pub since_revision: i64,
    /// The catalogue revision and the oldest revision of the feed before the first storm.
    pub revision_before: i64,
    pub feed_oldest: Option<i64>,
    pub warm_edits: Edits,
    /// Filters asked for as a listing before the storms, and how many listed nothing (the
    /// storms could not owe those subscriptions an event).
    pub filters_probed: usize,
    pub filters_empty: Vec<String>,
    pub rss_before_mib: Option<f64>,
    pub storms: Vec<StormFigures>,
    /// When the memory and `/readyz` were read after each storm's sockets closed, and after
    /// the last storm's.
    pub after_storm_seconds: f64,
    pub after_last_seconds: f64,
    pub rss_end_mib: Option<f64>,
    pub readyz_end: String,
    pub subscriptions_end: Option<u64>,
    pub rss_peak_mib: Option<f64>,
    /// Every error code seen in an answer, as `CODE (http|ws)`, with how many answers.
    pub error_codes: BTreeMap<String, u64>,
    pub internal_errors: u64,
    pub internal_examples: Vec<String>,
    pub checks: Vec<Check>,
}

fn mib(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}"))
}

fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "no answer".to_owned(), |v| v.to_string())
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    pub fn failed(&self) -> Vec<&Check> {
        self.checks.iter().filter(|check| !check.passed).collect()
    }

    /// Prints the figures, then a PASS or FAIL line per check with what failed.
    pub fn print(&self) {
        say!("");
        say!(
            "storm: database {}, instance log {}",
            self.database,
            self.log.display()
        );
        let warm = &self.warm_edits;
        say!(
            "before the storms: {} edits ({} failed {:?}), p50/p99/max {:.1}/{:.1}/{:.1} ms; revision {}, the feed's oldest {}; every subscription asks for sinceRevision {}",
            warm.sent,
            warm.failed,
            warm.failures,
            warm.latency.p50_ms,
            warm.latency.p99_ms,
            warm.latency.max_ms,
            self.revision_before,
            self.feed_oldest
                .map_or_else(|| "none".to_owned(), |r| r.to_string()),
            self.since_revision
        );
        say!(
            "filters probed as listings before the storms: {}, {} of them list nothing{}",
            self.filters_probed,
            self.filters_empty.len(),
            self.filters_empty
                .first()
                .map_or_else(String::new, |first| format!(" (e.g. {first})"))
        );
        say!(
            "RSS before the first storm: {} MiB",
            mib(self.rss_before_mib)
        );
        for storm in &self.storms {
            say!("");
            say!(
                "storm {}: {} sockets ({} connected, {} with the editor token) x {} = {} subscriptions, {:.1} s",
                storm.number,
                storm.sockets,
                storm.connected,
                storm.editor_sockets,
                storm.subscriptions.checked_div(storm.sockets).unwrap_or(0),
                storm.subscriptions,
                storm.seconds
            );
            if let Some(first) = &storm.first_failed_connect {
                say!("  first failed connect: {first}");
            }
            say!(
                "  events: {} delivered; {} of {} subscriptions ({:.1}%) got at least one; first event p50/max {:.1}/{:.1} s after the storm began",
                storm.events,
                storm.reached,
                storm.subscriptions,
                share(storm.reached, storm.subscriptions) * 100.0,
                storm.first_event_p50_s,
                storm.first_event_max_s
            );
            if storm.ended.is_empty() {
                say!("  subscriptions ended before the storm did: none");
            } else {
                say!("  subscriptions ended before the storm did:");
                for (how, n) in &storm.ended {
                    say!("    {n:>6}  {how}");
                }
            }
            say!(
                "  subscriptions still open at the end without an event: {}",
                storm.silent
            );
            if storm.unreadable > 0 {
                say!("  unreadable messages: {}", storm.unreadable);
            }
            say!(
                "  /readyz feed.subscriptions: {} halfway, {} {:.0} s after the sockets closed",
                count(storm.held_midway),
                count(storm.held_after),
                self.after_storm_seconds
            );
            say!(
                "  RSS MiB: start {}, peak {}, {:.0} s after the sockets closed {}",
                mib(storm.rss_start_mib),
                mib(storm.rss_peak_mib),
                self.after_storm_seconds,
                mib(storm.rss_after_mib)
            );
            let editor = &storm.editor;
            say!(
                "  editor updatePublication: {} sent, p50/p99/max {:.1}/{:.1}/{:.1} ms, {} failed {:?}",
                editor.sent,
                editor.latency.p50_ms,
                editor.latency.p99_ms,
                editor.latency.max_ms,
                editor.failed,
                editor.failures
            );
            for example in &editor.examples {
                say!("    e.g. {example}");
            }
            let listing = &storm.listing;
            say!(
                "  listing: {} answers, p50/p99/max {:.1}/{:.1}/{:.1} ms, {} with errors {:?}, {} not answered",
                listing.latency.count,
                listing.latency.p50_ms,
                listing.latency.p99_ms,
                listing.latency.max_ms,
                listing.refused,
                listing.failures,
                listing.no_answer
            );
            say!(
                "  internal errors: {}; instance log lines: {:?}",
                storm.internal_errors,
                storm.logged
            );
        }
        say!("");
        say!(
            "RSS {:.0} s after the last storm: {} MiB (before the first storm {} MiB, peak {} MiB)",
            self.after_last_seconds,
            mib(self.rss_end_mib),
            mib(self.rss_before_mib),
            mib(self.rss_peak_mib)
        );
        say!(
            "/readyz at the end: feed.subscriptions {}; {}",
            count(self.subscriptions_end),
            self.readyz_end
        );
        say!("error codes in answers:");
        if self.error_codes.is_empty() {
            say!("  none");
        }
        for (code, n) in &self.error_codes {
            say!("  {n:>7}  {code}");
        }
        for example in &self.internal_examples {
            say!("  internal error: {example}");
        }
        say!("");
        chaos::print_checks("storm", &self.checks, letter);
    }
}

/// How the storm's checks are named: (a), (b), ...
pub fn letter(number: u8) -> String {
    format!("({})", char::from(b'a' + number.saturating_sub(1)))
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

// ---------------------------------------------------------------------------------------
// The publications edited, and the filters built around them.

/// A publication the editor edits, and what filters that find it may ask for.
#[derive(Debug, Clone)]
struct Target {
    global: String,
    /// Words of its title (lower case, letters only, five or more of them).
    words: Vec<String>,
    /// Its kind, GraphQL spelling.
    kind: String,
    year: i32,
    /// The global id of one of its topics.
    topic: Option<String>,
}

fn title_words(title: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in title.split(|c: char| !c.is_alphanumeric()) {
        if word.chars().count() >= 5 && word.chars().all(char::is_alphabetic) {
            let word = word.to_lowercase();
            if !words.contains(&word) {
                words.push(word);
            }
        }
    }
    words
}

/// Every storm's filters, each one distinct from every other of the run: storm `k`'s
/// subscription `n` follows a publication of `targets`, with a range of years around its
/// year (its width made of `k` and `n`, widened when another filter has it already) and,
/// in turn, words of its title, its kind with another one, its topic.
fn filters(targets: &[Target], storms: usize, per_storm: usize) -> Vec<Vec<Value>> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut all = Vec::with_capacity(storms);
    for storm in 0..storms {
        let mut list = Vec::with_capacity(per_storm);
        for number in 0..per_storm {
            let global = storm * per_storm + number;
            let target = &targets[(number * 31 + storm * 17) % targets.len()];
            let words = &target.words;
            let word = |skip: usize| {
                (!words.is_empty())
                    .then(|| words[(number / 5 + storm + skip) % words.len()].clone())
            };
            let other = KINDS[global % KINDS.len()];
            let kinds = if other == target.kind {
                json!([target.kind])
            } else {
                json!([target.kind, other])
            };
            let mut filter = json!({});
            match number % 5 {
                0 => match word(0) {
                    Some(word) => filter["search"] = json!(word),
                    None => filter["kinds"] = kinds,
                },
                1 => filter["kinds"] = kinds,
                2 => match &target.topic {
                    Some(topic) => filter["topics"] = json!({ "anyOf": [topic] }),
                    None => filter["kinds"] = kinds,
                },
                3 => {
                    filter["kinds"] = json!([target.kind]);
                    if let Some(word) = word(1) {
                        filter["search"] = json!(word);
                    }
                }
                _ => {
                    if let Some(topic) = &target.topic {
                        filter["topics"] = json!({ "anyOf": [topic] });
                    }
                    let pair: Vec<String> = [word(0), word(1)].into_iter().flatten().collect();
                    let mut pair = pair;
                    pair.dedup();
                    if !pair.is_empty() {
                        filter["search"] = json!(pair.join(" "));
                    }
                }
            }
            let below = i32::try_from(global % 100).unwrap_or(0);
            let mut above = i32::try_from(global / 100).unwrap_or(0);
            loop {
                filter["year"] = json!({
                    "from": (target.year - below).max(1000),
                    "to": (target.year + above).min(9999),
                });
                if seen.insert(filter.to_string()) || target.year + above >= 9999 {
                    break;
                }
                above += 1;
            }
            list.push(filter);
        }
        all.push(list);
    }
    all
}

// ---------------------------------------------------------------------------------------
// The editor.

/// The edited publications' versions, and which of them an edit is under way on.
struct Editing {
    targets: Vec<Target>,
    version: Vec<AtomicI64>,
    /// The version may have moved without the editor knowing (an edit not acknowledged).
    stale: Vec<AtomicBool>,
    busy: Vec<AtomicBool>,
    next: AtomicUsize,
    sent: AtomicU64,
}

impl Editing {
    /// A publication no edit is under way on, taken in turn.
    fn claim(&self) -> Option<usize> {
        for _ in 0..self.targets.len() {
            let index = self.next.fetch_add(1, Ordering::Relaxed) % self.targets.len();
            if self.busy[index]
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                return Some(index);
            }
        }
        None
    }
}

/// What one edit got: its latency when answered, and its failure if any.
struct Edited {
    latency: Option<Duration>,
    failure: Option<(String, String)>,
}

/// How a refused answer reads: `HTTP 503 SERVICE_UNAVAILABLE`, with `(token)` when its
/// message speaks of the token.
fn classify(refusal: &str) -> String {
    let status = refusal
        .strip_prefix("HTTP ")
        .and_then(|rest| rest.split_whitespace().next())
        .map(|status| status.trim_end_matches(':'))
        .unwrap_or("?");
    let code = refusal
        .split_once(": ")
        .and_then(|(_, body)| serde_json::from_str::<Value>(body).ok())
        .and_then(|body| {
            let first = if body.is_array() {
                body[0].clone()
            } else {
                body["errors"][0].clone()
            };
            first["extensions"]["code"].as_str().map(str::to_owned)
        })
        .unwrap_or_else(|| "(no code)".to_owned());
    let token = if refusal.to_lowercase().contains("token") {
        " (token)"
    } else {
        ""
    };
    format!("HTTP {status} {code}{token}")
}

/// One `updatePublication` of publication `index` (which the caller claimed), with a new
/// url.
async fn update(
    api: &Api,
    token: &str,
    editing: &Editing,
    index: usize,
    errors: &Errors,
) -> Edited {
    let target = &editing.targets[index];
    if editing.stale[index].load(Ordering::Relaxed) {
        let body = json!({ "query": chaos::VERSION, "variables": { "id": target.global } });
        if let Answer::Data(data) = chaos::post(api, errors, "version", &body, Some(token)).await
            && let Some(version) = data["publication"]["version"].as_i64()
        {
            editing.version[index].store(version, Ordering::Relaxed);
            editing.stale[index].store(false, Ordering::Relaxed);
        }
    }
    let n = editing.sent.fetch_add(1, Ordering::Relaxed);
    let input = json!({
        "id": target.global,
        "expectedVersion": editing.version[index].load(Ordering::Relaxed),
        "url": format!("https://papers.example.org/storm/{}/{n}", std::process::id()),
    });
    let body = json!({ "query": chaos::UPDATE, "variables": { "input": input } });
    let started = Instant::now();
    let answer = chaos::post(api, errors, "updatePublication", &body, Some(token)).await;
    let latency = started.elapsed();
    let edited = match answer {
        Answer::Data(data) => {
            let payload = &data["updatePublication"];
            match payload["publication"]["version"].as_i64() {
                Some(version) => {
                    editing.version[index].store(version, Ordering::Relaxed);
                    Edited {
                        latency: Some(latency),
                        failure: None,
                    }
                }
                None => {
                    editing.stale[index].store(true, Ordering::Relaxed);
                    let code = payload["userErrors"][0]["code"]
                        .as_str()
                        .unwrap_or("(none)");
                    Edited {
                        latency: Some(latency),
                        failure: Some((format!("userError {code}"), payload.to_string())),
                    }
                }
            }
        }
        Answer::Refused(refusal) => {
            editing.stale[index].store(true, Ordering::Relaxed);
            Edited {
                latency: Some(latency),
                failure: Some((classify(&refusal), refusal)),
            }
        }
        Answer::Unanswered(err) => {
            editing.stale[index].store(true, Ordering::Relaxed);
            Edited {
                latency: None,
                failure: Some(("no answer".to_owned(), err)),
            }
        }
    };
    editing.busy[index].store(false, Ordering::Release);
    edited
}

/// Adds edits' outcomes up.
struct EditTally {
    latency: Histogram<u64>,
    edits: Edits,
}

impl EditTally {
    fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency: chaos::histogram()?,
            edits: Edits::default(),
        })
    }

    fn add(&mut self, edited: Edited) {
        self.edits.sent += 1;
        if let Some(latency) = edited.latency {
            self.latency.saturating_record(chaos::micros(latency));
        }
        if let Some((kind, example)) = edited.failure {
            self.edits.failed += 1;
            *self.edits.failures.entry(kind.clone()).or_default() += 1;
            if self.edits.examples.len() < EXAMPLES {
                let example: String = example.chars().take(300).collect();
                self.edits.examples.push(format!("{kind}: {example}"));
            }
        }
    }

    fn finish(mut self) -> Edits {
        self.edits.latency = Latency::of(&self.latency);
        self.edits
    }
}

/// `count` edits, a few at a time, before the storms.
async fn warm_up(
    api: &Api,
    token: &str,
    editing: &Editing,
    count: usize,
    errors: &Errors,
) -> anyhow::Result<Edits> {
    let mut tally = EditTally::new()?;
    let mut edits = futures_util::stream::iter(0..count)
        .map(|_| async {
            match editing.claim() {
                Some(index) => Some(update(api, token, editing, index, errors).await),
                None => None,
            }
        })
        .buffer_unordered(WARM_EDITS_IN_FLIGHT);
    while let Some(edited) = edits.next().await {
        if let Some(edited) = edited {
            tally.add(edited);
        }
    }
    Ok(tally.finish())
}

/// Sends `updatePublication` at `per_second` until the stop, each edit on its own task so
/// that a slow answer does not slow the rate, and waits for the last answers.
async fn edit_steadily(
    api: Api,
    token: Arc<str>,
    editing: Arc<Editing>,
    per_second: f64,
    errors: Errors,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Edits> {
    let mut tally = EditTally::new()?;
    let mut in_flight = JoinSet::new();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / per_second.max(0.01)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            () = chaos::stopped(&mut stop) => break,
        }
        while let Some(done) = in_flight.try_join_next() {
            tally.add(done.context("an edit failed to run")?);
        }
        let Some(index) = editing.claim() else {
            continue;
        };
        let (api, token, editing, errors) = (
            api.clone(),
            Arc::clone(&token),
            Arc::clone(&editing),
            errors.clone(),
        );
        in_flight.spawn(async move { update(&api, &token, &editing, index, &errors).await });
    }
    while let Some(done) = in_flight.join_next().await {
        tally.add(done.context("an edit failed to run")?);
    }
    Ok(tally.finish())
}

// ---------------------------------------------------------------------------------------
// The reader.

/// Asks for the listing page, one request after the other, until the stop.
async fn read_listing(
    api: Api,
    errors: Errors,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Listing> {
    let mut latency = chaos::histogram()?;
    let mut listing = Listing::default();
    let body = json!({ "query": LISTING });
    while !*stop.borrow() {
        let started = Instant::now();
        match chaos::post(&api, &errors, "listing", &body, None).await {
            Answer::Data(_) => latency.saturating_record(chaos::micros(started.elapsed())),
            Answer::Refused(refusal) => {
                latency.saturating_record(chaos::micros(started.elapsed()));
                listing.refused += 1;
                *listing.failures.entry(classify(&refusal)).or_default() += 1;
            }
            Answer::Unanswered(_) => {
                listing.no_answer += 1;
                // Not a busy loop when the instance is gone.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    listing.latency = Latency::of(&latency);
    Ok(listing)
}

// ---------------------------------------------------------------------------------------
// The subscribers.

/// What one socket's subscriptions got.
struct SocketRun {
    connected: bool,
    connect_error: Option<String>,
    events: Vec<u64>,
    /// When each subscription's first event came.
    first: Vec<Option<Instant>>,
    /// How each subscription ended before the stop, if it did.
    ended: Vec<Option<String>>,
    unreadable: u64,
}

/// Opens one socket, subscribes to each of `filters` (ids "1", "2"...) from revision
/// `since`, and counts their events until the stop, then closes the socket.
async fn subscribe_all(
    api: Api,
    token: Option<Arc<str>>,
    filters: Vec<Value>,
    since: i64,
    errors: Errors,
    mut stop: watch::Receiver<bool>,
) -> SocketRun {
    let count = filters.len();
    let mut run = SocketRun {
        connected: false,
        connect_error: None,
        events: vec![0; count],
        first: vec![None; count],
        ended: vec![None; count],
        unreadable: 0,
    };
    let connected = tokio::select! {
        connected = chaos::connect(&api, token.as_deref()) => connected,
        () = chaos::stopped(&mut stop) => Err(anyhow::anyhow!("the storm ended first")),
    };
    let mut socket = match connected {
        Ok(socket) => socket,
        Err(err) => {
            run.connect_error = Some(format!("{err:#}"));
            return run;
        }
    };
    run.connected = true;
    for (number, filter) in filters.iter().enumerate() {
        let message = json!({
            "type": "subscribe",
            "id": (number + 1).to_string(),
            "payload": {
                "query": SUBSCRIPTION,
                "variables": { "filter": filter, "since": since },
            },
        });
        if let Err(err) = socket.send(chaos::text(&message)).await {
            end_all(
                &mut run,
                &format!("failed to subscribe ({})", chaos::error_kind(&err)),
            );
            return run;
        }
    }
    listen(&mut socket, &mut run, &errors, &mut stop).await;
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        let _ = socket.close(None).await;
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
    run
}

/// Marks every subscription still running as ended, `how`.
fn end_all(run: &mut SocketRun, how: &str) {
    for ended in &mut run.ended {
        ended.get_or_insert_with(|| how.to_owned());
    }
}

/// Reads the socket's messages until the stop or until the socket ends.
async fn listen(
    socket: &mut Socket,
    run: &mut SocketRun,
    errors: &Errors,
    stop: &mut watch::Receiver<bool>,
) {
    loop {
        let frame = tokio::select! {
            frame = socket.next() => frame,
            () = chaos::stopped(stop) => return,
        };
        let body = match frame {
            Some(Ok(Message::Text(body))) => body,
            Some(Ok(Message::Close(frame))) => {
                let how = frame.map_or_else(
                    || "closed without a code".to_owned(),
                    |frame| format!("close {} {}", u16::from(frame.code), frame.reason),
                );
                end_all(run, &how);
                return;
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => {
                end_all(
                    run,
                    &format!("connection failed ({})", chaos::error_kind(&err)),
                );
                return;
            }
            None => {
                end_all(run, "connection dropped");
                return;
            }
        };
        let Ok(message) = serde_json::from_str::<Value>(body.as_str()) else {
            run.unreadable += 1;
            continue;
        };
        let index = message["id"]
            .as_str()
            .and_then(|id| id.parse::<usize>().ok())
            .and_then(|id| id.checked_sub(1))
            .filter(|&index| index < run.events.len());
        match (message["type"].as_str(), index) {
            (Some("next"), Some(index)) => {
                let payload = &message["payload"];
                if let Some(list) = payload.get("errors").filter(|e| !e.is_null()) {
                    errors.graphql("ws", "publicationEvents", list);
                    let code = list[0]["extensions"]["code"]
                        .as_str()
                        .unwrap_or("(no code)");
                    run.ended[index].get_or_insert_with(|| code.to_owned());
                } else if !payload["data"]["publicationEvents"].is_null() {
                    run.events[index] += 1;
                    run.first[index].get_or_insert_with(Instant::now);
                }
            }
            (Some("error"), Some(index)) => {
                errors.graphql("ws", "publicationEvents", &message["payload"]);
                let code = message["payload"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("(no code)");
                run.ended[index].get_or_insert_with(|| code.to_owned());
            }
            (Some("complete"), Some(index)) => {
                run.ended[index].get_or_insert_with(|| "complete".to_owned());
            }
            (Some("ping"), _) => {
                if socket
                    .send(chaos::text(&json!({ "type": "pong" })))
                    .await
                    .is_err()
                {
                    end_all(run, "failed to answer a ping");
                    return;
                }
            }
            (Some("pong"), _) => {}
            _ => run.unreadable += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Memory and /readyz.

/// The instance's resident memory, read every `every` until the stop: (when, KiB).
type Samples = Arc<Mutex<Vec<(Instant, u64)>>>;

async fn sample_rss(pid: u32, every: Duration, samples: Samples, mut stop: watch::Receiver<bool>) {
    loop {
        if let Some(kib) = chaos::rss_kib(pid) {
            samples
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((Instant::now(), kib));
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = chaos::stopped(&mut stop) => return,
        }
    }
}

fn peak_mib(samples: &Samples, from: Instant, to: Instant) -> Option<f64> {
    samples
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter(|(at, _)| *at >= from && *at <= to)
        .map(|(_, kib)| *kib)
        .max()
        .map(kib_to_mib)
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn rss_mib(pid: u32) -> Option<f64> {
    chaos::rss_kib(pid).map(kib_to_mib)
}

/// `/readyz`: its status and (shortened) body, and its `feed.subscriptions`.
async fn readyz(api: &Api) -> (String, Option<u64>) {
    let request = api
        .client
        .get(format!("{}/readyz", api.base_url))
        .timeout(READYZ_TIMEOUT)
        .send();
    match request.await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let subscriptions = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|value| value["feed"]["subscriptions"].as_u64());
            let body: String = body.chars().take(300).collect();
            (format!("{status} {body}"), subscriptions)
        }
        Err(err) => (format!("no answer: {err}"), None),
    }
}

/// Lists a sample of every storm's filters (anonymously, as most subscribers are): the
/// number probed, and those that list nothing.
async fn probe_filters(api: &Api, filters: &[Vec<Value>], errors: &Errors) -> (usize, Vec<String>) {
    let mut probed = 0;
    let mut empty = Vec::new();
    for list in filters {
        let step = (list.len() / PROBES_PER_STORM).max(1);
        for filter in list.iter().step_by(step) {
            probed += 1;
            let body = json!({ "query": PROBE, "variables": { "filter": filter } });
            match chaos::post(api, errors, "filter probe", &body, None).await {
                Answer::Data(data) if data["publications"]["totalCount"].as_i64() > Some(0) => {}
                Answer::Data(_) => empty.push(filter.to_string()),
                Answer::Refused(err) | Answer::Unanswered(err) => {
                    let err: String = err.chars().take(200).collect();
                    empty.push(format!("{filter}: {err}"));
                }
            }
        }
    }
    (probed, empty)
}

/// The length of the instance's log now.
fn log_length(log: &Path) -> u64 {
    std::fs::metadata(log).map_or(0, |metadata| metadata.len())
}

/// The lines of the instance's log after byte `from` that say each of [`LOGGED`].
fn logged_since(log: &Path, from: u64) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    let Ok(bytes) = std::fs::read(log) else {
        return counts;
    };
    let start = usize::try_from(from).unwrap_or(usize::MAX).min(bytes.len());
    let text = String::from_utf8_lossy(&bytes[start..]);
    for line in text.lines() {
        for what in LOGGED {
            if line.contains(what) {
                *counts.entry(what.to_owned()).or_default() += 1;
            }
        }
    }
    counts
}

// ---------------------------------------------------------------------------------------
// The run.

/// What every storm shares.
struct Shared {
    api: Api,
    token: Arc<str>,
    editing: Arc<Editing>,
    errors: Errors,
    pid: u32,
    samples: Samples,
}

/// Runs the scenario and checks what it left behind; an error only when it could not run
/// (a failed check is in the report).
pub async fn run(plan: &Plan) -> anyhow::Result<Report> {
    if plan.storms == 0 || plan.sockets == 0 || plan.subscriptions_per_socket == 0 {
        bail!("the storm scenario needs storms, sockets and subscriptions");
    }
    if plan.storm_duration.is_zero() || plan.edits_per_second <= 0.0 {
        bail!("the storm scenario needs a duration and an edit rate above 0");
    }
    say!(
        "storm: creating a database beside DATABASE_URL's and loading {} publications",
        plan.publications
    );
    let scratch = Scratch::create(&plan.database_url, "storm").await?;
    let outcome = run_on(plan, &scratch).await;
    let failed = !matches!(&outcome, Ok(report) if report.passed());
    if plan.keep_database || (plan.keep_failed_database && failed) {
        say!(
            "storm: the database {} is kept for inspection ({})",
            scratch.name,
            scratch.url
        );
    } else if let Err(err) = scratch.drop_database().await {
        say!("storm: {err:#}");
    }
    outcome
}

/// Loads the catalogue, sets the revision back for the replay and picks the publications
/// to edit, with their versions.
async fn prepare(
    plan: &Plan,
    db: &DatabaseConnection,
) -> anyhow::Result<(Vec<Target>, Vec<AtomicI64>)> {
    Migrator::up(db, None)
        .await
        .context("failed to apply the migrations")?;
    generate::load(
        db,
        generate::Options {
            publications: plan.publications,
            seed: 42,
        },
    )
    .await
    .context("failed to generate the catalogue")?;
    let loaded = chaos::current_revision(db).await?;
    let noted = scenarios::rows(db, "SELECT count(*) FROM catalogue_change")
        .await?
        .first()
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()
        .context("the feed's size")?
        .unwrap_or(0);
    if loaded > plan.since_revision {
        if noted > 0 {
            bail!("the feed holds {noted} changes after the load: the revision cannot be set back");
        }
        db.execute_unprepared(&format!(
            "UPDATE catalogue_revision SET revision = {} WHERE id = 1",
            plan.since_revision
        ))
        .await
        .context("failed to set the catalogue revision back")?;
        say!(
            "storm: the bulk load left revision {loaded} and an empty feed; revision set back to {}",
            plan.since_revision
        );
    }

    let sample = scenarios::rows(
        db,
        &format!(
            "SELECT p.id, p.title, p.kind, CAST(EXTRACT(YEAR FROM p.published_on) AS integer), \
             (SELECT MIN(t.topic_id) FROM publication_topic t WHERE t.publication_id = p.id), \
             p.version \
             FROM publication p WHERE p.status = 'published' AND p.published_on IS NOT NULL \
             ORDER BY (p.id * 7919) % 1009, p.id LIMIT {EDITED}"
        ),
    )
    .await?;
    let mut targets = Vec::with_capacity(sample.len());
    let mut versions = Vec::with_capacity(sample.len());
    for row in sample {
        let id: i64 = row.try_get_by_index(0).context("publication id")?;
        let title: String = row.try_get_by_index(1).context("publication title")?;
        let kind: String = row.try_get_by_index(2).context("publication kind")?;
        let year: i32 = row.try_get_by_index(3).context("publication year")?;
        let topic: Option<i64> = row.try_get_by_index(4).context("publication topic")?;
        let version: i32 = row.try_get_by_index(5).context("publication version")?;
        versions.push(AtomicI64::new(i64::from(version)));
        targets.push(Target {
            global: global_id("Publication", id),
            words: title_words(&title),
            kind: kind.to_uppercase(),
            year,
            topic: topic.map(|topic| global_id("Topic", topic)),
        });
    }
    if targets.is_empty() {
        bail!("the generated catalogue has no dated published publication to edit");
    }
    Ok((targets, versions))
}

async fn run_on(plan: &Plan, scratch: &Scratch) -> anyhow::Result<Report> {
    let mut options = ConnectOptions::new(scratch.url.clone());
    options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("failed to connect to the run's database")?;
    let (targets, versions) = prepare(plan, &db).await?;
    let token: Arc<str> = Arc::from(chaos::editor_token(&db, "storm").await?);
    let filters = filters(&targets, plan.storms, plan.per_storm());
    let editing = Arc::new(Editing {
        stale: targets.iter().map(|_| AtomicBool::new(false)).collect(),
        busy: targets.iter().map(|_| AtomicBool::new(false)).collect(),
        version: versions,
        targets,
        next: AtomicUsize::new(0),
        sent: AtomicU64::new(0),
    });

    say!(
        "storm: starting {} (log {})",
        plan.api_bin.display(),
        plan.log.display()
    );
    let setup = chaos::http_client(Duration::from_secs(30))?;
    let (server, _) = Server::launch(
        Launch::new(
            &plan.api_bin,
            &[("DATABASE_URL", scratch.url.as_str())],
            Log::File(plan.log.clone()),
        )
        .ready_timeout(plan.ready_timeout),
        &setup,
    )
    .await
    .context("the instance did not start")?;
    let pid = server.pid.context("the instance has no pid")?;
    let shared = Shared {
        api: Api::new(
            chaos::http_client(Duration::from_secs(30))?,
            &server.base_url,
        ),
        token,
        editing,
        errors: Errors::default(),
        pid,
        samples: Arc::default(),
    };
    let (stop_rss, rss_stopped) = watch::channel(false);
    let sampler = tokio::spawn(sample_rss(
        pid,
        plan.rss_every,
        Arc::clone(&shared.samples),
        rss_stopped,
    ));
    let began = Instant::now();

    say!("storm: {} edits before the storms", plan.warm_edits);
    let warm_edits = warm_up(
        &shared.api,
        &shared.token,
        &shared.editing,
        plan.warm_edits,
        &shared.errors,
    )
    .await?;
    let revision_before = chaos::current_revision(&db).await?;
    let feed_oldest = scenarios::rows(
        &db,
        "SELECT MIN(revision) FROM catalogue_change WHERE revision IS NOT NULL",
    )
    .await?
    .first()
    .map(|row| row.try_get_by_index::<Option<i64>>(0))
    .transpose()
    .context("the feed's oldest revision")?
    .flatten();
    say!(
        "storm: {} edits ({} failed) up to revision {revision_before}; the feed's oldest revision is {}",
        warm_edits.sent,
        warm_edits.failed,
        feed_oldest.map_or_else(|| "none".to_owned(), |r| r.to_string())
    );
    let (filters_probed, filters_empty) =
        probe_filters(&shared.api, &filters, &shared.errors).await;
    say!(
        "storm: {filters_probed} filters probed as listings, {} list nothing",
        filters_empty.len()
    );
    // A moment for the instance to hand the last edits to the feed.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_before_mib = rss_mib(pid);

    let mut storms = Vec::with_capacity(plan.storms);
    let mut last_closed = Instant::now();
    for (number, filters) in filters.into_iter().enumerate() {
        let (figures, closed) = storm(plan, &shared, number + 1, filters).await?;
        last_closed = closed;
        storms.push(figures);
    }
    tokio::time::sleep_until((last_closed + plan.after_last).into()).await;
    let rss_end_mib = rss_mib(pid);
    let (readyz_end, subscriptions_end) = readyz(&shared.api).await;
    stop_rss.send_replace(true);
    let _ = sampler.await;
    let rss_peak_mib = peak_mib(&shared.samples, began, Instant::now());
    let _ = db.close().await;
    server.stop().await;

    let (error_codes, internal_errors, internal_examples) = {
        let log = shared.errors.lock();
        (
            log.codes.clone(),
            log.internal,
            log.internal_examples.clone(),
        )
    };
    let mut report = Report {
        database: scratch.name.clone(),
        log: plan.log.clone(),
        since_revision: plan.since_revision,
        revision_before,
        feed_oldest,
        warm_edits,
        filters_probed,
        filters_empty,
        rss_before_mib,
        storms,
        after_storm_seconds: plan.after_storm.as_secs_f64(),
        after_last_seconds: plan.after_last.as_secs_f64(),
        rss_end_mib,
        readyz_end,
        subscriptions_end,
        rss_peak_mib,
        error_codes,
        internal_errors,
        internal_examples,
        checks: Vec::new(),
    };
    report.checks = checks(plan, &report);
    Ok(report)
}

/// One storm; its figures and when its sockets had closed.
async fn storm(
    plan: &Plan,
    shared: &Shared,
    number: usize,
    filters: Vec<Value>,
) -> anyhow::Result<(StormFigures, Instant)> {
    let subscriptions = filters.len();
    say!(
        "storm {number}: {} sockets x {} subscriptions with new filters, sinceRevision {}, for {} s",
        plan.sockets,
        plan.subscriptions_per_socket,
        plan.since_revision,
        plan.storm_duration.as_secs_f64()
    );
    let rss_start_mib = rss_mib(shared.pid);
    let log_start = log_length(&plan.log);
    let internal_before = shared.errors.lock().internal;
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();

    let mut sockets = Vec::with_capacity(plan.sockets);
    let mut editor_sockets = 0;
    let mut filters = filters.into_iter();
    for socket in 0..plan.sockets {
        let own: Vec<Value> = filters
            .by_ref()
            .take(plan.subscriptions_per_socket)
            .collect();
        let editor = plan.editor_socket_every > 0
            && socket % plan.editor_socket_every == plan.editor_socket_every - 1;
        editor_sockets += usize::from(editor);
        sockets.push(tokio::spawn(subscribe_all(
            shared.api.clone(),
            editor.then(|| Arc::clone(&shared.token)),
            own,
            plan.since_revision,
            shared.errors.clone(),
            stopped.clone(),
        )));
    }
    let editor = tokio::spawn(edit_steadily(
        shared.api.clone(),
        Arc::clone(&shared.token),
        Arc::clone(&shared.editing),
        plan.edits_per_second,
        shared.errors.clone(),
        stopped.clone(),
    ));
    let reader = tokio::spawn(read_listing(
        Api::new(
            chaos::http_client(Duration::from_secs(30))?,
            &shared.api.base_url,
        ),
        shared.errors.clone(),
        stopped.clone(),
    ));

    tokio::time::sleep(plan.storm_duration / 2).await;
    let (_, held_midway) = readyz(&shared.api).await;
    tokio::time::sleep_until((started + plan.storm_duration).into()).await;
    stop.send_replace(true);
    let mut runs = Vec::with_capacity(sockets.len());
    for socket in sockets {
        runs.push(socket.await.context("a socket's task failed")?);
    }
    let closed = Instant::now();
    let seconds = closed.duration_since(started).as_secs_f64();
    let editor = editor.await.context("the editor failed")??;
    let listing = reader.await.context("the reader failed")??;
    tokio::time::sleep_until((closed + plan.after_storm).into()).await;
    let rss_after_mib = rss_mib(shared.pid);
    let (_, held_after) = readyz(&shared.api).await;
    let rss_peak_mib = peak_mib(&shared.samples, started, Instant::now());
    let internal_errors = shared.errors.lock().internal - internal_before;
    let logged = logged_since(&plan.log, log_start);

    let mut figures = StormFigures {
        number,
        sockets: plan.sockets,
        editor_sockets,
        subscriptions,
        held_midway,
        held_after,
        rss_start_mib,
        rss_peak_mib,
        rss_after_mib,
        editor,
        listing,
        internal_errors,
        logged,
        seconds,
        ..StormFigures::default()
    };
    let mut firsts = chaos::histogram()?;
    for run in &runs {
        if run.connected {
            figures.connected += 1;
        } else {
            if figures.first_failed_connect.is_none() {
                figures.first_failed_connect.clone_from(&run.connect_error);
            }
            *figures
                .ended
                .entry("never subscribed: the socket did not open".to_owned())
                .or_default() += run.events.len() as u64;
        }
        figures.unreadable += run.unreadable;
        for ((events, first), ended) in run.events.iter().zip(&run.first).zip(&run.ended) {
            figures.events += events;
            if *events > 0 {
                figures.reached += 1;
            }
            if let Some(first) = first {
                firsts.saturating_record(chaos::micros(first.duration_since(started)));
            }
            match ended {
                Some(how) if run.connected => {
                    *figures.ended.entry(how.clone()).or_default() += 1;
                }
                None if run.connected && *events == 0 => figures.silent += 1,
                _ => {}
            }
        }
    }
    if !firsts.is_empty() {
        figures.first_event_p50_s = firsts.value_at_quantile(0.5) as f64 / 1e6;
        figures.first_event_max_s = firsts.max() as f64 / 1e6;
    }
    say!(
        "storm {number}: {} events; {} of {} subscriptions reached; RSS start/peak/after {}/{}/{} MiB; editor p99 {:.1} ms, {} failed; listing p99 {:.1} ms",
        figures.events,
        figures.reached,
        figures.subscriptions,
        mib(figures.rss_start_mib),
        mib(figures.rss_peak_mib),
        mib(figures.rss_after_mib),
        figures.editor.latency.p99_ms,
        figures.editor.failed,
        figures.listing.latency.p99_ms
    );
    Ok((figures, closed))
}

// ---------------------------------------------------------------------------------------
// The checks.

fn checks(plan: &Plan, report: &Report) -> Vec<Check> {
    let mut checks = Vec::new();

    // (a) Every storm reaches its subscribers.
    let mut details = Vec::new();
    for storm in &report.storms {
        let reached = share(storm.reached, storm.subscriptions);
        if reached < plan.min_reached_share {
            details.push(format!(
                "storm {}: {} of {} subscriptions ({:.1}%) got an event, {} events in all; {} still open without an event; ended early: {:?}",
                storm.number,
                storm.reached,
                storm.subscriptions,
                reached * 100.0,
                storm.events,
                storm.silent,
                storm.ended
            ));
        }
    }
    if !report.filters_empty.is_empty() {
        details.push(format!(
            "{} of {} filters probed list nothing, e.g. {}",
            report.filters_empty.len(),
            report.filters_probed,
            report.filters_empty[0]
        ));
    }
    checks.push(Check {
        number: 1,
        name: "every storm delivers events to its subscriptions".to_owned(),
        passed: details.is_empty() && !report.storms.is_empty(),
        summary: format!(
            "subscriptions reached per storm: {} (at least {:.0}% each)",
            report
                .storms
                .iter()
                .map(|storm| format!("{}/{}", storm.reached, storm.subscriptions))
                .collect::<Vec<_>>()
                .join(", "),
            plan.min_reached_share * 100.0
        ),
        details,
    });

    // (b) No edit failed.
    let mut details = Vec::new();
    let mut failed = report.warm_edits.failed;
    let mut sent = report.warm_edits.sent;
    if report.warm_edits.failed > 0 {
        details.push(format!(
            "before the storms: {} of {} failed {:?}",
            report.warm_edits.failed, report.warm_edits.sent, report.warm_edits.failures
        ));
        details.extend(report.warm_edits.examples.iter().cloned());
    }
    for storm in &report.storms {
        failed += storm.editor.failed;
        sent += storm.editor.sent;
        if storm.editor.failed > 0 {
            details.push(format!(
                "storm {}: {} of {} failed {:?}",
                storm.number, storm.editor.failed, storm.editor.sent, storm.editor.failures
            ));
            details.extend(storm.editor.examples.iter().cloned());
        }
    }
    checks.push(Check {
        number: 2,
        name: "no editor mutation failed".to_owned(),
        passed: failed == 0,
        summary: format!("{failed} of {sent} updatePublication failed"),
        details,
    });

    // (c) The memory goes back down.
    let limit = report
        .rss_before_mib
        .map(|before| before * plan.rss_growth_factor + plan.rss_headroom_mib);
    let passed = matches!((report.rss_end_mib, limit), (Some(end), Some(limit)) if end <= limit);
    checks.push(Check {
        number: 3,
        name: "memory returns after the storms".to_owned(),
        passed,
        summary: format!(
            "RSS {} s after the last storm {} MiB; limit {} MiB ({} x {} MiB before the first storm + {} MiB)",
            plan.after_last.as_secs_f64(),
            mib(report.rss_end_mib),
            mib(limit),
            plan.rss_growth_factor,
            mib(report.rss_before_mib),
            plan.rss_headroom_mib
        ),
        details: if passed {
            Vec::new()
        } else {
            vec![format!(
                "after each storm's sockets closed: {} MiB",
                report
                    .storms
                    .iter()
                    .map(|storm| mib(storm.rss_after_mib))
                    .collect::<Vec<_>>()
                    .join(", ")
            )]
        },
    });

    // (d) No subscription is left.
    let passed = report.subscriptions_end == Some(0);
    checks.push(Check {
        number: 4,
        name: "/readyz reports no subscription at the end".to_owned(),
        passed,
        summary: format!("feed.subscriptions {}", count(report.subscriptions_end)),
        details: if passed {
            Vec::new()
        } else {
            vec![format!("/readyz: {}", report.readyz_end)]
        },
    });

    // (e) No internal error.
    checks.push(Check {
        number: 5,
        name: "no internal errors".to_owned(),
        passed: report.internal_errors == 0,
        summary: format!(
            "{} answers carried INTERNAL_SERVER_ERROR (or were a bare HTTP 500)",
            report.internal_errors
        ),
        details: report.internal_examples.clone(),
    });
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Vec<Target> {
        (0..EDITED)
            .map(|n| Target {
                global: global_id("Publication", n as i64),
                words: title_words("Protein folding, under pressure: a survey of 3 methods"),
                kind: KINDS[n % 3].to_owned(),
                year: 1990 + (n % 30) as i32,
                topic: (n % 4 != 0).then(|| global_id("Topic", (n % 7) as i64)),
            })
            .collect()
    }

    #[test]
    fn every_filter_of_the_run_is_distinct() {
        let all = filters(&targets(), 5, 2000);
        assert_eq!(all.len(), 5);
        let mut seen = HashSet::new();
        for list in &all {
            assert_eq!(list.len(), 2000);
            for filter in list {
                assert!(seen.insert(filter.to_string()), "{filter} twice");
            }
        }
    }

    #[test]
    fn every_filter_finds_its_publication() {
        let targets = targets();
        for (storm, list) in filters(&targets, 2, 500).iter().enumerate() {
            for (number, filter) in list.iter().enumerate() {
                let target = &targets[(number * 31 + storm * 17) % targets.len()];
                let year = i64::from(target.year);
                assert!(filter["year"]["from"].as_i64() <= Some(year));
                assert!(filter["year"]["to"].as_i64() >= Some(year));
                if let Some(kinds) = filter["kinds"].as_array() {
                    assert!(kinds.iter().any(|kind| kind == target.kind.as_str()));
                }
                if let Some(search) = filter["search"].as_str() {
                    assert!(
                        search
                            .split(' ')
                            .all(|word| target.words.iter().any(|w| w == word))
                    );
                }
            }
        }
    }

    #[test]
    fn title_words_are_long_and_plain() {
        assert_eq!(
            title_words("Protein folding, under pressure: a survey of 3D methods"),
            [
                "protein", "folding", "under", "pressure", "survey", "methods"
            ]
        );
    }

    #[test]
    fn refusals_are_classified() {
        assert_eq!(
            classify(
                r#"HTTP 503 Service Unavailable: [{"message":"failed to check a token","extensions":{"code":"SERVICE_UNAVAILABLE"}}]"#
            ),
            "HTTP 503 SERVICE_UNAVAILABLE (token)"
        );
        assert_eq!(
            classify("HTTP 502 Bad Gateway: <html>"),
            "HTTP 502 (no code)"
        );
    }
}
