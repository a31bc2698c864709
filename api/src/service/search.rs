//! The `search` of publication filters: web-search syntax (words, "quoted phrases", `-word`
//! to exclude, `OR`) over the search document of each publication (title, abstract, the
//! authors' names and name variants, the venue's name; see `search_index`), with English
//! stemming, so that "models" finds "model".
//!
//! Words are ANDed; `OR` joins the terms on either side of it, as Postgres's
//! `websearch_to_tsquery` reads it: `a b OR c d` means a AND (b OR c) AND d. Postgres runs
//! the text through `websearch_to_tsquery` against a GIN-indexed `tsvector`; SQLite runs the
//! same parsed query as an FTS5 expression.
//!
//! Relevance is a score that depends on the publication alone, never on the rest of the
//! catalogue, so that a cursor stays valid while other entries change. A title match
//! counts most (1.0), then authors and venue (0.4), then the abstract (0.2): Postgres's
//! `ts_rank` over the document's weights; on SQLite the same weights summed over the
//! columns each term matches in.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{Condition, DbBackend, Value};
use serde::Serialize;

/// A word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term(pub String);

/// A parsed search: every clause must hold; a clause holds when one of its terms matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchQuery {
    /// The text as given, whitespace trimmed.
    pub text: String,
    pub clauses: Vec<Vec<Term>>,
    /// Terms that must not match.
    pub excluded: Vec<Term>,
}

enum Token {
    Term { text: String, negated: bool },
    Or,
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let negated = c == '-';
        if negated {
            chars.next();
        }
        let mut word = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                word.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
        if word.is_empty() {
            continue;
        }
        if word == "OR" && !negated {
            tokens.push(Token::Or);
        } else {
            tokens.push(Token::Term {
                text: word,
                negated,
            });
        }
    }
    tokens
}

impl SearchQuery {
    /// Parses web-search syntax; `None` when nothing is left to search for.
    pub fn parse(text: &str) -> Option<Self> {
        let mut query = Self {
            text: text.trim().to_owned(),
            ..Self::default()
        };
        let mut join_next = false;
        for token in tokens(text) {
            match token {
                Token::Or => join_next = !query.clauses.is_empty(),
                Token::Term {
                    text,
                    negated: true,
                } => {
                    query.excluded.push(Term(text));
                    join_next = false;
                }
                Token::Term {
                    text,
                    negated: false,
                } => {
                    match query.clauses.last_mut() {
                        Some(last) if join_next => last.push(Term(text)),
                        _ => query.clauses.push(vec![Term(text)]),
                    }
                    join_next = false;
                }
            }
        }
        (!query.clauses.is_empty() || !query.excluded.is_empty()).then_some(query)
    }

    // Placeholders in custom SQL follow the backend: `?` on SQLite, `$n` on Postgres.

    /// The SQL condition on `publication`: its search document matches.
    pub fn condition(&self, backend: DbBackend) -> Condition {
        match backend {
            DbBackend::Sqlite => {
                let positive = self.fts_positive();
                let negative = self.fts_any(&self.excluded);
                let matching = |expression: String| {
                    Expr::cust_with_values(
                        r#""publication"."id" IN (SELECT rowid FROM publication_fts WHERE publication_fts MATCH ?)"#,
                        [Value::from(expression)],
                    )
                };
                match (positive, negative) {
                    (Some(positive), Some(negative)) => {
                        Condition::all().add(matching(format!("({positive}) NOT ({negative})")))
                    }
                    (Some(positive), None) => Condition::all().add(matching(positive)),
                    (None, Some(negative)) => Condition::all().add(matching(negative)).not(),
                    // Only words without letters or digits: nothing can match.
                    (None, None) => Condition::all().add(Expr::value(false)),
                }
            }
            _ => Condition::all().add(Expr::cust_with_values(
                r#""publication"."search_document" @@ websearch_to_tsquery('english', $1)"#,
                [Value::from(self.text.clone())],
            )),
        }
    }

