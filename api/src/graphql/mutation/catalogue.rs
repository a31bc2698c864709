//! Mutations of authors, venues and topics.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object};

use super::{UserError, actor, id_of, in_transaction, parsed, required, run_parsed};
use crate::domain::{Name, Orcid, ParseError, WebUrl};
use crate::graphql::author::Author;
use crate::graphql::ids::{GlobalId, NodeKind};
use crate::graphql::topic::Topic;
use crate::graphql::venue::{Venue, VenueKind};
use crate::service::author::NewAuthor;
use crate::service::author_edit::{self, AuthorPatch, OnReferenced};
use crate::service::edit::{ProblemCode, Problems, path};
use crate::service::topic::NewTopic;
use crate::service::venue::NewVenue;
use crate::service::venue_edit::{self, TopicPatch, VenuePatch};

/// What to do with the publications that use an entry being deleted.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(name = "OnReferenced")]
pub enum OnReferencedInput {
    /// Refuse with REFERENCED while publications use the entry.
    #[default]
    Fail,
    /// Take the entry off those publications (their author list, venue or topics).
    Detach,
}

impl From<OnReferencedInput> for OnReferenced {
    fn from(value: OnReferencedInput) -> Self {
        match value {
            OnReferencedInput::Fail => Self::Fail,
            OnReferencedInput::Detach => Self::Detach,
        }
    }
}

payload!(
    /// The result of `createAuthor`: the new author.
    CreateAuthorPayload, author: Author
);
payload!(
    /// The result of `updateAuthor`: the author after the change.
    UpdateAuthorPayload, author: Author
);
payload!(
    /// The result of `mergeAuthors`: the author who stays, with the others' names as
    /// variants and their publications.
    MergeAuthorsPayload, author: Author
);
payload!(
    /// The result of `deleteAuthor`: the id the author had.
    DeleteAuthorPayload, deleted_author_id: ID
);
payload!(
    /// The result of `createVenue`: the new venue.
    CreateVenuePayload, venue: Venue
);
payload!(
    /// The result of `updateVenue`: the venue after the change.
    UpdateVenuePayload, venue: Venue
);
payload!(
    /// The result of `deleteVenue`: the id the venue had.
    DeleteVenuePayload, deleted_venue_id: ID
);
payload!(
    /// The result of `createTopic`: the new topic.
    CreateTopicPayload, topic: Topic
);
payload!(
    /// The result of `updateTopic`: the topic after the change.
    UpdateTopicPayload, topic: Topic
);
payload!(
    /// The result of `deleteTopic`: the id the topic had.
    DeleteTopicPayload, deleted_topic_id: ID
);

/// A new author.
#[derive(InputObject, Clone, Debug)]
pub struct CreateAuthorInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The name as the catalogue displays it: 1 to 300 characters, spaces folded.
    pub name: String,
    /// The ORCID iD, such as "0000-0002-1825-0097" (an https://orcid.org/ link works too);
    /// checked with its check digit, and a DUPLICATE if another author has it.
    pub orcid: Option<String>,
    /// The author's institution, as free text.
    pub affiliation: Option<String>,
    /// An absolute http(s) URL of the author's web page.
    pub url: Option<String>,
    /// Other spellings of the name ("T. Le Scao"), which search and author filters match
    /// too.
    pub name_variants: Option<Vec<String>>,
}

/// A change to an author: a field left out stays, a field set to null is cleared (but for
/// `name`). A change that changes nothing writes nothing: the version stays.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateAuthorInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the author to change.
    pub id: ID,
    /// The `version` the change was made against; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// Left out, it stays; it cannot be null.
    pub name: MaybeUndefined<String>,
    /// The ORCID iD, checked with its check digit; null or "" clears it.
    pub orcid: MaybeUndefined<String>,
    /// The author's institution, as free text; null or "" clears it.
    pub affiliation: MaybeUndefined<String>,
    /// An absolute http(s) URL of the author's web page; null or "" clears it.
    pub url: MaybeUndefined<String>,
    /// Replaces the name variants.
    pub name_variants: Option<Vec<String>>,
}

/// Deletes an author; `onReferenced` says what happens to the author lists that name them.
#[derive(InputObject, Clone, Debug)]
pub struct DeleteAuthorInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the author to delete.
    pub id: ID,
    /// What to do while publications list the author: FAIL (the default) or DETACH.
    #[graphql(default)]
    pub on_referenced: OnReferencedInput,
}

/// Duplicates to fold into one author.
#[derive(InputObject, Clone, Debug)]
pub struct MergeAuthorsInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The duplicates; they are deleted.
    pub source_ids: Vec<ID>,
    /// The author who stays, in every source's place on every author list.
    pub target_id: ID,
}

