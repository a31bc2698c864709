//! BibTeX in and out: `importBibtex` reads real-world files with the `biblatex` crate
//! (string macros, month macros, braces, LaTeX accents, "and others"), and
//! `Publication.bibtex` writes an entry that imports back as the same publication.
//!
//! A file is split into its top-level `@...{...}` blocks first, so that one malformed entry
//! is reported on its own instead of failing the whole file.
//!
//! The text comes from a client, so it is bounded before the crate sees it (the crate
//! expands macros recursively, recurses on nested braces and follows `crossref` into the
//! same entry): `@string` macros are expanded here, in file order, each to at most
//! [`MAX_MACRO_LEN`] bytes, and a macro may only use macros defined before it, so that no
//! cycle can form; each entry then gets the macros it uses as plain text. An entry that is
//! too long, nests braces too deeply, holds a NUL character or expands too far is rejected
//! with its reason, and the others go on. Only a text with too many entries or macros is
//! refused whole ([`ImportError`]). Reading is CPU work, done by [`read`] off the async
//! workers; [`import`] then writes what was read.

use std::collections::HashMap;

use biblatex::{
    Bibliography, Chunk, ChunksExt as _, DateValue, Entry, EntryType, PermissiveType, Person,
    RawBibliography, Spanned,
};
use entity::history::{Action, EntityType};
use entity::publication::{self, DatePrecision, Kind, Status};
use entity::venue;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession as _,
    TransactionTrait,
};

use super::edit::{self, Actor, EditError};
use super::publication::NewPublication;
use super::venue::NewVenue;
use crate::domain::{ArxivId, Doi, Name, PartialDate, Slug, Title, WebUrl};

/// The most entries one import may hold. Every entry is looked up and written in the one
/// transaction of the import, which must end well within the request timeout.
pub const MAX_ENTRIES: usize = 500;
/// The most `@string` definitions one import may hold.
pub const MAX_MACROS: usize = 500;
/// The longest entry, in bytes of BibTeX text: far more than any real entry with a long
/// abstract and a few hundred authors needs.
pub const MAX_ENTRY_BYTES: usize = 32 * 1024;
/// The longest text one `@string` macro may expand to, in bytes. Real macros name a journal
/// or a conference; doubling a macro forty times would otherwise make terabytes.
pub const MAX_MACRO_LEN: usize = 4 * 1024;
/// The longest an entry may become once its macros are expanded, in bytes.
pub const MAX_EXPANDED_ENTRY_BYTES: usize = 64 * 1024;
/// How deeply braces may nest in an entry or a macro, the entry's own braces included.
/// Real entries nest three or four levels (`{\"{u}}` in a braced title).
pub const MAX_BRACE_DEPTH: usize = 32;

/// Why a whole text was refused: nothing in it was imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the text has {found} entries; one import may have at most {MAX_ENTRIES}: split the file"
    )]
    TooManyEntries { found: usize },
    #[error("the text has {found} @string macros; one import may have at most {MAX_MACROS}")]
    TooManyMacros { found: usize },
}

/// What happened to one entry of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new publication.
    Created(publication::Model),
    /// A publication with the same DOI, arXiv id or title was there already.
    Matched(publication::Model),
    /// Not imported, and why.
    Rejected(String),
}

/// One entry's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryReport {
    /// The citation key, or where the entry starts when it has none that can be read.
    pub key: String,
    pub outcome: Outcome,
}

/// The top-level `@...` blocks of a BibTeX text, each with its citation key when visible.
fn blocks(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut blocks = Vec::new();
    let mut i = 0;
    while let Some(offset) = text[i..].find('@') {
        let start = i + offset;
        let Some(open) = text[start..].find(['{', '(']).map(|o| start + o) else {
            blocks.push(&text[start..]);
            break;
        };
        let (opening, closing) = if bytes[open] == b'{' {
            (b'{', b'}')
        } else {
            (b'(', b')')
        };
        let mut depth = 0usize;
        let mut end = text.len();
        for (j, byte) in bytes.iter().enumerate().skip(open) {
            if *byte == opening {
                depth += 1;
            } else if *byte == closing {
                depth -= 1;
                if depth == 0 {
                    end = j + 1;
                    break;
                }
            } else if *byte == b'@' && text[..j].ends_with('\n') {
                // An entry that never closes runs into the next one: stop it there.
                end = j;
                break;
            }
        }
        blocks.push(&text[start..end]);
        i = end;
    }
    blocks
}

