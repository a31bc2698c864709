//! `PublicationConnection.facets`: counts for a list's sidebar.

use async_graphql::{Context, Object, SimpleObject};
use sea_orm::{ActiveEnum as _, DatabaseConnection};

use super::loaders::{Loaders, TopicById, VenueById};
use super::publication::PublicationKind;
use super::topic::Topic;
use super::venue::{Venue, VenueKind};
use crate::error::{ApiError, ApiResultExt as _};
use crate::service::Audience;
use crate::service::facets;
use crate::service::listing::PublicationFilter;
use crate::service::revision::FacetCache;

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

/// `compute`d facet rows for `name`, from the cache while the catalogue's revision holds.
/// Rows are kept as (key, count) with the key as text, whatever its type.
async fn cached<F, Fut>(
    ctx: &Context<'_>,
    facets: &PublicationFacets,
    name: &str,
    compute: F,
) -> async_graphql::Result<Vec<(String, i64)>>
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<(String, i64)>, sea_orm::DbErr>>,
{
    let db = ctx.data::<DatabaseConnection>()?.clone();
    let Some(cache) = ctx.data_opt::<std::sync::Arc<FacetCache>>() else {
        return compute(db).await.gql();
    };
    let revision = super::request_revision(ctx).await?;
    let key = format!("{name}|{}", facets.filter.digest());
    if let Some(rows) = cache.get(facets.audience, &key, revision) {
        return Ok(rows);
    }
    let rows = compute(db).await.gql()?;
    cache.put(facets.audience, key, revision, rows.clone());
    Ok(rows)
}

/// `cached` rows of a facet keyed by an entry's id.
async fn cached_ids<F, Fut>(
    ctx: &Context<'_>,
    facets: &PublicationFacets,
    name: &str,
    compute: F,
) -> async_graphql::Result<Vec<(i64, i64)>>
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<(i64, i64)>, sea_orm::DbErr>>,
{
    let rows = cached(ctx, facets, name, |db| async move {
        Ok(compute(db)
            .await?
            .into_iter()
            .map(|(id, count)| (id.to_string(), count))
            .collect())
    })
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, count)| Some((id.parse().ok()?, count)))
        .collect())
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
        let (audience, filter) = (self.audience, self.filter.clone());
        let rows = cached(ctx, self, "years", |db| async move {
            let rows = facets::years(&db, audience, &filter).await?;
            Ok(rows
                .into_iter()
                .map(|(year, count)| (year.to_string(), count))
                .collect())
        })
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(year, count)| {
                Some(YearCount {
                    year: year.parse().ok()?,
                    count,
                })
            })
            .collect())
    }

    /// Most first.
    async fn kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KindCount>> {
        let (audience, filter) = (self.audience, self.filter.clone());
        let rows = cached(ctx, self, "kinds", |db| async move {
            let rows = facets::kinds(&db, audience, &filter).await?;
            Ok(rows
                .into_iter()
                .map(|(kind, count)| (kind.to_value(), count))
                .collect())
        })
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, count)| {
                let kind = entity::publication::Kind::try_from_value(&kind).ok()?;
                Some(KindCount {
                    kind: kind.into(),
                    count,
                })
            })
            .collect())
    }

    /// Most first.
    async fn venue_kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<VenueKindCount>> {
        let (audience, filter) = (self.audience, self.filter.clone());
        let rows = cached(ctx, self, "venueKinds", |db| async move {
            let rows = facets::venue_kinds(&db, audience, &filter).await?;
            Ok(rows
                .into_iter()
                .map(|(kind, count)| (kind.to_value(), count))
                .collect())
        })
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(kind, count)| {
                let kind = entity::venue::Kind::try_from_value(&kind).ok()?;
                Some(VenueKindCount {
                    kind: kind.into(),
                    count,
                })
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
        let (audience, filter) = (self.audience, self.filter.clone());
        let ids = cached_ids(ctx, self, &format!("venues:{limit}"), |db| async move {
            facets::venues(&db, audience, &filter, limit).await
        })
        .await?;
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
        let (audience, filter) = (self.audience, self.filter.clone());
        let ids = cached_ids(ctx, self, &format!("topics:{limit}"), |db| async move {
            facets::topics(&db, audience, &filter, limit).await
        })
        .await?;
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
