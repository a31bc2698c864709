use catalogue_tests::{Backend, spawn_app};

/// `schema.graphql` is generated: run `cargo run -p api -- export-schema -o schema.graphql`.
#[test]
fn schema_graphql_matches_the_schema_the_code_exports() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .expect("schema.graphql at the repository root");
    let exported = api::graphql::sdl();
    assert!(
        checked_in == exported,
        "schema.graphql is out of date; regenerate it with `cargo run -p api -- export-schema -o schema.graphql`"
    );
}

#[tokio::test]
async fn the_server_serves_the_same_sdl_at_schema_graphql() {
    let app = spawn_app(Backend::Sqlite).await;

    let response = app.get("/schema.graphql", "*/*").await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.expect("text"), api::graphql::sdl());
}

/// Every type, field, argument, input field and enum value the schema serves has a
/// description: it is what GraphiQL's docs and codegen'd types show a frontend developer.
#[tokio::test]
async fn every_element_of_the_schema_is_described() {
    let schema = api::graphql::build_schema(&api::config::Limits::default());
    let answer = schema
        .execute(
            "{ __schema { types { name kind description
                 fields(includeDeprecated: true) { name description args { name description } }
                 inputFields { name description }
                 enumValues(includeDeprecated: true) { name description } } } }",
        )
        .await;
    assert!(answer.errors.is_empty(), "{:?}", answer.errors);
    let data = answer.data.into_json().expect("JSON");
    let described = |value: &serde_json::Value| {
        value["description"]
            .as_str()
            .is_some_and(|text| !text.trim().is_empty())
    };
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().unwrap_or_default();
        // The specification's own types and scalars are described by the specification.
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(ty) {
            missing.push(name.to_owned());
        }
        let each = |key: &str| ty[key].as_array().cloned().unwrap_or_default();
        for field in each("fields") {
            let field_name = field["name"].as_str().unwrap_or_default();
            if !described(&field) {
                missing.push(format!("{name}.{field_name}"));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!("{name}.{field_name}({})", arg["name"]));
                }
            }
        }
        for input in each("inputFields") {
            if !described(&input) {
                missing.push(format!("{name}.{}", input["name"]));
            }
        }
        for value in each("enumValues") {
            if !described(&value) {
                missing.push(format!("{name}.{}", value["name"]));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema elements have no description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
