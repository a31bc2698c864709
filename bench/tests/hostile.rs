//! The hostile scenario's attack bodies: each is the attack it claims to be (the nesting,
//! the fragment chain, the directive count, the NUL), and all are well-formed JSON, so that
//! what the service refuses is the request's shape and not a broken body.

use catalogue_bench::hostile::{self, Attack};
use serde_json::Value;

fn ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("QXV0aG9yOj{i}")).collect()
}

fn by_name<'a>(attacks: &'a [Attack], name: &str) -> &'a Attack {
    attacks
        .iter()
        .find(|attack| attack.name == name)
        .unwrap_or_else(|| panic!("no attack named {name}"))
}

fn query(attack: &Attack) -> String {
    let body: Value = serde_json::from_str(&attack.body).expect("the body is JSON");
    body["query"]
        .as_str()
        .expect("the body has a query")
        .to_owned()
}

#[test]
fn every_body_is_json_with_a_query_and_names_are_unique() {
    let attacks = hostile::attacks(&ids(300)).expect("attacks");
    assert_eq!(attacks.len(), 13);
    for attack in &attacks {
        assert!(
            !query(attack).is_empty(),
            "{} has an empty query",
            attack.name
        );
    }
    let mut names: Vec<_> = attacks.iter().map(|attack| attack.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), attacks.len());
}

#[test]
fn the_heaviest_searches_are_as_many_and_as_long_as_the_service_accepts() {
    let attacks = hostile::attacks(&ids(200)).expect("attacks");
    let both = query(by_name(&attacks, "search-2x4-heavy"));
    assert_eq!(
        both.matches("{search: ").count(),
        2 * hostile::SEARCHES_PER_FILTER
    );
    let one = query(by_name(&attacks, "search-heavy"));
    let search = one
        .split("search: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a search");
    assert!((480..=500).contains(&search.chars().count()), "{search}");
    assert!(search.ends_with(" pro"), "a prefix last: {search}");
}

#[test]
fn nested_filters_have_the_stated_depth() {
    let attacks = hostile::attacks(&ids(200)).expect("attacks");
    let not = query(by_name(&attacks, "not-600"));
    assert_eq!(not.matches("{not: ").count(), hostile::NOT_DEPTH);
    assert!(not.contains("{kinds: [JOURNAL_ARTICLE]}"));
    assert_eq!(not.matches('{').count(), not.matches('}').count());
    let deep = query(by_name(&attacks, "not-5000"));
    assert_eq!(deep.matches("{not: ").count(), hostile::DEEP_NOT_DEPTH);
    let and = query(by_name(&attacks, "and-600"));
    assert_eq!(and.matches("{and: [").count(), hostile::AND_DEPTH);
    assert_eq!(and.matches('[').count(), and.matches(']').count());
}

#[test]
fn fragments_chain_doubles_to_the_last() {
    let attacks = hostile::attacks(&ids(200)).expect("attacks");
    let text = query(by_name(&attacks, "fragments-2^30"));
    assert!(text.starts_with("query { viewer { ...F0 } }"));
    for n in 0..hostile::FRAGMENTS {
        let next = n + 1;
        assert!(text.contains(&format!(
            "fragment F{n} on Viewer {{ ...F{next} ...F{next} }}"
        )));
    }
    assert!(text.ends_with(&format!(
        "fragment F{} on Viewer {{ name }}",
        hostile::FRAGMENTS
    )));
}

#[test]
fn author_intersections_use_distinct_ids_per_alias() {
    let authors = ids(200);
    let attacks = hostile::attacks(&authors).expect("attacks");
    let aliased = query(by_name(&attacks, "allOf-10x20"));
    for n in 0..hostile::ALIASES {
        assert!(aliased.contains(&format!("a{n}: publications(first: 20")));
    }
    for id in &authors {
        assert_eq!(aliased.matches(&format!("\"{id}\"")).count(), 1, "{id}");
    }
    let wide = query(by_name(&attacks, "allOf-200"));
    assert_eq!(wide.matches("\"QXV0aG9yOj").count(), hostile::WIDE_ALL_OF);
}

#[test]
fn few_authors_are_repeated_and_none_is_refused() {
    let attacks = hostile::attacks(&ids(3)).expect("attacks");
    let wide = query(by_name(&attacks, "allOf-200"));
    assert_eq!(wide.matches("\"QXV0aG9yOj").count(), hostile::WIDE_ALL_OF);
    assert!(hostile::attacks(&[]).is_err());
}

#[test]
fn directives_and_nul_characters() {
    let attacks = hostile::attacks(&ids(200)).expect("attacks");
    let directives = query(by_name(&attacks, "directives-10k"));
    assert_eq!(
        directives.matches("@include(if: true)").count(),
        hostile::DIRECTIVES
    );
    assert!(directives.starts_with("{ ... @include"));
    // The search carries the NUL as a GraphQL escape, the suggest as a JSON one.
    assert!(query(by_name(&attacks, "search-nul")).contains("protein\\u0000sequence"));
    let suggest: Value =
        serde_json::from_str(&by_name(&attacks, "suggest-nul").body).expect("JSON");
    assert_eq!(suggest["variables"]["prefix"], "pro\u{0}tein");
    assert!(query(by_name(&attacks, "cursor-garbage")).contains("after: \"garbage\""));
    assert!(query(by_name(&attacks, "date-2022-02-30")).contains("\"2022-02-30\""));
}
