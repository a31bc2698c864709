//! Bounds on a GraphQL document and its variables, checked before the schema sees them.
//!
//! Every later step that walks client input (the parser's conversion into a syntax tree, the
//! library's depth, directive and complexity checks, input-object coercion, the filter's
//! conversion into SQL) recurses, and some expand fragment spreads without remembering what
//! they have seen. So the input is bounded here first, by walks that cannot themselves be
//! driven deep or long:
//!
//! 1. [`nesting`] scans the raw text (before it is parsed) and refuses brackets nested deeper
//!    than [`MAX_NESTING`], so no recursion after it can go deeper than that.
//! 2. [`check_document`] counts the document's selections as written and as expanded through
//!    fragment spreads (each fragment's size is computed once, so a chain of fragments that
//!    each spread the next twice costs one pass, not 2^n), refuses fragment cycles and spread
//!    chains deeper than [`MAX_SPREAD_DEPTH`], and counts directives on every selection.
//! 3. [`check_values`] refuses the NUL character in every string argument and variable (no
//!    database column can hold it) and variables nested deeper than [`MAX_NESTING`].

use std::collections::{HashMap, HashSet};

use async_graphql::Positioned;
use async_graphql::parser::types::{
    Directive, ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql_value::{ConstValue, Value};
use serde_json::{Map, Value as Json};

/// How deeply brackets (`{`, `[`, `(`) may nest in a document, and values in variables. A
/// query at the selection-depth limit with a filter at its nesting limit needs about 40.
pub const MAX_NESTING: usize = 64;

/// How many directives (`@`) a document may carry in all, counted on the text before it is
/// parsed: a flood of them is refused without the cost of parsing it.
pub const MAX_DIRECTIVES_PER_DOCUMENT: usize = 200;

/// How long a chain of fragment spreads (a fragment spreading one that spreads another ...)
/// may be.
pub const MAX_SPREAD_DEPTH: usize = 16;

/// How many field selections a document may hold, counted as written and again with every
/// fragment spread expanded in place. GraphiQL's introspection query expands to about 300.
pub const MAX_SELECTIONS: u64 = 5_000;

/// How many ids the `anyOf` / `allOf` / `noneOf` lists of all `filter` arguments of one
/// document may hold together, and how many of them `allOf` (each a join of its own). One
/// filter has its own, smaller caps; these stop aliases from multiplying them.
pub const MAX_FILTER_IDS_PER_DOCUMENT: usize = 400;
pub const MAX_ALL_OF_IDS_PER_DOCUMENT: usize = 60;
/// How many searches the `filter` arguments of one document may hold together (one filter
/// has its own, smaller cap; this stops aliases from multiplying it).
pub const MAX_SEARCHES_PER_DOCUMENT: usize = 8;

/// The argument whose text is judged entry by entry by the service (a BibTeX file may carry
/// a bad entry among good ones), so the transport leaves its strings alone.
const FIELDS_JUDGED_BY_THEIR_SERVICE: [&str; 1] = ["importBibtex"];

/// Why a document or its variables are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The shape of the document is over a limit: a validation failure.
    Shape(String),
    /// A value the client sent cannot be accepted: bad user input.
    Value(String),
}

impl Problem {
    /// The error code the client sees.
    pub fn code(&self) -> crate::error::ErrorCode {
        match self {
            Self::Shape(_) => crate::error::ErrorCode::GraphqlValidationFailed,
            Self::Value(_) => crate::error::ErrorCode::BadUserInput,
        }
    }

    /// A request error carrying this problem's message.
    pub fn into_error(self) -> async_graphql::ServerError {
        let (Self::Shape(message) | Self::Value(message)) = self;
        async_graphql::ServerError::new(message, None)
    }
}

