//! Edits that mean what they say: an update that changes nothing writes nothing, null is no
//! way to clear a field an entry cannot be without, and all four kinds of entry guard
//! concurrent edits with a `version`.

use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app, spawn_app_with};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Map, Value, json};

on_both_databases!(
    a_publication_update_that_changes_nothing_writes_nothing,
    an_author_update_that_changes_nothing_writes_nothing,
    a_venue_update_that_changes_nothing_writes_nothing,
    a_topic_update_that_changes_nothing_writes_nothing,
    null_for_a_field_an_entry_cannot_be_without_is_invalid_and_writes_nothing,
    a_stale_expected_version_of_an_author_venue_or_topic_is_a_conflict_that_changes_nothing,
    an_update_of_an_author_venue_or_topic_bumps_its_version_by_one,
    merges_and_moves_give_the_authors_and_topics_they_change_a_new_version,
);

const RITA: &str = "rita-a-study-on-scaling-up-generative-protein-sequence-models";

/// One kind of entry, as an update mutation and a node selection see it.
struct Kind {
    /// `updateAuthor`
    mutation: &'static str,
    /// `UpdateAuthorInput`
    input_type: &'static str,
    /// `author`: the payload's field.
    payload: &'static str,
    /// `Author`
    type_name: &'static str,
    /// Everything an update may change, with `id version updatedAt`.
    selection: &'static str,
}

const PUBLICATION: Kind = Kind {
    mutation: "updatePublication",
    input_type: "UpdatePublicationInput",
    payload: "publication",
    type_name: "Publication",
    selection: "id version updatedAt title slug abstract kind status publishedOn publishedOnPrecision venue { id } doi arxivId url pdfUrl topics { id } authors(first: 100) { nodes { id } }",
};
const AUTHOR: Kind = Kind {
    mutation: "updateAuthor",
    input_type: "UpdateAuthorInput",
    payload: "author",
    type_name: "Author",
    selection: "id version updatedAt name orcid affiliation url nameVariants",
};
const VENUE: Kind = Kind {
    mutation: "updateVenue",
    input_type: "UpdateVenueInput",
    payload: "venue",
    type_name: "Venue",
    selection: "id version updatedAt name shortName kind year url",
};
const TOPIC: Kind = Kind {
    mutation: "updateTopic",
    input_type: "UpdateTopicInput",
    payload: "topic",
    type_name: "Topic",
    selection: "id version updatedAt name description parent { id }",
};

impl Kind {
    /// Runs the update with `input` (to which `id` and `expectedVersion` are added) and
    /// returns the payload.
    async fn update(
        &self,
        app: &TestApp,
        token: &str,
        id: &Value,
        expected_version: i64,
        input: Value,
    ) -> Value {
        let mut input = input.as_object().cloned().unwrap_or_else(Map::new);
        input.insert("id".to_owned(), id.clone());
        input.insert("expectedVersion".to_owned(), json!(expected_version));
        let query = format!(
            "mutation($input: {}!) {{ {}(input: $input) {{ {} {{ {} }} userErrors {{ field message code }} }} }}",
            self.input_type, self.mutation, self.payload, self.selection
        );
        let answer = app
            .graphql_as(token, &query, json!({ "input": input }))
            .await;
        assert!(answer["errors"].is_null(), "{answer}");
        answer["data"][self.mutation].clone()
    }

    /// The entry as the node query shows it now.
    async fn read(&self, app: &TestApp, token: &str, id: &Value) -> Value {
        let query = format!(
            "query($id: ID!) {{ node(id: $id) {{ ... on {} {{ {} }} }} }}",
            self.type_name, self.selection
        );
        let answer = app.graphql_as(token, &query, json!({ "id": id })).await;
        assert!(answer["errors"].is_null(), "{answer}");
        let node = answer["data"]["node"].clone();
        assert!(node["version"].is_i64(), "{answer}");
        node
    }
}

fn version_of(entry: &Value) -> i64 {
    entry["version"]
        .as_i64()
        .unwrap_or_else(|| panic!("a version: {entry}"))
}

/// How many changes the history holds, of every entry.
async fn history_length(app: &TestApp) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT count(*) AS n FROM history",
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n")
}

