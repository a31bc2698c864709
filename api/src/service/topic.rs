//! Topics and their tree.

use std::collections::HashMap;

use chrono::Utc;
use entity::{publication_topic, topic};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect, RelationTrait,
};

use crate::domain::{Name, Slug};

/// A topic to create.
#[derive(Debug, Clone)]
pub struct NewTopic {
    pub name: Name,
    pub description: Option<String>,
    pub parent_id: Option<i64>,
}

/// The topic with this name, or a new one.
///
/// Two editors filing under the same new topic at once both end up with the one topic: the
/// insert yields to a topic another transaction has just saved under the name, which is then
/// read (a fresh statement sees what committed meanwhile).
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    new: NewTopic,
) -> Result<topic::Model, DbErr> {
    let name = new.name.clone();
    if let Some(found) = by_name(conn, &name).await? {
        return Ok(found);
    }
    match insert_new(conn, new).await? {
        Some(row) => Ok(row),
        None => by_name(conn, &name).await?.ok_or_else(|| {
            DbErr::RecordNotFound(format!(
                "the topic {name:?} was saved and deleted while this one was entered"
            ))
        }),
    }
}

async fn by_name(conn: &impl ConnectionTrait, name: &Name) -> Result<Option<topic::Model>, DbErr> {
    topic::Entity::find()
        .filter(topic::Column::Name.eq(name.as_ref()))
        .one(conn)
        .await
}

/// Inserts the topic; `None` when a topic has this name already (possibly saved by a
/// transaction that committed while this one waited for it). A different name with the same
/// slug is still a unique violation.
pub async fn insert_new(
    conn: &impl ConnectionTrait,
    new: NewTopic,
) -> Result<Option<topic::Model>, DbErr> {
    let now = Utc::now();
    let inserted = topic::Entity::insert(topic::ActiveModel {
        slug: Set(Slug::from_text(new.name.as_ref(), "topic").into()),
        name: Set(new.name.into()),
        description: Set(new.description),
        parent_id: Set(new.parent_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([topic::Column::Name])
    .exec_with_returning(conn)
    .await;
    super::inserted(inserted)
}

/// The topics `audience` may see: for anonymous callers, those of at least one published
/// publication and every topic above one of those, so that the tree a visitor walks stays
/// connected (a broad topic whose publications all sit in its subtopics is shown). A topic
/// used only by drafts (a public submission, an editor's work in progress) or archived
/// entries stays hidden, as its authors and venue do.
pub fn visible(audience: super::Audience) -> sea_orm::Condition {
    use sea_orm::sea_query::Expr;
    match audience {
        super::Audience::Editor => sea_orm::Condition::all(),
        super::Audience::Public => sea_orm::Condition::all().add(Expr::cust(PUBLIC_TOPICS)),
    }
}

/// The published publications' topics and, walking up, their ancestors (UNION, not UNION
/// ALL, so that even a corrupt tree with a cycle ends).
const PUBLIC_TOPICS: &str = "\"topic\".\"id\" IN (WITH RECURSIVE shown(id) AS (\
     SELECT pt.topic_id FROM publication_topic pt \
     JOIN publication p ON p.id = pt.publication_id WHERE p.status = 'published' \
     UNION SELECT t.parent_id FROM topic t JOIN shown ON t.id = shown.id \
     WHERE t.parent_id IS NOT NULL) SELECT id FROM shown)";

/// Topics by id, among those `audience` may see.
///
/// For anonymous callers the rule is [`visible`]'s, worked out for these topics alone: each
/// topic of their subtrees is checked for one published publication (an index probe that
/// stops at the first), rather than listing every published publication's topics, which
/// reads every link of the catalogue (85 ms at 100,000 publications, on every card's topics).
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    ids: &[i64],
) -> Result<HashMap<i64, topic::Model>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
    if audience == super::Audience::Editor {
        let rows = topic::Entity::find()
            .filter(topic::Column::Id.is_in(ids.iter().copied()))
            .all(conn)
            .await?;
        return Ok(rows.into_iter().map(|row| (row.id, row)).collect());
    }
    // The whole (small) table: the rows asked for and the tree below them, in one read.
    let all = topic::Entity::find().all(conn).await?;
    let tree = super::listing::TopicTree::of(&all);
    let rows: Vec<topic::Model> = all
        .into_iter()
        .filter(|row| ids.contains(&row.id))
        .collect();
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let subtrees: Vec<(i64, Vec<i64>)> = rows
        .iter()
        .map(|row| (row.id, tree.subtree(row.id)))
        .collect();
    let mut candidates: Vec<i64> = subtrees
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    let published_link = Query::select()
        .expr(Expr::val(1))
        .from(entity::publication_topic::Entity)
        .inner_join(
            entity::publication::Entity,
            Expr::col((entity::publication::Entity, entity::publication::Column::Id)).equals((
                entity::publication_topic::Entity,
                entity::publication_topic::Column::PublicationId,
            )),
        )
        .and_where(
            Expr::col((
                entity::publication_topic::Entity,
                entity::publication_topic::Column::TopicId,
            ))
            .equals((topic::Entity, topic::Column::Id)),
        )
        .and_where(
            Expr::col((
                entity::publication::Entity,
                entity::publication::Column::Status,
            ))
            .eq(sea_orm::sea_query::SimpleExpr::from(
                entity::publication::Status::Published,
            )),
        )
        .to_owned();
    let used: std::collections::HashSet<i64> = topic::Entity::find()
        .select_only()
        .column(topic::Column::Id)
        .filter(topic::Column::Id.is_in(candidates))
        .filter(Expr::exists(published_link))
        .into_tuple::<i64>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let shown: std::collections::HashSet<i64> = subtrees
        .into_iter()
        .filter(|(_, below)| below.iter().any(|id| used.contains(id)))
        .map(|(id, _)| id)
        .collect();
    Ok(rows
        .into_iter()
        .filter(|row| shown.contains(&row.id))
        .map(|row| (row.id, row))
        .collect())
}

/// The direct subtopics of each topic that `audience` may see, by name.
pub async fn children(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    parent_ids: &[i64],
) -> Result<HashMap<i64, Vec<topic::Model>>, DbErr> {
    let rows = topic::Entity::find()
        .filter(visible(audience))
        .filter(topic::Column::ParentId.is_in(parent_ids.iter().copied()))
        .order_by_asc(topic::Column::Name)
        .all(conn)
        .await?;
    let mut children: HashMap<i64, Vec<topic::Model>> =
        parent_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        if let Some(parent) = row.parent_id {
            children.entry(parent).or_default().push(row);
        }
    }
    Ok(children)
}

/// The topics of each publication, by name.
pub async fn of_publications(
    conn: &impl ConnectionTrait,
    publication_ids: &[i64],
) -> Result<HashMap<i64, Vec<topic::Model>>, DbErr> {
    let rows = topic::Entity::find()
        .select_also(publication_topic::Entity)
        .join(JoinType::InnerJoin, topic::Relation::PublicationTopic.def())
        .filter(publication_topic::Column::PublicationId.is_in(publication_ids.iter().copied()))
        .order_by_asc(topic::Column::Name)
        .all(conn)
        .await?;
    let mut topics: HashMap<i64, Vec<topic::Model>> =
        publication_ids.iter().map(|id| (*id, Vec::new())).collect();
    for (topic, link) in rows {
        if let Some(link) = link {
            topics.entry(link.publication_id).or_default().push(topic);
        }
    }
    Ok(topics)
}
