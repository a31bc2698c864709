//! The `search` of publication filters: web-search syntax (words, "quoted phrases", `-word`
//! to exclude, `OR`), parsed here and run by the read index (`index::text`) over each
//! publication's title, authors' names and name variants, venue and abstract.
//!
//! Words are ANDed; `OR` joins the terms on either side of it, as web search engines read
//! it: `a b OR c d` means a AND (b OR c) AND d.

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
}

/// A piece of text, and whether it is where a search term matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

/// `text` cut into fragments that mark where a search matched (`marked`, one flag per
/// character), or `None` when it matched nowhere. With `context`, only the part around the first match is kept,
/// `context` characters before it and twice that after, with "…" where text was cut.
pub fn highlight(text: &str, marked: &[bool], context: Option<usize>) -> Option<Vec<Fragment>> {
    let chars: Vec<char> = text.chars().collect();
    if marked.len() != chars.len() {
        return None;
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

    /// Highlights as the read index marks them.
    fn lit(text: &str, query: &SearchQuery, context: Option<usize>) -> Option<Vec<Fragment>> {
        highlight(
            text,
            &crate::index::text::Probes::of(query).marks(text),
            context,
        )
    }

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
        let title = lit(
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

        let cut = lit(
            &format!("{}scaling{}", "word ".repeat(20), " more".repeat(20)),
            &query,
            Some(10),
        )
        .expect("matches");
        assert_eq!(cut.first().map(|f| f.text.as_str()), Some("…"));
        assert_eq!(cut.last().map(|f| f.text.as_str()), Some("…"));
        assert!(lit("nothing here", &query, None).is_none());
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
                // Every parse becomes an index query.
                let (_, fields) = crate::index::document::schema();
                let _ = crate::index::text::Probes::of(&query).query(&fields);
            }
        }

        #[test]
        fn highlights_never_panic_and_keep_the_text(
            text in "\\PC{0,80}",
            search in "[a-zA-Zß İ]{1,10}",
            context in proptest::option::of(0usize..20),
        ) {
            if let Some(query) = SearchQuery::parse(&search)
                && let Some(fragments) = lit(&text, &query, context)
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
