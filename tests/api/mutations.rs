use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

on_both_databases!(
    every_editor_mutation_is_refused_without_a_valid_token_and_writes_nothing,
    the_viewer_is_the_tokens_name_and_role,
    an_editor_enters_a_paper_with_new_authors_venue_and_topics_in_one_call,
    bad_input_is_reported_per_field_and_nothing_is_written,
    a_doi_that_exists_is_a_duplicate_naming_the_entry,
    an_update_is_a_patch_and_a_stale_version_changes_nothing,
    of_two_concurrent_updates_at_one_version_exactly_one_wins,
    a_mutation_that_fails_half_way_leaves_no_row_behind,
    the_author_list_can_be_reordered_and_replaced,
    a_publication_is_deleted_only_at_its_current_version,
    upsert_updates_the_publication_with_the_same_doi,
    upsert_keeps_the_status_authors_and_topics_the_input_leaves_out,
);

async fn count(app: &TestApp, table: &str) -> i64 {
    let backend: DbBackend = app.db.get_database_backend();
    app.db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT count(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

async fn row_counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "publication",
        "author",
        "venue",
        "topic",
        "publication_author",
        "publication_topic",
        "history",
    ] {
        counts.push(count(app, table).await);
    }
    counts
}

async fn every_editor_mutation_is_refused_without_a_valid_token_and_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let revoked = app.editor_token("former-editor").await;
    api::service::token::revoke(&app.db, "former-editor")
        .await
        .expect("revoke");
    let schema = app
        .query(
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let fields: Vec<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutation fields")
        .iter()
        .map(|field| field["name"].as_str().expect("name").to_owned())
        .filter(|name| name != "submitPublication")
        .collect();
    let before = row_counts(&app).await;

    let mut answers = Vec::new();
    for field in &fields {
        let mutation = format!("mutation {{ {field}(input: {{}}) {{ __typename }} }}");
        let anonymous = app.post(&mutation, json!({})).await;
        let with_revoked = app.post_as(&revoked, &mutation, json!({})).await;
        let with_garbage = app.post_as("not-a-token", &mutation, json!({})).await;
        for response in [anonymous, with_revoked, with_garbage] {
            let status = response.status().as_u16();
            let body: Value = response.json().await.expect("JSON");
            answers.push((
                field.clone(),
                status,
                body["errors"][0]["extensions"]["code"].clone(),
            ));
        }
    }

    assert!(fields.len() >= 5, "too few mutations found: {fields:?}");
    for (field, status, code) in &answers {
        assert_eq!(
            (*status, code.as_str()),
            (401, Some("UNAUTHENTICATED")),
            "{field}"
        );
    }
    assert_eq!(row_counts(&app).await, before);
}

async fn the_viewer_is_the_tokens_name_and_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("lab-website").await;
    let query = "{ viewer { isAuthenticated name role canEdit } }";

    let anonymous = app.query(query, json!({})).await;
    let editor = app.graphql_as(&token, query, json!({})).await;

    assert_eq!(
        anonymous["viewer"],
        json!({ "isAuthenticated": false, "name": null, "role": null, "canEdit": false })
    );
    assert_eq!(
        editor["data"]["viewer"],
        json!({ "isAuthenticated": true, "name": "lab-website", "role": "EDITOR", "canEdit": true })
    );
}

const CREATE: &str = r#"
mutation Create($input: CreatePublicationInput!) {
  createPublication(input: $input) {
    clientMutationId
    publication {
      id slug title status version publishedOnDisplay doi
      venue { name kind }
      topics { name }
      authors(first: 10) { edges { position node { id name orcid } } }
      history { action actor fields }
    }
    userErrors { field message code }
  }
}"#;

fn rita_v2(doi: &str) -> Value {
    json!({
        "clientMutationId": "form-1",
        "title": "RITA 2: Larger Protein Language Models",
        "kind": "PREPRINT",
        "publishedOn": "2023-05",
        "doi": doi,
        "venue": { "new": { "name": "bioRxiv", "kind": "PREPRINT_SERVER" } },
        "topics": [{ "name": "LLMs for Biology" }, { "name": "Protein Design" }],
        "authors": [
            { "new": { "name": "Ada Example", "orcid": "0000-0002-1825-0097" } },
            { "new": { "name": "Grace Example" } },
        ],
    })
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.graphql_as(token, CREATE, json!({ "input": input }))
        .await
}

