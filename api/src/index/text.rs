//! A parsed search (`service::search::SearchQuery`) as the index reads it: each term
//! analysed as the text was (stems, folded accents), turned into a query over the text
//! fields, and used again to mark where a publication's title and abstract match.
//!
//! What a search box is expected to do:
//! - words are stemmed: "models" finds "model" and "modelling";
//! - the last word, while it is being typed (no space after it), is also a prefix of 3 or
//!   more letters: "transf" finds "transformers";
//! - one typo (a letter added, dropped, changed or two swapped) is forgiven in words of 5 or
//!   more letters: "tranformer" finds "transformer";
//! - "quoted phrases" match those words in that order; `-word` excludes exactly;
//! - ranking (BM25 in each field) weighs a title match most, then authors and venue, then the
//!   abstract; exact words outrank prefixes and typo-corrected words.

use super::budget::Budgeted;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::document::{Fields, analyzer, plain_analyzer};
use crate::service::search::{SearchQuery, Term as SearchTerm};

/// Words shorter than this are never prefixes (a one- or two-letter prefix matches most of a
/// catalogue's vocabulary).
const MIN_PREFIX: usize = 3;
/// Words of at least this many letters forgive one typo.
const MIN_FUZZY: usize = 5;
/// Only the first words of a search forgive typos: each costs a walk of the term dictionary
/// of every text field, and a long search is specific enough without them.
const MAX_FUZZY_WORDS: usize = 8;
/// What a match in each text field weighs.
const TITLE_WEIGHT: f32 = 3.0;
const PEOPLE_WEIGHT: f32 = 1.5;
const VENUE_WEIGHT: f32 = 1.5;
const SUMMARY_WEIGHT: f32 = 1.0;
/// What a prefix or typo-corrected match weighs beside an exact one.
const PREFIX_FACTOR: f32 = 0.5;
const FUZZY_FACTOR: f32 = 0.3;

/// One term of a search, analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Probe {
    Word {
        stem: String,
        /// The word as typed (folded), when it is also a prefix.
        prefix: Option<String>,
        fuzzy: bool,
    },
    /// Stems in order, two or more.
    Phrase(Vec<String>),
    /// No letter or digit: matches nothing.
    Nothing,
}

/// A search, analysed.
#[derive(Debug, Clone)]
pub struct Probes {
    clauses: Vec<Vec<Probe>>,
    excluded: Vec<Probe>,
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyzer.token_stream(text);
    let mut found = Vec::new();
    while stream.advance() {
        found.push(stream.token().text.clone());
    }
    found
}

impl Probes {
    pub fn of(query: &SearchQuery) -> Self {
        let (mut stems, mut plain) = (analyzer(), plain_analyzer());
        // The term typed last, if the text ends in it (no closing quote or space after it).
        let last = query
            .clauses
            .last()
            .and_then(|clause| clause.last())
            .filter(|term| {
                !term.0.contains(' ')
                    && query.text.ends_with(term.0.as_str())
                    && !query.text.ends_with('"')
            });
        let mut fuzzy_words = 0;
        let mut probe = |term: &SearchTerm, exact: bool| -> Probe {
            let words = tokens(&mut stems, &term.0);
            match words.as_slice() {
                [] => Probe::Nothing,
                [stem] => {
                    let typed = tokens(&mut plain, &term.0).pop().unwrap_or_default();
                    let letters = typed.chars().count();
                    let is_last = last.is_some_and(|l| std::ptr::eq(l, term));
                    let fuzzy = !exact && letters >= MIN_FUZZY && fuzzy_words < MAX_FUZZY_WORDS;
                    fuzzy_words += usize::from(fuzzy);
                    Probe::Word {
                        stem: stem.clone(),
                        prefix: (!exact && is_last && letters >= MIN_PREFIX).then_some(typed),
                        fuzzy,
                    }
                }
                _ => Probe::Phrase(words),
            }
        };
        Self {
            clauses: query
                .clauses
                .iter()
                .map(|clause| clause.iter().map(|term| probe(term, false)).collect())
                .collect(),
            excluded: query
                .excluded
                .iter()
                .map(|term| probe(term, true))
                .collect(),
        }
    }

    /// The query: every clause matches (one of its terms does, in any text field), no excluded
    /// term does. Scores rank as the module says.
    pub fn query(&self, fields: &Fields) -> Box<dyn Query> {
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for clause in &self.clauses {
            let alternatives: Vec<Box<dyn Query>> = clause
                .iter()
                .filter_map(|probe| probe_query(fields, probe))
                .collect();
            if alternatives.is_empty() {
                return Box::new(EmptyQuery);
            }
            parts.push((Occur::Must, union(alternatives)));
        }
        if parts.is_empty() {
            parts.push((Occur::Must, Box::new(AllQuery)));
        }
        for probe in &self.excluded {
            if let Some(query) = probe_query(fields, probe) {
                parts.push((Occur::MustNot, query));
            }
        }
        // A search is what a request can make expensive: it runs within a work budget.
        Box::new(super::budget::Budgeted(Box::new(BooleanQuery::new(parts))))
    }

