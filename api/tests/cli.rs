//! The `api` binary as an operator runs it.

use std::net::TcpListener;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn api() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    // Only what each test sets: no DATABASE_URL or BIND from the developer's shell.
    command.env_clear().env("RUST_LOG", "warn");
    command
}

fn run(command: &mut Command) -> (Output, Duration) {
    let started = Instant::now();
    let output = command.output().expect("the binary runs");
    (output, started.elapsed())
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_the_variable() {
    for (variable, value) in [
        ("BIND", "localhost"),
        ("DATABASE_MAX_CONNECTIONS", "0"),
        ("DATABASE_URL", "mysql://db/catalogue"),
        ("MIGRATE_ON_START", "maybe"),
        ("LOG_FORMAT", "yaml"),
        ("RUST_LOG", "debug,foo=bar=baz"),
    ] {
        let (output, _) = run(api().env(variable, value));

        assert!(!output.status.success(), "{variable}={value} was accepted");
        let lines = stderr_lines(&output);
        assert_eq!(lines.len(), 1, "expected one line, got {lines:#?}");
        assert!(
            lines[0].starts_with(&format!("error: invalid {variable}=")),
            "{lines:?}"
        );
    }
}

#[test]
fn an_unreachable_postgres_stops_start_up_within_seconds() {
    // Nothing listens on port 1 of the loopback interface.
    let (output, elapsed) = run(api().env(
        "DATABASE_URL",
        "postgres://postgres:secret@127.0.0.1:1/catalogue",
    ));

    assert!(!output.status.success());
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "expected one line, got {lines:#?}");
    assert!(
        lines[0].starts_with(
            "error: failed to connect to postgres://postgres:***@127.0.0.1:1/catalogue"
        ),
        "{lines:?}"
    );
    assert!(
        lines[0].contains("refused"),
        "the cause is missing: {lines:?}"
    );
}

#[test]
fn an_sqlite_url_naming_a_missing_file_says_how_to_create_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("missing.sqlite");
    let (output, _) = run(api().env("DATABASE_URL", format!("sqlite://{}", file.display())));

    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "expected one line, got {lines:#?}");
    assert_eq!(
        lines[0],
        format!(
            "error: the SQLite file {} does not exist; add ?mode=rwc to DATABASE_URL to create it",
            file.display()
        )
    );
    assert!(!file.exists(), "nothing is created without mode=rwc");
}

#[test]
fn export_schema_prints_the_schema_of_the_code() {
    let (output, _) = run(api().arg("export-schema"));

    assert!(output.status.success(), "{:?}", stderr_lines(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), api::graphql::sdl());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn with_no_configuration_it_creates_seeds_and_serves_an_sqlite_catalogue() {
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let started = Instant::now();
    let mut server = Server(
        api()
            .current_dir(workdir.path())
            .env("BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/graphql");
    let query = serde_json::json!({
        "query": "{ publications(first: 10) { totalCount nodes { title authorCount venue { name } } } }"
    });

    let mut answer = None;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(response) = client.post(&url).json(&query).send().await {
            answer = Some(response.json::<serde_json::Value>().await.expect("JSON"));
            break;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("the server exited with {status}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let answer = answer.expect("the server answered within 30 s");
    assert_eq!(answer["data"]["publications"]["totalCount"], 6, "{answer}");
    assert_eq!(
        answer["data"]["publications"]["nodes"][1]["authorCount"], 18,
        "{answer}"
    );
    assert!(
        workdir.path().join("data/catalogue.sqlite").exists(),
        "no SQLite file in data/"
    );
}

#[test]
fn migrate_and_seed_run_on_an_empty_sqlite_file() {
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        workdir.path().join("c.sqlite").display()
    );

    let (migrated, _) = run(api().arg("migrate").env("DATABASE_URL", &url));
    let (seeded, _) = run(api().arg("seed").env("DATABASE_URL", &url));
    let (seeded_again, _) = run(api()
        .arg("seed")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "text"));

    assert!(migrated.status.success(), "{:?}", stderr_lines(&migrated));
    assert!(seeded.status.success(), "{:?}", stderr_lines(&seeded));
    assert!(
        seeded_again.status.success(),
        "{:?}",
        stderr_lines(&seeded_again)
    );
    let report = stderr_lines(&seeded_again).join("\n");
    assert!(
        report.contains("created=0") && report.contains("already_present=6"),
        "{report}"
    );
}

/// A database of its own on the test Postgres server, dropped at the end.
struct PostgresDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    async fn create() -> Self {
        use sea_orm::ConnectionTrait as _;
        let admin_url = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("catalogue_cli_{}_{}", std::process::id(), free_port());
        let admin = sea_orm::Database::connect(&admin_url)
            .await
            .unwrap_or_else(|err| {
                panic!("Postgres is not reachable at {admin_url} (set TEST_DATABASE_URL): {err}")
            });
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let server = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(server, _)| server);
        let url = format!("{server}/{name}");
        Self {
            admin_url,
            name,
            url,
        }
    }
}

