//! Load generator for the catalogue service: scenarios of GraphQL requests over HTTP, with
//! throughput, latency percentiles, errors, SQL statements per request and peak memory.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use catalogue_bench::load::{self, Api, Tally};
use catalogue_bench::scenarios::{self, Context, Scenario};
use catalogue_bench::server::{self, Launch, Log, Server};
use catalogue_bench::{baseline, chaos, hostile, say, storm, subscriptions};
use clap::{ArgGroup, Parser};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use serde::Serialize;

/// Measures the catalogue service under concurrent load, scenario by scenario.
///
/// Give `--start` to run the release `api` binary on a free loopback port (the environment,
/// DATABASE_URL included, passes through to it), or `--url` for a server already running.
/// DATABASE_URL must name the catalogue's database either way: scenarios pick their ids
/// there, the editor and subscriptions scenarios create a token there, and the baseline
/// replays SQL there. The subscriptions scenario needs `--start`: it starts a second
/// instance on the same database. The chaos scenario needs `--start` and runs alone: it
/// creates a database of its own beside DATABASE_URL's (a Postgres one), starts two
/// instances on it, and exits with an error when one of its checks fails. So does the storm
/// scenario, with one instance.
#[derive(Debug, Parser)]
#[command(name = "catalogue-bench", version)]
#[command(group(ArgGroup::new("target").required(true).args(["start", "url"])))]
struct Args {
    /// Start the server (`--api-bin`) and measure it; the subscriptions scenario starts a
    /// second one beside it, and runs only with this.
    #[arg(long)]
    start: bool,
    /// Measure the server at this URL, such as http://127.0.0.1:8000.
    #[arg(long)]
    url: Option<String>,
    /// The api binary to start (also for the baseline's capture). Default:
    /// $CARGO_TARGET_DIR/release/api, else target/release/api.
    #[arg(long)]
    api_bin: Option<PathBuf>,
    /// The catalogue's database.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Concurrent clients of every scenario but suggest.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Concurrent clients of the suggest scenario.
    #[arg(long, default_value_t = 4)]
    suggest_clients: usize,
    /// Attacker clients of the hostile scenario (besides its one bystander).
    #[arg(long, default_value_t = 8)]
    hostile_clients: usize,
    /// Subscribers of the subscriptions scenario, spread evenly over its two instances.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Edits per second in the subscriptions scenario, alternating its two instances.
    #[arg(long, default_value_t = 20.0)]
    mutations_per_second: f64,
    /// How long each scenario is measured: 20s, 500ms, 1m. Default 20s, 60s for the chaos
    /// scenario, and for the storm scenario 15s: how long each storm's sockets stay open.
    #[arg(long = "duration", value_parser = parse_duration)]
    duration_arg: Option<Duration>,
    /// `--duration` or its default.
    #[arg(skip)]
    duration: Duration,
    /// Subscribers of the chaos scenario, spread over its two instances.
    #[arg(long, default_value_t = 200)]
    chaos_subscribers: usize,
    /// Publications generated in the chaos scenario's database before it starts.
    #[arg(long, default_value_t = 3_000)]
    chaos_publications: usize,
    /// Storms of the storm scenario, one after the other.
    #[arg(long, default_value_t = 5)]
    storms: usize,
    /// WebSockets of each storm.
    #[arg(long, default_value_t = 100)]
    storm_sockets: usize,
    /// Subscriptions of each storm's WebSockets, each with a filter of its own.
    #[arg(long, default_value_t = 20)]
    storm_subscriptions: usize,
    /// The editor's updatePublication rate during each storm.
    #[arg(long, default_value_t = 5.0)]
    storm_edits_per_second: f64,
    /// Edits made before the first storm, for the storms' subscriptions to replay.
    #[arg(long, default_value_t = 300)]
    storm_warm_edits: usize,
    /// Publications generated in the storm scenario's database before it starts.
    #[arg(long, default_value_t = 3_000)]
    storm_publications: usize,
    /// Keep the chaos or storm scenario's database afterwards (it is kept anyway when a
    /// check fails).
    #[arg(long)]
    keep_database: bool,
    /// How long each scenario runs before it is measured.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    warmup: Duration,
    /// A scenario to run; repeat for several. Default: all but `hostile` and
    /// `subscriptions` (which run only when named), in the order listed.
    #[arg(long = "scenario", value_enum)]
    scenarios: Vec<Scenario>,
    /// Also replay the listing page's SQL straight against the database and compare.
    #[arg(long)]
    baseline: bool,
    /// Write the results to this file as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Where the started server's log goes. Default: a file in the temporary directory. The
    /// second instance of the subscriptions scenario logs beside it, to `NAME.b.log`.
    #[arg(long)]
    server_log: Option<PathBuf>,
    /// How long a started server may take to answer /readyz with 200 (it builds its read
    /// index first: a minute or two at a million publications).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    ready_timeout: Duration,
    /// With --start: once the server is ready, stop it and start it again on the same
    /// DATA_DIR, timing how long it takes to be ready with the index it persisted; the
    /// scenarios then run on the restarted server.
    #[arg(long, requires = "start")]
    restart: bool,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |at| text.split_at(at));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 20s, 500ms or 1m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        _ => return Err(format!("{text:?}: the unit must be ms, s or m")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

/// One scenario's figures.
#[derive(Debug, Serialize)]
struct Row {
    scenario: String,
    clients: usize,
    requests: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    errors: u64,
    conflicts: u64,
    statements_per_request: Option<f64>,
    /// The server's peak resident memory so far (VmHWM), or its resident memory now when
    /// only /metrics tells it.
    server_rss_mib: Option<f64>,
    note: String,
    first_error: Option<String>,
}

impl Row {
    fn new(
        scenario: &str,
        clients: usize,
        tally: &Tally,
        measured: Duration,
        note: String,
    ) -> Self {
        Self {
            scenario: scenario.to_owned(),
            clients,
            requests: tally.requests(),
            requests_per_second: tally.requests() as f64 / measured.as_secs_f64(),
            p50_ms: tally.millis(0.50),
            p95_ms: tally.millis(0.95),
            p99_ms: tally.millis(0.99),
            max_ms: tally.millis(1.0),
            errors: tally.errors,
            conflicts: tally.conflicts,
            statements_per_request: None,
            server_rss_mib: None,
            note,
            first_error: tally.first_error.clone(),
        }
    }

    fn print(&self) {
        let optional = |value: Option<f64>, precision: usize| {
            value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.precision$}"))
        };
        say!(
            "{:<15} {:>7} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>7} {:>9} {:>10} {:>8}  {}",
            self.scenario,
            self.clients,
            self.requests_per_second,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.errors,
            self.conflicts,
            optional(self.statements_per_request, 2),
            optional(self.server_rss_mib, 1),
            self.note
        );
        if let Some(error) = &self.first_error {
            say!("                first error: {error}");
        }
    }
}

