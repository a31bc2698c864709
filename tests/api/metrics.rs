use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use serde_json::json;

on_both_databases!(
    the_listing_page_runs_the_same_few_statements_whatever_its_size,
    author_topic_search_and_suggest_pages_run_the_same_few_statements_whatever_their_size,
    lists_of_authors_and_venues_read_each_ones_publications_in_one_statement,
    metrics_count_requests_errors_and_pool_connections,
    cached_counts_stay_exact_across_instances_sharing_a_database,
);

async fn metrics(app: &TestApp) -> String {
    let response = app.get("/metrics", "*/*").await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

/// The value of the sample named exactly `sample` (with its labels), or 0.
fn sample(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            line.strip_prefix(sample)?
                .strip_prefix(' ')?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}

/// How many SQL statements the server ran for one request, the same request having run once
/// before it is measured.
async fn statements_for(app: &TestApp, query: &str, variables: serde_json::Value) -> f64 {
    app.query(query, variables.clone()).await;
    let before = sample(
        &metrics(app).await,
        "graphql_sql_statements_per_request_sum",
    );
    app.query(query, variables).await;
    sample(
        &metrics(app).await,
        "graphql_sql_statements_per_request_sum",
    ) - before
}

const LISTING_PAGE: &str = r#"
query Listing($first: Int) {
  publications(first: $first) {
    totalCount
    nodes {
      title publishedOnDisplay authorCount
      authors(first: 3) { nodes { name } }
      venue { name }
      topics { name }
    }
  }
}"#;

async fn the_listing_page_runs_the_same_few_statements_whatever_its_size(backend: Backend) {
    let app = spawn_app(backend).await;

    let small = statements_for(&app, LISTING_PAGE, json!({ "first": 1 })).await;
    let full = statements_for(&app, LISTING_PAGE, json!({ "first": 6 })).await;

    assert_eq!(small, full, "statements grow with the page size");
    // The catalogue's revision, the page's rows (the read index gives their ids and the
    // count), then one batch each for authors, author counts, venues and topics.
    assert_eq!(full, 6.0);
}

const PAGE_NODES: &str = "totalCount nodes { title authorCount authors(first: 3) { nodes { name } } venue { name } topics { name } }";

async fn author_topic_search_and_suggest_pages_run_the_same_few_statements_whatever_their_size(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let pages = [
        (
            format!(
                r#"query($first: Int) {{ author(slug: "daniel-hesslow") {{ name publicationCount publications(first: $first) {{ {PAGE_NODES} }} }} }}"#
            ),
            // The author, the revision, the page's rows (ids and count from the read index),
            // then one batch each for authors, author counts, venues and topics, and the count
            // of the author's publications.
            8.0,
        ),
        (
            format!(
                r#"query($first: Int) {{ topic(slug: "llms") {{ name publications(first: $first) {{ {PAGE_NODES} }} }} }}"#
            ),
            // The topic, the revision, the page's rows, then one batch each for authors, author
            // counts, venues and topics (the read index includes subtopics).
            7.0,
        ),
        (
            format!(
                r#"query($first: Int) {{ publications(first: $first, filter: {{ search: "model OR scaling" }}) {{ {PAGE_NODES} edges {{ highlights {{ title {{ text }} }} }} }} }}"#
            ),
            6.0,
        ),
    ];
    for (query, expected) in &pages {
        let small = statements_for(&app, query, json!({ "first": 1 })).await;
        let full = statements_for(&app, query, json!({ "first": 3 })).await;
        assert_eq!(small, full, "statements grow with the page size: {query}");
        assert_eq!(full, *expected, "{query}");
    }
    let suggest =
        r#"query($first: Int!) { suggest(prefix: "l", first: $first) { label node { id } } }"#;
    let one = statements_for(&app, suggest, json!({ "first": 1 })).await;
    let ten = statements_for(&app, suggest, json!({ "first": 10 })).await;
    // Names, variants, venues, topics (those matching, then the topic table and one probe of
    // their subtrees for what an anonymous caller may see), and names and variants again by
    // later words when too few names start with the prefix: never more, however many are
    // asked for.
    assert_eq!(one, 6.0, "one name starts with l");
    assert_eq!(
        ten, 8.0,
        "too few start with l, so later words are looked at"
    );
}

async fn lists_of_authors_and_venues_read_each_ones_publications_in_one_statement(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let authors = r#"query($first: Int) { authors(first: $first) { nodes { id name publications(first: 2, orderBy: [{ field: TITLE, direction: ASC }]) { pageInfo { hasNextPage endCursor } nodes { title } } } } }"#;
    let venues = r#"query($first: Int) { venues(first: $first) { nodes { name publications(first: 1, filter: { search: "model" }) { nodes { title venue { name } } } } } }"#;
    for query in [authors, venues] {
        let one = statements_for(&app, query, json!({ "first": 1 })).await;
        let many = statements_for(&app, query, json!({ "first": 20 })).await;
        assert_eq!(one, many, "statements grow with the list: {query}");
    }

    // Each author's page is what the root list gives for that author, and its cursor goes on.
    let listed = app.query(authors, json!({ "first": 20 })).await;
    let nodes = listed["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .clone();
    assert!(nodes.len() > 10, "{listed}");
    for node in &nodes {
        let alone = app
            .query(
                r#"query($id: ID!) { publications(first: 2, filter: { authors: { anyOf: [$id] } }, orderBy: [{ field: TITLE, direction: ASC }]) { pageInfo { hasNextPage } nodes { title } } }"#,
                json!({ "id": node["id"] }),
            )
            .await;
        assert_eq!(
            (
                &alone["publications"]["nodes"],
                &alone["publications"]["pageInfo"]["hasNextPage"]
            ),
            (
                &node["publications"]["nodes"],
                &node["publications"]["pageInfo"]["hasNextPage"]
            ),
            "{}",
            node["name"]
        );
    }
    let hesslow = nodes
        .iter()
        .find(|n| n["name"] == "Daniel Hesslow")
        .expect("Daniel Hesslow is listed");
    assert_eq!(hesslow["publications"]["pageInfo"]["hasNextPage"], true);
    let rest = app
        .query(
            r#"query($after: String) { author(slug: "daniel-hesslow") { publications(first: 2, after: $after, orderBy: [{ field: TITLE, direction: ASC }]) { nodes { title } } } }"#,
            json!({ "after": hesslow["publications"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        rest["author"]["publications"]["nodes"],
        json!([{ "title": "What Language Model to Train if You Have One Million GPU Hours?" }])
    );
}

async fn metrics_count_requests_errors_and_pool_connections(backend: Backend) {
    let app = spawn_app(backend).await;

    app.query("query Front { publications { totalCount } }", json!({}))
        .await;
    app.graphql(
        "query Broken { publications(first: 500) { totalCount } }",
        json!({}),
    )
    .await;
    let text = metrics(&app).await;

    assert_eq!(
        sample(
            &text,
            r#"graphql_requests_total{operation="Front",outcome="Ok"}"#
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"graphql_requests_total{operation="Broken",outcome="Error"}"#
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"graphql_errors_total{code="BAD_USER_INPUT"}"#),
        1.0,
        "{text}"
    );
    assert!(
        text.contains(r#"graphql_request_duration_seconds_bucket{"#),
        "{text}"
    );
    assert!(
        text.contains(r#"db_pool_connections{state="idle"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"db_pool_connections{state="in_use"}"#),
        "{text}"
    );
}

async fn cached_counts_stay_exact_across_instances_sharing_a_database(backend: Backend) {
    let first = spawn_app(backend).await;
    let second = catalogue_tests::spawn_app_with(
        backend,
        &[
            ("DATABASE_URL", &first.database.url),
            ("SEED_SAMPLE", "false"),
        ],
    )
    .await;
    let token = first.editor_token("editor").await;
    let count = "{ publications { totalCount } }";
    let total = |data: serde_json::Value| data["publications"]["totalCount"].as_i64();

    let before = (
        total(first.query(count, json!({})).await),
        total(second.query(count, json!({})).await),
    );
    first
        .graphql_as(&token, r#"mutation { createPublication(input: { title: "Counted Everywhere", kind: OTHER, status: PUBLISHED, authors: [{ new: { name: "Ada Example" } }] }) { publication { id } } }"#, json!({}))
        .await;
    let after = (
        total(first.query(count, json!({})).await),
        total(second.query(count, json!({})).await),
    );

    assert_eq!(before, (Some(6), Some(6)));
    assert_eq!(after, (Some(7), Some(7)));
}
