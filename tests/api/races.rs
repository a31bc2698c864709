//! Concurrent requests that race for the same limit, tree or unique value: the limit holds
//! exactly, the tree stays a tree, and a lost race is a user error naming the field, never an
//! internal error.

use std::collections::HashMap;
use std::sync::Arc;

use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app_with};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

on_both_databases!(
    concurrent_submissions_from_one_address_accept_exactly_the_limit,
    concurrent_topic_moves_never_close_a_cycle,
    two_publications_entering_the_same_new_venue_at_once_share_one_venue,
    of_two_venues_or_topics_created_at_once_with_one_name_one_is_a_duplicate,
    authors_created_at_once_get_free_slugs_or_a_duplicate_orcid,
    merges_of_two_authors_into_each_other_at_once_leave_one_author,
);

/// A server with a pool large enough for the racing requests to be in flight together.
async fn racing_app(backend: Backend, settings: &[(&str, &str)]) -> Arc<TestApp> {
    let mut all = vec![("DATABASE_MAX_CONNECTIONS", "10")];
    all.extend_from_slice(settings);
    Arc::new(spawn_app_with(backend, &all).await)
}

/// Sends every request at once, each as the token's editor (or anonymously without a token),
/// and returns the HTTP status and JSON body of each, in the order given.
async fn all_at_once(
    app: &Arc<TestApp>,
    token: Option<&str>,
    requests: Vec<(&'static str, Value)>,
) -> Vec<(u16, Value)> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(query, variables)| {
            let app = Arc::clone(app);
            let token = token.map(str::to_owned);
            tokio::spawn(async move {
                let response = match &token {
                    Some(token) => app.post_as(token, query, variables).await,
                    None => app.post(query, variables).await,
                };
                let status = response.status().as_u16();
                let body: Value = response.json().await.expect("a JSON response");
                (status, body)
            })
        })
        .collect();
    let mut responses = Vec::with_capacity(tasks.len());
    for task in tasks {
        responses.push(task.await.expect("the request task finishes"));
    }
    responses
}

fn assert_no_internal_error(responses: &[(u16, Value)]) {
    for (status, body) in responses {
        assert!(
            !error_codes(body)
                .iter()
                .any(|code| code == "INTERNAL_SERVER_ERROR"),
            "a lost race became an internal error ({status}): {body}"
        );
    }
}

