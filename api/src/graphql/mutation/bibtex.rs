//! `importBibtex`: the text is read off the async workers, then imported in one transaction.

use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

use super::{UserError, UserErrorCode, actor, in_transaction};
use crate::graphql::publication::{Publication, PublicationStatus};
use crate::service::bibtex::{self, Outcome};

/// A BibTeX text to import.
#[derive(InputObject, Clone, Debug)]
pub struct ImportBibtexInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// One or more entries; `@string` macros, month macros, braces and LaTeX accents are
    /// understood.
    // The limits on this text are the constants of `service::bibtex`; naming them here
    // would change the published schema.
    pub bibtex: String,
    /// The status of the publications created. Default DRAFT.
    pub status: Option<PublicationStatus>,
}

/// What happened to one entry.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum BibtexImportOutcome {
    /// A new publication.
    Created,
    /// A publication with the same DOI, arXiv id or title was there already; it is unchanged.
    Matched,
    /// Not imported; `reason` says why.
    Rejected,
}

/// The report for one entry of the text.
#[derive(SimpleObject)]
pub struct BibtexEntryReport {
    /// The entry's citation key (or its place in the text when it has none).
    pub key: String,
    /// Whether the entry was created, matched or rejected.
    pub outcome: BibtexImportOutcome,
    /// The publication created or matched.
    pub publication: Option<Publication>,
    /// Why the entry was rejected.
    pub reason: Option<String>,
}

/// The result of `importBibtex`: a report per entry, and the totals.
#[derive(SimpleObject)]
pub struct ImportBibtexPayload {
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
    /// One report per entry, in the order of the text.
    pub entries: Vec<BibtexEntryReport>,
    /// How many entries created a publication.
    pub created_count: i32,
    /// How many entries matched an existing publication.
    pub matched_count: i32,
    /// How many entries were rejected.
    pub rejected_count: i32,
    /// Problems with the input as a whole, such as a text too long; when there are any,
    /// nothing was imported.
    pub user_errors: Vec<UserError>,
}

impl ImportBibtexPayload {
    /// An import refused as a whole: nothing read, nothing written.
    fn refused(client_mutation_id: Option<String>, user_errors: Vec<UserError>) -> Self {
        Self {
            client_mutation_id,
            entries: Vec::new(),
            created_count: 0,
            matched_count: 0,
            rejected_count: 0,
            user_errors,
        }
    }
}

#[derive(Default)]
pub struct BibtexMutation;

#[Object]
impl BibtexMutation {
    /// Creates the publications of a BibTeX text, matching existing authors (by name or
    /// name variant), venues (by name) and publications (by DOI, arXiv id, then title).
    /// Reports per entry what was created, matched or rejected and why; a rejected entry
    /// leaves nothing behind and does not stop the others.
    async fn import_bibtex(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The BibTeX text and the status of the publications it creates.")]
        input: ImportBibtexInput,
    ) -> async_graphql::Result<ImportBibtexPayload> {
        let actor = actor(ctx)?;
        let status = input
            .status
            .map_or(entity::publication::Status::Draft, Into::into);
        let text = input.bibtex;
        // Reading is CPU work bounded by the service's limits: off the async workers, and
        // before a transaction holds a connection.
        let read = tokio::task::spawn_blocking(move || bibtex::read(&text))
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "reading a BibTeX text failed");
                async_graphql::Error::new("internal error")
            })?;
        let entries = match read {
            Ok(entries) => entries,
            Err(err) => {
                return Ok(ImportBibtexPayload::refused(
                    input.client_mutation_id,
                    vec![UserError {
                        field: vec!["input".into(), "bibtex".into()],
                        message: err.to_string(),
                        code: UserErrorCode::Invalid,
                    }],
                ));
            }
        };
        let outcome = in_transaction(ctx, move |txn| {
            Box::pin(async move { bibtex::import(txn, &actor, entries, status).await })
        })
        .await?;
        let reports = match outcome {
            Ok(reports) => reports,
            Err(user_errors) => {
                return Ok(ImportBibtexPayload::refused(
                    input.client_mutation_id,
                    user_errors,
                ));
            }
        };
        let mut payload = ImportBibtexPayload {
            client_mutation_id: input.client_mutation_id,
            entries: Vec::with_capacity(reports.len()),
            created_count: 0,
            matched_count: 0,
            rejected_count: 0,
            user_errors: Vec::new(),
        };
        for report in reports {
            let (outcome, publication, reason) = match report.outcome {
                Outcome::Created(row) => {
                    payload.created_count += 1;
                    (BibtexImportOutcome::Created, Some(Publication(row)), None)
                }
                Outcome::Matched(row) => {
                    payload.matched_count += 1;
                    (BibtexImportOutcome::Matched, Some(Publication(row)), None)
                }
                Outcome::Rejected(reason) => {
                    payload.rejected_count += 1;
                    (BibtexImportOutcome::Rejected, None, Some(reason))
                }
            };
            payload.entries.push(BibtexEntryReport {
                key: report.key,
                outcome,
                publication,
                reason,
            });
        }
        Ok(payload)
    }
}
