//! Live updates: `publicationEvents` over graphql-transport-ws, fed by the change feed, on
//! one instance and across instances of one Postgres database.

use std::time::Duration;

use catalogue_tests::ws::{Closed, Ws};
use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app, spawn_app_with};
use serde_json::{Value, json};

const EVENTS: &str = "subscription($filter: PublicationFilter, $since: Int) {
  publicationEvents(filter: $filter, sinceRevision: $since) {
    revision kind publicationId publication { id title status } changedAt
  }
}";

const CREATE: &str = "mutation($input: CreatePublicationInput!) {
  createPublication(input: $input) { publication { id version } userErrors { field message } }
}";
const UPDATE: &str = "mutation($input: UpdatePublicationInput!) {
  updatePublication(input: $input) { publication { id version } userErrors { field message } }
}";
const DELETE: &str = "mutation($input: DeletePublicationInput!) {
  deletePublication(input: $input) { userErrors { field message } }
}";

/// Creates a published publication of `kind`; its id and version.
async fn create(app: &TestApp, token: &str, title: &str, kind: &str) -> (String, i64) {
    let answer = app
        .graphql_as(
            token,
            CREATE,
            json!({ "input": {
                "title": title, "kind": kind, "status": "PUBLISHED",
                "authors": [{ "new": { "name": "Ada Live" } }],
            }}),
        )
        .await;
    let publication = &answer["data"]["createPublication"]["publication"];
    assert!(publication.is_object(), "{answer}");
    (
        publication["id"].as_str().expect("an id").to_owned(),
        publication["version"].as_i64().expect("a version"),
    )
}

