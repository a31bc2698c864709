//! Reads added for frontends: lookups by DOI and arXiv id, the full author connection of a
//! publication, and directory lists sorted by publication count.

use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(a_publication_is_found_by_doi_or_arxiv_id_and_drafts_stay_hidden);

const CREATE: &str = "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id } userErrors { field message } } }";

/// Creates a publication as `token`'s editor and returns its global id.
async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let created = app
        .graphql_as(token, CREATE, json!({ "input": input }))
        .await;
    assert_eq!(
        created["data"]["createPublication"]["userErrors"],
        json!([]),
        "{created}"
    );
    created["data"]["createPublication"]["publication"]["id"].clone()
}

async fn a_publication_is_found_by_doi_or_arxiv_id_and_drafts_stay_hidden(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let published = create(
        &app,
        &token,
        json!({ "title": "Found by Identifier", "kind": "PREPRINT", "status": "PUBLISHED",
                "doi": "10.1/ABC", "arxivId": "2206.15342",
                "authors": [{ "new": { "name": "Ida Identifier" } }] }),
    )
    .await;
    let draft = create(
        &app,
        &token,
        json!({ "title": "Still a Draft", "kind": "PREPRINT", "status": "DRAFT",
                "doi": "10.5555/draft.1", "arxivId": "hep-th/9901001" }),
    )
    .await;
    let by = |argument: &str| {
        format!(
            "query($value: String) {{ publication({argument}: $value) {{ id title doi arxivId }} }}"
        )
    };
    let (doi, arxiv) = (by("doi"), by("arxivId"));

    let by_resolver_url = app
        .query(&doi, json!({ "value": "https://doi.org/10.1/ABC" }))
        .await;
    let by_prefixed_doi = app.query(&doi, json!({ "value": " doi:10.1/abc " })).await;
    let by_versioned_arxiv = app
        .query(&arxiv, json!({ "value": "arXiv:2206.15342v3" }))
        .await;
    let by_abs_url = app
        .query(
            &arxiv,
            json!({ "value": "https://arxiv.org/abs/2206.15342" }),
        )
        .await;
    let unknown_doi = app.query(&doi, json!({ "value": "10.1/abd" })).await;
    let unknown_arxiv = app.query(&arxiv, json!({ "value": "2206.15343" })).await;
    let draft_anonymous = app.query(&doi, json!({ "value": "10.5555/DRAFT.1" })).await;
    let draft_arxiv_anonymous = app
        .query(&arxiv, json!({ "value": "hep-th/9901001" }))
        .await;
    let draft_editor = app
        .graphql_as(&token, &doi, json!({ "value": "10.5555/DRAFT.1" }))
        .await;
    let draft_arxiv_editor = app
        .graphql_as(&token, &arxiv, json!({ "value": "hep-th/9901001v2" }))
        .await;
    let not_a_doi = app.graphql(&doi, json!({ "value": "11.1/abc" })).await;
    let not_an_arxiv_id = app.graphql(&arxiv, json!({ "value": "2213.00001" })).await;
    let two = app
        .graphql(
            r#"{ publication(slug: "found-by-identifier", doi: "10.1/abc") { id } }"#,
            json!({}),
        )
        .await;
    let none = app.graphql("{ publication { id } }", json!({})).await;

    for found in [
        &by_resolver_url,
        &by_prefixed_doi,
        &by_versioned_arxiv,
        &by_abs_url,
    ] {
        assert_eq!(
            found["publication"],
            json!({ "id": published, "title": "Found by Identifier", "doi": "10.1/abc", "arxivId": "2206.15342" }),
            "{found}"
        );
    }
    assert_eq!(unknown_doi["publication"], Value::Null);
    assert_eq!(unknown_arxiv["publication"], Value::Null);
    assert_eq!(draft_anonymous["publication"], Value::Null);
    assert_eq!(draft_arxiv_anonymous["publication"], Value::Null);
    assert_eq!(
        draft_editor["data"]["publication"]["id"], draft,
        "{draft_editor}"
    );
    assert_eq!(
        draft_arxiv_editor["data"]["publication"]["id"], draft,
        "{draft_arxiv_editor}"
    );
    assert_eq!(error_codes(&not_a_doi), ["BAD_USER_INPUT"]);
    assert!(
        not_a_doi["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("doi: ")),
        "{not_a_doi}"
    );
    assert_eq!(error_codes(&not_an_arxiv_id), ["BAD_USER_INPUT"]);
    assert!(
        not_an_arxiv_id["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("arxivId: ")),
        "{not_an_arxiv_id}"
    );
    for wrong in [&two, &none] {
        assert_eq!(error_codes(wrong), ["BAD_USER_INPUT"], "{wrong}");
        assert!(
            wrong["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("exactly one of id, slug, doi and arxivId")),
            "{wrong}"
        );
    }
}

on_both_databases!(
    paging_backwards_through_authors_visits_each_once_in_reverse_byline_order,
    every_connection_has_counts_page_info_edges_nodes_and_both_directions,
);

const ONE_MILLION: &str = "what-language-model-to-train-if-you-have-one-million-gpu-hours";

const AUTHORS_PAGE: &str = r#"query($slug: String!, $first: Int, $after: String, $last: Int, $before: String) {
  publication(slug: $slug) {
    authorCount
    authors(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor position node { name } }
    }
  }
}"#;

async fn paging_backwards_through_authors_visits_each_once_in_reverse_byline_order(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let page = |variables: Value| {
        let app = &app;
        async move {
            let mut variables = variables;
            variables["slug"] = json!(ONE_MILLION);
            app.query(AUTHORS_PAGE, variables).await["publication"].clone()
        }
    };
    let positions = |list: &Value| -> Vec<i64> {
        list["authors"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["position"].as_i64().expect("position"))
            .collect()
    };
    let names = |list: &Value| -> Vec<String> {
        list["authors"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["name"].as_str().expect("name").to_owned())
            .collect()
    };

    let forward = page(json!({ "first": 100 })).await;
    let mut backward_names = Vec::new();
    let mut backward_positions = Vec::new();
    let mut before = Value::Null;
    let mut pages = 0;
    loop {
        let list = page(json!({ "last": 5, "before": before })).await;
        pages += 1;
        assert!(pages <= 10, "paging backwards does not end: {list}");
        assert_eq!(list["authors"]["totalCount"], list["authorCount"]);
        assert_eq!(
            list["authors"]["pageInfo"]["hasNextPage"],
            !before.is_null()
        );
        let mut here = positions(&list);
        here.reverse();
        backward_positions.extend(here);
        let mut here = names(&list);
        here.reverse();
        backward_names.extend(here);
        if list["authors"]["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = list["authors"]["pageInfo"]["startCursor"].clone();
    }
    // Between two cursors, from either end.
    let cursors: Vec<Value> = forward["authors"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["cursor"].clone())
        .collect();
    let (third, eighth) = (cursors[2].clone(), cursors[7].clone());
    let last_two_between = page(json!({ "after": third, "before": eighth, "last": 2 })).await;
    let first_two_between = page(json!({ "after": third, "before": eighth, "first": 2 })).await;
    let all_between = page(json!({ "after": third, "before": eighth, "last": 50 })).await;
    let none = page(json!({ "last": 0 })).await;
    let both = app
        .graphql(
            AUTHORS_PAGE,
            json!({ "slug": ONE_MILLION, "first": 2, "last": 2 }),
        )
        .await;
    let too_many = app
        .graphql(AUTHORS_PAGE, json!({ "slug": ONE_MILLION, "last": 101 }))
        .await;
    let malformed = app
        .graphql(
            AUTHORS_PAGE,
            json!({ "slug": ONE_MILLION, "last": 2, "before": "bm90IGEgY3Vyc29y" }),
        )
        .await;
    let foreign_cursor = app
        .query(
            "{ publications(first: 1) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["publications"]["pageInfo"]["endCursor"]
        .clone();
    let foreign = app
        .graphql(
            AUTHORS_PAGE,
            json!({ "slug": ONE_MILLION, "last": 2, "before": foreign_cursor }),
        )
        .await;

    assert_eq!(forward["authorCount"], 18);
    assert_eq!(forward["authors"]["totalCount"], 18);
    assert_eq!(positions(&forward), (1..=18).collect::<Vec<_>>());
    assert_eq!(pages, 4, "18 authors by 5 from the end");
    assert_eq!(backward_positions, (1..=18).rev().collect::<Vec<_>>());
    let mut reversed = names(&forward);
    reversed.reverse();
    assert_eq!(backward_names, reversed);

    assert_eq!(positions(&last_two_between), [6, 7]);
    assert_eq!(
        last_two_between["authors"]["pageInfo"]["hasPreviousPage"],
        true
    );
    assert_eq!(last_two_between["authors"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(positions(&first_two_between), [4, 5]);
    assert_eq!(
        first_two_between["authors"]["pageInfo"]["hasNextPage"],
        true
    );
    assert_eq!(positions(&all_between), [4, 5, 6, 7]);
    assert_eq!(all_between["authors"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(positions(&none), Vec::<i64>::new());
    assert_eq!(none["authors"]["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(none["authors"]["totalCount"], 18);

    assert_eq!(error_codes(&both), ["BAD_USER_INPUT"], "{both}");
    assert_eq!(error_codes(&too_many), ["BAD_USER_INPUT"], "{too_many}");
    for refused in [&malformed, &foreign] {
        assert_eq!(error_codes(refused), ["INVALID_CURSOR"], "{refused}");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("before: ")),
            "{refused}"
        );
    }
}

/// The name of a field's type without its non-null and list wrappers.
fn named_type(field: &Value) -> Option<&str> {
    let mut ty = &field["type"];
    while ty["name"].is_null() {
        ty = &ty["ofType"];
        if ty.is_null() {
            return None;
        }
    }
    ty["name"].as_str()
}

const CONNECTION_SELECTION: &str = "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } nodes { id }";

async fn every_connection_has_counts_page_info_edges_nodes_and_both_directions(backend: Backend) {
    let app = spawn_app(backend).await;
    let schema = app
        .query(
            r#"{ __schema { types { name kind fields { name args { name } type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } }"#,
            json!({}),
        )
        .await;
    let types = schema["__schema"]["types"].as_array().expect("types");
    let connections: Vec<&str> = types
        .iter()
        .filter(|t| t["kind"] == "OBJECT")
        .filter_map(|t| t["name"].as_str())
        .filter(|name| name.ends_with("Connection"))
        .collect();
    let fields_of = |name: &str| -> Vec<&Value> {
        types
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["fields"].as_array())
            .map(|fields| fields.iter().collect())
            .unwrap_or_default()
    };
    // The node type of each connection, and which connection fields each type has.
    let node_of = |connection: &str| -> String {
        fields_of(connection)
            .into_iter()
            .find(|f| f["name"] == "nodes")
            .and_then(named_type)
            .unwrap_or_default()
            .to_owned()
    };
    let mut connection_fields: Vec<(String, String, String)> = Vec::new();
    for ty in types.iter().filter(|t| t["kind"] == "OBJECT") {
        let owner = ty["name"].as_str().unwrap_or_default();
        if owner.starts_with("__") {
            continue;
        }
        for field in fields_of(owner) {
            if let Some(returned) = named_type(field).filter(|t| connections.contains(t)) {
                let args: Vec<&str> = field["args"]
                    .as_array()
                    .expect("args")
                    .iter()
                    .filter_map(|a| a["name"].as_str())
                    .collect();
                for wanted in ["first", "after", "last", "before"] {
                    assert!(
                        args.contains(&wanted),
                        "{owner}.{} takes no {wanted}: {args:?}",
                        field["name"]
                    );
                }
                connection_fields.push((
                    owner.to_owned(),
                    field["name"].as_str().unwrap_or_default().to_owned(),
                    returned.to_owned(),
                ));
            }
        }
    }
    for connection in &connections {
        let names: Vec<&str> = fields_of(connection)
            .into_iter()
            .filter_map(|f| f["name"].as_str())
            .collect();
        for wanted in ["totalCount", "pageInfo", "edges", "nodes"] {
            assert!(
                names.contains(&wanted),
                "{connection} has no {wanted}: {names:?}"
            );
        }
    }

    // Ask each connection field for a Relay page: root fields directly, others through a
    // root list of their owner type.
    let root_list_of = |owner: &str| -> Option<String> {
        connection_fields
            .iter()
            .find(|(root, _, returned)| root == "Query" && node_of(returned) == owner)
            .map(|(_, field, _)| field.clone())
    };
    let mut exercised: Vec<String> = Vec::new();
    for (owner, field, returned) in &connection_fields {
        let query = if owner == "Query" {
            format!("{{ {field}(first: 2) {{ {CONNECTION_SELECTION} }} }}")
        } else {
            let root = root_list_of(owner)
                .unwrap_or_else(|| panic!("no root list of {owner} to reach {owner}.{field}"));
            format!(
                "{{ {root}(first: 2) {{ nodes {{ {field}(last: 2) {{ {CONNECTION_SELECTION} }} }} }} }}"
            )
        };
        let data = app.query(&query, json!({})).await;
        let page = if owner == "Query" {
            data[field.as_str()].clone()
        } else {
            let root = root_list_of(owner).unwrap_or_default();
            data[root.as_str()]["nodes"][0][field.as_str()].clone()
        };
        assert!(page["totalCount"].as_i64().is_some(), "{query}: {page}");
        assert!(
            page["pageInfo"]["hasNextPage"].is_boolean(),
            "{query}: {page}"
        );
        let edges = page["edges"].as_array().expect("edges");
        let nodes = page["nodes"].as_array().expect("nodes");
        assert!(!edges.is_empty(), "{query}: an empty page proves little");
        assert_eq!(
            edges.iter().map(|e| &e["node"]["id"]).collect::<Vec<_>>(),
            nodes.iter().map(|n| &n["id"]).collect::<Vec<_>>(),
            "{query}"
        );
        assert_eq!(
            page["pageInfo"]["startCursor"], edges[0]["cursor"],
            "{query}"
        );
        exercised.push(returned.clone());
    }
    exercised.sort();
    exercised.dedup();
    let mut all: Vec<String> = connections.iter().map(|c| (*c).to_owned()).collect();
    all.sort();
    assert_eq!(
        exercised, all,
        "every connection type is reached by a field"
    );
    assert!(all.contains(&"PublicationAuthorConnection".to_owned()));
}

on_both_databases!(the_last_authors_of_every_listed_publication_cost_the_same_statements);

async fn the_last_authors_of_every_listed_publication_cost_the_same_statements(backend: Backend) {
    let app = spawn_app(backend).await;
    let query = "query($first: Int) { publications(first: $first) { nodes { authorCount authors(last: 2) { totalCount edges { position } } } } }";

    let (one, one_cost) = app.cost(query, json!({ "first": 1 })).await;
    let (all, all_cost) = app.cost(query, json!({ "first": 6 })).await;

    assert_eq!(
        one["publications"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );
    let nodes = all["publications"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 6);
    for node in nodes {
        let count = node["authorCount"].as_i64().expect("authorCount");
        let positions: Vec<i64> = node["authors"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["position"].as_i64().expect("position"))
            .collect();
        let expected: Vec<i64> = (1.max(count - 1)..=count).collect();
        assert_eq!(positions, expected, "{node}");
        assert_eq!(node["authors"]["totalCount"], count);
    }
    assert_eq!(one_cost, all_cost, "statements grow with the page size");
}

on_both_databases!(directories_sort_by_publication_count_with_cursors_for_what_the_caller_sees);

/// Every entry of `field` (`authors`, `venues` or `topics`) by publication count, as
/// (id, publicationCount), read one per page with cursors; and the same list in one page.
async fn by_count(
    app: &TestApp,
    token: Option<&str>,
    field: &str,
    direction: &str,
) -> (Vec<(String, i64)>, Vec<(String, i64)>) {
    let query = format!(
        r#"query($first: Int, $after: String) {{ {field}(first: $first, after: $after, orderBy: [{{ field: PUBLICATION_COUNT, direction: {direction} }}]) {{
            totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ id publicationCount }} }} }}"#
    );
    let ask = |variables: Value| {
        let query = query.clone();
        async move {
            let response = match token {
                Some(token) => app.graphql_as(token, &query, variables).await,
                None => app.graphql(&query, variables).await,
            };
            assert!(response.get("errors").is_none(), "{response}");
            response["data"][field].clone()
        }
    };
    let entries = |page: &Value| -> Vec<(String, i64)> {
        page["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| {
                (
                    n["id"].as_str().expect("id").to_owned(),
                    n["publicationCount"].as_i64().expect("count"),
                )
            })
            .collect()
    };
    let whole = ask(json!({ "first": 100 })).await;
    assert_eq!(whole["pageInfo"]["hasNextPage"], false);
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = ask(json!({ "first": 1, "after": after })).await;
        paged.extend(entries(&page));
        assert!(paged.len() <= 100, "paging does not end");
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let all = entries(&whole);
    assert_eq!(whole["totalCount"].as_u64(), Some(all.len() as u64));
    (paged, all)
}

