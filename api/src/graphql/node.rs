//! Relay's `Node` interface and the `node`/`nodes` root fields.

use async_graphql::{Context, ID, Interface, Object};

use super::author::Author;
use super::ids::{GlobalId, NodeKind};
use super::loaders::{AuthorById, Loaders, PublicationById, TopicById, VenueById};
use super::publication::Publication;
use super::topic::Topic;
use super::venue::Venue;
use crate::error::{ApiError, ApiResultExt as _};

/// An object with a global id, which `node(id:)` fetches again.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's opaque global id."))]
pub enum Node {
    Publication(Publication),
    Author(Author),
    Venue(Venue),
    Topic(Topic),
}

#[derive(Default)]
pub struct NodeQuery;

/// The largest number of ids `nodes` accepts at once.
const MAX_NODES: usize = 100;

async fn load_node(loaders: &Loaders, id: GlobalId) -> Result<Option<Node>, ApiError> {
    Ok(match id.kind {
        NodeKind::Publication => loaders
            .load_one(PublicationById(id.id))
            .await?
            .map(|row| Node::Publication(Publication(row))),
        NodeKind::Author => loaders
            .load_one(AuthorById(id.id))
            .await?
            .map(|row| Node::Author(Author(row))),
        NodeKind::Venue => loaders
            .load_one(VenueById(id.id))
            .await?
            .map(|row| Node::Venue(Venue(row))),
        NodeKind::Topic => loaders
            .load_one(TopicById(id.id))
            .await?
            .map(|row| Node::Topic(Topic(row))),
    })
}

#[Object]
impl NodeQuery {
    /// Fetches any object by its global id; null when it does not exist or is not visible
    /// to the caller.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The global id of a publication, author, venue or topic, as its `id` field gives \
                    it."
        )]
        id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let id = GlobalId::decode("id", &id).gql()?;
        load_node(ctx.data::<Loaders>()?, id).await.gql()
    }

    /// Fetches up to 100 objects by global id, in the order given; null for each one that does
    /// not exist or is not visible to the caller.
    #[graphql(complexity = "ids.len().max(1).saturating_mul(child_complexity)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Global ids of publications, authors, venues or topics, in any mix: at most 100."
        )]
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input(
                "ids",
                format!("at most {MAX_NODES} ids, got {}", ids.len()),
            ))
            .gql();
        }
        let loaders = ctx.data::<Loaders>()?;
        let ids = ids
            .iter()
            .enumerate()
            .map(|(i, id)| GlobalId::decode(&format!("ids[{i}]"), id))
            .collect::<Result<Vec<_>, _>>()
            .gql()?;
        let of_kind = |kind: NodeKind| ids.iter().filter(move |id| id.kind == kind).map(|id| id.id);
        let publications = loaders
            .load_many(of_kind(NodeKind::Publication).map(PublicationById))
            .await
            .gql()?;
        let authors = loaders
            .load_many(of_kind(NodeKind::Author).map(AuthorById))
            .await
            .gql()?;
        let venues = loaders
            .load_many(of_kind(NodeKind::Venue).map(VenueById))
            .await
            .gql()?;
        let topics = loaders
            .load_many(of_kind(NodeKind::Topic).map(TopicById))
            .await
            .gql()?;
        Ok(ids
            .iter()
            .map(|id| match id.kind {
                NodeKind::Publication => publications
                    .get(&PublicationById(id.id))
                    .cloned()
                    .map(|row| Node::Publication(Publication(row))),
                NodeKind::Author => authors
                    .get(&AuthorById(id.id))
                    .cloned()
                    .map(|row| Node::Author(Author(row))),
                NodeKind::Venue => venues
                    .get(&VenueById(id.id))
                    .cloned()
                    .map(|row| Node::Venue(Venue(row))),
                NodeKind::Topic => topics
                    .get(&TopicById(id.id))
                    .cloned()
                    .map(|row| Node::Topic(Topic(row))),
            })
            .collect())
    }
}
