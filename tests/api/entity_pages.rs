use catalogue_tests::{Backend, error_codes, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    an_author_page_lists_their_publications_with_a_constant_number_of_statements,
    a_topic_page_includes_its_subtopics,
    a_venue_is_found_by_slug_with_its_publications,
);

const AUTHOR_PAGE: &str = r#"
query AuthorPage($slug: String!, $first: Int) {
  author(slug: $slug) {
    name nameVariants publicationCount
    publications(first: $first, orderBy: [{ field: PUBLISHED_ON, direction: DESC }]) {
      totalCount
      nodes { title publishedOnDisplay authorCount authors(first: 3) { nodes { name } } venue { name } topics { name } }
    }
  }
}"#;

async fn an_author_page_lists_their_publications_with_a_constant_number_of_statements(
    backend: Backend,
) {
    let app = spawn_app(backend).await;

    let (small, small_cost) = app
        .cost(AUTHOR_PAGE, json!({ "slug": "julien-launay", "first": 1 }))
        .await;
    let (full, full_cost) = app
        .cost(AUTHOR_PAGE, json!({ "slug": "julien-launay", "first": 20 }))
        .await;

    let author = &full["author"];
    assert_eq!(author["name"], "Julien Launay");
    assert_eq!(author["publicationCount"], 4);
    assert_eq!(author["publications"]["totalCount"], 4);
    let titles: Vec<&str> = author["publications"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Scaling Laws Beyond Backpropagation",
            "What Language Model to Train if You Have One Million GPU Hours?",
            "A Holistic Assessment of the Carbon Footprint of Noor, a Very Large Arabic Language Model",
            "PAGnol: An Extra-Large French Generative Model",
        ]
    );
    assert_eq!(
        small["author"]["publications"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(small_cost, full_cost, "statements grow with the page size");
    assert!(full_cost <= 10.0, "{full_cost} statements");
}

async fn a_topic_page_includes_its_subtopics(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = r#"query($slug: String!, $first: Int) { topic(slug: $slug) { name publicationCount children { name publicationCount }
        publications(first: $first) { totalCount nodes { title authors(first: 3) { nodes { name } } venue { name } topics { name } } } } }"#;

    let (small, small_cost) = app.cost(query, json!({ "slug": "llms", "first": 1 })).await;
    let (full, full_cost) = app
        .cost(query, json!({ "slug": "llms", "first": 10 }))
        .await;

    let topic = &full["topic"];
    assert_eq!(topic["publicationCount"], 4, "{topic}");
    assert_eq!(topic["publications"]["totalCount"], 4);
    assert_eq!(
        topic["children"],
        json!([{ "name": "LLMs for Biology", "publicationCount": 1 }])
    );
    assert!(
        topic["publications"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["title"].as_str().is_some_and(|t| t.starts_with("RITA")))
    );
    assert_eq!(
        small["topic"]["publications"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(small_cost, full_cost, "statements grow with the page size");
}

async fn a_venue_is_found_by_slug_with_its_publications(backend: Backend) {
    let app = spawn_app(backend).await;

    let venue = app
        .query(r#"{ venue(slug: "acl-2022-workshop-bigscience") { name kind year publicationCount publications { nodes { title } } } }"#, json!({}))
        .await;
    let by_orcid = app
        .graphql(
            r#"{ author(orcid: "0000-0002-1825-0098") { name } }"#,
            json!({}),
        )
        .await;
    let neither = app.graphql("{ venue { name } }", json!({})).await;

    assert_eq!(venue["venue"]["name"], "ACL 2022 Workshop BigScience");
    assert_eq!(venue["venue"]["publicationCount"], 2);
    assert_eq!(
        venue["venue"]["publications"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(error_codes(&by_orcid), ["BAD_USER_INPUT"], "{by_orcid}");
    assert_eq!(error_codes(&neither), ["BAD_USER_INPUT"]);
}

on_both_databases!(suggest_completes_names_variants_venues_and_topics);

async fn suggest_completes_names_variants_venues_and_topics(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "query($prefix: String!, $kinds: [SuggestionKind!]) { suggest(prefix: $prefix, kinds: $kinds) { kind label node { __typename ... on Author { name } } } }";
    let suggest =
        |prefix: &str, kinds: Value| app.query(query, json!({ "prefix": prefix, "kinds": kinds }));

    let word = suggest("lau", Value::Null).await;
    let variant = suggest("T. Le", json!(["AUTHOR"])).await;
    let topics = suggest("llm", Value::Null).await;
    let venue = suggest("lrec", json!(["VENUE"])).await;
    let wildcard = suggest("%", Value::Null).await;
    let too_many = app
        .graphql("{ suggest(prefix: \"a\", first: 11) { label } }", json!({}))
        .await;

    assert_eq!(
        word["suggest"],
        json!([{ "kind": "AUTHOR", "label": "Julien Launay", "node": { "__typename": "Author", "name": "Julien Launay" } }])
    );
    assert_eq!(
        variant["suggest"],
        json!([{ "kind": "AUTHOR", "label": "T. Le Scao", "node": { "__typename": "Author", "name": "Teven Le Scao" } }])
    );
    let labels: Vec<&str> = topics["suggest"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["label"].as_str().expect("label"))
        .collect();
    assert_eq!(labels, ["LLMs", "LLMs for Biology"]);
    assert_eq!(venue["suggest"][0]["label"], "LREC 2022");
    assert_eq!(wildcard["suggest"], json!([]));
    assert_eq!(error_codes(&too_many), ["BAD_USER_INPUT"]);
}

on_both_databases!(suggest_shows_anonymous_callers_published_entries_only);

async fn suggest_shows_anonymous_callers_published_entries_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let created = app
        .graphql_as(
            &token,
            r#"mutation { createPublication(input: { title: "Unreleased", kind: OTHER, status: DRAFT,
                authors: [{ new: { name: "Zora Quillfeather", nameVariants: ["Z. Quillfeather"] } }],
                venue: { new: { name: "Quillcon 2031", kind: CONFERENCE } } }) { userErrors { field message } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        created["data"]["createPublication"]["userErrors"],
        json!([]),
        "{created}"
    );
    let query = "query($prefix: String!) { suggest(prefix: $prefix) { kind label } }";
    for prefix in ["quill", "zora", "z. q"] {
        let anonymous = app.query(query, json!({ "prefix": prefix })).await;
        assert_eq!(anonymous["suggest"], json!([]), "{prefix}: {anonymous}");
        let editor = app
            .graphql_as(&token, query, json!({ "prefix": prefix }))
            .await;
        assert!(
            !editor["data"]["suggest"]
                .as_array()
                .expect("list")
                .is_empty(),
            "{prefix}: {editor}"
        );
    }
    let editor = app
        .graphql_as(&token, query, json!({ "prefix": "quill" }))
        .await;
    // The name that starts with the prefix first, then the later word.
    assert_eq!(
        editor["data"]["suggest"],
        json!([
            { "kind": "VENUE", "label": "Quillcon 2031" },
            { "kind": "AUTHOR", "label": "Zora Quillfeather" },
        ]),
        "{editor}"
    );
}

on_both_databases!(citations_and_coauthors_are_ready_for_an_author_page);

async fn citations_and_coauthors_are_ready_for_an_author_page(backend: Backend) {
    let app = spawn_app(backend).await;

    let data = app
        .query(
            r#"{ author(slug: "daniel-hesslow") { coauthors(first: 3) { author { name } sharedPublicationCount } }
                 publication(slug: "pagnol-an-extra-large-french-generative-model") { cslJson bibtex } }"#,
            json!({}),
        )
        .await;

    // Hesslow shares 2 papers with Julien Launay and 1 with each other co-author.
    let coauthors = data["author"]["coauthors"].as_array().expect("coauthors");
    assert_eq!(coauthors.len(), 3);
    assert_eq!(
        coauthors[0],
        json!({ "author": { "name": "Julien Launay" }, "sharedPublicationCount": 2 })
    );
    assert!(
        coauthors[1..]
            .iter()
            .all(|c| c["sharedPublicationCount"] == 1),
        "{coauthors:?}"
    );
    let csl = &data["publication"]["cslJson"];
    assert_eq!(csl["type"], "paper-conference");
    assert_eq!(csl["container-title"], "LREC 2022");
    assert_eq!(csl["issued"], json!({ "date-parts": [[2021, 10]] }));
    assert_eq!(
        csl["author"][0],
        json!({ "family": "Launay", "given": "Julien" })
    );
    assert_eq!(csl["author"].as_array().map(Vec::len), Some(8));
    let bibtex = data["publication"]["bibtex"].as_str().expect("bibtex");
    assert!(
        bibtex.starts_with("@inproceedings{launay2021pagnol"),
        "{bibtex}"
    );
    assert!(
        bibtex.contains("LREC 2022") && bibtex.contains("Seddah, Djam"),
        "{bibtex}"
    );
}

on_both_databases!(authors_venues_and_topics_are_listed_by_name_with_cursors);

async fn authors_venues_and_topics_are_listed_by_name_with_cursors(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = r#"query($after: String, $filter: AuthorFilter, $orderBy: [AuthorOrder!]) {
        authors(first: 5, after: $after, filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }"#;

    let mut names = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.query(query, json!({ "after": after })).await["authors"].clone();
        names.extend(
            page["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["name"].as_str().expect("name").to_owned()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let descending = app
        .query(
            query,
            json!({ "orderBy": [{ "field": "NAME", "direction": "DESC" }] }),
        )
        .await;
    let by_variant = app
        .query(query, json!({ "filter": { "search": "t. le" } }))
        .await;
    let venues = app
        .query(
            r#"{ venues(filter: { kinds: [WORKSHOP] }) { totalCount nodes { name } } }"#,
            json!({}),
        )
        .await;
    let topics = app
        .query(
            r#"{ topics(filter: { topLevel: true }) { totalCount nodes { name } } }"#,
            json!({}),
        )
        .await;
    let foreign = app
        .graphql(
            query,
            json!({ "after": after, "filter": { "search": "a" } }),
        )
        .await;

    // Paging by 5 gives the same order as one page of everything, each author once.
    let everything = app
        .query("{ authors(first: 100) { nodes { name } } }", json!({}))
        .await;
    let all: Vec<&str> = everything["authors"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names.len(), 32);
    assert_eq!(names, all);
    assert_eq!(
        descending["authors"]["nodes"][0]["name"],
        names[31].as_str()
    );
    assert_eq!(
        by_variant["authors"],
        json!({ "totalCount": 1, "pageInfo": { "hasNextPage": false, "endCursor": by_variant["authors"]["pageInfo"]["endCursor"] }, "nodes": [{ "name": "Teven Le Scao" }] })
    );
    assert_eq!(venues["venues"]["totalCount"], 2);
    assert_eq!(
        topics["topics"],
        json!({ "totalCount": 2, "nodes": [{ "name": "LLMs" }, { "name": "Machine Learning" }] })
    );
    assert_eq!(error_codes(&foreign), ["INVALID_CURSOR"]);
}

on_both_databases!(names_from_a_public_submission_stay_hidden_until_it_is_published);

async fn names_from_a_public_submission_stay_hidden_until_it_is_published(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("reviewer").await;
    let submitted = app
        .graphql(
            r#"mutation { submitPublication(input: { title: "Buy Cheap Watches", authors: ["Spammy McSpamface"], venue: "Spam Weekly",
                submitterName: "S", submitterEmail: "s@spam.example.com" }) { received } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        submitted["data"]["submitPublication"]["received"], true,
        "{submitted}"
    );
    let look = r#"{ suggest(prefix: "spam") { label } authors(filter: { search: "spammy" }) { totalCount }
                    venues(filter: { search: "spam" }) { totalCount } author(slug: "spammy-mcspamface") { name } }"#;

    let anonymous = app.query(look, json!({})).await;
    let editor = app.graphql_as(&token, look, json!({})).await;
    let draft = app
        .graphql_as(
            &token,
            r#"{ publication(slug: "buy-cheap-watches") { id version } }"#,
            json!({}),
        )
        .await;
    let published = app
        .graphql_as(
            &token,
            "mutation($input: UpdatePublicationInput!) { updatePublication(input: $input) { userErrors { code } } }",
            json!({ "input": { "id": draft["data"]["publication"]["id"], "expectedVersion": draft["data"]["publication"]["version"], "status": "PUBLISHED" } }),
        )
        .await;
    let after = app.query(look, json!({})).await;

    assert_eq!(
        anonymous,
        json!({ "suggest": [], "authors": { "totalCount": 0 }, "venues": { "totalCount": 0 }, "author": null })
    );
    assert_eq!(editor["data"]["authors"]["totalCount"], 1, "{editor}");
    assert_eq!(
        editor["data"]["suggest"].as_array().map(Vec::len),
        Some(2),
        "{editor}"
    );
    assert_eq!(
        published["data"]["updatePublication"]["userErrors"],
        json!([])
    );
    assert_eq!(after["authors"]["totalCount"], 1, "{after}");
    assert_eq!(after["author"]["name"], "Spammy McSpamface");
}
