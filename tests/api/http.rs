use catalogue_tests::{Backend, on_both_databases, spawn_app, spawn_app_with};

on_both_databases!(
    healthz_answers_while_the_process_is_up,
    readyz_is_ready_once_migrations_are_applied,
    readyz_is_unavailable_while_migrations_are_pending,
    browsers_get_graphiql_at_the_graphql_path,
);

async fn healthz_answers_while_the_process_is_up(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app.get("/healthz", "application/json").await;

    assert_eq!(response.status(), 200);
}

async fn readyz_is_ready_once_migrations_are_applied(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app.get("/readyz", "application/json").await;

    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["status"], "ready");
}

async fn readyz_is_unavailable_while_migrations_are_pending(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[("MIGRATE_ON_START", "false"), ("SEED_SAMPLE", "false")],
    )
    .await;

    let response = app.get("/readyz", "application/json").await;

    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("api migrate")),
        "{body}"
    );
}

async fn browsers_get_graphiql_at_the_graphql_path(backend: Backend) {
    let app = spawn_app(backend).await;

    let response = app.get("/graphql", "text/html,application/xhtml+xml").await;

    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.expect("text");
    assert!(
        page.contains("graphiql") && page.contains("/graphql"),
        "not GraphiQL: {page:.200}"
    );
}

on_both_databases!(an_exhausted_pool_fails_fast_with_503);

async fn an_exhausted_pool_fails_fast_with_503(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("DATABASE_MAX_CONNECTIONS", "1"),
            ("DATABASE_ACQUIRE_TIMEOUT_MS", "300"),
        ],
    )
    .await;
    // The pool's only connection, held by an open transaction.
    let held = sea_orm::TransactionTrait::begin(&app.db)
        .await
        .expect("a connection");
    let started = std::time::Instant::now();

    let response = app
        .post("{ publications { totalCount } }", serde_json::json!({}))
        .await;

    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SERVICE_UNAVAILABLE",
        "{body}"
    );
    drop(held);
}

#[tokio::test]
async fn postgres_aborts_statements_that_run_past_the_statement_timeout() {
    let app = spawn_app_with(
        Backend::Postgres,
        &[("DATABASE_STATEMENT_TIMEOUT_MS", "200")],
    )
    .await;

    let result = sea_orm::ConnectionTrait::execute_unprepared(&app.db, "SELECT pg_sleep(3)").await;

    let err = result.expect_err("the statement is cancelled");
    assert!(err.to_string().contains("statement timeout"), "{err}");
}

#[tokio::test]
async fn a_request_that_runs_past_the_timeout_gets_503() {
    let app = spawn_app_with(Backend::Postgres, &[("REQUEST_TIMEOUT_SECS", "1")]).await;
    // Another session locks the table, so the request waits on it.
    let locker = app.database.connect().await;
    let lock = sea_orm::TransactionTrait::begin(&locker)
        .await
        .expect("begin");
    sea_orm::ConnectionTrait::execute_unprepared(
        &lock,
        "LOCK TABLE publication IN ACCESS EXCLUSIVE MODE",
    )
    .await
    .expect("lock");
    let started = std::time::Instant::now();

    let response = app
        .post("{ publications { totalCount } }", serde_json::json!({}))
        .await;

    let elapsed = started.elapsed();
    let _ = lock.rollback().await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
        "{body}"
    );
    assert!(
        elapsed < std::time::Duration::from_secs(3),
        "took {elapsed:?}"
    );
}

/// Probes and uptime checkers send HEAD: it answers as GET does, without a body; browsers'
/// requests for `/favicon.ico` get 204 rather than a 404 in every console.
#[tokio::test]
async fn head_answers_where_get_does_and_the_favicon_is_no_content() {
    let app = catalogue_tests::spawn_app(Backend::Sqlite).await;
    let client = reqwest::Client::new();
    for path in [
        "/healthz",
        "/readyz",
        "/schema.graphql",
        "/graphiql/page.css",
    ] {
        let head = client
            .head(format!("{}{path}", app.address))
            .send()
            .await
            .expect("an answer");
        let get = app.get(path, "*/*").await;
        assert_eq!(head.status(), get.status(), "{path}");
        assert!(head.status().is_success(), "{path}: {}", head.status());
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "{path}"
        );
        assert!(head.bytes().await.expect("a body").is_empty(), "{path}");
    }
    let favicon = app.get("/favicon.ico", "image/*").await;
    assert_eq!(favicon.status(), 204);
}

/// A `DATABASE_URL` naming a database the Postgres server does not have yet: the service
/// creates it (the role may) and starts, migrated and seeded, rather than failing with an
/// error from inside Postgres.
#[tokio::test]
async fn a_missing_postgres_database_is_created_at_start() {
    use sea_orm::ConnectionTrait as _;
    let admin_url = catalogue_tests::admin_url();
    let name = catalogue_tests::unique_name();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}");
    let vars = std::collections::HashMap::from([
        ("BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("DATABASE_URL".to_owned(), url),
        ("SEED_SAMPLE".to_owned(), "true".to_owned()),
    ]);
    let config = api::config::Config::from_lookup(|name| vars.get(name).cloned()).expect("valid");

    let app = api::startup::Application::build(&config).await;

    let admin = sea_orm::Database::connect(&admin_url).await.expect("admin");
    let started = app.is_ok();
    if let Ok(app) = app {
        let _ = app.db().clone().close().await;
    }
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    assert!(
        started,
        "the application did not start on a database it could create"
    );
}
