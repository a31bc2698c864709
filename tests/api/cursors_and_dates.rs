//! Tampered cursors and impossible dates are the client's errors, with a code that says so
//! and the argument named, never internal errors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use catalogue_tests::{Backend, error_codes, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    tampered_cursors_are_invalid_cursor_errors_naming_the_argument,
    impossible_dates_in_filters_are_bad_user_input,
);

const PAGE: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String, $orderBy: [PublicationOrder!]) {
  publications(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
    pageInfo { endCursor }
    nodes { title }
  }
}"#;

/// A cursor's document, decoded.
fn open(cursor: &Value) -> Value {
    let raw = cursor.as_str().expect("a cursor");
    let bytes = URL_SAFE_NO_PAD.decode(raw).expect("base64");
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The cursor of `document`, encoded as the server encodes its own.
fn seal(document: &Value) -> String {
    URL_SAFE_NO_PAD.encode(document.to_string())
}

async fn tampered_cursors_are_invalid_cursor_errors_naming_the_argument(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.query(PAGE, json!({ "first": 2 })).await;
    let cursor = open(&first["publications"]["pageInfo"]["endCursor"]);
    let ordering = cursor["o"].clone();
    let key = cursor["k"].as_array().expect("a key").clone();
    assert_eq!(key.len(), 2, "{cursor}");
    let created_page = app
        .query(
            PAGE,
            json!({ "first": 1, "orderBy": [{ "field": "CREATED_AT", "direction": "ASC" }] }),
        )
        .await;
    let by_created = open(&created_page["publications"]["pageInfo"]["endCursor"]);
    let tampered = [
        json!([key[0]]),
        json!([key[0], key[1], 1]),
        json!([]),
        json!([key[0], "seven"]),
        json!([key[0], 1.5]),
        json!([key[0], null]),
        json!([7, key[1]]),
        json!([{ "nested": true }, key[1]]),
        json!(["2022-02-30", key[1]]),
        json!(["2022-13-01", key[1]]),
        json!(["+275760-09-13", key[1]]),
        json!(["'; DROP TABLE publication; --", key[1]]),
    ];

    for bad_key in tampered {
        for argument in ["after", "before"] {
            let raw = seal(&json!({ "o": ordering, "k": bad_key }));
            let variables = match argument {
                "after" => json!({ "first": 2, "after": raw }),
                _ => json!({ "last": 2, "before": raw }),
            };
            let answer = app.graphql(PAGE, variables).await;
            assert_eq!(
                error_codes(&answer),
                ["INVALID_CURSOR"],
                "{bad_key}: {answer}"
            );
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with(&format!("{argument}: not a cursor")),
                "{bad_key}: {answer}"
            );
        }
    }
    let created_order = json!([{ "field": "CREATED_AT", "direction": "ASC" }]);
    for bad_time in [json!("yesterday"), json!(12), json!("2024-02-30T00:00:00Z")] {
        let raw = seal(&json!({ "o": by_created["o"], "k": [bad_time, by_created["k"][1]] }));
        let answer = app
            .graphql(
                PAGE,
                json!({ "first": 1, "after": raw, "orderBy": created_order }),
            )
            .await;
        assert_eq!(
            error_codes(&answer),
            ["INVALID_CURSOR"],
            "{bad_time}: {answer}"
        );
    }
    // The untouched cursor still works.
    let next = app
        .query(PAGE, json!({ "first": 2, "after": seal(&cursor) }))
        .await;
    assert!(next["publications"]["nodes"].as_array().is_some());
    let alive = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(alive["data"]["__typename"], "Query");
}

async fn impossible_dates_in_filters_are_bad_user_input(backend: Backend) {
    let app = spawn_app(backend).await;
    let with_variable =
        r#"query($filter: PublicationFilter) { publications(filter: $filter) { totalCount } }"#;

    for bad in [
        "2022-13-01",
        "2022-02-30",
        "garbage",
        "+12345-01-01",
        "0000-01-01",
    ] {
        let literal = format!(
            r#"{{ publications(filter: {{ publishedOn: {{ from: "{bad}" }} }}) {{ totalCount }} }}"#
        );
        for answer in [
            app.graphql(&literal, json!({})).await,
            app.graphql(
                with_variable,
                json!({ "filter": { "publishedOn": { "to": bad } } }),
            )
            .await,
        ] {
            assert_eq!(error_codes(&answer), ["BAD_USER_INPUT"], "{bad}: {answer}");
            let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains(bad), "{bad}: {answer}");
            assert!(message.contains("Date"), "{bad}: {answer}");
            assert!(
                answer["errors"][0]["extensions"].get("requestId").is_none(),
                "{answer}"
            );
        }
    }
    let fine = app
        .query(
            r#"{ publications(filter: { publishedOn: { from: "2022-02-28", to: "2024-02-29" } }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert!(fine["publications"]["totalCount"].as_i64().is_some());
}