fn header() {
    say!(
        "{:<15} {:>7} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9} {:>10} {:>8}  {}",
        "scenario",
        "clients",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "conflicts",
        "stmts/req",
        "RSS MiB",
        "what"
    );
}

#[derive(Debug, Serialize)]
struct BaselineReport {
    statements: Vec<String>,
    raw_sql: Row,
    /// The service's listing throughput as a share of the raw SQL's.
    listing_ratio: Option<f64>,
}

/// How the started server came up.
#[derive(Debug, Default, Serialize)]
struct Startup {
    /// From spawning the process to the first 200 of /readyz (the read index built first,
    /// in a fresh DATA_DIR unless DATA_DIR or INDEX_DIR was given).
    ready_seconds: f64,
    /// What the server's log says the build of its read index took, if it built one.
    index_build_seconds: Option<f64>,
    /// Its peak resident memory (VmHWM) once ready: the build's high-water mark.
    ready_peak_rss_mib: Option<f64>,
    /// With --restart: from spawning it again on the same DATA_DIR to /readyz 200.
    restart_ready_seconds: Option<f64>,
    /// With --restart: whether its log says it opened the persisted index (not rebuilt it).
    restart_opened_index: Option<bool>,
    restart_ready_peak_rss_mib: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    /// With --start.
    startup: Option<Startup>,
    clients: usize,
    duration_seconds: f64,
    warmup_seconds: f64,
    scenarios: Vec<Row>,
    /// The hostile scenario's details; its rows are among `scenarios`.
    hostile: Option<HostileReport>,
    /// The subscriptions scenario's details; its row is among `scenarios`.
    subscriptions: Option<subscriptions::Figures>,
    baseline: Option<BaselineReport>,
}

