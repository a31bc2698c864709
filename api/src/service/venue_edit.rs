//! Changing venues and topics: create, patch, and delete with a choice for what uses them.

use chrono::Utc;
use entity::history::{Action, EntityType};
use entity::{publication, publication_topic, topic, venue};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::author_edit::OnReferenced;
use super::edit::{self, Actor, EditError, ProblemCode};
use super::topic::NewTopic;
use super::venue::NewVenue;
use crate::domain::{Name, Slug};

/// A change to a venue: `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct VenuePatch {
    pub name: Option<Name>,
    pub short_name: Option<Option<Name>>,
    pub kind: Option<venue::Kind>,
    pub year: Option<Option<i32>>,
    pub url: Option<Option<String>>,
}

async fn venue_slug_free(
    conn: &impl ConnectionTrait,
    name: &Name,
    except: Option<i64>,
) -> Result<Slug, EditError> {
    let slug = Slug::from_text(name.as_ref(), "venue");
    let mut select = venue::Entity::find().filter(venue::Column::Slug.eq(slug.as_ref()));
    if let Some(id) = except {
        select = select.filter(venue::Column::Id.ne(id));
    }
    if let Some(existing) = select.one(conn).await? {
        return Err(EditError::one(
            ProblemCode::Duplicate,
            &["input", "name"],
            format!(
                "the venue {:?} (slug {}) has this name already",
                existing.name, existing.slug
            ),
        ));
    }
    Ok(slug)
}

pub async fn create_venue(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    new: NewVenue,
) -> Result<venue::Model, EditError> {
    venue_slug_free(conn, &new.name, None).await?;
    let name = new.name.clone();
    let row = super::venue::insert_new(conn, new)
        .await
        .map_err(|err| EditError::from_write(err, &["input", "name"]))?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::Duplicate,
                &["input", "name"],
                format!("a venue named {name:?} was saved by another change meanwhile"),
            )
        })?;
    edit::record(
        conn,
        actor,
        EntityType::Venue,
        row.id,
        Action::Create,
        &["name", "kind"],
    )
    .await?;
    Ok(row)
}

async fn find_venue(conn: &impl ConnectionTrait, id: i64) -> Result<venue::Model, EditError> {
    venue::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::NotFound,
                &["input", "id"],
                "no venue has this id",
            )
        })
}

/// Applies `patch` to venue `id` if it is still at `expected_version`. A patch that changes
/// nothing writes nothing: no new version, no history.
pub async fn update_venue(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: VenuePatch,
) -> Result<venue::Model, EditError> {
    let before = find_venue(conn, id).await?;
    edit::check_version("venue", Some(expected_version), before.version)?;
    use venue::Column as C;
    let mut changes = edit::Changes::<venue::Entity>::default();
    if let Some(name) = patch.name.filter(|name| name.as_ref() != before.name) {
        let slug = venue_slug_free(conn, &name, Some(id)).await?;
        changes.set("name", C::Name, &before.name, Some(String::from(name)));
        changes.also(C::Slug, String::from(slug));
    }
    changes.set(
        "shortName",
        C::ShortName,
        &before.short_name,
        patch.short_name.map(|short| short.map(String::from)),
    );
    changes.set("kind", C::Kind, &before.kind, patch.kind);
    changes.set("year", C::Year, &before.year, patch.year);
    changes.set("url", C::Url, &before.url, patch.url);
    if changes.is_empty() {
        return Ok(before);
    }
    if !changes.write(conn, id, before.version).await? {
        let now = find_venue(conn, id).await?;
        return Err(edit::stale("venue", before.version, now.version));
    }
    edit::record(
        conn,
        actor,
        EntityType::Venue,
        id,
        Action::Update,
        changes.names(),
    )
    .await?;
    find_venue(conn, id).await
}