/// Applies `changes` to publication `id` at `version`; the new version.
async fn update(app: &TestApp, token: &str, id: &str, version: i64, changes: Value) -> i64 {
    let mut input = json!({ "id": id, "expectedVersion": version });
    for (key, value) in changes.as_object().expect("an object of changes") {
        input[key] = value.clone();
    }
    let answer = app
        .graphql_as(token, UPDATE, json!({ "input": input }))
        .await;
    answer["data"]["updatePublication"]["publication"]["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("{answer}"))
}

/// Deletes publication `id` at `version`.
async fn delete(app: &TestApp, token: &str, id: &str, version: i64) {
    let answer = app
        .graphql_as(
            token,
            DELETE,
            json!({ "input": { "id": id, "expectedVersion": version } }),
        )
        .await;
    assert_eq!(
        answer["data"]["deletePublication"]["userErrors"],
        json!([]),
        "{answer}"
    );
}

fn kind_and_title(event: &Value) -> (String, Option<String>) {
    let event = &event["data"]["publicationEvents"];
    (
        event["kind"].as_str().unwrap_or_default().to_owned(),
        event["publication"]["title"].as_str().map(str::to_owned),
    )
}

/// The catalogue's revision, as a client reads it before subscribing from it.
async fn revision(address: &str) -> i64 {
    let answer: Value = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .json(&json!({ "query": "{ revision }" }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    answer["data"]["revision"]
        .as_i64()
        .unwrap_or_else(|| panic!("{answer}"))
}

/// Nothing more arrives for a short while.
async fn quiet(ws: &mut Ws) {
    match ws.next_within(Duration::from_millis(500)).await {
        Ok(None) => {}
        other => panic!("expected no message, got {other:?}"),
    }
}

async fn a_subscriber_follows_the_publications_of_its_filter(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    let mut ws = Ws::connect(&app.address, None).await;
    // Subscribing from a revision read before: nothing after it can be missed, however long
    // the server takes to set the subscription up.
    let since = revision(&app.address).await;
    ws.subscribe(
        "reports",
        EVENTS,
        json!({ "filter": { "kinds": ["TECHNICAL_REPORT"] }, "since": since }),
    )
    .await;

    let (id, version) = create(&app, &token, "Live report", "TECHNICAL_REPORT").await;
    let event = ws.event("reports").await;
    assert_eq!(
        kind_and_title(&event),
        ("CREATED".into(), Some("Live report".into()))
    );
    assert_eq!(event["data"]["publicationEvents"]["publicationId"], id);
    let created_at = event["data"]["publicationEvents"]["revision"]
        .as_i64()
        .expect("a revision");

    // Another kind of publication is not in the list: no event.
    create(&app, &token, "Live preprint", "PREPRINT").await;

    let version = update(
        &app,
        &token,
        &id,
        version,
        json!({ "title": "Live report, revised" }),
    )
    .await;
    let event = ws.event("reports").await;
    assert_eq!(
        kind_and_title(&event),
        ("UPDATED".into(), Some("Live report, revised".into()))
    );
    assert!(event["data"]["publicationEvents"]["revision"].as_i64() > Some(created_at));

    // Leaving the filter: REMOVED, without the data.
    let version = update(&app, &token, &id, version, json!({ "kind": "PREPRINT" })).await;
    assert_eq!(
        kind_and_title(&ws.event("reports").await),
        ("REMOVED".into(), None)
    );
    // Back in it: UPDATED with the data.
    let version = update(
        &app,
        &token,
        &id,
        version,
        json!({ "kind": "TECHNICAL_REPORT" }),
    )
    .await;
    assert_eq!(
        kind_and_title(&ws.event("reports").await),
        ("UPDATED".into(), Some("Live report, revised".into()))
    );

    delete(&app, &token, &id, version).await;
    let event = ws.event("reports").await;
    assert_eq!(kind_and_title(&event), ("DELETED".into(), None));
    assert_eq!(event["data"]["publicationEvents"]["publicationId"], id);
    quiet(&mut ws).await;

    // Completing the subscription stops it; the connection stays usable.
    ws.send(json!({ "type": "complete", "id": "reports" }))
        .await;
    // Messages are handled in order: once the pong is back, so is the completion.
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next().await["type"], "pong");
    create(&app, &token, "After the end", "TECHNICAL_REPORT").await;
    quiet(&mut ws).await;
}

async fn anonymous_subscribers_see_an_unpublished_entry_leave_without_its_data(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    let mut public = Ws::connect(&app.address, None).await;
    let mut editor = Ws::connect(&app.address, Some(&token)).await;
    let since = revision(&app.address).await;
    public
        .subscribe("all", EVENTS, json!({ "since": since }))
        .await;
    editor
        .subscribe("all", EVENTS, json!({ "since": since }))
        .await;

    let (id, version) = create(&app, &token, "Soon a draft", "PREPRINT").await;
    assert_eq!(kind_and_title(&public.event("all").await).0, "CREATED");
    assert_eq!(kind_and_title(&editor.event("all").await).0, "CREATED");

    update(&app, &token, &id, version, json!({ "status": "DRAFT" })).await;
    assert_eq!(
        kind_and_title(&public.event("all").await),
        ("REMOVED".into(), None)
    );
    let event = editor.event("all").await;
    assert_eq!(
        kind_and_title(&event),
        ("UPDATED".into(), Some("Soon a draft".into()))
    );
    assert_eq!(
        event["data"]["publicationEvents"]["publication"]["status"],
        "DRAFT"
    );

    // A draft created and edited is news to editors only.
    let answer = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "title": "Quiet draft", "kind": "OTHER" } }),
        )
        .await;
    assert!(
        answer["data"]["createPublication"]["publication"].is_object(),
        "{answer}"
    );
    assert_eq!(kind_and_title(&editor.event("all").await).0, "CREATED");
    quiet(&mut public).await;
}

on_both_databases!(anonymous_subscribers_never_learn_that_a_draft_exists);

