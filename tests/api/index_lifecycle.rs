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
