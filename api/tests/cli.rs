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
        .env("RUST_LOG", "info"));

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