async fn anonymous_subscribers_never_learn_that_a_draft_exists(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    // A draft that exists before anyone subscribes.
    let answer = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "title": "A Secret Draft Study", "kind": "OTHER" } }),
        )
        .await;
    let draft = &answer["data"]["createPublication"]["publication"];
    let (id, version) = (
        draft["id"].as_str().expect("an id").to_owned(),
        draft["version"].as_i64().expect("a version"),
    );
    let since = revision(&app.address).await;
    let mut unfiltered = Ws::connect(&app.address, None).await;
    unfiltered
        .subscribe("all", EVENTS, json!({ "since": since }))
        .await;
    let mut searching = Ws::connect(&app.address, None).await;
    searching
        .subscribe(
            "secret",
            EVENTS,
            json!({ "since": since, "filter": { "search": "Secret Draft Study" } }),
        )
        .await;
    let mut editor = Ws::connect(&app.address, Some(&token)).await;
    editor
        .subscribe("all", EVENTS, json!({ "since": since }))
        .await;

    // Edited, then deleted: news to editors only.
    let version = update(
        &app,
        &token,
        &id,
        version,
        json!({ "title": "A Secret Draft Study, Revised" }),
    )
    .await;
    assert_eq!(kind_and_title(&editor.event("all").await).0, "UPDATED");
    delete(&app, &token, &id, version).await;
    assert_eq!(kind_and_title(&editor.event("all").await).0, "DELETED");
    // A published entry after them is the first thing the public hears.
    create(&app, &token, "A Public Secret Draft Study Marker", "OTHER").await;
    for (ws, id) in [(&mut unfiltered, "all"), (&mut searching, "secret")] {
        assert_eq!(
            kind_and_title(&ws.event(id).await),
            (
                "CREATED".into(),
                Some("A Public Secret Draft Study Marker".into())
            ),
            "{id}"
        );
        quiet(ws).await;
    }
    // A resume from before them tells the same story.
    let mut resumed = Ws::connect(&app.address, None).await;
    resumed
        .subscribe("again", EVENTS, json!({ "since": since }))
        .await;
    assert_eq!(kind_and_title(&resumed.event("again").await).0, "CREATED");
    quiet(&mut resumed).await;
}

async fn a_subscriber_resumes_with_since_revision_and_misses_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    let mut ws = Ws::connect(&app.address, None).await;
    let since = revision(&app.address).await;
    ws.subscribe("1", EVENTS, json!({ "since": since })).await;
    create(&app, &token, "Seen live", "OTHER").await;
    let seen = ws.event("1").await["data"]["publicationEvents"]["revision"]
        .as_i64()
        .expect("a revision");
    drop(ws);

    // While the client is away: three creations, one of them made twice as fast.
    for title in ["Missed one", "Missed two", "Missed three"] {
        create(&app, &token, title, "OTHER").await;
    }
    let mut ws = Ws::connect(&app.address, None).await;
    ws.subscribe("2", EVENTS, json!({ "since": seen })).await;
    let mut titles = Vec::new();
    let mut revisions = Vec::new();
    for _ in 0..3 {
        let event = ws.event("2").await;
        revisions.push(event["data"]["publicationEvents"]["revision"].as_i64());
        titles.push(kind_and_title(&event).1.unwrap_or_default());
    }
    assert_eq!(titles, ["Missed one", "Missed two", "Missed three"]);
    assert!(
        revisions.windows(2).all(|pair| pair[0] < pair[1]),
        "{revisions:?}"
    );
    // Then live, without repeating anything.
    create(&app, &token, "Live again", "OTHER").await;
    assert_eq!(
        kind_and_title(&ws.event("2").await).1.as_deref(),
        Some("Live again")
    );
    quiet(&mut ws).await;

    // A revision ahead of the catalogue, or one the feed no longer holds, is refused.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.subscribe("ahead", EVENTS, json!({ "since": 1_000_000 }))
        .await;
    let answer = ws.event("ahead").await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{answer}"
    );
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("sinceRevision")),
        "{answer}"
    );
    assert_eq!(
        ws.next().await,
        json!({ "id": "ahead", "type": "complete" })
    );
    app.db
        .execute_unprepared("DELETE FROM catalogue_change WHERE revision < (SELECT MAX(revision) FROM catalogue_change)")
        .await
        .expect("the feed is pruned");
    ws.subscribe("expired", EVENTS, json!({ "since": seen }))
        .await;
    let answer = ws.event("expired").await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "REVISION_EXPIRED",
        "{answer}"
    );
}

on_both_databases!(
    a_subscriber_follows_the_publications_of_its_filter,
    anonymous_subscribers_see_an_unpublished_entry_leave_without_its_data,
    a_subscriber_resumes_with_since_revision_and_misses_nothing,
);

use sea_orm::ConnectionTrait as _;

