//! The `Author` type.

use async_graphql::{Context, ID, Object, SimpleObject};
use entity::author;

use super::filters::{PublicationFilterInput, PublicationOrder};
use super::ids::{GlobalId, NodeKind};
use super::loaders::PublicationCountOf;
use super::publication::{ListArgs, PublicationConnection, publication_connection};
use crate::service::publication::Owner;

use super::loaders::{AuthorById, CoauthorsOf, Loaders, NameVariantsOf};
use crate::error::ApiResultExt as _;

/// Someone who wrote publications with an author.
#[derive(SimpleObject)]
pub struct Coauthor {
    /// The other author.
    pub author: Author,
    /// How many publications the two share.
    pub shared_publication_count: i64,
}

/// A person who wrote publications of the catalogue.
#[derive(Clone, Debug)]
pub struct Author(pub author::Model);

/// A person who wrote publications of the catalogue.
#[Object]
impl Author {
    /// The author's opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Author, self.0.id).encode()
    }

    /// A URL-safe identifier made from the name, unique among authors.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The name as the catalogue displays it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Other spellings of the name ("T. Le Scao"), which search and author filters match too.
    async fn name_variants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let variants = ctx
            .data::<Loaders>()?
            .load_one(NameVariantsOf(self.0.id))
            .await
            .gql()?;
        Ok(variants.unwrap_or_default())
    }

    /// The author's ORCID iD, such as "0000-0002-1825-0097".
    async fn orcid(&self) -> Option<&str> {
        self.0.orcid.as_deref()
    }

    /// The author's institution.
    async fn affiliation(&self) -> Option<&str> {
        self.0.affiliation.as_deref()
    }

    /// The author's web page.
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

    /// The publications of this author, filterable and sortable like `Query.publications`.
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
            desc = "Which of the author's publications to list, as `Query.publications` takes it."
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
        publication_connection(ctx, args, Some((Owner::Author, self.0.id))).await
    }

    /// The people this author wrote with, most shared publications first (1 to 100; default 10).
    async fn coauthors(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 10,
            desc = "How many coauthors to return: 1 to 100, default 10."
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<Coauthor>> {
        let limit = crate::service::pagination::list_size("first", first, 1..=100)
            .map(|size| usize::try_from(size).unwrap_or(usize::MAX))
            .gql()?;
        let loaders = ctx.data::<Loaders>()?;
        let pairs = loaders
            .load_one(CoauthorsOf(self.0.id, limit))
            .await
            .gql()?
            .unwrap_or_default();
        let authors = loaders
            .load_many(pairs.iter().map(|(id, _)| AuthorById(*id)))
            .await
            .gql()?;
        Ok(pairs
            .into_iter()
            .filter_map(|(id, shared)| {
                Some(Coauthor {
                    author: Author(authors.get(&AuthorById(id))?.clone()),
                    shared_publication_count: shared,
                })
            })
            .collect())
    }

    /// How many publications list this author.
    async fn publication_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let count = ctx
            .data::<Loaders>()?
            .load_one(PublicationCountOf(Owner::Author, self.0.id))
            .await
            .gql()?;
        Ok(count.unwrap_or_default())
    }
}
