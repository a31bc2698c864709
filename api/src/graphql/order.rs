//! Response keys in the order of the selection set, as the GraphQL specification orders a
//! response map (`CollectFields`: first appearance in the document, fragments expanded in
//! place).
//!
//! async-graphql resolves sibling fields side by side and inserts each as it finishes, so
//! without this a field that waited on a loader comes after one that did not, and the
//! order changes from one request to the next. This extension keeps the document it saw
//! parsed and, once the operation has run, puts each object's keys back in order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Response, ServerResult, Value, Variables};

/// Registers the ordering on a schema: `Schema::build(..).extension(SelectionOrder)`.
pub struct SelectionOrder;

impl ExtensionFactory for SelectionOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Ordering::default())
    }
}

/// The document of one request, kept from parsing to the end of execution (of every event,
/// for a subscription).
#[derive(Default)]
struct Ordering(Mutex<Option<Arc<ExecutableDocument>>>);

/// Fragment spreads are followed this deep at most; validation has refused cycles and the
/// transport deeper chains, so this only bounds the walk.
const MAX_SPREAD_DEPTH: usize = 16;

type Fragments = HashMap<Name, Positioned<FragmentDefinition>>;

#[async_graphql::async_trait::async_trait]
impl Extension for Ordering {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(document.clone()));
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let document = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(document) = document {
            let operation = match (&document.operations, operation_name) {
                (DocumentOperations::Single(operation), _) => Some(operation),
                (DocumentOperations::Multiple(operations), Some(name)) => {
                    operations.get(&Name::new(name))
                }
                (DocumentOperations::Multiple(operations), None) => operations.values().next(),
            };
            if let Some(operation) = operation {
                let sets = [&operation.node.selection_set.node];
                reorder(&mut response.data, &sets, &document.fragments);
            }
        }
        response
    }
}

/// Orders `value`, the answer to the merged selection `sets`, and everything below it.
fn reorder(value: &mut Value, sets: &[&SelectionSet], fragments: &Fragments) {
    let needs_fields = match value {
        Value::Object(_) => true,
        Value::List(items) => items
            .iter()
            .any(|item| matches!(item, Value::Object(_) | Value::List(_))),
        _ => false,
    };
    if !needs_fields {
        return;
    }
    let mut collected: Vec<(&Name, Vec<&SelectionSet>)> = Vec::new();
    for set in sets {
        collect(set, fragments, 0, &mut collected);
    }
    apply(value, &collected, fragments);
}

fn apply(value: &mut Value, collected: &[(&Name, Vec<&SelectionSet>)], fragments: &Fragments) {
    match value {
        Value::List(items) => {
            for item in items {
                apply(item, collected, fragments);
            }
        }
        Value::Object(object) => {
            let mut rest = std::mem::take(object);
            for (key, sets) in collected {
                if let Some(mut field) = rest.shift_remove(*key) {
                    reorder(&mut field, sets, fragments);
                    object.insert((*key).clone(), field);
                }
            }
            // Nothing is left unless the document and the answer disagree; keep it all.
            object.extend(rest);
        }
        _ => {}
    }
}

/// The response keys of `set` in order of first appearance, each with the selection sets
/// of the fields answering to it.
fn collect<'d>(
    set: &'d SelectionSet,
    fragments: &'d Fragments,
    depth: usize,
    into: &mut Vec<(&'d Name, Vec<&'d SelectionSet>)>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let key = &field.node.response_key().node;
                let sub = &field.node.selection_set.node;
                match into.iter_mut().find(|(known, _)| *known == key) {
                    Some((_, sets)) => sets.push(sub),
                    None => into.push((key, vec![sub])),
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(&fragment.node.selection_set.node, fragments, depth, into);
            }
            Selection::FragmentSpread(spread) => {
                if depth < MAX_SPREAD_DEPTH
                    && let Some(fragment) = fragments.get(&spread.node.fragment_name.node)
                {
                    collect(
                        &fragment.node.selection_set.node,
                        fragments,
                        depth + 1,
                        into,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn keys_follow_the_document_with_fragments_expanded_in_place() {
        let doc = parse_query("{ b ...F c: a x { z y } } fragment F on Query { d b x { w } }")
            .expect("valid");
        let DocumentOperations::Single(operation) = &doc.operations else {
            panic!("one operation");
        };
        let object = |pairs: Vec<(&str, Value)>| {
            Value::Object(pairs.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
        };
        let mut data = object(vec![
            (
                "x",
                object(vec![
                    ("y", Value::Null),
                    ("w", Value::Null),
                    ("z", Value::Null),
                ]),
            ),
            ("c", Value::Null),
            ("d", Value::Null),
            ("b", Value::Null),
        ]);
        reorder(
            &mut data,
            &[&operation.node.selection_set.node],
            &doc.fragments,
        );
        let keys = |value: &Value| match value {
            Value::Object(object) => object
                .keys()
                .map(Name::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        };
        assert_eq!(keys(&data), "b d x c");
        let Value::Object(object) = &data else {
            panic!("an object");
        };
        assert_eq!(keys(&object[&Name::new("x")]), "w z y");
    }
}