#[tokio::test]
async fn a_change_on_one_instance_reaches_subscribers_of_another() {
    let a = spawn_app(Backend::Postgres).await;
    let b = a.another_instance().await;
    let token = a.editor_token("live-editor").await;
    let mut on_b = Ws::connect(&b.address, None).await;
    let since = revision(&b.address).await;
    on_b.subscribe(
        "1",
        EVENTS,
        json!({ "filter": { "kinds": ["THESIS"] }, "since": since }),
    )
    .await;
    let count = "{ publications(filter: { kinds: [THESIS] }) { totalCount } }";
    let before = b.graphql(None, count, json!({})).await["data"]["publications"]["totalCount"]
        .as_i64()
        .expect("a count");

    let (id, _) = create(&a, &token, "A thesis made on A", "THESIS").await;
    // A count asked of B right after the change on A is exact.
    let after = b.graphql(None, count, json!({})).await["data"]["publications"]["totalCount"]
        .as_i64()
        .expect("a count");
    assert_eq!(after, before + 1);
    let event = on_b.event("1").await;
    assert_eq!(
        kind_and_title(&event),
        ("CREATED".into(), Some("A thesis made on A".into()))
    );
    assert_eq!(event["data"]["publicationEvents"]["publicationId"], id);
}

#[tokio::test]
async fn the_listener_loses_nothing_when_its_connection_is_terminated() {
    let a = spawn_app(Backend::Postgres).await;
    let b = a.another_instance().await;
    let token = a.editor_token("live-editor").await;
    let mut on_b = Ws::connect(&b.address, None).await;
    let since = revision(&b.address).await;
    on_b.subscribe("1", EVENTS, json!({ "since": since })).await;

    // Both instances' LISTEN connections go; changes are made before they are back.
    for address in [&a.address, &b.address] {
        listening(address).await;
    }
    let terminated =
        a.db.query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .expect("the listeners are terminated");
    assert_eq!(terminated.len(), 2, "one listener per instance");
    let titles = [
        "During the outage 1",
        "During the outage 2",
        "During the outage 3",
    ];
    for title in titles {
        create(&a, &token, title, "OTHER").await;
    }
    let mut received = Vec::new();
    for _ in 0..titles.len() {
        received.push(kind_and_title(&on_b.event("1").await).1.unwrap_or_default());
    }
    assert_eq!(received, titles);
    quiet(&mut on_b).await;
    // And B listens again: a change now arrives too.
    create(&a, &token, "After the outage", "OTHER").await;
    assert_eq!(
        kind_and_title(&on_b.event("1").await).1.as_deref(),
        Some("After the outage")
    );
    let ready = listening(&b.address).await;
    assert_eq!(ready["feed"]["lagRevisions"], 0, "{ready}");
}

/// Waits until the instance at `address` says, on `/readyz`, that it listens for changes;
/// returns what it said.
async fn listening(address: &str) -> Value {
    let deadline = tokio::time::Instant::now() + catalogue_tests::ws::PATIENCE;
    loop {
        let ready: Value = reqwest::get(format!("{address}/readyz"))
            .await
            .expect("readyz answers")
            .json()
            .await
            .expect("JSON");
        if ready["feed"]["listening"] == true {
            return ready;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the instance does not listen: {ready}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn the_websocket_protocol_is_enforced(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &[
            ("WS_INIT_TIMEOUT_SECS", "1"),
            ("SUBSCRIPTIONS_PER_CONNECTION", "1"),
        ],
    )
    .await;
    let closed = |code: u16| move |closed: Closed| assert_eq!(closed.code, code, "{closed:?}");

    // No connection_init in time.
    let mut ws = Ws::open(&app.address).await;
    closed(4408)(ws.closed().await);
    // A subscribe before connection_init.
    let mut ws = Ws::open(&app.address).await;
    ws.subscribe("1", EVENTS, json!({})).await;
    closed(4401)(ws.closed().await);
    // An unknown token.
    let mut ws = Ws::open(&app.address).await;
    ws.send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nope" } }))
        .await;
    closed(4403)(ws.closed().await);
    // Two connection_inits.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.send(json!({ "type": "connection_init" })).await;
    closed(4429)(ws.closed().await);
    // Not a protocol message; the reason says why, within a close frame's 123 bytes.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.send(json!({ "type": "start", "id": "1" })).await;
    let refused = ws.closed().await;
    assert_eq!(refused.code, 4400, "{refused:?}");
    assert!(
        refused
            .reason
            .starts_with("Invalid message received: unknown variant `start`"),
        "{refused:?}"
    );
    // One operation per connection here: a second is refused, a repeated id closes.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.subscribe("1", EVENTS, json!({})).await;
    ws.subscribe("2", EVENTS, json!({})).await;
    let refused = ws.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "2");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    ws.subscribe("1", EVENTS, json!({})).await;
    closed(4409)(ws.closed().await);

    // A client's close is answered with the same code (the closing handshake).
    let mut ws = Ws::connect(&app.address, None).await;
    closed(1000)(ws.close_normally().await);

    // Pings are answered; queries and validation errors work over the socket too.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.send(json!({ "type": "ping" })).await;
    assert_eq!(ws.next().await["type"], "pong");
    ws.subscribe("q", "{ publications(first: 1) { totalCount } }", json!({}))
        .await;
    let answer = ws.event("q").await;
    assert!(
        answer["data"]["publications"]["totalCount"].as_i64() > Some(0),
        "{answer}"
    );
    assert_eq!(ws.next().await, json!({ "id": "q", "type": "complete" }));
    ws.subscribe("bad", "subscription { nothingHere }", json!({}))
        .await;
    let refused = ws.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    // A mutation needs a token here as over HTTP.
    ws.subscribe(
        "m",
        r#"mutation { createTopic(input: { name: "x" }) { topic { id } } }"#,
        json!({}),
    )
    .await;
    let refused = ws.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(
        refused["payload"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );

    // A subscription over HTTP is told where subscriptions run.
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let request = reqwest::Client::new()
            .request(method.clone(), format!("{}/graphql", app.address))
            .header("accept", "application/graphql-response+json");
        let query = "subscription { publicationEvents { revision } }";
        let request = if method == reqwest::Method::GET {
            request.query(&[("query", query)])
        } else {
            request.json(&json!({ "query": query }))
        };
        let answer = request.send().await.expect("an answer");
        assert_eq!(answer.status(), 400, "{method}");
        let body: Value = answer.json().await.expect("JSON");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
            "{body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("WebSocket") && m.contains("graphql-transport-ws")),
            "{body}"
        );
        assert_eq!(
            body["errors"].as_array().map(Vec::len),
            Some(1),
            "one error: {body}"
        );
    }

    // A WebSocket that does not offer graphql-transport-ws is told what is supported.
    let answer = reqwest::Client::new()
        .get(format!("{}/graphql", app.address))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("Sec-WebSocket-Protocol", "graphql-ws")
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.expect("JSON");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("graphql-transport-ws")),
        "{body}"
    );
}

