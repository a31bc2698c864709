//! Batched reads: one loader serves every relation, one query per key type per tick, so that
//! no resolver runs SQL per parent row.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use entity::{author, publication, topic, venue};
use sea_orm::{DatabaseConnection, DbErr};

use crate::service::publication::{AuthorWindow, PositionedAuthor};
use crate::service::{self, Audience};

/// Reads the catalogue in batches for one request.
#[derive(Debug)]
pub struct CatalogueLoader {
    db: DatabaseConnection,
    audience: Audience,
}

pub type Loaders = DataLoader<CatalogueLoader>;

pub fn for_request(db: DatabaseConnection, audience: Audience) -> Loaders {
    DataLoader::new(CatalogueLoader { db, audience }, tokio::spawn)
}

/// A publication by id, if the caller may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicationById(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorById(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VenueById(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicById(pub i64);
/// The number of authors of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorCountOf(pub i64);
/// The topics of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TopicsOf(pub i64);
/// The direct subtopics of a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub i64);
/// How many publications the caller may see for an author, venue or topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicationCountOf(pub crate::service::publication::Owner, pub i64);
/// An author's co-authors (id, shared publications), at most `.1` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoauthorsOf(pub i64, pub usize);
/// The history of a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicationHistoryOf(pub i64);
/// The other spellings of an author's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NameVariantsOf(pub i64);

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<DbErr>>;

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> i64) -> Vec<i64> {
    keys.iter().map(|key| id(*key)).collect()
}

fn rekey<K, V>(found: HashMap<i64, V>, key: impl Fn(i64) -> K) -> HashMap<K, V>
where
    K: std::hash::Hash + Eq,
{
    found
        .into_iter()
        .map(|(id, value)| (key(id), value))
        .collect()
}

impl Loader<PublicationById> for CatalogueLoader {
    type Value = publication::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[PublicationById]) -> LoadResult<PublicationById, Self::Value> {
        let found =
            service::publication::by_ids(&self.db, self.audience, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, PublicationById))
    }
}

impl Loader<AuthorById> for CatalogueLoader {
    type Value = author::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[AuthorById]) -> LoadResult<AuthorById, Self::Value> {
        let found = service::author::by_ids(&self.db, self.audience, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, AuthorById))
    }
}

impl Loader<VenueById> for CatalogueLoader {
    type Value = venue::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[VenueById]) -> LoadResult<VenueById, Self::Value> {
        let found = service::venue::by_ids(&self.db, self.audience, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, VenueById))
    }
}

impl Loader<TopicById> for CatalogueLoader {
    type Value = topic::Model;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TopicById]) -> LoadResult<TopicById, Self::Value> {
        let found = service::topic::by_ids(&self.db, self.audience, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, TopicById))
    }
}

impl Loader<AuthorWindow> for CatalogueLoader {
    type Value = Vec<PositionedAuthor>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[AuthorWindow]) -> LoadResult<AuthorWindow, Self::Value> {
        Ok(service::publication::author_windows(&self.db, keys).await?)
    }
}

impl Loader<AuthorCountOf> for CatalogueLoader {
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[AuthorCountOf]) -> LoadResult<AuthorCountOf, Self::Value> {
        let found = service::publication::author_counts(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, AuthorCountOf))
    }
}

impl Loader<TopicsOf> for CatalogueLoader {
    type Value = Vec<topic::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TopicsOf]) -> LoadResult<TopicsOf, Self::Value> {
        let found = service::topic::of_publications(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, TopicsOf))
    }
}

impl Loader<ChildrenOf> for CatalogueLoader {
    type Value = Vec<topic::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ChildrenOf]) -> LoadResult<ChildrenOf, Self::Value> {
        let found = service::topic::children(&self.db, self.audience, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, ChildrenOf))
    }
}

impl Loader<NameVariantsOf> for CatalogueLoader {
    type Value = Vec<String>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[NameVariantsOf]) -> LoadResult<NameVariantsOf, Self::Value> {
        let found = service::author::name_variants(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(rekey(found, NameVariantsOf))
    }
}

impl Loader<PublicationHistoryOf> for CatalogueLoader {
    type Value = Vec<entity::history::Model>;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[PublicationHistoryOf],
    ) -> LoadResult<PublicationHistoryOf, Self::Value> {
        let found = service::edit::history_of(
            &self.db,
            entity::history::EntityType::Publication,
            &ids(keys, |k| k.0),
        )
        .await?;
        Ok(rekey(found, PublicationHistoryOf))
    }
}

impl Loader<PublicationCountOf> for CatalogueLoader {
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[PublicationCountOf],
    ) -> LoadResult<PublicationCountOf, Self::Value> {
        let mut found = HashMap::new();
        // Keys of one request are usually of one owner kind: one query per kind.
        let mut owners: Vec<crate::service::publication::Owner> = Vec::new();
        for key in keys {
            if !owners.contains(&key.0) {
                owners.push(key.0);
            }
        }
        for owner in owners {
            let ids: Vec<i64> = keys.iter().filter(|k| k.0 == owner).map(|k| k.1).collect();
            let counts =
                service::publication::counts_by(&self.db, self.audience, owner, &ids).await?;
            found.extend(
                counts
                    .into_iter()
                    .map(|(id, count)| (PublicationCountOf(owner, id), count)),
            );
        }
        Ok(found)
    }
}

impl Loader<CoauthorsOf> for CatalogueLoader {
    type Value = Vec<(i64, i64)>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[CoauthorsOf]) -> LoadResult<CoauthorsOf, Self::Value> {
        let limit = keys.iter().map(|k| k.1).max().unwrap_or(0);
        let found =
            service::author::coauthors(&self.db, self.audience, &ids(keys, |k| k.0), limit).await?;
        Ok(keys
            .iter()
            .map(|key| {
                let mut list = found.get(&key.0).cloned().unwrap_or_default();
                list.truncate(key.1);
                (*key, list)
            })
            .collect())
    }
}