/// One attack's figures in the hostile scenario.
#[derive(Debug, Serialize)]
struct AttackRow {
    attack: String,
    requests: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    statuses: hostile::StatusClasses,
    first_error: Option<String>,
}

#[derive(Debug, Serialize)]
struct HostileReport {
    attacker_clients: usize,
    /// The attackers' answers by HTTP status class; any 5xx is a finding.
    statuses: hostile::StatusClasses,
    attacks: Vec<AttackRow>,
    /// The bystander's p99 target for both its requests.
    target_p99_ms: f64,
    healthz_within_target: bool,
    listing_within_target: bool,
}

#[tokio::main]
async fn main() {
    let mut args = Args::parse();
    args.duration = args
        .duration_arg
        .unwrap_or(if args.scenarios.contains(&Scenario::Chaos) {
            Duration::from_secs(60)
        } else if args.scenarios.contains(&Scenario::Storm) {
            Duration::from_secs(15)
        } else {
            Duration::from_secs(20)
        });
    if let Err(err) = run(args).await {
        eprintln!("catalogue-bench: {err:#}");
        std::process::exit(1);
    }
}

/// The HTTP client the load tasks share, keeping up to twice `clients` idle connections.
fn http_client(clients: usize) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(clients * 2)
        .timeout(Duration::from_secs(60))
        .build()
        .context("failed to build the HTTP client")
}

fn default_api_bin() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from("target"), PathBuf::from)
        .join("release")
        .join("api")
}

async fn run(args: Args) -> anyhow::Result<()> {
    if args.clients == 0 || args.suggest_clients == 0 || args.hostile_clients == 0 {
        bail!("--clients, --suggest-clients and --hostile-clients must be at least 1");
    }
    if args.subscribers == 0
        || !args.mutations_per_second.is_finite()
        || args.mutations_per_second <= 0.0
    {
        bail!("--subscribers and --mutations-per-second must be above 0");
    }
    if args.scenarios.contains(&Scenario::Subscriptions) && !args.start {
        bail!("the subscriptions scenario needs --start: it starts a second instance");
    }
    let api_bin = args.api_bin.clone().unwrap_or_else(default_api_bin);
    if args.scenarios.contains(&Scenario::Chaos) {
        return run_chaos(&args, &api_bin).await;
    }
    if args.scenarios.contains(&Scenario::Storm) {
        return run_storm(&args, &api_bin).await;
    }
    let client = http_client(
        args.clients
            .max(args.suggest_clients)
            .max(args.hostile_clients),
    )?;
    let mut options = ConnectOptions::new(args.database_url.clone());
    options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("failed to connect to DATABASE_URL")?;

    let log = args.server_log.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("catalogue-bench-server-{}.log", std::process::id()))
    });
    let (server, startup) = if args.start {
        let (server, startup) = start_server(&args, &api_bin, &log, &client).await?;
        (Some(server), Some(startup))
    } else {
        (None, None)
    };
    let base_url = match (&server, &args.url) {
        (Some(server), _) => server.base_url.clone(),
        (None, Some(url)) => url.trim_end_matches('/').to_owned(),
        (None, None) => bail!("give --start or --url"),
    };
    let outcome = measure(
        &args,
        &api_bin,
        &log,
        &client,
        &db,
        server.as_ref(),
        &base_url,
    )
    .await;
    if let Some(server) = server {
        server.stop().await;
    }
    let mut report = outcome?;
    report.startup = startup;
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).context("failed to write JSON")?;
        std::fs::write(path, text)
            .with_context(|| format!("failed to write {}", path.display()))?;
        say!("results written to {}", path.display());
    }
    Ok(())
}