on_both_databases!(the_websocket_protocol_is_enforced);

async fn a_client_that_does_not_read_is_closed_rather_than_buffered(backend: Backend) {
    // The connection's budget, then the instance's, is what runs out.
    for budget in ["WS_SEND_BUFFER_BYTES", "WS_SEND_BUFFER_TOTAL_BYTES"] {
        a_client_that_does_not_read_is_closed_when_its_budget_is_spent(backend, budget).await;
    }
}

async fn a_client_that_does_not_read_is_closed_when_its_budget_is_spent(
    backend: Backend,
    budget: &str,
) {
    let app = spawn_app_with(backend, &[(budget, "1"), ("WS_SEND_PATIENCE_SECS", "1")]).await;
    let token = app.editor_token("live-editor").await;
    // Large events: an abstract of 100 KB, twenty times in each (aliases).
    let (id, mut version) = create(&app, &token, "A long read", "OTHER").await;
    version = update(
        &app,
        &token,
        &id,
        version,
        json!({ "abstract": "word ".repeat(20_000) }),
    )
    .await;
    let copies: Vec<String> = (0..20).map(|n| format!("a{n}: abstract")).collect();
    let query = format!(
        "subscription($since: Int) {{ publicationEvents(sinceRevision: $since) {{ revision publication {{ {} }} }} }}",
        copies.join(" ")
    );
    let mut ws = Ws::connect(&app.address, None).await;
    ws.subscribe(
        "1",
        &query,
        json!({ "since": revision(&app.address).await }),
    )
    .await;
    // Forty events of 2 MB that the client does not read.
    for n in 0..40 {
        version = update(
            &app,
            &token,
            &id,
            version,
            json!({ "title": format!("A long read, take {n}") }),
        )
        .await;
    }
    // The client reads nothing for longer than the server's patience.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // What was sent before arrives, then the close: the server did not buffer the rest.
    let mut read = 0;
    let closed = loop {
        match ws.next_within(Duration::from_secs(10)).await {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("the server did not close the connection"),
            Err(closed) => break closed,
        }
    };
    assert!(
        read < 40,
        "{read} events were queued for a client that read none"
    );
    assert_eq!(closed.code, 1013, "{closed:?}");
    assert!(closed.reason.contains("sinceRevision"), "{closed:?}");
    // The instance is fine.
    assert!(revision(&app.address).await > 0);
}