async fn count_where(app: &TestApp, sql: &str) -> i64 {
    let backend = app.db.get_database_backend();
    app.db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

const SUBMIT: &str = r#"
mutation Submit($input: SubmitPublicationInput!) {
  submitPublication(input: $input) { received userErrors { field code } }
}"#;

async fn concurrent_submissions_from_one_address_accept_exactly_the_limit(backend: Backend) {
    let app = racing_app(backend, &[("SUBMISSIONS_PER_HOUR", "5")]).await;

    for round in 0..3 {
        // Arrange: a fresh hour for the client.
        app.db
            .execute_unprepared("DELETE FROM submission")
            .await
            .expect("the window is cleared");
        let before = count_where(&app, "SELECT count(*) AS n FROM publication").await;
        let forms = (0..20)
            .map(|i| {
                (
                    SUBMIT,
                    json!({ "input": {
                        "title": format!("Concurrent submission {round}-{i}"),
                        "authors": ["Ada Example"],
                        "submitterName": "Ada",
                        "submitterEmail": "ada@lab.example.org",
                    } }),
                )
            })
            .collect();

        // Act
        let responses = all_at_once(&app, None, forms).await;

        // Assert
        assert_no_internal_error(&responses);
        let accepted = responses
            .iter()
            .filter(|(status, body)| {
                *status == 200 && body["data"]["submitPublication"]["received"] == true
            })
            .count();
        let limited = responses
            .iter()
            .filter(|(status, body)| *status == 429 && error_codes(body) == ["RATE_LIMITED"])
            .count();
        assert_eq!(accepted, 5, "round {round}: {responses:#?}");
        assert_eq!(limited, 15, "round {round}: {responses:#?}");
        assert_eq!(
            count_where(&app, "SELECT count(*) AS n FROM publication").await,
            before + 5,
            "round {round}"
        );
    }
}

const CREATE_TOPIC: &str = "mutation($name: String!) { createTopic(input: { name: $name }) { topic { id } userErrors { field code } } }";
const MOVE_TOPIC: &str = "mutation($input: UpdateTopicInput!) { updateTopic(input: $input) { topic { id } userErrors { field message code } } }";

async fn concurrent_topic_moves_never_close_a_cycle(backend: Backend) {
    let app = racing_app(backend, &[]).await;
    let token = app.editor_token("editor").await;
    let mut ids = Vec::new();
    for name in ["Race X", "Race Y", "Race Z"] {
        let created = app
            .graphql_as(&token, CREATE_TOPIC, json!({ "name": name }))
            .await;
        ids.push(created["data"]["createTopic"]["topic"]["id"].clone());
    }
    assert!(ids.iter().all(Value::is_string), "{ids:?}");

    for round in 0..8 {
        // Arrange: three roots.
        for id in &ids {
            let version = topic_version(&app, &token, id).await;
            let reset = app
                .graphql_as(
                    &token,
                    MOVE_TOPIC,
                    json!({ "input": { "id": id, "expectedVersion": version, "parentId": null } }),
                )
                .await;
            assert_eq!(
                reset["data"]["updateTopic"]["userErrors"],
                json!([]),
                "{reset}"
            );
        }
        let mut versions = Vec::new();
        for id in &ids {
            versions.push(topic_version(&app, &token, id).await);
        }
        let moves = (0..3)
            .map(|i| {
                (
                    MOVE_TOPIC,
                    json!({ "input": { "id": ids[i], "expectedVersion": versions[i], "parentId": ids[(i + 1) % 3] } }),
                )
            })
            .collect();

        // Act: X under Y, Y under Z, Z under X, all at once.
        let responses = all_at_once(&app, Some(&token), moves).await;

        // Assert
        assert_no_internal_error(&responses);
        let refused: Vec<&Value> = responses
            .iter()
            .map(|(_, body)| &body["data"]["updateTopic"]["userErrors"])
            .filter(|errors| errors.as_array().is_some_and(|e| !e.is_empty()))
            .collect();
        assert!(!refused.is_empty(), "round {round}: all three moves passed");
        for errors in &refused {
            assert_eq!(errors[0]["field"], json!(["input", "parentId"]), "{errors}");
            assert_eq!(errors[0]["code"], "INVALID", "{errors}");
        }
        let parents = topic_parents(&app, &token).await;
        for start in parents.keys() {
            let mut seen = vec![start.clone()];
            let mut current = parents.get(start).cloned().flatten();
            while let Some(parent) = current {
                assert!(
                    !seen.contains(&parent),
                    "round {round}: the topics {seen:?} form a cycle"
                );
                seen.push(parent.clone());
                current = parents.get(&parent).cloned().flatten();
            }
        }
    }
}

/// Every topic's parent id, as editors see the tree.
/// The version of the topic `id`, for an update's `expectedVersion`.
async fn topic_version(app: &TestApp, token: &str, id: &Value) -> Value {
    let answer = app
        .graphql_as(
            token,
            "query($id: ID!) { node(id: $id) { ... on Topic { version } } }",
            json!({ "id": id }),
        )
        .await;
    let version = answer["data"]["node"]["version"].clone();
    assert!(version.is_i64(), "a topic version: {answer}");
    version
}

async fn topic_parents(app: &TestApp, token: &str) -> HashMap<String, Option<String>> {
    let listed = app
        .graphql_as(
            token,
            "{ topics(first: 100) { nodes { id parent { id } } } }",
            json!({}),
        )
        .await;
    let nodes = listed["data"]["topics"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("a topic list: {listed}"));
    nodes
        .iter()
        .map(|node| {
            (
                node["id"].as_str().unwrap_or_default().to_owned(),
                node["parent"]["id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

const CREATE_PUBLICATION: &str = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id venue { id name } } userErrors { field message code } } }";

async fn two_publications_entering_the_same_new_venue_at_once_share_one_venue(backend: Backend) {
    let app = racing_app(backend, &[]).await;
    let token = app.editor_token("editor").await;

    for round in 0..5 {
        // Arrange
        let venue = format!("Workshop on Races {round}");
        let entries = (0..2)
            .map(|i| {
                (
                    CREATE_PUBLICATION,
                    json!({ "input": {
                        "title": format!("Racing paper {round}-{i}"),
                        "kind": "WORKSHOP_PAPER",
                        "venue": { "new": { "name": venue, "kind": "WORKSHOP" } },
                        "topics": [{ "name": format!("Race topic {round}") }],
                        "authors": [{ "new": { "name": format!("Racing Author {round}") } }],
                    } }),
                )
            })
            .collect();

        // Act
        let responses = all_at_once(&app, Some(&token), entries).await;

        // Assert: as if one came after the other.
        assert_no_internal_error(&responses);
        let venues: Vec<&Value> = responses
            .iter()
            .map(|(_, body)| {
                assert_eq!(
                    body["data"]["createPublication"]["userErrors"],
                    json!([]),
                    "round {round}: {body}"
                );
                &body["data"]["createPublication"]["publication"]["venue"]["id"]
            })
            .collect();
        assert!(venues[0].is_string(), "{responses:?}");
        assert_eq!(venues[0], venues[1], "round {round}");
        assert_eq!(
            count_where(
                &app,
                &format!("SELECT count(*) AS n FROM topic WHERE name = 'Race topic {round}'")
            )
            .await,
            1
        );
    }
}

async fn of_two_venues_or_topics_created_at_once_with_one_name_one_is_a_duplicate(
    backend: Backend,
) {
    let app = racing_app(backend, &[]).await;
    let token = app.editor_token("editor").await;
    let create_venue = "mutation($name: String!) { createVenue(input: { name: $name, kind: CONFERENCE }) { venue { id } userErrors { field message code } } }";

    for round in 0..5 {
        // Arrange
        let venue = json!({ "name": format!("Conference on Races {round}") });
        let topic = json!({ "name": format!("Racing topic {round}") });

        // Act
        let responses = all_at_once(
            &app,
            Some(&token),
            vec![
                (create_venue, venue.clone()),
                (create_venue, venue),
                (CREATE_TOPIC, topic.clone()),
                (CREATE_TOPIC, topic),
            ],
        )
        .await;

        // Assert
        assert_no_internal_error(&responses);
        for (pair, field) in [
            (&responses[0..2], "createVenue"),
            (&responses[2..4], "createTopic"),
        ] {
            let errors: Vec<&Value> = pair
                .iter()
                .map(|(_, body)| &body["data"][field]["userErrors"])
                .collect();
            let created = errors.iter().filter(|e| **e == &json!([])).count();
            assert_eq!(created, 1, "round {round}: {pair:?}");
            let duplicate = errors
                .iter()
                .find(|e| **e != &json!([]))
                .unwrap_or_else(|| panic!("one duplicate: {pair:?}"));
            assert_eq!(duplicate[0]["code"], "DUPLICATE", "{duplicate}");
            assert_eq!(
                duplicate[0]["field"],
                json!(["input", "name"]),
                "{duplicate}"
            );
        }
    }
}

async fn authors_created_at_once_get_free_slugs_or_a_duplicate_orcid(backend: Backend) {
    let app = racing_app(backend, &[]).await;
    let token = app.editor_token("editor").await;
    let create_author = "mutation($input: CreateAuthorInput!) { createAuthor(input: $input) { author { slug } userErrors { field message code } } }";
    let orcids = [
        "0000-0002-1825-0097",
        "0000-0001-5109-3700",
        "0000-0002-1694-233X",
    ];

    for (round, orcid) in orcids.iter().enumerate() {
        // Arrange: two authors of one name (allowed), two with one ORCID iD (not).
        let name = json!({ "input": { "name": format!("Namesake Racer {round}") } });
        let same_orcid = |i: usize| json!({ "input": { "name": format!("Orcid Racer {round}-{i}"), "orcid": orcid } });

        // Act
        let responses = all_at_once(
            &app,
            Some(&token),
            vec![
                (create_author, name.clone()),
                (create_author, name),
                (create_author, same_orcid(0)),
                (create_author, same_orcid(1)),
            ],
        )
        .await;

        // Assert
        assert_no_internal_error(&responses);
        let mut slugs: Vec<&str> = responses[0..2]
            .iter()
            .map(|(_, body)| {
                body["data"]["createAuthor"]["author"]["slug"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a created author: {body}"))
            })
            .collect();
        slugs.sort_unstable();
        assert_eq!(
            slugs,
            [
                format!("namesake-racer-{round}"),
                format!("namesake-racer-{round}-2")
            ],
            "round {round}"
        );
        let errors: Vec<&Value> = responses[2..4]
            .iter()
            .map(|(_, body)| &body["data"]["createAuthor"]["userErrors"])
            .collect();
        assert_eq!(
            errors.iter().filter(|e| **e == &json!([])).count(),
            1,
            "round {round}: {errors:?}"
        );
        let duplicate = errors
            .iter()
            .find(|e| **e != &json!([]))
            .unwrap_or_else(|| panic!("one duplicate: {errors:?}"));
        assert_eq!(duplicate[0]["code"], "DUPLICATE", "{duplicate}");
        assert_eq!(
            duplicate[0]["field"],
            json!(["input", "orcid"]),
            "{duplicate}"
        );
    }
}

const CREATE_PUBLICATION_BY: &str = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { authors(first: 5) { nodes { id name } } } userErrors { code } } }";

async fn merges_of_two_authors_into_each_other_at_once_leave_one_author(backend: Backend) {
    let app = racing_app(backend, &[]).await;
    let token = app.editor_token("editor").await;
    let merge = "mutation($input: MergeAuthorsInput!) { mergeAuthors(input: $input) { author { id } userErrors { field message code } } }";

    for round in 0..5 {
        // Arrange: A and B, each on a publication of their own and one together.
        let (a, b) = (format!("Merger A{round}"), format!("Merger B{round}"));
        let mut ids = Vec::new();
        for (i, name) in [&a, &b].into_iter().enumerate() {
            let created = app
                .graphql_as(
                    &token,
                    CREATE_PUBLICATION_BY,
                    json!({ "input": { "title": format!("Merge paper {round}-{i}"), "kind": "PREPRINT", "authors": [{ "new": { "name": name } }] } }),
                )
                .await;
            ids.push(
                created["data"]["createPublication"]["publication"]["authors"]["nodes"][0]["id"]
                    .clone(),
            );
        }
        let together = app
            .graphql_as(
                &token,
                CREATE_PUBLICATION_BY,
                json!({ "input": { "title": format!("Merge paper {round}-both"), "kind": "PREPRINT", "authors": [{ "id": ids[0] }, { "id": ids[1] }] } }),
            )
            .await;
        assert_eq!(
            together["data"]["createPublication"]["userErrors"],
            json!([]),
            "{together}"
        );
        assert!(ids.iter().all(Value::is_string), "{ids:?}");

        // Act: A into B and B into A at once.
        let responses = all_at_once(
            &app,
            Some(&token),
            vec![
                (
                    merge,
                    json!({ "input": { "sourceIds": [ids[0]], "targetId": ids[1] } }),
                ),
                (
                    merge,
                    json!({ "input": { "sourceIds": [ids[1]], "targetId": ids[0] } }),
                ),
            ],
        )
        .await;

        // Assert: one merge happened; the other found its target gone.
        assert_no_internal_error(&responses);
        let errors: Vec<&Value> = responses
            .iter()
            .map(|(_, body)| &body["data"]["mergeAuthors"]["userErrors"])
            .collect();
        assert_eq!(
            errors.iter().filter(|e| **e == &json!([])).count(),
            1,
            "round {round}: {responses:?}"
        );
        let lost = errors
            .iter()
            .find(|e| **e != &json!([]))
            .unwrap_or_else(|| panic!("one lost merge: {errors:?}"));
        assert_eq!(lost[0]["code"], "NOT_FOUND", "{lost}");
        assert_eq!(lost[0]["field"], json!(["input", "targetId"]), "{lost}");
        assert_eq!(
            count_where(
                &app,
                &format!("SELECT count(*) AS n FROM author WHERE name IN ('{a}', '{b}')")
            )
            .await,
            1,
            "round {round}"
        );
    }
}
