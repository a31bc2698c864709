//! The chaos scenario: two instances of the service on one fresh Postgres database, under
//! steady reads, edits, a large BibTeX import and hundreds of live subscribers, while the
//! faults a deployment meets happen to it:
//!
//! - every [`TERMINATE_EVERY`] Postgres terminates every connection to the database (the
//!   instances' pools and their `LISTEN` connections);
//! - halfway through, instance B is killed with SIGKILL and started again on the same port
//!   and data directory;
//! - a little later, instance A's read index directory is made immutable (`chattr -R +i`)
//!   for [`FROZEN`], then writable again.
//!
//! When the load stops and the instances have had a moment to settle, it checks what clients
//! rely on: every acknowledged write is in the database; both read indexes agree with SQL;
//! every subscriber, across its reconnects, got the events of its list exactly once and in
//! revision order; no answer was an internal error; and it reports the latency of `/healthz`
//! and of the listing during the run, and each instance's memory.
//!
//! Subscribers resume after a disconnect from the revision before the last one they saw, so
//! that a revision whose events the disconnect split is replayed whole; the repeats of that
//! one revision are dropped by (revision, publication). Any other repeat, and any event at or
//! before the `sinceRevision` asked for, is a fault of the service.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt as _, StreamExt as _};
use hdrhistogram::Histogram;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::generate;
use crate::load::Api;
use crate::say;
use crate::scenarios::{global_id, rows};
use crate::server::{Launch, Log, Server};

/// How often Postgres terminates every connection to the database.
pub const TERMINATE_EVERY: Duration = Duration::from_secs(5);
/// How long instance A's read index directory stays unwritable.
pub const FROZEN: Duration = Duration::from_secs(10);
/// How long the instances have after the load stops, before anything is checked.
pub const SETTLE: Duration = Duration::from_secs(5);
/// How long, after [`SETTLE`], the unfiltered subscribers have to reach the last revision.
const CATCH_UP: Duration = Duration::from_secs(30);
/// How often the health poller asks `/healthz`.
const HEALTHZ_EVERY: Duration = Duration::from_millis(100);
/// How often each instance's resident memory is read.
const RSS_EVERY: Duration = Duration::from_secs(1);
/// The pause between two requests of one editor, and of one reader.
const EDIT_PAUSE: Duration = Duration::from_millis(25);
const READ_PAUSE: Duration = Duration::from_millis(10);
/// How long a subscriber waits before reconnecting, at first and at most.
const RECONNECT_PAUSE: Duration = Duration::from_millis(100);
const RECONNECT_PAUSE_MAX: Duration = Duration::from_secs(1);
/// How long opening a WebSocket, and its `connection_ack`, may take.
const WS_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the read index check waits for an index that disagrees with SQL to catch up.
const INDEX_ATTEMPTS: usize = 5;
const INDEX_RETRY_PAUSE: Duration = Duration::from_secs(2);
/// The default latency targets at the 99th percentile during the run, for a debug build on
/// a small machine (which serves the listing far slower than a release build).
pub const HEALTHZ_P99_TARGET_MS: f64 = 250.0;
pub const LISTING_P99_TARGET_MS: f64 = 2_000.0;
/// The most resident memory an instance may reach.
pub const RSS_LIMIT_MIB: f64 = 1_024.0;
/// How many examples a failed check shows per kind of failure.
const EXAMPLES: usize = 5;

const SUBSCRIPTION: &str = "subscription Chaos($filter: PublicationFilter, $since: Int) { \
     publicationEvents(filter: $filter, sinceRevision: $since) { revision kind publicationId } }";
const LISTING: &str = "query ChaosListing { publications(first: 20, \
     orderBy: [{ field: PUBLISHED_ON, direction: DESC }]) { totalCount \
     nodes { id title year authorCount venue { name } } } }";
pub(crate) const UPDATE: &str = "mutation ChaosUpdate($input: UpdatePublicationInput!) { \
     updatePublication(input: $input) { publication { id version } userErrors { code message } } }";
const CREATE: &str = "mutation ChaosCreate($input: CreatePublicationInput!) { \
     createPublication(input: $input) { publication { id version } userErrors { code message } } }";
pub(crate) const VERSION: &str =
    "query ChaosVersion($id: ID!) { publication(id: $id) { version } }";
const IMPORT: &str = "mutation ChaosImport($input: ImportBibtexInput!) { \
     importBibtex(input: $input) { createdCount matchedCount rejectedCount \
     entries { key outcome reason publication { id } } userErrors { code message } } }";
const IDS: &str = "query ChaosIds($filter: PublicationFilter, $after: String) { \
     publications(first: 100, after: $after, filter: $filter) { totalCount \
     pageInfo { endCursor hasNextPage } nodes { id } } }";

/// The kinds an editor moves publications between, GraphQL spelling.
const KINDS: [&str; 4] = [
    "JOURNAL_ARTICLE",
    "CONFERENCE_PAPER",
    "PREPRINT",
    "TECHNICAL_REPORT",
];

/// How the scenario runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The `api` binary both instances run.
    pub api_bin: PathBuf,
    /// A Postgres URL on the server to use: the scenario creates a database of its own
    /// beside the one it names, and drops it afterwards unless `keep_database`.
    pub database_url: String,
    /// How long the load and the faults last.
    pub duration: Duration,
    pub subscribers: usize,
    /// The size of the generated catalogue the run starts from.
    pub publications: usize,
    /// Clients asking for the listing page without a pause, spread over both instances.
    pub readers: usize,
    /// Clients editing and creating publications with an editor token.
    pub editors: usize,
    /// Entries of the one BibTeX import (at most 500, the service's limit).
    pub import_entries: usize,
    /// The instances log to `<log_prefix>.a.log` and `<log_prefix>.b.log`.
    pub log_prefix: PathBuf,
    pub keep_database: bool,
    /// Keep the database when a check fails, for inspection.
    pub keep_failed_database: bool,
    /// How long an instance may take to answer `/readyz` with 200 at a start.
    pub ready_timeout: Duration,
    /// Check 5's targets for the 99th percentile of `/healthz` and of the listing; `None`
    /// measures and prints the latency without judging it (a test on a shared machine
    /// judges what the service promises, not how fast a debug build is there).
    pub healthz_p99_target_ms: Option<f64>,
    pub listing_p99_target_ms: Option<f64>,
}

impl Plan {
    pub fn new(api_bin: &Path, database_url: &str) -> Self {
        Self {
            api_bin: api_bin.to_owned(),
            database_url: database_url.to_owned(),
            duration: Duration::from_secs(60),
            subscribers: 200,
            publications: 3_000,
            readers: 3,
            editors: 3,
            import_entries: 500,
            log_prefix: std::env::temp_dir()
                .join(format!("catalogue-bench-chaos-{}", std::process::id())),
            keep_database: false,
            keep_failed_database: true,
            ready_timeout: Duration::from_secs(180),
            healthz_p99_target_ms: Some(HEALTHZ_P99_TARGET_MS),
            listing_p99_target_ms: Some(LISTING_P99_TARGET_MS),
        }
    }

    fn at(&self, share: f64) -> Duration {
        self.duration.mul_f64(share)
    }
}

// ---------------------------------------------------------------------------------------
// The report.

/// One check's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub number: u8,
    pub name: String,
    pub passed: bool,
    pub summary: String,
    /// What failed, a line each (examples, counts).
    pub details: Vec<String>,
}