on_both_databases!(a_client_that_does_not_read_is_closed_rather_than_buffered);

/// `count` published BibTeX entries, each with a title of its own.
fn bibtex_entries(count: usize) -> String {
    (0..count)
        .map(|n| {
            format!(
                "@article{{bulk{n},\n  title = {{Bulk entry number {n}}},\n  author = {{Ada Bulk and Grace Import}},\n  year = {{2024}},\n  journal = {{Journal of Bulk Loads}}\n}}\n"
            )
        })
        .collect()
}

async fn a_revision_of_hundreds_of_entries_reaches_a_subscriber_that_keeps_reading(
    backend: Backend,
) {
    // A budget of a few events: delivery is paced by the reader, not cut off.
    let app = spawn_app_with(backend, &[("WS_SEND_BUFFER_BYTES", "2048")]).await;
    let token = app.editor_token("bulk-editor").await;
    let since = revision(&app.address).await;
    let mut anonymous = Ws::connect(&app.address, None).await;
    anonymous
        .subscribe("all", EVENTS, json!({ "since": since }))
        .await;
    let mut editor = Ws::connect(&app.address, Some(&token)).await;
    editor
        .subscribe(
            "articles",
            EVENTS,
            json!({ "since": since, "filter": { "kinds": ["JOURNAL_ARTICLE"] } }),
        )
        .await;
    let imported = app
        .graphql_as(
            &token,
            "mutation($input: ImportBibtexInput!) { importBibtex(input: $input) { createdCount userErrors { message } } }",
            json!({ "input": { "bibtex": bibtex_entries(500), "status": "PUBLISHED" } }),
        )
        .await;
    assert_eq!(
        imported["data"]["importBibtex"]["createdCount"], 500,
        "{imported}"
    );
    for (ws, id) in [(&mut anonymous, "all"), (&mut editor, "articles")] {
        let mut titles = std::collections::HashSet::new();
        let mut revisions = std::collections::HashSet::new();
        while titles.len() < 500 {
            let event = ws.event(id).await;
            let event = &event["data"]["publicationEvents"];
            assert_eq!(event["kind"], "CREATED", "{event}");
            revisions.insert(event["revision"].as_i64().expect("a revision"));
            let title = event["publication"]["title"].as_str().expect("a title");
            assert!(titles.insert(title.to_owned()), "{title} twice");
        }
        assert_eq!(revisions.len(), 1, "one import is one revision");
        quiet(ws).await;
    }
    // Resuming from just before the import gets all of it again.
    let mut resumed = Ws::connect(&app.address, None).await;
    resumed
        .subscribe("again", EVENTS, json!({ "since": since }))
        .await;
    for _ in 0..500 {
        let event = resumed.event("again").await;
        assert_eq!(event["data"]["publicationEvents"]["kind"], "CREATED");
    }
    quiet(&mut resumed).await;
}

on_both_databases!(a_revision_of_hundreds_of_entries_reaches_a_subscriber_that_keeps_reading);

async fn a_revoked_token_ends_its_open_websocket(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("soon-former-editor").await;
    let mut ws = Ws::connect(&app.address, Some(&token)).await;
    ws.subscribe(
        "drafts",
        "{ publications(filter: { statuses: [DRAFT] }) { totalCount } }",
        json!({}),
    )
    .await;
    let drafts = ws.event("drafts").await;
    assert!(
        drafts["data"]["publications"]["totalCount"].is_i64(),
        "an editor lists drafts: {drafts}"
    );
    assert_eq!(ws.next().await["type"], "complete");
    // A subscription keeps the socket busy meanwhile.
    ws.subscribe("live", EVENTS, json!({})).await;
    api::service::token::revoke(&app.db, "soon-former-editor")
        .await
        .expect("revoke");
    let revoked = std::time::Instant::now();
    let closed = ws.closed().await;
    assert_eq!(closed.code, 4403, "{closed:?}");
    assert!(closed.reason.contains("revoked"), "{closed:?}");
    assert!(
        revoked.elapsed() < Duration::from_secs(5),
        "closed {:?} after the revocation",
        revoked.elapsed()
    );
    // The token opens no new socket either.
    let mut again = Ws::open(&app.address).await;
    again
        .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
        .await;
    assert_eq!(again.closed().await.code, 4403);
}

