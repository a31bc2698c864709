use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

on_both_databases!(
    a_varied_bibtex_file_imports_with_a_report_per_entry,
    a_publications_bibtex_imports_back_as_the_same_publication,
    exploding_and_looping_macros_reject_their_entries_quickly,
    deeply_nested_braces_reject_their_entry_quickly,
    an_entry_with_a_nul_character_is_rejected_and_the_others_import,
    impossible_dates_and_empty_author_names_reject_their_entries,
    an_entry_that_points_at_itself_imports_without_following_it,
    an_import_with_too_many_entries_is_refused_whole,
    an_overlong_entry_is_rejected_on_its_own,
);

/// How long a hostile import may take: a bounded reader answers in well under a second.
const PROMPT: Duration = Duration::from_secs(5);

/// A well-formed entry that imports, to show that its neighbours did not stop it.
const GOOD: &str = "@article{good, title = {A Perfectly Ordinary Paper}, author = {Ordinary, Olga}, journal = {Journal of Examples}, year = 2021, month = may}";

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
            json!({ "input": { "bibtex": bibtex, "status": "DRAFT" } }),
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

/// Imports `bibtex`, and checks that the answer came promptly and that the server still
/// answers afterwards.
async fn import_promptly(app: &TestApp, token: &str, bibtex: &str) -> Value {
    let started = Instant::now();
    let report = import(app, token, bibtex).await;
    let took = started.elapsed();
    assert!(took < PROMPT, "the import took {took:?}");
    let alive = app.graphql("{ __typename }", json!({})).await;
    assert_eq!(alive["data"]["__typename"], "Query", "{alive}");
    report
}

/// The report of each entry, by key.
fn by_key(report: &Value) -> HashMap<String, Value> {
    report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["key"].as_str().expect("a key").to_owned(), e.clone()))
        .collect()
}

fn assert_rejected(entries: &HashMap<String, Value>, key: &str, reason: &str) {
    let entry = entries
        .get(key)
        .unwrap_or_else(|| panic!("no report for {key}: {entries:?}"));
    assert_eq!(entry["outcome"], "REJECTED", "{key}: {entry}");
    assert_eq!(entry["publication"], Value::Null, "{key}: {entry}");
    assert!(
        entry["reason"].as_str().is_some_and(|r| r.contains(reason)),
        "{key} should be rejected because {reason:?}: {entry}"
    );
}

fn assert_created(entries: &HashMap<String, Value>, key: &str) {
    let entry = entries
        .get(key)
        .unwrap_or_else(|| panic!("no report for {key}: {entries:?}"));
    assert_eq!(entry["outcome"], "CREATED", "{key}: {entry}");
}

async fn exploding_and_looping_macros_reject_their_entries_quickly(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let mut bibtex = String::from("@string{m0 = \"xx\"}\n");
    for i in 1..=40 {
        writeln!(bibtex, "@string{{m{i} = m{} # m{}}}", i - 1, i - 1).expect("a string");
    }
    bibtex.push_str("@string{self = self}\n@string{ping = pong}\n@string{pong = ping}\n");
    bibtex.push_str("@string{venue = \"Journal of \" # \"Examples\"}\n");
    bibtex.push_str("@article{exploding, title = m40, year = 2020}\n");
    bibtex.push_str("@article{itself, title = {Self}, journal = self, year = 2020}\n");
    bibtex.push_str("@article{mutual, title = {Mutual}, journal = pong, year = 2020}\n");
    bibtex.push_str(
        "@article{through-a-macro, title = {Macros Still Work}, journal = venue, year = 2020}\n",
    );
    bibtex.push_str(GOOD);
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    let entries = by_key(&report);
    assert_eq!(report["userErrors"], json!([]), "{report}");
    assert_rejected(&entries, "exploding", "expands to more than 4096 bytes");
    assert_rejected(&entries, "itself", "uses itself");
    assert_rejected(&entries, "mutual", "defined after it");
    assert_created(&entries, "through-a-macro");
    assert_eq!(
        entries["through-a-macro"]["publication"]["venue"]["name"],
        "Journal of Examples"
    );
    assert_created(&entries, "good");
    assert_eq!(count(&app, &token).await, before + 2);
}