pub async fn delete_venue(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    on_referenced: OnReferenced,
) -> Result<venue::Model, EditError> {
    let row = find_venue(conn, id).await?;
    let used_by = publication::Entity::find()
        .filter(publication::Column::VenueId.eq(id))
        .count(conn)
        .await?;
    if used_by > 0 {
        if on_referenced == OnReferenced::Fail {
            return Err(EditError::one(
                ProblemCode::Referenced,
                &["input", "id"],
                format!(
                    "{used_by} publication(s) appeared at this venue; pass onReferenced: DETACH to clear their venue"
                ),
            ));
        }
        let ids: Vec<i64> = publication::Entity::find()
            .filter(publication::Column::VenueId.eq(id))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        publication::Entity::update_many()
            .col_expr(
                publication::Column::VenueId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(
                publication::Column::Version,
                Expr::col(publication::Column::Version).add(1),
            )
            .col_expr(publication::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(publication::Column::VenueId.eq(id))
            .exec(conn)
            .await?;
        for publication_id in ids {
            edit::record(
                conn,
                actor,
                EntityType::Publication,
                publication_id,
                Action::Update,
                &["venue"],
            )
            .await?;
        }
    }
    venue::Entity::delete_by_id(id).exec(conn).await?;
    edit::record(conn, actor, EntityType::Venue, id, Action::Delete, &[]).await?;
    Ok(row)
}

/// A change to a topic: `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct TopicPatch {
    pub name: Option<Name>,
    pub description: Option<Option<String>>,
    pub parent_id: Option<Option<i64>>,
}

async fn find_topic(
    conn: &impl ConnectionTrait,
    id: i64,
    field: &[&str],
) -> Result<topic::Model, EditError> {
    topic::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| EditError::one(ProblemCode::NotFound, field, "no topic has this id"))
}

async fn topic_name_free(
    conn: &impl ConnectionTrait,
    name: &Name,
    except: Option<i64>,
) -> Result<(), EditError> {
    let slug = Slug::from_text(name.as_ref(), "topic");
    let mut select = topic::Entity::find().filter(
        sea_orm::Condition::any()
            .add(topic::Column::Name.eq(name.as_ref()))
            .add(topic::Column::Slug.eq(slug.as_ref())),
    );
    if let Some(id) = except {
        select = select.filter(topic::Column::Id.ne(id));
    }
    match select.one(conn).await? {
        Some(existing) => Err(EditError::one(
            ProblemCode::Duplicate,
            &["input", "name"],
            format!(
                "the topic {:?} (slug {}) has this name already",
                existing.name, existing.slug
            ),
        )),
        None => Ok(()),
    }
}

pub async fn create_topic(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    new: NewTopic,
) -> Result<topic::Model, EditError> {
    topic_name_free(conn, &new.name, None).await?;
    if let Some(parent) = new.parent_id {
        find_topic(conn, parent, &["input", "parentId"]).await?;
    }
    let name = new.name.clone();
    let row = super::topic::insert_new(conn, new)
        .await
        .map_err(|err| EditError::from_write(err, &["input", "name"]))?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::Duplicate,
                &["input", "name"],
                format!("a topic named {name:?} was saved by another change meanwhile"),
            )
        })?;
    edit::record(
        conn,
        actor,
        EntityType::Topic,
        row.id,
        Action::Create,
        &["name"],
    )
    .await?;
    Ok(row)
}

