//! Input objects' fields, read from the schema, so that a field the client misspelt is named.
//!
//! async-graphql reports the first problem of an input object it finds: for
//! `createTopic(input: { nme: "x" })` that `name` is missing, never that `nme` is no field at
//! all, which is the mistake to fix. Before a document runs, this check walks the values a
//! client wrote for the root fields' arguments and the variables it sent, and refuses a key
//! that is not a field of its input type, naming the path and the type (and, when
//! `GRAPHQL_SUGGESTIONS` is on, the field it most resembles). Everything else is left to the
//! library's validation.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::Value;
use serde_json::{Map, Value as Json};

use super::preflight::Problem;

/// Each input type's fields and each root field's arguments, with their named types.
#[derive(Debug, Default)]
pub struct InputShapes {
    inputs: HashMap<String, HashMap<String, String>>,
    /// (root type, field) → argument → named type.
    arguments: HashMap<(String, String), HashMap<String, String>>,
    roots: [String; 3],
    suggestions: bool,
}

/// The named type under list and non-null wrappers.
fn named(ty: &Type) -> String {
    match &ty.base {
        BaseType::Named(name) => name.to_string(),
        BaseType::List(inner) => named(inner),
    }
}

impl InputShapes {
    /// Reads `sdl`, the schema's own export; a schema that does not read gives no checks.
    pub fn from_sdl(sdl: &str, suggestions: bool) -> Self {
        let mut shapes = Self {
            roots: ["Query".into(), "Mutation".into(), "Subscription".into()],
            suggestions,
            ..Self::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the exported schema does not parse; input fields go unchecked");
            return shapes;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    for (slot, root) in [schema.query, schema.mutation, schema.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let (Some(root), Some(name)) = (root, shapes.roots.get_mut(slot)) {
                            *name = root.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let type_name = ty.name.node.to_string();
                    match ty.kind {
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .iter()
                                .map(|f| (f.node.name.node.to_string(), named(&f.node.ty.node)))
                                .collect();
                            shapes.inputs.insert(type_name, fields);
                        }
                        TypeKind::Object(object) => {
                            for field in object.fields {
                                let arguments = field
                                    .node
                                    .arguments
                                    .iter()
                                    .map(|a| (a.node.name.node.to_string(), named(&a.node.ty.node)))
                                    .collect();
                                shapes.arguments.insert(
                                    (type_name.clone(), field.node.name.node.to_string()),
                                    arguments,
                                );
                            }
                        }
                        _ => {}
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shapes
    }

    /// Refuses the first key, in the selected operation's root arguments or its variables,
    /// that is not a field of its input type.
    pub fn check(
        &self,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: Option<&Map<String, Json>>,
    ) -> Result<(), Problem> {
        let Some(operation) = super::preflight::operation(doc, operation_name) else {
            return Ok(());
        };
        let operation = &operation.node;
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            if let Some(value) = variables.and_then(|v| v.get(definition.name.node.as_str())) {
                let path = format!("${}", definition.name.node);
                self.json(value, &named(&definition.var_type.node), &path)?;
            }
        }
        let root = match operation.ty {
            OperationType::Query => &self.roots[0],
            OperationType::Mutation => &self.roots[1],
            OperationType::Subscription => &self.roots[2],
        };
        for selection in &operation.selection_set.node.items {
            let Selection::Field(field) = &selection.node else {
                continue;
            };
            let field = &field.node;
            let Some(arguments) = self
                .arguments
                .get(&(root.clone(), field.name.node.to_string()))
            else {
                continue;
            };
            for (name, value) in &field.arguments {
                if let Some(ty) = arguments.get(name.node.as_str()) {
                    self.literal(&value.node, ty, name.node.as_str())?;
                }
            }
        }
        Ok(())
    }

    /// What to say of `key`, which is no field of `ty`.
    fn unknown(&self, ty: &str, fields: &HashMap<String, String>, key: &str, path: &str) -> String {
        let mut message = format!("{path}: {ty} has no field \"{key}\"");
        if self.suggestions
            && let Some(near) = fields
                .keys()
                .map(|field| (distance(key, field), field))
                .filter(|(d, field)| *d <= (field.len() / 3).max(1))
                .min()
                .map(|(_, field)| field)
        {
            message.push_str(&format!("; did you mean \"{near}\"?"));
        }
        message
    }

    fn literal(&self, value: &Value, ty: &str, path: &str) -> Result<(), Problem> {
        match value {
            Value::Object(object) => {
                let Some(fields) = self.inputs.get(ty) else {
                    return Ok(());
                };
                for (key, value) in object {
                    match fields.get(key.as_str()) {
                        None => return Err(Problem::Shape(self.unknown(ty, fields, key, path))),
                        Some(field_type) => {
                            self.literal(value, field_type, &format!("{path}.{key}"))?;
                        }
                    }
                }
                Ok(())
            }
            Value::List(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| self.literal(item, ty, &format!("{path}.{i}"))),
            _ => Ok(()),
        }
    }

    fn json(&self, value: &Json, ty: &str, path: &str) -> Result<(), Problem> {
        match value {
            Json::Object(object) => {
                let Some(fields) = self.inputs.get(ty) else {
                    return Ok(());
                };
                for (key, value) in object {
                    match fields.get(key.as_str()) {
                        // A variable's value is the client's data, not its document.
                        None => return Err(Problem::Value(self.unknown(ty, fields, key, path))),
                        Some(field_type) => {
                            self.json(value, field_type, &format!("{path}.{key}"))?
                        }
                    }
                }
                Ok(())
            }
            Json::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| self.json(item, ty, &format!("{path}.{i}"))),
            _ => Ok(()),
        }
    }
}

/// The Levenshtein distance of two short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        type Mutation { createTopic(input: CreateTopicInput!): Int }
        type Query { publications(filter: Filter): Int }
        input CreateTopicInput { name: String! description: String parent: Ref }
        input Ref { id: ID }
        input Filter { kinds: [String!] and: [Filter!] }
    "#;

