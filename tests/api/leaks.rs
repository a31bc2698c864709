//! What must not leak: unpublished topics to anonymous callers, and GraphiQL into a frame or
//! to an injected script, editors' answers into shared caches, refused documents into memory.

use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(topics_used_only_by_unpublished_entries_are_hidden_from_anonymous_callers);

const CREATE_TOPIC: &str = "mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id } userErrors { field code } } }";
const CREATE_PUBLICATION: &str = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id } userErrors { field code } } }";

async fn create_topic(app: &TestApp, token: &str, name: &str, parent: Option<&Value>) -> Value {
    let created = app
        .graphql_as(
            token,
            CREATE_TOPIC,
            json!({ "input": { "name": name, "parentId": parent } }),
        )
        .await;
    let id = created["data"]["createTopic"]["topic"]["id"].clone();
    assert!(id.is_string(), "{created}");
    id
}

async fn create_publication(app: &TestApp, token: &str, title: &str, status: &str, topic: &Value) {
    let created = app
        .graphql_as(
            token,
            CREATE_PUBLICATION,
            json!({ "input": {
                "title": title,
                "kind": "PREPRINT",
                "status": status,
                "authors": [{ "new": { "name": "Ada Example" } }],
                "topics": [{ "id": topic }],
            } }),
        )
        .await;
    assert_eq!(
        created["data"]["createPublication"]["userErrors"],
        json!([]),
        "{created}"
    );
}