async fn an_editor_enters_a_paper_with_new_authors_venue_and_topics_in_one_call(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor-ada").await;

    let answer = create(&app, &token, rita_v2("10.1101/2023.05.01.1")).await;

    let payload = &answer["data"]["createPublication"];
    assert_eq!(payload["userErrors"], json!([]), "{answer}");
    assert_eq!(payload["clientMutationId"], "form-1");
    let publication = &payload["publication"];
    assert_eq!(publication["slug"], "rita-2-larger-protein-language-models");
    assert_eq!(publication["status"], "DRAFT");
    assert_eq!(publication["version"], 1);
    assert_eq!(publication["publishedOnDisplay"], "May 2023");
    assert_eq!(
        publication["venue"],
        json!({ "name": "bioRxiv", "kind": "PREPRINT_SERVER" })
    );
    assert_eq!(
        publication["topics"],
        json!([{ "name": "LLMs for Biology" }, { "name": "Protein Design" }])
    );
    let edges = publication["authors"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 2);
    assert_eq!(
        (
            edges[0]["position"].clone(),
            edges[0]["node"]["name"].clone()
        ),
        (json!(1), json!("Ada Example"))
    );
    assert_eq!(edges[0]["node"]["orcid"], "0000-0002-1825-0097");
    assert_eq!(edges[1]["node"]["name"], "Grace Example");
    assert_eq!(publication["history"][0]["action"], "CREATE");
    assert_eq!(publication["history"][0]["actor"], "editor-ada");
    // A draft: editors see it, anonymous callers do not.
    let id = publication["id"].clone();
    let query = "query($id: ID!) { node(id: $id) { id } }";
    assert_eq!(
        app.query(query, json!({ "id": id })).await["node"],
        Value::Null
    );
    assert_eq!(
        app.graphql_as(&token, query, json!({ "id": id })).await["data"]["node"]["id"],
        id
    );
}

async fn bad_input_is_reported_per_field_and_nothing_is_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let before = row_counts(&app).await;
    let mut input = rita_v2("not a doi");
    input["title"] = json!("   ");
    input["publishedOn"] = json!("April 2022");
    input["authors"][1]["new"]["orcid"] = json!("0000-0002-1825-0098");

    let answer = create(&app, &token, input).await;

    let payload = &answer["data"]["createPublication"];
    assert_eq!(payload["publication"], Value::Null);
    let mut errors: Vec<(String, String)> = payload["userErrors"]
        .as_array()
        .expect("userErrors")
        .iter()
        .map(|e| {
            (
                e["field"]
                    .as_array()
                    .expect("field")
                    .iter()
                    .map(|p| p.as_str().expect("part"))
                    .collect::<Vec<_>>()
                    .join("."),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("input.authors.1.new.orcid".to_owned(), "INVALID".to_owned()),
            ("input.doi".to_owned(), "INVALID".to_owned()),
            ("input.publishedOn".to_owned(), "INVALID".to_owned()),
            ("input.title".to_owned(), "INVALID".to_owned()),
        ],
        "{answer}"
    );
    let orcid_message = payload["userErrors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["field"][2] == "1")
        .expect("orcid error")["message"]
        .clone();
    assert!(
        orcid_message
            .as_str()
            .is_some_and(|m| m.contains("check digit")),
        "{orcid_message}"
    );
    assert_eq!(row_counts(&app).await, before);
}

async fn a_doi_that_exists_is_a_duplicate_naming_the_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    create(&app, &token, rita_v2("10.1101/2023.05.01.1")).await;
    let before = row_counts(&app).await;
    let mut again = rita_v2("https://doi.org/10.1101/2023.05.01.1");
    again["title"] = json!("Another title");
    again["authors"] = json!([{ "new": { "name": "Someone New" } }]);

    let answer = create(&app, &token, again).await;

    let error = &answer["data"]["createPublication"]["userErrors"][0];
    assert_eq!(error["code"], "DUPLICATE", "{answer}");
    assert_eq!(error["field"], json!(["input", "doi"]));
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("RITA 2: Larger Protein Language Models")),
        "{error}"
    );
    assert_eq!(row_counts(&app).await, before);
}

const UPDATE: &str = r#"
mutation Update($input: UpdatePublicationInput!) {
  updatePublication(input: $input) {
    publication { title abstract version publishedOn status url history { action fields } }
    userErrors { field message code }
  }
}"#;

