//! Field errors as the GraphQL specification handles them ("Handling Field Errors"): a field
//! that fails is null, and when its type is non-null the null moves up to the nearest
//! nullable ancestor (a nullable field, or a nullable item of a list), up to `data` itself.
//!
//! async-graphql leaves a failed field's key out of its parent instead, whatever the field's
//! type, so a client typed from the schema (Apollo, Relay, codegen) reads an object that
//! lacks a field the schema promises. This extension wraps every field's resolution:
//! - a failed field resolves to null, and its error is kept for the response;
//! - a failed field of a non-null type is recorded, and the nearest field above it that
//!   contains it applies the rule to its own value when it finishes (children finish before
//!   their parents), recording itself in turn when the null reaches its own non-null type;
//! - a non-null root field that is null makes `data` null.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo,
};
use async_graphql::{
    PathSegment, QueryPathNode, QueryPathSegment, Response, ServerError, ServerResult, Value,
};

/// Registers the rule on a schema: `Schema::build(..).extension(NullPropagation)`.
pub struct NullPropagation;

impl ExtensionFactory for NullPropagation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Propagation::default())
    }
}

/// The state of one request.
#[derive(Default)]
struct Propagation(Mutex<Failures>);

#[derive(Default)]
struct Failures {
    /// Errors of fields that resolved to null in their place, in the order they failed.
    errors: Vec<ServerError>,
    /// Non-null fields that are null, whose parent has not yet finished.
    invalid: Vec<Vec<PathSegment>>,
}

impl Propagation {
    fn failures(&self) -> MutexGuard<'_, Failures> {
        // The state is a list of records; one left half-written by a panic is still a list.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for Propagation {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let mut failures = self.failures();
        // What is left belongs to the root: a non-null root field is null.
        if !failures.invalid.is_empty() {
            response.data = Value::Null;
        }
        failures.invalid.clear();
        let mut errors = std::mem::take(&mut failures.errors);
        errors.append(&mut response.errors);
        response.errors = errors;
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Kept by reference: the path and the type are worked out only for a field that
        // failed or has a failure below it, not for every field of every answer.
        let (path_node, return_type) = (info.path_node, info.return_type);
        match next.run(ctx, info).await {
            Err(mut error) => {
                let path = path_of(path_node);
                if error.path.is_empty() {
                    error.path.clone_from(&path);
                }
                let mut failures = self.failures();
                failures.errors.push(error);
                if return_type.ends_with('!') {
                    failures.invalid.push(path);
                }
                Ok(Some(Value::Null))
            }
            Ok(Some(mut value)) => {
                let mut failures = self.failures();
                if failures.invalid.is_empty() {
                    return Ok(Some(value));
                }
                let path = path_of(path_node);
                let levels = nullability(return_type);
                let (below, others): (Vec<_>, Vec<_>) = std::mem::take(&mut failures.invalid)
                    .into_iter()
                    .partition(|invalid| invalid.len() > path.len() && invalid.starts_with(&path));
                failures.invalid = others;
                let mut null_here = false;
                for invalid in below {
                    // Between this field and the failed one there are only list indices.
                    let indices: Vec<usize> = invalid[path.len()..invalid.len() - 1]
                        .iter()
                        .filter_map(|segment| match segment {
                            PathSegment::Index(index) => Some(*index),
                            PathSegment::Field(_) => None,
                        })
                        .collect();
                    null_here |= propagate(&mut value, &indices, &levels);
                }
                if null_here {
                    value = Value::Null;
                    if !levels.first().copied().unwrap_or(true) {
                        failures.invalid.push(path);
                    }
                }
                Ok(Some(value))
            }
            other => other,
        }
    }
}

/// Nulls the object at `indices` in `value` (a field's value, lists nested as its type
/// says), or the nearest nullable list item above it; returns true when the null reaches
/// the field itself.
fn propagate(value: &mut Value, indices: &[usize], levels: &[bool]) -> bool {
    for depth in (1..=indices.len()).rev() {
        // `levels[depth]` is whether an item `depth` lists deep may be null.
        if levels.get(depth).copied().unwrap_or(false) {
            if let Some(item) = item_at(value, &indices[..depth]) {
                *item = Value::Null;
            }
            return false;
        }
    }
    true
}

fn item_at<'v>(value: &'v mut Value, indices: &[usize]) -> Option<&'v mut Value> {
    indices.iter().try_fold(value, |value, index| match value {
        Value::List(items) => items.get_mut(*index),
        _ => None,
    })
}

/// Whether the field, then each level of list item, may be null: `[Publication!]!` is
/// `[false, false]`, `[Node]!` is `[false, true]`, `Publication` is `[true]`.
fn nullability(type_name: &str) -> Vec<bool> {
    let mut levels = Vec::new();
    let mut rest = type_name.trim();
    loop {
        let non_null = rest.ends_with('!');
        let inner = rest.trim_end_matches('!');
        levels.push(!non_null);
        match inner
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
        {
            Some(item) => rest = item.trim(),
            None => return levels,
        }
    }
}

fn path_of(node: &QueryPathNode<'_>) -> Vec<PathSegment> {
    let mut path: Vec<PathSegment> = std::iter::once(node)
        .chain(node.parents())
        .map(|node| match node.segment {
            QueryPathSegment::Index(index) => PathSegment::Index(index),
            QueryPathSegment::Name(name) => PathSegment::Field(name.to_owned()),
        })
        .collect();
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_give_each_level_its_nullability() {
        assert_eq!(nullability("Publication"), [true]);
        assert_eq!(nullability("Publication!"), [false]);
        assert_eq!(nullability("[Publication!]!"), [false, false]);
        assert_eq!(nullability("[Node]!"), [false, true]);
        assert_eq!(nullability("[[Int!]]"), [true, true, false]);
    }

    #[test]
    fn a_null_stops_at_the_nearest_nullable_item() {
        let list = || Value::List(vec![Value::from(1), Value::from(2)]);
        let mut value = list();
        assert!(!propagate(&mut value, &[1], &[false, true]));
        assert_eq!(value, Value::List(vec![Value::from(1), Value::Null]));
        let mut value = list();
        assert!(propagate(&mut value, &[1], &[true, false]));
        assert!(propagate(&mut Value::from(1), &[], &[true]));
    }
}