/// The id of the first entry that `query` lists at `path`.
async fn first_id(app: &TestApp, query: &str, path: &[&str]) -> Value {
    let mut found = app.query(query, json!({})).await;
    for key in path {
        found = match key.parse::<usize>() {
            Ok(index) => found[index].clone(),
            Err(_) => found[*key].clone(),
        };
    }
    assert!(found.is_string(), "an id at {path:?}");
    found
}

async fn rita_id(app: &TestApp) -> Value {
    first_id(
        app,
        &format!(r#"{{ publication(slug: "{RITA}") {{ id }} }}"#),
        &["publication", "id"],
    )
    .await
}

/// The no-op updates of `kind` (`same` sets fields to their current values), then a stale
/// no-op, then a real change (`change`) at the version the no-ops left alone.
async fn no_ops_then_a_change(
    app: &TestApp,
    token: &str,
    kind: &Kind,
    id: &Value,
    same: impl Fn(&Value) -> Value,
    change: Value,
) {
    let before = kind.read(app, token, id).await;
    let version = version_of(&before);
    let history = history_length(app).await;

    let empty = kind.update(app, token, id, version, json!({})).await;
    let unchanged = kind.update(app, token, id, version, same(&before)).await;

    for payload in [&empty, &unchanged] {
        assert_eq!(payload["userErrors"], json!([]), "{payload}");
        assert_eq!(payload[kind.payload], before, "{payload}");
    }
    assert_eq!(kind.read(app, token, id).await, before);
    assert_eq!(history_length(app).await, history, "a no-op wrote history");

    // A no-op at a stale version is still a CONFLICT: the caller's view is out of date.
    let stale = kind.update(app, token, id, version - 1, json!({})).await;
    assert_eq!(stale["userErrors"][0]["code"], "CONFLICT", "{stale}");
    assert_eq!(
        stale["userErrors"][0]["field"],
        json!(["input", "expectedVersion"])
    );
    assert_eq!(stale[kind.payload], Value::Null);

    // The version the no-ops left is good for a real change.
    let changed = kind.update(app, token, id, version, change).await;
    assert_eq!(changed["userErrors"], json!([]), "{changed}");
    assert_eq!(version_of(&changed[kind.payload]), version + 1);
    assert_ne!(changed[kind.payload]["updatedAt"], before["updatedAt"]);
    assert_eq!(history_length(app).await, history + 1);
}

/// `publishedOn` as an editor would type it: as precise as it is known.
fn typed_date(publication: &Value) -> Value {
    let (Some(date), Some(precision)) = (
        publication["publishedOn"].as_str(),
        publication["publishedOnPrecision"].as_str(),
    ) else {
        return Value::Null;
    };
    let length = match precision {
        "YEAR" => 4,
        "MONTH" => 7,
        _ => date.len(),
    };
    json!(date.get(..length).unwrap_or(date))
}

fn ids_of(list: &Value) -> Vec<Value> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| json!({ "id": item["id"] }))
                .collect()
        })
        .unwrap_or_default()
}

async fn a_publication_update_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = rita_id(&app).await;

    // The same author list in the same order is no change either.
    let before = PUBLICATION.read(&app, &token, &id).await;
    let history = history_length(&app).await;
    let authors = ids_of(&before["authors"]["nodes"]);
    assert!(authors.len() > 1, "{before}");
    let same_authors = app
        .graphql_as(
            &token,
            &format!(
                "mutation($input: SetPublicationAuthorsInput!) {{ setPublicationAuthors(input: $input) {{ publication {{ {} }} userErrors {{ code }} }} }}",
                PUBLICATION.selection
            ),
            json!({ "input": { "id": id, "expectedVersion": before["version"], "authors": authors } }),
        )
        .await;
    assert_eq!(
        same_authors["data"]["setPublicationAuthors"]["userErrors"],
        json!([]),
        "{same_authors}"
    );
    assert_eq!(
        same_authors["data"]["setPublicationAuthors"]["publication"],
        before
    );
    assert_eq!(history_length(&app).await, history);

    no_ops_then_a_change(
        &app,
        &token,
        &PUBLICATION,
        &id,
        |p| {
            json!({
                "title": p["title"],
                "slug": p["slug"],
                "abstract": p["abstract"],
                "kind": p["kind"],
                "status": p["status"],
                "publishedOn": typed_date(p),
                "venue": if p["venue"].is_null() { Value::Null } else { json!({ "id": p["venue"]["id"] }) },
                "doi": p["doi"],
                "arxivId": p["arxivId"],
                "url": p["url"],
                "pdfUrl": p["pdfUrl"],
                "topics": ids_of(&p["topics"]),
            })
        },
        json!({ "title": "RITA, retitled" }),
    )
    .await;
}

