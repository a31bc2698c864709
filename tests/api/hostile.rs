//! Hostile requests: each is refused cleanly and the service stays up.
//!
//! A corpus of requests written to crash, stall or exhaust the service: deep nesting of
//! filters, lists, objects and selections (inline and through variables), fragment chains that
//! double at every level, fragment cycles, directive floods, aliases over expensive filters,
//! long id lists, NUL characters in every kind of string argument, tampered cursors and
//! impossible dates. Each must answer within a bound with a documented error code (never
//! `INTERNAL_SERVER_ERROR`), write nothing, and leave the process answering.

use std::time::{Duration, Instant};

use api::graphql::{GlobalId, NodeKind};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use catalogue_tests::ws::Ws;
use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    every_hostile_request_is_refused_cleanly_and_the_service_stays_up,
    every_hostile_request_is_refused_cleanly_over_a_websocket_too,
    every_hostile_mutation_is_refused_and_writes_nothing,
);

/// How long a refusal may take. Generous for a debug build on a busy machine: the attacks
/// this corpus holds took from seconds to minutes, or aborted the process.
const BOUND: Duration = Duration::from_secs(5);

/// Responses to hostile requests stay small: the answer must not be larger than the question.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// One hostile request.
struct Attack {
    name: String,
    query: String,
    /// The variables as JSON text.
    variables: String,
}

/// `variables` is a JSON value or JSON text.
fn attack(name: impl Into<String>, query: impl Into<String>, variables: impl Variables) -> Attack {
    Attack {
        name: name.into(),
        query: query.into(),
        variables: variables.into_text(),
    }
}

trait Variables {
    fn into_text(self) -> String;
}

impl Variables for Value {
    fn into_text(self) -> String {
        self.to_string()
    }
}

impl Variables for String {
    fn into_text(self) -> String {
        self
    }
}

/// `open` repeated `n` times, then `middle`, then `close` repeated `n` times.
fn nest(open: &str, middle: &str, close: &str, n: usize) -> String {
    format!("{}{middle}{}", open.repeat(n), close.repeat(n))
}