on_both_databases!(a_revoked_token_ends_its_open_websocket);

async fn a_silent_client_is_closed_after_three_keepalive_intervals(backend: Backend) {
    let app = spawn_app_with(backend, &[("WS_KEEPALIVE_SECS", "2")]).await;
    let mut ws = Ws::open(&app.address).await;
    ws.send(json!({ "type": "connection_init" })).await;
    let opened = std::time::Instant::now();
    // Read without answering the server's pings: the client is silent from here.
    let closed = loop {
        match ws.next_raw_within(Duration::from_secs(20)).await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the server kept a silent client open"),
            Err(closed) => break closed,
        }
    };
    let after = opened.elapsed();
    assert_eq!(closed.code, 4504, "{closed:?}");
    assert!(
        after >= Duration::from_secs(6) && after < Duration::from_secs(8),
        "closed after {after:?}, not after three intervals of 2 s"
    );
}

on_both_databases!(a_silent_client_is_closed_after_three_keepalive_intervals);

async fn the_feed_keeps_its_retention_and_always_its_newest_revision(backend: Backend) {
    use api::service::feed;
    use chrono::{Duration as Days, Utc};
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    for title in ["Kept one", "Kept two", "Kept three"] {
        create(&app, &token, title, "OTHER").await;
    }
    let newest = revision(&app.address).await;
    let oldest = feed::oldest(&app.db)
        .await
        .expect("the feed")
        .expect("changes");
    assert!(oldest < newest);
    let db_backend = app.db.get_database_backend();
    let age = |sql: &str| {
        let sql = if db_backend == sea_orm::DbBackend::Postgres {
            sql.replace('?', "$1")
        } else {
            sql.to_owned()
        };
        sea_orm::Statement::from_sql_and_values(
            db_backend,
            sql,
            [(Utc::now() - Days::days(30)).into()],
        )
    };
    // Everything but the newest revision is a month old: a week's retention drops it.
    app.db
        .execute_raw(age(&format!(
            "UPDATE catalogue_change SET changed_at = ? WHERE revision < {newest}"
        )))
        .await
        .expect("the feed is aged");
    let pruned = feed::prune(&app.db, Utc::now() - Days::days(7))
        .await
        .expect("the feed is pruned");
    assert!(pruned > 0);
    assert_eq!(feed::oldest(&app.db).await.expect("the feed"), Some(newest));
    // The newest revision stays whatever its age, so a replay always knows where it can start.
    app.db
        .execute_raw(age("UPDATE catalogue_change SET changed_at = ?"))
        .await
        .expect("the feed is aged");
    feed::prune(&app.db, Utc::now() - Days::days(7))
        .await
        .expect("the feed is pruned");
    assert_eq!(feed::oldest(&app.db).await.expect("the feed"), Some(newest));
    // A subscriber from the newest revision is fine; from before it, told to re-read.
    let mut ws = Ws::connect(&app.address, None).await;
    ws.subscribe("now", EVENTS, json!({ "since": newest }))
        .await;
    quiet(&mut ws).await;
    ws.subscribe("then", EVENTS, json!({ "since": newest - 2 }))
        .await;
    let answer = ws.event("then").await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "REVISION_EXPIRED",
        "{answer}"
    );

    // The metrics and /readyz say what the instance follows.
    let metrics = reqwest::get(format!("{}/metrics", app.address))
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("text");
    for line in [
        format!("feed_revision {newest}"),
        "feed_lag_revisions 0".to_owned(),
        "feed_listening 1".to_owned(),
        "graphql_subscriptions 1".to_owned(),
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no line {line:?} in\n{metrics}"
        );
    }
}

on_both_databases!(the_feed_keeps_its_retention_and_always_its_newest_revision);