    /// How well a publication matches, higher is better (see the module's documentation).
    pub fn rank(&self, backend: DbBackend) -> SimpleExpr {
        match backend {
            DbBackend::Sqlite => {
                let mut parts: Vec<String> = Vec::new();
                let mut values: Vec<Value> = Vec::new();
                for term in self.clauses.iter().flatten().take(MAX_RANKED_TERMS) {
                    let Some(phrase) = fts_phrase(term) else {
                        continue;
                    };
                    for (column, weight) in SQLITE_WEIGHTS {
                        values.push(Value::from(format!("{{{column}}} : {phrase}")));
                        parts.push(format!(
                            r#"(CASE WHEN "publication"."id" IN (SELECT rowid FROM publication_fts WHERE publication_fts MATCH ?) THEN {weight} ELSE 0.0 END)"#
                        ));
                    }
                }
                if parts.is_empty() {
                    return Expr::cust("CAST(0.0 AS REAL)");
                }
                Expr::cust_with_values(format!("({})", parts.join(" + ")), values)
            }
            _ => Expr::cust_with_values(
                r#"CAST(ts_rank("publication"."search_document", websearch_to_tsquery('english', $1)) AS double precision)"#,
                [Value::from(self.text.clone())],
            ),
        }
    }

    /// The FTS5 expression every clause of which must match, if any term can.
    fn fts_positive(&self) -> Option<String> {
        let clauses: Vec<String> = self
            .clauses
            .iter()
            .filter_map(|clause| self.fts_any(clause))
            .collect();
        (!clauses.is_empty()).then(|| {
            clauses
                .iter()
                .map(|c| format!("({c})"))
                .collect::<Vec<_>>()
                .join(" AND ")
        })
    }

    /// The FTS5 expression matching any of `terms`, if any can match.
    fn fts_any(&self, terms: &[Term]) -> Option<String> {
        let phrases: Vec<String> = terms.iter().filter_map(fts_phrase).collect();
        (!phrases.is_empty()).then(|| phrases.join(" OR "))
    }
}

/// At most this many terms count towards relevance on SQLite (each costs four lookups).
const MAX_RANKED_TERMS: usize = 8;

/// The FTS5 columns and what a match in each weighs, as Postgres weighs A, B and C.
const SQLITE_WEIGHTS: [(&str, &str); 4] = [
    ("title", "1.0"),
    ("authors", "0.4"),
    ("venue", "0.4"),
    ("abstract", "0.2"),
];

/// A term as an FTS5 phrase (a quoted string, quotes doubled), or `None` when it holds no
/// letter or digit and so no token to look up.
fn fts_phrase(term: &Term) -> Option<String> {
    term.0
        .chars()
        .any(char::is_alphanumeric)
        .then(|| format!("\"{}\"", term.0.replace('"', "\"\"")))
}

/// A piece of text, and whether it is where a search term matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

