//! `authors`, `venues` and `topics`: lists sorted by name or publication count, with keyset
//! cursors.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object};
use entity::{author, author_name_variant, topic, venue};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, PaginatorTrait, QueryFilter};

use super::author::Author;
use super::filters::{OrderDirection, YearRangeInput};
use super::ids::{GlobalId, NodeKind};
use super::topic::Topic;
use super::venue::{Venue, VenueKind};
use crate::error::ApiResultExt as _;
use crate::service::Audience;
use crate::service::directory::{self, Named, Sort, SortKey, contains};
use crate::service::pagination::PageRequest;

macro_rules! name_order {
    ($(#[$doc:meta])* $input:ident, $field:ident) => {
        /// What the list can be sorted on.
        #[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
        pub enum $field {
            /// By name, alphabetically (ASC) or in reverse (DESC).
            Name,
            /// By `publicationCount`: how many publications the caller can see (anonymous
            /// callers count published ones only), fewest first (ASC) or most first (DESC).
            /// Entries with the same count follow their id in the same direction.
            PublicationCount,
        }

        $(#[$doc])*
        #[derive(InputObject, Clone, Copy, Debug)]
        pub struct $input {
            /// What to sort on.
            pub field: $field,
            /// ASC for A to Z, DESC for Z to A.
            pub direction: OrderDirection,
        }

        impl $input {
            /// The first key asked for (by name, ascending, when none is).
            fn sort(order_by: &Option<Vec<Self>>, audience: Audience) -> Sort {
                let first = order_by.as_ref().and_then(|orders| orders.first());
                Sort {
                    key: match first.map(|order| order.field) {
                        Some($field::PublicationCount) => SortKey::PublicationCount,
                        Some($field::Name) | None => SortKey::Name,
                    },
                    descending: first.is_some_and(|order| order.direction == OrderDirection::Desc),
                    audience,
                }
            }
        }
    };
}

name_order!(
    /// How to sort authors; the id always ends the order.
    AuthorOrder, AuthorOrderField
);
name_order!(
    /// How to sort venues; the id always ends the order.
    VenueOrder, VenueOrderField
);
name_order!(
    /// How to sort topics; the id always ends the order.
    TopicOrder, TopicOrderField
);

/// Which authors to list.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AuthorFilter {
    /// Part of the name or of a name variant, case-insensitive.
    pub search: Option<String>,
    /// Whether the author has an ORCID iD.
    pub has_orcid: Option<bool>,
}

/// Which venues to list.
#[derive(InputObject, Clone, Debug, Default)]
pub struct VenueFilter {
    /// Part of the name or short name, case-insensitive.
    pub search: Option<String>,
    /// Only venues of one of these kinds.
    pub kinds: Option<Vec<VenueKind>>,
    /// Only venues whose edition year falls in this range; venues without a year never match.
    pub year: Option<YearRangeInput>,
}

/// Which topics to list.
#[derive(InputObject, Clone, Debug, Default)]
pub struct TopicFilter {
    /// Part of the name, case-insensitive.
    pub search: Option<String>,
    /// The direct subtopics of this topic.
    pub parent_id: Option<ID>,
    /// Only topics without a parent (true), or only subtopics (false).
    pub top_level: Option<bool>,
}

/// Fields of a list besides its page.
pub struct ListFields {
    condition: Condition,
    /// Counts the rows of the list's own entity under `condition`.
    count: CountRows,
}

type CountRows = for<'a> fn(
    &'a DatabaseConnection,
    Condition,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<u64, sea_orm::DbErr>> + Send + 'a>,
>;

fn count_rows<E>(
    db: &DatabaseConnection,
    condition: Condition,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, sea_orm::DbErr>> + Send + '_>>
where
    E: Named,
    E::Model: Send + Sync,
{
    Box::pin(async move { E::find().filter(condition).count(db).await })
}

#[Object(name = "DirectoryListFields")]
impl ListFields {
    /// How many entries the whole list holds, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let db = ctx.data::<DatabaseConnection>()?;
        (self.count)(db, self.condition.clone()).await.gql()
    }
}

fn tag(kind: &str, sort: Sort, condition_digest: &str) -> String {
    format!(
        "{kind}:{}:{}|{condition_digest}",
        sort.key.name(),
        if sort.descending { "desc" } else { "asc" }
    )
}

fn digest(parts: &impl std::fmt::Debug) -> String {
    use sha2::{Digest as _, Sha256};
    hex::encode(&Sha256::digest(format!("{parts:?}").as_bytes())[..8])
}

async fn list<E, N>(
    ctx: &Context<'_>,
    args: (Option<i32>, Option<String>, Option<i32>, Option<String>),
    condition: Condition,
    sort: Sort,
    list_tag: String,
    wrap: impl Fn(E::Model) -> N,
) -> async_graphql::Result<Connection<String, N, ListFields>>
where
    E: Named,
    E::Model: Send + Sync,
    N: async_graphql::OutputType,
{
    let (first, after, last, before) = args;
    let request =
        PageRequest::parse(first, after.as_deref(), last, before.as_deref(), &list_tag).gql()?;
    let db = ctx.data::<DatabaseConnection>()?;
    let page = directory::page::<E>(db, E::find().filter(condition.clone()), sort, &request)
        .await
        .gql()?;
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ListFields {
            condition,
            count: count_rows::<E>,
        },
    );
    connection.edges = page
        .rows
        .into_iter()
        .map(|row| {
            let cursor = directory::cursor::<E>(&list_tag, sort.key, &row).encode();
            Edge::new(cursor, wrap(row.model))
        })
        .collect();
    Ok(connection)
}

