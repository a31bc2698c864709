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
                "doi": "10.1/ABC", "arxivId": "2206.15342" }),
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
