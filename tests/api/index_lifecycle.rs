//! The read index's life: built when missing, persisted with the revision it reflects,
//! reopened and caught up from the change feed after a restart, rebuilt when it cannot be
//! used (corrupt, made for another database, or behind what the feed still holds).

use std::time::Duration;

use api::index::{IndexConfig, ReadIndex};
use api::service::Audience;
use api::service::listing::PublicationFilter;
use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use sea_orm::ConnectionTrait as _;
use serde_json::json;

fn config(dir: &std::path::Path, database: &str) -> IndexConfig {
    IndexConfig {
        dir: Some(dir.to_path_buf()),
        wait: Duration::from_secs(5),
        database: database.to_owned(),
    }
}

/// How many publications the index holds for an editor (every status).
async fn indexed(index: &ReadIndex) -> u64 {
    let snapshot = index.at(index.applied()).await.expect("a usable index");
    snapshot
        .count(Audience::Editor, &PublicationFilter::default())
        .await
        .expect("a count")
}

async fn create_publication(app: &TestApp, token: &str, title: &str) {
    let created = app
        .graphql_as(
            token,
            r#"mutation($title: String!) { createPublication(input: { title: $title, kind: THESIS }) { publication { id } } }"#,
            json!({ "title": title }),
        )
        .await;
    assert!(created.get("errors").is_none(), "{created}");
}

async fn revision(app: &TestApp) -> i64 {
    api::service::revision::current(&app.db)
        .await
        .expect("a revision")
}

on_both_databases!(an_index_is_reopened_and_caught_up_or_else_rebuilt);

async fn an_index_is_reopened_and_caught_up_or_else_rebuilt(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("index");

    // Missing: built, at the current revision.
    let first = ReadIndex::new(config(&path, "this database"));
    let built_at = first.prepare(&app.db).await.expect("a build");
    assert_eq!(built_at, revision(&app).await);
    assert_eq!(indexed(&first).await, 6);
    assert!(path.join("meta.json").exists(), "nothing persisted");
    drop(first);

    // Reopened after changes made while it was closed: it keeps its revision, and the feed
    // brings it up to date.
    create_publication(&app, &token, "A Thesis Written While the Index Slept").await;
    let now = revision(&app).await;
    let second = ReadIndex::new(config(&path, "this database"));
    let opened_at = second.prepare(&app.db).await.expect("an open");
    assert_eq!(opened_at, built_at, "reopened, not rebuilt");
    let missed = api::service::feed::read(&app.db, opened_at, now)
        .await
        .expect("the feed");
    second
        .apply(&app.db, &missed, now)
        .await
        .expect("caught up");
    assert_eq!(second.applied(), now);
    assert_eq!(indexed(&second).await, 7);
    drop(second);

    // Made for another database: rebuilt.
    let other = ReadIndex::new(config(&path, "another database"));
    assert_eq!(other.prepare(&app.db).await.expect("a rebuild"), now);
    assert_eq!(indexed(&other).await, 7);
    drop(other);

    // Corrupt: rebuilt, not fatal.
    std::fs::write(path.join("meta.json"), b"{ not json").expect("a corrupt file");
    let corrupt = ReadIndex::new(config(&path, "this database"));
    assert_eq!(corrupt.prepare(&app.db).await.expect("a rebuild"), now);
    assert_eq!(indexed(&corrupt).await, 7);
    drop(corrupt);

    // Behind what the feed still holds (pruned, or a bulk load that forgot its changes):
    // rebuilt, since the changes it missed cannot be read.
    create_publication(&app, &token, "Another Thesis").await;
    app.db
        .execute_unprepared("DELETE FROM catalogue_change")
        .await
        .expect("the feed emptied");
    let behind = ReadIndex::new(config(&path, "this database"));
    assert_eq!(
        behind.prepare(&app.db).await.expect("a rebuild"),
        revision(&app).await
    );
    assert_eq!(indexed(&behind).await, 8);
}

on_both_databases!(readiness_reports_the_index_and_requests_see_every_edit_at_once);