/// A new venue.
#[derive(InputObject, Clone, Debug)]
pub struct CreateVenueInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The full name, such as "ACL 2022 Workshop BigScience": 1 to 300 characters; a
    /// DUPLICATE if another venue has it.
    pub name: String,
    /// A short name for tight layouts, such as "LREC": at most 300 characters.
    pub short_name: Option<String>,
    /// What kind of venue this is.
    pub kind: VenueKind,
    /// The year of the edition (four digits), for venues that are held once a year.
    pub year: Option<i32>,
    /// An absolute http(s) URL of the venue's web page.
    pub url: Option<String>,
}

/// A change to a venue: a field left out stays, a field set to null is cleared (but for
/// `name` and `kind`). A change that changes nothing writes nothing: the version stays.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateVenueInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the venue to change.
    pub id: ID,
    /// The `version` the change was made against; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// Left out, it stays; it cannot be null.
    pub name: MaybeUndefined<String>,
    /// A short name for tight layouts; null or "" clears it.
    pub short_name: MaybeUndefined<String>,
    /// Left out, it stays; it cannot be null.
    pub kind: MaybeUndefined<VenueKind>,
    /// The year of the edition (four digits); null clears it.
    pub year: MaybeUndefined<i32>,
    /// An absolute http(s) URL of the venue's web page; null or "" clears it.
    pub url: MaybeUndefined<String>,
}

/// Deletes a venue; `onReferenced` says what happens to the publications that appeared at it.
#[derive(InputObject, Clone, Debug)]
pub struct DeleteVenueInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the venue to delete.
    pub id: ID,
    /// What to do while publications appeared at the venue: FAIL (the default) or
    /// DETACH.
    #[graphql(default)]
    pub on_referenced: OnReferencedInput,
}

/// A new topic, optionally under a broader one.
#[derive(InputObject, Clone, Debug)]
pub struct CreateTopicInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The topic's name: 1 to 300 characters, unique among topics.
    pub name: String,
    /// What the topic covers, as free text.
    pub description: Option<String>,
    /// The broader topic this one sits under.
    pub parent_id: Option<ID>,
}

/// A change to a topic: a field left out stays, a field set to null is cleared (but for
/// `name`). A change that changes nothing writes nothing: the version stays.
#[derive(InputObject, Clone, Debug)]
pub struct UpdateTopicInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the topic to change.
    pub id: ID,
    /// The `version` the change was made against; a stale one is a CONFLICT.
    pub expected_version: i32,
    /// Left out, it stays; it cannot be null.
    pub name: MaybeUndefined<String>,
    /// What the topic covers, as free text; null or "" clears it.
    pub description: MaybeUndefined<String>,
    /// The global id of the broader topic to move this one under; null makes it a
    /// top-level topic.
    pub parent_id: MaybeUndefined<ID>,
}

/// Deletes a topic; its subtopics move up to its parent.
#[derive(InputObject, Clone, Debug)]
pub struct DeleteTopicInput {
    /// Echoed in the payload, to match answers to requests.
    pub client_mutation_id: Option<String>,
    /// The global id of the topic to delete.
    pub id: ID,
    /// What to do while publications are filed under the topic: FAIL (the default) or
    /// DETACH.
    #[graphql(default)]
    pub on_referenced: OnReferencedInput,
}

fn text(
    problems: &mut Problems,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<Name, ParseError>,
) -> Option<Name> {
    raw.and_then(|raw| problems.parse(path(&[&field]), raw, parse))
}

fn url(problems: &mut Problems, field: &str, raw: Option<&str>) -> Option<String> {
    raw.filter(|r| !r.trim().is_empty())
        .and_then(|raw| problems.parse(path(&[&field]), raw, WebUrl::parse))
        .map(String::from)
}

/// `None` left out, `Some(None)` null or blank, `Some(Some(_))` parsed.
fn patch<T>(
    problems: &mut Problems,
    field: &str,
    value: MaybeUndefined<String>,
    parse: impl FnOnce(&str) -> Result<T, ParseError>,
) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(raw) if raw.trim().is_empty() => Some(None),
        MaybeUndefined::Value(raw) => problems.parse(path(&[&field]), &raw, parse).map(Some),
    }
}

fn free_text(value: MaybeUndefined<String>) -> Option<Option<String>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(raw) => Some(Some(raw.trim().to_owned()).filter(|t| !t.is_empty())),
    }
}

fn year(problems: &mut Problems, year: Option<i32>) -> Option<i32> {
    let year = year?;
    if (1000..=9999).contains(&year) {
        Some(year)
    } else {
        problems.add(
            ProblemCode::Invalid,
            path(&[&"year"]),
            "must be a four-digit year",
        );
        None
    }
}

