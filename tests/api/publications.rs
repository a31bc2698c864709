use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

on_both_databases!(
    the_listing_shows_the_sample_catalogue_newest_first,
    a_publication_lists_its_authors_in_byline_order,
    paging_forward_and_backward_visits_every_publication_once,
    bad_page_sizes_and_cursors_are_refused_with_a_code,
    a_publication_is_found_by_id_slug_and_node,
    topics_know_their_parent_and_authors_their_name_variants,
    drafts_are_invisible_to_anonymous_callers,
);

const LISTING: &str = r#"
query Listing($first: Int) {
  publications(first: $first) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage }
    nodes {
      title authorCount year publishedOn publishedOnPrecision publishedOnDisplay
      venue { name kind }
      topics { name }
      authors(first: 3) { edges { position node { name } } }
    }
  }
}"#;

async fn the_listing_shows_the_sample_catalogue_newest_first(backend: Backend) {
    let app = spawn_app(backend).await;

    let data = app.query(LISTING, json!({ "first": 10 })).await;

    let list = &data["publications"];
    assert_eq!(list["totalCount"], 6);
    assert_eq!(
        list["pageInfo"],
        json!({ "hasNextPage": false, "hasPreviousPage": false })
    );
    let titles: Vec<&str> = list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    // December 2022, then the two April 2022 papers (ties broken by id, newest first), then
    // October 2021, then the two without a date.
    assert_eq!(
        titles,
        [
            "Scaling Laws Beyond Backpropagation",
            "What Language Model to Train if You Have One Million GPU Hours?",
            "A Holistic Assessment of the Carbon Footprint of Noor, a Very Large Arabic Language Model",
            "PAGnol: An Extra-Large French Generative Model",
            "RITA: a Study on Scaling Up Generative Protein Sequence Models",
            "What Language Model Architecture and Pretraining Objective Work Best for Zero-Shot Generalization?",
        ]
    );
    let one_million = &list["nodes"][1];
    assert_eq!(one_million["authorCount"], 18);
    assert_eq!(one_million["year"], 2022);
    assert_eq!(one_million["publishedOn"], "2022-04");
    assert_eq!(one_million["publishedOnPrecision"], "MONTH");
    assert_eq!(one_million["publishedOnDisplay"], "April 2022");
    assert_eq!(
        one_million["venue"],
        json!({ "name": "ACL 2022 Workshop BigScience", "kind": "WORKSHOP" })
    );
    assert_eq!(one_million["topics"], json!([{ "name": "LLMs" }]));
    assert_eq!(
        one_million["authors"]["edges"],
        json!([
            { "position": 1, "node": { "name": "Daniel Hesslow" } },
            { "position": 2, "node": { "name": "Teven Le Scao" } },
            { "position": 3, "node": { "name": "Lucile Saulnier" } },
        ])
    );
    let pagnol = &list["nodes"][3];
    assert_eq!(pagnol["publishedOnDisplay"], "October 2021");
    assert_eq!(pagnol["venue"]["kind"], "CONFERENCE");
    let undated = &list["nodes"][5];
    assert_eq!(
        (
            undated["publishedOn"].clone(),
            undated["year"].clone(),
            undated["venue"].clone()
        ),
        (Value::Null, Value::Null, Value::Null)
    );
}

const AUTHORS_PAGE: &str = r#"
query Authors($slug: String!, $after: String) {
  publication(slug: $slug) {
    authorCount
    authors(first: 5, after: $after) {
      pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { position cursor node { name } }
    }
  }
}"#;

async fn a_publication_lists_its_authors_in_byline_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let slug = "what-language-model-to-train-if-you-have-one-million-gpu-hours";

    let mut names = Vec::new();
    let mut positions = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app
            .query(AUTHORS_PAGE, json!({ "slug": slug, "after": after }))
            .await;
        let authors = &data["publication"]["authors"];
        for edge in authors["edges"].as_array().expect("edges") {
            names.push(edge["node"]["name"].as_str().expect("name").to_owned());
            positions.push(edge["position"].as_i64().expect("position"));
        }
        assert_eq!(authors["pageInfo"]["hasPreviousPage"], pages > 0);
        pages += 1;
        if authors["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = authors["pageInfo"]["endCursor"].clone();
        assert!(pages < 10, "the author list does not end");
    }

    assert_eq!(pages, 4);
    assert_eq!(positions, (1..=18).collect::<Vec<_>>());
    assert_eq!(names.first().map(String::as_str), Some("Daniel Hesslow"));
    assert_eq!(names.get(16).map(String::as_str), Some("Julien Launay"));
    assert_eq!(names.last().map(String::as_str), Some("Iz Beltagy"));
}

const PAGE: &str = r#"
query Page($first: Int, $after: String, $last: Int, $before: String) {
  publications(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { title }
  }
}"#;

fn titles(page: &Value) -> Vec<String> {
    page["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title").to_owned())
        .collect()
}

async fn all_titles(app: &TestApp) -> Vec<String> {
    titles(&app.query(PAGE, json!({ "first": 100 })).await["publications"])
}

async fn paging_forward_and_backward_visits_every_publication_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let expected = all_titles(&app).await;

    let mut forward = Vec::new();
    let mut after = Value::Null;
    loop {
        let page =
            app.query(PAGE, json!({ "first": 2, "after": after })).await["publications"].clone();
        forward.extend(titles(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }

    let mut backward = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = app
            .query(PAGE, json!({ "last": 2, "before": before }))
            .await["publications"]
            .clone();
        let mut page_titles = titles(&page);
        page_titles.extend(backward);
        backward = page_titles;
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }

    assert_eq!(expected.len(), 6);
    assert_eq!(forward, expected);
    assert_eq!(backward, expected);
}