/// `text` cut into fragments that mark where the query's terms occur (case-insensitively),
/// or `None` when none does. With `context`, only the part around the first match is kept,
/// `context` characters before it and twice that after, with "…" where text was cut.
pub fn highlight(text: &str, query: &SearchQuery, context: Option<usize>) -> Option<Vec<Fragment>> {
    let chars: Vec<char> = text.chars().collect();
    let fold = |c: char| c.to_lowercase().next().unwrap_or(c);
    let lower: Vec<char> = chars.iter().map(|c| fold(*c)).collect();
    let mut marked = vec![false; chars.len()];
    for term in query.clauses.iter().flatten() {
        let needle: Vec<char> = term.0.chars().map(fold).collect();
        if needle.is_empty() || needle.len() > lower.len() {
            continue;
        }
        for start in 0..=lower.len() - needle.len() {
            if lower[start..start + needle.len()] == needle[..] {
                marked[start..start + needle.len()]
                    .iter_mut()
                    .for_each(|m| *m = true);
            }
        }
    }
    let first = marked.iter().position(|m| *m)?;
    let (from, to) = match context {
        // The window always holds the first match, however small the context asked.
        Some(context) => (
            first.saturating_sub(context),
            (first + 2 * context).max(first + 1).min(chars.len()),
        ),
        None => (0, chars.len()),
    };
    let mut fragments: Vec<Fragment> = Vec::new();
    if from > 0 {
        fragments.push(Fragment {
            text: "…".into(),
            matched: false,
        });
    }
    for i in from..to {
        match fragments.last_mut() {
            Some(last) if last.matched == marked[i] && !(i == from && from > 0) => {
                last.text.push(chars[i])
            }
            _ => fragments.push(Fragment {
                text: chars[i].to_string(),
                matched: marked[i],
            }),
        }
    }
    if to < chars.len() {
        fragments.push(Fragment {
            text: "…".into(),
            matched: false,
        });
    }
    Some(fragments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Vec<Term> {
        list.iter().map(|t| Term((*t).to_owned())).collect()
    }

    #[test]
    fn words_are_anded_and_or_joins_its_neighbours() {
        let query = SearchQuery::parse("scaling protein OR arabic laws").expect("a query");
        assert_eq!(
            query.clauses,
            vec![
                terms(&["scaling"]),
                terms(&["protein", "arabic"]),
                terms(&["laws"])
            ]
        );
    }

    #[test]
    fn phrases_and_exclusions_are_kept_whole() {
        let query =
            SearchQuery::parse(r#""language model" -"one million" -bloom"#).expect("a query");
        assert_eq!(query.clauses, vec![terms(&["language model"])]);
        assert_eq!(query.excluded, terms(&["one million", "bloom"]));
    }

    #[test]
    fn matches_are_marked_case_insensitively_and_cut_to_their_context() {
        let query = SearchQuery::parse("scaling \"protein sequence\" -bloom").expect("a query");
        let title = highlight(
            "RITA: a Study on Scaling Up Generative Protein Sequence Models",
            &query,
            None,
        )
        .expect("matches");
        let marked: Vec<&str> = title
            .iter()
            .filter(|f| f.matched)
            .map(|f| f.text.as_str())
            .collect();
        assert_eq!(marked, ["Scaling", "Protein Sequence"]);
        let text: String = title.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            text,
            "RITA: a Study on Scaling Up Generative Protein Sequence Models"
        );

        let cut = highlight(
            &format!("{}scaling{}", "x".repeat(100), "y".repeat(100)),
            &query,
            Some(10),
        )
        .expect("matches");
        assert_eq!(cut.first().map(|f| f.text.as_str()), Some("…"));
        assert_eq!(cut.last().map(|f| f.text.as_str()), Some("…"));
        assert!(highlight("nothing here", &query, None).is_none());
    }

    #[test]
    fn nothing_to_search_for_is_no_query() {
        assert_eq!(SearchQuery::parse("   "), None);
        assert_eq!(SearchQuery::parse(r#""" OR"#), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_parses_without_panicking_into_non_empty_terms(
            text in "([a-z]{1,6}|\"|-|OR| |\\PC){0,40}",
        ) {
            if let Some(query) = SearchQuery::parse(&text) {
                proptest::prop_assert!(!query.clauses.is_empty() || !query.excluded.is_empty());
                for term in query.clauses.iter().flatten().chain(&query.excluded) {
                    proptest::prop_assert!(!term.0.is_empty());
                    proptest::prop_assert_eq!(term.0.trim(), term.0.as_str());
                }
                proptest::prop_assert!(query.clauses.iter().all(|clause| !clause.is_empty()));
                // Every term becomes a well-quoted FTS5 phrase or nothing.
                for term in query.clauses.iter().flatten().chain(&query.excluded) {
                    if let Some(phrase) = fts_phrase(term) {
                        let inner = &phrase[1..phrase.len() - 1];
                        let unquoted = inner.replace("\"\"", "\"");
                        proptest::prop_assert_eq!(unquoted.as_str(), term.0.as_str());
                    }
                }
                let _ = query.condition(DbBackend::Sqlite);
                let _ = query.rank(DbBackend::Sqlite);
            }
        }

        #[test]
        fn highlights_never_panic_and_keep_the_text(
            text in "\\PC{0,80}",
            search in "[a-zA-Zß İ]{1,10}",
            context in proptest::option::of(0usize..20),
        ) {
            if let Some(query) = SearchQuery::parse(&search)
                && let Some(fragments) = highlight(&text, &query, context)
            {
                proptest::prop_assert!(fragments.iter().any(|f| f.matched));
                if context.is_none() {
                    let joined: String = fragments.iter().map(|f| f.text.as_str()).collect();
                    proptest::prop_assert_eq!(joined, text);
                }
            }
        }
    }
}