async fn measure(
    args: &Args,
    api_bin: &std::path::Path,
    log: &std::path::Path,
    client: &reqwest::Client,
    db: &DatabaseConnection,
    server: Option<&Server>,
    base_url: &str,
) -> anyhow::Result<Report> {
    let api = Arc::new(Api::new(client.clone(), base_url));
    let mut selected: Vec<Scenario> = if args.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        Scenario::EVERY
            .into_iter()
            .filter(|scenario| args.scenarios.contains(scenario))
            .collect()
    };
    if args.baseline && !selected.contains(&Scenario::Listing) {
        selected.insert(0, Scenario::Listing);
    }
    let token =
        if selected.contains(&Scenario::Editor) || selected.contains(&Scenario::Subscriptions) {
            Some(editor_token(db).await?)
        } else {
            None
        };

    say!(
        "{} s per scenario after {} s of warm-up, against {base_url}",
        args.duration.as_secs_f64(),
        args.warmup.as_secs_f64()
    );
    header();
    let mut rows = Vec::new();
    let mut hostile_report = None;
    let mut subscriptions_report = None;
    for scenario in selected {
        if scenario == Scenario::Subscriptions {
            let token = token.as_ref().map(|(_, secret)| secret.as_str());
            match run_subscriptions(args, api_bin, log, db, server, client, token).await {
                Ok((row, figures)) => {
                    rows.push(row);
                    subscriptions_report = Some(figures);
                }
                Err(err) => say!("{:<15} failed: {err:#}", scenario.name()),
            }
            continue;
        }
        if scenario == Scenario::Hostile {
            match run_hostile(args, &api, db, server, client, base_url).await {
                Ok((hostile_rows, report)) => {
                    rows.extend(hostile_rows);
                    hostile_report = Some(report);
                }
                Err(err) => say!("{:<15} failed: {err:#}", scenario.name()),
            }
            continue;
        }
        let cx = Context {
            api: &api,
            db,
            token: token.as_ref().map(|(_, secret)| secret.as_str()),
        };
        match run_scenario(args, &api, &cx, scenario, server, client, base_url).await {
            Ok(row) => {
                row.print();
                rows.push(row);
            }
            Err(err) => say!("{:<15} failed: {err:#}", scenario.name()),
        }
    }
    if let Some((name, _)) = &token {
        let _ = api::service::token::revoke(db, name).await;
    }

    let baseline = if args.baseline {
        Some(run_baseline(args, api_bin, client, &rows).await?)
    } else {
        None
    };
    Ok(Report {
        startup: None,
        clients: args.clients,
        duration_seconds: args.duration.as_secs_f64(),
        warmup_seconds: args.warmup.as_secs_f64(),
        scenarios: rows,
        hostile: hostile_report,
        subscriptions: subscriptions_report,
        baseline,
    })
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Starts the server in a fresh DATA_DIR, waits until it is ready (its read index built)
/// and says how long that took; with --restart, starts it again on the same DATA_DIR and
/// times that too.
async fn start_server(
    args: &Args,
    api_bin: &std::path::Path,
    log: &std::path::Path,
    client: &reqwest::Client,
) -> anyhow::Result<(Server, Startup)> {
    say!("starting {} (log: {})", api_bin.display(), log.display());
    let launch =
        Launch::new(api_bin, &[], Log::File(log.to_owned())).ready_timeout(args.ready_timeout);
    let (mut server, _) = Server::launch(launch, client).await?;
    let mut startup = Startup {
        ready_seconds: server.ready_in.as_secs_f64(),
        index_build_seconds: server.index_build_seconds(),
        ready_peak_rss_mib: server.peak_rss_bytes().map(mib),
        ..Startup::default()
    };
    let optional = |value: Option<f64>, precision: usize| {
        value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.precision$}"))
    };
    say!(
        "ready in {:.1} s (DATA_DIR {}); read index built in {} s (server log); peak RSS {} MiB",
        startup.ready_seconds,
        server
            .data_dir()
            .map_or_else(|| "as given".to_owned(), |dir| dir.display().to_string()),
        optional(startup.index_build_seconds, 1),
        optional(startup.ready_peak_rss_mib, 1)
    );
    if args.restart {
        server = server.restart(client).await?;
        startup.restart_ready_seconds = Some(server.ready_in.as_secs_f64());
        startup.restart_opened_index = server.opened_index();
        startup.restart_ready_peak_rss_mib = server.peak_rss_bytes().map(mib);
        say!(
            "restarted on the same DATA_DIR: ready in {:.2} s ({}); peak RSS {} MiB; the scenarios run on this server",
            server.ready_in.as_secs_f64(),
            match startup.restart_opened_index {
                Some(true) => "opened the persisted read index",
                Some(false) => "REBUILT the read index",
                None => "the log does not say whether it opened the index",
            },
            optional(startup.restart_ready_peak_rss_mib, 1)
        );
    }
    Ok((server, startup))
}