/// The deepest bracket nesting of a GraphQL document, and its number of directives, read
/// without parsing it: strings, block strings and comments are skipped. Stops as soon as
/// `max` (or [`MAX_DIRECTIVES_PER_DOCUMENT`]) is passed.
pub fn nesting(text: &str, max: usize) -> Result<(), Problem> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut directives = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > max {
                    return Err(Problem::Shape(format!(
                        "the document nests brackets more than {max} levels deep"
                    )));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            b'@' => {
                directives += 1;
                if directives > MAX_DIRECTIVES_PER_DOCUMENT {
                    return Err(Problem::Shape(format!(
                        "the document carries more than {MAX_DIRECTIVES_PER_DOCUMENT} directives"
                    )));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// What one fragment costs once its spreads are expanded.
#[derive(Debug, Clone, Copy)]
struct FragmentCost {
    selections: u64,
    /// The longest chain of spreads below it, itself included.
    height: usize,
}

struct Walk<'d> {
    doc: &'d ExecutableDocument,
    max_directives: usize,
    costs: HashMap<&'d str, FragmentCost>,
    visiting: HashSet<&'d str>,
}

impl<'d> Walk<'d> {
    fn directives(&self, directives: &[Positioned<Directive>]) -> Result<(), Problem> {
        if directives.len() > self.max_directives {
            return Err(Problem::Shape(format!(
                "a selection carries {} directives; the limit is {}",
                directives.len(),
                self.max_directives
            )));
        }
        Ok(())
    }

    /// The selections of `set` with spreads expanded, and the longest spread chain below it.
    /// Recursion follows the document's nesting (bounded by [`nesting`]) and fragment chains
    /// (bounded by [`MAX_SPREAD_DEPTH`]).
    fn expand(&mut self, set: &'d SelectionSet) -> Result<FragmentCost, Problem> {
        let mut cost = FragmentCost {
            selections: 0,
            height: 0,
        };
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => {
                    self.directives(&field.node.directives)?;
                    let inner = self.expand(&field.node.selection_set.node)?;
                    FragmentCost {
                        selections: inner.selections.saturating_add(1),
                        height: inner.height,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.directives(&fragment.node.directives)?;
                    self.expand(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.node.directives)?;
                    let name = spread.node.fragment_name.node.as_str();
                    match self.doc.fragments.get(&spread.node.fragment_name.node) {
                        // Unknown fragments are named by validation.
                        None => continue,
                        Some(fragment) => self.fragment(name, &fragment.node)?,
                    }
                }
            };
            cost.selections = cost.selections.saturating_add(inner.selections);
            cost.height = cost.height.max(inner.height);
            if cost.selections > MAX_SELECTIONS {
                return Err(too_many_selections());
            }
        }
        Ok(cost)
    }

    fn fragment(
        &mut self,
        name: &'d str,
        fragment: &'d FragmentDefinition,
    ) -> Result<FragmentCost, Problem> {
        if let Some(cost) = self.costs.get(name) {
            return Ok(*cost);
        }
        if !self.visiting.insert(name) {
            return Err(Problem::Shape(format!(
                "fragment `{name}` spreads itself, directly or through other fragments"
            )));
        }
        if self.visiting.len() > MAX_SPREAD_DEPTH {
            return Err(too_deep_spreads());
        }
        let inner = self.expand(&fragment.selection_set.node)?;
        self.visiting.remove(name);
        let cost = FragmentCost {
            selections: inner.selections,
            height: inner.height + 1,
        };
        if cost.height > MAX_SPREAD_DEPTH {
            return Err(too_deep_spreads());
        }
        self.costs.insert(name, cost);
        Ok(cost)
    }
}

fn too_many_selections() -> Problem {
    Problem::Shape(format!(
        "the document selects more than {MAX_SELECTIONS} fields once its fragments are expanded"
    ))
}

fn too_deep_spreads() -> Problem {
    Problem::Shape(format!(
        "fragments spread each other more than {MAX_SPREAD_DEPTH} levels deep"
    ))
}

/// Checks the size of the document as written and as it expands, its fragment spreads and
/// its directives. Fragments that no operation spreads are costed too: validation walks them.
pub fn check_document(doc: &ExecutableDocument, max_directives: usize) -> Result<(), Problem> {
    let mut walk = Walk {
        doc,
        max_directives,
        costs: HashMap::new(),
        visiting: HashSet::new(),
    };
    let mut written = 0u64;
    let mut expanded = 0u64;
    for (_, operation) in doc.operations.iter() {
        walk.directives(&operation.node.directives)?;
        let cost = walk.expand(&operation.node.selection_set.node)?;
        expanded = expanded.saturating_add(cost.selections);
        written = written.saturating_add(written_selections(&operation.node.selection_set.node));
    }
    for (name, fragment) in &doc.fragments {
        walk.directives(&fragment.node.directives)?;
        walk.fragment(name.as_str(), &fragment.node)?;
        written = written.saturating_add(written_selections(&fragment.node.selection_set.node));
    }
    if written > MAX_SELECTIONS || expanded > MAX_SELECTIONS {
        return Err(too_many_selections());
    }
    Ok(())
}

/// Field selections as written, spreads not followed: one stack, no recursion.
fn written_selections(set: &SelectionSet) -> u64 {
    let mut count = 0u64;
    let mut stack = vec![set];
    while let Some(set) = stack.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    count += 1;
                    stack.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    stack.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    count
}

/// The operation a request runs: the one named, or the first (validation refuses a document
/// whose choice is ambiguous).
pub fn operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d async_graphql::Positioned<async_graphql::parser::types::OperationDefinition>> {
    let mut operations = doc.operations.iter();
    let (_, operation) = match name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations.next(),
    }?;
    Some(operation)
}