async fn created_id(app: &TestApp, token: &str) -> Value {
    create(app, token, rita_v2("10.1101/2023.05.01.1")).await["data"]["createPublication"]["publication"]["id"].clone()
}

async fn an_update_is_a_patch_and_a_stale_version_changes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = created_id(&app, &token).await;

    let first = app
        .graphql_as(&token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "abstract": "Bigger models.", "url": "https://example.org/rita2" } }))
        .await;
    let cleared = app
        .graphql_as(&token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 2, "publishedOn": null, "status": "PUBLISHED" } }))
        .await;
    let stale = app
        .graphql_as(
            &token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 2, "title": "Too late" } }),
        )
        .await;

    let after_first = &first["data"]["updatePublication"]["publication"];
    assert_eq!(after_first["abstract"], "Bigger models.", "{first}");
    assert_eq!(
        after_first["title"],
        "RITA 2: Larger Protein Language Models"
    );
    assert_eq!(after_first["publishedOn"], "2023-05");
    assert_eq!(after_first["version"], 2);
    let after_clear = &cleared["data"]["updatePublication"]["publication"];
    assert_eq!(after_clear["publishedOn"], Value::Null, "{cleared}");
    assert_eq!(after_clear["abstract"], "Bigger models.");
    assert_eq!(after_clear["url"], "https://example.org/rita2");
    assert_eq!(after_clear["status"], "PUBLISHED");
    assert_eq!(after_clear["version"], 3);
    assert_eq!(
        after_clear["history"][1]["fields"],
        json!(["abstract", "url"])
    );
    assert_eq!(
        after_clear["history"][2]["fields"],
        json!(["status", "publishedOn"])
    );
    assert_eq!(
        stale["data"]["updatePublication"]["userErrors"][0]["code"], "CONFLICT",
        "{stale}"
    );
    assert_eq!(
        stale["data"]["updatePublication"]["publication"],
        Value::Null
    );
    let now = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { title version } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        now["data"]["node"],
        json!({ "title": "RITA 2: Larger Protein Language Models", "version": 3 })
    );
}

async fn of_two_concurrent_updates_at_one_version_exactly_one_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = created_id(&app, &token).await;

    let (a, b) = tokio::join!(
        app.graphql_as(
            &token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "title": "Title by A" } })
        ),
        app.graphql_as(
            &token,
            UPDATE,
            json!({ "input": { "id": id, "expectedVersion": 1, "abstract": "Abstract by B" } })
        ),
    );

    let outcome = |answer: &Value| {
        answer["data"]["updatePublication"]["userErrors"][0]["code"]
            .as_str()
            .unwrap_or("OK")
            .to_owned()
    };
    let mut outcomes = [outcome(&a), outcome(&b)];
    outcomes.sort();
    assert_eq!(outcomes, ["CONFLICT", "OK"], "{a} {b}");
    let now = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { title abstract version } } }",
            json!({ "id": id }),
        )
        .await["data"]["node"]
        .clone();
    assert_eq!(now["version"], 2);
    if outcome(&a) == "OK" {
        assert_eq!(
            (now["title"].as_str(), now["abstract"].as_str()),
            (Some("Title by A"), None),
            "{now}"
        );
    } else {
        assert_eq!(
            (now["title"].as_str(), now["abstract"].as_str()),
            (
                Some("RITA 2: Larger Protein Language Models"),
                Some("Abstract by B")
            ),
            "{now}"
        );
    }
}

async fn a_mutation_that_fails_half_way_leaves_no_row_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let before = row_counts(&app).await;
    let mut input = rita_v2("10.1101/2023.05.01.1");
    // The new author, venue and topics are written before the missing author is found.
    input["authors"] = json!([
        { "new": { "name": "Written First" } },
        { "id": "QXV0aG9yOjk5OTk5" },
    ]);

    let answer = create(&app, &token, input).await;

    let error = &answer["data"]["createPublication"]["userErrors"][0];
    assert_eq!(error["code"], "NOT_FOUND", "{answer}");
    assert_eq!(error["field"], json!(["input", "authors", "1", "id"]));
    assert_eq!(row_counts(&app).await, before);
}