/// The chaos scenario, on its own: its report, the JSON file if asked for, and an error when
/// a check failed.
async fn run_chaos(args: &Args, api_bin: &std::path::Path) -> anyhow::Result<()> {
    if !args.start {
        bail!("the chaos scenario needs --start: it starts its own two instances");
    }
    if args
        .scenarios
        .iter()
        .any(|scenario| *scenario != Scenario::Chaos)
    {
        bail!("the chaos scenario runs alone: name no other scenario with it");
    }
    let mut plan = chaos::Plan::new(api_bin, &args.database_url);
    plan.duration = args.duration;
    plan.subscribers = args.chaos_subscribers;
    plan.publications = args.chaos_publications;
    plan.keep_database = args.keep_database;
    plan.ready_timeout = args.ready_timeout;
    if let Some(log) = &args.server_log {
        plan.log_prefix = log.with_extension("");
    }
    let report = chaos::run(&plan).await?;
    report.print();
    let failed: Vec<String> = report
        .failed()
        .iter()
        .map(|check| format!("{}. {}", check.number, check.name))
        .collect();
    conclude(args, "chaos", &report, &failed)
}

/// Writes a checked scenario's report as JSON if asked for, and fails when checks did.
fn conclude(
    args: &Args,
    scenario: &str,
    report: &impl Serialize,
    failed: &[String],
) -> anyhow::Result<()> {
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(report).context("failed to write JSON")?;
        std::fs::write(path, text)
            .with_context(|| format!("failed to write {}", path.display()))?;
        say!("results written to {}", path.display());
    }
    if !failed.is_empty() {
        bail!("{scenario} checks failed: {}", failed.join("; "));
    }
    Ok(())
}

/// The storm scenario, on its own: its report, the JSON file if asked for, and an error when
/// a check failed.
async fn run_storm(args: &Args, api_bin: &std::path::Path) -> anyhow::Result<()> {
    if !args.start {
        bail!("the storm scenario needs --start: it starts its own instance");
    }
    if args
        .scenarios
        .iter()
        .any(|scenario| *scenario != Scenario::Storm)
    {
        bail!("the storm scenario runs alone: name no other scenario with it");
    }
    let mut plan = storm::Plan::new(api_bin, &args.database_url);
    plan.storm_duration = args.duration;
    plan.storms = args.storms;
    plan.sockets = args.storm_sockets;
    plan.subscriptions_per_socket = args.storm_subscriptions;
    plan.edits_per_second = args.storm_edits_per_second;
    plan.warm_edits = args.storm_warm_edits;
    plan.publications = args.storm_publications;
    plan.keep_database = args.keep_database;
    plan.ready_timeout = args.ready_timeout;
    if let Some(log) = &args.server_log {
        plan.log.clone_from(log);
    }
    let report = storm::run(&plan).await?;
    report.print();
    let failed: Vec<String> = report
        .failed()
        .iter()
        .map(|check| format!("{} {}", storm::letter(check.number), check.name))
        .collect();
    conclude(args, "storm", &report, &failed)
}

/// A fresh editor token, created in the database as `api token create` does.
async fn editor_token(db: &DatabaseConnection) -> anyhow::Result<(String, String)> {
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis())
        .unwrap_or_default();
    let name = format!("catalogue-bench-{stamp}");
    let parsed = api::domain::Name::parse(&name).map_err(|err| anyhow::anyhow!("{err}"))?;
    let (_, secret) = api::service::token::create(db, parsed, entity::api_token::Role::Editor)
        .await
        .context("failed to create an editor token")?;
    Ok((name, secret))
}

async fn run_scenario(
    args: &Args,
    api: &Arc<Api>,
    cx: &Context<'_>,
    scenario: Scenario,
    server: Option<&Server>,
    client: &reqwest::Client,
    base_url: &str,
) -> anyhow::Result<Row> {
    let prepared = scenarios::prepare(scenario, cx).await?;
    scenarios::check(api, &prepared).await?;
    let clients = if scenario == Scenario::Suggest {
        args.suggest_clients
    } else {
        args.clients
    };
    let prepared = scenarios::shared(prepared);
    let step = {
        let api = Arc::clone(api);
        let prepared = Arc::clone(&prepared);
        move |task: usize, sent: u64| {
            let api = Arc::clone(&api);
            let prepared = Arc::clone(&prepared);
            async move { scenarios::step(&api, &prepared, clients, task, sent).await }
        }
    };
    if !args.warmup.is_zero() {
        load::run(clients, args.warmup, step.clone()).await?;
    }
    let before = server::scrape(client, base_url).await?;
    let tally = load::run(clients, args.duration, step).await?;
    let after = server::scrape(client, base_url).await?;
    let mut row = Row::new(
        scenario.name(),
        clients,
        &tally,
        args.duration,
        prepared.note.clone(),
    );
    row.statements_per_request = server::statements_per_request(&before, &after);
    row.server_rss_mib = rss_mib(server, &after);
    Ok(row)
}

