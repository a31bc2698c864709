//! Venues: where publications appear.

use std::collections::HashMap;

use chrono::Utc;
use entity::venue::{self, Kind};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::{Name, Slug};

/// A venue to create.
#[derive(Debug, Clone)]
pub struct NewVenue {
    pub name: Name,
    pub short_name: Option<Name>,
    pub kind: Kind,
    pub year: Option<i32>,
    pub url: Option<String>,
}

/// The venue with this name's slug, or a new one.
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    new: NewVenue,
) -> Result<venue::Model, DbErr> {
    let slug = Slug::from_text(new.name.as_ref(), "venue");
    if let Some(found) = venue::Entity::find()
        .filter(venue::Column::Slug.eq(slug.as_ref()))
        .one(conn)
        .await?
    {
        return Ok(found);
    }
    let now = Utc::now();
    venue::Entity::insert(venue::ActiveModel {
        slug: Set(slug.into()),
        name: Set(new.name.into()),
        short_name: Set(new.short_name.map(Into::into)),
        kind: Set(new.kind),
        year: Set(new.year),
        url: Set(new.url),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await
}

/// The venues `audience` may see: for anonymous callers, those of at least one published
/// publication (a public submission can name a venue).
pub fn visible(audience: super::Audience) -> sea_orm::Condition {
    use entity::publication::{self, Status};
    use sea_orm::sea_query::Query;
    match audience {
        super::Audience::Editor => sea_orm::Condition::all(),
        super::Audience::Public => sea_orm::Condition::all().add(
            venue::Column::Id.in_subquery(
                Query::select()
                    .column(publication::Column::VenueId)
                    .from(publication::Entity)
                    .and_where(publication::Column::Status.eq(Status::Published))
                    .and_where(publication::Column::VenueId.is_not_null())
                    .to_owned(),
            ),
        ),
    }
}

/// Venues by id, among those `audience` may see.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    ids: &[i64],
) -> Result<HashMap<i64, venue::Model>, DbErr> {
    let rows = venue::Entity::find()
        .filter(visible(audience))
        .filter(venue::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}
