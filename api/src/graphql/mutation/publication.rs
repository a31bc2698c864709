//! Mutations of publications.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, OneofObject, SimpleObject};

use super::{UserError, actor, id_of, in_transaction, parsed, required, run_parsed};
use crate::domain::{ArxivId, Doi, Name, Orcid, PartialDate, Slug, Title, WebUrl};
use crate::graphql::ids::{GlobalId, NodeKind};
use crate::graphql::publication::{Publication, PublicationKind, PublicationStatus};
use crate::graphql::venue::VenueKind;
use crate::service::author::NewAuthor;
use crate::service::edit::{ProblemCode, Problems, path};
use crate::service::publication_edit::{
    self, AuthorChoice, PublicationDraft, PublicationPatch, TopicChoice, VenueChoice,
};
use crate::service::venue::NewVenue;

/// An author of a publication: an existing author by id, or a new one.
#[derive(OneofObject, Clone, Debug)]
pub enum AuthorRefInput {
    /// The global id of an existing author.
    Id(ID),
    /// A new author, created with the publication.
    New(NewAuthorInput),
}

/// A new author.
#[derive(InputObject, Clone, Debug)]
pub struct NewAuthorInput {
    /// The name as the catalogue displays it: 1 to 300 characters.
    pub name: String,
    /// ORCID iD, checked with its check digit; must not belong to another author.
    pub orcid: Option<String>,
    /// Other spellings of the name, such as "T. Le Scao".
    pub name_variants: Option<Vec<String>>,
}

/// The venue of a publication: an existing venue by id, or one found by name or created.
#[derive(OneofObject, Clone, Debug)]
pub enum VenueRefInput {
    /// The global id of an existing venue.
    Id(ID),
    /// A venue found by name, or created when none has it.
    New(NewVenueInput),
}

/// A venue, matched by name against the existing ones before one is created.
#[derive(InputObject, Clone, Debug)]
pub struct NewVenueInput {
    /// The full name: 1 to 300 characters. A venue whose name is the same up to case, accents
    /// and punctuation is used instead of a new one.
    pub name: String,
    /// A short name for tight layouts, such as "LREC"; used only when the venue is created.
    pub short_name: Option<String>,
    /// What kind of venue this is; used only when the venue is created.
    pub kind: VenueKind,
    /// The year of the edition (four digits); used only when the venue is created.
    pub year: Option<i32>,
    /// An absolute http(s) URL of the venue's web page; used only when the venue is created.
    pub url: Option<String>,
}

/// A topic of a publication: an existing topic by id, or one found by name or created.
#[derive(OneofObject, Clone, Debug)]
pub enum TopicRefInput {
    /// The global id of an existing topic.
    Id(ID),
    /// A topic's name: the topic that has it, or a new top-level topic when none does.
    Name(String),
}

/// What `upsertPublication` takes: a publication as `createPublication` takes it, matched
/// on its DOI, then its arXiv id.
#[derive(InputObject, Clone, Debug)]
pub struct UpsertPublicationInput {
    #[graphql(flatten)]
    pub publication: CreatePublicationInput,
}

/// A publication to enter in one call, with its authors, topics and venue.
#[derive(InputObject, Clone, Debug)]
pub struct CreatePublicationInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The full title: 1 to 1,000 characters, spaces folded.
    pub title: String,
    /// Made from the title when left out.
    pub slug: Option<String>,
    /// A summary of the work, as plain text.
    #[graphql(name = "abstract")]
    pub r#abstract: Option<String>,
    /// What kind of work this is.
    pub kind: PublicationKind,
    /// Default DRAFT: visible to editors only until published.
    pub status: Option<PublicationStatus>,
    /// "2022", "2022-04" or "2022-04-12": as precise as is known.
    pub published_on: Option<String>,
    /// Where the work appeared: an existing venue by id, or one found by name or created.
    pub venue: Option<VenueRefInput>,
    /// The DOI, such as "10.18653/v1/2022.bigscience-1.8" (a https://doi.org/ link works
    /// too); a DUPLICATE if another publication has it.
    pub doi: Option<String>,
    /// The arXiv id, such as "2206.15342" (a version suffix or arxiv.org/abs/ link works
    /// too); a DUPLICATE if another publication has it.
    pub arxiv_id: Option<String>,
    /// An absolute http(s) URL of the publication's landing page.
    pub url: Option<String>,
    /// An absolute http(s) URL of the full text.
    pub pdf_url: Option<String>,
    /// In byline order. Only a DRAFT may be without authors.
    pub authors: Option<Vec<AuthorRefInput>>,
    /// The topics to file the publication under: existing ones by id, or by name (created
    /// when new).
    pub topics: Option<Vec<TopicRefInput>>,
}