#[derive(Default)]
pub struct DirectoryQuery;

#[Object]
impl DirectoryQuery {
    /// Authors by name (or, with `orderBy`, by publication count), optionally narrowed by
    /// `filter`.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection field takes its pagination, filter and order arguments"
    )]
    async fn authors(
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
        #[graphql(desc = "Which authors to list; all by default.")] filter: Option<AuthorFilter>,
        #[graphql(
            desc = "The sort order; by name, A to Z, by default. Only the first entry counts."
        )]
        order_by: Option<Vec<AuthorOrder>>,
    ) -> async_graphql::Result<Connection<String, Author, ListFields>> {
        let filter = filter.unwrap_or_default();
        let audience = *ctx.data::<Audience>()?;
        let mut condition = Condition::all().add(crate::service::author::visible(audience));
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            condition = condition.add(
                Condition::any()
                    .add(contains(author::Column::Name, search))
                    .add(
                        author::Column::Id.in_subquery(
                            Query::select()
                                .column(author_name_variant::Column::AuthorId)
                                .from(author_name_variant::Entity)
                                .cond_where(contains(author_name_variant::Column::Name, search))
                                .to_owned(),
                        ),
                    ),
            );
        }
        match filter.has_orcid {
            Some(true) => condition = condition.add(author::Column::Orcid.is_not_null()),
            Some(false) => condition = condition.add(author::Column::Orcid.is_null()),
            None => {}
        }
        let sort = AuthorOrder::sort(&order_by, audience);
        let list_tag = tag(
            "authors",
            sort,
            &digest(&(audience, filter.search, filter.has_orcid)),
        );
        list::<author::Entity, _>(
            ctx,
            (first, after, last, before),
            condition,
            sort,
            list_tag,
            Author,
        )
        .await
    }

    /// Venues by name (or, with `orderBy`, by publication count), optionally narrowed by
    /// `filter`.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection field takes its pagination, filter and order arguments"
    )]
    async fn venues(
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
        #[graphql(desc = "Which venues to list; all by default.")] filter: Option<VenueFilter>,
        #[graphql(
            desc = "The sort order; by name, A to Z, by default. Only the first entry counts."
        )]
        order_by: Option<Vec<VenueOrder>>,
    ) -> async_graphql::Result<Connection<String, Venue, ListFields>> {
        let filter = filter.unwrap_or_default();
        let audience = *ctx.data::<Audience>()?;
        let mut condition = Condition::all().add(crate::service::venue::visible(audience));
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            condition = condition.add(
                Condition::any()
                    .add(contains(venue::Column::Name, search))
                    .add(contains(venue::Column::ShortName, search)),
            );
        }
        if let Some(kinds) = &filter.kinds {
            condition = condition.add(
                venue::Column::Kind.is_in(kinds.iter().map(|k| entity::venue::Kind::from(*k))),
            );
        }
        if let Some(year) = filter.year {
            if let Some(gte) = year.from {
                condition = condition.add(venue::Column::Year.gte(gte));
            }
            if let Some(lte) = year.to {
                condition = condition.add(venue::Column::Year.lte(lte));
            }
        }
        let sort = VenueOrder::sort(&order_by, audience);
        let key = (
            audience,
            filter.search,
            filter.kinds,
            filter.year.map(|y| (y.from, y.to)),
        );
        let list_tag = tag("venues", sort, &digest(&key));
        list::<venue::Entity, _>(
            ctx,
            (first, after, last, before),
            condition,
            sort,
            list_tag,
            Venue,
        )
        .await
    }

    /// Topics by name (or, with `orderBy`, by publication count, which includes subtopics'
    /// publications), optionally narrowed by `filter`.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection field takes its pagination, filter and order arguments"
    )]
    async fn topics(
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
        #[graphql(desc = "Which topics to list; all by default.")] filter: Option<TopicFilter>,
        #[graphql(
            desc = "The sort order; by name, A to Z, by default. Only the first entry counts."
        )]
        order_by: Option<Vec<TopicOrder>>,
    ) -> async_graphql::Result<Connection<String, Topic, ListFields>> {
        let filter = filter.unwrap_or_default();
        let audience = *ctx.data::<Audience>()?;
        let mut condition = Condition::all().add(crate::service::topic::visible(audience));
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            condition = condition.add(contains(topic::Column::Name, search));
        }
        if let Some(parent) = &filter.parent_id {
            let parent = GlobalId::decode_as("filter.parentId", parent, NodeKind::Topic).gql()?;
            condition = condition.add(topic::Column::ParentId.eq(parent));
        }
        match filter.top_level {
            Some(true) => condition = condition.add(topic::Column::ParentId.is_null()),
            Some(false) => condition = condition.add(topic::Column::ParentId.is_not_null()),
            None => {}
        }
        let sort = TopicOrder::sort(&order_by, audience);
        let key = (
            audience,
            filter.search,
            filter.parent_id.map(|p| p.0),
            filter.top_level,
        );
        let list_tag = tag("topics", sort, &digest(&key));
        list::<topic::Entity, _>(
            ctx,
            (first, after, last, before),
            condition,
            sort,
            list_tag,
            Topic,
        )
        .await
    }
}
