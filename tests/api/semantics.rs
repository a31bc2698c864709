//! What a client typed from the schema may rely on: a field that fails is null and its null
//! moves up to the nearest nullable ancestor ("Handling Field Errors"), no key the selection
//! asked for is ever missing, and keys come back in the order they were asked for.
//!
//! The null-propagation test is generic: it builds a query from introspection (every field
//! of `Publication` and of the objects below it), breaks the tables those fields read one at
//! a time, and checks each answer against the schema's types.

use std::collections::HashMap;

use catalogue_tests::{Backend, TestApp, error_codes, on_both_databases, spawn_app};
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

on_both_databases!(
    a_failed_field_is_null_up_to_its_nearest_nullable_ancestor,
    anonymous_callers_get_a_null_history_and_keep_the_publication,
);

/// The schema's object types: for each, its fields in schema order with their type.
type Types = HashMap<String, (String, Vec<(String, Value, bool)>)>;

async fn introspect(app: &TestApp) -> Types {
    let data = app
        .query(
            "{ __schema { types { name kind fields { name
                 args { type { kind } defaultValue }
                 type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }",
            json!({}),
        )
        .await;
    let mut types = Types::new();
    for ty in data["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("a name").to_owned();
        let fields = ty["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|field| {
                        let takes_required = field["args"].as_array().is_some_and(|args| {
                            args.iter().any(|arg| {
                                arg["type"]["kind"] == "NON_NULL" && arg["defaultValue"].is_null()
                            })
                        });
                        (
                            field["name"].as_str().expect("a field name").to_owned(),
                            field["type"].clone(),
                            takes_required,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        types.insert(
            name,
            (ty["kind"].as_str().unwrap_or_default().to_owned(), fields),
        );
    }
    types
}

/// The named type under list and non-null wrappers.
fn named(ty: &Value) -> &Value {
    if ty["ofType"].is_object() {
        named(&ty["ofType"])
    } else {
        ty
    }
}

/// The fields the generated query selects on `type_name` with `depth` levels left: every
/// field without required arguments, objects only while depth remains, no nested lists of
/// publications (their cost is tested elsewhere) and no abstract types.
fn chosen<'t>(types: &'t Types, type_name: &str, depth: usize) -> Vec<(&'t str, &'t Value)> {
    let Some((_, fields)) = types.get(type_name) else {
        return Vec::new();
    };
    fields
        .iter()
        .filter(|(name, ty, takes_required)| {
            let kind = named(ty)["kind"].as_str().unwrap_or_default();
            !takes_required
                && name != "publications"
                && match kind {
                    "SCALAR" | "ENUM" => true,
                    "OBJECT" => depth > 0,
                    _ => false,
                }
        })
        .map(|(name, ty, _)| (name.as_str(), ty))
        .collect()
}

