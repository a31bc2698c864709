use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    merging_authors_keeps_every_publication_and_the_author_order,
    deleting_what_publications_use_is_referenced_unless_detached,
    authors_venues_and_topics_are_created_and_patched,
    a_topic_cannot_move_under_its_own_subtopic,
);

/// The global id of the author named `name`, from a publication's byline.
async fn author_id(app: &TestApp, slug: &str, name: &str) -> Value {
    let data = app
        .query(
            "query($slug: String!) { publication(slug: $slug) { authors(first: 100) { nodes { id name } } } }",
            json!({ "slug": slug }),
        )
        .await;
    data["publication"]["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .iter()
        .find(|a| a["name"] == name)
        .map(|a| a["id"].clone())
        .unwrap_or_else(|| panic!("{name} is not an author of {slug}"))
}

async fn byline(app: &TestApp, slug: &str) -> Vec<String> {
    app.query(
        "query($slug: String!) { publication(slug: $slug) { authors(first: 100) { nodes { name } } } }",
        json!({ "slug": slug }),
    )
    .await["publication"]["authors"]["nodes"]
        .as_array()
        .expect("authors")
        .iter()
        .map(|a| a["name"].as_str().expect("name").to_owned())
        .collect()
}

const MILLION: &str = "what-language-model-to-train-if-you-have-one-million-gpu-hours";
const SCALING: &str = "scaling-laws-beyond-backpropagation";

async fn merging_authors_keeps_every_publication_and_the_author_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    // A duplicate of Daniel Hesslow, spelled differently, put on the Scaling Laws paper.
    let created = app
        .graphql_as(&token, r#"mutation { createAuthor(input: { name: "D. Hesslow", orcid: "0000-0002-1825-0097" }) { author { id } userErrors { code } } }"#, json!({}))
        .await;
    let duplicate = created["data"]["createAuthor"]["author"]["id"].clone();
    let version = app
        .query(
            &format!(r#"{{ publication(slug: "{SCALING}") {{ id version }} }}"#),
            json!({}),
        )
        .await["publication"]
        .clone();
    let filipovich = author_id(&app, SCALING, "Matthew J. Filipovich").await;
    let cappelli = author_id(&app, SCALING, "Alessandro Cappelli").await;
    let launay = author_id(&app, SCALING, "Julien Launay").await;
    let hesslow = author_id(&app, SCALING, "Daniel Hesslow").await;
    let set = app
        .graphql_as(
            &token,
            "mutation($input: SetPublicationAuthorsInput!) { setPublicationAuthors(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": version["id"], "expectedVersion": version["version"], "authors": [
                { "id": filipovich }, { "id": duplicate }, { "id": cappelli }, { "id": hesslow }, { "id": launay }
            ] } }),
        )
        .await;
    assert_eq!(
        set["data"]["setPublicationAuthors"]["userErrors"],
        json!([]),
        "{set}"
    );
    let million_before = byline(&app, MILLION).await;

    let merged = app
        .graphql_as(
            &token,
            "mutation($input: MergeAuthorsInput!) { mergeAuthors(input: $input) { author { name orcid nameVariants } userErrors { field code } } }",
            json!({ "input": { "sourceIds": [duplicate], "targetId": hesslow } }),
        )
        .await;

    let author = &merged["data"]["mergeAuthors"]["author"];
    assert_eq!(author["name"], "Daniel Hesslow", "{merged}");
    assert_eq!(author["nameVariants"], json!(["D. Hesslow"]));
    assert_eq!(author["orcid"], "0000-0002-1825-0097");
    // The duplicate's place is kept; the target's later place on the same list goes.
    assert_eq!(
        byline(&app, SCALING).await,
        [
            "Matthew J. Filipovich",
            "Daniel Hesslow",
            "Alessandro Cappelli",
            "Julien Launay"
        ]
    );
    assert_eq!(byline(&app, MILLION).await, million_before);
    let gone = app
        .query(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": duplicate }),
        )
        .await;
    assert_eq!(gone["node"], Value::Null);
}

