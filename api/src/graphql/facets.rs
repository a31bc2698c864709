//! `PublicationConnection.facets`: counts for a list's sidebar.

use async_graphql::{Context, Object, SimpleObject};

use super::loaders::{Loaders, TopicById, VenueById};
use super::publication::PublicationKind;
use super::topic::Topic;
use super::venue::{Venue, VenueKind};
use crate::error::{ApiError, ApiResultExt as _};
use crate::index::collect::FacetCounts;
use crate::service::Audience;
use crate::service::facets::{self, Dimension};
use crate::service::listing::PublicationFilter;

/// How many of the list's publications appeared in one year.
#[derive(SimpleObject)]
pub struct YearCount {
    /// The year of publication.
    pub year: i32,
    /// How many publications of the list appeared that year.
    pub count: i64,
}

/// How many of the list's publications are of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// The kind of publication.
    pub kind: PublicationKind,
    /// How many publications of the list are of this kind.
    pub count: i64,
}

/// How many of the list's publications appeared at a venue of one kind.
#[derive(SimpleObject)]
pub struct VenueKindCount {
    /// The kind of venue.
    pub kind: VenueKind,
    /// How many publications of the list appeared at a venue of this kind.
    pub count: i64,
}

/// How many of the list's publications appeared at one venue.
#[derive(SimpleObject)]
pub struct VenueCount {
    /// The venue.
    pub venue: Venue,
    /// How many publications of the list appeared at this venue.
    pub count: i64,
}

/// How many of the list's publications are filed under one topic.
#[derive(SimpleObject)]
pub struct TopicCount {
    /// The topic.
    pub topic: Topic,
    /// How many publications of the list are filed under this topic or its subtopics.
    pub count: i64,
}

/// Counts of the list's publications by year, kind, venue kind, venue and topic. Each is
/// counted under the list's filter with its own dimension left out, so the counts of the
/// other values stay visible while one is selected.
pub struct PublicationFacets {
    pub audience: Audience,
    pub filter: PublicationFilter,
}

impl PublicationFacets {
    /// The counts of `dimension`, by the read index. The dimensions the filter leaves free
    /// are counted together in one pass, which the index keeps for the others to read.
    async fn counts(
        &self,
        ctx: &Context<'_>,
        dimension: Dimension,
    ) -> async_graphql::Result<FacetCounts> {
        let snapshot = super::index_snapshot(ctx).await?;
        let narrowed = facets::without(&self.filter, dimension);
        let dimensions = if narrowed == self.filter {
            facets::unconstrained(&self.filter)
        } else {
            dimension.only()
        };
        snapshot
            .facets(self.audience, &narrowed, dimensions)
            .await
            .gql()
    }
}

fn limit(first: i32) -> Result<usize, ApiError> {
    let size = crate::service::pagination::list_size("first", first, 1..=100)?;
    Ok(usize::try_from(size).unwrap_or(usize::MAX))
}

/// Counts of the list's publications by year, kind, venue kind, venue and topic. Each is
/// counted under the list's filter with its own dimension left out, so the counts of the
/// other values stay visible while one is selected.
#[Object]
impl PublicationFacets {
    /// Newest year first; undated publications are not counted.
    async fn years(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<YearCount>> {
        let counts = self.counts(ctx, Dimension::Year).await?;
        Ok(facets::years(&counts)
            .into_iter()
            .map(|(year, count)| YearCount { year, count })
            .collect())
    }

    /// Most first.
    async fn kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KindCount>> {
        let counts = self.counts(ctx, Dimension::Kind).await?;
        Ok(facets::kinds(&counts)
            .into_iter()
            .map(|(kind, count)| KindCount {
                kind: kind.into(),
                count,
            })
            .collect())
    }

    /// Most first.
    async fn venue_kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<VenueKindCount>> {
        let counts = self.counts(ctx, Dimension::VenueKind).await?;
        Ok(facets::venue_kinds(&counts)
            .into_iter()
            .map(|(kind, count)| VenueKindCount {
                kind: kind.into(),
                count,
            })
            .collect())
    }

    /// The `first` venues with the most publications.
    async fn venues(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many venues to return: 1 to 100, default 20."
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<VenueCount>> {
        let limit = limit(first).gql()?;
        let ids = facets::venues(&self.counts(ctx, Dimension::Venue).await?, limit);
        let venues = ctx
            .data::<Loaders>()?
            .load_many(ids.iter().map(|(id, _)| VenueById(*id)))
            .await
            .gql()?;
        Ok(ids
            .into_iter()
            .filter_map(|(id, count)| {
                Some(VenueCount {
                    venue: Venue(venues.get(&VenueById(id))?.clone()),
                    count,
                })
            })
            .collect())
    }

    /// The `first` topics with the most publications; a topic counts its subtopics' too.
    async fn topics(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            default = 20,
            desc = "How many topics to return: 1 to 100, default 20."
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<TopicCount>> {
        let limit = limit(first).gql()?;
        let ids = facets::topics(&self.counts(ctx, Dimension::Topic).await?, limit);
        let topics = ctx
            .data::<Loaders>()?
            .load_many(ids.iter().map(|(id, _)| TopicById(*id)))
            .await
            .gql()?;
        Ok(ids
            .into_iter()
            .filter_map(|(id, count)| {
                Some(TopicCount {
                    topic: Topic(topics.get(&TopicById(id))?.clone()),
                    count,
                })
            })
            .collect())
    }
}