/// A change to a publication. A field left out stays as it is; a field set to null is
/// cleared, but for the fields a publication cannot be without (`title`, `kind`, `status`),
/// where null is INVALID. A change that changes nothing writes nothing: the version stays.
#[derive(InputObject, Clone, Debug)]
pub struct UpdatePublicationInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the publication to change; or name it with `find`.
    pub id: Option<ID>,
    /// The publication to change by its slug, DOI or arXiv id, instead of `id`.
    pub find: Option<FindPublicationInput>,
    /// The `version` the change was made against; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// Left out, it stays; it cannot be null.
    pub title: MaybeUndefined<String>,
    /// A new slug, in slug form ("pagnol-an-extra-large-french-generative-model").
    pub slug: Option<String>,
    /// A summary of the work, as plain text; null or "" clears it.
    #[graphql(name = "abstract")]
    pub r#abstract: MaybeUndefined<String>,
    /// Left out, it stays; it cannot be null.
    pub kind: MaybeUndefined<PublicationKind>,
    /// Left out, it stays; it cannot be null.
    pub status: MaybeUndefined<PublicationStatus>,
    /// "2022", "2022-04" or "2022-04-12": as precise as is known; null or "" clears it.
    pub published_on: MaybeUndefined<String>,
    /// Where the work appeared: an existing venue by id, or one found by name or created;
    /// null clears it.
    pub venue: MaybeUndefined<VenueRefInput>,
    /// The DOI (a https://doi.org/ link works too); null or "" clears it.
    pub doi: MaybeUndefined<String>,
    /// The arXiv id, such as "2206.15342"; null or "" clears it.
    pub arxiv_id: MaybeUndefined<String>,
    /// An absolute http(s) URL of the landing page; null or "" clears it.
    pub url: MaybeUndefined<String>,
    /// An absolute http(s) URL of the full text; null or "" clears it.
    pub pdf_url: MaybeUndefined<String>,
    /// Replaces the set of topics.
    pub topics: Option<Vec<TopicRefInput>>,
}

/// A publication named by what an editor has at hand, such as the slug in its page's URL.
#[derive(OneofObject, Clone, Debug)]
pub enum FindPublicationInput {
    /// The slug, as in the page's URL.
    Slug(String),
    /// The DOI, with or without `https://doi.org/`, in any case.
    Doi(String),
    /// The arXiv id, such as "2206.15342".
    ArxivId(String),
}

/// Which publication an edit is for, once parsed.
#[derive(Debug, Clone)]
enum Target {
    Id(i64),
    Slug(Slug),
    Doi(Doi),
    ArxivId(ArxivId),
}

/// The publication `id` or `find` names (exactly one must be given), or the problem noted.
fn target_of(
    problems: &mut Problems,
    id: Option<&ID>,
    find: Option<FindPublicationInput>,
) -> Option<Target> {
    match (id, find) {
        (Some(id), None) => {
            id_of(problems, path(&[&"id"]), id, NodeKind::Publication).map(Target::Id)
        }
        (None, Some(FindPublicationInput::Slug(slug))) => problems
            .parse(path(&[&"find", &"slug"]), &slug, Slug::parse)
            .map(Target::Slug),
        (None, Some(FindPublicationInput::Doi(doi))) => problems
            .parse(path(&[&"find", &"doi"]), &doi, Doi::parse)
            .map(Target::Doi),
        (None, Some(FindPublicationInput::ArxivId(arxiv_id))) => problems
            .parse(path(&[&"find", &"arxivId"]), &arxiv_id, ArxivId::parse)
            .map(Target::ArxivId),
        (id, _) => {
            problems.add(
                ProblemCode::Invalid,
                path(&[&if id.is_some() { "find" } else { "id" }]),
                "name the publication with exactly one of id and find",
            );
            None
        }
    }
}