async fn directories_sort_by_publication_count_with_cursors_for_what_the_caller_sees(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("counter").await;
    let non_increasing = |list: &[(String, i64)]| list.windows(2).all(|w| w[0].1 >= w[1].1);

    let mut anonymous = Vec::new();
    for field in ["authors", "venues", "topics"] {
        let (paged, all) = by_count(&app, None, field, "DESC").await;
        let (_, ascending) = by_count(&app, None, field, "ASC").await;
        assert!(all.len() >= 2, "{field}: too few entries to tell an order");
        assert!(non_increasing(&all), "{field}: {all:?}");
        assert_eq!(paged, all, "{field}: page by page differs from one page");
        let mut reversed = ascending.clone();
        reversed.reverse();
        assert_eq!(reversed, all, "{field}: ASC is not DESC reversed");
        anonymous.push(all);
    }
    // Counts differ, so the order says something.
    assert!(anonymous[0].first().map(|e| e.1) > anonymous[0].last().map(|e| e.1));

    // A draft by the least published author, at the least used venue, under the least used
    // topic, counts for editors only.
    let (author, venue, topic) = (
        anonymous[0].last().expect("an author").clone(),
        anonymous[1].last().expect("a venue").clone(),
        anonymous[2].last().expect("a topic").clone(),
    );
    let created = app
        .graphql_as(
            &token,
            "mutation($input: CreatePublicationInput!) { createPublication(input: $input) { userErrors { field message } } }",
            json!({ "input": { "title": "Counted for Editors", "kind": "OTHER", "status": "DRAFT",
                "authors": [{ "id": author.0 }], "venue": { "id": venue.0 }, "topics": [{ "id": topic.0 }] } }),
        )
        .await;
    assert_eq!(
        created["data"]["createPublication"]["userErrors"],
        json!([]),
        "{created}"
    );
    for (i, field) in ["authors", "venues", "topics"].into_iter().enumerate() {
        let (public_paged, public_all) = by_count(&app, None, field, "DESC").await;
        let (editor_paged, editor_all) = by_count(&app, Some(&token), field, "DESC").await;
        let entry = [&author, &venue, &topic][i];
        let count_in = |list: &[(String, i64)]| {
            list.iter()
                .find(|(id, _)| *id == entry.0)
                .map(|(_, count)| *count)
        };
        assert_eq!(
            public_all, anonymous[i],
            "{field}: a draft changed the public list"
        );
        assert_eq!(public_paged, public_all);
        assert_eq!(
            count_in(&editor_all),
            Some(entry.1 + 1),
            "{field}: {editor_all:?}"
        );
        assert!(non_increasing(&editor_all), "{field}: {editor_all:?}");
        assert_eq!(editor_paged, editor_all, "{field}");
        assert_ne!(editor_all, public_all, "{field}");
    }

    // A cursor of the count order is refused by the name order, and by another audience.
    let first = app
        .query(
            "{ authors(first: 1, orderBy: [{ field: PUBLICATION_COUNT, direction: DESC }]) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["authors"]["pageInfo"]["endCursor"]
        .clone();
    let by_name = app
        .graphql(
            "query($after: String) { authors(first: 1, after: $after) { nodes { id } } }",
            json!({ "after": first }),
        )
        .await;
    let as_editor = app
        .graphql_as(
            &token,
            "query($after: String) { authors(first: 1, after: $after, orderBy: [{ field: PUBLICATION_COUNT, direction: DESC }]) { nodes { id } } }",
            json!({ "after": first }),
        )
        .await;
    assert_eq!(error_codes(&by_name), ["INVALID_CURSOR"], "{by_name}");
    assert_eq!(error_codes(&as_editor), ["INVALID_CURSOR"], "{as_editor}");
}