async fn readiness_reports_the_index_and_requests_see_every_edit_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;

    let ready: serde_json::Value = app
        .get("/readyz", "application/json")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(
        ready["index"]["revision"], ready["feed"]["revision"],
        "{ready}"
    );

    // The request after a mutation waits for the index to apply it: no sleep needed, on
    // this instance or another.
    let other = app.another_instance().await;
    for n in 0..5 {
        let title = format!("Freshness Check Number {n}");
        create_publication(&app, &token, &title).await;
        let query = r#"query($search: String) { publications(filter: { search: $search }) { totalCount } }"#;
        let here = app
            .graphql_as(&token, query, json!({ "search": title }))
            .await;
        let there = other
            .graphql(Some(&token), query, json!({ "search": title }))
            .await;
        assert_eq!(here["data"]["publications"]["totalCount"], 1, "{here}");
        assert_eq!(there["data"]["publications"]["totalCount"], 1, "{there}");
    }
}

/// Makes a directory immutable (`chattr +i`: even root cannot add files to it) while held.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn new(path: &std::path::Path) -> Self {
        let status = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .expect("chattr runs");
        assert!(status.success(), "chattr +i {}", path.display());
        Self(path.to_path_buf())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

/// `/readyz` as JSON, with its status.
async fn readiness(app: &TestApp) -> (u16, serde_json::Value) {
    let answer = app.get("/readyz", "application/json").await;
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("JSON"))
}