async fn changes_that_touch_publications_indirectly_reach_their_subscribers(backend: Backend) {
    use api::service::feed::{self, Action, Entity};
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    // A venue of the sample catalogue and the publications that appeared there.
    let venue = app
        .query(
            "{ venues(first: 1, orderBy: { field: PUBLICATION_COUNT, direction: DESC }) { nodes { id version publications(first: 50) { totalCount nodes { id } } } } }",
            json!({}),
        )
        .await;
    let venue = &venue["venues"]["nodes"][0];
    let mut expected: Vec<String> = venue["publications"]["nodes"]
        .as_array()
        .expect("publications")
        .iter()
        .map(|p| p["id"].as_str().expect("an id").to_owned())
        .collect();
    assert!(!expected.is_empty(), "{venue}");
    let mut ws = Ws::connect(&app.address, None).await;
    let since = revision(&app.address).await;
    ws.subscribe("1", EVENTS, json!({ "since": since })).await;

    let renamed = app
        .graphql_as(
            &token,
            "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { userErrors { field message } } }",
            json!({ "input": { "id": venue["id"], "expectedVersion": venue["version"], "name": "A Renamed Venue" } }),
        )
        .await;
    assert_eq!(
        renamed["data"]["updateVenue"]["userErrors"],
        json!([]),
        "{renamed}"
    );
    let mut received = Vec::new();
    for _ in 0..expected.len() {
        let event = ws.event("1").await;
        assert_eq!(kind_and_title(&event).0, "UPDATED", "{event}");
        received.push(
            event["data"]["publicationEvents"]["publicationId"]
                .as_str()
                .expect("an id")
                .to_owned(),
        );
    }
    expected.sort();
    received.sort();
    assert_eq!(received, expected, "one event per publication of the venue");
    quiet(&mut ws).await;

    // The feed itself: the venue, and each of its publications once, at one revision.
    let after = revision(&app.address).await;
    let revisions = feed::read(&app.db, since, after).await.expect("the feed");
    assert_eq!(revisions.len(), 1);
    let changes = &revisions[0].changes;
    assert_eq!(revisions[0].actor.as_deref(), Some("live-editor"));
    assert_eq!(
        changes.iter().filter(|c| c.entity == Entity::Venue).count(),
        1
    );
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.entity == Entity::Publication)
            .count(),
        expected.len()
    );

    // Merging two authors: the source is `merged`, the target `updated`.
    let authors = app
        .query("{ authors(first: 2) { nodes { id } } }", json!({}))
        .await;
    let (source, target) = (
        authors["authors"]["nodes"][0]["id"].clone(),
        authors["authors"]["nodes"][1]["id"].clone(),
    );
    let merged = app
        .graphql_as(
            &token,
            "mutation($input: MergeAuthorsInput!) { mergeAuthors(input: $input) { userErrors { field message } } }",
            json!({ "input": { "sourceIds": [source], "targetId": target } }),
        )
        .await;
    assert_eq!(
        merged["data"]["mergeAuthors"]["userErrors"],
        json!([]),
        "{merged}"
    );
    let revisions = feed::read(&app.db, after, revision(&app.address).await)
        .await
        .expect("the feed");
    assert_eq!(revisions.len(), 1);
    let mut authors: Vec<Action> = revisions[0]
        .changes
        .iter()
        .filter(|c| c.entity == Entity::Author)
        .map(|c| c.action)
        .collect();
    authors.sort();
    assert_eq!(
        authors,
        [Action::Updated, Action::Merged],
        "{:?}",
        revisions[0].changes
    );
}

on_both_databases!(changes_that_touch_publications_indirectly_reach_their_subscribers);

/// A replay reads the rows as they are now: a publication created, changed and deleted while
/// the subscriber was away is one DELETED, at the revision of its deletion.
async fn a_replay_of_an_entry_deleted_since_says_only_that_it_was_deleted(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("live-editor").await;
    let since = revision(&app.address).await;
    let (id, version) = create(&app, &token, "Here and gone", "OTHER").await;
    let version = update(
        &app,
        &token,
        &id,
        version,
        json!({ "title": "Here and gone, retitled" }),
    )
    .await;
    delete(&app, &token, &id, version).await;
    let gone_at = revision(&app.address).await;
    // An editor's subscriber (the public hears only of entries the instance saw public).
    let mut ws = Ws::connect(&app.address, Some(&token)).await;
    ws.subscribe("1", EVENTS, json!({ "since": since })).await;
    let event = ws.event("1").await;
    assert_eq!(kind_and_title(&event), ("DELETED".into(), None), "{event}");
    assert_eq!(event["data"]["publicationEvents"]["publicationId"], id);
    assert_eq!(event["data"]["publicationEvents"]["revision"], gone_at);
    quiet(&mut ws).await;
}

on_both_databases!(a_replay_of_an_entry_deleted_since_says_only_that_it_was_deleted);
