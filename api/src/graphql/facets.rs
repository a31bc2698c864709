//! `PublicationConnection.facets`: counts for a list's sidebar.

use async_graphql::{Context, Object, SimpleObject};
use sea_orm::DatabaseConnection;

use super::loaders::{Loaders, TopicById, VenueById};
use super::publication::PublicationKind;
use super::topic::Topic;
use super::venue::{Venue, VenueKind};
use crate::error::{ApiError, ApiResultExt as _};
use crate::service::Audience;
use crate::service::facets;
use crate::service::listing::PublicationFilter;

#[derive(SimpleObject)]
pub struct YearCount {
    pub year: i32,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct KindCount {
    pub kind: PublicationKind,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct VenueKindCount {
    pub kind: VenueKind,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct VenueCount {
    pub venue: Venue,
    pub count: i64,
}

#[derive(SimpleObject)]
pub struct TopicCount {
    pub topic: Topic,
    pub count: i64,
}

/// Counts of the list's publications by year, kind, venue kind, venue and topic. Each is
/// counted under the list's filter with its own dimension left out, so the counts of the
/// other values stay visible while one is selected.
pub struct PublicationFacets {
    pub audience: Audience,
    pub filter: PublicationFilter,
}

fn limit(first: i32) -> Result<usize, ApiError> {
    usize::try_from(first)
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| {
            ApiError::bad_input("first", format!("must be between 1 and 100, got {first}"))
        })
}

#[Object]
impl PublicationFacets {
    /// Newest year first; undated publications are not counted.
    async fn years(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<YearCount>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = facets::years(db, self.audience, &self.filter).await.gql()?;
        Ok(rows
            .into_iter()
            .map(|(year, count)| YearCount { year, count })
            .collect())
    }

    /// Most first.
    async fn kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KindCount>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = facets::kinds(db, self.audience, &self.filter).await.gql()?;
        Ok(rows
            .into_iter()
            .map(|(kind, count)| KindCount {
                kind: kind.into(),
                count,
            })
            .collect())
    }

    /// Most first.
    async fn venue_kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<VenueKindCount>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = facets::venue_kinds(db, self.audience, &self.filter)
            .await
            .gql()?;
        Ok(rows
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
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<VenueCount>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = facets::venues(db, self.audience, &self.filter, limit(first).gql()?)
            .await
            .gql()?;
        let venues = ctx
            .data::<Loaders>()?
            .load_many(rows.iter().map(|(id, _)| VenueById(*id)))
            .await
            .gql()?;
        Ok(rows
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
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<TopicCount>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let rows = facets::topics(db, self.audience, &self.filter, limit(first).gql()?)
            .await
            .gql()?;
        let topics = ctx
            .data::<Loaders>()?
            .load_many(rows.iter().map(|(id, _)| TopicById(*id)))
            .await
            .gql()?;
        Ok(rows
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