/// The variables the selected operation requires (a non-null type without a default) that
/// the request leaves out or sends as null: a request error naming each, as the GraphQL
/// specification's CoerceVariableValues has it. (async-graphql would otherwise fail the
/// field that uses one, with an error that carries no code.)
pub fn check_required_variables(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: Option<&Map<String, Json>>,
) -> Result<(), Problem> {
    let Some(operation) = operation(doc, operation_name) else {
        // Which operation to run is for validation to say.
        return Ok(());
    };
    let missing: Vec<String> = operation
        .node
        .variable_definitions
        .iter()
        .filter(|definition| {
            let definition = &definition.node;
            !definition.var_type.node.nullable
                && definition.default_value.is_none()
                && variables
                    .and_then(|values| values.get(definition.name.node.as_str()))
                    .is_none_or(Json::is_null)
        })
        .map(|definition| {
            format!(
                "${} of required type {}",
                definition.node.name.node, definition.node.var_type.node
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Problem::Value(format!(
            "variables: {} must be given a value",
            missing.join(", ")
        )))
    }
}

/// Refuses NUL characters in the document's string arguments and in the variables, and
/// variables nested deeper than [`MAX_NESTING`]. Arguments of the fields in
/// [`FIELDS_JUDGED_BY_THEIR_SERVICE`], and the variables they use, are left to the service.
pub fn check_values(
    doc: &ExecutableDocument,
    variables: Option<&Map<String, Json>>,
) -> Result<(), Problem> {
    let mut exempt: HashSet<&str> = HashSet::new();
    let mut arguments: Vec<(&str, &Value)> = Vec::new();
    let mut sets: Vec<&SelectionSet> = doc
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node)
        .chain(
            doc.fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        )
        .collect();
    for (_, operation) in doc.operations.iter() {
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value
                && let Some(path) = nul_in_const(&default.node)
            {
                return Err(nul_problem(&format!(
                    "the default of ${}{path}",
                    definition.node.name.node
                )));
            }
        }
    }
    while let Some(set) = sets.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    if FIELDS_JUDGED_BY_THEIR_SERVICE.contains(&field.name.node.as_str()) {
                        for (_, value) in &field.arguments {
                            variables_in(&value.node, &mut exempt);
                        }
                    } else {
                        for (name, value) in &field.arguments {
                            arguments.push((name.node.as_str(), &value.node));
                        }
                    }
                    directive_arguments(&field.directives, &mut arguments);
                    sets.push(&field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    directive_arguments(&fragment.node.directives, &mut arguments);
                    sets.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    directive_arguments(&spread.node.directives, &mut arguments);
                }
            }
        }
    }
    let (mut ids, mut all_of, mut searches) = (0usize, 0usize, 0usize);
    for (name, value) in &arguments {
        if *name == "filter" {
            let counted = filter_ids(value, variables);
            ids = ids.saturating_add(counted.ids);
            all_of = all_of.saturating_add(counted.all_of);
            searches = searches.saturating_add(counted.searches);
        }
    }
    if searches > MAX_SEARCHES_PER_DOCUMENT {
        return Err(Problem::Value(format!(
            "the document's filters hold {searches} searches; together they may hold at most {MAX_SEARCHES_PER_DOCUMENT}"
        )));
    }
    if ids > MAX_FILTER_IDS_PER_DOCUMENT || all_of > MAX_ALL_OF_IDS_PER_DOCUMENT {
        return Err(Problem::Value(format!(
            "the document's filters list {ids} ids ({all_of} in allOf); together they may list at most {MAX_FILTER_IDS_PER_DOCUMENT} ({MAX_ALL_OF_IDS_PER_DOCUMENT} in allOf)"
        )));
    }
    for (name, value) in arguments {
        if let Some(path) = nul_in_value(value) {
            return Err(nul_problem(&format!("argument `{name}`{path}")));
        }
    }
    for (name, value) in variables.into_iter().flatten() {
        json_depth(name, value)?;
        if exempt.contains(name.as_str()) {
            continue;
        }
        if let Some(path) = nul_in_json(value) {
            return Err(nul_problem(&format!("${name}{path}")));
        }
    }
    Ok(())
}