async fn an_author_update_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = first_id(
        &app,
        r#"{ authors(filter: { search: "Launay" }) { nodes { id } } }"#,
        &["authors", "nodes", "0", "id"],
    )
    .await;
    // Name variants to repeat, given in another order (they are a set).
    let variants = app
        .graphql_as(
            &token,
            "mutation($id: ID!, $v: Int!) { updateAuthor(input: { id: $id, expectedVersion: $v, nameVariants: [\"J. Launay\", \"Launay, J.\"] }) { author { version } userErrors { code } } }",
            json!({ "id": id, "v": version_of(&AUTHOR.read(&app, &token, &id).await) }),
        )
        .await;
    assert_eq!(
        variants["data"]["updateAuthor"]["userErrors"],
        json!([]),
        "{variants}"
    );

    no_ops_then_a_change(
        &app,
        &token,
        &AUTHOR,
        &id,
        |a| {
            let mut variants = a["nameVariants"].as_array().cloned().unwrap_or_default();
            variants.reverse();
            json!({
                "name": a["name"],
                "orcid": a["orcid"],
                "affiliation": a["affiliation"],
                "url": a["url"],
                "nameVariants": variants,
            })
        },
        json!({ "affiliation": "LightOn" }),
    )
    .await;
}

async fn a_venue_update_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = first_id(
        &app,
        r#"{ venues(filter: { search: "LREC" }) { nodes { id } } }"#,
        &["venues", "nodes", "0", "id"],
    )
    .await;
    no_ops_then_a_change(
        &app,
        &token,
        &VENUE,
        &id,
        |v| {
            json!({
                "name": v["name"],
                "shortName": v["shortName"],
                "kind": v["kind"],
                "year": v["year"],
                "url": v["url"],
            })
        },
        json!({ "url": "https://lrec2022.lrec-conf.org" }),
    )
    .await;
}

async fn rita_subtopic(app: &TestApp) -> Value {
    first_id(
        app,
        &format!(r#"{{ publication(slug: "{RITA}") {{ topics {{ id }} }} }}"#),
        &["publication", "topics", "0", "id"],
    )
    .await
}

async fn a_topic_update_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let id = rita_subtopic(&app).await;
    no_ops_then_a_change(
        &app,
        &token,
        &TOPIC,
        &id,
        |t| {
            json!({
                "name": t["name"],
                "description": t["description"],
                "parentId": t["parent"]["id"],
            })
        },
        json!({ "description": "Proteins, read as sentences." }),
    )
    .await;
}

async fn null_for_a_field_an_entry_cannot_be_without_is_invalid_and_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let publication = rita_id(&app).await;
    let author = first_id(
        &app,
        r#"{ authors(filter: { search: "Launay" }) { nodes { id } } }"#,
        &["authors", "nodes", "0", "id"],
    )
    .await;
    let venue = first_id(
        &app,
        r#"{ venues(filter: { search: "LREC" }) { nodes { id } } }"#,
        &["venues", "nodes", "0", "id"],
    )
    .await;
    let topic = rita_subtopic(&app).await;
    let history = history_length(&app).await;

    for (kind, id, nulls, fields) in [
        (
            &PUBLICATION,
            &publication,
            json!({ "title": null, "kind": null, "status": null, "url": "https://example.org/rita" }),
            vec!["title", "kind", "status"],
        ),
        (
            &AUTHOR,
            &author,
            json!({ "name": null, "affiliation": "LightOn" }),
            vec!["name"],
        ),
        (
            &VENUE,
            &venue,
            json!({ "name": null, "kind": null, "year": 2022 }),
            vec!["name", "kind"],
        ),
        (
            &TOPIC,
            &topic,
            json!({ "name": null, "description": "Proteins" }),
            vec!["name"],
        ),
    ] {
        let before = kind.read(&app, &token, id).await;
        let refused = kind
            .update(&app, &token, id, version_of(&before), nulls)
            .await;

        let errors = refused["userErrors"]
            .as_array()
            .unwrap_or_else(|| panic!("user errors: {refused}"));
        assert_eq!(errors.len(), fields.len(), "{refused}");
        for (error, field) in errors.iter().zip(&fields) {
            assert_eq!(error["code"], "INVALID", "{refused}");
            assert_eq!(error["field"], json!(["input", field]), "{refused}");
            assert!(
                error["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("cannot be cleared")),
                "{refused}"
            );
        }
        assert_eq!(refused[kind.payload], Value::Null);
        // Nothing was written, not even the fields that were fine.
        assert_eq!(kind.read(&app, &token, id).await, before);
    }
    assert_eq!(history_length(&app).await, history);
}