/// The server's peak resident memory when this tool started it, else its resident memory
/// now as its /metrics say, in MiB.
fn rss_mib(server: Option<&Server>, metrics: &server::Scrape) -> Option<f64> {
    server
        .and_then(Server::peak_rss_bytes)
        .map(|bytes| bytes as f64)
        .or(metrics.resident_bytes)
        .map(|bytes| bytes / (1024.0 * 1024.0))
}

/// The hostile scenario: `--hostile-clients` attackers on the shared client and one
/// bystander on a client of its own, warmed up and then measured side by side. Three rows
/// (the attackers, the bystander's /healthz, its listing), then a line per attack.
async fn run_hostile(
    args: &Args,
    api: &Arc<Api>,
    db: &DatabaseConnection,
    server: Option<&Server>,
    client: &reqwest::Client,
    base_url: &str,
) -> anyhow::Result<(Vec<Row>, HostileReport)> {
    let prepared = Arc::new(hostile::prepare(db).await?);
    // Its own connection pool, so that it never waits for a connection an attacker holds.
    let bystander = Arc::new(Api::new(http_client(1)?, base_url));
    hostile::check(&bystander, &prepared).await?;
    let clients = args.hostile_clients;
    if !args.warmup.is_zero() {
        hostile::run(api, &bystander, &prepared, clients, args.warmup).await?;
    }
    let measured = hostile::run(api, &bystander, &prepared, clients, args.duration).await?;
    let after = server::scrape(client, base_url).await?;

    let (attackers, statuses) = measured.attackers()?;
    let mut attack_row = Row::new(
        Scenario::Hostile.name(),
        clients,
        &attackers,
        args.duration,
        format!(
            "attackers, {} bodies in turn; {statuses}",
            prepared.attacks.len()
        ),
    );
    attack_row.server_rss_mib = rss_mib(server, &after);
    let target = hostile::TARGET_P99_MS;
    let verdict = |tally: &Tally| {
        let met = tally.errors == 0 && tally.millis(0.99) < target;
        (met, if met { "met" } else { "MISSED" })
    };
    let (healthz_met, healthz_verdict) = verdict(&measured.healthz);
    let (listing_met, listing_verdict) = verdict(&measured.listing);
    let healthz_row = Row::new(
        "hostile-healthz",
        1,
        &measured.healthz,
        args.duration,
        format!("bystander GET /healthz; target p99 < {target} ms: {healthz_verdict}"),
    );
    let listing_row = Row::new(
        "hostile-listing",
        1,
        &measured.listing,
        args.duration,
        format!("bystander publications(first: 10); target p99 < {target} ms: {listing_verdict}"),
    );
    for row in [&attack_row, &healthz_row, &listing_row] {
        row.print();
    }

    say!(
        "                {:<16} {:>8} {:>8} {:>8} {:>8}  answers",
        "attack",
        "requests",
        "p50 ms",
        "p99 ms",
        "max ms"
    );
    let mut attacks = Vec::with_capacity(measured.attacks.len());
    for (attack, (tally, classes)) in prepared.attacks.iter().zip(&measured.attacks) {
        say!(
            "                {:<16} {:>8} {:>8.1} {:>8.1} {:>8.1}  {classes}",
            attack.name,
            tally.requests(),
            tally.millis(0.50),
            tally.millis(0.99),
            tally.millis(1.0)
        );
        if let Some(error) = &tally.first_error {
            say!("                  first error: {error}");
        }
        attacks.push(AttackRow {
            attack: attack.name.to_owned(),
            requests: tally.requests(),
            p50_ms: tally.millis(0.50),
            p99_ms: tally.millis(0.99),
            max_ms: tally.millis(1.0),
            statuses: *classes,
            first_error: tally.first_error.clone(),
        });
    }
    if statuses.server_error > 0 || statuses.no_answer > 0 {
        say!(
            "                finding: {} answers were 5xx and {} got no answer under attack",
            statuses.server_error,
            statuses.no_answer
        );
    }
    let report = HostileReport {
        attacker_clients: clients,
        statuses,
        attacks,
        target_p99_ms: target,
        healthz_within_target: healthz_met,
        listing_within_target: listing_met,
    };
    Ok((vec![attack_row, healthz_row, listing_row], report))
}