    fn problem(shapes: &InputShapes, query: &str, variables: Json) -> Option<String> {
        let doc = async_graphql::parser::parse_query(query).expect("a document");
        match shapes.check(&doc, None, variables.as_object()) {
            Ok(()) => None,
            Err(Problem::Shape(message) | Problem::Value(message)) => Some(message),
        }
    }

    #[test]
    fn a_key_that_is_no_field_is_named_with_its_type_and_path() {
        let plain = InputShapes::from_sdl(SDL, false);
        assert_eq!(
            problem(
                &plain,
                r#"mutation { createTopic(input: { nme: "x" }) }"#,
                Json::Null
            )
            .as_deref(),
            Some("input: CreateTopicInput has no field \"nme\"")
        );
        assert_eq!(
            problem(
                &plain,
                "query($f: Filter) { publications(filter: $f) }",
                serde_json::json!({ "f": { "and": [{ "kinds": [], "kind": "x" }] } })
            )
            .as_deref(),
            Some("$f.and.0: Filter has no field \"kind\"")
        );
        assert_eq!(
            problem(
                &plain,
                r#"mutation { createTopic(input: { name: "x", parent: { id: 1 } }) }"#,
                Json::Null
            ),
            None
        );
        let suggesting = InputShapes::from_sdl(SDL, true);
        assert_eq!(
            problem(
                &suggesting,
                r#"mutation { createTopic(input: { nme: "x" }) }"#,
                Json::Null
            )
            .as_deref(),
            Some("input: CreateTopicInput has no field \"nme\"; did you mean \"name\"?")
        );
    }

    #[test]
    fn distances_count_edits() {
        assert_eq!(distance("nme", "name"), 1);
        assert_eq!(distance("name", "name"), 0);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
