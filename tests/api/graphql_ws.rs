//! Live updates with the graphql-ws client, the one Apollo Client, urql and GraphiQL use:
//! `tests/graphql-ws/subscribe.mjs` follows `publicationEvents` for a filter, sees CREATED,
//! UPDATED and DELETED and nothing for other entries, then, after its client is closed and
//! more changes are made, resumes from the last revision seen on a new client and receives
//! exactly the missed changes, in order, then live ones. It needs Node.js and `npm ci` in
//! `tests/graphql-ws`, which `.ci/run` provides; so it is ignored by default and runs with
//! `--run-ignored only`.

use std::process::Stdio;
use std::time::Duration;

use catalogue_tests::{Backend, spawn_app};
use tokio::process::Command;

/// Longer than the script's own limit (60 s), so that its message is the one seen.
const LIMIT: Duration = Duration::from_secs(90);

async fn the_graphql_ws_client_subscribes_and_resumes_without_loss(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("graphql-ws-editor").await;
    let project = concat!(env!("CARGO_MANIFEST_DIR"), "/graphql-ws");

    // The server runs on this test's runtime: node is awaited, never waited for.
    let run = Command::new("node")
        .arg("subscribe.mjs")
        .current_dir(project)
        .env("SERVER_URL", &app.address)
        .env("TOKEN", &token)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(LIMIT, run)
        .await
        .expect("node finishes within the limit")
        .expect("node runs (install Node.js, then `npm ci` in tests/graphql-ws)");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the graphql-ws client run failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("2 missed changes replayed after a reconnect, then 1 live, no repeats"),
        "{stdout}\n{stderr}"
    );
}

mod the_graphql_ws_client_subscribes_and_resumes_without_loss {
    use catalogue_tests::Backend;

    #[tokio::test]
    #[ignore = "needs node and tests/graphql-ws/node_modules; .ci/run provides them"]
    async fn on_postgres() {
        super::the_graphql_ws_client_subscribes_and_resumes_without_loss(Backend::Postgres).await
    }

    #[tokio::test]
    #[ignore = "needs node and tests/graphql-ws/node_modules; .ci/run provides them"]
    async fn on_sqlite() {
        super::the_graphql_ws_client_subscribes_and_resumes_without_loss(Backend::Sqlite).await
    }
}