/// The names of the topics a caller (editor with a token, or anonymous) finds by `search`.
async fn listed(app: &TestApp, token: Option<&str>, search: &str) -> Vec<String> {
    let query = "query($search: String) { topics(first: 50, filter: { search: $search }) { totalCount nodes { name } } }";
    let variables = json!({ "search": search });
    let response = match token {
        Some(token) => app.graphql_as(token, query, variables).await,
        None => app.graphql(query, variables).await,
    };
    let nodes = response["data"]["topics"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("a topic list: {response}"));
    assert_eq!(
        response["data"]["topics"]["totalCount"],
        json!(nodes.len()),
        "{response}"
    );
    let mut names: Vec<String> = nodes
        .iter()
        .filter_map(|node| node["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

async fn topics_used_only_by_unpublished_entries_are_hidden_from_anonymous_callers(
    backend: Backend,
) {
    // Arrange: a draft's topic, an archived entry's topic, and a published entry's topic
    // under a parent that has no publication of its own.
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let drafted = create_topic(&app, &token, "Leak Drafted", None).await;
    let archived = create_topic(&app, &token, "Leak Archived", None).await;
    let parent = create_topic(&app, &token, "Leak Parent", None).await;
    let child = create_topic(&app, &token, "Leak Child", Some(&parent)).await;
    let unused = create_topic(&app, &token, "Leak Unused", Some(&parent)).await;
    create_publication(&app, &token, "A draft about leaks", "DRAFT", &drafted).await;
    create_publication(&app, &token, "An archived leak", "ARCHIVED", &archived).await;
    create_publication(&app, &token, "A published leak", "PUBLISHED", &child).await;
    let nodes_query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let ids = json!({ "ids": [drafted, archived, parent, child, unused] });
    let tree_query = "query($id: ID!) { node(id: $id) { ... on Topic { name parent { name } children { name } } } }";
    let suggest_query =
        r#"{ suggest(prefix: "Leak", kinds: [TOPIC]) { label node { ... on Topic { id } } } }"#;

    // Act
    let anonymous_list = listed(&app, None, "Leak").await;
    let editor_list = listed(&app, Some(&token), "Leak").await;
    let anonymous_nodes = app.graphql(nodes_query, ids.clone()).await;
    let editor_nodes = app.graphql_as(&token, nodes_query, ids).await;
    let anonymous_child = app.graphql(tree_query, json!({ "id": child })).await;
    let anonymous_parent = app.graphql(tree_query, json!({ "id": parent })).await;
    let anonymous_suggestions = app.graphql(suggest_query, json!({})).await;
    let editor_suggestions = app.graphql_as(&token, suggest_query, json!({})).await;
    let by_slug = "query($slug: String!) { topic(slug: $slug) { name } }";
    let anonymous_drafted = app
        .graphql(by_slug, json!({ "slug": "leak-drafted" }))
        .await;
    let editor_drafted = app
        .graphql_as(&token, by_slug, json!({ "slug": "leak-drafted" }))
        .await;

    // Assert
    assert_eq!(anonymous_list, ["Leak Child", "Leak Parent"]);
    assert_eq!(
        editor_list,
        [
            "Leak Archived",
            "Leak Child",
            "Leak Drafted",
            "Leak Parent",
            "Leak Unused"
        ]
    );
    assert_eq!(
        anonymous_nodes["data"]["nodes"],
        json!([null, null, { "id": parent }, { "id": child }, null]),
        "{anonymous_nodes}"
    );
    assert_eq!(
        editor_nodes["data"]["nodes"]
            .as_array()
            .map(|nodes| nodes.iter().filter(|node| node.is_object()).count()),
        Some(5),
        "{editor_nodes}"
    );
    assert_eq!(
        anonymous_child["data"]["node"]["parent"]["name"], "Leak Parent",
        "{anonymous_child}"
    );
    assert_eq!(
        anonymous_parent["data"]["node"]["children"],
        json!([{ "name": "Leak Child" }]),
        "{anonymous_parent}"
    );
    let labels = |response: &Value| -> Vec<String> {
        let mut labels: Vec<String> = response["data"]["suggest"]
            .as_array()
            .unwrap_or_else(|| panic!("suggestions: {response}"))
            .iter()
            .filter_map(|s| s["label"].as_str().map(str::to_owned))
            .collect();
        labels.sort();
        labels
    };
    assert_eq!(
        labels(&anonymous_suggestions),
        ["Leak Child", "Leak Parent"]
    );
    assert_eq!(labels(&editor_suggestions).len(), 5, "{editor_suggestions}");
    assert_eq!(
        anonymous_drafted["data"]["topic"],
        Value::Null,
        "{anonymous_drafted}"
    );
    assert_eq!(
        editor_drafted["data"]["topic"]["name"], "Leak Drafted",
        "{editor_drafted}"
    );
}

#[tokio::test]
async fn graphiql_may_not_be_framed_and_runs_only_scripts_from_its_own_origin() {
    let app = spawn_app(Backend::Sqlite).await;

    let page = app.get("/graphql", "text/html").await;
    let headers = page.headers().clone();
    let body = page.text().await.expect("the page");
    let script = app.get("/graphiql/init.js", "*/*").await;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let policy = header("content-security-policy");
    let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
    assert!(directives.contains(&"default-src 'none'"), "{policy}");
    assert!(directives.contains(&"script-src 'self'"), "{policy}");
    assert!(directives.contains(&"connect-src 'self'"), "{policy}");
    assert!(directives.contains(&"frame-ancestors 'none'"), "{policy}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    // With `script-src 'self'`, an inline script would not run: the page has none.
    assert!(
        body.contains(r#"<script src="/graphiql/init.js">"#),
        "{body}"
    );
    assert_eq!(body.matches("<script>").count(), 0, "{body}");
    assert_eq!(script.status().as_u16(), 200);
    assert_eq!(
        script
            .headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    assert!(
        script
            .text()
            .await
            .expect("the script")
            .contains("GraphiQL.createFetcher")
    );
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn an_editors_get_answer_is_private_and_an_anonymous_one_public() {
    let app =
        catalogue_tests::spawn_app_with(Backend::Sqlite, &[("HTTP_CACHE_MAX_AGE_SECS", "60")])
            .await;
    let token = app.editor_token("carol").await;
    let url = format!(
        "{}/graphql?query=%7B%20publications%20%7B%20totalCount%20%7D%20%7D",
        app.address
    );
    let get = |token: Option<&str>| {
        let mut request = reqwest::Client::new()
            .get(&url)
            .header("accept", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let anonymous = get(None).await.expect("an answer");
    let editor = get(Some(&token)).await.expect("an answer");

    let cache_control = |response: &reqwest::Response| {
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(cache_control(&anonymous), "public, max-age=60");
    assert_eq!(cache_control(&editor), "private, max-age=60");
}

#[tokio::test]
async fn a_persisted_query_refused_before_it_runs_is_not_kept() {
    let app = spawn_app(Backend::Sqlite).await;
    let mutation = r#"mutation { deletePublication(input: { id: "x", expectedVersion: 1 }) { userErrors { code } } }"#;
    let extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(mutation) } });
    let send = |body: Value| {
        reqwest::Client::new()
            .post(format!("{}/graphql", app.address))
            .json(&body)
            .send()
    };

    let refused = send(json!({ "query": mutation, "extensions": extensions }))
        .await
        .expect("an answer");
    let by_hash: Value = send(json!({ "extensions": extensions }))
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");

    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        by_hash["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
        "{by_hash}"
    );
}
