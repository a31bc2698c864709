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
///
/// Two editors entering the same new venue at once both end up with the one venue: the
/// insert yields to a venue another transaction has just saved under the slug, which is
/// then read (a fresh statement sees what committed meanwhile).
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    new: NewVenue,
) -> Result<venue::Model, DbErr> {
    let slug = Slug::from_text(new.name.as_ref(), "venue");
    if let Some(found) = by_slug(conn, &slug).await? {
        return Ok(found);
    }
    match insert_new(conn, new).await? {
        Some(row) => Ok(row),
        None => by_slug(conn, &slug).await?.ok_or_else(|| {
            DbErr::RecordNotFound(format!(
                "the venue {} was saved and deleted while this one was entered",
                slug.as_ref()
            ))
        }),
    }
}

async fn by_slug(conn: &impl ConnectionTrait, slug: &Slug) -> Result<Option<venue::Model>, DbErr> {
    venue::Entity::find()
        .filter(venue::Column::Slug.eq(slug.as_ref()))
        .one(conn)
        .await
}

/// Inserts the venue under its name's slug; `None` when a venue has that slug already
/// (possibly saved by a transaction that committed while this one waited for it).
pub async fn insert_new(
    conn: &impl ConnectionTrait,
    new: NewVenue,
) -> Result<Option<venue::Model>, DbErr> {
    let slug = Slug::from_text(new.name.as_ref(), "venue");
    let now = Utc::now();
    let inserted = venue::Entity::insert(venue::ActiveModel {
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
    .on_conflict_do_nothing_on([venue::Column::Slug])
    .exec_with_returning(conn)
    .await;
    super::inserted(inserted)
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
