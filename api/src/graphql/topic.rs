//! The `Topic` type.

use async_graphql::{Context, ID, Object};
use entity::topic;

use super::filters::{PublicationFilterInput, PublicationOrder};
use super::ids::{GlobalId, NodeKind};
use super::publication::{ListArgs, PublicationConnection, publication_connection};
use crate::service::publication::Owner;

use super::loaders::{ChildrenOf, Loaders, TopicById};
use crate::error::ApiResultExt as _;

/// A subject publications are filed under. Topics form a tree: "LLMs for Biology" sits
/// under "LLMs".
#[derive(Clone, Debug)]
pub struct Topic(pub topic::Model);

/// A subject publications are filed under. Topics form a tree: "LLMs for Biology" sits
/// under "LLMs".
#[Object]
impl Topic {
    /// The topic's opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Topic, self.0.id).encode()
    }

    /// A URL-safe identifier made from the name, unique among topics.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The topic's name, unique among topics.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the topic covers.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The broader topic this one sits under; null for a top-level topic.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Topic>> {
        let Some(parent_id) = self.0.parent_id else {
            return Ok(None);
        };
        let parent = ctx
            .data::<Loaders>()?
            .load_one(TopicById(parent_id))
            .await
            .gql()?;
        Ok(parent.map(Topic))
    }

    /// The topics directly under this one, by name.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Topic>> {
        let children = ctx
            .data::<Loaders>()?
            .load_one(ChildrenOf(self.0.id))
            .await
            .gql()?;
        Ok(children
            .unwrap_or_default()
            .into_iter()
            .map(Topic)
            .collect())
    }

    /// When the entry last changed.
    async fn updated_at(&self) -> super::scalars::Timestamp {
        super::scalars::Timestamp(self.0.updated_at)
    }

    /// Increases by one with every change; updates pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The publications of this topic, filterable and sortable like `Query.publications`. Includes the publications of its subtopics.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection field takes its pagination, filter and order arguments"
    )]
    async fn publications(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many entries to return from the start, after `after`: 0 to 100, default 20."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Return entries after this cursor (an `endCursor` or edge `cursor` of the same \
                    list, same filter and order)."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many entries to return from the end, before `before`: 0 to 100; give \
                    `first` or `last`, not both."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Return entries before this cursor (a `startCursor` or edge `cursor` of the same \
                    list, same filter and order)."
        )]
        before: Option<String>,
        #[graphql(
            desc = "Which of the topic's publications to list, as `Query.publications` takes it."
        )]
        filter: Option<PublicationFilterInput>,
        #[graphql(
            desc = "Sort keys, in order; the id always ends the order. Default: newest first \
                    (undated last), or by relevance when `filter.search` is given."
        )]
        order_by: Option<Vec<PublicationOrder>>,
    ) -> async_graphql::Result<PublicationConnection> {
        let args = ListArgs {
            first,
            after,
            last,
            before,
            filter,
            order_by,
        };
        publication_connection(ctx, args, Some((Owner::Topic, self.0.id))).await
    }

    /// How many publications are filed under this topic or its subtopics.
    async fn publication_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        // The read index files each publication under its topics' ancestors too: one count.
        let audience = *ctx.data::<crate::service::Audience>()?;
        let snapshot = super::index_snapshot(ctx).await?;
        let count = snapshot
            .count(
                audience,
                &super::publication::scope(Owner::Topic, self.0.id),
            )
            .await
            .gql()?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}
