//! Changing publications: create (with new authors, topics and venue in the same call),
//! patch with optimistic concurrency, replace the author list, delete, and upsert.
//!
//! Every function runs inside the caller's transaction and records the change in the
//! history; a problem the editor can fix comes back as [`EditError::Problems`] before any
//! write, or from a write the checks could not foresee.

use std::collections::HashSet;

use entity::history::{Action, EntityType};
use entity::publication::{self, Kind, Status};
use entity::{author, publication_author, publication_topic, topic, venue};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::author::NewAuthor;
use super::edit::{self, Actor, EditError, ProblemCode};
use super::publication::{NewPublication, create};
use super::topic::NewTopic;
use super::venue::NewVenue;
use crate::domain::{ArxivId, Doi, Name, PartialDate, Slug, Title};

/// An author of a publication being entered: one that exists, or a new one.
#[derive(Debug, Clone)]
pub enum AuthorChoice {
    Existing(i64),
    New(NewAuthor),
}

/// The venue of a publication being entered: one that exists, or one to find or create.
#[derive(Debug, Clone)]
pub enum VenueChoice {
    Existing(i64),
    New(NewVenue),
}

/// A topic of a publication being entered: one that exists, or one to find or create by name.
#[derive(Debug, Clone)]
pub enum TopicChoice {
    Existing(i64),
    Named(Name),
}

/// A publication to enter, as parsed from an editor's input.
#[derive(Debug, Clone)]
pub struct PublicationDraft {
    pub title: Title,
    pub slug: Option<Slug>,
    pub r#abstract: Option<String>,
    pub kind: Kind,
    pub status: Status,
    pub published: Option<PartialDate>,
    pub venue: Option<VenueChoice>,
    pub doi: Option<Doi>,
    pub arxiv_id: Option<ArxivId>,
    pub url: Option<String>,
    pub pdf_url: Option<String>,
    pub authors: Vec<AuthorChoice>,
    pub topics: Vec<TopicChoice>,
}

/// A change to a publication: `None` leaves a field as it is; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct PublicationPatch {
    pub title: Option<Title>,
    pub slug: Option<Slug>,
    pub r#abstract: Option<Option<String>>,
    pub kind: Option<Kind>,
    pub status: Option<Status>,
    pub published: Option<Option<PartialDate>>,
    pub venue: Option<Option<VenueChoice>>,
    pub doi: Option<Option<Doi>>,
    pub arxiv_id: Option<Option<ArxivId>>,
    pub url: Option<Option<String>>,
    pub pdf_url: Option<Option<String>>,
    pub authors: Option<Vec<AuthorChoice>>,
    pub topics: Option<Vec<TopicChoice>>,
}

/// A publication other than a draft names at least one author: the page shows every
/// published entry with its byline, and an archived one may be published again. A draft may
/// have none while its authors are being found (a submission, a BibTeX `@misc` entry).
/// Postgres holds the same rule in a deferred constraint trigger (migration 000007).
pub(crate) fn needs_authors(
    status: Status,
    authors: usize,
    field: &[&str],
) -> Result<(), EditError> {
    if status == Status::Draft || authors > 0 {
        return Ok(());
    }
    Err(EditError::one(
        ProblemCode::Invalid,
        field,
        "a publication that is not a DRAFT needs at least one author; give its authors, or keep it a DRAFT until they are known",
    ))
}

fn describe(row: &publication::Model) -> String {
    format!("{:?} (slug {})", row.title, row.slug)
}

