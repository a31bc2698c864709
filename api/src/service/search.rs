//! The `search` of publication filters: web-search syntax (words, "quoted phrases", `-word`
//! to exclude, `OR`) matched case-insensitively against the title, the abstract, the
//! authors' names and name variants, and the venue's name.
//!
//! Words are ANDed; `OR` joins the terms on either side of it, as Postgres's
//! `websearch_to_tsquery` reads it: `a b OR c d` means a AND (b OR c) AND d.

use entity::{author, author_name_variant, publication, publication_author, venue};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};
use serde::Serialize;

use super::directory::contains;

/// A word or a quoted phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term(pub String);

/// A parsed search: every clause must hold; a clause holds when one of its terms matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SearchQuery {
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
        let mut query = Self::default();
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

    /// The SQL condition on `publication`.
    pub fn condition(&self) -> Condition {
        let mut all = Condition::all();
        for clause in &self.clauses {
            all = all.add(
                clause
                    .iter()
                    .fold(Condition::any(), |any, term| any.add(matches(term))),
            );
        }
        for term in &self.excluded {
            all = all.add(matches(term).not());
        }
        all
    }
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
        Some(context) => (
            first.saturating_sub(context),
            (first + 2 * context).min(chars.len()),
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

fn author_ids(term: &Term) -> SelectStatement {
    let by_variant = Query::select()
        .column(author_name_variant::Column::AuthorId)
        .from(author_name_variant::Entity)
        .cond_where(contains(author_name_variant::Column::Name, &term.0))
        .to_owned();
    Query::select()
        .column(author::Column::Id)
        .from(author::Entity)
        .cond_where(
            Condition::any()
                .add(contains(author::Column::Name, &term.0))
                .add(author::Column::Id.in_subquery(by_variant)),
        )
        .to_owned()
}

/// Whether a publication's text holds `term`.
fn matches(term: &Term) -> Condition {
    let by_author = Query::select()
        .column(publication_author::Column::PublicationId)
        .from(publication_author::Entity)
        .cond_where(publication_author::Column::AuthorId.in_subquery(author_ids(term)))
        .to_owned();
    let by_venue = Query::select()
        .column(venue::Column::Id)
        .from(venue::Entity)
        .cond_where(contains(venue::Column::Name, &term.0))
        .to_owned();
    Condition::any()
        .add(contains(publication::Column::Title, &term.0))
        .add(contains(publication::Column::Abstract, &term.0))
        .add(publication::Column::Id.in_subquery(by_author))
        .add(publication::Column::VenueId.in_subquery(by_venue))
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
}
