//! BibTeX in and out: `importBibtex` reads real-world files with the `biblatex` crate
//! (string macros, month macros, braces, LaTeX accents, "and others"), and
//! `Publication.bibtex` writes an entry that imports back as the same publication.
//!
//! A file is split into its top-level `@...{...}` blocks first, so that one malformed entry
//! is reported on its own instead of failing the whole file; `@string` definitions are
//! handed to every entry.

use biblatex::{
    Bibliography, Chunk, ChunksExt as _, DateValue, Entry, EntryType, PermissiveType, Person,
    Spanned,
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

fn date_of(entry: &Entry) -> Option<PartialDate> {
    let date = match entry.date().ok()? {
        PermissiveType::Typed(date) => date,
        PermissiveType::Chunks(_) => return None,
    };
    let at = match date.value {
        DateValue::At(at)
        | DateValue::After(at)
        | DateValue::Before(at)
        | DateValue::Between(at, _) => at,
    };
    let text = match (at.month, at.day) {
        (Some(month), Some(day)) => format!("{:04}-{:02}-{:02}", at.year, month + 1, day + 1),
        (Some(month), None) => format!("{:04}-{:02}", at.year, month + 1),
        _ => format!("{:04}", at.year),
    };
    PartialDate::parse(&text).ok()
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
            .map(|person| Name::parse(&person_name(person)).map_err(|err| format!("author: {err}")))
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
    let published = date_of(entry);
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

/// Imports every entry of `text`. Each entry is created in a savepoint of the caller's
/// transaction, so a failing entry leaves nothing behind and does not stop the others.
pub async fn import<C>(
    conn: &C,
    actor: &Actor,
    text: &str,
    status: Status,
) -> Result<Vec<EntryReport>, EditError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let blocks = blocks(text);
    let strings: String = blocks
        .iter()
        .filter(|block| block_kind(block) == "string")
        .map(|block| format!("{block}\n"))
        .collect();
    let mut reports = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        if matches!(
            block_kind(block).as_str(),
            "string" | "preamble" | "comment"
        ) {
            continue;
        }
        let key = block_key(block).unwrap_or_else(|| format!("entry {}", index + 1));
        let outcome = match Bibliography::parse(&format!("{strings}{block}")) {
            Err(err) => Outcome::Rejected(format!("malformed BibTeX: {}", err.kind)),
            Ok(bibliography) => {
                match bibliography.iter().next() {
                    None => Outcome::Rejected("no entry could be read".into()),
                    Some(entry) => {
                        match candidate(entry) {
                            Err(reason) => Outcome::Rejected(reason),
                            Ok(candidate) => match existing(conn, &candidate).await? {
                                Some(found) => Outcome::Matched(found),
                                None => {
                                    let savepoint = conn.begin().await?;
                                    match create(&savepoint, actor, candidate, status).await {
                                        Ok(row) => {
                                            savepoint.commit().await?;
                                            Outcome::Created(row)
                                        }
                                        Err(err) => {
                                            savepoint.rollback().await?;
                                            Outcome::Rejected(match err {
                                        EditError::Problems(problems) => problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join("; "),
                                        EditError::Db(err) => match err.sql_err() {
                                            Some(_) => "it conflicts with an entry of the catalogue".to_owned(),
                                            None => return Err(EditError::Db(err)),
                                        },
                                    })
                                        }
                                    }
                                }
                            },
                        }
                    }
                }
            }
        };
        reports.push(EntryReport { key, outcome });
    }
    Ok(reports)
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
}