fn selection(types: &Types, type_name: &str, depth: usize) -> String {
    chosen(types, type_name, depth)
        .into_iter()
        .map(|(name, ty)| {
            let inner = named(ty);
            if inner["kind"] == "OBJECT" {
                let below = inner["name"].as_str().unwrap_or_default();
                format!("{name} {{ {} }}", selection(types, below, depth - 1))
            } else {
                name.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks `value`, the answer for a field of type `ty` selected with `depth` levels left;
/// pushes what breaks the schema's promise.
fn check(
    types: &Types,
    value: &Value,
    ty: &Value,
    depth: usize,
    path: &str,
    broken: &mut Vec<String>,
) {
    match (ty["kind"].as_str(), value) {
        (Some("NON_NULL"), Value::Null) => broken.push(format!("{path}: null for a non-null type")),
        (Some("NON_NULL"), _) => check(types, value, &ty["ofType"], depth, path, broken),
        (_, Value::Null) => {}
        (Some("LIST"), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                check(
                    types,
                    item,
                    &ty["ofType"],
                    depth,
                    &format!("{path}.{index}"),
                    broken,
                );
            }
        }
        (Some("OBJECT"), Value::Object(object)) => {
            let type_name = ty["name"].as_str().unwrap_or_default();
            let expected = chosen(types, type_name, depth);
            let keys: Vec<&str> = object.keys().map(String::as_str).collect();
            let names: Vec<&str> = expected.iter().map(|(name, _)| *name).collect();
            if keys != names {
                broken.push(format!("{path}: keys {keys:?}, asked for {names:?}"));
            }
            for (name, field_ty) in expected {
                let below = if named(field_ty)["kind"] == "OBJECT" {
                    depth - 1
                } else {
                    depth
                };
                if let Some(field) = object.get(name) {
                    check(
                        types,
                        field,
                        field_ty,
                        below,
                        &format!("{path}.{name}"),
                        broken,
                    );
                }
            }
        }
        (Some("SCALAR" | "ENUM"), _) => {}
        (kind, value) => broken.push(format!("{path}: {value} for a {kind:?}")),
    }
}

/// Every error's path leads to a null: the field itself or an ancestor that took its null.
fn errors_point_at_nulls(response: &Value, broken: &mut Vec<String>) {
    for error in response["errors"].as_array().into_iter().flatten() {
        let Some(path) = error["path"].as_array() else {
            broken.push(format!("an error without a path: {error}"));
            continue;
        };
        let mut at = &response["data"];
        let mut found_null = at.is_null();
        for segment in path {
            if found_null {
                break;
            }
            at = match segment {
                Value::String(key) => match at.get(key) {
                    Some(next) => next,
                    None => {
                        broken.push(format!("{path:?}: the key {key} is missing"));
                        break;
                    }
                },
                Value::Number(index) => {
                    &at[usize::try_from(index.as_u64().unwrap_or(0)).unwrap_or(0)]
                }
                _ => break,
            };
            found_null = at.is_null();
        }
        if !found_null {
            broken.push(format!("{path:?}: the error's field is not null"));
        }
    }
}

const TABLES_PUBLICATIONS_READ: [&str; 7] = [
    "author",
    "author_name_variant",
    "publication_author",
    "venue",
    "topic",
    "publication_topic",
    "history",
];

async fn rename(app: &TestApp, from: &str, to: &str) {
    let sql = match app.db.get_database_backend() {
        DbBackend::Postgres => format!("ALTER TABLE \"{from}\" RENAME TO \"{to}\""),
        _ => format!("ALTER TABLE {from} RENAME TO {to}"),
    };
    app.db.execute_unprepared(&sql).await.expect("renamed");
}

async fn a_failed_field_is_null_up_to_its_nearest_nullable_ancestor(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.editor_token("null-propagation").await;
    let types = introspect(&app).await;
    let publication_type = types
        .get("Query")
        .and_then(|(_, fields)| fields.iter().find(|(name, ..)| name == "publication"))
        .map(|(_, ty, _)| ty.clone())
        .expect("Query.publication");
    let fields = selection(&types, "Publication", 3);
    let slug = app
        .query("{ publications(first: 1) { nodes { slug } } }", json!({}))
        .await["publications"]["nodes"][0]["slug"]
        .as_str()
        .expect("a sample publication")
        .to_owned();
    let one = format!("query($slug: String!) {{ publication(slug: $slug) {{ {fields} }} }}");
    let list = format!("{{ publications(first: 3) {{ nodes {{ {fields} }} }} }}");

    // Intact, the generated query answers every field.
    let whole = app.graphql_as(&token, &one, json!({ "slug": slug })).await;
    assert!(whole.get("errors").is_none(), "{whole:#}");
    let mut broken = Vec::new();
    check(
        &types,
        &whole["data"]["publication"],
        &publication_type,
        3,
        "publication",
        &mut broken,
    );
    assert!(broken.is_empty(), "{broken:#?}");

    for table in TABLES_PUBLICATIONS_READ {
        let aside = format!("{table}_out_of_order");
        rename(&app, table, &aside).await;
        let single = app.graphql_as(&token, &one, json!({ "slug": slug })).await;
        let many = app.graphql_as(&token, &list, json!({})).await;
        rename(&app, &aside, table).await;

        assert!(
            !error_codes(&single).is_empty(),
            "without {table}, some field fails: {single:#}"
        );
        let mut broken = Vec::new();
        check(
            &types,
            &single["data"]["publication"],
            &publication_type,
            3,
            "publication",
            &mut broken,
        );
        errors_point_at_nulls(&single, &mut broken);
        // `publications` is non-null and so are its nodes: a failure in a node nulls `data`.
        if many["data"].is_null() {
            assert!(!error_codes(&many).is_empty(), "{many:#}");
        } else {
            let nodes = &many["data"]["publications"]["nodes"];
            for (index, node) in nodes.as_array().expect("nodes").iter().enumerate() {
                check(
                    &types,
                    node,
                    &publication_type,
                    3,
                    &format!("nodes.{index}"),
                    &mut broken,
                );
                assert!(!node.is_null(), "a null in [Publication!]!: {many:#}");
            }
        }
        errors_point_at_nulls(&many, &mut broken);
        assert!(
            broken.is_empty(),
            "without {table}: {broken:#?}\n{single:#}"
        );
    }

    // A nullable field takes its own null; a non-null one passes it to its parent.
    rename(&app, "history", "history_out_of_order").await;
    let answer = app.graphql_as(&token, &one, json!({ "slug": slug })).await;
    rename(&app, "history_out_of_order", "history").await;

    assert_eq!(
        answer["data"]["publication"]["history"],
        Value::Null,
        "{answer:#}"
    );
    assert_eq!(answer["data"]["publication"]["slug"], json!(slug));
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["publication", "history"])
    );

    rename(
        &app,
        "publication_author",
        "publication_author_out_of_order",
    )
    .await;
    let answer = app
        .graphql_as(
            &token,
            "query($slug: String!) { publication(slug: $slug) { title authorCount } }",
            json!({ "slug": slug }),
        )
        .await;
    let listed = app
        .graphql_as(
            &token,
            "{ publications(first: 2) { totalCount nodes { title authorCount } } }",
            json!({}),
        )
        .await;
    rename(
        &app,
        "publication_author_out_of_order",
        "publication_author",
    )
    .await;
    assert_eq!(answer["data"], json!({ "publication": null }), "{answer:#}");
    assert_eq!(
        answer["errors"][0]["path"],
        json!(["publication", "authorCount"])
    );
    // `nodes: [Publication!]!` in `publications: PublicationConnection!`: nothing nullable
    // stands between the failed field and the root.
    assert_eq!(listed["data"], Value::Null, "{listed:#}");
    assert_eq!(listed["errors"][0]["path"][0], "publications");
}

async fn anonymous_callers_get_a_null_history_and_keep_the_publication(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .graphql(
            "{ publications(first: 2) { nodes { id title history { fields } } } }",
            json!({}),
        )
        .await;
    let nodes = answer["data"]["publications"]["nodes"]
        .as_array()
        .expect("nodes");
    assert_eq!(nodes.len(), 2, "{answer:#}");
    for (index, node) in nodes.iter().enumerate() {
        let keys: Vec<&String> = node.as_object().expect("a publication").keys().collect();
        assert_eq!(keys, ["id", "title", "history"], "{answer:#}");
        assert_eq!(node["history"], Value::Null);
        assert_eq!(
            answer["errors"][index]["path"],
            json!(["publications", "nodes", index, "history"])
        );
    }
    assert_eq!(error_codes(&answer), ["UNAUTHENTICATED", "UNAUTHENTICATED"]);
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

const ORDERED: &str = "{ publications(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { year title id slug ... on Node { id } } } viewer { role } zz: __typename }";

fn assert_selection_order(answer: &Value, how: &str) {
    let data = &answer["data"];
    assert_eq!(
        keys(data),
        ["publications", "viewer", "zz"],
        "{how}: {answer}"
    );
    assert_eq!(
        keys(&data["publications"]),
        ["totalCount", "pageInfo", "nodes"],
        "{how}"
    );
    assert_eq!(
        keys(&data["publications"]["pageInfo"]),
        ["hasNextPage", "endCursor"],
        "{how}"
    );
    assert_eq!(
        keys(&data["publications"]["nodes"][0]),
        ["year", "title", "id", "slug"],
        "{how}"
    );
}

/// Keys in the order of the selection set, over POST, GET and persisted queries; errors'
/// keys in the order the specification lists them, with `code` first in `extensions`.
#[tokio::test]
async fn answers_keep_the_order_of_the_selection() {
    let app = spawn_app(Backend::Sqlite).await;
    let client = reqwest::Client::new();
    let url = format!("{}/graphql", app.address);

    let posted = app.graphql(ORDERED, json!({})).await;
    assert_selection_order(&posted, "POST");

    let got: Value = client
        .get(&url)
        .query(&[("query", ORDERED)])
        .header("accept", "application/json")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_selection_order(&got, "GET");

    let hash = hex::encode(Sha256::digest(ORDERED.as_bytes()));
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let registered: Value = client
        .post(&url)
        .json(&json!({ "query": ORDERED, "extensions": extensions }))
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_selection_order(&registered, "persisted query, registered");
    let by_hash: Value = client
        .get(&url)
        .query(&[("extensions", extensions.to_string())])
        .header("accept", "application/json")
        .send()
        .await
        .expect("an answer")
        .json()
        .await
        .expect("JSON");
    assert_selection_order(&by_hash, "persisted query, by hash over GET");

    let failed = app
        .graphql(
            "{ zeta: viewer { role } publications(first: 500) { totalCount } }",
            json!({}),
        )
        .await;
    let error = &failed["errors"][0];
    assert_eq!(
        keys(error),
        ["message", "locations", "path", "extensions"],
        "{failed}"
    );
    assert_eq!(keys(&error["extensions"])[0], "code", "{failed}");
}
