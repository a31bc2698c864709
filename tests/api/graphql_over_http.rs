//! The transport as the GraphQL-over-HTTP specification reads it. Transport behaviour does
//! not depend on the database, so these run on the embedded default.

use catalogue_tests::{Backend, TestApp, spawn_app};
use std::time::Duration;

use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const LISTING: &str = "{ publications(first: 2) { totalCount } }";

async fn app() -> TestApp {
    spawn_app(Backend::Sqlite).await
}

async fn post(
    app: &TestApp,
    accept: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header(ACCEPT, accept)
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("the server answers")
}

async fn post_json(app: &TestApp, accept: &str, body: Value) -> reqwest::Response {
    post(app, accept, "application/json", body.to_string()).await
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// POSTs `body` accepting `application/json`, and returns the JSON answer.
async fn ask(app: &TestApp, body: Value) -> Value {
    json_of(post_json(app, "application/json", body).await).await
}

#[tokio::test]
async fn the_response_media_type_follows_accept() {
    let app = app().await;
    for (accept, expected) in [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("", "application/json"),
        (
            "application/json;q=0.9, application/graphql-response+json",
            GRAPHQL_RESPONSE,
        ),
    ] {
        let response = post_json(&app, accept, json!({ "query": LISTING })).await;

        assert_eq!(response.status(), 200, "Accept: {accept}");
        assert!(
            content_type(&response).starts_with(expected),
            "Accept: {accept} gave {}",
            content_type(&response)
        );
        assert_eq!(
            json_of(response).await["data"]["publications"]["totalCount"],
            6
        );
    }
    let refused = post_json(&app, "text/html", json!({ "query": LISTING })).await;
    assert_eq!(refused.status(), 406);
}

#[tokio::test]
async fn request_errors_are_400_without_data_for_the_graphql_response_type() {
    let app = app().await;
    let cases = [
        (
            "unparseable",
            json!({ "query": "{ publications(" }),
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            "invalid",
            json!({ "query": "{ noSuchField }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "uncoercible variables",
            json!({ "query": "query($n: Int) { publications(first: $n) { totalCount } }", "variables": { "n": "ten" } }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (what, body, code) in cases {
        let strict = post_json(&app, GRAPHQL_RESPONSE, body.clone()).await;
        let legacy = post_json(&app, "application/json", body).await;

        assert_eq!(strict.status(), 400, "{what}");
        let strict = json_of(strict).await;
        assert!(strict.get("data").is_none(), "{what}: {strict}");
        assert_eq!(
            strict["errors"][0]["extensions"]["code"], code,
            "{what}: {strict}"
        );
        assert_eq!(legacy.status(), 200, "{what}");
        assert_eq!(
            json_of(legacy).await["errors"][0]["extensions"]["code"],
            code,
            "{what}"
        );
    }
}

#[tokio::test]
async fn malformed_http_requests_are_400() {
    let app = app().await;
    let not_json = post(&app, GRAPHQL_RESPONSE, "application/json", "{ query: nope").await;
    let not_an_object = post_json(&app, GRAPHQL_RESPONSE, json!("{ x }")).await;
    let query_not_a_string = post_json(&app, GRAPHQL_RESPONSE, json!({ "query": 42 })).await;
    let variables_not_an_object = post_json(
        &app,
        "application/json",
        json!({ "query": LISTING, "variables": [1] }),
    )
    .await;
    let operation_name_not_a_string = post_json(
        &app,
        "application/json",
        json!({ "query": LISTING, "operationName": 1 }),
    )
    .await;
    let extensions_not_an_object = post_json(
        &app,
        "application/json",
        json!({ "query": LISTING, "extensions": "x" }),
    )
    .await;
    let get_with_bad_variables = app
        .get(
            "/graphql?query=%7B__typename%7D&variables=%5B%5D",
            "application/json",
        )
        .await;

    for response in [
        not_json,
        not_an_object,
        query_not_a_string,
        variables_not_an_object,
        operation_name_not_a_string,
        extensions_not_an_object,
        get_with_bad_variables,
    ] {
        assert_eq!(response.status(), 400);
        assert_eq!(
            json_of(response).await["errors"][0]["extensions"]["code"],
            "BAD_REQUEST"
        );
    }
}

#[tokio::test]
async fn a_post_that_is_not_json_is_415_and_does_not_run() {
    let app = app().await;

    let text_plain = post(
        &app,
        "*/*",
        "text/plain",
        json!({ "query": LISTING }).to_string(),
    )
    .await;
    let form = post(
        &app,
        "*/*",
        "application/x-www-form-urlencoded",
        "query=%7B__typename%7D",
    )
    .await;

    assert_eq!(text_plain.status(), 415);
    assert_eq!(form.status(), 415);
    assert!(json_of(text_plain).await.get("data").is_none());
}

#[tokio::test]
async fn get_runs_queries_but_refuses_mutations_with_405() {
    let app = app().await;

    let query = app
        .get(
            "/graphql?query=%7B%20publications%20%7B%20totalCount%20%7D%20%7D",
            "application/json",
        )
        .await;
    let mutation = app
        .get(
            "/graphql?query=mutation%20%7B%20__typename%20%7D",
            GRAPHQL_RESPONSE,
        )
        .await;
    let named = app
        .get("/graphql?query=query%20A%20%7B%20__typename%20%7D%20mutation%20B%20%7B%20__typename%20%7D&operationName=B", "*/*")
        .await;

    assert_eq!(query.status(), 200);
    assert_eq!(
        json_of(query).await["data"]["publications"]["totalCount"],
        6
    );
    for refused in [mutation, named] {
        assert_eq!(refused.status(), 405);
        assert_eq!(
            refused.headers().get(ALLOW).and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        assert_eq!(
            json_of(refused).await["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
}

#[tokio::test]
async fn a_64_mib_body_is_refused_with_413() {
    let app = app().await;
    let huge = format!(
        r#"{{"query":"{{ __typename }}","variables":{{"pad":"{}"}}}}"#,
        "x".repeat(64 * 1024 * 1024)
    );

    let response = post(&app, "application/json", "application/json", huge).await;

    assert_eq!(response.status(), 413);
    assert_eq!(
        json_of(response).await["errors"][0]["extensions"]["code"],
        "PAYLOAD_TOO_LARGE"
    );
}

#[tokio::test]
async fn batches_are_refused() {
    let app = app().await;
    let batch: Vec<Value> = (0..1000).map(|_| json!({ "query": LISTING })).collect();

    let response = post_json(&app, "application/json", json!(batch)).await;

    assert_eq!(response.status(), 400);
    assert_eq!(
        json_of(response).await["errors"][0]["extensions"]["code"],
        "BATCH_NOT_SUPPORTED"
    );
}

#[tokio::test]
async fn validation_errors_do_not_suggest_field_names() {
    let app = app().await;

    let response = ask(&app, json!({ "query": "{ publicatons { totalCount } }" })).await;

    let message = response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !message.is_empty() && !message.contains("Did you mean"),
        "{message}"
    );
}

#[tokio::test]
async fn nested_connections_multiply_their_cost_and_are_refused_before_running() {
    let app = app().await;
    let affordable =
        "{ publications(first: 20) { nodes { title authors(first: 3) { nodes { name } } } } }";
    let too_costly = "{ publications(first: 100) { nodes { title authors(first: 100) { nodes { name slug orcid url } } } } }";

    let fine = ask(&app, json!({ "query": affordable })).await;
    let refused = ask(&app, json!({ "query": too_costly })).await;

    assert!(fine.get("errors").is_none(), "{fine}");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{refused}"
    );
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{refused}"
    );
}

#[tokio::test]
async fn depth_and_alias_limits_refuse_abusive_documents() {
    let app = app().await;
    let deep = format!(
        "{{ publications {{ nodes {{ topics {{ {}name{} }} }} }} }}",
        "parent { ".repeat(20),
        " }".repeat(20)
    );
    let aliased = format!(
        "{{ {} }}",
        (0..31)
            .map(|i| format!("a{i}: __typename"))
            .collect::<Vec<_>>()
            .join(" ")
    );

    let too_deep = ask(&app, json!({ "query": deep })).await;
    let too_many_aliases = ask(&app, json!({ "query": aliased })).await;

    assert_eq!(
        too_deep["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{too_deep}"
    );
    assert!(
        too_deep["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested too deep")),
        "{too_deep}"
    );
    assert_eq!(
        too_many_aliases["errors"][0]["extensions"]["code"], "TOO_MANY_ALIASES",
        "{too_many_aliases}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_echoes_a_sane_one() {
    let app = app().await;
    let client = reqwest::Client::new();

    let generated = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("answer");
    let echoed = client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "frontend-1234")
        .send()
        .await
        .expect("answer");
    let replaced = client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "not sane!")
        .send()
        .await
        .expect("answer");

    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(id(&generated).len(), 16);
    assert_eq!(id(&echoed), "frontend-1234");
    assert!(!id(&replaced).is_empty() && id(&replaced) != "not sane!");
}

#[tokio::test]
async fn other_methods_on_the_graphql_path_are_405() {
    let app = app().await;

    let response = reqwest::Client::new()
        .put(format!("{}/graphql", app.address))
        .send()
        .await
        .expect("answer");

    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers().get(ALLOW).and_then(|v| v.to_str().ok()),
        Some("GET, POST")
    );
}

catalogue_tests::on_both_databases!(a_database_failure_reaches_the_client_without_sql_text);

async fn a_database_failure_reaches_the_client_without_sql_text(backend: Backend) {
    let app = spawn_app(backend).await;
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE publication_topic")
        .await
        .expect("drop a table under the running server");

    let response = post_json(
        &app,
        "application/json",
        json!({ "query": "{ publications { nodes { title topics { name } } } }" }),
    )
    .await;

    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = json_of(response).await;
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{body}"
    );
    assert_eq!(
        error["extensions"]["requestId"],
        request_id.as_str(),
        "{body}"
    );
    let text = body.to_string().to_lowercase();
    for leak in [
        "select",
        "publication_topic",
        "no such table",
        "relation",
        "sqlx",
    ] {
        assert!(!text.contains(leak), "the response leaks {leak:?}: {body}");
    }
}

#[tokio::test]
async fn configured_frontend_origins_may_call_the_api_from_a_browser() {
    let app = catalogue_tests::spawn_app_with(
        Backend::Sqlite,
        &[("CORS_ALLOWED_ORIGINS", "https://lab.example.org")],
    )
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, authorization",
            )
            .send()
    };

    let allowed = preflight("https://lab.example.org").await.expect("answer");
    let foreign = preflight("https://evil.example.com").await.expect("answer");
    let actual = client
        .post(format!("{}/graphql", app.address))
        .header("origin", "https://lab.example.org")
        .json(&json!({ "query": LISTING }))
        .send()
        .await
        .expect("answer");

    let allow_origin = |r: &reqwest::Response| {
        r.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allow_origin(&allowed).as_deref(),
        Some("https://lab.example.org")
    );
    assert_eq!(allow_origin(&foreign), None);
    assert_eq!(
        allow_origin(&actual).as_deref(),
        Some("https://lab.example.org")
    );
    let exposed = actual
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = app().await;
    let extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(LISTING) } });

    let unknown = ask(&app, json!({ "extensions": extensions })).await;
    // Over GET, the answer for an unknown hash is kept by no cache: the query that follows
    // registers it.
    let unknown_over_get = app
        .get(
            &format!("/graphql?extensions={}", urlencode(&extensions.to_string())),
            "application/json",
        )
        .await;
    assert_eq!(
        unknown_over_get
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let registered = ask(&app, json!({ "query": LISTING, "extensions": extensions })).await;
    let by_hash = ask(&app, json!({ "extensions": extensions })).await;
    let get_by_hash = app
        .get(
            &format!("/graphql?extensions={}", urlencode(&extensions.to_string())),
            "application/json",
        )
        .await;
    let mismatch = post_json(
        &app,
        "application/json",
        json!({ "query": "{ __typename }", "extensions": extensions }),
    )
    .await;

    assert_eq!(
        unknown["errors"][0]["message"], "PersistedQueryNotFound",
        "{unknown}"
    );
    assert_eq!(
        unknown["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(
        registered["data"]["publications"]["totalCount"], 6,
        "{registered}"
    );
    assert_eq!(
        by_hash["data"]["publications"]["totalCount"], 6,
        "{by_hash}"
    );
    assert_eq!(get_by_hash.status(), 200);
    assert_eq!(
        json_of(get_by_hash).await["data"]["publications"]["totalCount"],
        6
    );
    assert_eq!(mismatch.status(), 400);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn get_queries_are_cacheable_and_revalidate_with_etags() {
    let app = app().await;
    let path = format!("/graphql?query={}", urlencode(LISTING));
    let client = reqwest::Client::new();

    let first = app.get(&path, "application/json").await;
    let cache_control = first
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let revalidated = client
        .get(format!("{}{path}", app.address))
        .header(ACCEPT, "application/json")
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("answer");
    let posted = post_json(&app, "application/json", json!({ "query": LISTING })).await;
    let failed = app
        .get(
            "/graphql?query=%7B%20publications(first%3A%20500)%20%7B%20totalCount%20%7D%20%7D",
            "application/json",
        )
        .await;

    assert_eq!(first.status(), 200);
    assert!(
        cache_control.starts_with("public, max-age="),
        "{cache_control}"
    );
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.text().await.expect("body"), "");
    assert_eq!(
        posted
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert_eq!(
        failed
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_before_it_ends() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app =
        catalogue_tests::spawn_app_with(Backend::Sqlite, &[("MAX_BODY_BYTES", "65536")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    // 64 MiB announced chunk by chunk, with no Content-Length to refuse it up front.
    let writer = tokio::spawn(async move {
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        writer.write_all(head.as_bytes()).await?;
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0usize;
        while sent < 64 * 1024 * 1024 {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(&chunk).await?;
            writer.write_all(b"\r\n").await?;
            sent += chunk.len();
        }
        Ok::<usize, std::io::Error>(sent)
    });

    let mut response = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(10), reader.read(&mut response))
        .await
        .expect("an answer before the body ends")
        .expect("a readable answer");
    let finished_writing = writer.is_finished();
    writer.abort();

    let head = String::from_utf8_lossy(&response[..read]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        !finished_writing,
        "the server waited for the whole 64 MiB body"
    );
}

/// A required variable left out (or sent as null) is a request error naming it, as the
/// specification's CoerceVariableValues has it: BAD_USER_INPUT, 400 with
/// graphql-response+json, and never an internal error.
#[tokio::test]
async fn a_required_variable_left_out_is_bad_user_input_naming_it() {
    let app = app().await;
    let query = "query($id: ID!, $first: Int = 2, $after: String) { node(id: $id) { id } publications(first: $first, after: $after) { totalCount } }";
    for variables in [json!({}), json!({ "id": null }), json!({ "first": 1 })] {
        let response = post_json(
            &app,
            GRAPHQL_RESPONSE,
            json!({ "query": query, "variables": variables }),
        )
        .await;
        assert_eq!(response.status(), 400, "{variables}");
        let body = json_of(response).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("$id") && message.contains("ID!"), "{body}");
        assert!(
            !message.contains("$first") && !message.contains("$after"),
            "{body}"
        );
        assert!(body.get("data").is_none(), "{body}");
    }
    let given = ask(
        &app,
        json!({ "query": query, "variables": { "id": "UHVibGljYXRpb246Ng" } }),
    )
    .await;
    assert!(given.get("errors").is_none(), "{given}");
    assert_eq!(given["data"]["publications"]["totalCount"], 6);
}
