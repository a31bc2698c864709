use std::collections::HashMap;

use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use serde_json::{Value, json};

on_both_databases!(
    a_varied_bibtex_file_imports_with_a_report_per_entry,
    a_publications_bibtex_imports_back_as_the_same_publication,
);

const IMPORT: &str = r#"
mutation Import($input: ImportBibtexInput!) {
  importBibtex(input: $input) {
    createdCount matchedCount rejectedCount
    entries { key outcome reason publication { id title slug authors(first: 20) { nodes { name } } venue { name kind } kind doi arxivId publishedOnDisplay } }
    userErrors { field message }
  }
}"#;

async fn import(app: &TestApp, token: &str, bibtex: &str) -> Value {
    let answer = app
        .graphql_as(
            token,
            IMPORT,
            json!({ "input": { "bibtex": bibtex, "status": "PUBLISHED" } }),
        )
        .await;
    assert!(answer.get("errors").is_none(), "{answer}");
    answer["data"]["importBibtex"].clone()
}

async fn count(app: &TestApp, token: &str) -> i64 {
    app.graphql_as(token, "{ publications { totalCount } }", json!({}))
        .await["data"]["publications"]["totalCount"]
        .as_i64()
        .expect("a count")
}

async fn a_varied_bibtex_file_imports_with_a_report_per_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/catalogue.bib"
    ))
    .expect("the fixture");
    let before = count(&app, &token).await;

    let report = import(&app, &token, &file).await;

    let entries = report["entries"].as_array().expect("entries");
    let by_key: HashMap<&str, &Value> = entries
        .iter()
        .map(|e| (e["key"].as_str().expect("key"), e))
        .collect();
    let outcome = |key: &str| {
        by_key
            .get(key)
            .map(|e| e["outcome"].as_str().unwrap_or_default())
            .unwrap_or("<missing>")
    };
    assert!(entries.len() >= 50, "{} entries", entries.len());
    for i in 0..44 {
        assert_eq!(
            outcome(&format!("entry{i:02}")),
            "CREATED",
            "entry{i:02}: {}",
            by_key[format!("entry{i:02}").as_str()]
        );
    }
    for key in ["accents", "sample-launay", "after-unclosed"] {
        assert_eq!(outcome(key), "CREATED", "{key}: {}", by_key[key]);
    }
    for key in ["duplicate-doi", "sample-rita"] {
        assert_eq!(outcome(key), "MATCHED", "{key}: {}", by_key[key]);
    }
    for (key, reason) in [
        ("no-title", "no title"),
        ("bad-doi", "doi"),
        ("bad-eprint", "eprint"),
        ("unclosed", ""),
    ] {
        assert_eq!(outcome(key), "REJECTED", "{key}: {}", by_key[key]);
        assert!(
            by_key[key]["reason"]
                .as_str()
                .is_some_and(|r| r.contains(reason)),
            "{key}: {}",
            by_key[key]
        );
        assert_eq!(by_key[key]["publication"], Value::Null);
    }
    let counted = ["createdCount", "matchedCount", "rejectedCount"]
        .iter()
        .map(|f| report[f].as_i64().expect("count"))
        .sum::<i64>();
    assert_eq!(counted, entries.len() as i64);
    // Nothing half-made: exactly the created entries became publications.
    assert_eq!(
        count(&app, &token).await,
        before + report["createdCount"].as_i64().expect("created")
    );

    let accents = &by_key["accents"]["publication"];
    assert_eq!(
        accents["title"], "Müller's Étude of Çañada øresund",
        "{accents}"
    );
    assert_eq!(
        accents["authors"]["nodes"],
        json!([{ "name": "Jörg Müller" }, { "name": "Hélène François" }, { "name": "Søren Østergaard" }])
    );
    assert_eq!(accents["doi"], "10.9999/accents.2019");
    assert_eq!(accents["publishedOnDisplay"], "December 2019");
    assert_eq!(accents["kind"], "JOURNAL_ARTICLE");
    let workshop = &by_key["entry02"]["publication"];
    assert_eq!(
        workshop["venue"],
        json!({ "name": "ACL 2022 Workshop BigScience", "kind": "WORKSHOP" }),
        "{workshop}"
    );
    assert_eq!(workshop["kind"], "WORKSHOP_PAPER");
    let preprint = &by_key["entry05"]["publication"];
    assert_eq!(preprint["kind"], "PREPRINT", "{preprint}");
    assert!(preprint["arxivId"].as_str().is_some(), "{preprint}");
    // Known authors are matched, not duplicated; "and others" adds nobody.
    let launay = &by_key["sample-launay"]["publication"]["authors"]["nodes"];
    assert_eq!(
        launay,
        &json!([{ "name": "Julien Launay" }, { "name": "Daniel Hesslow" }])
    );
    let authors = app.graphql_as(&token, r#"{ publication(slug: "scaling-laws-beyond-backpropagation") { authors { nodes { id name } } } }"#, json!({})).await;
    let launay_id = authors["data"]["publication"]["authors"]["nodes"][3]["id"].clone();
    let imported_ids = app
        .graphql_as(
            &token,
            "query($slug: String!) { publication(slug: $slug) { authors { nodes { id } } } }",
            json!({ "slug": by_key["sample-launay"]["publication"]["slug"] }),
        )
        .await;
    assert_eq!(
        imported_ids["data"]["publication"]["authors"]["nodes"][0]["id"],
        launay_id
    );
    assert_eq!(
        by_key["sample-rita"]["publication"]["slug"],
        "rita-a-study-on-scaling-up-generative-protein-sequence-models"
    );
}

async fn a_publications_bibtex_imports_back_as_the_same_publication(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let created = import(
        &app,
        &token,
        "@article{x, title = {Déjà Vu in {BLOOM}}, author = {Le Scao, Teven and Müller, Jörg}, journal = {Journal of Examples}, year = 2023, month = mar, doi = {10.1234/deja.vu}}",
    )
    .await;
    let id = created["entries"][0]["publication"]["id"].clone();
    let pagnol = app.query(r#"{ publication(slug: "pagnol-an-extra-large-french-generative-model") { id bibtex } }"#, json!({})).await;
    let exported = app
        .graphql_as(
            &token,
            "query($id: ID!) { node(id: $id) { ... on Publication { bibtex } } }",
            json!({ "id": id }),
        )
        .await["data"]["node"]["bibtex"]
        .as_str()
        .expect("bibtex")
        .to_owned();

    let again = import(&app, &token, &exported).await;
    let pagnol_again = import(
        &app,
        &token,
        pagnol["publication"]["bibtex"].as_str().expect("bibtex"),
    )
    .await;

    assert!(
        exported.contains("10.1234/deja.vu") && exported.contains("Journal of Examples"),
        "{exported}"
    );
    assert_eq!(
        again["entries"][0]["outcome"], "MATCHED",
        "{exported}\n{again}"
    );
    assert_eq!(again["entries"][0]["publication"]["id"], id);
    assert_eq!(
        again["entries"][0]["publication"]["authors"]["nodes"],
        json!([{ "name": "Teven Le Scao" }, { "name": "Jörg Müller" }])
    );
    assert_eq!(
        pagnol_again["entries"][0]["outcome"], "MATCHED",
        "{pagnol}\n{pagnol_again}"
    );
    assert_eq!(
        pagnol_again["entries"][0]["publication"]["id"],
        pagnol["publication"]["id"]
    );
}
