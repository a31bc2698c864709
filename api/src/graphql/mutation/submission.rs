//! The public submission form.

use async_graphql::{Context, ErrorExtensions as _, InputObject, Object, SimpleObject};

use super::{UserError, in_transaction_with, parsed};
use crate::domain::{ArxivId, Doi, Email, Name, PartialDate, Title, WebUrl};
use crate::graphql::publication::PublicationKind;
use crate::graphql::viewer::ClientKey;
use crate::service::edit::{ProblemCode, Problems, path};
use crate::service::submission::{self, NewSubmission, SubmitError};

/// How many submissions one client may make per hour.
#[derive(Debug, Clone, Copy)]
pub struct SubmissionLimit(pub u64);

/// A publication proposed through the public form. It arrives as a DRAFT for editors.
#[derive(InputObject, Clone, Debug)]
pub struct SubmitPublicationInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The full title: 1 to 1,000 characters.
    pub title: String,
    /// A summary of the work, as plain text.
    #[graphql(name = "abstract")]
    pub r#abstract: Option<String>,
    /// Default OTHER.
    pub kind: Option<PublicationKind>,
    /// "2022", "2022-04" or "2022-04-12".
    pub published_on: Option<String>,
    /// Authors' names, in byline order.
    pub authors: Vec<String>,
    /// The venue's name, matched against the known venues.
    pub venue: Option<String>,
    /// The DOI, such as "10.18653/v1/2022.bigscience-1.8" (a https://doi.org/ link works too).
    pub doi: Option<String>,
    /// The arXiv id, such as "2206.15342".
    pub arxiv_id: Option<String>,
    /// An absolute http(s) URL of the publication's landing page.
    pub url: Option<String>,
    /// An absolute http(s) URL of the full text.
    pub pdf_url: Option<String>,
    /// Who to contact about the submission; seen by editors only.
    pub submitter_name: String,
    /// The submitter's email address, for the editors' questions; seen by editors only.
    pub submitter_email: String,
    /// A note to the editors; seen by editors only.
    pub message: Option<String>,
}

/// The result of `submitPublication`: whether it was received.
#[derive(SimpleObject)]
pub struct SubmitPublicationPayload {
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
    /// True when the submission was received.
    pub received: bool,
    /// What the submitter can fix; empty when the submission was received.
    pub user_errors: Vec<UserError>,
}

fn parse(input: SubmitPublicationInput) -> Result<NewSubmission, Vec<UserError>> {
    let mut problems = Problems::default();
    let title = problems.parse(path(&[&"title"]), &input.title, Title::parse);
    let optional = |problems: &mut Problems, field: &str, raw: Option<&str>| -> Option<String> {
        raw.filter(|r| !r.trim().is_empty())
            .and_then(|raw| problems.parse(path(&[&field]), raw, WebUrl::parse))
            .map(String::from)
    };
    let url = optional(&mut problems, "url", input.url.as_deref());
    let pdf_url = optional(&mut problems, "pdfUrl", input.pdf_url.as_deref());
    let published = input
        .published_on
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|raw| problems.parse(path(&[&"publishedOn"]), raw, PartialDate::parse));
    let doi = input
        .doi
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|raw| problems.parse(path(&[&"doi"]), raw, Doi::parse));
    let arxiv_id = input
        .arxiv_id
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|raw| problems.parse(path(&[&"arxivId"]), raw, ArxivId::parse));
    let venue = input
        .venue
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .and_then(|raw| problems.parse(path(&[&"venue"]), raw, Name::parse));
    if input.authors.is_empty() || input.authors.len() > 500 {
        problems.add(
            ProblemCode::Invalid,
            path(&[&"authors"]),
            "give between 1 and 500 authors",
        );
    }
    let authors: Vec<Name> = input
        .authors
        .iter()
        .enumerate()
        .filter_map(|(i, name)| problems.parse(path(&[&"authors", &i]), name, Name::parse))
        .collect();
    let submitter_name = problems.parse(
        path(&[&"submitterName"]),
        &input.submitter_name,
        Name::parse,
    );
    let submitter_email = problems.parse(
        path(&[&"submitterEmail"]),
        &input.submitter_email,
        Email::parse,
    );
    let (title, submitter_name, submitter_email) = parsed(
        problems,
        title
            .zip(submitter_name)
            .zip(submitter_email)
            .map(|((t, n), e)| (t, n, e)),
    )?;
    Ok(NewSubmission {
        title,
        r#abstract: input
            .r#abstract
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
        kind: input
            .kind
            .map_or(entity::publication::Kind::Other, Into::into),
        published,
        venue,
        doi,
        arxiv_id,
        url,
        pdf_url,
        authors,
        submitter_name,
        submitter_email,
        message: input
            .message
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty()),
    })
}

#[derive(Default)]
pub struct SubmissionMutation;

#[Object]
impl SubmissionMutation {
    /// The public submission form: needs no token. Creates a DRAFT that editors review,
    /// with the submitter's contact. Each client may submit a few times an hour; past that
    /// the error has `extensions.code` RATE_LIMITED and `retryAfterSeconds`.
    async fn submit_publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication proposed, and who proposes it.")]
        input: SubmitPublicationInput,
    ) -> async_graphql::Result<SubmitPublicationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let client = ctx.data::<ClientKey>()?.0.clone();
        let limit = ctx.data::<SubmissionLimit>()?.0;
        let new = match parse(input) {
            Ok(new) => new,
            Err(user_errors) => {
                return Ok(SubmitPublicationPayload {
                    client_mutation_id,
                    received: false,
                    user_errors,
                });
            }
        };
        let outcome = in_transaction_with(ctx, move |txn| {
            Box::pin(async move { submission::submit(txn, &client, limit, new).await })
        })
        .await?;
        match outcome {
            Ok(_) => Ok(SubmitPublicationPayload {
                client_mutation_id,
                received: true,
                user_errors: Vec::new(),
            }),
            Err(SubmissionOutcome::Problems(user_errors)) => Ok(SubmitPublicationPayload {
                client_mutation_id,
                received: false,
                user_errors,
            }),
            Err(SubmissionOutcome::RateLimited(retry_after)) => {
                Err(async_graphql::Error::new(format!(
                    "too many submissions from this address; try again in {} minutes",
                    (retry_after + 59) / 60
                ))
                .extend_with(|_, ext| {
                    ext.set("code", crate::error::ErrorCode::RateLimited.as_str());
                    ext.set("retryAfterSeconds", retry_after);
                }))
            }
        }
    }
}

/// What stops a submission besides a database failure.
pub enum SubmissionOutcome {
    Problems(Vec<UserError>),
    RateLimited(i64),
}

impl From<SubmitError> for super::Failure<SubmissionOutcome> {
    fn from(err: SubmitError) -> Self {
        match err {
            SubmitError::RateLimited { retry_after_secs } => {
                Self::Expected(SubmissionOutcome::RateLimited(retry_after_secs))
            }
            SubmitError::Edit(err) => match super::Failure::<Vec<UserError>>::from(err) {
                super::Failure::Expected(problems) => {
                    Self::Expected(SubmissionOutcome::Problems(problems))
                }
                super::Failure::Database(err) => Self::Database(err),
            },
        }
    }
}