/// An author, a venue and a topic of the sample catalogue, with an update of each.
async fn catalogue_entries(app: &TestApp) -> [(&'static Kind, Value, Value); 3] {
    [
        (
            &AUTHOR,
            first_id(
                app,
                r#"{ authors(filter: { search: "Launay" }) { nodes { id } } }"#,
                &["authors", "nodes", "0", "id"],
            )
            .await,
            json!({ "name": "Julien Launay-Renard", "affiliation": "LightOn" }),
        ),
        (
            &VENUE,
            first_id(
                app,
                r#"{ venues(filter: { search: "LREC" }) { nodes { id } } }"#,
                &["venues", "nodes", "0", "id"],
            )
            .await,
            json!({ "shortName": "LREC '22", "url": "https://lrec2022.lrec-conf.org" }),
        ),
        (
            &TOPIC,
            rita_subtopic(app).await,
            json!({ "name": "Protein language models, renamed", "parentId": null }),
        ),
    ]
}

async fn a_stale_expected_version_of_an_author_venue_or_topic_is_a_conflict_that_changes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let history = history_length(&app).await;
    for (kind, id, change) in catalogue_entries(&app).await {
        let before = kind.read(&app, &token, &id).await;
        let version = version_of(&before);

        let behind = kind
            .update(&app, &token, &id, version - 1, change.clone())
            .await;
        let ahead = kind.update(&app, &token, &id, version + 1, change).await;

        for stale in [&behind, &ahead] {
            assert_eq!(
                stale["userErrors"],
                json!([{
                    "field": ["input", "expectedVersion"],
                    "message": stale["userErrors"][0]["message"],
                    "code": "CONFLICT",
                }]),
                "{stale}"
            );
            assert_eq!(stale[kind.payload], Value::Null);
        }
        assert_eq!(
            kind.read(&app, &token, &id).await,
            before,
            "{}",
            kind.mutation
        );
    }
    assert_eq!(history_length(&app).await, history);
}

async fn an_update_of_an_author_venue_or_topic_bumps_its_version_by_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    for (kind, id, change) in catalogue_entries(&app).await {
        let before = kind.read(&app, &token, &id).await;
        let version = version_of(&before);
        assert_eq!(version, 1, "a sample entry starts at version 1: {before}");

        let changed = kind.update(&app, &token, &id, version, change).await;
        // The old version is stale now.
        let again = kind.update(&app, &token, &id, version, json!({})).await;

        assert_eq!(changed["userErrors"], json!([]), "{changed}");
        let after = &changed[kind.payload];
        assert_eq!(version_of(after), version + 1, "{changed}");
        assert_ne!(after["updatedAt"], before["updatedAt"]);
        assert_eq!(kind.read(&app, &token, &id).await, *after);
        assert_eq!(again["userErrors"][0]["code"], "CONFLICT", "{again}");
    }
}

