//! The `Venue` type.

use async_graphql::{Context, Enum, ID, Object};
use entity::venue;

use super::filters::{PublicationFilterInput, PublicationOrder};
use super::ids::{GlobalId, NodeKind};
use super::loaders::{Loaders, PublicationCountOf};
use super::publication::{ListArgs, PublicationConnection, publication_connection};
use crate::error::ApiResultExt as _;
use crate::service::publication::Owner;

/// What kind of venue a publication appeared at.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::venue::Kind")]
pub enum VenueKind {
    /// A conference's main proceedings.
    Conference,
    /// A workshop, usually held with a conference.
    Workshop,
    /// A journal.
    Journal,
    /// A preprint server such as arXiv or bioRxiv.
    PreprintServer,
    /// A series of technical reports.
    ReportSeries,
    /// Anything else.
    Other,
}

/// Where publications appear: a conference, a workshop, a journal, a preprint server or a
/// report series.
#[derive(Clone, Debug)]
pub struct Venue(pub venue::Model);

/// Where publications appear: a conference, a workshop, a journal, a preprint server or a
/// report series.
#[Object]
impl Venue {
    /// The venue's opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Venue, self.0.id).encode()
    }

    /// A URL-safe identifier made from the name, unique among venues.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The full name, such as "ACL 2022 Workshop BigScience".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A short name for tight layouts, such as "LREC".
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }

    /// What kind of venue this is, such as CONFERENCE or JOURNAL.
    async fn kind(&self) -> VenueKind {
        self.0.kind.into()
    }

    /// The year of the edition, for venues that are held once a year.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The venue's web page.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// When the entry last changed.
    async fn updated_at(&self) -> super::scalars::Timestamp {
        super::scalars::Timestamp(self.0.updated_at)
    }

    /// Increases by one with every change; updates pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The publications of this venue, filterable and sortable like `Query.publications`.
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
            desc = "Which of the venue's publications to list, as `Query.publications` takes it."
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
        publication_connection(ctx, args, Some((Owner::Venue, self.0.id))).await
    }

    /// How many publications appeared at this venue.
    async fn publication_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let count = ctx
            .data::<Loaders>()?
            .load_one(PublicationCountOf(Owner::Venue, self.0.id))
            .await
            .gql()?;
        Ok(count.unwrap_or_default())
    }
}