fn variants(problems: &mut Problems, raw: Option<Vec<String>>) -> Option<Vec<Name>> {
    raw.map(|list| {
        list.iter()
            .enumerate()
            .filter_map(|(i, v)| problems.parse(path(&[&"nameVariants", &i]), v, Name::parse))
            .collect()
    })
}

/// `Ok(value)` when parsing found no problem.

#[derive(Default)]
pub struct CatalogueMutation;

#[Object]
impl CatalogueMutation {
    /// Adds an author. An ORCID iD another author has is a DUPLICATE naming them.
    async fn create_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author to add.")] input: CreateAuthorInput,
    ) -> async_graphql::Result<CreateAuthorPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let name = text(&mut problems, "name", Some(&input.name), Name::parse);
        let orcid = input
            .orcid
            .as_deref()
            .filter(|o| !o.trim().is_empty())
            .and_then(|o| problems.parse(path(&[&"orcid"]), o, Orcid::parse));
        let url = url(&mut problems, "url", input.url.as_deref());
        let name_variants = variants(&mut problems, input.name_variants).unwrap_or_default();
        let affiliation = input
            .affiliation
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        let outcome = run_parsed(ctx, parsed(problems, name), move |txn, name| {
            Box::pin(async move {
                let new = NewAuthor {
                    name,
                    orcid,
                    name_variants,
                };
                author_edit::create_author(txn, &actor, new, affiliation, url).await
            })
        })
        .await?;
        Ok(CreateAuthorPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Author),
        ))
    }

    /// Changes the fields given, if the author is still at `expectedVersion`; otherwise a
    /// CONFLICT, and nothing changes.
    async fn update_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author to change and the fields to change.")]
        input: UpdateAuthorInput,
    ) -> async_graphql::Result<UpdateAuthorPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Author);
        let author_patch = AuthorPatch {
            name: required(&mut problems, "name", input.name)
                .and_then(|name| problems.parse(path(&[&"name"]), &name, Name::parse)),
            orcid: patch(&mut problems, "orcid", input.orcid, Orcid::parse),
            affiliation: free_text(input.affiliation),
            url: patch(&mut problems, "url", input.url, WebUrl::parse).map(|u| u.map(String::from)),
            name_variants: variants(&mut problems, input.name_variants),
        };
        let expected = input.expected_version;
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(async move {
                author_edit::update_author(txn, &actor, id, expected, author_patch).await
            })
        })
        .await?;
        Ok(UpdateAuthorPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Author),
        ))
    }

    /// Deletes an author. While publications list them it is REFERENCED, unless
    /// `onReferenced: DETACH` takes them off those author lists.
    async fn delete_author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author to delete.")] input: DeleteAuthorInput,
    ) -> async_graphql::Result<DeleteAuthorPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Author);
        let on_referenced = input.on_referenced.into();
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(
                async move { author_edit::delete_author(txn, &actor, id, on_referenced).await },
            )
        })
        .await?;
        Ok(DeleteAuthorPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(|row| GlobalId::new(NodeKind::Author, row.id).encode()),
        ))
    }

    /// Folds duplicate authors into one: every publication keeps its author order with the
    /// target in each duplicate's place, and the duplicates' names become name variants.
    async fn merge_authors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The duplicates and the author who stays.")] input: MergeAuthorsInput,
    ) -> async_graphql::Result<MergeAuthorsPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let target = id_of(
            &mut problems,
            path(&[&"targetId"]),
            &input.target_id,
            NodeKind::Author,
        );
        let sources: Vec<i64> = input
            .source_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| {
                id_of(
                    &mut problems,
                    path(&[&"sourceIds", &i]),
                    id,
                    NodeKind::Author,
                )
            })
            .collect();
        let outcome = run_parsed(ctx, parsed(problems, target), move |txn, target| {
            Box::pin(async move { author_edit::merge_authors(txn, &actor, &sources, target).await })
        })
        .await?;
        Ok(MergeAuthorsPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Author),
        ))
    }

    /// Adds a venue. A venue with the same name is a DUPLICATE naming it.
    async fn create_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue to add.")] input: CreateVenueInput,
    ) -> async_graphql::Result<CreateVenuePayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let name = text(&mut problems, "name", Some(&input.name), Name::parse);
        let short_name = text(
            &mut problems,
            "shortName",
            input.short_name.as_deref().filter(|s| !s.trim().is_empty()),
            Name::parse,
        );
        let url = url(&mut problems, "url", input.url.as_deref());
        let year = year(&mut problems, input.year);
        let kind = input.kind.into();
        let outcome = match parsed(problems, name) {
            Err(errors) => Err(errors),
            Ok(name) => {
                let new = NewVenue {
                    name,
                    short_name,
                    kind,
                    year,
                    url,
                };
                in_transaction(ctx, move |txn| {
                    Box::pin(async move { venue_edit::create_venue(txn, &actor, new).await })
                })
                .await?
            }
        };
        Ok(CreateVenuePayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Venue),
        ))
    }

    /// Changes the fields given, if the venue is still at `expectedVersion`; otherwise a
    /// CONFLICT, and nothing changes.
    async fn update_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue to change and the fields to change.")] input: UpdateVenueInput,
    ) -> async_graphql::Result<UpdateVenuePayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Venue);
        let venue_patch = VenuePatch {
            name: required(&mut problems, "name", input.name)
                .and_then(|name| problems.parse(path(&[&"name"]), &name, Name::parse)),
            short_name: patch(&mut problems, "shortName", input.short_name, Name::parse),
            kind: required(&mut problems, "kind", input.kind).map(Into::into),
            year: match input.year {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(value) => year(&mut problems, Some(value)).map(Some),
            },
            url: patch(&mut problems, "url", input.url, WebUrl::parse).map(|u| u.map(String::from)),
        };
        let expected = input.expected_version;
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(async move {
                venue_edit::update_venue(txn, &actor, id, expected, venue_patch).await
            })
        })
        .await?;
        Ok(UpdateVenuePayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Venue),
        ))
    }

    /// Deletes a venue. While publications appeared at it it is REFERENCED, unless
    /// `onReferenced: DETACH` clears their venue.
    async fn delete_venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue to delete.")] input: DeleteVenueInput,
    ) -> async_graphql::Result<DeleteVenuePayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Venue);
        let on_referenced = input.on_referenced.into();
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(async move { venue_edit::delete_venue(txn, &actor, id, on_referenced).await })
        })
        .await?;
        Ok(DeleteVenuePayload::from_outcome(
            input.client_mutation_id,
            outcome.map(|row| GlobalId::new(NodeKind::Venue, row.id).encode()),
        ))
    }

    /// Adds a topic, optionally under a broader one.
    async fn create_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic to add.")] input: CreateTopicInput,
    ) -> async_graphql::Result<CreateTopicPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let name = text(&mut problems, "name", Some(&input.name), Name::parse);
        let parent_id = input
            .parent_id
            .as_ref()
            .and_then(|id| id_of(&mut problems, path(&[&"parentId"]), id, NodeKind::Topic));
        let description = input
            .description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        let outcome = match parsed(problems, name) {
            Err(errors) => Err(errors),
            Ok(name) => {
                let new = NewTopic {
                    name,
                    description,
                    parent_id,
                };
                in_transaction(ctx, move |txn| {
                    Box::pin(async move { venue_edit::create_topic(txn, &actor, new).await })
                })
                .await?
            }
        };
        Ok(CreateTopicPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Topic),
        ))
    }

    /// Changes the fields given, if the topic is still at `expectedVersion` (otherwise a
    /// CONFLICT, and nothing changes); a topic cannot move under itself or its subtopics.
    async fn update_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic to change and the fields to change.")] input: UpdateTopicInput,
    ) -> async_graphql::Result<UpdateTopicPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Topic);
        let topic_patch = TopicPatch {
            name: required(&mut problems, "name", input.name)
                .and_then(|name| problems.parse(path(&[&"name"]), &name, Name::parse)),
            description: free_text(input.description),
            parent_id: match input.parent_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(parent) => id_of(
                    &mut problems,
                    path(&[&"parentId"]),
                    &parent,
                    NodeKind::Topic,
                )
                .map(Some),
            },
        };
        let expected = input.expected_version;
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(async move {
                venue_edit::update_topic(txn, &actor, id, expected, topic_patch).await
            })
        })
        .await?;
        Ok(UpdateTopicPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(Topic),
        ))
    }

    /// Deletes a topic; its subtopics move up to its parent. While publications are filed
    /// under it it is REFERENCED, unless `onReferenced: DETACH` takes it off them.
    async fn delete_topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic to delete.")] input: DeleteTopicInput,
    ) -> async_graphql::Result<DeleteTopicPayload> {
        let actor = actor(ctx)?;
        let mut problems = Problems::default();
        let id = id_of(&mut problems, path(&[&"id"]), &input.id, NodeKind::Topic);
        let on_referenced = input.on_referenced.into();
        let outcome = run_parsed(ctx, parsed(problems, id), move |txn, id| {
            Box::pin(async move { venue_edit::delete_topic(txn, &actor, id, on_referenced).await })
        })
        .await?;
        Ok(DeleteTopicPayload::from_outcome(
            input.client_mutation_id,
            outcome.map(|row| GlobalId::new(NodeKind::Topic, row.id).encode()),
        ))
    }
}