async fn merges_and_moves_give_the_authors_and_topics_they_change_a_new_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let target = first_id(
        &app,
        r#"{ authors(filter: { search: "Launay" }) { nodes { id } } }"#,
        &["authors", "nodes", "0", "id"],
    )
    .await;
    let created = app
        .graphql_as(
            &token,
            r#"mutation { createAuthor(input: { name: "J. Launay" }) { author { id version } userErrors { code } } }"#,
            json!({}),
        )
        .await;
    let duplicate = &created["data"]["createAuthor"]["author"];
    assert_eq!(duplicate["version"], 1, "{created}");
    let target_before = version_of(&AUTHOR.read(&app, &token, &target).await);

    let merged = app
        .graphql_as(
            &token,
            "mutation($input: MergeAuthorsInput!) { mergeAuthors(input: $input) { author { version } userErrors { code } } }",
            json!({ "input": { "sourceIds": [duplicate["id"]], "targetId": target } }),
        )
        .await;
    assert_eq!(
        merged["data"]["mergeAuthors"]["author"]["version"],
        json!(target_before + 1),
        "{merged}"
    );

    // Deleting a topic moves its subtopics up: each of them changes, so each gets a version.
    let subtopic = rita_subtopic(&app).await;
    let sub_before = TOPIC.read(&app, &token, &subtopic).await;
    let parent = sub_before["parent"]["id"].clone();
    assert!(parent.is_string(), "{sub_before}");
    let deleted = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { deleteTopic(input: { id: $id, onReferenced: DETACH }) { userErrors { code } } }",
            json!({ "id": parent }),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteTopic"]["userErrors"],
        json!([]),
        "{deleted}"
    );
    let sub_after = TOPIC.read(&app, &token, &subtopic).await;
    assert_eq!(version_of(&sub_after), version_of(&sub_before) + 1);
    assert_ne!(sub_after["parent"], sub_before["parent"]);
}

on_both_databases!(a_publication_names_an_author_unless_it_is_a_draft);

const CREATE: &str = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id version authors { nodes { id } } } userErrors { field code message } } }";

fn user_errors(answer: &Value, mutation: &str) -> Vec<(String, String)> {
    answer["data"][mutation]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("userErrors: {answer}"))
        .iter()
        .map(|error| {
            let field: Vec<&str> = error["field"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            (
                field.join("."),
                error["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn invalid_at(field: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), "INVALID".to_owned())]
}

/// The catalogue's rule, in every mutation that can break it: a DRAFT may have no authors
/// (a submission, a BibTeX `@misc`), a PUBLISHED or ARCHIVED publication names at least one.
async fn a_publication_names_an_author_unless_it_is_a_draft(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("rules").await;
    let publications = |app: &TestApp| {
        let app = app.db.clone();
        async move {
            let backend = app.get_database_backend();
            app.query_one_raw(Statement::from_string(
                backend,
                "SELECT count(*) AS n FROM publication",
            ))
            .await
            .expect("count")
            .expect("a row")
            .try_get::<i64>("", "n")
            .expect("n")
        }
    };
    let before = publications(&app).await;

    // Created published without authors: refused, nothing written.
    let refused = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "title": "Orphan", "kind": "OTHER", "status": "PUBLISHED" } }),
        )
        .await;
    assert_eq!(
        user_errors(&refused, "createPublication"),
        invalid_at("input.authors"),
        "{refused}"
    );
    assert_eq!(publications(&app).await, before);

    // A draft may wait for its authors, but cannot be published without them.
    let draft = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "title": "Orphan draft", "kind": "OTHER" } }),
        )
        .await;
    let draft_id = draft["data"]["createPublication"]["publication"]["id"].clone();
    assert!(draft_id.is_string(), "{draft}");
    let publish = app
        .graphql_as(
            &token,
            "mutation($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { status } userErrors { field code message } } }",
            json!({ "input": { "id": draft_id, "expectedVersion": 1, "status": "PUBLISHED" } }),
        )
        .await;
    assert_eq!(
        user_errors(&publish, "updatePublication"),
        invalid_at("input.status"),
        "{publish}"
    );

    // Published with its authors in one upsert: the deferred check on Postgres sees both.
    let upserted = app
        .graphql_as(
            &token,
            "mutation { upsertPublication(input: { title: \"Orphan draft\", kind: OTHER, doi: \"10.5555/orphan\" }) { created userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        upserted["data"]["upsertPublication"]["created"], true,
        "{upserted}"
    );
    let published = app
        .graphql_as(
            &token,
            "mutation { upsertPublication(input: { title: \"Orphan, found\", kind: OTHER, doi: \"10.5555/orphan\", status: PUBLISHED, authors: [{ new: { name: \"Found Author\" } }] }) { created publication { id status authorCount version } userErrors { field code } } }",
            json!({}),
        )
        .await;
    let found = &published["data"]["upsertPublication"]["publication"];
    assert_eq!(found["status"], "PUBLISHED", "{published}");
    assert_eq!(found["authorCount"], 1, "{published}");

    // Its last author can be neither taken off its list nor deleted from under it.
    let emptied = app
        .graphql_as(
            &token,
            "mutation($input: SetPublicationAuthorsInput!) { setPublicationAuthors(input: $input) { publication { id } userErrors { field code message } } }",
            json!({ "input": { "id": found["id"], "expectedVersion": found["version"], "authors": [] } }),
        )
        .await;
    assert_eq!(
        user_errors(&emptied, "setPublicationAuthors"),
        invalid_at("input.authors"),
        "{emptied}"
    );
    let author_id = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { authors { nodes { id } } } } }",
            json!({ "id": found["id"] }),
        )
        .await["data"]["node"]["authors"]["nodes"][0]["id"]
        .clone();
    let detached = app
        .graphql_as(
            &token,
            "mutation($id: ID!) { deleteAuthor(input: { id: $id, onReferenced: DETACH }) { deletedAuthorId userErrors { field code message } } }",
            json!({ "id": author_id }),
        )
        .await;
    assert_eq!(
        user_errors(&detached, "deleteAuthor"),
        vec![("input.id".to_owned(), "REFERENCED".to_owned())],
        "{detached}"
    );
    let still = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { authorCount } } }",
            json!({ "id": found["id"] }),
        )
        .await;
    assert_eq!(still["data"]["node"]["authorCount"], 1, "{still}");

    // BibTeX entries without authors import as drafts, and are rejected as published ones.
    let bibtex = "@misc{anonymous, title = {A Report Without Authors}, year = {2020}}";
    let import = "mutation($input: ImportBibtexInput!) { importBibtex(input: $input) { entries { outcome reason } } }";
    let as_published = app
        .graphql_as(
            &token,
            import,
            json!({ "input": { "bibtex": bibtex, "status": "PUBLISHED" } }),
        )
        .await;
    let entry = &as_published["data"]["importBibtex"]["entries"][0];
    assert_eq!(entry["outcome"], "REJECTED", "{as_published}");
    assert!(
        entry["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("author"),
        "{as_published}"
    );
    let as_draft = app
        .graphql_as(
            &token,
            import,
            json!({ "input": { "bibtex": bibtex, "status": "DRAFT" } }),
        )
        .await;
    assert_eq!(
        as_draft["data"]["importBibtex"]["entries"][0]["outcome"], "CREATED",
        "{as_draft}"
    );
}