impl Target {
    /// The publication's id, read in the edit's transaction.
    async fn resolve(
        self,
        conn: &impl sea_orm::ConnectionTrait,
    ) -> Result<i64, crate::service::edit::EditError> {
        use crate::service::publication::{Lookup, find};
        let (lookup, field) = match &self {
            Target::Id(id) => return Ok(*id),
            Target::Slug(slug) => (Lookup::Slug(slug.as_ref()), "slug"),
            Target::Doi(doi) => (Lookup::Doi(doi), "doi"),
            Target::ArxivId(arxiv_id) => (Lookup::ArxivId(arxiv_id), "arxivId"),
        };
        match find(conn, crate::service::Audience::Editor, lookup).await? {
            Some(row) => Ok(row.id),
            None => Err(crate::service::edit::EditError::one(
                ProblemCode::NotFound,
                &["input", "find", field],
                "no publication has it",
            )),
        }
    }
}

/// Deletes a publication, if it is still at `expectedVersion`.
#[derive(InputObject, Clone, Debug)]
pub struct DeletePublicationInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the publication to delete; or name it with `find`.
    pub id: Option<ID>,
    /// The publication to delete by its slug, DOI or arXiv id, instead of `id`.
    pub find: Option<FindPublicationInput>,
    /// The `version` the deletion was decided against; a stale one is a CONFLICT.
    pub expected_version: i32,
}

/// A new author list, which replaces or reorders the old one.
#[derive(InputObject, Clone, Debug)]
pub struct SetPublicationAuthorsInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the publication; or name it with `find`.
    pub id: Option<ID>,
    /// The publication by its slug, DOI or arXiv id, instead of `id`.
    pub find: Option<FindPublicationInput>,
    /// The `version` the change was made against; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// In byline order.
    pub authors: Vec<AuthorRefInput>,
}

payload!(
    /// The result of `createPublication`: the new publication.
    CreatePublicationPayload, publication: Publication
);

payload!(
    /// The result of `updatePublication`: the publication after the change.
    UpdatePublicationPayload, publication: Publication
);
payload!(
    /// The result of `setPublicationAuthors`: the publication with its new author list.
    SetPublicationAuthorsPayload, publication: Publication
);

/// The result of `upsertPublication`: the publication, and whether it was created.
#[derive(SimpleObject)]
pub struct UpsertPublicationPayload {
    /// The `clientMutationId` of the input, unchanged.
    pub client_mutation_id: Option<String>,
    /// The publication created or updated; null when there are user errors.
    pub publication: Option<Publication>,
    /// True when no publication had the DOI or arXiv id and one was created.
    pub created: bool,
    /// What the editor can fix; empty when the mutation took effect.
    pub user_errors: Vec<UserError>,
}

payload!(
    /// The result of `deletePublication`: the id it had.
    DeletePublicationPayload, deleted_publication_id: ID
);

/// Notes a problem for each malformed optional text.
fn optional<T>(
    problems: &mut Problems,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, crate::domain::ParseError>,
) -> Option<T> {
    let raw = raw.filter(|text| !text.trim().is_empty())?;
    problems.parse(path(&[&field]), raw, parse)
}