/// What a `filter` argument holds that costs work: ids in its id sets (all of them, and
/// those in `allOf`), and searches.
#[derive(Debug, Default, PartialEq, Eq)]
struct FilterWork {
    ids: usize,
    all_of: usize,
    searches: usize,
}

/// The ids a `filter` argument lists in its id sets, all of them and those in `allOf`, and
/// the searches it holds, following variables into the request's variables. One stack, no
/// recursion.
fn filter_ids(value: &Value, variables: Option<&Map<String, Json>>) -> FilterWork {
    enum Node<'v> {
        Ast(&'v Value),
        Json(&'v Json),
    }
    let set_key = |key: &str| matches!(key, "anyOf" | "allOf" | "noneOf");
    let (mut ids, mut all_of, mut searches) = (0usize, 0usize, 0usize);
    let mut count = |key: &str, len: usize| {
        ids = ids.saturating_add(len);
        if key == "allOf" {
            all_of = all_of.saturating_add(len);
        }
    };
    let mut stack = vec![Node::Ast(value)];
    while let Some(node) = stack.pop() {
        match node {
            Node::Ast(Value::Variable(name)) => {
                if let Some(json) = variables.and_then(|v| v.get(name.as_str())) {
                    stack.push(Node::Json(json));
                }
            }
            Node::Ast(Value::List(items)) => stack.extend(items.iter().map(Node::Ast)),
            Node::Ast(Value::Object(fields)) => {
                for (key, item) in fields {
                    if key.as_str() == "search" && !matches!(item, Value::Null) {
                        searches = searches.saturating_add(1);
                    }
                    match item {
                        Value::List(list) if set_key(key.as_str()) => count(key, list.len()),
                        Value::Variable(name) if set_key(key.as_str()) => {
                            if let Some(Json::Array(list)) =
                                variables.and_then(|v| v.get(name.as_str()))
                            {
                                count(key, list.len());
                            }
                        }
                        _ => stack.push(Node::Ast(item)),
                    }
                }
            }
            Node::Ast(_) => {}
            Node::Json(Json::Array(items)) => stack.extend(items.iter().map(Node::Json)),
            Node::Json(Json::Object(fields)) => {
                for (key, item) in fields {
                    if key == "search" && !item.is_null() {
                        searches = searches.saturating_add(1);
                    }
                    match item {
                        Json::Array(list) if set_key(key) => count(key, list.len()),
                        _ => stack.push(Node::Json(item)),
                    }
                }
            }
            Node::Json(_) => {}
        }
    }
    FilterWork {
        ids,
        all_of,
        searches,
    }
}

fn directive_arguments<'d>(
    directives: &'d [Positioned<Directive>],
    arguments: &mut Vec<(&'d str, &'d Value)>,
) {
    for (name, value) in directives
        .iter()
        .flat_map(|directive| directive.node.arguments.iter())
    {
        arguments.push((name.node.as_str(), &value.node));
    }
}

fn nul_problem(place: &str) -> Problem {
    Problem::Value(format!(
        "{place}: must not contain the NUL character (U+0000)"
    ))
}

/// The variables a value refers to.
fn variables_in<'v>(value: &'v Value, found: &mut HashSet<&'v str>) {
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Variable(name) => {
                found.insert(name.as_str());
            }
            Value::List(items) => stack.extend(items),
            Value::Object(fields) => stack.extend(fields.values()),
            _ => {}
        }
    }
}