/// Editors name a publication by what they have at hand: the slug in its page's URL, its DOI
/// or arXiv id, in `find`, instead of the global id.
async fn an_update_or_a_deletion_can_name_the_publication_by_slug_or_doi(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("find-editor").await;
    let slug = "what-language-model-to-train-if-you-have-one-million-gpu-hours";
    let found = app
        .query(
            "query($slug: String!) { publication(slug: $slug) { id version } }",
            json!({ "slug": slug }),
        )
        .await;
    let version = found["publication"]["version"].as_i64().expect("a version");
    let update = "mutation($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { id title version } userErrors { field code message } } }";
    let answer = app
        .graphql_as(
            &token,
            update,
            json!({ "input": { "find": { "slug": slug }, "expectedVersion": version, "title": "Found By Its Slug" } }),
        )
        .await;
    let publication = &answer["data"]["updatePublication"]["publication"];
    assert_eq!(publication["title"], "Found By Its Slug", "{answer}");
    assert_eq!(publication["id"], found["publication"]["id"]);

    // Neither, both, an unknown slug, a malformed DOI: user errors naming the field.
    for (input, field, code) in [
        (
            json!({ "expectedVersion": 1, "title": "x" }),
            "input.id",
            "INVALID",
        ),
        (
            json!({ "id": found["publication"]["id"], "find": { "slug": slug }, "expectedVersion": 1 }),
            "input.find",
            "INVALID",
        ),
        (
            json!({ "find": { "slug": "no-such-entry" }, "expectedVersion": 1, "title": "x" }),
            "input.find.slug",
            "NOT_FOUND",
        ),
        (
            json!({ "find": { "doi": "not a doi" }, "expectedVersion": 1 }),
            "input.find.doi",
            "INVALID",
        ),
    ] {
        let answer = app
            .graphql_as(&token, update, json!({ "input": input }))
            .await;
        assert_eq!(
            user_errors(&answer, "updatePublication"),
            [(field.to_owned(), code.to_owned())],
            "{input}: {answer}"
        );
    }

    // A publication made with a DOI is deleted by it.
    let created = app
        .graphql_as(
            &token,
            CREATE,
            json!({ "input": { "title": "Deleted By Its DOI", "kind": "OTHER", "doi": "10.1234/find-me" } }),
        )
        .await;
    let version = created["data"]["createPublication"]["publication"]["version"]
        .as_i64()
        .expect("a version");
    let deleted = app
        .graphql_as(
            &token,
            "mutation($input: DeletePublicationInput!) { deletePublication(input: $input) { deletedPublicationId userErrors { field code } } }",
            json!({ "input": { "find": { "doi": "https://doi.org/10.1234/FIND-ME" }, "expectedVersion": version } }),
        )
        .await;
    assert_eq!(
        deleted["data"]["deletePublication"]["deletedPublicationId"],
        created["data"]["createPublication"]["publication"]["id"],
        "{deleted}"
    );
}