/// The subscriptions scenario: `server` as instance A, a second instance B started here on
/// the same database, `--subscribers` WebSockets spread over both and
/// `--mutations-per-second` edits alternating between them. One row in the table (the
/// delivery latency, the mutations' rate, lost and duplicated events and closes as errors),
/// then the events' accounting and a line per instance.
async fn run_subscriptions(
    args: &Args,
    api_bin: &std::path::Path,
    log: &std::path::Path,
    db: &DatabaseConnection,
    server: Option<&Server>,
    client: &reqwest::Client,
    token: Option<&str>,
) -> anyhow::Result<(Row, subscriptions::Figures)> {
    let a = server.context("the subscriptions scenario needs --start")?;
    let token = token.context("the subscriptions scenario needs a token")?;
    let plan = subscriptions::Plan {
        subscribers: args.subscribers,
        mutations_per_second: args.mutations_per_second,
        warmup: args.warmup,
        duration: args.duration,
    };
    let prepared = subscriptions::prepare(db, &plan).await?;
    let b_log = log.with_extension("b.log");
    say!(
        "{:<15} starting instance B (log: {}); {} subscribers, {} mutations/s for {} s after {} s of warm-up",
        Scenario::Subscriptions.name(),
        b_log.display(),
        plan.subscribers,
        plan.mutations_per_second,
        plan.duration.as_secs_f64(),
        plan.warmup.as_secs_f64()
    );
    let (b, _) = Server::launch(
        Launch::new(api_bin, &[], Log::File(b_log)).ready_timeout(args.ready_timeout),
        client,
    )
    .await?;
    let instances = [
        subscriptions::Instance {
            name: "A".into(),
            api: Api::new(client.clone(), &a.base_url),
        },
        subscriptions::Instance {
            name: "B".into(),
            api: Api::new(client.clone(), &b.base_url),
        },
    ];
    let outcome = subscriptions::run(&plan, &instances, &prepared, token).await;
    let rss = [a, &b].map(|server| {
        server
            .peak_rss_bytes()
            .map(|bytes| bytes as f64 / (1024.0 * 1024.0))
    });
    b.stop().await;
    let mut figures = outcome?;
    for (instance, rss) in figures.instances.iter_mut().zip(rss) {
        instance.peak_rss_mib = rss;
    }

    let events = &figures.events;
    let ended: u64 = figures.ended.iter().map(|end| end.subscribers).sum();
    let target = subscriptions::TARGET_P99_MS;
    let met = figures.latency.p99_ms < target && events.lost == 0 && events.duplicated == 0;
    let row = Row {
        scenario: Scenario::Subscriptions.name().to_owned(),
        clients: figures.subscribers,
        requests: figures.latency.events,
        requests_per_second: figures.mutations_per_second,
        p50_ms: figures.latency.p50_ms,
        p95_ms: figures.latency.p95_ms,
        p99_ms: figures.latency.p99_ms,
        max_ms: figures.latency.max_ms,
        errors: events.lost + events.duplicated + events.errors + figures.mutation_errors + ended,
        conflicts: figures.mutation_conflicts,
        statements_per_request: None,
        server_rss_mib: figures
            .instances
            .iter()
            .filter_map(|instance| instance.peak_rss_mib)
            .reduce(f64::max),
        note: format!(
            "req/s = mutations/s; latency = mutation sent to event read; target p99 < {target} ms, none lost or duplicated: {}",
            if met { "met" } else { "MISSED" }
        ),
        first_error: figures
            .mutation_first_error
            .clone()
            .or_else(|| events.first_error.clone()),
    };
    row.print();
    say!(
        "                events: {} expected ({} subscribers x {} committed mutations, {} of them warm-up), {} received, {} lost, {} duplicated",
        group(events.expected),
        figures.subscribers,
        figures.mutations_committed,
        figures.warmup_mutations,
        group(events.received),
        group(events.lost),
        group(events.duplicated)
    );
    if events.lost > 0 {
        say!(
            "                lost: {} on subscriptions the server ended, {} on live subscriptions not delivered {} s after the last mutation's answer",
            group(events.lost_ended),
            group(events.lost - events.lost_ended),
            subscriptions::GRACE.as_secs()
        );
    }
    if events.extra + events.unconfirmed + events.foreign + events.out_of_order + events.odd_kind
        > 0
    {
        say!(
            "                also: {} extra (another revision of an edited publication), {} unconfirmed (mutation not answered as committed), {} foreign, {} out of revision order, {} not UPDATED",
            events.extra,
            events.unconfirmed,
            events.foreign,
            events.out_of_order,
            events.odd_kind
        );
    }
    say!(
        "                latency p50/p99: {:.1}/{:.1} ms when the subscriber's instance took the mutation, {:.1}/{:.1} ms when the other did",
        figures.latency_same_instance.p50_ms,
        figures.latency_same_instance.p99_ms,
        figures.latency_other_instance.p50_ms,
        figures.latency_other_instance.p99_ms
    );
    say!(
        "                mutations: {} measured at {:.2}/s (target {}), {} committed in all, {} conflicts, {} errors; round trip p50/p99 {:.1}/{:.1} ms",
        figures.measured_mutations,
        figures.mutations_per_second,
        figures.mutations_per_second_target,
        figures.mutations_committed,
        figures.mutation_conflicts,
        figures.mutation_errors,
        figures.mutation_latency.p50_ms,
        figures.mutation_latency.p99_ms
    );
    say!(
        "                subscribers connected in {:.1} s",
        figures.connect_seconds
    );
    let optional = |value: Option<f64>, precision: usize| {
        value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.precision$}"))
    };
    for instance in &figures.instances {
        say!(
            "                instance {} ({}): {} subscribers, {} mutations, latency p50/p99 {:.1}/{:.1} ms, {} lost, peak RSS {} MiB, max feed_lag_revisions {}, graphql_subscriptions at the end {}",
            instance.name,
            instance.base_url,
            instance.subscribers,
            instance.mutations,
            instance.latency.p50_ms,
            instance.latency.p99_ms,
            group(instance.events_lost),
            optional(instance.peak_rss_mib, 1),
            optional(instance.max_feed_lag_revisions, 0),
            optional(instance.subscriptions_at_end, 0)
        );
    }
    for end in &figures.ended {
        say!(
            "                finding: the server ended {} subscriptions ({}): {}",
            end.subscribers,
            if end.code == 0 {
                "error or complete".to_owned()
            } else {
                format!("close {}", end.code)
            },
            end.first_reason
        );
    }
    if let Some(error) = &events.first_error {
        say!(
            "                finding: {} bad messages; the first: {error}",
            events.errors
        );
    }
    Ok((row, figures))
}

