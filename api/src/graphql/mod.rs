//! The GraphQL schema: types, queries and the loaders that batch their reads.
//!
//! The transport (`crate::http`) only hands requests to the schema built here, so tests,
//! `export-schema` and the server all see the same schema.

mod author;
mod catalogue_query;
mod directory;
mod facets;
mod filters;
mod ids;
pub mod loaders;
mod mutation;
mod node;
mod nulls;
mod order;
mod publication;
mod scalars;
mod subscription;
mod suggest;
mod topic;
mod venue;
pub mod viewer;

use async_graphql::{MergedObject, Schema};
use sea_orm::DatabaseConnection;

use crate::config::Limits;

pub use ids::{GlobalId, NodeKind};
pub use mutation::may_run;

/// The cost of a connection field: its selection's cost times the page size asked for, so
/// that nested connections multiply (100 x 100 x 100 is refused before any SQL runs).
pub(crate) fn page_cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(crate::service::pagination::DEFAULT_PAGE_SIZE, |n| {
            u64::try_from(n).unwrap_or(0)
        });
    usize::try_from(size)
        .unwrap_or(usize::MAX)
        .max(1)
        .saturating_mul(child_complexity)
        .saturating_add(1)
}

/// The schema type the server executes.
pub type AppSchema = Schema<Query, mutation::Mutation, subscription::Subscription>;

/// Every root query field, one object per domain.
#[derive(MergedObject, Default)]
pub struct Query(
    node::NodeQuery,
    publication::PublicationQuery,
    viewer::ViewerQuery,
    catalogue_query::CatalogueQuery,
    suggest::SuggestQuery,
    directory::DirectoryQuery,
);

/// The connection type of the `authors`, `venues` and `topics` lists.
type DirectoryConnection<N> =
    async_graphql::connection::Connection<String, N, directory::ListFields>;

/// Builds the schema. Each request brings its own database handle (see [`request_data`]).
pub fn build_schema(limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        mutation::Mutation::default(),
        subscription::Subscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_directives(limits.max_directives)
    .extension(nulls::NullPropagation)
    .extension(order::SelectionOrder)
    .extension(mutation::EditorsOnly)
    .data(mutation::SubmissionLimit(limits.submissions_per_hour))
    .register_output_type::<node::Node>()
    // async-graphql's connection types carry no description of their own.
    .override_output_type_description::<publication::PublicationConnection>(
        "A page of publications: `edges` (each with its cursor and, with a search, highlights), \
         `pageInfo` for the next or previous page, the list's `totalCount`, and `facets` for a \
         sidebar.",
    )
    .override_output_type_description::<publication::PublicationAuthorConnection>(
        "A page of a publication's authors in byline order: `edges` (each with its cursor and \
         `position`), `pageInfo` for the next or previous page, and `totalCount`.",
    )
    .override_output_type_description::<DirectoryConnection<author::Author>>(
        "A page of authors: `edges` (each with its cursor), `pageInfo` for the next or \
         previous page, and the list's `totalCount`.",
    )
    .override_output_type_description::<DirectoryConnection<venue::Venue>>(
        "A page of venues: `edges` (each with its cursor), `pageInfo` for the next or \
         previous page, and the list's `totalCount`.",
    )
    .override_output_type_description::<DirectoryConnection<topic::Topic>>(
        "A page of topics: `edges` (each with its cursor), `pageInfo` for the next or \
         previous page, and the list's `totalCount`.",
    );
    if !limits.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The SDL that `schema.graphql` must equal.
pub fn sdl() -> String {
    sdl_of(&build_schema(&Limits::default()))
}

/// The SDL of `schema`, with what introspection serves (`@specifiedBy` included).
pub fn sdl_of(schema: &AppSchema) -> String {
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// The catalogue's revision as this request first read it: counts and facets of one
/// request share one read.
#[derive(Debug, Default)]
pub struct RequestRevision(
    tokio::sync::OnceCell<i64>,
    tokio::sync::OnceCell<crate::index::Snapshot>,
);

/// A view of the instance's read index at the request's revision (read once per request, as
/// is the view), waiting a bounded time for the index to catch up.
pub(crate) async fn index_snapshot(
    ctx: &async_graphql::Context<'_>,
) -> async_graphql::Result<crate::index::Snapshot> {
    use crate::error::ApiResultExt as _;
    let revision = request_revision(ctx).await?;
    let hub = ctx.data::<std::sync::Arc<crate::live::Hub>>()?;
    let Some(memo) = ctx.data_opt::<RequestRevision>() else {
        return hub.index_at(revision).await.gql();
    };
    memo.1
        .get_or_try_init(|| hub.index_at(revision))
        .await
        .cloned()
        .gql()
}

/// The catalogue's revision, read once per request.
pub(crate) async fn request_revision(
    ctx: &async_graphql::Context<'_>,
) -> async_graphql::Result<i64> {
    use crate::error::ApiResultExt as _;
    let db = ctx.data::<DatabaseConnection>()?;
    let Some(memo) = ctx.data_opt::<RequestRevision>() else {
        return crate::service::revision::current(db).await.gql();
    };
    memo.0
        .get_or_try_init(|| crate::service::revision::current(db))
        .await
        .copied()
        .gql()
}

/// What a request carries besides its document: who is calling, its database handle
/// (resolvers reach it as `ctx.data::<DatabaseConnection>()`) and the loaders that batch its
/// reads. Loaders are per request, so one caller never sees another's rows.
pub fn request_data(
    request: async_graphql::Request,
    db: DatabaseConnection,
    caller: viewer::Caller,
) -> async_graphql::Request {
    subscription_data(request, db, caller).data(RequestRevision::default())
}

/// [`request_data`] for a subscription, which lives across revisions: each event reads the
/// revision afresh rather than keeping the one of its start.
pub fn subscription_data(
    request: async_graphql::Request,
    db: DatabaseConnection,
    caller: viewer::Caller,
) -> async_graphql::Request {
    let audience = caller.audience();
    request
        .data(caller)
        .data(audience)
        .data(loaders::for_request(db.clone(), audience))
        .data(db)
}