fn block_kind(block: &str) -> String {
    block
        .trim_start_matches('@')
        .split(['{', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn block_key(block: &str) -> Option<String> {
    let after = block.split_once(['{', '('])?.1;
    let key = after.split(',').next()?.trim();
    (!key.is_empty() && !key.contains(['=', '{', '}', '\n'])).then(|| key.to_owned())
}

fn text_of(entry: &Entry, field: &str) -> Option<String> {
    let text = entry.get(field)?.format_verbatim();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

fn person_name(person: &Person) -> String {
    [
        person.given_name.as_str(),
        person.prefix.as_str(),
        person.name.as_str(),
        person.suffix.as_str(),
    ]
    .iter()
    .filter(|part| !part.trim().is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" ")
}

fn kind_of(entry: &Entry, venue_name: Option<&str>, arxiv: bool) -> (Kind, venue::Kind) {
    let workshop = venue_name.is_some_and(|name| name.to_lowercase().contains("workshop"));
    match entry.entry_type {
        EntryType::Article => (Kind::JournalArticle, venue::Kind::Journal),
        EntryType::InProceedings | EntryType::Proceedings if workshop => {
            (Kind::WorkshopPaper, venue::Kind::Workshop)
        }
        EntryType::InProceedings | EntryType::Proceedings => {
            (Kind::ConferencePaper, venue::Kind::Conference)
        }
        EntryType::TechReport | EntryType::Report => {
            (Kind::TechnicalReport, venue::Kind::ReportSeries)
        }
        EntryType::PhdThesis | EntryType::MastersThesis | EntryType::Thesis => {
            (Kind::Thesis, venue::Kind::Other)
        }
        EntryType::InBook | EntryType::InCollection | EntryType::BookInBook => {
            (Kind::BookChapter, venue::Kind::Other)
        }
        _ if arxiv => (Kind::Preprint, venue::Kind::PreprintServer),
        _ => (Kind::Other, venue::Kind::Other),
    }
}

/// The entry's publication date; `None` when it gives none. A date that is given but cannot
/// be stored (year 0000, 99999 or -5, month 13, a day that does not exist) rejects the
/// entry: the report has no place for a warning, and importing the entry undated would
/// lose what the editor meant without telling them.
fn date_of(entry: &Entry) -> Result<Option<PartialDate>, String> {
    if entry.get("date").is_none() && entry.get("year").is_none() {
        return Ok(None);
    }
    let given = || {
        ["date", "year", "month", "day"]
            .iter()
            .filter_map(|field| Some(format!("{field} = {:?}", text_of(entry, field)?)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let date = match entry.date() {
        Ok(PermissiveType::Typed(date)) => date,
        Ok(PermissiveType::Chunks(_)) => {
            return Err(format!("date: {} is not a date", given()));
        }
        Err(err) => return Err(format!("date: {} is not a date ({err})", given())),
    };
    let at = match date.value {
        DateValue::At(at)
        | DateValue::After(at)
        | DateValue::Before(at)
        | DateValue::Between(at, _) => at,
    };
    let (min, max) = (PartialDate::MIN_YEAR, PartialDate::MAX_YEAR);
    if !(min..=max).contains(&at.year) {
        return Err(format!(
            "year: {} has year {}; a publication year must be between {min} and {max}",
            given(),
            at.year
        ));
    }
    let text = match (at.month, at.day) {
        (Some(month), Some(day)) => format!("{:04}-{:02}-{:02}", at.year, month + 1, day + 1),
        (Some(month), None) => format!("{:04}-{:02}", at.year, month + 1),
        _ => format!("{:04}", at.year),
    };
    PartialDate::parse(&text)
        .map(Some)
        .map_err(|err| format!("date: {err}"))
}

/// Whether `name` is no name at all: only the word "and", which an author list with an
/// empty name between two separators (`{ and and }`) leaves behind.
fn is_only_separators(name: &str) -> bool {
    name.split_whitespace()
        .all(|word| word.eq_ignore_ascii_case("and"))
}

/// A parsed entry, ready to be matched or created.
struct Candidate {
    title: Title,
    r#abstract: Option<String>,
    kind: Kind,
    published: Option<PartialDate>,
    venue: Option<NewVenue>,
    doi: Option<Doi>,
    arxiv_id: Option<ArxivId>,
    url: Option<String>,
    authors: Vec<Name>,
}

fn candidate(entry: &Entry) -> Result<Candidate, String> {
    let title = text_of(entry, "title").ok_or("it has no title")?;
    let title = Title::parse(&title).map_err(|err| format!("title: {err}"))?;
    let doi = match entry.doi() {
        Ok(doi) if !doi.trim().is_empty() => {
            Some(Doi::parse(&doi).map_err(|err| format!("doi: {err}"))?)
        }
        _ => None,
    };
    let eprint_type = text_of(entry, "eprinttype").or_else(|| text_of(entry, "archiveprefix"));
    let arxiv_id = match entry.eprint() {
        Ok(eprint)
            if eprint_type
                .as_deref()
                .is_none_or(|t| t.eq_ignore_ascii_case("arxiv")) =>
        {
            Some(ArxivId::parse(&eprint).map_err(|err| format!("eprint: {err}"))?)
        }
        _ => None,
    };
    let authors = match entry.author() {
        Ok(people) => people
            .iter()
            .filter(|person| !person.name.eq_ignore_ascii_case("others"))
            .map(|person| {
                let name = person_name(person);
                if is_only_separators(&name) {
                    return Err(format!(
                        "author: {name:?} is not a name; the author list has an empty name between two \"and\""
                    ));
                }
                Name::parse(&name).map_err(|err| format!("author: {err}"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Err(_) => Vec::new(),
    };
    let venue_name = [
        "journal",
        "journaltitle",
        "booktitle",
        "institution",
        "school",
    ]
    .iter()
    .find_map(|field| text_of(entry, field))
    .or_else(|| arxiv_id.as_ref().map(|_| "arXiv".to_owned()));
    let (kind, venue_kind) = kind_of(entry, venue_name.as_deref(), arxiv_id.is_some());
    let published = date_of(entry)?;
    let venue = match venue_name {
        Some(name) => Some(NewVenue {
            name: Name::parse(&name).map_err(|err| format!("venue: {err}"))?,
            short_name: None,
            kind: venue_kind,
            year: None,
            url: None,
        }),
        None => None,
    };
    let url = text_of(entry, "url")
        .and_then(|url| WebUrl::parse(&url).ok())
        .map(String::from);
    Ok(Candidate {
        title,
        r#abstract: text_of(entry, "abstract"),
        kind,
        published,
        venue,
        doi,
        arxiv_id,
        url,
        authors,
    })
}

async fn existing(
    conn: &impl ConnectionTrait,
    candidate: &Candidate,
) -> Result<Option<publication::Model>, EditError> {
    if let Some(found) = super::publication_edit::find_by_identifiers(
        conn,
        candidate.doi.as_ref(),
        candidate.arxiv_id.as_ref(),
    )
    .await?
    {
        return Ok(Some(found));
    }
    let slug = Slug::from_text(candidate.title.as_ref(), "publication");
    Ok(publication::Entity::find()
        .filter(publication::Column::Slug.eq(slug.as_ref()))
        .one(conn)
        .await?)
}

async fn create(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    candidate: Candidate,
    status: Status,
) -> Result<publication::Model, EditError> {
    let venue_id = match candidate.venue {
        Some(venue) => Some(super::venue::find_or_create(conn, venue).await?.id),
        None => None,
    };
    super::publication_edit::needs_authors(status, candidate.authors.len(), &["author"])?;
    let author_ids = super::author::ids_by_name(conn, candidate.authors).await?;
    let slug = super::publication::free_slug_for(conn, &candidate.title).await?;
    let row = super::publication::create(
        conn,
        NewPublication {
            title: candidate.title,
            slug,
            r#abstract: candidate.r#abstract,
            kind: candidate.kind,
            status,
            published: candidate.published,
            venue_id,
            doi: candidate.doi,
            arxiv_id: candidate.arxiv_id,
            url: candidate.url,
            pdf_url: None,
            author_ids,
            topic_ids: Vec::new(),
        },
    )
    .await?;
    edit::record(
        conn,
        actor,
        EntityType::Publication,
        row.id,
        Action::Import,
        &["title", "authors"],
    )
    .await?;
    Ok(row)
}

/// How deeply braces nest in `text`, counted without recursion.
fn brace_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in text.bytes() {
        match byte {
            b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Why `block` (an entry or a macro) is refused before it is read, if it is.
fn unreadable(block: &str, what: &str) -> Option<String> {
    if block.contains('\0') {
        return Some(format!(
            "the {what} contains a NUL character (U+0000), which no text field can hold"
        ));
    }
    let depth = brace_depth(block);
    (depth > MAX_BRACE_DEPTH).then(|| {
        format!(
            "braces nest {depth} levels deep in the {what}; at most {MAX_BRACE_DEPTH} are allowed"
        )
    })
}

/// Characters that end a macro name or a bare word in a field value.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '{' | '}' | '"' | '#' | ',' | '=' | '(' | ')' | '%')
}

/// One part of a field value: literal text, or the name of a macro.
#[derive(Debug, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Macro(&'a str),
}

/// A field value (`"a" # {b} # name # 1990`) as its parts, or why it cannot be read.
/// Braces inside a part must balance; a quoted part ends at a quote outside braces.
fn value_parts(value: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = value.trim_start();
    loop {
        let mut chars = rest.char_indices();
        let Some((_, first)) = chars.next() else {
            return Err("a value is missing".into());
        };
        let end = match first {
            '{' | '"' => {
                let mut depth = 0usize;
                let mut close = None;
                for (i, c) in rest.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth = depth
                                .checked_sub(1)
                                .ok_or("a closing brace has no opening one")?;
                            if depth == 0 && first == '{' {
                                close = Some(i);
                                break;
                            }
                        }
                        '"' if i > 0 && depth == 0 && first == '"' => {
                            close = Some(i);
                            break;
                        }
                        _ => {}
                    }
                }
                let close = close.ok_or("a quoted or braced value never closes")?;
                parts.push(Part::Text(&rest[1..close]));
                close + 1
            }
            _ => {
                let end = rest.find(ends_word).unwrap_or(rest.len());
                if end == 0 {
                    return Err(format!("unexpected {first:?} in a value"));
                }
                let word = &rest[..end];
                if word.bytes().all(|b| b.is_ascii_digit()) {
                    parts.push(Part::Text(word));
                } else {
                    parts.push(Part::Macro(word));
                }
                end
            }
        };
        rest = rest[end..].trim_start();
        match rest.strip_prefix('#') {
            Some(after) => rest = after.trim_start(),
            None if rest.is_empty() => return Ok(parts),
            None => {
                return Err(format!(
                    "unexpected text after a value: {:?}",
                    truncated(rest)
                ));
            }
        }
    }
}

/// At most 40 characters of `text`, for messages.
fn truncated(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

/// The body of a block between its opening `{` or `(` and the matching closing one.
fn block_body(block: &str) -> Option<&str> {
    let open = block.find(['{', '('])?;
    let closing = if block.as_bytes()[open] == b'{' {
        '}'
    } else {
        ')'
    };
    block[open + 1..].trim_end().strip_suffix(closing)
}

/// The month abbreviations BibTeX defines, as the crate expands them.
fn month_macro(name: &str) -> Option<&'static str> {
    const MONTHS: [(&str, &str); 12] = [
        ("jan", "January"),
        ("feb", "February"),
        ("mar", "March"),
        ("apr", "April"),
        ("may", "May"),
        ("jun", "June"),
        ("jul", "July"),
        ("aug", "August"),
        ("sep", "September"),
        ("oct", "October"),
        ("nov", "November"),
        ("dec", "December"),
    ];
    MONTHS
        .iter()
        .find(|(abbreviation, _)| abbreviation.eq_ignore_ascii_case(name))
        .map(|(_, month)| *month)
}

/// The `@string` macros of a text, expanded: each name maps to its text, or to why it was
/// refused. Definitions are read in order and a macro may use only the ones defined before
/// it, as BibTeX reads them; so a macro that uses itself, or one of a pair that use each
/// other, is refused instead of looping.
struct Macros<'a> {
    expanded: HashMap<&'a str, Result<String, String>>,
}

impl<'a> Macros<'a> {
    fn read(definitions: &[&'a str]) -> Self {
        let mut expanded: HashMap<&'a str, Result<String, String>> = HashMap::new();
        let names: Vec<Option<&'a str>> = definitions
            .iter()
            .map(|block| {
                block_body(block)
                    .and_then(|body| body.split_once('='))
                    .map(|(name, _)| name.trim())
            })
            .collect();
        for (index, block) in definitions.iter().enumerate() {
            let Some(name) =
                names[index].filter(|name| !name.is_empty() && !name.contains(ends_word))
            else {
                continue;
            };
            let result = Self::expand(name, block, &expanded, &names[index + 1..]);
            expanded.insert(name, result);
        }
        Self { expanded }
    }

    /// The text of the macro `name` defined by `block`, or why it is refused. A macro that
    /// uses a refused one is refused for the same reason, so that the entry's report names
    /// the root of the problem.
    fn expand(
        name: &str,
        block: &str,
        known: &HashMap<&'a str, Result<String, String>>,
        later: &[Option<&str>],
    ) -> Result<String, String> {
        if let Some(why) = unreadable(block, &format!("macro {name}")) {
            return Err(why);
        }
        let value = block_body(block)
            .and_then(|body| body.split_once('='))
            .map(|(_, value)| value)
            .ok_or_else(|| {
                format!("the macro {name} is not of the form @string{{name = value}}")
            })?;
        let mut text = String::new();
        for part in value_parts(value).map_err(|err| format!("the macro {name}: {err}"))? {
            match part {
                Part::Text(literal) => text.push_str(literal),
                Part::Macro(used) if used == name => {
                    return Err(format!("the macro {name} uses itself"));
                }
                Part::Macro(used) => match known.get(used) {
                    Some(Ok(expansion)) => text.push_str(expansion),
                    Some(Err(why)) => return Err(why.clone()),
                    None if later.contains(&Some(used)) => {
                        return Err(format!(
                            "the macro {name} uses {used}, defined after it; a macro may only use macros defined before it, so that none can loop"
                        ));
                    }
                    None => match month_macro(used) {
                        Some(month) => text.push_str(month),
                        None => {
                            return Err(format!(
                                "the macro {name} uses {used}, which is not defined"
                            ));
                        }
                    },
                },
            }
            if text.len() > MAX_MACRO_LEN {
                return Err(format!(
                    "the macro {name} expands to more than {MAX_MACRO_LEN} bytes"
                ));
            }
        }
        Ok(text)
    }

    /// The BibTeX text of the macros `block` uses, as plain definitions, or why the entry
    /// cannot use them. Words of the entry that name no macro are left to the crate (month
    /// abbreviations, or a mistake it reports).
    fn definitions_for(&self, block: &str) -> Result<String, String> {
        let mut used: Vec<(&str, &str)> = Vec::new();
        let mut expanded_len = block.len();
        for word in top_level_words(block) {
            let Some(expansion) = self.expanded.get(word) else {
                continue;
            };
            let expansion = expansion
                .as_ref()
                .map_err(|why| format!("it uses the macro {word}, which is refused: {why}"))?;
            expanded_len += expansion.len();
            if expanded_len > MAX_EXPANDED_ENTRY_BYTES {
                return Err(format!(
                    "its macros expand it to more than {MAX_EXPANDED_ENTRY_BYTES} bytes"
                ));
            }
            if !used.iter().any(|(name, _)| *name == word) {
                used.push((word, expansion));
            }
        }
        Ok(used
            .iter()
            .map(|(name, text)| format!("@string{{{name} = {{{text}}}}}\n"))
            .collect())
    }
}

/// The bare words of a block outside braces and quotes (its key, field names and the macros
/// its values use), found without recursion.
fn top_level_words(block: &str) -> Vec<&str> {
    let Some(open) = block.find(['{', '(']) else {
        return Vec::new();
    };
    let body = &block[open + 1..];
    let mut words = Vec::new();
    let (mut depth, mut quoted) = (0usize, false);
    let mut word_start: Option<usize> = None;
    for (i, c) in body.char_indices() {
        let at_top = depth == 0 && !quoted;
        if at_top && !ends_word(c) {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            words.push(&body[start..i]);
        }
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '"' if depth == 0 => quoted = !quoted,
            _ => {}
        }
    }
    if let Some(start) = word_start {
        words.push(&body[start..]);
    }
    words
}

/// Parses one entry with the macro definitions it uses. `crossref`, `xdata` and `ids` are
/// dropped first: an entry is read alone, so they could only point at itself, which sends
/// the crate into endless recursion.
fn parse_entry(source: &str) -> Result<Bibliography, String> {
    let mut raw =
        RawBibliography::parse(source).map_err(|err| format!("malformed BibTeX: {}", err.kind))?;
    for entry in &mut raw.entries {
        entry.v.fields.retain(|field| {
            !["crossref", "xdata", "ids"]
                .iter()
                .any(|dropped| field.key.v.eq_ignore_ascii_case(dropped))
        });
    }
    Bibliography::from_raw(raw).map_err(|err| format!("malformed BibTeX: {}", err.kind))
}

/// One entry of a text, read: its key and what it would import as, or why it is rejected.
pub struct ReadEntry {
    pub key: String,
    candidate: Result<Candidate, String>,
}

/// Reads every entry of `text`, without touching the database. CPU-bound and bounded by the
/// limits of this module: run it off the async workers (`spawn_blocking`).
pub fn read(text: &str) -> Result<Vec<ReadEntry>, ImportError> {
    let blocks = blocks(text);
    let kinds: Vec<String> = blocks.iter().map(|block| block_kind(block)).collect();
    let macros: Vec<&str> = blocks
        .iter()
        .zip(&kinds)
        .filter(|(_, kind)| *kind == "string")
        .map(|(block, _)| *block)
        .collect();
    if macros.len() > MAX_MACROS {
        return Err(ImportError::TooManyMacros {
            found: macros.len(),
        });
    }
    let entries: Vec<(usize, &str)> = blocks
        .iter()
        .zip(&kinds)
        .enumerate()
        .filter(|(_, (_, kind))| !matches!(kind.as_str(), "string" | "preamble" | "comment"))
        .map(|(index, (block, _))| (index, *block))
        .collect();
    if entries.len() > MAX_ENTRIES {
        return Err(ImportError::TooManyEntries {
            found: entries.len(),
        });
    }
    let macros = Macros::read(&macros);
    Ok(entries
        .into_iter()
        .map(|(index, block)| {
            let key = block_key(block)
                .map(|key| key.chars().filter(|c| !c.is_control()).collect())
                .unwrap_or_else(|| format!("entry {}", index + 1));
            ReadEntry {
                key,
                candidate: read_entry(block, &macros),
            }
        })
        .collect())
}

fn read_entry(block: &str, macros: &Macros<'_>) -> Result<Candidate, String> {
    if let Some(why) = unreadable(block, "entry") {
        return Err(why);
    }
    if block.len() > MAX_ENTRY_BYTES {
        return Err(format!(
            "the entry is {} bytes long; an entry may have at most {MAX_ENTRY_BYTES}",
            block.len()
        ));
    }
    let source = format!("{}{block}", macros.definitions_for(block)?);
    // The crate unwraps in places; a panic there rejects this entry, not the import.
    let bibliography = std::panic::catch_unwind(|| parse_entry(&source))
        .map_err(|_| "the entry could not be read".to_owned())??;
    let entry = bibliography.iter().next().ok_or("no entry could be read")?;
    std::panic::catch_unwind(|| candidate(entry))
        .map_err(|_| "the entry could not be read".to_owned())?
}

/// Imports the entries [`read`] found. Each entry is looked up and created in a savepoint of
/// the caller's transaction, so a failing entry leaves nothing behind and does not stop the
/// others.
pub async fn import<C>(
    conn: &C,
    actor: &Actor,
    entries: Vec<ReadEntry>,
    status: Status,
) -> Result<Vec<EntryReport>, EditError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let mut reports = Vec::with_capacity(entries.len());
    for ReadEntry { key, candidate } in entries {
        let outcome = match candidate {
            Err(reason) => Outcome::Rejected(reason),
            Ok(candidate) => {
                let savepoint = conn.begin().await?;
                match import_one(&savepoint, actor, candidate, status).await {
                    Ok(outcome) => {
                        savepoint.commit().await?;
                        outcome
                    }
                    Err(err) => {
                        savepoint.rollback().await?;
                        Outcome::Rejected(match err {
                            EditError::Problems(problems) => problems
                                .into_iter()
                                .map(|p| p.message)
                                .collect::<Vec<_>>()
                                .join("; "),
                            EditError::Db(err) => match err.sql_err() {
                                Some(_) => "it conflicts with an entry of the catalogue".to_owned(),
                                None => return Err(EditError::Db(err)),
                            },
                        })
                    }
                }
            }
        };
        reports.push(EntryReport { key, outcome });
    }
    Ok(reports)
}

async fn import_one(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    candidate: Candidate,
    status: Status,
) -> Result<Outcome, EditError> {
    Ok(match existing(conn, &candidate).await? {
        Some(found) => Outcome::Matched(found),
        None => Outcome::Created(create(conn, actor, candidate, status).await?),
    })
}

fn normal(text: &str) -> Vec<Spanned<Chunk>> {
    vec![Spanned::detached(Chunk::Normal(text.to_owned()))]
}

fn verbatim(text: &str) -> Vec<Spanned<Chunk>> {
    vec![Spanned::detached(Chunk::Verbatim(text.to_owned()))]
}

/// A BibTeX entry for `row`, its authors in order and its venue: what a "Cite" button copies.
pub fn entry_of(
    row: &publication::Model,
    authors: &[String],
    venue: Option<&venue::Model>,
) -> String {
    let entry_type = match row.kind {
        Kind::JournalArticle => EntryType::Article,
        Kind::ConferencePaper | Kind::WorkshopPaper => EntryType::InProceedings,
        Kind::TechnicalReport => EntryType::TechReport,
        Kind::Thesis => EntryType::PhdThesis,
        Kind::BookChapter => EntryType::InCollection,
        Kind::Preprint | Kind::Other => EntryType::Misc,
    };
    let first_author = authors
        .first()
        .and_then(|name| name.split_whitespace().last())
        .map(|last| Slug::from_text(last, "anon").as_ref().replace('-', ""))
        .unwrap_or_else(|| "anon".to_owned());
    let year = row
        .published_on
        .map(|d| d.format("%Y").to_string())
        .unwrap_or_default();
    let first_word = row
        .title
        .split_whitespace()
        .map(|word| Slug::from_text(word, "").as_ref().replace('-', ""))
        .find(|word| word.len() > 3)
        .unwrap_or_default();
    let mut entry = Entry::new(
        format!("{first_author}{year}{first_word}"),
        entry_type.clone(),
    );
    // Braces keep the title's capitals ("BLOOM", "RITA") as written.
    entry.set("title", verbatim(&row.title));
    if !authors.is_empty() {
        // "Family, Given": the name splits at its last space, and reads back joined the
        // same way, so that an export imports as the same author.
        let people = authors
            .iter()
            .map(|name| match name.rsplit_once(' ') {
                Some((given, family)) => format!("{family}, {given}"),
                None => name.clone(),
            })
            .collect::<Vec<_>>()
            .join(" and ");
        entry.set("author", normal(&people));
    }
    if let Some(date) = row.published_on {
        entry.set("year", normal(&date.format("%Y").to_string()));
        if row.published_on_precision != Some(DatePrecision::Year) {
            entry.set(
                "month",
                normal(&date.format("%b").to_string().to_lowercase()),
            );
        }
    }
    if let Some(venue) = venue {
        let field = match entry_type {
            EntryType::Article => "journal",
            EntryType::TechReport => "institution",
            EntryType::PhdThesis => "school",
            EntryType::Misc => "howpublished",
            _ => "booktitle",
        };
        entry.set(field, verbatim(&venue.name));
    }
    if let Some(doi) = &row.doi {
        entry.set("doi", verbatim(doi));
    }
    if let Some(arxiv_id) = &row.arxiv_id {
        entry.set("eprint", verbatim(arxiv_id));
        entry.set("archiveprefix", normal("arXiv"));
    }
    if let Some(url) = &row.url {
        entry.set("url", verbatim(url));
    }
    entry
        .to_bibtex_string()
        .unwrap_or_else(|_| entry.to_biblatex_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::{Just, Strategy as _};

    #[test]
    fn a_file_splits_into_its_top_level_blocks() {
        let text = "% comment\n@string{acl = \"ACL\"}\n@article{a, title={One {Two}}}\n\n@misc{b, title = \"x\"";
        let found = blocks(text);
        assert_eq!(found.len(), 3);
        assert_eq!(block_kind(found[0]), "string");
        assert_eq!(block_key(found[1]).as_deref(), Some("a"));
        assert_eq!(block_key(found[2]).as_deref(), Some("b"));
    }

    #[test]
    fn an_unclosed_entry_stops_where_the_next_one_starts() {
        let text = "@article{broken, title = {Never closed\n@article{fine, title={Fine}}";
        let found = blocks(text);
        assert_eq!(found.len(), 2);
        assert_eq!(block_key(found[1]).as_deref(), Some("fine"));
    }

    #[test]
    fn an_entry_with_macros_accents_and_others_becomes_a_candidate() {
        let text = "@string{bs = \"ACL Workshop BigScience\"}\n@inproceedings{x, title = {What {LM} to Train}, author = {Hesslow, Daniel and Le Scao, Teven and Zanichelli, Niccol{\\'o} and others}, booktitle = bs, year = 2022, month = apr, doi = {10.18653/V1/2022.X}}";
        let bibliography = Bibliography::parse(text).expect("parses");
        let entry = bibliography.iter().next().expect("an entry");
        let found = candidate(entry).expect("a candidate");
        assert_eq!(found.title.as_ref(), "What LM to Train");
        let authors: Vec<&str> = found.authors.iter().map(AsRef::as_ref).collect();
        assert_eq!(
            authors,
            ["Daniel Hesslow", "Teven Le Scao", "Niccoló Zanichelli"]
        );
        assert_eq!(found.kind, Kind::WorkshopPaper);
        assert_eq!(
            found.venue.map(|v| String::from(v.name)),
            Some("ACL Workshop BigScience".to_owned())
        );
        assert_eq!(
            found.doi.map(String::from),
            Some("10.18653/v1/2022.x".to_owned())
        );
        let published = found.published.expect("a date");
        assert_eq!(
            PartialDate::display(published.date, published.precision),
            "April 2022"
        );
    }

    /// The outcome of each entry of `text`: the candidate's title, or why it is rejected.
    fn outcomes(text: &str) -> Vec<(String, Result<String, String>)> {
        read(text)
            .expect("within the import limits")
            .into_iter()
            .map(|entry| {
                let outcome = entry.candidate.map(|c| String::from(c.title));
                (entry.key, outcome)
            })
            .collect()
    }

    fn rejection(text: &str) -> String {
        match outcomes(text).pop() {
            Some((_, Err(reason))) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn exponential_self_and_mutual_macros_are_refused_without_expanding_them() {
        let mut text = String::from("@string{m0 = \"xx\"}\n");
        for i in 1..=40 {
            text.push_str(&format!("@string{{m{i} = m{} # m{}}}\n", i - 1, i - 1));
        }
        text.push_str("@article{big, title = m40}");
        assert!(rejection(&text).contains("expands to more than 4096 bytes"));
        assert!(rejection("@string{a = a}\n@article{x, title = a}").contains("uses itself"));
        let mutual = "@string{a = b}\n@string{b = a}\n@article{x, title = b}";
        assert!(
            rejection(mutual).contains("defined after it"),
            "{}",
            rejection(mutual)
        );
        let mutual_first = "@string{a = b}\n@string{b = a}\n@article{x, title = a}";
        assert!(rejection(mutual_first).contains("defined after it"));
    }

    #[test]
    fn macros_concatenate_and_use_earlier_macros_and_month_names() {
        let text = "@string{acl = \"Association\" # { for } # \"Computational Linguistics\"}\n@string(when = apr # \" \" # 2022)\n@string{full = acl # \", \" # when}\n@article{x, title = full, year = 2022}";
        assert_eq!(
            outcomes(text),
            [(
                "x".to_owned(),
                Ok("Association for Computational Linguistics, April 2022".to_owned())
            )]
        );
    }

    #[test]
    fn an_entry_cannot_expand_past_its_limit_through_repeated_macros() {
        let macro_text = "y".repeat(MAX_MACRO_LEN);
        let uses = vec!["big"; 20].join(" # ");
        let text = format!("@string{{big = {{{macro_text}}}}}\n@article{{x, title = {uses}}}");
        assert!(rejection(&text).contains("expand it to more than 65536 bytes"));
    }

    #[test]
    fn deep_braces_and_nul_characters_reject_their_entry_only() {
        let deep = format!(
            "@article{{deep, title = {{{}x{}}}}}",
            "{".repeat(40),
            "}".repeat(40)
        );
        let text = format!(
            "{deep}\n@article{{nul, title = {{a\u{0}b}}}}\n@article{{fine, title = {{Fine}}}}"
        );
        let found = outcomes(&text);
        assert!(
            found[0]
                .1
                .as_ref()
                .is_err_and(|r| r.contains("braces nest 42 levels deep")),
            "{found:?}"
        );
        assert!(
            found[1]
                .1
                .as_ref()
                .is_err_and(|r| r.contains("NUL character")),
            "{found:?}"
        );
        assert_eq!(found[2].1, Ok("Fine".to_owned()));
    }

    #[test]
    fn too_many_entries_or_macros_refuse_the_whole_text() {
        let entries: String = (0..=MAX_ENTRIES)
            .map(|i| format!("@misc{{e{i}, title = {{T}}}}\n"))
            .collect();
        assert_eq!(
            read(&entries).err(),
            Some(ImportError::TooManyEntries {
                found: MAX_ENTRIES + 1
            })
        );
        let macros: String = (0..=MAX_MACROS)
            .map(|i| format!("@string{{s{i} = {{T}}}}\n"))
            .collect();
        assert_eq!(
            read(&macros).err(),
            Some(ImportError::TooManyMacros {
                found: MAX_MACROS + 1
            })
        );
    }

    #[test]
    fn dates_that_cannot_be_stored_reject_the_entry() {
        for (fields, reason) in [
            ("year = {0000}", "between 1000 and 9999"),
            ("year = {0999}", "between 1000 and 9999"),
            ("year = {99999}", "99999"),
            ("year = {-5}", "-5"),
            ("year = 2020, month = {13}", "13"),
            ("year = {twenty}", "date:"),
            ("date = {2022-02-30}", "date:"),
        ] {
            let reason_found = rejection(&format!("@article{{x, title = {{T}}, {fields}}}"));
            assert!(
                reason_found.starts_with("year:") || reason_found.starts_with("date:"),
                "{fields}: {reason_found}"
            );
            assert!(reason_found.contains(reason), "{fields}: {reason_found}");
        }
        assert_eq!(
            outcomes("@article{x, title = {T}}"),
            [("x".to_owned(), Ok("T".to_owned()))]
        );
    }

    #[test]
    fn author_lists_with_empty_names_reject_the_entry() {
        for authors in [
            " and and ",
            "and",
            "Smith, Jo and and",
            "Smith, Jo and  and Doe, Al",
        ] {
            let reason = rejection(&format!(
                "@article{{x, title = {{T}}, author = {{{authors}}}}}"
            ));
            assert!(reason.starts_with("author:"), "{authors:?}: {reason}");
        }
    }

    #[test]
    fn an_entry_that_cross_references_itself_is_read_without_following_it() {
        let text =
            "@article{loop, title = {Loop}, crossref = {loop}, xdata = {loop}, ids = {loop}}";
        assert_eq!(outcomes(text), [("loop".to_owned(), Ok("Loop".to_owned()))]);
    }

    #[test]
    fn value_parts_read_quotes_braces_numbers_and_names() {
        assert_eq!(
            value_parts(r#" "a {"} b" # {c {d}} # 1990 # name "#),
            Ok(vec![
                Part::Text(r#"a {"} b"#),
                Part::Text("c {d}"),
                Part::Text("1990"),
                Part::Macro("name"),
            ])
        );
        for bad in ["", "\"open", "{open", "a #", "a b", "}"] {
            assert!(value_parts(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
            let _ = read(&text);
        }

        #[test]
        fn bibtex_shaped_text_never_panics_and_what_is_accepted_is_storable(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    Just("@string{".to_owned()),
                    Just("@article{k, ".to_owned()),
                    Just("title = ".to_owned()),
                    Just("author = ".to_owned()),
                    Just("year = ".to_owned()),
                    Just("month = ".to_owned()),
                    Just("doi = ".to_owned()),
                    Just("eprint = ".to_owned()),
                    Just("crossref = {k}".to_owned()),
                    Just(" and ".to_owned()),
                    Just(" # ".to_owned()),
                    "[a-z]{1,3}",
                    "[0-9]{1,6}",
                    "[{}\",=@()\\\\ -]",
                    "\\PC{0,4}",
                ],
                0..40,
            ).prop_map(|parts| parts.concat()),
        ) {
            if let Ok(entries) = read(&text) {
                for entry in entries {
                    if let Ok(candidate) = entry.candidate {
                        if let Some(date) = candidate.published {
                            proptest::prop_assert!((PartialDate::MIN_YEAR..=PartialDate::MAX_YEAR).contains(&chrono::Datelike::year(&date.date)));
                        }
                        if let Some(doi) = &candidate.doi {
                            proptest::prop_assert!(doi.as_ref().chars().count() <= crate::domain::Doi::MAX_LEN);
                        }
                        for author in &candidate.authors {
                            proptest::prop_assert!(!is_only_separators(author.as_ref()));
                        }
                        proptest::prop_assert!(!String::from(candidate.title).contains('\0'));
                    }
                }
            }
        }

        #[test]
        fn brace_depth_is_the_deepest_nesting(depth in 0usize..200, tail in "[a-z{}]{0,20}") {
            let text = format!("{}{}{tail}", "{".repeat(depth), "}".repeat(depth));
            proptest::prop_assert!(brace_depth(&text) >= depth);
            if !tail.contains('{') {
                proptest::prop_assert_eq!(brace_depth(&text), depth);
            }
        }
    }
}
