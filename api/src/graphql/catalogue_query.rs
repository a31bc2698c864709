//! `revision`, and `author`, `venue` and `topic`: one entry by id, slug (or ORCID iD for authors).

use async_graphql::{Context, ID, Object};
use entity::{author, topic, venue};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::author::Author;
use super::ids::{GlobalId, NodeKind};
use super::topic::Topic;
use super::venue::Venue;
use crate::domain::Orcid;
use crate::error::{ApiError, ApiResultExt as _};

#[derive(Default)]
pub struct CatalogueQuery;

/// Exactly one of the ways to name an entry must be given.
fn one_of(given: &[bool], names: &str) -> Result<(), ApiError> {
    if given.iter().filter(|g| **g).count() == 1 {
        Ok(())
    } else {
        Err(ApiError::bad_input(
            "id",
            format!("give exactly one of {names}"),
        ))
    }
}

#[Object]
impl CatalogueQuery {
    /// The catalogue's revision, which every change moves on. Ask for it in the query that
    /// reads a list, then subscribe to `publicationEvents` with it as `sinceRevision`: no
    /// change falls between the two (one may arrive that the list already shows).
    async fn revision(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        super::request_revision(ctx).await
    }

    /// One author by global id, slug or ORCID iD (give exactly one); null when none matches.
    async fn author(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The author's global id.")] id: Option<ID>,
        #[graphql(desc = "The author's slug, as in a page URL.")] slug: Option<String>,
        #[graphql(
            desc = "The author's ORCID iD, such as \"0000-0002-1825-0097\" (an https://orcid.org/ \
                    link works too)."
        )]
        orcid: Option<String>,
    ) -> async_graphql::Result<Option<Author>> {
        one_of(
            &[id.is_some(), slug.is_some(), orcid.is_some()],
            "id, slug and orcid",
        )
        .gql()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let select = match (id, slug, orcid) {
            (Some(id), _, _) => {
                author::Entity::find_by_id(GlobalId::decode_as("id", &id, NodeKind::Author).gql()?)
            }
            (_, Some(slug), _) => {
                author::Entity::find().filter(author::Column::Slug.eq(slug.trim()))
            }
            (_, _, Some(orcid)) => {
                let orcid = Orcid::parse(&orcid)
                    .map_err(|e| ApiError::bad_input("orcid", e.0))
                    .gql()?;
                author::Entity::find().filter(author::Column::Orcid.eq(orcid.as_ref()))
            }
            _ => return Ok(None),
        };
        let audience = *ctx.data::<crate::service::Audience>()?;
        let select = select.filter(crate::service::author::visible(audience));
        Ok(select.one(db).await.gql()?.map(Author))
    }

    /// One venue by global id or slug (give exactly one); null when none matches.
    async fn venue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The venue's global id.")] id: Option<ID>,
        #[graphql(desc = "The venue's slug, as in a page URL.")] slug: Option<String>,
    ) -> async_graphql::Result<Option<Venue>> {
        one_of(&[id.is_some(), slug.is_some()], "id and slug").gql()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let select = match (id, slug) {
            (Some(id), _) => {
                venue::Entity::find_by_id(GlobalId::decode_as("id", &id, NodeKind::Venue).gql()?)
            }
            (_, Some(slug)) => venue::Entity::find().filter(venue::Column::Slug.eq(slug.trim())),
            _ => return Ok(None),
        };
        let audience = *ctx.data::<crate::service::Audience>()?;
        let select = select.filter(crate::service::venue::visible(audience));
        Ok(select.one(db).await.gql()?.map(Venue))
    }

    /// One topic by global id or slug (give exactly one); null when none matches.
    async fn topic(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The topic's global id.")] id: Option<ID>,
        #[graphql(desc = "The topic's slug, as in a page URL.")] slug: Option<String>,
    ) -> async_graphql::Result<Option<Topic>> {
        one_of(&[id.is_some(), slug.is_some()], "id and slug").gql()?;
        let db = ctx.data::<DatabaseConnection>()?;
        let select = match (id, slug) {
            (Some(id), _) => {
                topic::Entity::find_by_id(GlobalId::decode_as("id", &id, NodeKind::Topic).gql()?)
            }
            (_, Some(slug)) => topic::Entity::find().filter(topic::Column::Slug.eq(slug.trim())),
            _ => return Ok(None),
        };
        let audience = *ctx.data::<crate::service::Audience>()?;
        let select = select.filter(crate::service::topic::visible(audience));
        Ok(select.one(db).await.gql()?.map(Topic))
    }
}
