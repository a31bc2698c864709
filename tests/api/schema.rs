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

/// Who may run a mutation is decided in one place (`api::graphql::may_run`): executed
/// directly, without the transport's early 401, every mutation but the public ones is
/// refused with UNAUTHENTICATED for an anonymous caller before its resolver runs.
#[tokio::test]
async fn every_mutation_but_the_public_form_needs_a_token_whoever_executes_the_schema() {
    use serde_json::{Value, json};
    let schema = api::graphql::build_schema(&api::config::Limits::default());
    let types = schema
        .execute(
            "{ __schema { mutationType { fields { name args { name type { kind name ofType { kind name } } } } }
               types { name kind enumValues { name } inputFields { name type { kind name ofType { kind name ofType { kind name } } } } } } }",
        )
        .await
        .data
        .into_json()
        .expect("JSON");
    let by_name = |name: &str| -> Value {
        types["__schema"]["types"]
            .as_array()
            .and_then(|all| all.iter().find(|ty| ty["name"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    // A value of `ty` that coerces: every required input field filled, nothing else.
    fn value_of(ty: &Value, by_name: &dyn Fn(&str) -> Value, depth: usize) -> Value {
        match ty["kind"].as_str() {
            Some("NON_NULL") => value_of(&ty["ofType"], by_name, depth),
            Some("LIST") => json!([]),
            _ => {
                let named = by_name(ty["name"].as_str().unwrap_or_default());
                match named["kind"].as_str() {
                    Some("ENUM") => named["enumValues"][0]["name"].clone(),
                    Some("INPUT_OBJECT") if depth < 4 => {
                        let mut object = serde_json::Map::new();
                        for field in named["inputFields"].as_array().into_iter().flatten() {
                            if field["type"]["kind"] == "NON_NULL" {
                                let name = field["name"].as_str().unwrap_or_default().to_owned();
                                object.insert(name, value_of(&field["type"], by_name, depth + 1));
                            }
                        }
                        Value::Object(object)
                    }
                    _ => match ty["name"].as_str() {
                        Some("Int") => json!(1),
                        Some("Boolean") => json!(false),
                        _ => json!("x"),
                    },
                }
            }
        }
    }
    let db = sea_orm::Database::connect("sqlite::memory:")
        .await
        .expect("an empty database: no resolver may reach it");
    let fields = types["__schema"]["mutationType"]["fields"]
        .as_array()
        .expect("mutations")
        .clone();
    assert!(fields.len() > 10, "{fields:?}");
    for field in fields {
        let name = field["name"].as_str().expect("a name");
        let arg = &field["args"][0];
        let input_type = arg["type"]["ofType"]["name"]
            .as_str()
            .expect("one input argument");
        let query =
            format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename }} }}");
        let variables = json!({ "input": value_of(&arg["type"], &by_name, 0) });
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let request = api::graphql::request_data(
            request,
            db.clone(),
            api::graphql::viewer::Caller::Anonymous,
        );
        let answer = schema.execute(request).await;
        let codes: Vec<String> = answer
            .errors
            .iter()
            .filter_map(|error| {
                error
                    .extensions
                    .as_ref()
                    .and_then(|ext| ext.get("code"))
                    .map(|code| code.to_string())
            })
            .collect();
        let refused = codes.iter().any(|code| code.contains("UNAUTHENTICATED"));
        let public = api::graphql::may_run(&api::graphql::viewer::Caller::Anonymous, name);
        assert_eq!(refused, !public, "{name}: {:?}", answer.errors);
        if !public {
            assert_eq!(answer.errors.len(), 1, "{name}: {:?}", answer.errors);
            assert!(
                answer.errors[0].path.len() == 1,
                "{name}: {:?}",
                answer.errors
            );
        }
    }
}