/// Where in `value` a string holds NUL, as a path like `.filter.search` or `[2]`.
fn nul_in_value(value: &Value) -> Option<String> {
    let mut stack: Vec<(String, &Value)> = vec![(String::new(), value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::String(text) if text.contains('\0') => return Some(path),
            Value::List(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{path}[{i}]"), item)),
            ),
            Value::Object(fields) => stack.extend(
                fields
                    .iter()
                    .map(|(key, item)| (format!("{path}.{key}"), item)),
            ),
            _ => {}
        }
    }
    None
}

fn nul_in_const(value: &ConstValue) -> Option<String> {
    nul_in_json(&value.clone().into_json().ok()?)
}

fn nul_in_json(value: &Json) -> Option<String> {
    let mut stack: Vec<(String, &Json)> = vec![(String::new(), value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Json::String(text) if text.contains('\0') => return Some(path),
            Json::Array(items) => stack.extend(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("{path}[{i}]"), item)),
            ),
            Json::Object(fields) => stack.extend(
                fields
                    .iter()
                    .map(|(key, item)| (format!("{path}.{key}"), item)),
            ),
            _ => {}
        }
    }
    None
}

/// Refuses a variable nested deeper than [`MAX_NESTING`] (input coercion recurses).
fn json_depth(name: &str, value: &Json) -> Result<(), Problem> {
    let mut stack = vec![(1usize, value)];
    while let Some((depth, value)) = stack.pop() {
        if depth > MAX_NESTING {
            return Err(Problem::Value(format!(
                "${name}: nests more than {MAX_NESTING} levels deep"
            )));
        }
        match value {
            Json::Array(items) => stack.extend(items.iter().map(|item| (depth + 1, item))),
            Json::Object(fields) => stack.extend(fields.values().map(|item| (depth + 1, item))),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;
    use serde_json::json;

    fn shape(query: &str) -> Result<(), Problem> {
        nesting(query, MAX_NESTING)?;
        let doc = parse_query(query).expect("parses");
        check_document(&doc, 10)
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "{".repeat(100);
        let query =
            format!("{{ a(x: \"{deep}\", y: \"\"\"{deep} \\\"\"\" {deep}\"\"\") # {deep}\n }}");
        assert_eq!(nesting(&query, 3), Ok(()));
    }

    #[test]
    fn a_directive_flood_is_refused_before_parsing() {
        let flood = format!("{{ __typename {} }}", "@include(if: true) ".repeat(201));
        assert!(matches!(
            nesting(&flood, MAX_NESTING),
            Err(Problem::Shape(_))
        ));
        let quoted = format!("{{ a(x: \"{}\") }}", "@".repeat(1_000));
        assert_eq!(nesting(&quoted, MAX_NESTING), Ok(()));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let query = format!(
            "{{ publications(filter: {}) {{ totalCount }} }}",
            "{not: ".repeat(600) + &"}".repeat(600)
        );
        assert!(matches!(
            nesting(&query, MAX_NESTING),
            Err(Problem::Shape(_))
        ));
    }

    #[test]
    fn a_fragment_chain_that_doubles_is_refused_in_one_pass() {
        let mut query = String::from("query { viewer { ...F0 } }\n");
        for i in 0..30 {
            query.push_str(&format!(
                "fragment F{i} on Viewer {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str("fragment F30 on Viewer { name }\n");
        let started = std::time::Instant::now();
        assert!(matches!(shape(&query), Err(Problem::Shape(_))));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn a_short_doubling_chain_is_costed_exactly() {
        let doc = parse_query(
            "{ viewer { ...A } } fragment A on Viewer { ...B ...B } fragment B on Viewer { name role }",
        )
        .expect("parses");
        let mut walk = Walk {
            doc: &doc,
            max_directives: 10,
            costs: HashMap::new(),
            visiting: HashSet::new(),
        };
        let (_, operation) = doc.operations.iter().next().expect("an operation");
        let cost = walk
            .expand(&operation.node.selection_set.node)
            .expect("small");
        assert_eq!(cost.selections, 1 + 2 * 2);
        assert_eq!(cost.height, 2);
    }

    #[test]
    fn fragment_cycles_and_long_chains_are_refused() {
        assert!(
            shape("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }").is_err()
        );
        assert!(shape("{ ...A } fragment A on Query { ...A }").is_err());
        let mut chain = String::from("{ ...F0 }\n");
        for i in 0..=MAX_SPREAD_DEPTH {
            chain.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
        }
        chain.push_str(&format!(
            "fragment F{} on Query {{ __typename }}\n",
            MAX_SPREAD_DEPTH + 1
        ));
        assert_eq!(shape(&chain), Err(too_deep_spreads()));
        assert_eq!(
            shape("{ ...A } fragment A on Query { ...B } fragment B on Query { __typename }"),
            Ok(())
        );
    }

    #[test]
    fn directives_are_counted_on_spreads_and_inline_fragments_too() {
        let many = "@include(if: true) ".repeat(11);
        assert!(shape(&format!("{{ ... {many} {{ __typename }} }}")).is_err());
        assert!(
            shape(&format!(
                "{{ ...A {many} }} fragment A on Query {{ __typename }}"
            ))
            .is_err()
        );
        assert!(shape(&format!("{{ __typename {many} }}")).is_err());
    }

    #[test]
    fn nul_is_refused_in_arguments_and_variables_but_left_to_the_bibtex_import() {
        let doc = parse_query(r#"{ publications(filter: { search: "a\u0000b" }) { totalCount } }"#)
            .expect("parses");
        let Err(Problem::Value(message)) = check_values(&doc, None) else {
            panic!("refused")
        };
        assert!(message.contains("argument `filter`.search"), "{message}");

        let doc =
            parse_query("query($s: String) { suggest(prefix: $s) { name } }").expect("parses");
        let variables = json!({ "s": "x\u{0}" });
        assert!(check_values(&doc, variables.as_object()).is_err());

        let doc = parse_query(
            "mutation($b: String!) { importBibtex(input: { bibtex: $b }) { createdCount } }",
        )
        .expect("parses");
        let variables = json!({ "b": "@article{a, title = {x\u{0}}}" });
        assert_eq!(check_values(&doc, variables.as_object()), Ok(()));
    }

    #[test]
    fn ids_in_filters_are_counted_across_aliases_and_variables() {
        let ids = |n: usize| {
            let list: Vec<String> = (0..n).map(|i| format!("\"a{i}\"")).collect();
            format!("[{}]", list.join(","))
        };
        let aliases = |n: usize, set: &str| {
            (0..n)
                .map(|i| format!("a{i}: publications(filter: {{ authors: {{ {set}: {} }} }}) {{ totalCount }}", ids(20)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let within = parse_query(format!("{{ {} }}", aliases(3, "allOf"))).expect("parses");
        assert_eq!(check_values(&within, None), Ok(()));
        let over = parse_query(format!("{{ {} }}", aliases(4, "allOf"))).expect("parses");
        assert!(matches!(check_values(&over, None), Err(Problem::Value(_))));
        let any = parse_query(format!("{{ {} }}", aliases(20, "anyOf"))).expect("parses");
        assert_eq!(check_values(&any, None), Ok(()));
        let any = parse_query(format!("{{ {} }}", aliases(21, "anyOf"))).expect("parses");
        assert!(check_values(&any, None).is_err());

        let doc = parse_query(
            "query($f: PublicationFilter, $ids: [ID!]) { a: publications(filter: $f) { totalCount } b: publications(filter: { or: [{ topics: { allOf: $ids } }] }) { totalCount } }",
        )
        .expect("parses");
        let many: Vec<String> = (0..40).map(|i| format!("t{i}")).collect();
        let variables = json!({ "f": { "and": [{ "authors": { "allOf": many } }] }, "ids": many });
        assert!(check_values(&doc, variables.as_object()).is_err());
        let variables = json!({ "f": { "authors": { "allOf": many } } });
        assert_eq!(check_values(&doc, variables.as_object()), Ok(()));
    }

    #[test]
    fn deeply_nested_variables_are_refused() {
        let doc =
            parse_query("query($f: PublicationFilter) { publications(filter: $f) { totalCount } }")
                .expect("parses");
        let mut filter = json!({});
        for _ in 0..100 {
            filter = json!({ "not": filter });
        }
        let variables = json!({ "f": filter });
        assert!(matches!(
            check_values(&doc, variables.as_object()),
            Err(Problem::Value(_))
        ));
    }
}