    /// Which characters of `text` a term of the search matched (as the query matches them).
    pub fn marks(&self, text: &str) -> Vec<bool> {
        let (mut stems, mut plain) = (analyzer(), plain_analyzer());
        // (byte range, stem, word as typed) of every word of the text.
        let mut words: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
        {
            let mut stream = stems.token_stream(text);
            while stream.advance() {
                let token = stream.token();
                words.push((
                    token.offset_from..token.offset_to,
                    token.text.clone(),
                    String::new(),
                ));
            }
        }
        {
            let mut stream = plain.token_stream(text);
            let mut i = 0;
            while stream.advance() {
                if let Some(word) = words.get_mut(i) {
                    word.2 = stream.token().text.clone();
                }
                i += 1;
            }
        }
        let mut marked_words = vec![false; words.len()];
        // Phrases also mark what lies between their words.
        let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
        for probe in self.clauses.iter().flatten() {
            match probe {
                Probe::Word {
                    stem,
                    prefix,
                    fuzzy,
                } => {
                    for (i, (_, word_stem, typed)) in words.iter().enumerate() {
                        if word_stem == stem
                            || prefix
                                .as_ref()
                                .is_some_and(|p| typed.starts_with(p.as_str()))
                            || (*fuzzy && within_one_edit(word_stem, stem))
                        {
                            marked_words[i] = true;
                        }
                    }
                }
                Probe::Phrase(phrase) => {
                    for start in 0..words.len() {
                        let fits = phrase
                            .iter()
                            .enumerate()
                            .all(|(k, stem)| words.get(start + k).is_some_and(|w| &w.1 == stem));
                        if fits {
                            let end = start + phrase.len() - 1;
                            spans.push(words[start].0.start..words[end].0.end);
                        }
                    }
                }
                Probe::Nothing => {}
            }
        }
        let mut marks = Vec::with_capacity(text.len());
        let mut marked_ranges: Vec<std::ops::Range<usize>> = words
            .iter()
            .zip(&marked_words)
            .filter(|(_, marked)| **marked)
            .map(|(word, _)| word.0.clone())
            .collect();
        marked_ranges.extend(spans);
        for (at, _) in text.char_indices() {
            marks.push(marked_ranges.iter().any(|range| range.contains(&at)));
        }
        marks
    }
}

fn union(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if queries.len() == 1
        && let Some(only) = queries.pop()
    {
        return only;
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn text_fields(fields: &Fields) -> [(Field, f32); 4] {
    [
        (fields.title, TITLE_WEIGHT),
        (fields.people, PEOPLE_WEIGHT),
        (fields.venue_name, VENUE_WEIGHT),
        (fields.summary, SUMMARY_WEIGHT),
    ]
}

fn probe_query(fields: &Fields, probe: &Probe) -> Option<Box<dyn Query>> {
    let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
    for (field, weight) in text_fields(fields) {
        match probe {
            Probe::Word {
                stem,
                prefix,
                fuzzy,
            } => {
                let term = Term::from_field_text(field, stem);
                alternatives.push(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    weight,
                )));
                // Expansions (typos, prefixes) read the term dictionary before they match
                // anything: each looks at the budget first.
                if *fuzzy {
                    alternatives.push(Box::new(BoostQuery::new(
                        Box::new(Budgeted(Box::new(FuzzyTermQuery::new(term, 1, true)))),
                        weight * FUZZY_FACTOR,
                    )));
                }
                if let Some(prefix) = prefix {
                    alternatives.push(Box::new(BoostQuery::new(
                        Box::new(Budgeted(Box::new(FuzzyTermQuery::new_prefix(
                            Term::from_field_text(field, prefix),
                            0,
                            false,
                        )))),
                        weight * PREFIX_FACTOR,
                    )));
                }
            }
            Probe::Phrase(stems) => {
                let terms: Vec<Term> = stems
                    .iter()
                    .map(|stem| Term::from_field_text(field, stem))
                    .collect();
                alternatives.push(Box::new(BoostQuery::new(
                    Box::new(PhraseQuery::new(terms)),
                    weight,
                )));
            }
            Probe::Nothing => return None,
        }
    }
    Some(union(alternatives))
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution or swap of two
/// neighbouring letters (what a fuzzy term of distance 1 matches).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let differ: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match differ.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let at = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[at..] == long[at + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, search: &str) -> String {
        let query = SearchQuery::parse(search).expect("a search");
        let marks = Probes::of(&query).marks(text);
        text.chars()
            .zip(marks)
            .map(|(c, m)| if m { c.to_ascii_uppercase() } else { c })
            .collect()
    }

    #[test]
    fn highlights_follow_stems_prefixes_typos_and_phrases() {
        assert_eq!(
            marked("large language models", "model"),
            "large language MODELS"
        );
        assert_eq!(
            marked("transformers at scale", "transf"),
            "TRANSFORMERS at scale"
        );
        // A prefix only while it is typed last.
        assert_eq!(
            marked("transformers at scale", "transf scale"),
            "transformers at SCALE"
        );
        assert_eq!(marked("the transformer", "tranformer"), "the TRANSFORMER");
        assert_eq!(
            marked("language models for language", "\"language models\""),
            "LANGUAGE MODELS for language"
        );
        assert_eq!(marked("Déjà vu", "deja"), "DéJà vu");
    }

    #[test]
    fn one_edit_is_one_edit() {
        assert!(within_one_edit("transformer", "tranformer"));
        assert!(within_one_edit("model", "modle"));
        assert!(within_one_edit("model", "models"));
        assert!(within_one_edit("model", "mode"));
        assert!(!within_one_edit("model", "mdoels"));
        assert!(!within_one_edit("model", "bottle"));
    }
}