impl Drop for PostgresDatabase {
    /// Drops the database even when the test fails half-way, from a thread of its own
    /// (drop cannot await).
    fn drop(&mut self) {
        use sea_orm::ConnectionTrait as _;
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_before_exiting() {
    a_stop_signal_lets_an_in_flight_request_finish("-TERM").await;
}

/// Ctrl-C in a terminal is SIGINT: as graceful as SIGTERM (actix alone would force it).
#[tokio::test]
async fn sigint_lets_an_in_flight_request_finish_before_exiting() {
    a_stop_signal_lets_an_in_flight_request_finish("-INT").await;
}

async fn a_stop_signal_lets_an_in_flight_request_finish(signal: &str) {
    use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
    let database = PostgresDatabase::create().await;
    let port = free_port();
    // A data directory of its own: each running instance holds its read index.
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let mut server = Server(
        api()
            .current_dir(workdir.path())
            .env("DATABASE_URL", &database.url)
            .env("SEED_SAMPLE", "true")
            .env("SHUTDOWN_GRACE_SECS", "20")
            .env("BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/graphql");
    let query = serde_json::json!({ "query": "{ publications { totalCount } }" });
    let started = Instant::now();
    while client.post(&url).json(&query).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Another session locks the table, so the next request waits on it: a slow request.
    let locker = sea_orm::Database::connect(&database.url)
        .await
        .expect("connect");
    let lock = locker.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE publication IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let in_flight = tokio::spawn({
        let (client, url, query) = (client.clone(), url.clone(), query.clone());
        async move { client.post(&url).json(&query).send().await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    let pid = server.0.id().to_string();
    let signalled = Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill runs");
    // Longer than the second the server's workers wait when given no grace at all.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let still_running = matches!(server.0.try_wait(), Ok(None));
    lock.rollback().await.expect("release the lock");
    let response = in_flight
        .await
        .expect("the task ends")
        .expect("the in-flight request is answered");
    let body: serde_json::Value = response.json().await.expect("JSON");
    let exit = loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not exit"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(database);

    assert!(signalled.success());
    assert!(still_running, "the server exited with a request in flight");
    assert_eq!(body["data"]["publications"]["totalCount"], 6, "{body}");
    assert!(exit.success(), "exit status {exit}");
}

#[test]
fn tokens_are_shown_once_listed_by_name_and_revoked() {
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let url = format!(
        "sqlite://{}?mode=rwc",
        workdir.path().join("t.sqlite").display()
    );
    let token = |args: &[&str]| run(api().arg("token").args(args).env("DATABASE_URL", &url)).0;

    let created = token(&["create", "--name", "alice", "--role", "editor"]);
    let again = token(&["create", "--name", "alice"]);
    let listed = token(&["list"]);
    let revoked = token(&["revoke", "alice"]);
    let revoked_again = token(&["revoke", "alice"]);
    let listed_after = token(&["list"]);

    assert!(created.status.success(), "{:?}", stderr_lines(&created));
    let secret = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(secret.starts_with("pcat_") && secret.len() > 40, "{secret}");
    assert!(!again.status.success());
    assert!(
        stderr_lines(&again)[0].contains("a token named \"alice\" exists already"),
        "{:?}",
        stderr_lines(&again)
    );
    let list = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        list.starts_with("alice\tEditor") && list.contains("revoked -"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the list shows the secret");
    assert!(revoked.status.success());
    assert!(!revoked_again.status.success());
    assert!(!String::from_utf8_lossy(&listed_after.stdout).contains("revoked -"));
}

#[test]
fn reindex_builds_the_read_index_in_the_data_directory() {
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let data = workdir.path().join("data");
    let url = format!(
        "sqlite://{}?mode=rwc",
        workdir.path().join("c.sqlite").display()
    );
    let with_env = |command: &mut Command| {
        command
            .env("DATABASE_URL", &url)
            .env("DATA_DIR", &data)
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "text");
    };

    let mut seed = api();
    with_env(seed.arg("seed"));
    let (seeded, _) = run(&mut seed);
    let mut reindex = api();
    with_env(reindex.arg("reindex"));
    let (reindexed, _) = run(&mut reindex);

    assert!(seeded.status.success(), "{:?}", stderr_lines(&seeded));
    assert!(reindexed.status.success(), "{:?}", stderr_lines(&reindexed));
    let log = stderr_lines(&reindexed).join("\n");
    assert!(log.contains("building the read index"), "{log}");
    assert!(log.contains("rebuilt the read index"), "{log}");
    assert!(
        data.join("index/meta.json").exists(),
        "no index in DATA_DIR/index"
    );
    assert!(
        !data.join("index.building").exists(),
        "the build directory stayed"
    );

    // With nothing to reindex into, it says why.
    let mut in_memory = api();
    with_env(in_memory.arg("reindex").env("INDEX_DIR", ":memory:"));
    let (refused, _) = run(&mut in_memory);
    assert!(!refused.status.success());
    assert!(
        stderr_lines(&refused).join("\n").contains(":memory:"),
        "{:?}",
        stderr_lines(&refused)
    );
}

/// `api 2>&1 | head -3`: once the reader of the log pipe is gone, every log line fails to
/// write. The service keeps answering, counts the lines it lost, and stops on SIGTERM.
#[tokio::test]
async fn a_closed_log_pipe_neither_stops_the_service_nor_disarms_its_shutdown() {
    use std::io::{BufRead as _, BufReader};
    let workdir = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let mut server = Server(
        api()
            .current_dir(workdir.path())
            .env("RUST_LOG", "info")
            .env("LOG_FORMAT", "json")
            .env("BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts"),
    );
    let stderr = server.0.stderr.take().expect("a log pipe");
    // Read a few lines, as `head -3` would, then close the pipe.
    let mut lines = BufReader::new(stderr).lines();
    for _ in 0..3 {
        lines
            .next()
            .expect("a log line")
            .expect("a readable log line");
    }
    drop(lines);

    let client = reqwest::Client::new();
    let started = Instant::now();
    let ready = loop {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && response.status() == 200
        {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30) {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(ready, "the service is ready with its log pipe closed");
    // Requests log; each line fails to write, and the service goes on answering.
    for _ in 0..5 {
        let answer: serde_json::Value = client
            .post(format!("http://127.0.0.1:{port}/graphql"))
            .json(&serde_json::json!({ "query": "{ publications { totalCount } }" }))
            .send()
            .await
            .expect("an answer with the log pipe closed")
            .json()
            .await
            .expect("JSON");
        assert_eq!(answer["data"]["publications"]["totalCount"], 6, "{answer}");
    }
    let metrics = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let lost: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("log_lines_lost_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("no log_lines_lost_total in {metrics}"));
    assert!(
        lost > 0,
        "lines written to a closed pipe are counted: {metrics}"
    );

    let pid = server.0.id().to_string();
    let signalled = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(signalled.success());
    let stopped = Instant::now();
    let exit = loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            break Some(status);
        }
        if stopped.elapsed() > Duration::from_secs(20) {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let exit = exit.expect("SIGTERM stops the service with its log pipe closed");
    assert!(exit.success(), "exit status {exit}");
}
