use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    every_ordering_walks_forward_and_backward_over_each_publication_once,
    pages_neither_skip_nor_repeat_when_rows_come_and_go_between_them,
    each_filter_narrows_the_list_as_documented,
    a_cursor_is_refused_by_another_filter_or_ordering,
);

const LIST: &str = r#"
query List($first: Int, $after: String, $last: Int, $before: String, $filter: PublicationFilter, $orderBy: [PublicationOrder!]) {
  publications(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { title publishedOn createdAt updatedAt authorCount }
  }
}"#;

fn titles(list: &Value) -> Vec<String> {
    list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["title"].as_str().expect("title").to_owned())
        .collect()
}

async fn list(app: &TestApp, variables: Value) -> Value {
    app.query(LIST, variables).await["publications"].clone()
}

async fn walk_forward(app: &TestApp, order_by: &Value, filter: &Value) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    for _ in 0..50 {
        let page = list(
            app,
            json!({ "first": 2, "after": after, "orderBy": order_by, "filter": filter }),
        )
        .await;
        seen.extend(titles(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            return seen;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    panic!("the walk does not end");
}

async fn walk_backward(app: &TestApp, order_by: &Value, filter: &Value) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut before = Value::Null;
    for _ in 0..50 {
        let page = list(
            app,
            json!({ "last": 2, "before": before, "orderBy": order_by, "filter": filter }),
        )
        .await;
        let mut page_titles = titles(&page);
        page_titles.extend(seen);
        seen = page_titles;
        if page["pageInfo"]["hasPreviousPage"] == false {
            return seen;
        }
        before = page["pageInfo"]["startCursor"].clone();
    }
    panic!("the walk does not end");
}

/// Whether `nodes` are sorted by `field` in `direction`, NULL last.
fn sorted(nodes: &[Value], field: &str, descending: bool) -> bool {
    // Numbers compare as zero-padded text.
    let key = |value: &Value| match value {
        Value::Number(n) => Some(format!("{:020}", n.as_i64().unwrap_or_default())),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    nodes
        .windows(2)
        .all(|pair| match (key(&pair[0][field]), key(&pair[1][field])) {
            (Some(a), Some(b)) => {
                if descending {
                    a >= b
                } else {
                    a <= b
                }
            }
            (Some(_), None) | (None, None) => true,
            (None, Some(_)) => false,
        })
}

async fn every_ordering_walks_forward_and_backward_over_each_publication_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let orderings = [
        json!([{ "field": "PUBLISHED_ON", "direction": "DESC" }]),
        json!([{ "field": "PUBLISHED_ON", "direction": "ASC" }]),
        json!([{ "field": "TITLE", "direction": "ASC" }]),
        json!([{ "field": "TITLE", "direction": "DESC" }]),
        json!([{ "field": "CREATED_AT", "direction": "ASC" }]),
        json!([{ "field": "UPDATED_AT", "direction": "DESC" }]),
        json!([{ "field": "PUBLISHED_ON", "direction": "ASC" }, { "field": "TITLE", "direction": "DESC" }]),
        json!([{ "field": "AUTHOR_COUNT", "direction": "DESC" }]),
        json!([{ "field": "AUTHOR_COUNT", "direction": "ASC" }, { "field": "PUBLISHED_ON", "direction": "DESC" }]),
        // Relevance means nothing without a search: the list keeps its default order.
        json!([{ "field": "RELEVANCE", "direction": "DESC" }]),
    ];
    for order_by in &orderings {
        let all = list(&app, json!({ "first": 100, "orderBy": order_by })).await;
        let expected = titles(&all);
        let nodes = all["nodes"].as_array().expect("nodes").clone();
        let first = &order_by[0];
        let field = match first["field"].as_str() {
            Some("PUBLISHED_ON") => "publishedOn",
            Some("TITLE") => "title",
            Some("CREATED_AT") => "createdAt",
            Some("AUTHOR_COUNT") => "authorCount",
            Some("RELEVANCE") => "publishedOn",
            _ => "updatedAt",
        };
        assert!(
            sorted(&nodes, field, first["direction"] == "DESC"),
            "{order_by}: {expected:?}"
        );

        let forward = walk_forward(&app, order_by, &Value::Null).await;
        let backward = walk_backward(&app, order_by, &Value::Null).await;

        assert_eq!(expected.len(), 6, "{order_by}");
        assert_eq!(forward, expected, "forward, {order_by}");
        assert_eq!(backward, expected, "backward, {order_by}");
    }
    // Ties on the date are broken by the second key.
    let tied = list(&app, json!({ "first": 100, "orderBy": orderings[6] })).await;
    let april: Vec<String> = titles(&tied)
        .into_iter()
        .filter(|t| t.starts_with("What Language Model to") || t.starts_with("A Holistic"))
        .collect();
    assert_eq!(
        april,
        [
            "What Language Model to Train if You Have One Million GPU Hours?",
            "A Holistic Assessment of the Carbon Footprint of Noor, a Very Large Arabic Language Model"
        ]
    );
}

async fn pages_neither_skip_nor_repeat_when_rows_come_and_go_between_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let order_by = json!([{ "field": "TITLE", "direction": "ASC" }]);
    let before: Vec<String> =
        titles(&list(&app, json!({ "first": 100, "orderBy": order_by })).await);

    let first = list(&app, json!({ "first": 2, "orderBy": order_by })).await;
    // Between pages: a new title that sorts first, and one not yet seen is deleted.
    app.graphql_as(&token, r#"mutation { createPublication(input: { title: "AAA Inserted Meanwhile", kind: OTHER, status: PUBLISHED, authors: [{ new: { name: "Ada Example" } }] }) { publication { id } } }"#, json!({})).await;
    let victim = app
        .query(r#"{ publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") { id version } }"#, json!({}))
        .await["publication"]
        .clone();
    let deleted = app
        .graphql_as(&token, "mutation($input: DeletePublicationInput!) { deletePublication(input: $input) { userErrors { code } } }", json!({ "input": { "id": victim["id"], "expectedVersion": victim["version"] } }))
        .await;
    assert_eq!(
        deleted["data"]["deletePublication"]["userErrors"],
        json!([]),
        "{deleted}"
    );
    let mut seen = titles(&first);
    let mut after = first["pageInfo"]["endCursor"].clone();
    loop {
        let page = list(
            &app,
            json!({ "first": 2, "after": after, "orderBy": order_by }),
        )
        .await;
        seen.extend(titles(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }

    let expected: Vec<String> = before
        .into_iter()
        .filter(|t| !t.starts_with("RITA"))
        .collect();
    assert_eq!(seen, expected);
}

async fn count_of(app: &TestApp, filter: Value) -> (i64, usize) {
    let page = list(app, json!({ "first": 100, "filter": filter })).await;
    (
        page["totalCount"].as_i64().expect("totalCount"),
        page["nodes"].as_array().expect("nodes").len(),
    )
}

async fn each_filter_narrows_the_list_as_documented(backend: Backend) {
    let app = spawn_app(backend).await;
    let ids = app
        .query(
            r#"{ million: publication(slug: "what-language-model-to-train-if-you-have-one-million-gpu-hours") {
                 authors(first: 20) { nodes { id name } } venue { id } topics { id } }
                 rita: publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") { topics { id name } } }"#,
            json!({}),
        )
        .await;
    let author = |name: &str| {
        ids["million"]["authors"]["nodes"]
            .as_array()
            .expect("authors")
            .iter()
            .find(|a| a["name"] == name)
            .expect("author")["id"]
            .clone()
    };
    let (hesslow, launay, le_scao) = (
        author("Daniel Hesslow"),
        author("Julien Launay"),
        author("Teven Le Scao"),
    );
    let bigscience = ids["million"]["venue"]["id"].clone();
    let llms = ids["million"]["topics"][0]["id"].clone();
    let machine_learning = ids["rita"]["topics"][1]["id"].clone();

    let cases = [
        ("kinds", json!({ "kinds": ["WORKSHOP_PAPER"] }), 3),
        ("year", json!({ "year": { "from": 2022 } }), 3),
        (
            "year range",
            json!({ "year": { "from": 2021, "to": 2021 } }),
            1,
        ),
        (
            "publishedOn",
            json!({ "publishedOn": { "from": "2022-04-01", "to": "2022-11-30" } }),
            2,
        ),
        (
            "topic with subtopics",
            json!({ "topics": { "anyOf": [llms] } }),
            4,
        ),
        ("no topic", json!({ "topics": { "noneOf": [llms] } }), 2),
        (
            "all topics",
            json!({ "topics": { "allOf": [llms, machine_learning] } }),
            1,
        ),
        (
            "any author",
            json!({ "authors": { "anyOf": [le_scao] } }),
            2,
        ),
        (
            "all authors",
            json!({ "authors": { "allOf": [hesslow, launay] } }),
            2,
        ),
        (
            "no author",
            json!({ "authors": { "noneOf": [hesslow] } }),
            3,
        ),
        ("venue", json!({ "venues": { "anyOf": [bigscience] } }), 2),
        (
            "not the venue",
            json!({ "venues": { "noneOf": [bigscience] } }),
            4,
        ),
        ("venue kind", json!({ "venueKinds": ["CONFERENCE"] }), 1),
        ("pdf", json!({ "hasPdf": true }), 0),
        ("no pdf", json!({ "hasPdf": false }), 6),
        (
            "or",
            json!({ "or": [{ "kinds": ["PREPRINT"] }, { "year": { "to": 2021 } }] }),
            3,
        ),
        ("not", json!({ "not": { "kinds": ["WORKSHOP_PAPER"] } }), 3),
        (
            "and",
            json!({ "and": [{ "year": { "from": 2022 } }, { "authors": { "anyOf": [launay] } }] }),
            3,
        ),
        ("nothing", json!({ "kinds": ["THESIS"] }), 0),
    ];
    for (what, filter, expected) in cases {
        let (total, listed) = count_of(&app, filter).await;
        assert_eq!((total, listed), (expected, expected as usize), "{what}");
    }
    let bad = app
        .graphql(
            LIST,
            json!({ "filter": { "authors": { "anyOf": [bigscience] } } }),
        )
        .await;
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{bad}");
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("filter.authors.anyOf[0]")),
        "{bad}"
    );
    // A bound that cannot be a year of the catalogue is a mistake, not a range that holds
    // everything (or nothing).
    for (year, field) in [
        (json!({ "from": 300_000 }), "filter.year.from"),
        (json!({ "from": 2_147_483_647 }), "filter.year.from"),
        (json!({ "to": -2_147_483_648_i64 }), "filter.year.to"),
        (json!({ "from": 22 }), "filter.year.from"),
        (json!({ "from": 2020, "to": 10_000 }), "filter.year.to"),
    ] {
        let bad = app
            .graphql(
                LIST,
                json!({ "first": 1, "filter": { "or": [{ "year": year }] } }),
            )
            .await;
        assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"], "{year}: {bad}");
        let field = field.replace("filter.", "filter.or[0].");
        assert!(
            bad["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(&field) && m.contains("between 1000 and 9999")),
            "{year}: {bad}"
        );
    }
    let (total, _) = count_of(&app, json!({ "year": { "from": 1000, "to": 9999 } })).await;
    assert!(
        total > 0,
        "the widest range of years holds the dated entries"
    );
}

async fn a_cursor_is_refused_by_another_filter_or_ordering(backend: Backend) {
    let app = spawn_app(backend).await;
    let filter = json!({ "year": { "from": 2021 } });
    let page = list(&app, json!({ "first": 1, "filter": filter })).await;
    let cursor = page["pageInfo"]["endCursor"].clone();

    let same = app
        .graphql(
            LIST,
            json!({ "first": 1, "after": cursor, "filter": filter }),
        )
        .await;
    let other_filter = app
        .graphql(
            LIST,
            json!({ "first": 1, "after": cursor, "filter": { "year": { "from": 2022 } } }),
        )
        .await;
    let other_order = app.graphql(LIST, json!({ "first": 1, "after": cursor, "filter": filter, "orderBy": [{ "field": "TITLE", "direction": "ASC" }] })).await;

    assert!(same.get("errors").is_none(), "{same}");
    assert_eq!(error_codes(&other_filter), ["INVALID_CURSOR"]);
    assert_eq!(error_codes(&other_order), ["INVALID_CURSOR"]);
}

on_both_databases!(facets_count_each_dimension_without_its_own_filter);

const FACETS: &str = r#"
query Facets($filter: PublicationFilter) {
  publications(filter: $filter) {
    totalCount
    facets {
      years { year count }
      kinds { kind count }
      venueKinds { kind count }
      venues { venue { name } count }
      topics { topic { name } count }
    }
  }
}"#;

async fn facets_count_each_dimension_without_its_own_filter(backend: Backend) {
    let app = spawn_app(backend).await;

    let all = app.query(FACETS, json!({})).await["publications"].clone();
    let in_2022 = app
        .query(
            FACETS,
            json!({ "filter": { "year": { "from": 2022, "to": 2022 } } }),
        )
        .await["publications"]
        .clone();

    let facets = &all["facets"];
    assert_eq!(
        facets["years"],
        json!([{ "year": 2022, "count": 3 }, { "year": 2021, "count": 1 }])
    );
    assert_eq!(
        facets["kinds"],
        json!([{ "kind": "WORKSHOP_PAPER", "count": 3 }, { "kind": "PREPRINT", "count": 2 }, { "kind": "CONFERENCE_PAPER", "count": 1 }])
    );
    assert_eq!(
        facets["venueKinds"][0],
        json!({ "kind": "WORKSHOP", "count": 3 })
    );
    assert_eq!(
        facets["venues"][0],
        json!({ "venue": { "name": "ACL 2022 Workshop BigScience" }, "count": 2 })
    );
    assert_eq!(
        facets["topics"],
        json!([
            { "topic": { "name": "LLMs" }, "count": 4 },
            { "topic": { "name": "Machine Learning" }, "count": 1 },
            { "topic": { "name": "LLMs for Biology" }, "count": 1 },
        ])
    );
    // The kinds add up to the list.
    let kinds_total: i64 = facets["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .map(|k| k["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(kinds_total, all["totalCount"].as_i64().expect("total"));
    // With 2022 selected, the years facet still shows 2021; the others count 2022 only.
    assert_eq!(in_2022["totalCount"], 3);
    assert_eq!(in_2022["facets"]["years"], facets["years"]);
    assert_eq!(
        in_2022["facets"]["kinds"],
        json!([{ "kind": "WORKSHOP_PAPER", "count": 3 }])
    );
}

on_both_databases!(search_finds_words_in_titles_abstracts_authors_and_venues);

async fn search_finds_words_in_titles_abstracts_authors_and_venues(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        ("scaling", 4),
        ("Launay", 4),
        ("\"T. Le Scao\"", 2),
        ("niccolo", 1),
        ("bigscience", 2),
        ("scaling -backpropagation", 3),
        ("protein OR arabic", 2),
        ("\"language model\"", 3),
        ("scaling protein", 1),
        ("zzzz", 0),
    ];
    for (search, expected) in cases {
        let (total, listed) = count_of(&app, json!({ "search": search })).await;
        assert_eq!((total, listed), (expected, expected as usize), "{search}");
    }
    let combined = count_of(
        &app,
        json!({ "search": "scaling", "kinds": ["WORKSHOP_PAPER"] }),
    )
    .await;
    assert_eq!(combined, (2, 2));
}

on_both_databases!(search_reads_a_search_box_as_people_type_into_it);

/// Stems, the last word as a prefix while it is typed, one typo forgiven in longer words,
/// no stop words: the same on both databases, since one index serves both.
async fn search_reads_a_search_box_as_people_type_into_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        // Stems: "models" is "model", "architectures" is "architecture".
        ("models", 5),
        ("architectures", 2),
        // The word being typed is a prefix ...
        ("protei", 1),
        ("sequence prot", 1),
        ("generat", 3),
        // ... only while it is the last, and of three letters or more.
        ("prot sequence", 0),
        ("pr", 0),
        // One typo (added, dropped, changed or swapped letters) in words of five or more.
        ("scalling", 4),
        ("protien", 1),
        ("scaling backpropogation", 1),
        ("modle", 5),
        // Not two, nor in short words.
        ("scallinng", 0),
        ("lwas", 0),
        // Stop words are words like any other.
        ("what", 3),
        ("\"to train\"", 1),
    ];
    for (search, expected) in cases {
        let (total, listed) = count_of(&app, json!({ "search": search })).await;
        assert_eq!((total, listed), (expected, expected as usize), "{search}");
    }

    // Highlights follow what matched: the stem, the prefix, the corrected word.
    let query = r#"query($search: String) { publications(filter: { search: $search }, orderBy: [{ field: TITLE, direction: ASC }]) {
        edges { highlights { title { text matched } } } } }"#;
    for (search, marked) in [
        ("models", "Model"),
        ("protei", "Protein"),
        ("scalling", "Scaling"),
    ] {
        let found = app.query(query, json!({ "search": search })).await;
        let fragments: Vec<String> = found["publications"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .flat_map(|edge| {
                edge["highlights"]["title"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|fragment| fragment["matched"] == true)
            .filter_map(|fragment| fragment["text"].as_str().map(str::to_owned))
            .collect();
        assert!(
            fragments.iter().any(|text| text == marked),
            "{search}: {fragments:?}"
        );
        assert!(
            fragments
                .iter()
                .all(|text| text.to_lowercase().starts_with(&marked.to_lowercase()[..3])),
            "{search}: {fragments:?}"
        );
    }
}

on_both_databases!(cached_facets_follow_every_change);

async fn cached_facets_follow_every_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let kinds = "{ publications { facets { kinds { kind count } years { year count } } } }";

    let before = app.query(kinds, json!({})).await;
    let again = app.query(kinds, json!({})).await;
    app.graphql_as(&token, r#"mutation { createPublication(input: { title: "A Thesis", kind: THESIS, status: PUBLISHED, authors: [{ new: { name: "Ada Example" } }], publishedOn: "2019" }) { publication { id } } }"#, json!({}))
        .await;
    let after = app.query(kinds, json!({})).await;

    assert_eq!(before, again);
    let facets = &after["publications"]["facets"];
    assert!(
        facets["kinds"]
            .as_array()
            .expect("kinds")
            .contains(&json!({ "kind": "THESIS", "count": 1 })),
        "{after}"
    );
    assert!(
        facets["years"]
            .as_array()
            .expect("years")
            .contains(&json!({ "year": 2019, "count": 1 })),
        "{after}"
    );
}

on_both_databases!(
    search_ranks_title_matches_first_and_pages_in_rank_order,
    search_follows_every_edit,
);

async fn search_ranks_title_matches_first_and_pages_in_rank_order(backend: Backend) {
    let app = spawn_app(backend).await;
    // "Architecture" is in one title; "architectures" in another paper's abstract only.
    let ranked = list(&app, json!({ "filter": { "search": "architecture" } })).await;
    assert_eq!(
        titles(&ranked),
        [
            "What Language Model Architecture and Pretraining Objective Work Best for Zero-Shot Generalization?",
            "What Language Model to Train if You Have One Million GPU Hours?",
        ]
    );
    // The same when asked for explicitly, and the other way round when reversed.
    let reversed = list(
        &app,
        json!({ "filter": { "search": "architecture" }, "orderBy": [{ "field": "RELEVANCE", "direction": "ASC" }] }),
    )
    .await;
    let mut expected = titles(&ranked);
    expected.reverse();
    assert_eq!(titles(&reversed), expected);

    // Walking a ranked list with many ties visits each match once, in rank order.
    let filter = json!({ "search": "model OR scaling" });
    for order_by in [
        Value::Null,
        json!([{ "field": "RELEVANCE", "direction": "ASC" }, { "field": "TITLE", "direction": "ASC" }]),
        json!([{ "field": "RELEVANCE", "direction": "DESC" }, { "field": "TITLE", "direction": "ASC" }]),
    ] {
        let all = list(
            &app,
            json!({ "first": 100, "filter": filter, "orderBy": order_by }),
        )
        .await;
        let expected = titles(&all);
        assert_eq!(all["totalCount"], 6, "{all}");
        assert_eq!(expected.len(), 6, "{order_by}");
        assert_eq!(
            walk_forward(&app, &order_by, &filter).await,
            expected,
            "forward, {order_by}"
        );
        assert_eq!(
            walk_backward(&app, &order_by, &filter).await,
            expected,
            "backward, {order_by}"
        );
    }
}

async fn search_follows_every_edit(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let found = |search: &'static str| {
        let app = &app;
        async move { count_of(app, json!({ "search": search })).await.0 }
    };
    let run = |query: &'static str, variables: Value| {
        let (app, token) = (&app, &token);
        async move {
            let answer = app.graphql_as(token, query, variables).await;
            assert!(answer["errors"].is_null(), "{answer}");
            let payload = answer["data"]
                .as_object()
                .and_then(|d| d.values().next())
                .cloned();
            assert_eq!(
                payload.as_ref().map(|p| p["userErrors"].clone()),
                Some(json!([])),
                "{answer}"
            );
        }
    };
    assert_eq!(found("Launay").await, 4);
    assert_eq!(found("Lovelace").await, 0);

    // An author renamed: found under the new name, no longer under the old one.
    let author = app
        .query(
            r#"{ authors(filter: { search: "Launay" }) { nodes { id version } } }"#,
            json!({}),
        )
        .await["authors"]["nodes"][0]
        .clone();
    run(
        "mutation($id: ID!, $v: Int!) { updateAuthor(input: { id: $id, expectedVersion: $v, name: \"Ada Lovelace\" }) { userErrors { code } } }",
        json!({ "id": author["id"], "v": author["version"] }),
    )
    .await;
    assert_eq!(found("Lovelace").await, 4);
    assert_eq!(found("Launay").await, 0);

    // A venue renamed.
    let venue = app
        .query(
            r#"{ venues(filter: { search: "LREC" }) { nodes { id version } } }"#,
            json!({}),
        )
        .await["venues"]["nodes"][0]
        .clone();
    run(
        "mutation($id: ID!, $v: Int!) { updateVenue(input: { id: $id, expectedVersion: $v, name: \"Symposium on Quokkas\" }) { userErrors { code } } }",
        json!({ "id": venue["id"], "v": venue["version"] }),
    )
    .await;
    assert_eq!(found("quokka").await, 1);

    // A title changed, then the publication deleted.
    let rita = app
        .query(r#"{ publication(slug: "rita-a-study-on-scaling-up-generative-protein-sequence-models") { id version } }"#, json!({}))
        .await["publication"]
        .clone();
    run(
        "mutation($id: ID!, $v: Int!) { updatePublication(input: { id: $id, expectedVersion: $v, title: \"RITA: Wombats\" }) { userErrors { code } } }",
        json!({ "id": rita["id"], "v": rita["version"] }),
    )
    .await;
    assert_eq!(found("wombat").await, 1);
    run(
        "mutation($id: ID!, $v: Int!) { deletePublication(input: { id: $id, expectedVersion: $v }) { userErrors { code } } }",
        json!({ "id": rita["id"], "v": rita["version"].as_i64().unwrap_or_default() + 1 }),
    )
    .await;
    assert_eq!(found("wombat").await, 0);
    assert_eq!(found("protein").await, 0);

    // A new publication is found at once.
    run(
        r#"mutation { createPublication(input: { title: "Platypus Transformers", kind: OTHER, status: PUBLISHED, authors: [{ new: { name: "Ada Example" } }] }) { userErrors { code } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(found("platypus").await, 1);
}

on_both_databases!(search_results_carry_highlighted_fragments);

async fn search_results_carry_highlighted_fragments(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = r#"query($search: String) { publications(filter: { search: $search }, orderBy: [{ field: TITLE, direction: ASC }]) {
        edges { node { title } highlights { title { text matched } abstract { text matched } } } } }"#;

    let found = app.query(query, json!({ "search": "protein" })).await;
    let plain = app.query(query, json!({ "search": null })).await;
    let by_author = app.query(query, json!({ "search": "Beltagy" })).await;

    let edge = &found["publications"]["edges"][0];
    assert_eq!(
        edge["node"]["title"],
        "RITA: a Study on Scaling Up Generative Protein Sequence Models"
    );
    let title = edge["highlights"]["title"]
        .as_array()
        .expect("title fragments");
    let marked: Vec<&str> = title
        .iter()
        .filter(|f| f["matched"] == true)
        .map(|f| f["text"].as_str().expect("text"))
        .collect();
    assert_eq!(marked, ["Protein"]);
    let whole: String = title
        .iter()
        .map(|f| f["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        whole,
        "RITA: a Study on Scaling Up Generative Protein Sequence Models"
    );
    assert!(
        edge["highlights"]["abstract"].as_array().is_some_and(|a| a
            .iter()
            .any(|f| f["matched"] == true && f["text"] == "protein")),
        "{edge}"
    );
    assert!(
        plain["publications"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .all(|e| e["highlights"].is_null())
    );
    // A match on an author's name only has nothing to highlight in the title or abstract.
    assert_eq!(
        by_author["publications"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        by_author["publications"]["edges"][0]["highlights"],
        Value::Null
    );
}

on_both_databases!(paging_a_ranked_search_visits_every_match_once_both_ways);

/// A ranked search over many matches with many equal scores (the same words in many titles):
/// walking it forward and backward in small pages, on a catalogue that does not change,
/// visits every match once, the backward walk in the forward walk's order.
async fn paging_a_ranked_search_visits_every_match_once_both_ways(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("editor").await;
    let words = [
        "protein", "folding", "sequence", "language", "graph", "kernel",
    ];
    for n in 0..60usize {
        let title = format!(
            "{} {} {} study {}",
            words[n % 6],
            words[(n / 6) % 6],
            words[(n * 7 + 3) % 6],
            n % 4
        );
        let created = app
            .graphql_as(
                &token,
                r#"mutation($title: String!) { createPublication(input: { title: $title, kind: PREPRINT }) { publication { id } } }"#,
                json!({ "title": title }),
            )
            .await;
        assert!(created.get("errors").is_none(), "{created}");
    }
    let filter = json!({ "search": "protein OR graph study", "statuses": ["DRAFT"] });
    let walk = |backward: bool| {
        let (app, token, filter) = (&app, &token, &filter);
        async move {
            let mut seen: Vec<String> = Vec::new();
            let mut cursor = Value::Null;
            for _ in 0..100 {
                let variables = if backward {
                    json!({ "last": 7, "before": cursor, "filter": filter })
                } else {
                    json!({ "first": 7, "after": cursor, "filter": filter })
                };
                let page = app.graphql_as(token, LIST_IDS, variables).await;
                let page = &page["data"]["publications"];
                let total = page["totalCount"].as_u64();
                let ids: Vec<String> = page["nodes"]
                    .as_array()
                    .expect("nodes")
                    .iter()
                    .filter_map(|node| node["id"].as_str().map(str::to_owned))
                    .collect();
                if backward {
                    seen.splice(0..0, ids);
                    if page["pageInfo"]["hasPreviousPage"] == false {
                        return (seen, total);
                    }
                    cursor = page["pageInfo"]["startCursor"].clone();
                } else {
                    seen.extend(ids);
                    if page["pageInfo"]["hasNextPage"] == false {
                        return (seen, total);
                    }
                    cursor = page["pageInfo"]["endCursor"].clone();
                }
            }
            panic!("the walk does not end");
        }
    };
    let (forward, total) = walk(false).await;
    let (backward, _) = walk(true).await;
    let mut distinct = forward.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), forward.len(), "a match was seen twice");
    assert_eq!(Some(forward.len() as u64), total);
    assert!(
        forward.len() > 20,
        "too few matches to page: {}",
        forward.len()
    );
    assert_eq!(backward, forward);
}

const LIST_IDS: &str = r#"
query($first: Int, $after: String, $last: Int, $before: String, $filter: PublicationFilter) {
  publications(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id }
  }
}"#;