async fn deeply_nested_braces_reject_their_entry_quickly(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let depth = 100_000;
    let bibtex = format!(
        "@article{{deep, title = {{{}Deep{}}}, year = 2020}}\n@article{{shallow, title = {{A {{Title}} With {{{{Nested}}}} Braces}}, year = 2020}}\n{GOOD}",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    let entries = by_key(&report);
    assert_rejected(&entries, "deep", "at most 32 are allowed");
    assert_created(&entries, "shallow");
    assert_created(&entries, "good");
    assert_eq!(count(&app, &token).await, before + 2);
}

async fn an_entry_with_a_nul_character_is_rejected_and_the_others_import(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let bibtex = format!(
        "@article{{nul-title, title = {{Null\u{0}Title}}, year = 2020}}\n@article{{nul-author, title = {{Fine Title}}, author = {{Nul\u{0}l, Ada}}, year = 2020}}\n@string{{bad = \"a\u{0}b\"}}\n@article{{nul-macro, title = {{Another Fine Title}}, journal = bad, year = 2020}}\n{GOOD}"
    );
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    let entries = by_key(&report);
    assert_rejected(&entries, "nul-title", "NUL character");
    assert_rejected(&entries, "nul-author", "NUL character");
    assert_rejected(&entries, "nul-macro", "NUL character");
    assert_created(&entries, "good");
    assert_eq!(count(&app, &token).await, before + 1);
}

async fn impossible_dates_and_empty_author_names_reject_their_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let bibtex = format!(
        "@article{{year-zero, title = {{Year Zero}}, year = {{0000}}}}
@article{{year-huge, title = {{Year Huge}}, year = {{99999}}}}
@article{{year-negative, title = {{Year Negative}}, year = {{-5}}}}
@article{{month-13, title = {{Month Thirteen}}, year = 2020, month = {{13}}}}
@article{{and-and, title = {{Nobody Wrote This}}, author = {{ and and }}, year = 2020}}
@article{{and-only, title = {{Nobody Wrote This Either}}, author = {{Smith, Jo and and}}, year = 2020}}
{GOOD}"
    );
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    let entries = by_key(&report);
    for key in ["year-zero", "year-huge", "year-negative", "month-13"] {
        let entry = &entries[key];
        assert_eq!(entry["outcome"], "REJECTED", "{key}: {entry}");
        let reason = entry["reason"].as_str().expect("a reason");
        assert!(
            reason.starts_with("year:") || reason.starts_with("date:"),
            "{key}: {reason}"
        );
    }
    assert_rejected(&entries, "year-zero", "between 1000 and 9999");
    assert_rejected(&entries, "and-and", "author:");
    assert_rejected(&entries, "and-only", "author:");
    assert_created(&entries, "good");
    assert_eq!(count(&app, &token).await, before + 1);
    let and_authors = entity::author::Entity::find()
        .filter(entity::author::Column::Name.contains("and and"))
        .count(&app.db)
        .await
        .expect("the count");
    assert_eq!(and_authors, 0);
    let year_zero = entity::publication::Entity::find()
        .filter(entity::publication::Column::Title.starts_with("Year "))
        .count(&app.db)
        .await
        .expect("the count");
    assert_eq!(year_zero, 0);
}

async fn an_entry_that_points_at_itself_imports_without_following_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let bibtex = "@article{loop, title = {A Loop Through Crossref}, crossref = {loop}, xdata = {loop}, year = 2020}";

    let report = import_promptly(&app, &token, bibtex).await;

    assert_created(&by_key(&report), "loop");
}

async fn an_import_with_too_many_entries_is_refused_whole(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let bibtex: String = (0..501)
        .map(|i| format!("@misc{{e{i}, title = {{Entry {i}}}}}\n"))
        .collect();
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    assert_eq!(
        report["userErrors"],
        json!([{ "field": ["input", "bibtex"], "message": "the text has 501 entries; one import may have at most 500: split the file" }]),
        "{report}"
    );
    assert_eq!(report["entries"], json!([]));
    assert_eq!(count(&app, &token).await, before);
    let code = app
        .graphql_as(
            &token,
            "mutation($input: ImportBibtexInput!) { importBibtex(input: $input) { userErrors { code } } }",
            json!({ "input": { "bibtex": bibtex } }),
        )
        .await;
    assert_eq!(
        code["data"]["importBibtex"]["userErrors"][0]["code"], "INVALID",
        "{code}"
    );
}

async fn an_overlong_entry_is_rejected_on_its_own(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("librarian").await;
    let bibtex = format!(
        "@article{{long, title = {{Long}}, abstract = {{{}}}, year = 2020}}\n{GOOD}",
        "word ".repeat(7000)
    );
    let before = count(&app, &token).await;

    let report = import_promptly(&app, &token, &bibtex).await;

    let entries = by_key(&report);
    assert_rejected(&entries, "long", "at most 32768");
    assert_created(&entries, "good");
    assert_eq!(count(&app, &token).await, before + 1);
}