fn parse_authors(problems: &mut Problems, authors: Vec<AuthorRefInput>) -> Vec<AuthorChoice> {
    let mut choices = Vec::with_capacity(authors.len());
    for (i, author) in authors.into_iter().enumerate() {
        match author {
            AuthorRefInput::Id(id) => {
                if let Some(id) = id_of(
                    problems,
                    path(&[&"authors", &i, &"id"]),
                    &id,
                    NodeKind::Author,
                ) {
                    choices.push(AuthorChoice::Existing(id));
                }
            }
            AuthorRefInput::New(new) => {
                let name = problems.parse(
                    path(&[&"authors", &i, &"new", &"name"]),
                    &new.name,
                    Name::parse,
                );
                let orcid = new
                    .orcid
                    .as_deref()
                    .filter(|o| !o.trim().is_empty())
                    .and_then(|o| {
                        problems.parse(path(&[&"authors", &i, &"new", &"orcid"]), o, Orcid::parse)
                    });
                let variants = new
                    .name_variants
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .filter_map(|(j, v)| {
                        problems.parse(
                            path(&[&"authors", &i, &"new", &"nameVariants", &j]),
                            v,
                            Name::parse,
                        )
                    })
                    .collect();
                if let Some(name) = name {
                    choices.push(AuthorChoice::New(NewAuthor {
                        name,
                        orcid,
                        name_variants: variants,
                    }));
                }
            }
        }
    }
    choices
}

fn parse_venue(problems: &mut Problems, venue: VenueRefInput) -> Option<VenueChoice> {
    match venue {
        VenueRefInput::Id(id) => id_of(problems, path(&[&"venue", &"id"]), &id, NodeKind::Venue)
            .map(VenueChoice::Existing),
        VenueRefInput::New(new) => {
            let name = problems.parse(path(&[&"venue", &"new", &"name"]), &new.name, Name::parse);
            let short_name = new
                .short_name
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .and_then(|s| {
                    problems.parse(path(&[&"venue", &"new", &"shortName"]), s, Name::parse)
                });
            let url = new
                .url
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .and_then(|s| problems.parse(path(&[&"venue", &"new", &"url"]), s, WebUrl::parse));
            if let Some(year) = new.year
                && !(1000..=9999).contains(&year)
            {
                problems.add(
                    ProblemCode::Invalid,
                    path(&[&"venue", &"new", &"year"]),
                    "must be a four-digit year",
                );
            }
            Some(VenueChoice::New(NewVenue {
                name: name?,
                short_name,
                kind: new.kind.into(),
                year: new.year,
                url: url.map(String::from),
            }))
        }
    }
}

fn parse_topics(problems: &mut Problems, topics: Vec<TopicRefInput>) -> Vec<TopicChoice> {
    topics
        .into_iter()
        .enumerate()
        .filter_map(|(i, topic)| match topic {
            TopicRefInput::Id(id) => id_of(
                problems,
                path(&[&"topics", &i, &"id"]),
                &id,
                NodeKind::Topic,
            )
            .map(TopicChoice::Existing),
            TopicRefInput::Name(name) => problems
                .parse(path(&[&"topics", &i, &"name"]), &name, Name::parse)
                .map(TopicChoice::Named),
        })
        .collect()
}

fn parse_draft(input: CreatePublicationInput) -> Result<PublicationDraft, Vec<UserError>> {
    let mut problems = Problems::default();
    let title = problems.parse(path(&[&"title"]), &input.title, Title::parse);
    let slug = optional(&mut problems, "slug", input.slug.as_deref(), Slug::parse);
    let published = optional(
        &mut problems,
        "publishedOn",
        input.published_on.as_deref(),
        PartialDate::parse,
    );
    let doi = optional(&mut problems, "doi", input.doi.as_deref(), Doi::parse);
    let arxiv_id = optional(
        &mut problems,
        "arxivId",
        input.arxiv_id.as_deref(),
        ArxivId::parse,
    );
    let url = optional(&mut problems, "url", input.url.as_deref(), WebUrl::parse);
    let pdf_url = optional(
        &mut problems,
        "pdfUrl",
        input.pdf_url.as_deref(),
        WebUrl::parse,
    );
    let venue = input
        .venue
        .and_then(|venue| parse_venue(&mut problems, venue));
    let authors = parse_authors(&mut problems, input.authors.unwrap_or_default());
    let topics = parse_topics(&mut problems, input.topics.unwrap_or_default());
    let title = parsed(problems, title)?;
    Ok(PublicationDraft {
        title,
        slug,
        r#abstract: input
            .r#abstract
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty()),
        kind: input.kind.into(),
        status: input
            .status
            .map_or(entity::publication::Status::Draft, Into::into),
        published,
        venue,
        doi,
        arxiv_id,
        url: url.map(String::from),
        pdf_url: pdf_url.map(String::from),
        authors,
        topics,
    })
}