async fn the_author_list_can_be_reordered_and_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let created = create(&app, &token, rita_v2("10.1101/2023.05.01.1")).await;
    let publication = &created["data"]["createPublication"]["publication"];
    let id = publication["id"].clone();
    let ada = publication["authors"]["edges"][0]["node"]["id"].clone();
    let grace = publication["authors"]["edges"][1]["node"]["id"].clone();
    let set = r#"mutation($input: SetPublicationAuthorsInput!) {
        setPublicationAuthors(input: $input) {
          publication { version authorCount authors { edges { position node { name } } } }
          userErrors { field code }
        } }"#;

    let reordered = app
        .graphql_as(&token, set, json!({ "input": { "id": id, "expectedVersion": 1, "authors": [{ "id": grace }, { "new": { "name": "Third Person" } }, { "id": ada }] } }))
        .await;
    let twice = app
        .graphql_as(&token, set, json!({ "input": { "id": id, "expectedVersion": 2, "authors": [{ "id": ada }, { "id": ada }] } }))
        .await;

    let result = &reordered["data"]["setPublicationAuthors"]["publication"];
    assert_eq!(result["version"], 2, "{reordered}");
    assert_eq!(result["authorCount"], 3);
    assert_eq!(
        result["authors"]["edges"],
        json!([
            { "position": 1, "node": { "name": "Grace Example" } },
            { "position": 2, "node": { "name": "Third Person" } },
            { "position": 3, "node": { "name": "Ada Example" } },
        ])
    );
    assert_eq!(
        twice["data"]["setPublicationAuthors"]["userErrors"],
        json!([{ "field": ["input", "authors", "1"], "code": "INVALID" }]),
        "{twice}"
    );
}

async fn a_publication_is_deleted_only_at_its_current_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = created_id(&app, &token).await;
    let delete = r#"mutation($input: DeletePublicationInput!) {
        deletePublication(input: $input) { deletedPublicationId userErrors { code } } }"#;

    let stale = app
        .graphql_as(
            &token,
            delete,
            json!({ "input": { "id": id, "expectedVersion": 7 } }),
        )
        .await;
    let current = app
        .graphql_as(
            &token,
            delete,
            json!({ "input": { "id": id, "expectedVersion": 1 } }),
        )
        .await;
    let again = app
        .graphql_as(
            &token,
            delete,
            json!({ "input": { "id": id, "expectedVersion": 1 } }),
        )
        .await;

    assert_eq!(
        stale["data"]["deletePublication"]["userErrors"],
        json!([{ "code": "CONFLICT" }]),
        "{stale}"
    );
    assert_eq!(
        current["data"]["deletePublication"]["deletedPublicationId"], id,
        "{current}"
    );
    assert_eq!(
        again["data"]["deletePublication"]["userErrors"],
        json!([{ "code": "NOT_FOUND" }])
    );
    let node = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node["data"]["node"], Value::Null);
}

async fn upsert_updates_the_publication_with_the_same_doi(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = created_id(&app, &token).await;
    let upsert = r#"mutation($input: UpsertPublicationInput!) {
        upsertPublication(input: $input) { created publication { id title version authorCount } userErrors { code } } }"#;
    let mut input = rita_v2("10.1101/2023.05.01.1");
    input["title"] = json!("RITA 2 (revised)");
    input["authors"] = json!([{ "new": { "name": "Only Author" } }]);
    input["authors"][0]["new"]["orcid"] = Value::Null;
    let mut fresh = rita_v2("10.1101/2024.01.01.9");
    fresh["title"] = json!("A different paper");
    fresh["authors"] = json!([]);

    let matched = app
        .graphql_as(&token, upsert, json!({ "input": input }))
        .await;
    let created = app
        .graphql_as(&token, upsert, json!({ "input": fresh }))
        .await;

    let matched = &matched["data"]["upsertPublication"];
    assert_eq!(matched["created"], false, "{matched}");
    assert_eq!(matched["publication"]["id"], id);
    assert_eq!(matched["publication"]["title"], "RITA 2 (revised)");
    assert_eq!(matched["publication"]["version"], 2);
    assert_eq!(matched["publication"]["authorCount"], 1);
    assert_eq!(
        created["data"]["upsertPublication"]["created"], true,
        "{created}"
    );
}