/// DUPLICATE when another publication has this DOI or arXiv id.
async fn check_identifiers(
    conn: &impl ConnectionTrait,
    doi: Option<&Doi>,
    arxiv_id: Option<&ArxivId>,
    except: Option<i64>,
) -> Result<(), EditError> {
    let mut problems = edit::Problems::default();
    let others = |column: publication::Column, value: String| {
        let mut select = publication::Entity::find().filter(column.eq(value));
        if let Some(id) = except {
            select = select.filter(publication::Column::Id.ne(id));
        }
        select
    };
    if let Some(doi) = doi
        && let Some(existing) = others(publication::Column::Doi, doi.as_ref().to_owned())
            .one(conn)
            .await?
    {
        problems.add(
            ProblemCode::Duplicate,
            edit::path(&[&"doi"]),
            format!(
                "the publication {} has this DOI already",
                describe(&existing)
            ),
        );
    }
    if let Some(arxiv_id) = arxiv_id
        && let Some(existing) = others(publication::Column::ArxivId, arxiv_id.as_ref().to_owned())
            .one(conn)
            .await?
    {
        problems.add(
            ProblemCode::Duplicate,
            edit::path(&[&"arxivId"]),
            format!(
                "the publication {} has this arXiv id already",
                describe(&existing)
            ),
        );
    }
    problems.finish()
}

async fn resolve_venue(conn: &impl ConnectionTrait, choice: VenueChoice) -> Result<i64, EditError> {
    match choice {
        VenueChoice::Existing(id) => {
            if venue::Entity::find_by_id(id).count(conn).await? == 0 {
                return Err(EditError::one(
                    ProblemCode::NotFound,
                    &["input", "venue", "id"],
                    "no venue has this id",
                ));
            }
            Ok(id)
        }
        VenueChoice::New(new) => Ok(super::venue::find_or_create(conn, new).await?.id),
    }
}

async fn resolve_topics(
    conn: &impl ConnectionTrait,
    choices: Vec<TopicChoice>,
) -> Result<Vec<i64>, EditError> {
    let mut ids = Vec::with_capacity(choices.len());
    let mut problems = edit::Problems::default();
    for (i, choice) in choices.into_iter().enumerate() {
        let id = match choice {
            TopicChoice::Existing(id) => {
                if topic::Entity::find_by_id(id).count(conn).await? == 0 {
                    problems.add(
                        ProblemCode::NotFound,
                        edit::path(&[&"topics", &i, &"id"]),
                        "no topic has this id",
                    );
                    continue;
                }
                id
            }
            TopicChoice::Named(name) => {
                super::topic::find_or_create(
                    conn,
                    NewTopic {
                        name,
                        description: None,
                        parent_id: None,
                    },
                )
                .await?
                .id
            }
        };
        if ids.contains(&id) {
            problems.add(
                ProblemCode::Invalid,
                edit::path(&[&"topics", &i]),
                "this topic is listed twice",
            );
        } else {
            ids.push(id);
        }
    }
    problems.finish()?;
    Ok(ids)
}

/// The author ids in byline order, creating the new authors.
async fn resolve_authors(
    conn: &impl ConnectionTrait,
    choices: Vec<AuthorChoice>,
) -> Result<Vec<i64>, EditError> {
    let mut ids = Vec::with_capacity(choices.len());
    let mut problems = edit::Problems::default();
    for (i, choice) in choices.into_iter().enumerate() {
        let id = match choice {
            AuthorChoice::Existing(id) => {
                if author::Entity::find_by_id(id).count(conn).await? == 0 {
                    problems.add(
                        ProblemCode::NotFound,
                        edit::path(&[&"authors", &i, &"id"]),
                        "no author has this id",
                    );
                    continue;
                }
                id
            }
            AuthorChoice::New(new) => {
                if let Some(orcid) = &new.orcid
                    && let Some(existing) = author::Entity::find()
                        .filter(author::Column::Orcid.eq(orcid.as_ref()))
                        .one(conn)
                        .await?
                {
                    problems.add(
                        ProblemCode::Duplicate,
                        edit::path(&[&"authors", &i, &"new", &"orcid"]),
                        format!(
                            "the author {:?} (slug {}) has this ORCID iD already; refer to them by id",
                            existing.name, existing.slug
                        ),
                    );
                    continue;
                }
                super::author::create(conn, new).await?.id
            }
        };
        if ids.contains(&id) {
            problems.add(
                ProblemCode::Invalid,
                edit::path(&[&"authors", &i]),
                "this author is listed twice",
            );
        } else {
            ids.push(id);
        }
    }
    problems.finish()?;
    Ok(ids)
}