/// `Some(None)` for null, `Some(Some(parsed))` for a value, `None` when left out.
fn patch_field<T>(
    problems: &mut Problems,
    field: &str,
    value: MaybeUndefined<String>,
    parse: impl FnOnce(&str) -> Result<T, crate::domain::ParseError>,
) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(raw) if raw.trim().is_empty() => Some(None),
        MaybeUndefined::Value(raw) => problems.parse(path(&[&field]), &raw, parse).map(Some),
    }
}

fn parse_patch(
    input: UpdatePublicationInput,
) -> Result<(Target, PublicationPatch), Vec<UserError>> {
    let mut problems = Problems::default();
    let id = target_of(&mut problems, input.id.as_ref(), input.find);
    let patch = PublicationPatch {
        title: required(&mut problems, "title", input.title)
            .and_then(|t| problems.parse(path(&[&"title"]), &t, Title::parse)),
        slug: input
            .slug
            .and_then(|s| problems.parse(path(&[&"slug"]), &s, Slug::parse)),
        r#abstract: match input.r#abstract {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(text) => {
                Some(Some(text.trim().to_owned()).filter(|t| !t.is_empty()))
            }
        },
        kind: required(&mut problems, "kind", input.kind).map(Into::into),
        status: required(&mut problems, "status", input.status).map(Into::into),
        published: patch_field(
            &mut problems,
            "publishedOn",
            input.published_on,
            PartialDate::parse,
        ),
        venue: match input.venue {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(venue) => parse_venue(&mut problems, venue).map(Some),
        },
        doi: patch_field(&mut problems, "doi", input.doi, Doi::parse),
        arxiv_id: patch_field(&mut problems, "arxivId", input.arxiv_id, ArxivId::parse),
        url: patch_field(&mut problems, "url", input.url, WebUrl::parse)
            .map(|u| u.map(String::from)),
        pdf_url: patch_field(&mut problems, "pdfUrl", input.pdf_url, WebUrl::parse)
            .map(|u| u.map(String::from)),
        authors: None,
        topics: input
            .topics
            .map(|topics| parse_topics(&mut problems, topics)),
    };
    parsed(problems, id.map(|id| (id, patch)))
}

#[derive(Default)]
pub struct PublicationMutation;