async fn deleting_what_publications_use_is_referenced_unless_detached(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let author = author_id(&app, SCALING, "Matthew J. Filipovich").await;
    let ids = app
        .query(&format!(r#"{{ publication(slug: "{SCALING}") {{ venue {{ id }} }} rita: publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") {{ topics {{ id name }} }} }}"#), json!({}))
        .await;
    let venue = ids["publication"]["venue"]["id"].clone();
    let topic = ids["rita"]["topics"][1]["id"].clone();
    let delete = |field: &str, input: &str| {
        format!(
            "mutation($id: ID!) {{ {field}(input: {{ id: $id{input} }}) {{ userErrors {{ code message }} }} }}"
        )
    };

    let author_refused = app
        .graphql_as(&token, &delete("deleteAuthor", ""), json!({ "id": author }))
        .await;
    let venue_refused = app
        .graphql_as(&token, &delete("deleteVenue", ""), json!({ "id": venue }))
        .await;
    let topic_refused = app
        .graphql_as(&token, &delete("deleteTopic", ""), json!({ "id": topic }))
        .await;
    let author_detached = app
        .graphql_as(
            &token,
            &delete("deleteAuthor", ", onReferenced: DETACH"),
            json!({ "id": author }),
        )
        .await;
    let venue_detached = app
        .graphql_as(
            &token,
            &delete("deleteVenue", ", onReferenced: DETACH"),
            json!({ "id": venue }),
        )
        .await;

    for (refused, field) in [
        (&author_refused, "deleteAuthor"),
        (&venue_refused, "deleteVenue"),
        (&topic_refused, "deleteTopic"),
    ] {
        assert_eq!(
            refused["data"][field]["userErrors"][0]["code"], "REFERENCED",
            "{refused}"
        );
    }
    assert_eq!(
        author_detached["data"]["deleteAuthor"]["userErrors"],
        json!([]),
        "{author_detached}"
    );
    assert_eq!(
        venue_detached["data"]["deleteVenue"]["userErrors"],
        json!([]),
        "{venue_detached}"
    );
    assert_eq!(
        byline(&app, SCALING).await,
        ["Alessandro Cappelli", "Daniel Hesslow", "Julien Launay"]
    );
    let after = app
        .query(
            &format!(r#"{{ publication(slug: "{SCALING}") {{ venue {{ id }} authorCount }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(
        after["publication"],
        json!({ "venue": null, "authorCount": 3 })
    );
}

async fn authors_venues_and_topics_are_created_and_patched(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;

    let venue = app
        .graphql_as(&token, r#"mutation { createVenue(input: { name: "ICML 2023", kind: CONFERENCE, year: 2023 }) { venue { id name year version } userErrors { code } } }"#, json!({}))
        .await;
    let duplicate_venue = app
        .graphql_as(&token, r#"mutation { createVenue(input: { name: "LREC 2022", kind: CONFERENCE }) { venue { id } userErrors { field code } } }"#, json!({}))
        .await;
    let venue = &venue["data"]["createVenue"]["venue"];
    let patched = app
        .graphql_as(
            &token,
            "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { venue { name shortName year } userErrors { code } } }",
            json!({ "input": { "id": venue["id"], "expectedVersion": venue["version"], "shortName": "ICML", "year": null } }),
        )
        .await;
    let stale = app
        .graphql_as(
            &token,
            "mutation($input: UpdateVenueInput!) { updateVenue(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": venue["id"], "expectedVersion": venue["version"], "name": "ICML '23" } }),
        )
        .await;
    let author = app
        .graphql_as(&token, r#"mutation { createAuthor(input: { name: "Ada Lovelace", orcid: "0000-0002-1825-0098" }) { author { id } userErrors { field code } } }"#, json!({}))
        .await;
    let topic = app
        .graphql_as(&token, r#"mutation { createTopic(input: { name: "Scaling Laws" }) { topic { id slug parent { name } } userErrors { code } } }"#, json!({}))
        .await;

    assert_eq!(venue["name"], "ICML 2023");
    assert_eq!(
        duplicate_venue["data"]["createVenue"]["userErrors"],
        json!([{ "field": ["input", "name"], "code": "DUPLICATE" }])
    );
    assert_eq!(
        patched["data"]["updateVenue"]["venue"],
        json!({ "name": "ICML 2023", "shortName": "ICML", "year": null }),
        "{patched}"
    );
    assert_eq!(
        stale["data"]["updateVenue"]["userErrors"],
        json!([{ "code": "CONFLICT" }]),
        "{stale}"
    );
    assert_eq!(
        author["data"]["createAuthor"]["userErrors"],
        json!([{ "field": ["input", "orcid"], "code": "INVALID" }])
    );
    assert_eq!(
        topic["data"]["createTopic"]["topic"]["slug"], "scaling-laws",
        "{topic}"
    );
}

async fn a_topic_cannot_move_under_its_own_subtopic(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let topics = app
        .query(r#"{ publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") { topics { id name version parent { id version } } } }"#, json!({}))
        .await;
    let child = &topics["publication"]["topics"][0];
    let parent = child["parent"]["id"].clone();
    let parent_version = child["parent"]["version"].clone();
    let update = "mutation($input: UpdateTopicInput!) { updateTopic(input: $input) { topic { parent { name } } userErrors { field code } } }";

    let cycle = app
        .graphql_as(
            &token,
            update,
            json!({ "input": { "id": parent, "expectedVersion": parent_version, "parentId": child["id"] } }),
        )
        .await;
    let itself = app
        .graphql_as(
            &token,
            update,
            json!({ "input": { "id": parent, "expectedVersion": parent_version, "parentId": parent } }),
        )
        .await;
    let to_top = app
        .graphql_as(
            &token,
            update,
            json!({ "input": { "id": child["id"], "expectedVersion": child["version"], "parentId": null } }),
        )
        .await;

    assert_eq!(
        cycle["data"]["updateTopic"]["userErrors"],
        json!([{ "field": ["input", "parentId"], "code": "INVALID" }]),
        "{cycle}"
    );
    assert_eq!(
        itself["data"]["updateTopic"]["userErrors"][0]["code"],
        "INVALID"
    );
    assert_eq!(
        to_top["data"]["updateTopic"]["topic"]["parent"],
        Value::Null,
        "{to_top}"
    );
}