/// A match is patched: the defaults of a new publication (DRAFT, no authors, no topics)
/// must not unpublish it or empty its lists.
async fn upsert_keeps_the_status_authors_and_topics_the_input_leaves_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let create = r#"mutation { createPublication(input: {
        title: "Kept", kind: PREPRINT, status: PUBLISHED, doi: "10.5555/kept.1",
        authors: [{ new: { name: "Ada Kept" } }, { new: { name: "Bo Kept" } }],
        topics: [{ name: "Kept Topic" }] }) { publication { id } userErrors { code } } }"#;
    let created = app.graphql_as(&token, create, json!({})).await;
    let id = created["data"]["createPublication"]["publication"]["id"].clone();
    assert!(id.is_string(), "{created}");

    let upsert = r#"mutation { upsertPublication(input: {
        title: "Kept, revised", kind: PREPRINT, doi: "https://doi.org/10.5555/KEPT.1" }) {
        created publication { id title status authorCount topics { name } } userErrors { code } } }"#;
    let answer = app.graphql_as(&token, upsert, json!({})).await;
    let payload = &answer["data"]["upsertPublication"];

    assert_eq!(payload["created"], false, "{answer}");
    assert_eq!(payload["publication"]["id"], id);
    assert_eq!(payload["publication"]["title"], "Kept, revised");
    assert_eq!(payload["publication"]["status"], "PUBLISHED", "{answer}");
    assert_eq!(payload["publication"]["authorCount"], 2, "{answer}");
    assert_eq!(
        payload["publication"]["topics"],
        json!([{ "name": "Kept Topic" }])
    );
}

on_both_databases!(anyone_may_submit_a_draft_a_few_times_an_hour);

const SUBMIT: &str = r#"
mutation Submit($input: SubmitPublicationInput!) {
  submitPublication(input: $input) { clientMutationId received userErrors { field code } }
}"#;

async fn anyone_may_submit_a_draft_a_few_times_an_hour(backend: Backend) {
    let app = catalogue_tests::spawn_app_with(backend, &[("SUBMISSIONS_PER_HOUR", "2")]).await;
    let token = app.editor_token("reviewer").await;
    let form = |title: &str| {
        json!({ "input": {
            "clientMutationId": title,
            "title": title,
            "authors": ["Teven Le Scao", "New Person"],
            "submitterName": "Ada",
            "submitterEmail": "ada@lab.example.org",
            "publishedOn": "2024-02",
        } })
    };
    let before = count(&app, "publication").await;

    let bad = app.graphql(SUBMIT, json!({ "input": { "title": "x", "authors": [], "submitterName": "Ada", "submitterEmail": "nope" } })).await;
    let first = app.graphql(SUBMIT, form("First submission")).await;
    let second = app.graphql(SUBMIT, form("Second submission")).await;
    let third = app.post(SUBMIT, form("Third submission")).await;
    let third_status = third.status().as_u16();
    let third: Value = third.json().await.expect("JSON");

    assert_eq!(
        bad["data"]["submitPublication"]["userErrors"],
        json!([{ "field": ["input", "authors"], "code": "INVALID" }, { "field": ["input", "submitterEmail"], "code": "INVALID" }]),
        "{bad}"
    );
    assert_eq!(
        first["data"]["submitPublication"]["received"], true,
        "{first}"
    );
    assert_eq!(
        second["data"]["submitPublication"]["received"], true,
        "{second}"
    );
    assert_eq!(third_status, 429);
    assert_eq!(
        third["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{third}"
    );
    assert_eq!(count(&app, "publication").await, before + 2);
    // Drafts: anonymous callers do not see them, editors do, with their authors matched.
    let query = r#"{ publication(slug: "first-submission") { status authors { nodes { name } } history { action actor } } }"#;
    assert_eq!(
        app.query(
            r#"{ publication(slug: "first-submission") { id } }"#,
            json!({})
        )
        .await["publication"],
        Value::Null
    );
    let seen = app.graphql_as(&token, query, json!({})).await;
    assert_eq!(seen["data"]["publication"]["status"], "DRAFT", "{seen}");
    assert_eq!(
        seen["data"]["publication"]["authors"]["nodes"],
        json!([{ "name": "Teven Le Scao" }, { "name": "New Person" }])
    );
    assert_eq!(
        seen["data"]["publication"]["history"],
        json!([{ "action": "SUBMIT", "actor": "submission" }])
    );
    assert_eq!(count(&app, "author").await, 33);
}