/// `n` with a comma between thousands.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

async fn run_baseline(
    args: &Args,
    api_bin: &std::path::Path,
    client: &reqwest::Client,
    rows: &[Row],
) -> anyhow::Result<BaselineReport> {
    let statements = baseline::capture(api_bin, client, &scenarios::listing_body()).await?;
    say!(
        "baseline: the listing page runs {} statements:",
        statements.len()
    );
    for statement in &statements {
        let short: String = statement.chars().take(160).collect();
        say!(
            "  {short}{}",
            if statement.len() > 160 { " ..." } else { "" }
        );
    }
    let tally = baseline::replay(
        &args.database_url,
        statements.clone(),
        args.clients,
        args.warmup,
        args.duration,
    )
    .await?;
    let mut raw = Row::new(
        "raw SQL",
        args.clients,
        &tally,
        args.duration,
        "the listing page's statements, in sequence, straight to the database".into(),
    );
    raw.statements_per_request = Some(statements.len() as f64);
    header();
    raw.print();
    let listing_ratio = rows
        .iter()
        .find(|row| row.scenario == Scenario::Listing.name())
        .map(|row| row.requests_per_second / raw.requests_per_second);
    if let Some(ratio) = listing_ratio {
        say!(
            "the service serves the listing page at {:.0}% of the raw SQL's throughput",
            ratio * 100.0
        );
    }
    Ok(BaselineReport {
        statements,
        raw_sql: raw,
        listing_ratio,
    })
}
