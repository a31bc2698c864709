//! The database ends the service's connections under it (a failover, `pg_terminate_backend`,
//! a restart): a read runs again on a fresh connection, a mutation answers 503 with
//! `Retry-After` and writes nothing, and nobody sees `INTERNAL_SERVER_ERROR`.

use std::time::Duration;

use catalogue_tests::{Backend, spawn_app};
use sea_orm::{ConnectionTrait as _, Statement, TransactionTrait as _};
use serde_json::{Value, json};

#[tokio::test]
async fn statements_whose_connection_is_terminated_are_retried_or_refused_cleanly() {
    let app = spawn_app(Backend::Postgres).await;
    let token = app.editor_token("failover-editor").await;
    let first = app
        .query(
            "{ publications(first: 1, filter: { statuses: [PUBLISHED] }) { nodes { id version title } } }",
            json!({}),
        )
        .await;
    let publication = first["publications"]["nodes"][0].clone();
    assert!(publication.is_object(), "{first}");

    // Another session locks the publications, so that the requests below wait on it with
    // their statements in flight when their connections are ended.
    let locker = app.database.connect().await;
    let lock = locker.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE publication IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let locker_pid: i32 = lock
        .query_one_raw(Statement::from_string(
            lock.get_database_backend(),
            "SELECT pg_backend_pid() AS pid",
        ))
        .await
        .expect("a pid")
        .expect("a row")
        .try_get("", "pid")
        .expect("an integer");

    let client = reqwest::Client::new();
    let graphql = format!("{}/graphql", app.address);
    let read = tokio::spawn({
        let (client, graphql) = (client.clone(), graphql.clone());
        async move {
            client
                .post(&graphql)
                .json(&json!({ "query": "{ publications(first: 5) { totalCount nodes { title } } }" }))
                .send()
                .await
        }
    });
    let write = tokio::spawn({
        let (client, graphql, token) = (client.clone(), graphql.clone(), token.clone());
        let input = json!({
            "id": publication["id"],
            "expectedVersion": publication["version"],
            "title": "Written while the connection died",
        });
        async move {
            client
                .post(&graphql)
                .bearer_auth(token)
                .json(&json!({
                    "query": "mutation($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { title } } }",
                    "variables": { "input": input },
                }))
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Every connection of the service's (pool and listener), as a failover would.
    let ended = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid NOT IN ({locker_pid}, pg_backend_pid())"
            ),
        ))
        .await
        .expect("terminate the service's connections");
    assert!(ended.len() >= 2, "the two waiting requests' connections");
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.rollback().await.expect("release the lock");

    let read = read.await.expect("the read's task").expect("an answer");
    assert_eq!(read.status(), 200);
    let read: Value = read.json().await.expect("JSON");
    assert!(read.get("errors").is_none(), "the read ran again: {read}");
    assert_eq!(read["data"]["publications"]["totalCount"], 6, "{read}");

    let write = write.await.expect("the write's task").expect("an answer");
    assert_eq!(write.status(), 503);
    assert_eq!(
        write
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok()),
        Some("1")
    );
    let write: Value = write.json().await.expect("JSON");
    assert_eq!(
        write["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{write}"
    );
    assert!(
        write["errors"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("nothing was written")),
        "{write}"
    );
    // Nothing of it was written, and the next try works.
    let now = app
        .query(
            "query($id: ID!) { node(id: $id) { ... on Publication { title version } } }",
            json!({ "id": publication["id"] }),
        )
        .await;
    assert_eq!(now["node"]["title"], publication["title"], "{now}");
    assert_eq!(now["node"]["version"], publication["version"], "{now}");
}