/// Latency figures in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub(crate) fn of(histogram: &Histogram<u64>) -> Self {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Self {
            count: histogram.len(),
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceFigures {
    pub name: String,
    pub base_url: String,
    pub log: PathBuf,
    pub peak_rss_mib: Option<f64>,
    pub final_rss_mib: Option<f64>,
    /// `/readyz` at the end: its status and body.
    pub readyz: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Faults {
    /// Backends terminated at each round.
    pub terminated: Vec<u64>,
    pub terminate_failures: Vec<String>,
    /// Instance B: from the SIGKILL to its new process answering `/readyz` 200.
    pub b_restart_seconds: Option<f64>,
    pub b_restart_error: Option<String>,
    /// How instance A's index directory was made unwritable, and what went wrong.
    pub freeze: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Reads {
    pub listing: Latency,
    /// Listing requests answered with errors, and not answered at all.
    pub listing_refused: u64,
    pub listing_no_answer: u64,
    pub healthz: Latency,
    pub healthz_not_ok: u64,
    pub healthz_no_answer: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Edits {
    pub sent: u64,
    pub acknowledged_updates: u64,
    pub acknowledged_creates: u64,
    /// Answers with GraphQL errors or a status that is not 200.
    pub refused: u64,
    pub no_answer: u64,
    /// `userErrors` codes (CONFLICT mostly, after an unacknowledged write moved the version).
    pub user_errors: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Import {
    pub entries: usize,
    pub acknowledged: bool,
    pub seconds: f64,
    pub created: u64,
    pub matched: u64,
    pub rejected: u64,
    pub first_rejection: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Subscriptions {
    pub subscribers: usize,
    /// Subscriptions opened, first ones included.
    pub sessions: u64,
    pub failed_connects: u64,
    pub events: u64,
    /// Events of the replayed revision that the subscriber had seen already, dropped.
    pub replayed_dropped: u64,
    /// Events of the replayed revision that it had not seen: what resuming from the last
    /// revision seen, rather than the one before, would have lost.
    pub replay_recovered: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// How sessions ended before the run told them to, by reason.
    pub ended: BTreeMap<String, u64>,
    pub first_failed_connect: Option<String>,
}

/// The run's figures and the checks' verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub database: String,
    pub duration_seconds: f64,
    pub start_revision: i64,
    pub end_revision: i64,
    pub instances: Vec<InstanceFigures>,
    pub faults: Faults,
    pub reads: Reads,
    pub edits: Edits,
    pub import: Import,
    pub subscriptions: Subscriptions,
    /// Every error code seen in an answer, as `CODE (http|ws)`, with how many answers.
    pub error_codes: BTreeMap<String, u64>,
    /// Answers with an internal error.
    pub internal_errors: u64,
    /// The same, by request (`updatePublication (http)`, a subscriber's list over ws...).
    pub internal_by_request: BTreeMap<String, u64>,
    pub internal_examples: Vec<String>,
    pub checks: Vec<Check>,
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
        let mib =
            |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}"));
        say!(
            "chaos: {:.0} s on database {} (revisions {} to {})",
            self.duration_seconds,
            self.database,
            self.start_revision,
            self.end_revision
        );
        say!("");
        say!(
            "{:<10} {:>10} {:>10} {:>10} {:>8}  {}",
            "requests",
            "answered",
            "p50 ms",
            "p99 ms",
            "max ms",
            "failures"
        );
        let reads = &self.reads;
        say!(
            "{:<10} {:>10} {:>10.1} {:>10.1} {:>8.1}  {} not 200, {} not answered",
            "/healthz",
            reads.healthz.count,
            reads.healthz.p50_ms,
            reads.healthz.p99_ms,
            reads.healthz.max_ms,
            reads.healthz_not_ok,
            reads.healthz_no_answer
        );
        say!(
            "{:<10} {:>10} {:>10.1} {:>10.1} {:>8.1}  {} with errors, {} not answered",
            "listing",
            reads.listing.count,
            reads.listing.p50_ms,
            reads.listing.p99_ms,
            reads.listing.max_ms,
            reads.listing_refused,
            reads.listing_no_answer
        );
        let edits = &self.edits;
        say!(
            "edits:     {} sent, {} updates and {} creates acknowledged, {} with errors, {} not answered, userErrors {:?}",
            edits.sent,
            edits.acknowledged_updates,
            edits.acknowledged_creates,
            edits.refused,
            edits.no_answer,
            edits.user_errors
        );
        let import = &self.import;
        say!(
            "import:    {} entries in {:.1} s: {} ({} created, {} matched, {} rejected){}{}",
            import.entries,
            import.seconds,
            if import.acknowledged {
                "acknowledged"
            } else {
                "NOT acknowledged"
            },
            import.created,
            import.matched,
            import.rejected,
            import
                .first_rejection
                .as_ref()
                .map_or_else(String::new, |r| format!("; first rejection: {r}")),
            import
                .error
                .as_ref()
                .map_or_else(String::new, |e| format!("; error: {e}"))
        );
        let subs = &self.subscriptions;
        say!(
            "live:      {} subscribers, {} sessions ({} failed connects), {} events {:?}; replayed revision: {} repeats dropped, {} events recovered",
            subs.subscribers,
            subs.sessions,
            subs.failed_connects,
            subs.events,
            subs.by_kind,
            subs.replayed_dropped,
            subs.replay_recovered
        );
        for (reason, count) in &subs.ended {
            say!("           {count:>5} sessions ended: {reason}");
        }
        if let Some(first) = &subs.first_failed_connect {
            say!("           first failed connect: {first}");
        }
        let faults = &self.faults;
        say!(
            "faults:    backends terminated per round {:?}{}",
            faults.terminated,
            if faults.terminate_failures.is_empty() {
                String::new()
            } else {
                format!("; failures: {:?}", faults.terminate_failures)
            }
        );
        say!(
            "           instance B SIGKILLed and restarted: {}",
            match (&faults.b_restart_seconds, &faults.b_restart_error) {
                (Some(seconds), _) => format!("ready again in {seconds:.1} s"),
                (None, Some(err)) => format!("FAILED: {err}"),
                (None, None) => "not done".to_owned(),
            }
        );
        say!("           instance A's index directory: {}", faults.freeze);
        say!("");
        say!(
            "{:<9} {:>14} {:>15}  {:<40} {}",
            "instance",
            "peak RSS MiB",
            "final RSS MiB",
            "url",
            "/readyz at the end"
        );
        for instance in &self.instances {
            say!(
                "{:<9} {:>14} {:>15}  {:<40} {}",
                instance.name,
                mib(instance.peak_rss_mib),
                mib(instance.final_rss_mib),
                instance.base_url,
                instance.readyz
            );
        }
        for instance in &self.instances {
            say!("log of {}: {}", instance.name, instance.log.display());
        }
        say!("");
        say!("error codes in answers:");
        if self.error_codes.is_empty() {
            say!("  none");
        }
        for (code, count) in &self.error_codes {
            say!("  {count:>7}  {code}");
        }
        if !self.internal_by_request.is_empty() {
            say!("answers with INTERNAL_SERVER_ERROR by request:");
        }
        for (request, count) in &self.internal_by_request {
            say!("  {count:>7}  {request}");
        }
        for example in &self.internal_examples {
            say!("  internal error: {example}");
        }
        say!("");
        print_checks("chaos", &self.checks, |number| format!("{number}."));
    }
}

/// A PASS or FAIL line per check, `label` naming its number, with what failed under it; then
/// the verdict of `scenario`.
pub(crate) fn print_checks(scenario: &str, checks: &[Check], label: impl Fn(u8) -> String) {
    for check in checks {
        say!(
            "{} {} {}: {}",
            if check.passed { "PASS" } else { "FAIL" },
            label(check.number),
            check.name,
            check.summary
        );
        for line in &check.details {
            say!("       {line}");
        }
    }
    let failed = checks.iter().filter(|check| !check.passed).count();
    say!(
        "{scenario}: {}",
        if failed == 0 {
            "every check passed".to_owned()
        } else {
            format!("{failed} of {} checks FAILED", checks.len())
        }
    );
}

// ---------------------------------------------------------------------------------------
// Errors seen in answers.

#[derive(Debug, Default)]
pub(crate) struct ErrorLog {
    pub(crate) codes: BTreeMap<String, u64>,
    pub(crate) internal: u64,
    pub(crate) internal_by_request: BTreeMap<String, u64>,
    pub(crate) internal_examples: Vec<String>,
}

/// Every error code any client of the run saw, shared by all of them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Errors(Arc<Mutex<ErrorLog>>);

impl Errors {
    pub(crate) fn lock(&self) -> MutexGuard<'_, ErrorLog> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes one answer's error code seen on `channel` ("http" or "ws"); `what` says which
    /// request.
    pub(crate) fn code(&self, channel: &str, code: &str, what: &str, example: &str) {
        let mut log = self.lock();
        *log.codes.entry(format!("{code} ({channel})")).or_default() += 1;
        if code == "INTERNAL_SERVER_ERROR" || code == "HTTP 500" {
            log.internal += 1;
            *log.internal_by_request
                .entry(format!("{what} ({channel})"))
                .or_default() += 1;
            if log.internal_examples.len() < EXAMPLES {
                let example: String = example.chars().take(400).collect();
                log.internal_examples
                    .push(format!("{what} over {channel}: {example}"));
            }
        }
    }

    /// Notes the codes of one answer's GraphQL `errors`, each code once per answer.
    pub(crate) fn graphql(&self, channel: &str, what: &str, errors: &Value) {
        let list = match errors {
            Value::Array(list) => list.as_slice(),
            other => std::slice::from_ref(other),
        };
        let mut noted = BTreeSet::new();
        for error in list {
            let code = error["extensions"]["code"].as_str().unwrap_or("(no code)");
            if noted.insert(code) {
                self.code(channel, code, what, &error.to_string());
            }
        }
    }
}

/// What an HTTP request got.
pub(crate) enum Answer {
    /// `data`, without errors.
    Data(Value),
    /// Errors, or a body that is not a GraphQL answer.
    Refused(String),
    /// No answer at all (connection refused, reset, timed out).
    Unanswered(String),
}

/// Posts a GraphQL request and notes the error codes of the answer.
pub(crate) async fn post(
    api: &Api,
    errors: &Errors,
    what: &str,
    body: &Value,
    token: Option<&str>,
) -> Answer {
    let (status, bytes) = match api.send(body.to_string(), token).await {
        Ok(answer) => answer,
        Err(err) => return Answer::Unanswered(err),
    };
    let Ok(value) = serde_json::from_slice::<Value>(&bytes) else {
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
        errors.code("http", &format!("HTTP {}", status.as_u16()), what, &text);
        return Answer::Refused(format!("HTTP {status}: {text}"));
    };
    if let Some(list) = value.get("errors").filter(|e| !e.is_null()) {
        errors.graphql("http", what, list);
        return Answer::Refused(format!("HTTP {status}: {list}"));
    }
    match value.get("data") {
        Some(data) if status.is_success() && !data.is_null() => Answer::Data(data.clone()),
        _ => {
            errors.code(
                "http",
                &format!("HTTP {}", status.as_u16()),
                what,
                &value.to_string(),
            );
            Answer::Refused(format!("HTTP {status}: {value}"))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The database of the run.

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// A database made for the run, and a connection to the one beside it that the run uses to
/// create it, terminate its connections and drop it.
pub(crate) struct Scratch {
    pub(crate) admin: DatabaseConnection,
    pub(crate) name: String,
    pub(crate) url: String,
}

impl Scratch {
    /// Creates `catalogue_<scenario>_<pid>_<millis>` beside the database of `admin_url`.
    pub(crate) async fn create(admin_url: &str, scenario: &str) -> anyhow::Result<Self> {
        if !admin_url.starts_with("postgres://") && !admin_url.starts_with("postgresql://") {
            bail!(
                "the {scenario} scenario runs on Postgres: DATABASE_URL must be a postgres:// URL"
            );
        }
        let mut options = ConnectOptions::new(admin_url.to_owned());
        options.max_connections(1).sqlx_logging(false);
        let admin = Database::connect(options)
            .await
            .context("failed to connect to DATABASE_URL")?;
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_millis())
            .unwrap_or_default();
        let name = format!("catalogue_{scenario}_{}_{millis}", std::process::id());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .with_context(|| format!("failed to create the database {name}"))?;
        Ok(Self {
            url: with_database(admin_url, &name),
            admin,
            name,
        })
    }

    pub(crate) async fn drop_database(&self) -> anyhow::Result<()> {
        self.admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .with_context(|| format!("failed to drop the database {}", self.name))?;
        Ok(())
    }
}

/// Terminates every connection to the database `name` (through a connection to another
/// one); how many there were.
async fn terminate(admin: &DatabaseConnection, name: &str) -> anyhow::Result<u64> {
    let row = admin
        .query_one_raw(Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        ))
        .await
        .context("failed to terminate the database's connections")?
        .context("pg_terminate_backend returned no row")?;
    let count: i64 = row.try_get_by_index(0).context("the terminated count")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

pub(crate) async fn current_revision(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let row = rows(db, "SELECT revision FROM catalogue_revision WHERE id = 1")
        .await?
        .into_iter()
        .next()
        .context("the catalogue has no revision row")?;
    row.try_get_by_index(0).context("the revision")
}

/// The number in a global id ("Publication:12", base64).
fn local_id(global: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(global.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.rsplit_once(':')?.1.parse().ok()
}

/// A fresh editor token named after the scenario, created in the database as
/// `api token create` does.
pub(crate) async fn editor_token(
    db: &DatabaseConnection,
    scenario: &str,
) -> anyhow::Result<String> {
    let name = format!("catalogue-bench-{scenario}-{}", std::process::id());
    let parsed = api::domain::Name::parse(&name).map_err(|err| anyhow::anyhow!("{err}"))?;
    let (_, secret) = api::service::token::create(db, parsed, entity::api_token::Role::Editor)
        .await
        .context("failed to create an editor token")?;
    Ok(secret)
}

// ---------------------------------------------------------------------------------------
// Subscribers.

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Who a subscriber is and what it follows.
#[derive(Debug, Clone)]
struct Watcher {
    number: usize,
    label: &'static str,
    filter: Option<Value>,
    editor: bool,
}

impl Watcher {
    /// Whether it hears of every change to every publication: its stream must equal the feed.
    fn sees_everything(&self) -> bool {
        self.editor && self.filter.is_none()
    }
}

/// The lists the subscribers follow, in turn.
fn watchers(count: usize, topic: &str) -> Vec<Watcher> {
    let kinds = json!({ "kinds": ["JOURNAL_ARTICLE", "CONFERENCE_PAPER"] });
    let lists: [(&'static str, Option<Value>, bool); 10] = [
        ("anonymous, unfiltered", None, false),
        ("editor, unfiltered", None, true),
        ("anonymous, two kinds", Some(kinds), false),
        (
            "editor, from 2010",
            Some(json!({ "year": { "from": 2010 } })),
            true,
        ),
        (
            "anonymous, a topic",
            Some(json!({ "topics": { "anyOf": [topic] } })),
            false,
        ),
        (
            "anonymous, search",
            Some(json!({ "search": "protein" })),
            false,
        ),
        (
            "editor, drafts",
            Some(json!({ "statuses": ["DRAFT"] })),
            true,
        ),
        ("editor, unfiltered", None, true),
        (
            "anonymous, preprints 2000-2015",
            Some(json!({ "kinds": ["PREPRINT"], "year": { "from": 2000, "to": 2015 } })),
            false,
        ),
        ("editor, search", Some(json!({ "search": "protein" })), true),
    ];
    (0..count)
        .map(|number| {
            let (label, filter, editor) = lists[number % lists.len()].clone();
            Watcher {
                number,
                label,
                filter,
                editor,
            }
        })
        .collect()
}

/// One subscription, from `subscribe` to its end.
#[derive(Debug)]
struct Session {
    since: i64,
    /// (revision, publication) in the order read.
    events: Vec<(i64, i64)>,
}

/// What one subscriber got over the run.
#[derive(Debug)]
struct Followed {
    watcher: Watcher,
    sessions: Vec<Session>,
    failed_connects: u64,
    first_failed_connect: Option<String>,
    /// How sessions ended before the stop, by reason.
    ended: BTreeMap<String, u64>,
    by_kind: BTreeMap<String, u64>,
    /// Messages that could not be read.
    unreadable: u64,
    first_unreadable: Option<String>,
}

/// What the subscribers share with the run: how far each got.
struct Progress {
    /// The highest revision each subscriber has read; -1 before any.
    last: Vec<AtomicI64>,
    /// Subscribers that opened their first subscription.
    subscribed: AtomicUsize,
}

/// Resolves when the run says stop (or can say nothing more).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Opens a WebSocket to `api`, initialises it (with the token, if any) and subscribes to
/// `filter`'s events after revision `since`.
async fn open(
    api: &Api,
    token: Option<&str>,
    filter: Option<&Value>,
    since: i64,
) -> anyhow::Result<Socket> {
    let mut socket = connect(api, token).await?;
    socket
        .send(text(&json!({
            "type": "subscribe",
            "id": "1",
            "payload": {
                "query": SUBSCRIPTION,
                "variables": { "filter": filter, "since": since },
            },
        })))
        .await
        .context("failed to subscribe")?;
    Ok(socket)
}

/// Opens a graphql-transport-ws WebSocket to `api` and initialises it (with the token, if
/// any), answering pings until its `connection_ack`.
pub(crate) async fn connect(api: &Api, token: Option<&str>) -> anyhow::Result<Socket> {
    let url = format!("{}/graphql", api.base_url.replacen("http", "ws", 1));
    let mut request = url
        .as_str()
        .into_client_request()
        .with_context(|| format!("{url} is not a WebSocket URL"))?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) = tokio::time::timeout(
        WS_TIMEOUT,
        tokio_tungstenite::connect_async_with_config(request, None, true),
    )
    .await
    .context("the WebSocket did not open in time")?
    .context("failed to open the WebSocket")?;
    let payload = token.map_or_else(
        || json!({}),
        |token| json!({ "Authorization": format!("Bearer {token}") }),
    );
    socket
        .send(text(
            &json!({ "type": "connection_init", "payload": payload }),
        ))
        .await
        .context("failed to send connection_init")?;
    let deadline = Instant::now() + WS_TIMEOUT;
    loop {
        let frame = tokio::time::timeout_at(deadline.into(), socket.next())
            .await
            .context("no connection_ack in time")?;
        match frame {
            Some(Ok(Message::Text(body))) => {
                let message: Value = serde_json::from_str(body.as_str())
                    .with_context(|| format!("an unreadable message: {body}"))?;
                match message["type"].as_str() {
                    Some("connection_ack") => break,
                    Some("ping") => socket
                        .send(text(&json!({ "type": "pong" })))
                        .await
                        .context("failed to answer a ping")?,
                    _ => bail!("expected connection_ack, got {body}"),
                }
            }
            Some(Ok(Message::Close(frame))) => bail!(
                "closed before connection_ack: {}",
                frame.map_or_else(
                    || "no code".to_owned(),
                    |f| format!("{} {}", u16::from(f.code), f.reason)
                )
            ),
            Some(Ok(_)) => {}
            Some(Err(err)) => {
                return Err(err).context("the WebSocket failed before connection_ack");
            }
            None => bail!("the WebSocket ended before connection_ack"),
        }
    }
    Ok(socket)
}

pub(crate) fn text(message: &Value) -> Message {
    Message::text(message.to_string())
}

/// How a session ended.
enum SessionEnd {
    /// The run said stop.
    Stopped,
    /// The server or the network ended it, for this reason.
    Ended(String),
}

/// Follows one subscriber's list until the stop, reconnecting (to the other instance) after
/// every end and resuming from the revision before the last one it saw.
async fn follow(
    watcher: Watcher,
    apis: Arc<[Api; 2]>,
    token: Option<Arc<str>>,
    start: i64,
    errors: Errors,
    progress: Arc<Progress>,
    mut stop: watch::Receiver<bool>,
) -> Followed {
    let mut followed = Followed {
        watcher,
        sessions: Vec::new(),
        failed_connects: 0,
        first_failed_connect: None,
        ended: BTreeMap::new(),
        by_kind: BTreeMap::new(),
        unreadable: 0,
        first_unreadable: None,
    };
    let number = followed.watcher.number;
    let mut instance = number % 2;
    let mut last: Option<i64> = None;
    let mut pause = RECONNECT_PAUSE;
    loop {
        if *stop.borrow() {
            break;
        }
        let since = last.map_or(start, |last| (last - 1).max(start));
        let opened = tokio::select! {
            opened = open(
                &apis[instance],
                token.as_deref(),
                followed.watcher.filter.as_ref(),
                since,
            ) => opened,
            () = stopped(&mut stop) => break,
        };
        match opened {
            Err(err) => {
                followed.failed_connects += 1;
                followed
                    .first_failed_connect
                    .get_or_insert_with(|| format!("{}: {err:#}", apis[instance].base_url));
            }
            Ok(socket) => {
                if followed.sessions.is_empty() {
                    progress.subscribed.fetch_add(1, Ordering::Relaxed);
                }
                let opened_at = Instant::now();
                let mut session = Session {
                    since,
                    events: Vec::new(),
                };
                let end = listen(
                    socket,
                    &mut session,
                    &mut followed,
                    &errors,
                    &progress.last[number],
                    &mut stop,
                )
                .await;
                if let Some(revision) = session.events.iter().map(|(r, _)| *r).max() {
                    last = Some(last.map_or(revision, |last| last.max(revision)));
                }
                let fruitful =
                    !session.events.is_empty() || opened_at.elapsed() > Duration::from_secs(2);
                followed.sessions.push(session);
                match end {
                    SessionEnd::Stopped => break,
                    SessionEnd::Ended(reason) => {
                        *followed.ended.entry(reason).or_default() += 1;
                    }
                }
                if fruitful {
                    pause = RECONNECT_PAUSE;
                }
            }
        }
        instance = (instance + 1) % 2;
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stopped(&mut stop) => break,
        }
        pause = (pause * 2).min(RECONNECT_PAUSE_MAX);
    }
    followed
}

/// Reads one session's events until it ends or the run stops.
async fn listen(
    mut socket: Socket,
    session: &mut Session,
    followed: &mut Followed,
    errors: &Errors,
    last: &AtomicI64,
    stop: &mut watch::Receiver<bool>,
) -> SessionEnd {
    let what = followed.watcher.label;
    loop {
        let frame = tokio::select! {
            frame = socket.next() => frame,
            () = stopped(stop) => {
                let _ = socket.close(None).await;
                return SessionEnd::Stopped;
            }
        };
        let body = match frame {
            Some(Ok(Message::Text(body))) => body,
            Some(Ok(Message::Close(frame))) => {
                return SessionEnd::Ended(frame.map_or_else(
                    || "closed without a code".to_owned(),
                    |frame| format!("close {}", u16::from(frame.code)),
                ));
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => {
                return SessionEnd::Ended(format!("connection failed ({})", error_kind(&err)));
            }
            None => return SessionEnd::Ended("connection dropped".to_owned()),
        };
        let Ok(message) = serde_json::from_str::<Value>(body.as_str()) else {
            followed.unreadable += 1;
            followed
                .first_unreadable
                .get_or_insert_with(|| body.to_string());
            continue;
        };
        match message["type"].as_str() {
            Some("next") => {
                let payload = &message["payload"];
                if let Some(list) = payload.get("errors").filter(|e| !e.is_null()) {
                    errors.graphql("ws", what, list);
                }
                let event = &payload["data"]["publicationEvents"];
                if event.is_null() {
                    continue;
                }
                let revision = event["revision"].as_i64();
                let publication = event["publicationId"].as_str().and_then(local_id);
                match (revision, publication) {
                    (Some(revision), Some(publication)) => {
                        session.events.push((revision, publication));
                        last.fetch_max(revision, Ordering::Relaxed);
                        let kind = event["kind"].as_str().unwrap_or("?").to_owned();
                        *followed.by_kind.entry(kind).or_default() += 1;
                    }
                    _ => {
                        followed.unreadable += 1;
                        followed
                            .first_unreadable
                            .get_or_insert_with(|| body.to_string());
                    }
                }
            }
            Some("error") => {
                errors.graphql("ws", what, &message["payload"]);
                let code = message["payload"][0]["extensions"]["code"]
                    .as_str()
                    .unwrap_or("(no code)");
                let _ = socket.close(None).await;
                return SessionEnd::Ended(format!("error {code}"));
            }
            Some("complete") => {
                let _ = socket.close(None).await;
                return SessionEnd::Ended("complete".to_owned());
            }
            Some("ping") => {
                if socket.send(text(&json!({ "type": "pong" }))).await.is_err() {
                    return SessionEnd::Ended("failed to answer a ping".to_owned());
                }
            }
            Some("pong") => {}
            _ => {
                followed.unreadable += 1;
                followed
                    .first_unreadable
                    .get_or_insert_with(|| body.to_string());
            }
        }
    }
}

/// A short name for a WebSocket failure, to count sessions by how they ended.
pub(crate) fn error_kind(err: &tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match err {
        Error::ConnectionClosed | Error::AlreadyClosed => "closed".to_owned(),
        Error::Io(io) => format!("{:?}", io.kind()),
        Error::Protocol(protocol) => format!("protocol: {protocol}"),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Readers.

pub(crate) fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 600_000_000, 3).context("failed to make a histogram")
}

pub(crate) fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}

struct ListingRun {
    latency: Histogram<u64>,
    refused: u64,
    no_answer: u64,
}

/// Asks for the listing page, in turn on each instance, until the stop.
async fn read_listing(
    apis: Arc<[Api; 2]>,
    reader: usize,
    errors: Errors,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<ListingRun> {
    let mut run = ListingRun {
        latency: histogram()?,
        refused: 0,
        no_answer: 0,
    };
    let body = json!({ "query": LISTING });
    let mut sent = 0usize;
    while !*stop.borrow() {
        let api = &apis[(reader + sent) % 2];
        sent += 1;
        let started = Instant::now();
        match post(api, &errors, "listing", &body, None).await {
            Answer::Data(_) => run.latency.saturating_record(micros(started.elapsed())),
            Answer::Refused(_) => {
                run.latency.saturating_record(micros(started.elapsed()));
                run.refused += 1;
            }
            Answer::Unanswered(_) => run.no_answer += 1,
        }
        tokio::time::sleep(READ_PAUSE).await;
    }
    Ok(run)
}

struct HealthRun {
    latency: Histogram<u64>,
    not_ok: u64,
    no_answer: u64,
}

/// Polls `/healthz` every [`HEALTHZ_EVERY`] until the stop.
async fn poll_health(api: Api, stop: watch::Receiver<bool>) -> anyhow::Result<HealthRun> {
    let mut run = HealthRun {
        latency: histogram()?,
        not_ok: 0,
        no_answer: 0,
    };
    let mut ticker = tokio::time::interval(HEALTHZ_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !*stop.borrow() {
        ticker.tick().await;
        let started = Instant::now();
        match api.get("/healthz").await {
            Ok(status) => {
                run.latency.saturating_record(micros(started.elapsed()));
                if !status.is_success() {
                    run.not_ok += 1;
                }
            }
            Err(_) => run.no_answer += 1,
        }
    }
    Ok(run)
}

// ---------------------------------------------------------------------------------------
// Editors.

/// A publication an editor owns (no other editor touches it), with the version it last saw.
#[derive(Debug, Clone)]
struct Owned {
    id: i64,
    global: String,
    version: i64,
    /// The version may have moved without the editor knowing (a write not acknowledged).
    stale: bool,
}

/// A write the service acknowledged: an answer with data and no errors.
#[derive(Debug, Clone)]
enum Write {
    Update {
        id: i64,
        version: i64,
        url: String,
        kind: Option<&'static str>,
        status: Option<&'static str>,
    },
    Create {
        id: i64,
        title: String,
        status: &'static str,
    },
}

#[derive(Debug, Default)]
struct EditorRun {
    acknowledged: Vec<Write>,
    sent: u64,
    refused: u64,
    no_answer: u64,
    user_errors: BTreeMap<String, u64>,
}

/// Edits its own publications and creates new ones, alternating the instances, until the
/// stop; every third write to a publication also changes its kind, and every tenth archives
/// or publishes it again.
async fn edit(
    apis: Arc<[Api; 2]>,
    editor: usize,
    mut owned: Vec<Owned>,
    author: String,
    token: Arc<str>,
    errors: Errors,
    stop: watch::Receiver<bool>,
) -> EditorRun {
    let mut run = EditorRun::default();
    let mut n = 0usize;
    while !*stop.borrow() && !owned.is_empty() {
        let api = &apis[(editor + n) % 2];
        run.sent += 1;
        if n % 4 == 3 {
            create(api, editor, n, &author, &token, &errors, &mut run).await;
        } else {
            let index = (n / 4 * 3 + n % 4) % owned.len();
            update(api, editor, n, &mut owned[index], &token, &errors, &mut run).await;
        }
        n += 1;
        tokio::time::sleep(EDIT_PAUSE).await;
    }
    run
}

async fn update(
    api: &Api,
    editor: usize,
    n: usize,
    owned: &mut Owned,
    token: &str,
    errors: &Errors,
    run: &mut EditorRun,
) {
    if owned.stale {
        let body = json!({ "query": VERSION, "variables": { "id": owned.global } });
        if let Answer::Data(data) = post(api, errors, "version", &body, Some(token)).await
            && let Some(version) = data["publication"]["version"].as_i64()
        {
            owned.version = version;
            owned.stale = false;
        }
    }
    let url = format!("https://papers.example.org/chaos/{editor}-{n}");
    let kind = n.is_multiple_of(3).then(|| KINDS[(n / 3) % KINDS.len()]);
    let status = (n % 10 == 5).then_some(if (n / 10).is_multiple_of(2) {
        "ARCHIVED"
    } else {
        "PUBLISHED"
    });
    let mut input = json!({ "id": owned.global, "expectedVersion": owned.version, "url": url });
    if let Some(kind) = kind {
        input["kind"] = json!(kind);
    }
    if let Some(status) = status {
        input["status"] = json!(status);
    }
    let body = json!({ "query": UPDATE, "variables": { "input": input } });
    match post(api, errors, "updatePublication", &body, Some(token)).await {
        Answer::Data(data) => {
            let payload = &data["updatePublication"];
            if let Some(version) = payload["publication"]["version"].as_i64() {
                owned.version = version;
                run.acknowledged.push(Write::Update {
                    id: owned.id,
                    version,
                    url,
                    kind,
                    status,
                });
            } else {
                let code = payload["userErrors"][0]["code"]
                    .as_str()
                    .unwrap_or("(none)");
                *run.user_errors.entry(code.to_owned()).or_default() += 1;
                owned.stale = true;
            }
        }
        Answer::Refused(_) => {
            run.refused += 1;
            owned.stale = true;
        }
        Answer::Unanswered(_) => {
            run.no_answer += 1;
            owned.stale = true;
        }
    }
}

async fn create(
    api: &Api,
    editor: usize,
    n: usize,
    author: &str,
    token: &str,
    errors: &Errors,
    run: &mut EditorRun,
) {
    let title = format!("Chaos engineering notes {editor}-{n}");
    let status = if n % 8 == 3 { "PUBLISHED" } else { "DRAFT" };
    let input = json!({
        "title": title,
        "kind": KINDS[n % KINDS.len()],
        "status": status,
        "publishedOn": format!("{}", 2000 + n % 25),
        "abstract": "Written while the database dropped its connections.",
        "authors": [{ "id": author }],
    });
    let body = json!({ "query": CREATE, "variables": { "input": input } });
    match post(api, errors, "createPublication", &body, Some(token)).await {
        Answer::Data(data) => {
            let payload = &data["createPublication"];
            match payload["publication"]["id"].as_str().and_then(local_id) {
                Some(id) => run.acknowledged.push(Write::Create { id, title, status }),
                None => {
                    let code = payload["userErrors"][0]["code"]
                        .as_str()
                        .unwrap_or("(none)");
                    *run.user_errors.entry(code.to_owned()).or_default() += 1;
                }
            }
        }
        Answer::Refused(_) => run.refused += 1,
        Answer::Unanswered(_) => run.no_answer += 1,
    }
}

// ---------------------------------------------------------------------------------------
// The import.

/// `entries` published BibTeX entries that match nothing in the catalogue.
fn bibtex(entries: usize, stamp: u128) -> String {
    const SURNAMES: [&str; 8] = [
        "Okafor",
        "Lindqvist",
        "Moreau",
        "Tanaka",
        "Ferreira",
        "Novak",
        "Haddad",
        "Kowalski",
    ];
    const GIVEN: [&str; 8] = [
        "Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro",
    ];
    let mut text = String::from("@string{chaosj = \"Journal of Chaos Engineering\"}\n\n");
    for n in 0..entries {
        let first = n % SURNAMES.len();
        let second = (n / SURNAMES.len() + 3) % SURNAMES.len();
        text.push_str(&format!(
            "@article{{chaos{n},\n  title = {{Resilient Catalogues under Failure {stamp}-{n}}},\n  \
             author = {{{}, {} and {}, {}}},\n  journal = chaosj,\n  year = {},\n  month = mar,\n  \
             doi = {{10.9999/chaos.{stamp}.{n}}},\n  abstract = {{How a catalogue keeps its promises when connections drop ({n}).}},\n}}\n\n",
            SURNAMES[first],
            GIVEN[first],
            SURNAMES[second],
            GIVEN[second],
            2000 + n % 25,
        ));
    }
    text
}

/// The import's figures and the publications it created.
async fn import(api: Api, entries: usize, token: Arc<str>, errors: Errors) -> (Import, Vec<i64>) {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default();
    let body = json!({
        "query": IMPORT,
        "variables": { "input": { "bibtex": bibtex(entries, stamp), "status": "PUBLISHED" } },
    });
    let mut figures = Import {
        entries,
        ..Import::default()
    };
    let started = Instant::now();
    let answer = post(&api, &errors, "importBibtex", &body, Some(&token)).await;
    figures.seconds = started.elapsed().as_secs_f64();
    let mut created = Vec::new();
    match answer {
        Answer::Data(data) => {
            let payload = &data["importBibtex"];
            if let Some(user_errors) = payload["userErrors"].as_array()
                && !user_errors.is_empty()
            {
                figures.error = Some(format!("userErrors: {}", payload["userErrors"]));
                return (figures, created);
            }
            figures.acknowledged = true;
            figures.created = payload["createdCount"].as_u64().unwrap_or(0);
            figures.matched = payload["matchedCount"].as_u64().unwrap_or(0);
            figures.rejected = payload["rejectedCount"].as_u64().unwrap_or(0);
            for entry in payload["entries"].as_array().into_iter().flatten() {
                match entry["outcome"].as_str() {
                    Some("CREATED") => {
                        if let Some(id) = entry["publication"]["id"].as_str().and_then(local_id) {
                            created.push(id);
                        }
                    }
                    Some("REJECTED") => {
                        figures.first_rejection.get_or_insert_with(|| {
                            format!("{}: {}", entry["key"], entry["reason"])
                        });
                    }
                    _ => {}
                }
            }
        }
        Answer::Refused(err) | Answer::Unanswered(err) => {
            figures.error = Some(err.chars().take(400).collect());
        }
    }
    (figures, created)
}

// ---------------------------------------------------------------------------------------
// Faults.

/// Makes a directory tree unwritable, and writable again: `chattr -R +i` (which stops root
/// too), or when the filesystem has no immutable attribute, `chmod -R a-w` (which does not
/// stop root, so the fault then only reaches a service running as another user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freeze {
    Chattr,
    Chmod,
}

async fn run_tool(program: &str, args: &[&str], dir: &Path) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .arg(dir)
        .output()
        .await
        .with_context(|| format!("failed to run {program}"))?;
    if !output.status.success() {
        bail!(
            "{program} {} {} failed ({}): {}",
            args.join(" "),
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

async fn freeze(dir: &Path) -> anyhow::Result<(Freeze, String)> {
    match run_tool("chattr", &["-R", "+i"], dir).await {
        Ok(()) => Ok((Freeze::Chattr, "chattr -R +i".to_owned())),
        Err(chattr) => {
            run_tool("chmod", &["-R", "a-w"], dir).await?;
            Ok((
                Freeze::Chmod,
                format!(
                    "chmod -R a-w, since chattr failed ({chattr:#}); as root, chmod does not stop writes"
                ),
            ))
        }
    }
}

async fn thaw(dir: &Path, how: Freeze) -> anyhow::Result<()> {
    match how {
        Freeze::Chattr => run_tool("chattr", &["-R", "-i"], dir).await,
        Freeze::Chmod => run_tool("chmod", &["-R", "u+w"], dir).await,
    }
}

/// Makes the directory writable again when dropped, whatever happened to the run, so that
/// the instance's data directory can be removed.
struct ThawOnDrop(Option<PathBuf>);

impl Drop for ThawOnDrop {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            let _ = std::process::Command::new("chattr")
                .args(["-R", "-i"])
                .arg(dir)
                .status();
            let _ = std::process::Command::new("chmod")
                .args(["-R", "u+w"])
                .arg(dir)
                .status();
        }
    }
}

/// The resident memory of a process, in KiB.
pub(crate) fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[derive(Debug, Clone, Copy, Default)]
struct Rss {
    peak_kib: Option<u64>,
    final_kib: Option<u64>,
}

/// Reads both instances' resident memory every [`RSS_EVERY`] until the stop (`pids` follows
/// restarts; 0 while an instance is down).
async fn sample_rss(pids: Arc<[AtomicU32; 2]>, mut stop: watch::Receiver<bool>) -> [Rss; 2] {
    let mut rss = [Rss::default(); 2];
    loop {
        for (pid, rss) in pids.iter().zip(rss.iter_mut()) {
            let pid = pid.load(Ordering::Relaxed);
            if pid != 0
                && let Some(kib) = rss_kib(pid)
            {
                rss.peak_kib = Some(rss.peak_kib.map_or(kib, |peak| peak.max(kib)));
                rss.final_kib = Some(kib);
            }
        }
        tokio::select! {
            () = tokio::time::sleep(RSS_EVERY) => {}
            () = stopped(&mut stop) => return rss,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The run.

/// The HTTP client of the run's requests.
pub(crate) fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(timeout)
        .build()
        .context("failed to build the HTTP client")
}

/// Runs the scenario and checks what it left behind; an error only when it could not run
/// (a failed check is in the report).
pub async fn run(plan: &Plan) -> anyhow::Result<Report> {
    if plan.subscribers == 0 || plan.duration.is_zero() {
        bail!("the chaos scenario needs subscribers and a duration");
    }
    say!(
        "chaos: creating a database beside DATABASE_URL's and loading {} publications",
        plan.publications
    );
    let scratch = Scratch::create(&plan.database_url, "chaos").await?;
    let outcome = run_on(plan, &scratch).await;
    let failed = !matches!(&outcome, Ok(report) if report.passed());
    let keep = plan.keep_database || (plan.keep_failed_database && failed);
    if keep {
        say!(
            "chaos: the database {} is kept for inspection ({})",
            scratch.name,
            scratch.url
        );
    } else if let Err(err) = scratch.drop_database().await {
        say!("chaos: {err:#}");
    }
    outcome
}

async fn run_on(plan: &Plan, scratch: &Scratch) -> anyhow::Result<Report> {
    let mut options = ConnectOptions::new(scratch.url.clone());
    options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("failed to connect to the run's database")?;
    Migrator::up(&db, None)
        .await
        .context("failed to apply the migrations")?;
    generate::load(
        &db,
        generate::Options {
            publications: plan.publications,
            seed: 42,
        },
    )
    .await
    .context("failed to generate the catalogue")?;
    let token: Arc<str> = Arc::from(editor_token(&db, "chaos").await?);

    // What the clients work on.
    let topic = rows(&db, "SELECT id FROM topic ORDER BY id LIMIT 1")
        .await?
        .first()
        .map(|row| row.try_get_by_index::<i64>(0))
        .transpose()
        .context("topic id")?
        .context("the generated catalogue has no topic")?;
    let authors = rows(
        &db,
        &format!(
            "SELECT id FROM author ORDER BY id LIMIT {}",
            plan.editors.max(1)
        ),
    )
    .await?
    .iter()
    .map(|row| row.try_get_by_index::<i64>(0).context("author id"))
    .collect::<anyhow::Result<Vec<_>>>()?;
    let mut owned: Vec<Vec<Owned>> = vec![Vec::new(); plan.editors];
    let sample = rows(
        &db,
        &format!(
            "SELECT id, version FROM publication WHERE status = 'published' ORDER BY id LIMIT {}",
            plan.editors * 24
        ),
    )
    .await?;
    for (index, row) in sample.iter().enumerate() {
        let id: i64 = row.try_get_by_index(0).context("publication id")?;
        let version: i32 = row.try_get_by_index(1).context("publication version")?;
        if let Some(pool) = owned.get_mut(index % plan.editors.max(1)) {
            pool.push(Owned {
                id,
                global: global_id("Publication", id),
                version: i64::from(version),
                stale: false,
            });
        }
    }
    let _ = db.close().await;

    // The two instances.
    let setup = http_client(Duration::from_secs(30))?;
    let env = [("DATABASE_URL", scratch.url.as_str())];
    let logs = [
        plan.log_prefix.with_extension("a.log"),
        plan.log_prefix.with_extension("b.log"),
    ];
    say!(
        "chaos: starting instances A and B of {} (logs {} and {})",
        plan.api_bin.display(),
        logs[0].display(),
        logs[1].display()
    );
    let (a, _) = Server::launch(
        Launch::new(&plan.api_bin, &env, Log::File(logs[0].clone()))
            .ready_timeout(plan.ready_timeout),
        &setup,
    )
    .await
    .context("instance A did not start")?;
    let (b, _) = Server::launch(
        Launch::new(&plan.api_bin, &env, Log::File(logs[1].clone()))
            .ready_timeout(plan.ready_timeout),
        &setup,
    )
    .await
    .context("instance B did not start")?;
    let index_dir = a.data_dir().map(|dir| dir.join("index"));
    // Declared after the servers, so dropped before them: their directories are writable
    // again by the time they are removed.
    let thaw_guard = ThawOnDrop(index_dir.clone());
    let client = http_client(Duration::from_secs(30))?;
    let apis: Arc<[Api; 2]> = Arc::new([
        Api::new(client.clone(), &a.base_url),
        Api::new(client.clone(), &b.base_url),
    ]);
    let mut b = Some(b);
    let pids: Arc<[AtomicU32; 2]> = Arc::new([
        AtomicU32::new(a.pid.unwrap_or(0)),
        AtomicU32::new(b.as_ref().and_then(|b| b.pid).unwrap_or(0)),
    ]);

    let mut db_options = ConnectOptions::new(scratch.url.clone());
    db_options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(db_options)
        .await
        .context("failed to connect to the run's database")?;
    let start = current_revision(&db).await?;
    let errors = Errors::default();

    // Subscribers first, and a moment for them to subscribe.
    let (stop_live, live_stopped) = watch::channel(false);
    let (stop_load, load_stopped) = watch::channel(false);
    let progress = Arc::new(Progress {
        last: (0..plan.subscribers).map(|_| AtomicI64::new(-1)).collect(),
        subscribed: AtomicUsize::new(0),
    });
    let watchers = watchers(plan.subscribers, &global_id("Topic", topic));
    let everything: Vec<usize> = watchers
        .iter()
        .filter(|watcher| watcher.sees_everything())
        .map(|watcher| watcher.number)
        .collect();
    let mut followers = Vec::with_capacity(watchers.len());
    for watcher in watchers {
        let token = watcher.editor.then(|| Arc::clone(&token));
        followers.push(tokio::spawn(follow(
            watcher,
            Arc::clone(&apis),
            token,
            start,
            errors.clone(),
            Arc::clone(&progress),
            live_stopped.clone(),
        )));
    }
    let connecting = Instant::now();
    while progress.subscribed.load(Ordering::Relaxed) < plan.subscribers
        && connecting.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    say!(
        "chaos: {} of {} subscribers subscribed in {:.1} s from revision {start}; load and faults for {} s",
        progress.subscribed.load(Ordering::Relaxed),
        plan.subscribers,
        connecting.elapsed().as_secs_f64(),
        plan.duration.as_secs_f64()
    );

    // The load.
    let began = Instant::now();
    let rss = tokio::spawn(sample_rss(Arc::clone(&pids), live_stopped.clone()));
    let health = tokio::spawn(poll_health(
        Api::new(http_client(Duration::from_secs(10))?, &a.base_url),
        load_stopped.clone(),
    ));
    let readers: Vec<_> = (0..plan.readers)
        .map(|reader| {
            tokio::spawn(read_listing(
                Arc::clone(&apis),
                reader,
                errors.clone(),
                load_stopped.clone(),
            ))
        })
        .collect();
    let editors: Vec<_> = owned
        .into_iter()
        .enumerate()
        .map(|(editor, pool)| {
            let author = global_id("Author", authors[editor % authors.len().max(1)]);
            tokio::spawn(edit(
                Arc::clone(&apis),
                editor,
                pool,
                author,
                Arc::clone(&token),
                errors.clone(),
                load_stopped.clone(),
            ))
        })
        .collect();
    let importer = {
        let api = Api::new(http_client(Duration::from_secs(180))?, &a.base_url);
        let (token, errors, at) = (Arc::clone(&token), errors.clone(), plan.at(0.25));
        let entries = plan.import_entries;
        tokio::spawn(async move {
            tokio::time::sleep(at).await;
            say!("chaos: importing {entries} BibTeX entries through A");
            import(api, entries, token, errors).await
        })
    };
    let terminator = {
        let mut stop = load_stopped.clone();
        let admin = scratch.admin.clone();
        let name = scratch.name.clone();
        tokio::spawn(async move {
            let mut terminated = Vec::new();
            let mut failures = Vec::new();
            let mut ticker = tokio::time::interval_at(
                tokio::time::Instant::now() + TERMINATE_EVERY,
                TERMINATE_EVERY,
            );
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    () = stopped(&mut stop) => break,
                }
                match terminate(&admin, &name).await {
                    Ok(count) => terminated.push(count),
                    Err(err) => failures.push(format!("{err:#}")),
                }
            }
            (terminated, failures)
        })
    };
    let freezer = {
        let at = plan.at(0.6);
        let dir = index_dir.clone();
        tokio::spawn(async move {
            tokio::time::sleep(at).await;
            let Some(dir) = dir.filter(|dir| dir.exists()) else {
                return "NOT made unwritable: instance A has no index directory".to_owned();
            };
            say!(
                "chaos: making {} unwritable for {} s",
                dir.display(),
                FROZEN.as_secs()
            );
            let (how, said) = match freeze(&dir).await {
                Ok(done) => done,
                Err(err) => return format!("NOT made unwritable: {err:#}"),
            };
            tokio::time::sleep(FROZEN).await;
            match thaw(&dir, how).await {
                Ok(()) => format!(
                    "{} ({said}) for {} s, then writable again",
                    dir.display(),
                    FROZEN.as_secs()
                ),
                Err(err) => format!(
                    "{} ({said}); making it writable again FAILED: {err:#}",
                    dir.display()
                ),
            }
        })
    };

    // Instance B is killed halfway and started again.
    let mut faults = Faults::default();
    tokio::time::sleep(plan.at(0.5)).await;
    if let Some(server) = b.take() {
        say!(
            "chaos: SIGKILL to instance B (pid {})",
            server.pid.unwrap_or(0)
        );
        pids[1].store(0, Ordering::Relaxed);
        let killed = Instant::now();
        match server.crash_and_restart(&setup).await {
            Ok(server) => {
                faults.b_restart_seconds = Some(killed.elapsed().as_secs_f64());
                pids[1].store(server.pid.unwrap_or(0), Ordering::Relaxed);
                say!(
                    "chaos: instance B ready again in {:.1} s",
                    killed.elapsed().as_secs_f64()
                );
                b = Some(server);
            }
            Err(err) => {
                say!("chaos: instance B did not come back: {err:#}");
                faults.b_restart_error = Some(format!("{err:#}"));
            }
        }
    }
    tokio::time::sleep(plan.duration.saturating_sub(began.elapsed())).await;
    stop_load.send_replace(true);
    say!(
        "chaos: load stopped after {:.1} s; settling",
        began.elapsed().as_secs_f64()
    );

    let mut reads = Reads::default();
    let mut listing = histogram()?;
    for reader in readers {
        let run = reader.await.context("a reader failed")??;
        let _ = listing.add(&run.latency);
        reads.listing_refused += run.refused;
        reads.listing_no_answer += run.no_answer;
    }
    reads.listing = Latency::of(&listing);
    let health = health.await.context("the health poller failed")??;
    reads.healthz = Latency::of(&health.latency);
    reads.healthz_not_ok = health.not_ok;
    reads.healthz_no_answer = health.no_answer;
    let mut edits = Edits::default();
    let mut acknowledged = Vec::new();
    for editor in editors {
        let run = editor.await.context("an editor failed")?;
        edits.sent += run.sent;
        edits.refused += run.refused;
        edits.no_answer += run.no_answer;
        for (code, count) in run.user_errors {
            *edits.user_errors.entry(code).or_default() += count;
        }
        acknowledged.extend(run.acknowledged);
    }
    for write in &acknowledged {
        match write {
            Write::Update { .. } => edits.acknowledged_updates += 1,
            Write::Create { .. } => edits.acknowledged_creates += 1,
        }
    }
    let (import_figures, imported) = importer.await.context("the import failed")?;
    let (terminated, terminate_failures) = terminator.await.context("the terminator failed")?;
    faults.terminated = terminated;
    faults.terminate_failures = terminate_failures;
    faults.freeze = freezer.await.context("the index freeze failed")?;

    // Settle, then give the subscribers that follow everything time to reach the end.
    tokio::time::sleep(SETTLE).await;
    let end = current_revision(&db).await?;
    let waiting = Instant::now();
    while waiting.elapsed() < CATCH_UP
        && everything
            .iter()
            .any(|&n| progress.last[n].load(Ordering::Relaxed) < end)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    say!(
        "chaos: revision {end} reached by {} of {} unfiltered editor subscribers ({:.1} s after settling)",
        everything
            .iter()
            .filter(|&&n| progress.last[n].load(Ordering::Relaxed) >= end)
            .count(),
        everything.len(),
        waiting.elapsed().as_secs_f64()
    );
    stop_live.send_replace(true);
    let mut followed = Vec::with_capacity(followers.len());
    for follower in followers {
        followed.push(follower.await.context("a subscriber failed")?);
    }
    let rss = rss.await.context("the memory sampler failed")?;

    // The checks.
    let mut checks = Vec::new();
    checks.push(check_writes(&db, &acknowledged, &imported, &import_figures).await?);
    let b_api = b.as_ref().map(|_| apis[1].clone());
    checks.push(check_indexes(&db, &apis[0], b_api.as_ref(), &token, &errors).await?);
    let (live_check, subscriptions) = check_streams(&db, &followed, start, end).await?;
    checks.push(live_check);

    let mut instances = Vec::new();
    for (index, (name, log)) in ["A", "B"].iter().zip(&logs).enumerate() {
        let readyz = if index == 1 && b.is_none() {
            "down".to_owned()
        } else {
            readyz(&apis[index]).await
        };
        let to_mib = |kib: Option<u64>| kib.map(|kib| kib as f64 / 1024.0);
        instances.push(InstanceFigures {
            name: (*name).to_owned(),
            base_url: apis[index].base_url.clone(),
            log: log.clone(),
            peak_rss_mib: to_mib(rss[index].peak_kib),
            final_rss_mib: to_mib(rss[index].final_kib),
            readyz,
        });
    }
    let (error_codes, internal_errors, internal_by_request, internal_examples) = {
        let log = errors.lock();
        (
            log.codes.clone(),
            log.internal,
            log.internal_by_request.clone(),
            log.internal_examples.clone(),
        )
    };
    checks.push(Check {
        number: 4,
        name: "no internal errors".to_owned(),
        passed: internal_errors == 0,
        summary: format!(
            "{internal_errors} answers carried INTERNAL_SERVER_ERROR (or were a bare HTTP 500)"
        ),
        details: internal_by_request
            .iter()
            .map(|(request, count)| format!("{count} from {request}"))
            .chain(internal_examples.iter().cloned())
            .collect(),
    });
    checks.push(check_latency(&reads, plan));
    checks.push(check_memory(&instances));
    let _ = db.close().await;
    if let Some(b) = b {
        b.stop().await;
    }
    drop(thaw_guard);
    a.stop().await;

    Ok(Report {
        database: scratch.name.clone(),
        duration_seconds: plan.duration.as_secs_f64(),
        start_revision: start,
        end_revision: end,
        instances,
        faults,
        reads,
        edits,
        import: import_figures,
        subscriptions,
        error_codes,
        internal_errors,
        internal_by_request,
        internal_examples,
        checks,
    })
}

async fn readyz(api: &Api) -> String {
    match api
        .client
        .get(format!("{}/readyz", api.base_url))
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(300).collect();
            format!("{status} {body}")
        }
        Err(err) => format!("no answer: {err}"),
    }
}

// ---------------------------------------------------------------------------------------
// Check 1: acknowledged writes.

async fn check_writes(
    db: &DatabaseConnection,
    acknowledged: &[Write],
    imported: &[i64],
    import: &Import,
) -> anyhow::Result<Check> {
    let mut ids: BTreeSet<i64> = imported.iter().copied().collect();
    for write in acknowledged {
        match write {
            Write::Update { id, .. } | Write::Create { id, .. } => ids.insert(*id),
        };
    }
    // id -> (version, url, kind, status, title)
    let mut stored: HashMap<i64, (i64, Option<String>, String, String, String)> = HashMap::new();
    let ids: Vec<i64> = ids.into_iter().collect();
    for chunk in ids.chunks(1000) {
        let list = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        for row in rows(
            db,
            &format!(
                "SELECT id, version, url, kind, status, title FROM publication WHERE id IN ({list})"
            ),
        )
        .await?
        {
            let id: i64 = row.try_get_by_index(0).context("id")?;
            let version: i32 = row.try_get_by_index(1).context("version")?;
            stored.insert(
                id,
                (
                    i64::from(version),
                    row.try_get_by_index(2).context("url")?,
                    row.try_get_by_index(3).context("kind")?,
                    row.try_get_by_index(4).context("status")?,
                    row.try_get_by_index(5).context("title")?,
                ),
            );
        }
    }

    let mut failures: Vec<String> = Vec::new();
    let mut lost = 0u64;
    // The latest acknowledged update of each publication.
    let mut latest: HashMap<i64, &Write> = HashMap::new();
    for write in acknowledged {
        if let Write::Update { id, version, .. } = write {
            let newer = match latest.get(id) {
                Some(Write::Update { version: seen, .. }) => version > seen,
                _ => true,
            };
            if newer {
                latest.insert(*id, write);
            }
        }
    }
    let mut checked_updates = 0u64;
    for write in latest.values() {
        let Write::Update {
            id,
            version,
            url,
            kind,
            status,
        } = write
        else {
            continue;
        };
        checked_updates += 1;
        let Some((db_version, db_url, db_kind, db_status, _)) = stored.get(id) else {
            lost += 1;
            failures.push(format!(
                "publication {id} updated to version {version} is gone"
            ));
            continue;
        };
        if db_version < version {
            lost += 1;
            failures.push(format!(
                "publication {id}: update acknowledged at version {version}, the database holds version {db_version}"
            ));
        } else if db_version == version {
            let mut wrong = Vec::new();
            if db_url.as_deref() != Some(url.as_str()) {
                wrong.push(format!("url {db_url:?} instead of {url:?}"));
            }
            if let Some(kind) = kind
                && !db_kind.eq_ignore_ascii_case(kind)
            {
                wrong.push(format!("kind {db_kind} instead of {kind}"));
            }
            if let Some(status) = status
                && !db_status.eq_ignore_ascii_case(status)
            {
                wrong.push(format!("status {db_status} instead of {status}"));
            }
            if !wrong.is_empty() {
                lost += 1;
                failures.push(format!(
                    "publication {id} at version {version}: {}",
                    wrong.join(", ")
                ));
            }
        }
    }
    let mut creates = 0u64;
    for write in acknowledged {
        if let Write::Create { id, title, status } = write {
            creates += 1;
            match stored.get(id) {
                None => {
                    lost += 1;
                    failures.push(format!("created publication {id} ({title:?}) is missing"));
                }
                Some((_, _, _, db_status, db_title)) => {
                    if db_title != title {
                        lost += 1;
                        failures.push(format!(
                            "created publication {id}: title {db_title:?} instead of {title:?}"
                        ));
                    } else if !db_status.eq_ignore_ascii_case(status) {
                        lost += 1;
                        failures.push(format!(
                            "created publication {id}: status {db_status} instead of {status}"
                        ));
                    }
                }
            }
        }
    }
    let mut imported_missing = 0u64;
    for id in imported {
        match stored.get(id) {
            Some((_, _, _, status, _)) if status == "published" => {}
            Some((_, _, _, status, _)) => {
                imported_missing += 1;
                failures.push(format!(
                    "imported publication {id} is {status}, not published"
                ));
            }
            None => {
                imported_missing += 1;
                failures.push(format!("imported publication {id} is missing"));
            }
        }
    }
    if import.acknowledged && (imported.len() as u64) < import.created {
        failures.push(format!(
            "the import reported {} created but named {} of them",
            import.created,
            imported.len()
        ));
    }
    let count = failures.len();
    failures.truncate(EXAMPLES * 2);
    if count > failures.len() {
        failures.push(format!("... and {} more", count - failures.len()));
    }
    Ok(Check {
        number: 1,
        name: "acknowledged writes are in the database".to_owned(),
        passed: count == 0,
        summary: format!(
            "{} publications' last acknowledged updates, {creates} creates and {} imported entries checked: {} lost or wrong, {imported_missing} imported entries missing",
            checked_updates,
            imported.len(),
            lost
        ),
        details: failures,
    })
}

// ---------------------------------------------------------------------------------------
// Check 2: the read indexes against SQL.

/// A filter of the read index check: who asks, the filter, and the SQL condition it means.
struct IndexProbe {
    label: &'static str,
    editor: bool,
    filter: Value,
    sql: &'static str,
}

fn probes() -> Vec<IndexProbe> {
    let probe = |label, editor, filter, sql| IndexProbe {
        label,
        editor,
        filter,
        sql,
    };
    vec![
        probe(
            "anonymous, no filter",
            false,
            json!({}),
            "status = 'published'",
        ),
        probe(
            "anonymous, journal articles",
            false,
            json!({ "kinds": ["JOURNAL_ARTICLE"] }),
            "status = 'published' AND kind = 'journal_article'",
        ),
        probe(
            "anonymous, conference papers and preprints",
            false,
            json!({ "kinds": ["CONFERENCE_PAPER", "PREPRINT"] }),
            "status = 'published' AND kind IN ('conference_paper', 'preprint')",
        ),
        probe(
            "anonymous, 2010-2015",
            false,
            json!({ "year": { "from": 2010, "to": 2015 } }),
            "status = 'published' AND EXTRACT(YEAR FROM published_on) BETWEEN 2010 AND 2015",
        ),
        probe(
            "anonymous, workshop papers from 2020",
            false,
            json!({ "kinds": ["WORKSHOP_PAPER"], "year": { "from": 2020 } }),
            "status = 'published' AND kind = 'workshop_paper' AND EXTRACT(YEAR FROM published_on) >= 2020",
        ),
        probe("editor, no filter", true, json!({}), "TRUE"),
        probe(
            "editor, drafts",
            true,
            json!({ "statuses": ["DRAFT"] }),
            "status = 'draft'",
        ),
        probe(
            "editor, archived",
            true,
            json!({ "statuses": ["ARCHIVED"] }),
            "status = 'archived'",
        ),
        probe(
            "editor, published technical reports and theses",
            true,
            json!({ "statuses": ["PUBLISHED"], "kinds": ["TECHNICAL_REPORT", "THESIS"] }),
            "status = 'published' AND kind IN ('technical_report', 'thesis')",
        ),
        probe(
            "editor, up to 2000",
            true,
            json!({ "year": { "to": 2000 } }),
            "EXTRACT(YEAR FROM published_on) <= 2000",
        ),
        probe(
            "editor, drafts from 2010",
            true,
            json!({ "statuses": ["DRAFT"], "year": { "from": 2010 } }),
            "status = 'draft' AND EXTRACT(YEAR FROM published_on) >= 2010",
        ),
    ]
}

/// Every id `filter` lists on `api`, page by page, with the `totalCount` of the first page.
async fn listed(
    api: &Api,
    filter: &Value,
    token: Option<&str>,
    errors: &Errors,
) -> Result<(i64, BTreeSet<i64>), String> {
    let mut ids = BTreeSet::new();
    let mut after: Option<String> = None;
    let mut total = None;
    for _ in 0..1000 {
        let body = json!({ "query": IDS, "variables": { "filter": filter, "after": after } });
        let data = match post(api, errors, "index check", &body, token).await {
            Answer::Data(data) => data,
            Answer::Refused(err) | Answer::Unanswered(err) => {
                return Err(err.chars().take(300).collect());
            }
        };
        let connection = &data["publications"];
        total.get_or_insert(connection["totalCount"].as_i64().unwrap_or(-1));
        for node in connection["nodes"].as_array().into_iter().flatten() {
            if let Some(id) = node["id"].as_str().and_then(local_id) {
                ids.insert(id);
            }
        }
        if connection["pageInfo"]["hasNextPage"].as_bool() != Some(true) {
            return Ok((total.unwrap_or(-1), ids));
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    Err("more than 1,000 pages".to_owned())
}

fn examples(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(EXAMPLES).map(i64::to_string).collect();
    format!(
        "{}{}",
        shown.join(", "),
        if ids.len() > EXAMPLES { ", ..." } else { "" }
    )
}

async fn check_indexes(
    db: &DatabaseConnection,
    a: &Api,
    b: Option<&Api>,
    token: &str,
    errors: &Errors,
) -> anyhow::Result<Check> {
    let probes = probes();
    let mut expected = Vec::with_capacity(probes.len());
    for probe in &probes {
        let mut ids = BTreeSet::new();
        for row in rows(
            db,
            &format!("SELECT id FROM publication WHERE {}", probe.sql),
        )
        .await?
        {
            ids.insert(row.try_get_by_index::<i64>(0).context("id")?);
        }
        expected.push(ids);
    }
    let instances: Vec<(&str, Option<&Api>)> = vec![("A", Some(a)), ("B", b)];
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut attempts_used = 0;
    for attempt in 1..=INDEX_ATTEMPTS {
        attempts_used = attempt;
        failures.clear();
        compared = 0;
        for (name, api) in &instances {
            let Some(api) = api else {
                failures.push(format!(
                    "instance {name} is down: its index was not checked"
                ));
                continue;
            };
            for (probe, sql_ids) in probes.iter().zip(&expected) {
                compared += 1;
                let token = probe.editor.then_some(token);
                match listed(api, &probe.filter, token, errors).await {
                    Err(err) => failures.push(format!("{name}, {}: {err}", probe.label)),
                    Ok((total, ids)) => {
                        let only_index: Vec<i64> = ids.difference(sql_ids).copied().collect();
                        let only_sql: Vec<i64> = sql_ids.difference(&ids).copied().collect();
                        let sql_total = sql_ids.len() as i64;
                        if total != sql_total || !only_index.is_empty() || !only_sql.is_empty() {
                            failures.push(format!(
                                "{name}, {}: totalCount {total} and {} ids listed, SQL {sql_total}; {} only in the index ({}), {} only in SQL ({})",
                                probe.label,
                                ids.len(),
                                only_index.len(),
                                examples(&only_index),
                                only_sql.len(),
                                examples(&only_sql),
                            ));
                        }
                    }
                }
            }
        }
        if failures.is_empty() {
            break;
        }
        if attempt < INDEX_ATTEMPTS {
            tokio::time::sleep(INDEX_RETRY_PAUSE).await;
        }
    }
    Ok(Check {
        number: 2,
        name: "both read indexes agree with SQL".to_owned(),
        passed: failures.is_empty(),
        summary: format!(
            "{compared} lists of {} filters compared (ids and totalCount){}; {} disagree",
            probes.len(),
            if attempts_used > 1 {
                format!(
                    " after {attempts_used} attempts {} s apart",
                    INDEX_RETRY_PAUSE.as_secs()
                )
            } else {
                String::new()
            },
            failures.len()
        ),
        details: failures,
    })
}

// ---------------------------------------------------------------------------------------
// Check 3: every subscriber's stream.

/// What went wrong in the streams, with examples.
#[derive(Default)]
struct StreamFaults {
    /// A lower revision after a higher one within a session.
    out_of_order: u64,
    /// The same (revision, publication) twice in one session.
    repeated_in_session: u64,
    /// An event at or before the session's `sinceRevision`.
    before_since: u64,
    /// An event seen in an earlier session again, other than of the replayed revision.
    repeated_across: u64,
    /// An event that no change in the feed explains.
    not_in_feed: u64,
    /// A change of the feed an unfiltered editor subscriber never got.
    missing: u64,
    /// Subscribers that never managed to subscribe.
    never_subscribed: u64,
    examples: BTreeMap<&'static str, Vec<String>>,
}

impl StreamFaults {
    fn note(&mut self, kind: &'static str, example: impl FnOnce() -> String) {
        let list = self.examples.entry(kind).or_default();
        if list.len() < EXAMPLES {
            list.push(example());
        }
    }

    fn total(&self) -> u64 {
        self.out_of_order
            + self.repeated_in_session
            + self.before_since
            + self.repeated_across
            + self.not_in_feed
            + self.missing
            + self.never_subscribed
    }
}

async fn check_streams(
    db: &DatabaseConnection,
    followed: &[Followed],
    start: i64,
    end: i64,
) -> anyhow::Result<(Check, Subscriptions)> {
    let mut feed: HashSet<(i64, i64)> = HashSet::new();
    for row in rows(
        db,
        &format!(
            "SELECT DISTINCT revision, entity_id FROM catalogue_change \
             WHERE entity = 'publication' AND revision > {start} AND revision <= {end}"
        ),
    )
    .await?
    {
        let revision: i64 = row.try_get_by_index(0).context("revision")?;
        let id: i64 = row.try_get_by_index(1).context("entity_id")?;
        feed.insert((revision, id));
    }

    let mut figures = Subscriptions {
        subscribers: followed.len(),
        ..Subscriptions::default()
    };
    let mut faults = StreamFaults::default();
    let mut complete = 0usize;
    let mut everything = 0usize;
    for subscriber in followed {
        let who = format!(
            "subscriber {} ({})",
            subscriber.watcher.number, subscriber.watcher.label
        );
        figures.sessions += subscriber.sessions.len() as u64;
        figures.failed_connects += subscriber.failed_connects;
        if figures.first_failed_connect.is_none() {
            figures
                .first_failed_connect
                .clone_from(&subscriber.first_failed_connect);
        }
        for (reason, count) in &subscriber.ended {
            *figures.ended.entry(reason.clone()).or_default() += count;
        }
        for (kind, count) in &subscriber.by_kind {
            *figures.by_kind.entry(kind.clone()).or_default() += count;
        }
        if subscriber.sessions.is_empty() {
            faults.never_subscribed += 1;
            faults.note("never subscribed", || {
                format!(
                    "{who}: {}",
                    subscriber
                        .first_failed_connect
                        .as_deref()
                        .unwrap_or("no attempt")
                )
            });
        }
        let mut seen: HashSet<(i64, i64)> = HashSet::new();
        for (number, session) in subscriber.sessions.iter().enumerate() {
            let mut in_session: HashSet<(i64, i64)> = HashSet::new();
            let mut previous = i64::MIN;
            let replayed = session.since + 1;
            for &(revision, publication) in &session.events {
                figures.events += 1;
                let key = (revision, publication);
                if revision < previous {
                    faults.out_of_order += 1;
                    faults.note("out of revision order", || {
                        format!("{who}, session {number}: revision {revision} after {previous}")
                    });
                }
                previous = previous.max(revision);
                if revision <= session.since {
                    faults.before_since += 1;
                    faults.note("at or before sinceRevision", || {
                        format!(
                            "{who}, session {number}: revision {revision} (publication {publication}) after sinceRevision {}",
                            session.since
                        )
                    });
                }
                if !in_session.insert(key) {
                    faults.repeated_in_session += 1;
                    faults.note("repeated within a subscription", || {
                        format!("{who}, session {number}: revision {revision}, publication {publication}")
                    });
                    continue;
                }
                if number > 0 && revision == replayed {
                    if seen.contains(&key) {
                        figures.replayed_dropped += 1;
                        continue;
                    }
                    figures.replay_recovered += 1;
                } else if seen.contains(&key) {
                    faults.repeated_across += 1;
                    faults.note("repeated after a resume", || {
                        format!("{who}, session {number}: revision {revision}, publication {publication} (sinceRevision {})", session.since)
                    });
                    continue;
                }
                seen.insert(key);
                if revision <= end && !feed.contains(&key) {
                    faults.not_in_feed += 1;
                    faults.note("not in the change feed", || {
                        format!("{who}: revision {revision}, publication {publication}")
                    });
                }
            }
        }
        if subscriber.watcher.sees_everything() {
            everything += 1;
            let mut missing: Vec<(i64, i64)> = feed.difference(&seen).copied().collect();
            missing.sort_unstable();
            if missing.is_empty() {
                complete += 1;
            } else {
                faults.missing += missing.len() as u64;
                let last_seen = seen.iter().map(|(r, _)| *r).max().unwrap_or(start);
                faults.note("missing (unfiltered editor subscribers)", || {
                    format!(
                        "{who}: {} of {} changes missing, first (revision, publication) {:?}; it read up to revision {last_seen} in {} sessions",
                        missing.len(),
                        feed.len(),
                        &missing[..missing.len().min(3)],
                        subscriber.sessions.len()
                    )
                });
            }
        }
        if subscriber.unreadable > 0 {
            faults.note("unreadable messages", || {
                format!(
                    "{who}: {} unreadable, the first: {}",
                    subscriber.unreadable,
                    subscriber.first_unreadable.as_deref().unwrap_or("")
                )
            });
        }
    }
    let mut details = vec![format!(
        "counts: {} out of order, {} repeated within a subscription, {} at or before sinceRevision, {} repeated after a resume, {} not in the feed, {} missing, {} never subscribed",
        faults.out_of_order,
        faults.repeated_in_session,
        faults.before_since,
        faults.repeated_across,
        faults.not_in_feed,
        faults.missing,
        faults.never_subscribed
    )];
    for (kind, list) in &faults.examples {
        for example in list {
            details.push(format!("{kind}: {example}"));
        }
    }
    let passed = faults.total() == 0;
    if passed {
        details.clear();
    }
    Ok((
        Check {
            number: 3,
            name: "every subscriber got its events exactly once, in order".to_owned(),
            passed,
            summary: format!(
                "{} subscribers, {} events; {complete} of {everything} unfiltered editor subscribers hold all {} changes of revisions {}..={end}; {} faults",
                followed.len(),
                figures.events,
                feed.len(),
                start + 1,
                faults.total()
            ),
            details,
        },
        figures,
    ))
}

// ---------------------------------------------------------------------------------------
// Checks 5 and 6: latency and memory.

fn check_latency(reads: &Reads, plan: &Plan) -> Check {
    let within = |p99: f64, target: Option<f64>| target.is_none_or(|target| p99 < target);
    let shown = |target: Option<f64>| {
        target.map_or_else(
            || "not judged".to_owned(),
            |target| format!("< {target} ms"),
        )
    };
    let (healthz_target, listing_target) = (
        shown(plan.healthz_p99_target_ms),
        shown(plan.listing_p99_target_ms),
    );
    let healthz_ok = reads.healthz.count > 0
        && within(reads.healthz.p99_ms, plan.healthz_p99_target_ms)
        && reads.healthz_not_ok == 0
        && reads.healthz_no_answer == 0;
    let listing_ok =
        reads.listing.count > 0 && within(reads.listing.p99_ms, plan.listing_p99_target_ms);
    let mut details = Vec::new();
    if !healthz_ok {
        details.push(format!(
            "/healthz (instance A): p99 {:.1} ms (target {healthz_target}), {} not 200, {} not answered",
            reads.healthz.p99_ms, reads.healthz_not_ok, reads.healthz_no_answer
        ));
    }
    if !listing_ok {
        details.push(format!(
            "listing (both instances): p99 {:.1} ms (target {listing_target}) over {} answers",
            reads.listing.p99_ms, reads.listing.count
        ));
    }
    Check {
        number: 5,
        name: "latency during the run".to_owned(),
        passed: healthz_ok && listing_ok,
        summary: format!(
            "/healthz p50/p99 {:.1}/{:.1} ms over {} polls (p99 target {healthz_target}); listing p50/p99 {:.1}/{:.1} ms over {} answers (p99 target {listing_target})",
            reads.healthz.p50_ms,
            reads.healthz.p99_ms,
            reads.healthz.count,
            reads.listing.p50_ms,
            reads.listing.p99_ms,
            reads.listing.count
        ),
        details,
    }
}

fn check_memory(instances: &[InstanceFigures]) -> Check {
    let mut details = Vec::new();
    let mut parts = Vec::new();
    for instance in instances {
        let show =
            |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.1}"));
        parts.push(format!(
            "{} peak {} MiB, final {} MiB",
            instance.name,
            show(instance.peak_rss_mib),
            show(instance.final_rss_mib)
        ));
        match instance.peak_rss_mib {
            None => details.push(format!("instance {}: no memory sample", instance.name)),
            Some(peak) if peak >= RSS_LIMIT_MIB => details.push(format!(
                "instance {}: peak {peak:.1} MiB (limit {RSS_LIMIT_MIB} MiB)",
                instance.name
            )),
            Some(_) => {}
        }
    }
    Check {
        number: 6,
        name: "memory".to_owned(),
        passed: details.is_empty(),
        summary: parts.join("; "),
        details,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_decode_to_their_number() {
        assert_eq!(local_id(&global_id("Publication", 1234)), Some(1234));
        assert_eq!(local_id("not base64!"), None);
    }

    #[test]
    fn the_database_name_is_swapped() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
    }

    #[test]
    fn the_bibtex_has_the_entries_asked_for() {
        let text = bibtex(500, 7);
        assert_eq!(text.matches("@article{").count(), 500);
        assert_eq!(text.matches('{').count(), text.matches('}').count());
    }

    #[test]
    fn a_fifth_of_the_subscribers_follow_everything_as_editors() {
        let all = watchers(200, "VG9waWM6MQ");
        assert_eq!(all.iter().filter(|w| w.sees_everything()).count(), 40);
        assert!(all.iter().any(|w| !w.editor));
    }
}