async fn bad_page_sizes_and_cursors_are_refused_with_a_code(backend: Backend) {
    let app = spawn_app(backend).await;

    let too_many = app.graphql(PAGE, json!({ "first": 101 })).await;
    let negative = app.graphql(PAGE, json!({ "last": -1 })).await;
    let both = app.graphql(PAGE, json!({ "first": 1, "last": 1 })).await;
    let garbage = app.graphql(PAGE, json!({ "after": "not-a-cursor" })).await;
    let author_cursor = app
        .query(
            AUTHORS_PAGE,
            json!({ "slug": "scaling-laws-beyond-backpropagation" }),
        )
        .await["publication"]["authors"]["pageInfo"]["endCursor"]
        .clone();
    let foreign = app.graphql(PAGE, json!({ "after": author_cursor })).await;

    assert_eq!(error_codes(&too_many), ["BAD_USER_INPUT"]);
    assert!(
        too_many["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("first: must be between 0 and 100")),
        "{too_many}"
    );
    assert_eq!(error_codes(&negative), ["BAD_USER_INPUT"]);
    assert_eq!(error_codes(&both), ["BAD_USER_INPUT"]);
    assert_eq!(error_codes(&garbage), ["INVALID_CURSOR"]);
    assert!(
        garbage["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("after: ")),
        "{garbage}"
    );
    assert_eq!(error_codes(&foreign), ["INVALID_CURSOR"]);
}

async fn a_publication_is_found_by_id_slug_and_node(backend: Backend) {
    let app = spawn_app(backend).await;
    let by_slug = app
        .query(
            r#"{ publication(slug: "pagnol-an-extra-large-french-generative-model") { id title } }"#,
            json!({}),
        )
        .await;
    let id = by_slug["publication"]["id"].clone();

    let by_id = app
        .query(
            "query($id: ID) { publication(id: $id) { title } }",
            json!({ "id": id }),
        )
        .await;
    let node = app
        .query(
            "query($id: ID!) { node(id: $id) { __typename id ... on Publication { title } } }",
            json!({ "id": id }),
        )
        .await;
    let nodes = app
        .query(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [id, id] }),
        )
        .await;
    let missing = app
        .query(
            r#"{ publication(slug: "no-such-paper") { id } }"#,
            json!({}),
        )
        .await;
    let neither = app.graphql("{ publication { id } }", json!({})).await;
    let not_an_id = app.graphql(r#"{ node(id: "1") { id } }"#, json!({})).await;

    assert_eq!(
        by_slug["publication"]["title"],
        "PAGnol: An Extra-Large French Generative Model"
    );
    assert_eq!(
        by_id["publication"]["title"],
        by_slug["publication"]["title"]
    );
    assert_eq!(node["node"]["__typename"], "Publication");
    assert_eq!(node["node"]["title"], by_slug["publication"]["title"]);
    assert_eq!(nodes["nodes"], json!([{ "id": id }, { "id": id }]));
    assert_eq!(missing["publication"], Value::Null);
    assert_eq!(error_codes(&neither), ["BAD_USER_INPUT"]);
    assert_eq!(error_codes(&not_an_id), ["BAD_USER_INPUT"]);
}

async fn topics_know_their_parent_and_authors_their_name_variants(backend: Backend) {
    let app = spawn_app(backend).await;

    let data = app
        .query(
            r#"{ publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") {
                 topics { name parent { name children { name } } }
                 authors(first: 2) { nodes { name nameVariants } }
               } }"#,
            json!({}),
        )
        .await;

    assert_eq!(
        data["publication"]["topics"],
        json!([
            { "name": "LLMs for Biology", "parent": { "name": "LLMs", "children": [{ "name": "LLMs for Biology" }] } },
            { "name": "Machine Learning", "parent": null },
        ])
    );
    assert_eq!(
        data["publication"]["authors"]["nodes"],
        json!([
            { "name": "Daniel Hesslow", "nameVariants": [] },
            { "name": "Niccoló Zanichelli", "nameVariants": ["Niccolo Zanichelli"] },
        ])
    );
}

async fn drafts_are_invisible_to_anonymous_callers(backend: Backend) {
    let app = spawn_app(backend).await;
    let pagnol = app
        .query(
            r#"{ publication(slug: "pagnol-an-extra-large-french-generative-model") { id } }"#,
            json!({}),
        )
        .await["publication"]["id"]
        .clone();
    app.db
        .execute_unprepared("UPDATE publication SET status = 'draft' WHERE slug = 'pagnol-an-extra-large-french-generative-model'")
        .await
        .expect("update");
    // An edit made outside the service reaches the read index once the instance gives it a
    // revision (it looks every 2 s); the next request then waits for it.
    let revision = app.query("{ revision }", json!({})).await["revision"]
        .as_i64()
        .expect("a revision");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.query("{ revision }", json!({})).await["revision"].as_i64() == Some(revision) {
        assert!(
            std::time::Instant::now() < deadline,
            "the edit got no revision"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let listing = app.query(LISTING, json!({ "first": 10 })).await;
    let by_slug = app
        .query(
            r#"{ publication(slug: "pagnol-an-extra-large-french-generative-model") { id } }"#,
            json!({}),
        )
        .await;
    let by_node = app
        .query(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": pagnol }),
        )
        .await;

    assert_eq!(listing["publications"]["totalCount"], 5);
    assert!(
        !titles(&listing["publications"])
            .iter()
            .any(|t| t.starts_with("PAGnol"))
    );
    assert_eq!(by_slug["publication"], Value::Null);
    assert_eq!(by_node["node"], Value::Null);
}