/// `slug` if no other publication has it.
async fn free_slug(
    conn: &impl ConnectionTrait,
    slug: Slug,
    except: Option<i64>,
) -> Result<Slug, EditError> {
    let mut select =
        publication::Entity::find().filter(publication::Column::Slug.eq(slug.as_ref()));
    if let Some(id) = except {
        select = select.filter(publication::Column::Id.ne(id));
    }
    if let Some(existing) = select.one(conn).await? {
        return Err(EditError::one(
            ProblemCode::Duplicate,
            &["input", "slug"],
            format!(
                "the publication {} has this slug already",
                describe(&existing)
            ),
        ));
    }
    Ok(slug)
}

/// Enters a publication with its authors, topics and venue.
pub async fn create_publication(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    draft: PublicationDraft,
) -> Result<publication::Model, EditError> {
    check_identifiers(conn, draft.doi.as_ref(), draft.arxiv_id.as_ref(), None).await?;
    let venue_id = match draft.venue {
        Some(choice) => Some(resolve_venue(conn, choice).await?),
        None => None,
    };
    needs_authors(draft.status, draft.authors.len(), &["input", "authors"])?;
    let author_ids = resolve_authors(conn, draft.authors).await?;
    let topic_ids = resolve_topics(conn, draft.topics).await?;
    let slug = match draft.slug {
        Some(slug) => free_slug(conn, slug, None).await?,
        None => super::publication::free_slug_for(conn, &draft.title).await?,
    };
    let mut fields = vec!["title", "slug", "kind", "status"];
    for (present, name) in [
        (draft.r#abstract.is_some(), "abstract"),
        (draft.published.is_some(), "publishedOn"),
        (venue_id.is_some(), "venue"),
        (draft.doi.is_some(), "doi"),
        (draft.arxiv_id.is_some(), "arxivId"),
        (draft.url.is_some(), "url"),
        (draft.pdf_url.is_some(), "pdfUrl"),
        (!author_ids.is_empty(), "authors"),
        (!topic_ids.is_empty(), "topics"),
    ] {
        if present {
            fields.push(name);
        }
    }
    let row = create(
        conn,
        NewPublication {
            title: draft.title,
            slug,
            r#abstract: draft.r#abstract,
            kind: draft.kind,
            status: draft.status,
            published: draft.published,
            venue_id,
            doi: draft.doi,
            arxiv_id: draft.arxiv_id,
            url: draft.url,
            pdf_url: draft.pdf_url,
            author_ids,
            topic_ids,
        },
    )
    .await?;
    edit::record(
        conn,
        actor,
        EntityType::Publication,
        row.id,
        Action::Create,
        &fields,
    )
    .await?;
    Ok(row)
}

/// The publication `id` at `expected_version`, or the problem that stops a change to it.
async fn current(
    conn: &impl ConnectionTrait,
    id: i64,
    expected_version: Option<i32>,
) -> Result<publication::Model, EditError> {
    let row = publication::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::NotFound,
                &["input", "id"],
                "no publication has this id",
            )
        })?;
    edit::check_version("publication", expected_version, row.version)?;
    Ok(row)
}

fn stale(expected: i32, now: i32) -> EditError {
    edit::stale("publication", expected, now)
}

pub(crate) async fn replace_authors(
    conn: &impl ConnectionTrait,
    publication_id: i64,
    author_ids: &[i64],
) -> Result<(), EditError> {
    publication_author::Entity::delete_many()
        .filter(publication_author::Column::PublicationId.eq(publication_id))
        .exec(conn)
        .await?;
    if !author_ids.is_empty() {
        publication_author::Entity::insert_many(author_ids.iter().zip(1..).map(
            |(author_id, position)| publication_author::ActiveModel {
                publication_id: Set(publication_id),
                author_id: Set(*author_id),
                position: Set(position),
            },
        ))
        .exec(conn)
        .await
        .map_err(|err| EditError::from_write(err, &["input", "authors"]))?;
    }
    Ok(())
}

