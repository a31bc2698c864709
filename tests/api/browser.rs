//! GraphiQL in headless Chromium, driven by `tests/browser/graphiql.mjs` (playwright-core):
//! the Explorer, the line saying who the headers authenticate, every example tab, a query, a
//! mutation and a subscription.
//! It needs Node.js, `npm ci` in `tests/browser` and Debian's `chromium`, which `.ci/run`
//! installs; so it is ignored by default and runs with `--run-ignored only`.

use std::process::Command;

use catalogue_tests::{Backend, spawn_app};

#[tokio::test]
#[ignore = "needs node, tests/browser/node_modules and chromium; .ci/run provides them"]
async fn an_editor_runs_a_query_a_mutation_and_a_subscription_from_graphiql() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.editor_token("graphiql-editor").await;
    let script_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/browser");
    let screenshot = std::env::temp_dir().join("graphiql-browser-test.png");

    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("graphiql.mjs")
            .arg(&address)
            .arg(&token)
            .current_dir(script_dir)
            .env("SCREENSHOT", &screenshot)
            .output()
    })
    .await
    .expect("the browser task")
    .expect("node runs (install Node.js, then `npm ci` in tests/browser)");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the browser run failed:\n{stdout}\n{stderr}"
    );
    for example in [
        "FindPublication",
        "FixTitle",
        "ReorderAuthors",
        "MergeAuthors",
        "ImportBibtex",
        "PublishDraft",
    ] {
        assert!(
            stdout.contains(&format!("example answered: {example}\n")),
            "{stdout}"
        );
    }
    // The sample's six, and the one the examples imported and published.
    assert!(
        stdout.contains("query answered: 7 publications"),
        "{stdout}"
    );
    assert!(
        stdout.contains("subscription answered: CREATED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mutation answered: Added From GraphiQL"),
        "{stdout}"
    );
    // The mutation really reached the catalogue.
    let created = sea_orm::ConnectionTrait::query_one_raw(
        &app.db,
        sea_orm::Statement::from_string(
            sea_orm::ConnectionTrait::get_database_backend(&app.db),
            "SELECT count(*) AS n FROM topic WHERE slug = 'added-from-graphiql'",
        ),
    )
    .await
    .expect("query")
    .expect("a row")
    .try_get::<i64>("", "n")
    .expect("n");
    assert_eq!(created, 1);
}