/// Polls `/readyz` until `wanted` holds of it, for at most `patience`.
async fn readiness_until(
    app: &TestApp,
    patience: Duration,
    wanted: impl Fn(u16, &serde_json::Value) -> bool,
) -> (u16, serde_json::Value) {
    let started = std::time::Instant::now();
    loop {
        let (status, body) = readiness(app).await;
        if wanted(status, &body) || started.elapsed() > patience {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A server whose read index lives in a directory of its own (`index` in the one returned).
async fn with_index_on_disk(backend: Backend) -> (tempfile::TempDir, TestApp) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("index").to_string_lossy().into_owned();
    let app = catalogue_tests::spawn_app_with(
        backend,
        &[("INDEX_DIR", path.as_str()), ("INDEX_WAIT_MS", "3000")],
    )
    .await;
    (dir, app)
}

const TITLES: &str = "query($search: String) { publications(first: 50, filter: { search: $search }, orderBy: [{ field: TITLE, direction: ASC }]) { totalCount nodes { title } facets { years { year count } } } }";

on_both_databases!(an_index_that_cannot_be_written_is_a_fault_until_it_can_and_loses_nothing);

async fn an_index_that_cannot_be_written_is_a_fault_until_it_can_and_loses_nothing(
    backend: Backend,
) {
    let (dir, app) = with_index_on_disk(backend).await;
    let path = dir.path().join("index");
    let token = app.editor_token("editor").await;
    let (status, ready) = readiness(&app).await;
    assert_eq!(status, 200, "{ready}");

    let frozen = Immutable::new(&path);
    // The catalogue takes the edit; the index cannot.
    create_publication(&app, &token, "Written While the Index Was Frozen").await;
    let (status, ready) =
        readiness_until(&app, Duration::from_secs(10), |status, _| status == 503).await;
    assert_eq!(status, 503, "{ready}");
    assert!(
        ready["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("cannot write the read index")),
        "{ready}"
    );
    // Lists say so at once rather than wait for an index that cannot catch up.
    let started = std::time::Instant::now();
    let listed = app.post("{ publications { totalCount } }", json!({})).await;
    assert_eq!(listed.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "waited {:?}",
        started.elapsed()
    );
    let listed: serde_json::Value = listed.json().await.expect("JSON");
    assert_eq!(
        listed["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{listed}"
    );
    let metrics = app
        .get("/metrics", "text/plain")
        .await
        .text()
        .await
        .expect("metrics");
    assert!(metrics.contains("read_index_healthy 0"), "{metrics}");

    // Writable again: the instance repairs itself, and nothing of the edit is lost.
    drop(frozen);
    let (status, ready) =
        readiness_until(&app, Duration::from_secs(15), |status, _| status == 200).await;
    assert_eq!(status, 200, "{ready}");
    let found = app
        .graphql_as(
            &token,
            TITLES,
            json!({ "search": "Written While the Index Was Frozen" }),
        )
        .await;
    assert_eq!(found["data"]["publications"]["totalCount"], 1, "{found}");
    let all = app
        .graphql_as(&token, "{ publications { totalCount } }", json!({}))
        .await;
    assert_eq!(all["data"]["publications"]["totalCount"], 7, "{all}");
}

on_both_databases!(damaged_index_files_are_found_and_rebuilt_without_a_restart);

async fn damaged_index_files_are_found_and_rebuilt_without_a_restart(backend: Backend) {
    use std::io::{Seek as _, SeekFrom, Write as _};
    let (dir, app) = with_index_on_disk(backend).await;
    let path = dir.path().join("index");
    let token = app.editor_token("editor").await;
    // Lists this instance has not answered yet (it keeps its answers): they read the files.
    let queries = [
        (TITLES, json!({ "search": "language" })),
        (TITLES, json!({ "search": "model data" })),
        (TITLES, json!({ "search": "scien" })),
        (TITLES, json!({ "search": null })),
    ];
    // What they should answer, from a server of its own on the same sample catalogue.
    let other = spawn_app(backend).await;
    let other_token = other.editor_token("editor").await;
    let mut expected = Vec::new();
    for (query, variables) in &queries {
        let answer = other
            .graphql_as(&other_token, query, variables.clone())
            .await;
        assert!(answer.get("errors").is_none(), "{answer}");
        expected.push(answer);
    }

    // Damage the segments' files in place, as a bad disk or a stray write would.
    let mut damaged = 0;
    for entry in std::fs::read_dir(&path).expect("the index directory") {
        let file = entry.expect("an entry").path();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == "meta.json" || name.starts_with('.') || !file.is_file() {
            continue;
        }
        let length = std::fs::metadata(&file).expect("metadata").len();
        if length < 16 {
            continue;
        }
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .expect("open a segment file");
        handle.seek(SeekFrom::Start(length / 4)).expect("seek");
        let garbage = vec![0xA5u8; usize::try_from(length / 2).expect("a small file")];
        handle.write_all(&garbage).expect("damage");
        damaged += 1;
    }
    assert!(damaged > 0, "no segment file to damage");

    // Meanwhile every answer is clean (the data, or 503 while the index is rebuilt), the
    // process stays up, and the instance rebuilds the index by itself.
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let mut saw_repair = false;
    loop {
        let mut all_correct = true;
        for ((query, variables), expected) in queries.iter().zip(&expected) {
            let answer = client
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .expect("an answer: the connection was not dropped");
            let status = answer.status().as_u16();
            let body: serde_json::Value = answer.json().await.expect("JSON");
            let codes = catalogue_tests::error_codes(&body);
            assert!(
                codes.iter().all(|code| code == "SERVICE_UNAVAILABLE"),
                "{status}: {body}"
            );
            if status == 503 {
                saw_repair = true;
            }
            all_correct &= status == 200 && body == *expected;
        }
        let (ready, _) = readiness(&app).await;
        saw_repair |= ready == 503;
        if all_correct && ready == 200 && saw_repair {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the instance did not repair its index (seen a repair: {saw_repair})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("alive");
    assert_eq!(health.status(), 200);
}

on_both_databases!(an_index_held_by_another_instance_is_neither_used_nor_rebuilt);

async fn an_index_held_by_another_instance_is_neither_used_nor_rebuilt(backend: Backend) {
    let (_dir, app) = with_index_on_disk(backend).await;
    let token = app.editor_token("editor").await;
    create_publication(&app, &token, "Before the Second Instance").await;
    // A second instance on the same index directory (the same DATA_DIR, say).
    let other = app.another_instance_unready().await;
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let (status, ready) = loop {
        let answer = client
            .get(format!("{}/readyz", other.address))
            .send()
            .await
            .expect("an answer");
        let status = answer.status().as_u16();
        let ready: serde_json::Value = answer.json().await.expect("JSON");
        if ready["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("another instance"))
            || started.elapsed() > Duration::from_secs(10)
        {
            break (status, ready);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status, 503, "{ready}");
    assert!(
        ready["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("INDEX_DIR")),
        "{ready}"
    );
    // The first instance's index was left alone: it answers, and follows new edits.
    create_publication(&app, &token, "After the Second Instance Tried").await;
    let found = app
        .graphql_as(
            &token,
            TITLES,
            json!({ "search": "After the Second Instance Tried" }),
        )
        .await;
    assert_eq!(found["data"]["publications"]["totalCount"], 1, "{found}");
    let all = app
        .graphql_as(&token, "{ publications { totalCount } }", json!({}))
        .await;
    assert_eq!(all["data"]["publications"]["totalCount"], 8, "{all}");
    let (status, ready) = readiness(&app).await;
    assert_eq!(status, 200, "{ready}");
}