on_both_databases!(an_update_or_a_deletion_can_name_the_publication_by_slug_or_doi);

/// The README's first edit, step by step: a new entry is a draft that anonymous readers do not
/// see; publishing it without authors is refused at `input.status`; with an author it
/// publishes, and then anonymous readers see it.
async fn the_readmes_first_edit_works_as_written(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("alice").await;
    let titles = |answer: Value| -> Vec<String> {
        answer["publications"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|n| n["title"].as_str().map(str::to_owned))
            .collect()
    };
    let created = app
        .graphql_as(
            &token,
            r#"mutation { createPublication(input: { title: "My First Entry", kind: PREPRINT }) {
                publication { slug status version } userErrors { field message code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        created["data"]["createPublication"]["publication"],
        json!({ "slug": "my-first-entry", "status": "DRAFT", "version": 1 }),
        "{created}"
    );
    let list = "{ publications(first: 10) { nodes { title } } }";
    assert!(!titles(app.query(list, json!({})).await).contains(&"My First Entry".to_owned()));

    let publish = |version: i64| {
        format!(
            r#"mutation {{ updatePublication(input: {{ find: {{ slug: "my-first-entry" }}, expectedVersion: {version},
                status: PUBLISHED }}) {{ publication {{ status version }} userErrors {{ field message code }} }} }}"#
        )
    };
    let refused = app.graphql_as(&token, &publish(1), json!({})).await;
    assert_eq!(
        user_errors(&refused, "updatePublication"),
        [("input.status".to_owned(), "INVALID".to_owned())],
        "{refused}"
    );
    let authors = app
        .graphql_as(
            &token,
            r#"mutation { setPublicationAuthors(input: { find: { slug: "my-first-entry" },
                expectedVersion: 1, authors: [{ new: { name: "Ada Example" } }] }) {
                publication { version } userErrors { field message code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        authors["data"]["setPublicationAuthors"]["publication"]["version"], 2,
        "{authors}"
    );
    let published = app.graphql_as(&token, &publish(2), json!({})).await;
    assert_eq!(
        published["data"]["updatePublication"]["publication"],
        json!({ "status": "PUBLISHED", "version": 3 }),
        "{published}"
    );
    assert!(titles(app.query(list, json!({})).await).contains(&"My First Entry".to_owned()));
}

on_both_databases!(the_readmes_first_edit_works_as_written);

/// A misspelt input field is named, with its type, rather than reported as the required field
/// it stood for being missing; with suggestions on, the field meant is suggested.
async fn a_misspelt_input_field_is_named(backend: Backend) {
    let app = spawn_app_with(backend, &[("GRAPHQL_SUGGESTIONS", "true")]).await;
    let token = app.editor_token("typo-editor").await;
    let answer = app
        .graphql_as(
            &token,
            r#"mutation { createTopic(input: { nme: "Typos" }) { topic { id } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        answer["errors"][0]["message"],
        "input: CreateTopicInput has no field \"nme\"; did you mean \"name\"?",
        "{answer}"
    );
    assert_eq!(
        answer["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    let answer = app
        .graphql_as(
            &token,
            "mutation($input: CreateTopicInput!) { createTopic(input: $input) { topic { id } } }",
            json!({ "input": { "name": "Typos", "parnt": { "name": "x" } } }),
        )
        .await;
    assert_eq!(
        answer["errors"][0]["message"], "$input: CreateTopicInput has no field \"parnt\"",
        "{answer}"
    );
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

on_both_databases!(a_misspelt_input_field_is_named);
