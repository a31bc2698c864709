use catalogue_tests::{Backend, spawn_app};

/// `schema.graphql` is generated: run `cargo run -p api -- export-schema -o schema.graphql`.
#[test]
fn schema_graphql_matches_the_schema_the_code_exports() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql at the repository root");
    let exported = api::graphql::sdl();
    assert!(
        checked_in == exported,
        "schema.graphql is out of date; regenerate it with `cargo run -p api -- export-schema -o schema.graphql`"
    );
}

#[tokio::test]
async fn the_server_serves_the_same_sdl_at_schema_graphql() {
    let app = spawn_app(Backend::Sqlite).await;

    let response = app.get("/schema.graphql", "*/*").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), api::graphql::sdl());
}
