//! The public submission form: anyone may propose a publication, which arrives as a DRAFT
//! for editors to review, bounded per client by a rate limit the database keeps (so that it
//! holds across instances).

use chrono::{Duration, Utc};
use entity::history::{Action, EntityType};
use entity::publication::{self, Kind, Status};
use entity::submission;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use super::edit::{self, Actor, EditError};
use super::publication::NewPublication;
use super::venue::NewVenue;
use crate::domain::{ArxivId, Doi, Email, Name, PartialDate, Title};

/// A proposed publication, parsed from the form.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub title: Title,
    pub r#abstract: Option<String>,
    pub kind: Kind,
    pub published: Option<PartialDate>,
    pub venue: Option<Name>,
    pub doi: Option<Doi>,
    pub arxiv_id: Option<ArxivId>,
    pub url: Option<String>,
    pub pdf_url: Option<String>,
    pub authors: Vec<Name>,
    pub submitter_name: Name,
    pub submitter_email: Email,
    pub message: Option<String>,
}

/// Why a submission was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("too many submissions from this client; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: i64 },
    #[error(transparent)]
    Edit(#[from] EditError),
}

impl From<sea_orm::DbErr> for SubmitError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Edit(EditError::Db(err))
    }
}

/// Creates the DRAFT, if `client` has made fewer than `per_hour` submissions in the last hour.
///
/// The count and the insert must be one step, or concurrent submissions from one client all
/// count the same few rows and all pass: the client's lock, held to the end of the caller's
/// transaction, makes the next submission count after this one is committed.
pub async fn submit(
    conn: &impl ConnectionTrait,
    client: &str,
    per_hour: u64,
    new: NewSubmission,
) -> Result<publication::Model, SubmitError> {
    super::lock::exclusive(conn, super::lock::Scope::Submissions, client).await?;
    let hour_ago = Utc::now() - Duration::hours(1);
    let recent = submission::Entity::find()
        .filter(submission::Column::ClientKey.eq(client))
        .filter(submission::Column::SubmittedAt.gt(hour_ago))
        .count(conn)
        .await?;
    if recent >= per_hour {
        return Err(SubmitError::RateLimited {
            retry_after_secs: 3600,
        });
    }
    let venue_id = match new.venue {
        Some(name) => Some(
            super::venue::find_or_create(
                conn,
                NewVenue {
                    name,
                    short_name: None,
                    kind: entity::venue::Kind::Other,
                    year: None,
                    url: None,
                },
            )
            .await?
            .id,
        ),
        None => None,
    };
    let author_ids = super::author::ids_by_name(conn, new.authors).await?;
    let slug = super::publication::free_slug_for(conn, &new.title).await?;
    // A DOI or arXiv id that exists already is dropped rather than refused: the editor who
    // reviews the draft sees the existing entry and decides.
    let doi = match new.doi {
        Some(doi)
            if super::publication_edit::find_by_identifiers(conn, Some(&doi), None)
                .await?
                .is_none() =>
        {
            Some(doi)
        }
        _ => None,
    };
    let arxiv_id = match new.arxiv_id {
        Some(id)
            if super::publication_edit::find_by_identifiers(conn, None, Some(&id))
                .await?
                .is_none() =>
        {
            Some(id)
        }
        _ => None,
    };
    let row = super::publication::create(
        conn,
        NewPublication {
            title: new.title,
            slug,
            r#abstract: new.r#abstract,
            kind: new.kind,
            status: Status::Draft,
            published: new.published,
            venue_id,
            doi,
            arxiv_id,
            url: new.url,
            pdf_url: new.pdf_url,
            author_ids,
            topic_ids: Vec::new(),
        },
    )
    .await
    .map_err(|err| EditError::from_write(err, &["input", "title"]))?;
    submission::Entity::insert(submission::ActiveModel {
        publication_id: Set(row.id),
        submitter_name: Set(new.submitter_name.into()),
        submitter_email: Set(new.submitter_email.into()),
        message: Set(new.message),
        client_key: Set(client.to_owned()),
        submitted_at: Set(Utc::now()),
    })
    .exec(conn)
    .await?;
    edit::record(
        conn,
        &Actor("submission".into()),
        EntityType::Publication,
        row.id,
        Action::Submit,
        &["title", "authors"],
    )
    .await?;
    Ok(row)
}