async fn replace_topics(
    conn: &impl ConnectionTrait,
    publication_id: i64,
    topic_ids: &[i64],
) -> Result<(), EditError> {
    publication_topic::Entity::delete_many()
        .filter(publication_topic::Column::PublicationId.eq(publication_id))
        .exec(conn)
        .await?;
    if !topic_ids.is_empty() {
        publication_topic::Entity::insert_many(topic_ids.iter().map(|topic_id| {
            publication_topic::ActiveModel {
                publication_id: Set(publication_id),
                topic_id: Set(*topic_id),
            }
        }))
        .exec(conn)
        .await
        .map_err(|err| EditError::from_write(err, &["input", "topics"]))?;
    }
    Ok(())
}

async fn link_ids(
    conn: &impl ConnectionTrait,
    publication_id: i64,
) -> Result<(Vec<i64>, HashSet<i64>), EditError> {
    let mut authors: Vec<(i32, i64)> = publication_author::Entity::find()
        .filter(publication_author::Column::PublicationId.eq(publication_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|link| (link.position, link.author_id))
        .collect();
    authors.sort_unstable();
    let topics = publication_topic::Entity::find()
        .filter(publication_topic::Column::PublicationId.eq(publication_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|link| link.topic_id)
        .collect();
    Ok((authors.into_iter().map(|(_, id)| id).collect(), topics))
}

/// Applies `patch` to publication `id` if it is still at `expected_version` (`None`: at
/// whatever version it is, for upserts). Records the fields whose value changed.
pub async fn update_publication(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    patch: PublicationPatch,
) -> Result<publication::Model, EditError> {
    use publication::Column as C;
    let before = current(conn, id, expected_version).await?;
    check_identifiers(
        conn,
        patch.doi.as_ref().and_then(Option::as_ref),
        patch.arxiv_id.as_ref().and_then(Option::as_ref),
        Some(id),
    )
    .await?;
    let venue_id = match patch.venue {
        None => None,
        Some(None) => Some(None),
        Some(Some(choice)) => Some(Some(resolve_venue(conn, choice).await?)),
    };
    let author_ids = match patch.authors {
        Some(choices) => Some(resolve_authors(conn, choices).await?),
        None => None,
    };
    let topic_ids = match patch.topics {
        Some(choices) => Some(resolve_topics(conn, choices).await?),
        None => None,
    };
    let slug = match patch.slug {
        Some(slug) => Some(free_slug(conn, slug, Some(id)).await?),
        None => None,
    };

    let mut changes = edit::Changes::<publication::Entity>::default();
    changes.set(
        "title",
        C::Title,
        &before.title,
        patch.title.map(String::from),
    );
    changes.set("slug", C::Slug, &before.slug, slug.map(String::from));
    changes.set(
        "abstract",
        C::Abstract,
        &before.r#abstract,
        patch.r#abstract,
    );
    changes.set("kind", C::Kind, &before.kind, patch.kind);
    changes.set("status", C::Status, &before.status, patch.status);
    if let Some(published) = patch.published {
        let date = published.map(|p| p.date);
        let precision = published.map(|p| p.precision);
        // The date and its precision are one field: either differing changes both.
        let differs = date != before.published_on || precision != before.published_on_precision;
        if differs {
            changes.note("publishedOn");
            changes.also(C::PublishedOn, date);
            changes.also(C::PublishedOnPrecision, precision);
        }
    }
    changes.set("venue", C::VenueId, &before.venue_id, venue_id);
    changes.set(
        "doi",
        C::Doi,
        &before.doi,
        patch.doi.map(|doi| doi.map(String::from)),
    );
    changes.set(
        "arxivId",
        C::ArxivId,
        &before.arxiv_id,
        patch.arxiv_id.map(|id| id.map(String::from)),
    );
    changes.set("url", C::Url, &before.url, patch.url);
    changes.set("pdfUrl", C::PdfUrl, &before.pdf_url, patch.pdf_url);
    let (old_authors, old_topics) = link_ids(conn, id).await?;
    // The lists to write: only those given that differ from what the publication has.
    let new_authors = author_ids.as_ref().filter(|ids| **ids != old_authors);
    let new_topics = topic_ids
        .as_ref()
        .filter(|ids| ids.iter().copied().collect::<HashSet<_>>() != old_topics);
    if new_authors.is_some() {
        changes.note("authors");
    }
    if new_topics.is_some() {
        changes.note("topics");
    }
    let status_after = patch.status.unwrap_or(before.status);
    let authors_after = author_ids.as_ref().map_or(old_authors.len(), Vec::len);
    let at_fault = if author_ids.is_some() {
        "authors"
    } else {
        "status"
    };
    needs_authors(status_after, authors_after, &["input", at_fault])?;
    // Nothing to change: no write, no new version, no history, and the caller's version
    // (checked above) stays good for their next change.
    if changes.is_empty() {
        return Ok(before);
    }
    if !changes.write(conn, id, before.version).await? {
        let now = current(conn, id, None).await?;
        return Err(stale(before.version, now.version));
    }
    if let Some(author_ids) = new_authors {
        replace_authors(conn, id, author_ids).await?;
    }
    if let Some(topic_ids) = new_topics {
        replace_topics(conn, id, topic_ids).await?;
    }
    edit::record(
        conn,
        actor,
        EntityType::Publication,
        id,
        Action::Update,
        changes.names(),
    )
    .await?;
    current(conn, id, None).await
}

/// Deletes publication `id` if it is still at `expected_version`.
pub async fn delete_publication(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
) -> Result<publication::Model, EditError> {
    let row = current(conn, id, Some(expected_version)).await?;
    let result = publication::Entity::delete_many()
        .filter(publication::Column::Id.eq(id))
        .filter(publication::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        let now = current(conn, id, None).await?;
        return Err(stale(expected_version, now.version));
    }
    edit::record(
        conn,
        actor,
        EntityType::Publication,
        id,
        Action::Delete,
        &[],
    )
    .await?;
    Ok(row)
}

/// The publication with this DOI, else with this arXiv id.
pub async fn find_by_identifiers(
    conn: &impl ConnectionTrait,
    doi: Option<&Doi>,
    arxiv_id: Option<&ArxivId>,
) -> Result<Option<publication::Model>, EditError> {
    if let Some(doi) = doi
        && let Some(row) = publication::Entity::find()
            .filter(publication::Column::Doi.eq(doi.as_ref()))
            .one(conn)
            .await?
    {
        return Ok(Some(row));
    }
    if let Some(arxiv_id) = arxiv_id {
        return Ok(publication::Entity::find()
            .filter(publication::Column::ArxivId.eq(arxiv_id.as_ref()))
            .one(conn)
            .await?);
    }
    Ok(None)
}

impl PublicationDraft {
    /// The draft as a patch that sets every field it has (for upserts).
    pub fn into_patch(self) -> PublicationPatch {
        PublicationPatch {
            title: Some(self.title),
            slug: self.slug,
            r#abstract: self.r#abstract.map(Some),
            kind: Some(self.kind),
            status: Some(self.status),
            published: self.published.map(Some),
            venue: self.venue.map(Some),
            doi: self.doi.map(Some),
            arxiv_id: self.arxiv_id.map(Some),
            url: self.url.map(Some),
            pdf_url: self.pdf_url.map(Some),
            authors: Some(self.authors),
            topics: Some(self.topics),
        }
    }
}