/// Applies `patch` to topic `id` if it is still at `expected_version`. A patch that changes
/// nothing writes nothing: no new version, no history.
pub async fn update_topic(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: TopicPatch,
) -> Result<topic::Model, EditError> {
    let before = find_topic(conn, id, &["input", "id"]).await?;
    edit::check_version("topic", Some(expected_version), before.version)?;
    use topic::Column as C;
    let mut changes = edit::Changes::<topic::Entity>::default();
    if let Some(name) = patch.name.filter(|name| name.as_ref() != before.name) {
        topic_name_free(conn, &name, Some(id)).await?;
        let slug = Slug::from_text(name.as_ref(), "topic");
        changes.set("name", C::Name, &before.name, Some(String::from(name)));
        changes.also(C::Slug, String::from(slug));
    }
    changes.set(
        "description",
        C::Description,
        &before.description,
        patch.description,
    );
    if let Some(parent_id) = patch.parent_id
        && parent_id != before.parent_id
    {
        // Walk up from the new parent: meeting this topic would close a cycle. Under the
        // tree's lock, so that moves racing each other (X under Y, Y under X) are checked
        // one after the other: the later walk sees the earlier move.
        super::lock::exclusive(conn, super::lock::Scope::TopicTree, "").await?;
        let mut ancestor = parent_id;
        let mut steps = 0;
        while let Some(current) = ancestor {
            if current == id {
                return Err(EditError::one(
                    ProblemCode::Invalid,
                    &["input", "parentId"],
                    "a topic cannot sit under itself or one of its subtopics",
                ));
            }
            steps += 1;
            if steps > 1000 {
                break;
            }
            ancestor = find_topic(conn, current, &["input", "parentId"])
                .await?
                .parent_id;
        }
        changes.set("parent", C::ParentId, &before.parent_id, Some(parent_id));
    }
    if changes.is_empty() {
        return Ok(before);
    }
    if !changes.write(conn, id, before.version).await? {
        let now = find_topic(conn, id, &["input", "id"]).await?;
        return Err(edit::stale("topic", before.version, now.version));
    }
    edit::record(
        conn,
        actor,
        EntityType::Topic,
        id,
        Action::Update,
        changes.names(),
    )
    .await?;
    find_topic(conn, id, &["input", "id"]).await
}

/// Deletes a topic; its subtopics move up to its parent.
pub async fn delete_topic(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    on_referenced: OnReferenced,
) -> Result<topic::Model, EditError> {
    let row = find_topic(conn, id, &["input", "id"]).await?;
    let links = publication_topic::Entity::find()
        .filter(publication_topic::Column::TopicId.eq(id))
        .all(conn)
        .await?;
    if !links.is_empty() {
        if on_referenced == OnReferenced::Fail {
            return Err(EditError::one(
                ProblemCode::Referenced,
                &["input", "id"],
                format!(
                    "{} publication(s) are filed under this topic; pass onReferenced: DETACH to take it off them",
                    links.len()
                ),
            ));
        }
        publication_topic::Entity::delete_many()
            .filter(publication_topic::Column::TopicId.eq(id))
            .exec(conn)
            .await?;
        for link in links {
            publication::Entity::update_many()
                .col_expr(
                    publication::Column::Version,
                    Expr::col(publication::Column::Version).add(1),
                )
                .col_expr(publication::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(publication::Column::Id.eq(link.publication_id))
                .exec(conn)
                .await?;
            edit::record(
                conn,
                actor,
                EntityType::Publication,
                link.publication_id,
                Action::Update,
                &["topics"],
            )
            .await?;
        }
    }
    // The subtopics move up: a change to each of them, with a new version and its history.
    let subtopics: Vec<i64> = topic::Entity::find()
        .filter(topic::Column::ParentId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|subtopic| subtopic.id)
        .collect();
    if !subtopics.is_empty() {
        topic::Entity::update_many()
            .col_expr(topic::Column::ParentId, Expr::value(row.parent_id))
            .col_expr(
                topic::Column::Version,
                Expr::col(topic::Column::Version).add(1),
            )
            .col_expr(topic::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(topic::Column::ParentId.eq(id))
            .exec(conn)
            .await?;
        for subtopic in subtopics {
            edit::record(
                conn,
                actor,
                EntityType::Topic,
                subtopic,
                Action::Update,
                &["parent"],
            )
            .await?;
        }
    }
    topic::Entity::delete_by_id(id).exec(conn).await?;
    edit::record(conn, actor, EntityType::Topic, id, Action::Delete, &[]).await?;
    Ok(row)
}