/// A chain of `levels` fragments on `on`, each spreading the next twice; the last selects
/// `leaf`.
fn doubling_chain(operation: &str, on: &str, leaf: &str, levels: usize) -> String {
    let mut query = format!("{operation}\n");
    for i in 0..levels {
        query.push_str(&format!(
            "fragment F{i} on {on} {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str(&format!("fragment F{levels} on {on} {{ {leaf} }}\n"));
    query
}

/// A filter variable nested `levels` deep, as JSON text: built as text because a
/// `serde_json::Value` that deep is itself walked by recursion (to serialise and to drop).
fn nested_filter_variable(key: &str, levels: usize) -> String {
    let leaf = r#"{"kinds":["JOURNAL_ARTICLE"]}"#;
    if key == "not" {
        nest(r#"{"not":"#, leaf, "}", levels)
    } else {
        nest(&format!(r#"{{"{key}":["#), leaf, "]}", levels)
    }
}

fn ids(kind: NodeKind, n: usize) -> String {
    let list: Vec<String> = (1..=n)
        .map(|i| {
            let id = GlobalId::new(kind, i64::try_from(i).expect("small")).encode();
            format!("\"{}\"", id.0)
        })
        .collect();
    format!("[{}]", list.join(", "))
}

/// Cursors made from a real one by changing its keys: wrong types, too few, too many, an
/// impossible date, another ordering, and text that is no cursor at all.
fn tampered_cursors(real: &str) -> Vec<String> {
    let bytes = URL_SAFE_NO_PAD.decode(real).expect("a cursor is base64");
    let cursor: Value = serde_json::from_slice(&bytes).expect("a cursor is JSON");
    let encode = |value: Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let with_key = |key: Value| {
        let mut cursor = cursor.clone();
        cursor["k"] = key;
        encode(cursor)
    };
    let key = cursor["k"].as_array().cloned().unwrap_or_default();
    let mut longer = key.clone();
    longer.push(json!(1));
    let mut wrong_types: Vec<Value> = key.iter().map(|_| json!({ "x": [1] })).collect();
    wrong_types.push(json!(null));
    let mut other = cursor.clone();
    other["o"] = json!("title:asc");
    vec![
        "garbage".to_owned(),
        String::new(),
        "\u{0}".to_owned(),
        encode(json!({ "x": 1 })),
        encode(json!([])),
        with_key(json!([])),
        with_key(Value::Array(key[..key.len().saturating_sub(1)].to_vec())),
        with_key(Value::Array(longer)),
        with_key(Value::Array(wrong_types)),
        with_key(json!(["2022-13-40", 1])),
        with_key(json!(["2022-02-30", 1])),
        with_key(json!([1e308, "x"])),
        with_key(json!(["9999999999-01-01", 9_223_372_036_854_775_807_i64])),
        encode(other),
        "A".repeat(100_000),
    ]
}

fn query_corpus(real_cursor: &str) -> Vec<Attack> {
    let mut corpus = Vec::new();
    let listing =
        |filter: &str| format!("{{ publications(first: 1, filter: {filter}) {{ totalCount }} }}");
    let filter_var =
        "query($f: PublicationFilter) { publications(first: 1, filter: $f) { totalCount } }";

    // 1. Nesting, inline and through variables, at and far past the depth that aborted.
    for levels in [20, 600, 5_000, 100_000] {
        corpus.push(attack(
            format!("{levels} inline `not` levels"),
            listing(&nest("{not: ", "{kinds: [JOURNAL_ARTICLE]}", "}", levels)),
            json!({}),
        ));
        corpus.push(attack(
            format!("{levels} inline `and` levels"),
            listing(&nest("{and: [", "{kinds: [JOURNAL_ARTICLE]}", "]}", levels)),
            json!({}),
        ));
        corpus.push(attack(
            format!("{levels} nested lists in an argument"),
            format!(
                "{{ nodes(ids: {}) {{ id }} }}",
                nest("[", "\"x\"", "]", levels)
            ),
            json!({}),
        ));
        corpus.push(attack(
            format!("{levels} nested selections"),
            nest("{ viewer ", "{ name }", "}", levels),
            json!({}),
        ));
        corpus.push(attack(
            format!("{levels} nested inline fragments"),
            format!(
                "{{ {} }}",
                nest("... on Query { ", "__typename", "}", levels)
            ),
            json!({}),
        ));
    }
    for key in ["not", "and", "or"] {
        for levels in [9, 60, 120, 1_000] {
            corpus.push(attack(
                format!("{levels} `{key}` levels in a variable"),
                filter_var,
                format!(r#"{{"f":{}}}"#, nested_filter_variable(key, levels)),
            ));
        }
    }
    corpus.push(attack(
        "a deeply nested variable of the wrong type",
        "query($s: String) { suggest(prefix: $s) { name } }",
        json!({ "s": (0..100).fold(json!(1), |v, _| json!([v])) }),
    ));

    // 2. Fragments: chains that double, cycles, long chains, many unused ones.
    for levels in [24, 30, 60] {
        corpus.push(attack(
            format!("a {levels}-level doubling fragment chain on Viewer"),
            doubling_chain("query { viewer { ...F0 } }", "Viewer", "name", levels),
            json!({}),
        ));
        corpus.push(attack(
            format!("a {levels}-level doubling fragment chain on Query"),
            doubling_chain("query { ...F0 }", "Query", "__typename", levels),
            json!({}),
        ));
        corpus.push(attack(
            format!("a {levels}-level doubling fragment chain on Publication"),
            doubling_chain(
                "query { publications(first: 1) { nodes { ...F0 } } }",
                "Publication",
                "title",
                levels,
            ),
            json!({}),
        ));
    }
    corpus.push(attack(
        "a fragment that spreads itself",
        "query { ...A } fragment A on Query { ...A }",
        json!({}),
    ));
    corpus.push(attack(
        "two fragments that spread each other",
        "query { ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }",
        json!({}),
    ));
    corpus.push(attack(
        "a cycle through inline fragments",
        "query { ...A } fragment A on Query { ... on Query { ... { ...A } } }",
        json!({}),
    ));
    let mut chain = String::from("query { ...F0 }\n");
    for i in 0..2_000 {
        chain.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    chain.push_str("fragment F2000 on Query { __typename }\n");
    corpus.push(attack("a 2,000-fragment chain", chain, json!({})));
    let mut unused = String::from("query { __typename }\n");
    for i in 0..10_000 {
        unused.push_str(&format!("fragment U{i} on Query {{ __typename }}\n"));
    }
    corpus.push(attack("10,000 unused fragments", unused, json!({})));

    // 3. Floods that make one error per repetition.
    corpus.push(attack(
        "10,000 directives on a field",
        format!("{{ __typename {} }}", "@include(if: true) ".repeat(10_000)),
        json!({}),
    ));
    corpus.push(attack(
        "10,000 directives on an inline fragment",
        format!(
            "{{ ... {} {{ __typename }} }}",
            "@include(if: true) ".repeat(10_000)
        ),
        json!({}),
    ));
    corpus.push(attack(
        "10,000 directives on a fragment spread",
        format!(
            "{{ ...A {} }} fragment A on Query {{ __typename }}",
            "@skip(if: false) ".repeat(10_000)
        ),
        json!({}),
    ));
    corpus.push(attack(
        "4,000 unknown fields",
        format!("{{ {} }}", "nope ".repeat(4_000)),
        json!({}),
    ));
    corpus.push(attack(
        "4,900 repeated fields, just under the limit",
        format!("{{ {} }}", "__typename ".repeat(4_900)),
        json!({}),
    ));
    corpus.push(attack(
        "4,900 fields of one name with different arguments",
        format!(
            "{{ {} }}",
            (0..4_900)
                .map(|i| format!("suggest(prefix: \"p{i}\") {{ name }}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        json!({}),
    ));
    corpus.push(attack(
        "100,000 repeated fields",
        format!("{{ {} }}", "__typename ".repeat(100_000)),
        json!({}),
    ));
    corpus.push(attack(
        "4,000 undefined variables",
        format!(
            "{{ {} }}",
            (0..30)
                .map(|i| format!(
                    "a{i}: nodes(ids: [{}]) {{ id }}",
                    (0..130)
                        .map(|j| format!("$v{i}_{j}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        json!({}),
    ));

    // 4. Long id lists and aliases over expensive filters.
    corpus.push(attack(
        "200 ids in one allOf",
        listing(&format!(
            "{{authors: {{allOf: {}}}}}",
            ids(NodeKind::Author, 200)
        )),
        json!({}),
    ));
    corpus.push(attack(
        "5,000 ids in one anyOf",
        listing(&format!(
            "{{topics: {{anyOf: {}}}}}",
            ids(NodeKind::Topic, 5_000)
        )),
        json!({}),
    ));
    corpus.push(attack(
        "10 aliases of an allOf of 20 ids each",
        format!(
            "{{ {} }}",
            (0..10)
                .map(|i| format!(
                    "a{i}: publications(first: 20, filter: {{authors: {{allOf: {}}}}}) {{ totalCount nodes {{ id title }} }}",
                    ids(NodeKind::Author, 20)
                ))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        json!({}),
    ));
    corpus.push(attack(
        "30 aliases of a 100-id anyOf with facets",
        format!(
            "{{ {} }}",
            (0..30)
                .map(|i| format!(
                    "a{i}: publications(first: 100, filter: {{authors: {{anyOf: {}}}}}) {{ totalCount nodes {{ id title abstract }} }}",
                    ids(NodeKind::Author, 100)
                ))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        json!({}),
    ));
    corpus.push(attack(
        "an or of 1,000 filters",
        listing(&format!(
            "{{or: [{}]}}",
            "{kinds: [JOURNAL_ARTICLE]} ".repeat(1_000)
        )),
        json!({}),
    ));
    corpus.push(attack(
        "10,000 ids in nodes",
        format!(
            "{{ nodes(ids: {}) {{ id }} }}",
            ids(NodeKind::Publication, 10_000)
        ),
        json!({}),
    ));

    // 5. NUL characters in every kind of string argument, inline and in variables.
    for (name, query) in [
        (
            "NUL in a search",
            r#"{ publications(filter: { search: "a\u0000b" }) { totalCount } }"#,
        ),
        (
            "NUL in suggest",
            r#"{ suggest(prefix: "ab\u0000") { name } }"#,
        ),
        (
            "NUL in a slug",
            r#"{ publication(slug: "x\u0000") { id } }"#,
        ),
        (
            "NUL in a directory search",
            r#"{ authors(first: 1, filter: { search: "\u0000" }) { totalCount } }"#,
        ),
        (
            "NUL in a DOI filter",
            r#"{ publications(filter: { doi: "10.1/\u0000" }) { totalCount } }"#,
        ),
        ("NUL in a node id", r#"{ node(id: "\u0000") { id } }"#),
    ] {
        corpus.push(attack(name, query, json!({})));
    }
    corpus.push(attack(
        "NUL in a variable",
        "query($s: String!) { suggest(prefix: $s) { name } }",
        json!({ "s": "ab\u{0}cd" }),
    ));
    corpus.push(attack(
        "NUL deep in a filter variable",
        filter_var,
        json!({ "f": { "and": [{ "or": [{ "search": "x\u{0}" }] }] } }),
    ));

    // 6. Searches that would make the read index work hard: many long words (each could
    // forgive a typo), a word as long as the limit, only punctuation, prefixes everywhere,
    // and the same search in every branch of a wide `or`.
    let long_words = (0..80)
        .map(|n| format!("wordy{n:03}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let long_words = long_words.chars().take(500).collect::<String>();
    for (name, search) in [
        ("a search of eighty long words", long_words.clone()),
        ("a search of one 500-letter word", "x".repeat(500)),
        (
            "a search of punctuation",
            "-\"\" OR -- \"\"\" ** ??".repeat(20),
        ),
        ("a search of short prefixes", "ab ".repeat(160)),
    ] {
        corpus.push(attack(
            name,
            "query($s: String) { publications(first: 100, filter: { search: $s }) { totalCount facets { years { year } topics { count } } edges { highlights { title { text } } } } }",
            json!({ "s": search }),
        ));
    }
    let branches: Vec<Value> = (0..50).map(|_| json!({ "search": long_words })).collect();
    corpus.push(attack(
        "fifty branches of a long search",
        filter_var,
        json!({ "f": { "or": branches } }),
    ));

    // Twenty `or`s of twenty searches of long words with a prefix at the end (150 KB):
    // each search expands typos and the prefix, so their number is bounded per filter...
    let heavy = format!(
        "{} pro",
        (0..60)
            .map(|n| format!("sequencing{n:02}"))
            .collect::<Vec<_>>()
            .join(" ")
    )
    .chars()
    .take(490)
    .collect::<String>();
    let inner: Vec<Value> = (0..20).map(|_| json!({ "search": heavy })).collect();
    let outer: Vec<Value> = (0..20).map(|_| json!({ "or": inner })).collect();
    corpus.push(attack(
        "twenty ors of twenty long searches",
        filter_var,
        json!({ "f": { "or": outer } }),
    ));
    // ... and per document, so that aliases do not multiply them.
    let four: Vec<Value> = (0..4).map(|_| json!({ "search": heavy })).collect();
    corpus.push(attack(
        "three aliases of four long searches",
        "query($f: PublicationFilter) { a: publications(filter: $f) { totalCount } b: publications(filter: $f) { totalCount } c: publications(filter: $f) { totalCount } }",
        json!({ "f": { "or": four } }),
    ));

    // 7. Tampered cursors and impossible dates.
    for cursor in tampered_cursors(real_cursor) {
        corpus.push(attack(
            format!(
                "a tampered cursor {}",
                cursor.chars().take(40).collect::<String>()
            ),
            "query($c: String) { publications(first: 1, after: $c) { totalCount } }",
            json!({ "c": cursor }),
        ));
    }
    for date in [
        "2022-13-01",
        "2022-02-30",
        "garbage",
        "0000-01-01",
        "99999-01-01",
    ] {
        corpus.push(attack(
            format!("an impossible date {date}"),
            "query($d: PartialDate) { publications(first: 1, filter: { publishedOn: { from: $d } }) { totalCount } }",
            json!({ "d": date }),
        ));
        corpus.push(attack(
            format!("an impossible inline date {date}"),
            listing(&format!("{{publishedOn: {{to: \"{date}\"}}}}")),
            json!({}),
        ));
    }
    corpus
}

/// Sends one attack; returns the status, the body, and how long the answer took.
async fn send(app: &TestApp, attack: &Attack, token: Option<&str>) -> (u16, Value, Duration) {
    let started = Instant::now();
    let body = format!(
        r#"{{"query":{},"variables":{}}}"#,
        Value::String(attack.query.clone()),
        attack.variables
    );
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap_or_else(|err| panic!("{}: the server did not answer: {err}", attack.name));
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    let elapsed = started.elapsed();
    assert!(
        bytes.len() <= MAX_RESPONSE_BYTES,
        "{}: a response of {} bytes",
        attack.name,
        bytes.len()
    );
    let body: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|err| panic!("{}: not JSON ({err})", attack.name));
    (status, body, elapsed)
}

/// The clean refusal every attack must get: an answer within the bound, where every error has
/// a code and none is internal. Returns the codes.
fn assert_refused_cleanly(attack: &Attack, status: u16, body: &Value, elapsed: Duration) {
    assert!(
        elapsed < BOUND,
        "{}: answered after {elapsed:?}",
        attack.name
    );
    assert!(status < 500, "{}: status {status}: {body}", attack.name);
    let codes = error_codes(body);
    assert!(
        !codes
            .iter()
            .any(|c| c == "INTERNAL_SERVER_ERROR" || c == "<none>"),
        "{}: {body}",
        attack.name
    );
}

async fn assert_alive(app: &TestApp, after: &str) {
    let health = reqwest::Client::new()
        .get(format!("{}/healthz", app.address))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|err| panic!("after {after}: /healthz did not answer: {err}"));
    assert_eq!(health.status().as_u16(), 200, "after {after}");
    let data = app
        .query("{ publications(first: 1) { totalCount } }", json!({}))
        .await;
    assert!(
        data["publications"]["totalCount"].as_i64().is_some(),
        "after {after}"
    );
}

async fn every_hostile_request_is_refused_cleanly_and_the_service_stays_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app
        .query(
            "{ publications(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = page["publications"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor");
    let mut refused = 0;
    for attack in query_corpus(cursor) {
        let (status, body, elapsed) = send(&app, &attack, None).await;
        assert_refused_cleanly(&attack, status, &body, elapsed);
        if !error_codes(&body).is_empty() {
            refused += 1;
        }
        assert_alive(&app, &attack.name).await;
    }
    // The few harmless shapes in the corpus (20 nesting levels, 9 filter levels) are
    // answered; everything else is refused.
    assert!(refused > 80, "only {refused} attacks were refused");
}

/// The same corpus as `subscribe` messages over a WebSocket, then attacks on the protocol
/// itself: each gets an `error` (or a `next` and `complete` for the harmless shapes) or a
/// close with a documented code, within the bound, and the process stays up.
async fn every_hostile_request_is_refused_cleanly_over_a_websocket_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app
        .query(
            "{ publications(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await;
    let cursor = page["publications"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor");
    let mut ws = Ws::connect(&app.address, None).await;
    for (n, attack) in query_corpus(cursor).into_iter().enumerate() {
        let started = Instant::now();
        ws.send_text(format!(
            r#"{{"type":"subscribe","id":"{n}","payload":{{"query":{},"variables":{}}}}}"#,
            Value::String(attack.query.clone()),
            attack.variables
        ))
        .await;
        match ws.next_within(BOUND).await {
            Ok(Some(message)) => {
                assert!(
                    message.to_string().len() <= MAX_RESPONSE_BYTES,
                    "{}: a message of {} bytes",
                    attack.name,
                    message.to_string().len()
                );
                let body = match message["type"].as_str() {
                    Some("error") => json!({ "errors": message["payload"] }),
                    Some("next") => {
                        let complete = ws.next().await;
                        assert_eq!(complete["type"], "complete", "{}: {complete}", attack.name);
                        message["payload"].clone()
                    }
                    _ => panic!("{}: {message}", attack.name),
                };
                assert_refused_cleanly(&attack, 200, &body, started.elapsed());
            }
            Ok(None) => panic!("{}: no answer within {BOUND:?}", attack.name),
            Err(closed) => {
                // JSON nested deeper than the message reader goes: the message is refused whole.
                assert_eq!(closed.code, 4400, "{}: {closed:?}", attack.name);
                ws = Ws::connect(&app.address, None).await;
            }
        }
        assert_alive(&app, &attack.name).await;
    }

    // The protocol: each closes the connection with its code, and the process goes on.
    let too_large = "x".repeat(2 * 1024 * 1024);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let long_id = "i".repeat(10_000);
    let frames: Vec<(&str, String)> = vec![
        ("a frame over MAX_BODY_BYTES", too_large),
        ("JSON nested 100,000 deep", deep),
        ("not JSON", "{\"type\": \"subscribe\", ".into()),
        (
            "a 10,000-byte id",
            json!({ "type": "subscribe", "id": long_id, "payload": { "query": "{ revision }" } })
                .to_string(),
        ),
        (
            "a payload that is not an object",
            json!({ "type": "subscribe", "id": "1", "payload": "{ revision }" }).to_string(),
        ),
    ];
    for (name, frame) in frames {
        let mut ws = Ws::connect(&app.address, None).await;
        ws.send_text(frame).await;
        let closed = ws.closed().await;
        assert_eq!(closed.code, 4400, "{name}: {closed:?}");
        assert_alive(&app, name).await;
    }
    let mut ws = Ws::connect(&app.address, None).await;
    ws.send_binary(vec![0; 1024]).await;
    assert_eq!(ws.closed().await.code, 4400, "a binary frame");

    // A flood of subscriptions on one connection: past the limit, each is refused.
    let mut ws = Ws::connect(&app.address, None).await;
    for n in 0..200 {
        ws.subscribe(
            &n.to_string(),
            "subscription { publicationEvents { revision } }",
            json!({}),
        )
        .await;
    }
    let mut refused = 0;
    while let Ok(Some(message)) = ws.next_within(Duration::from_secs(2)).await {
        assert_eq!(message["type"], "error", "{message}");
        assert_eq!(
            message["payload"][0]["extensions"]["code"],
            "TOO_MANY_SUBSCRIPTIONS"
        );
        refused += 1;
    }
    assert_eq!(
        refused, 180,
        "20 subscriptions run, the other 180 are refused"
    );
    assert_alive(&app, "a flood of subscriptions").await;
}

fn mutation_corpus() -> Vec<Attack> {
    let create = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id } userErrors { field code } } }";
    let submit = "mutation($input: SubmitPublicationInput!) { submitPublication(input: $input) { userErrors { field code } } }";
    let author = |name: &str| json!([{ "new": { "name": name } }]);
    vec![
        attack(
            "NUL in a new publication's title",
            create,
            json!({ "input": { "title": "A\u{0}B", "kind": "JOURNAL_ARTICLE", "authors": author("Ada Example") } }),
        ),
        attack(
            "NUL in a new author's name",
            create,
            json!({ "input": { "title": "Fine", "kind": "JOURNAL_ARTICLE", "authors": author("Ada\u{0}") } }),
        ),
        attack(
            "NUL inline in a mutation",
            r#"mutation { createPublication(input: { title: "x\u0000", kind: JOURNAL_ARTICLE }) { userErrors { code } } }"#,
            json!({}),
        ),
        attack(
            "NUL in a submission",
            submit,
            json!({ "input": { "title": "A\u{0}", "authors": ["Ada"], "submitterEmail": "a@example.org" } }),
        ),
        attack(
            "a 5,000-character DOI",
            create,
            json!({ "input": { "title": "Fine", "kind": "JOURNAL_ARTICLE", "authors": author("Ada Example"), "doi": format!("10.1234/{}", "x".repeat(5_000)) } }),
        ),
        attack(
            "an arXiv id of month 13",
            create,
            json!({ "input": { "title": "Fine", "kind": "JOURNAL_ARTICLE", "authors": author("Ada Example"), "arxivId": "2113.00001" } }),
        ),
        attack(
            "year 0000",
            create,
            json!({ "input": { "title": "Fine", "kind": "JOURNAL_ARTICLE", "authors": author("Ada Example"), "publishedOn": "0000" } }),
        ),
        attack(
            "a 600-level nested mutation input",
            format!(
                "mutation {{ createPublication(input: {{ title: \"x\", kind: JOURNAL_ARTICLE, authors: {} }}) {{ userErrors {{ code }} }} }}",
                nest("[", "{ new: { name: \"A\" } }", "]", 600)
            ),
            json!({}),
        ),
    ]
}

async fn every_hostile_mutation_is_refused_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("mallory").await;
    let count = "{ publications(filter: { statuses: [DRAFT, PUBLISHED, ARCHIVED] }) { totalCount } authors(first: 1) { totalCount } }";
    let before = app.graphql_as(&token, count, json!({})).await;

    for attack in mutation_corpus() {
        let (status, body, elapsed) = send(&app, &attack, Some(&token)).await;
        assert_refused_cleanly(&attack, status, &body, elapsed);
        let refused = !error_codes(&body).is_empty()
            || body["data"]
                .as_object()
                .and_then(|data| data.values().next())
                .and_then(|payload| payload["userErrors"].as_array())
                .is_some_and(|errors| !errors.is_empty());
        assert!(refused, "{}: accepted: {body}", attack.name);
        assert_alive(&app, &attack.name).await;
    }

    let after = app.graphql_as(&token, count, json!({})).await;
    assert_eq!(before, after, "a hostile mutation wrote something");
}