#[Object]
impl PublicationMutation {
    /// Enters a publication with its authors (existing or new, in byline order), topics and
    /// venue, in one transaction. A DOI or arXiv id that another publication has is a
    /// DUPLICATE naming it.
    async fn create_publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication to enter, with its authors, venue and topics.")]
        input: CreatePublicationInput,
    ) -> async_graphql::Result<CreatePublicationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let actor = actor(ctx)?;
        let outcome = run_parsed(ctx, parse_draft(input), move |txn, draft| {
            Box::pin(async move { publication_edit::create_publication(txn, &actor, draft).await })
        })
        .await?;
        Ok(CreatePublicationPayload::from_outcome(
            client_mutation_id,
            outcome.map(Publication),
        ))
    }

    /// Changes the fields given, if the publication is still at `expectedVersion`;
    /// otherwise a CONFLICT, and nothing changes. When no field differs from what the
    /// publication has, nothing is written: the version, `updatedAt` and history stay.
    async fn update_publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The publication to change, its expected version and the fields to change."
        )]
        input: UpdatePublicationInput,
    ) -> async_graphql::Result<UpdatePublicationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let expected_version = input.expected_version;
        let actor = actor(ctx)?;
        let outcome = run_parsed(ctx, parse_patch(input), move |txn, (target, patch)| {
            Box::pin(async move {
                let id = target.resolve(txn).await?;
                publication_edit::update_publication(txn, &actor, id, Some(expected_version), patch)
                    .await
            })
        })
        .await?;
        Ok(UpdatePublicationPayload::from_outcome(
            client_mutation_id,
            outcome.map(Publication),
        ))
    }

    /// Replaces or reorders the author list, if the publication is still at
    /// `expectedVersion`. The same list in the same order writes nothing.
    async fn set_publication_authors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication, its expected version and its new author list.")]
        input: SetPublicationAuthorsInput,
    ) -> async_graphql::Result<SetPublicationAuthorsPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let expected_version = input.expected_version;
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let target = target_of(&mut problems, input.id.as_ref(), input.find);
        let authors = parse_authors(&mut problems, input.authors);
        let outcome = match parsed(problems, target) {
            Err(errors) => Err(errors),
            Ok(target) => {
                let patch = PublicationPatch {
                    authors: Some(authors),
                    ..PublicationPatch::default()
                };
                in_transaction(ctx, move |txn| {
                    Box::pin(async move {
                        let id = target.resolve(txn).await?;
                        publication_edit::update_publication(
                            txn,
                            &actor,
                            id,
                            Some(expected_version),
                            patch,
                        )
                        .await
                    })
                })
                .await?
            }
        };
        Ok(SetPublicationAuthorsPayload::from_outcome(
            client_mutation_id,
            outcome.map(Publication),
        ))
    }

    /// Updates the publication with the input's DOI, else the one with its arXiv id, setting
    /// every field the input gives and keeping the others (a left-out `status`, `authors` or
    /// `topics` stays as it is); creates it when neither matches.
    async fn upsert_publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication, matched on its DOI, then its arXiv id.")]
        input: UpsertPublicationInput,
    ) -> async_graphql::Result<UpsertPublicationPayload> {
        let input = input.publication;
        let client_mutation_id = input.client_mutation_id.clone();
        let actor = actor(ctx)?;
        // A match is patched with what the input gives: the defaults a new publication
        // takes (status DRAFT, no authors, no topics) must not overwrite what it has.
        let (status_given, authors_given, topics_given) = (
            input.status.is_some(),
            input.authors.is_some(),
            input.topics.is_some(),
        );
        let outcome = run_parsed(ctx, parse_draft(input), move |txn, draft| {
            Box::pin(async move {
                match publication_edit::find_by_identifiers(
                    txn,
                    draft.doi.as_ref(),
                    draft.arxiv_id.as_ref(),
                )
                .await?
                {
                    Some(existing) => {
                        let mut patch = draft.into_patch();
                        if !status_given {
                            patch.status = None;
                        }
                        if !authors_given {
                            patch.authors = None;
                        }
                        if !topics_given {
                            patch.topics = None;
                        }
                        publication_edit::update_publication(txn, &actor, existing.id, None, patch)
                            .await
                            .map(|row| (row, false))
                    }
                    None => publication_edit::create_publication(txn, &actor, draft)
                        .await
                        .map(|row| (row, true)),
                }
            })
        })
        .await?;
        Ok(match outcome {
            Ok((row, created)) => UpsertPublicationPayload {
                client_mutation_id,
                publication: Some(Publication(row)),
                created,
                user_errors: Vec::new(),
            },
            Err(user_errors) => UpsertPublicationPayload {
                client_mutation_id,
                publication: None,
                created: false,
                user_errors,
            },
        })
    }

    /// Deletes a publication (with its author and topic links), if it is still at
    /// `expectedVersion`.
    async fn delete_publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication to delete and its expected version.")]
        input: DeletePublicationInput,
    ) -> async_graphql::Result<DeletePublicationPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let expected_version = input.expected_version;
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let target = target_of(&mut problems, input.id.as_ref(), input.find);
        let outcome = match parsed(problems, target) {
            Err(errors) => Err(errors),
            Ok(target) => {
                in_transaction(ctx, move |txn| {
                    Box::pin(async move {
                        let id = target.resolve(txn).await?;
                        publication_edit::delete_publication(txn, &actor, id, expected_version)
                            .await
                    })
                })
                .await?
            }
        };
        Ok(DeletePublicationPayload::from_outcome(
            client_mutation_id,
            outcome.map(|row| GlobalId::new(NodeKind::Publication, row.id).encode()),
        ))
    }
}
