//! Publications: creating them with their ordered authors and topics, and reading them in
//! keyset-paginated pages.

use std::collections::HashMap;

use chrono::Utc;
use entity::publication::{self, DatePrecision, Kind, Status};
use entity::{author, publication_author, publication_topic};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};

use super::Audience;
use crate::domain::{ArxivId, Doi, PartialDate, Slug, Title};

/// A publication to create, built only from parsed values.
#[derive(Debug, Clone)]
pub struct NewPublication {
    pub title: Title,
    pub slug: Slug,
    pub r#abstract: Option<String>,
    pub kind: Kind,
    pub status: Status,
    pub published: Option<PartialDate>,
    pub venue_id: Option<i64>,
    pub doi: Option<Doi>,
    pub arxiv_id: Option<ArxivId>,
    pub url: Option<String>,
    pub pdf_url: Option<String>,
    /// Authors in order; each appears once.
    pub author_ids: Vec<i64>,
    pub topic_ids: Vec<i64>,
}

/// Inserts a publication with its authors (positions 1..n) and topics.
pub async fn create(
    conn: &impl ConnectionTrait,
    new: NewPublication,
) -> Result<publication::Model, DbErr> {
    let now = Utc::now();
    let inserted = publication::Entity::insert(publication::ActiveModel {
        slug: Set(new.slug.into()),
        title: Set(new.title.into()),
        r#abstract: Set(new.r#abstract),
        kind: Set(new.kind),
        status: Set(new.status),
        published_on: Set(new.published.map(|p| p.date)),
        published_on_precision: Set(new.published.map(|p| p.precision)),
        venue_id: Set(new.venue_id),
        doi: Set(new.doi.map(Into::into)),
        arxiv_id: Set(new.arxiv_id.map(Into::into)),
        url: Set(new.url),
        pdf_url: Set(new.pdf_url),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;

    if !new.author_ids.is_empty() {
        let links = new.author_ids.iter().zip(1..).map(|(author_id, position)| {
            publication_author::ActiveModel {
                publication_id: Set(inserted.id),
                author_id: Set(*author_id),
                position: Set(position),
            }
        });
        publication_author::Entity::insert_many(links)
            .exec(conn)
            .await?;
    }
    if !new.topic_ids.is_empty() {
        let links = new
            .topic_ids
            .iter()
            .map(|topic_id| publication_topic::ActiveModel {
                publication_id: Set(inserted.id),
                topic_id: Set(*topic_id),
            });
        publication_topic::Entity::insert_many(links)
            .exec(conn)
            .await?;
    }
    Ok(inserted)
}

fn visible(audience: Audience) -> Condition {
    match audience {
        Audience::Public => Condition::all().add(publication::Column::Status.eq(Status::Published)),
        Audience::Editor => Condition::all(),
    }
}

/// A slug made from `title` that no publication has yet.
pub async fn free_slug_for(conn: &impl ConnectionTrait, title: &Title) -> Result<Slug, DbErr> {
    let base = Slug::from_text(title.as_ref(), "publication");
    let taken =
        super::slugs_like::<publication::Entity, _>(conn, publication::Column::Slug, &base).await?;
    Ok(super::first_free_slug(base, &taken))
}

pub async fn slug_taken(conn: &impl ConnectionTrait, slug: String) -> Result<bool, DbErr> {
    let count = publication::Entity::find()
        .filter(publication::Column::Slug.eq(slug))
        .count(conn)
        .await?;
    Ok(count > 0)
}

/// A way to name one publication besides its id.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Slug(&'a str),
    /// Stored lower-cased without a resolver prefix, as [`Doi`] makes it, so equality on the
    /// parsed value is a case-insensitive match (and uses the column's unique index).
    Doi(&'a Doi),
    ArxivId(&'a ArxivId),
}

/// The publication `lookup` names, if `audience` may see it.
pub async fn find(
    conn: &impl ConnectionTrait,
    audience: Audience,
    lookup: Lookup<'_>,
) -> Result<Option<publication::Model>, DbErr> {
    let condition = match lookup {
        Lookup::Slug(slug) => publication::Column::Slug.eq(slug),
        Lookup::Doi(doi) => publication::Column::Doi.eq(doi.as_ref()),
        Lookup::ArxivId(id) => publication::Column::ArxivId.eq(id.as_ref()),
    };
    publication::Entity::find()
        .filter(visible(audience))
        .filter(condition)
        .one(conn)
        .await
}

/// The publications among `ids` that `audience` may see, by id.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    audience: Audience,
    ids: &[i64],
) -> Result<HashMap<i64, publication::Model>, DbErr> {
    let rows = publication::Entity::find()
        .filter(visible(audience))
        .filter(publication::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// A window of a publication's author list, for `Publication.authors`: the authors at
/// positions `after + 1` to `after + first`, or (`from_end`) the last `first` authors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthorWindow {
    pub publication_id: i64,
    pub after: i32,
    pub first: i32,
    /// The last `first` authors, whatever `after` says: the page `last: n` reads without a
    /// cursor, which needs each publication's author count, computed in the same statement.
    pub from_end: bool,
}

/// An author at a position of a publication's author list.
#[derive(Debug, Clone)]
pub struct PositionedAuthor {
    pub position: i32,
    pub author: author::Model,
}

/// The authors of each window, in order. Windows of one shape (`after`, `first`,
/// `from_end`: the usual case, one list page asking the same of every publication) are read
/// in one query, which relies on positions running 1..n without gaps.
pub async fn author_windows(
    conn: &impl ConnectionTrait,
    windows: &[AuthorWindow],
) -> Result<HashMap<AuthorWindow, Vec<PositionedAuthor>>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait as _};
    let mut shapes: HashMap<(i32, i32, bool), Vec<i64>> = HashMap::new();
    for window in windows {
        shapes
            .entry((window.after, window.first, window.from_end))
            .or_default()
            .push(window.publication_id);
    }
    let mut found: HashMap<AuthorWindow, Vec<PositionedAuthor>> =
        windows.iter().map(|window| (*window, Vec::new())).collect();
    for ((after, first, from_end), publication_ids) in shapes {
        let range = if from_end {
            // `first` is a validated page size (0 to 100), an integer written into the SQL.
            let tail = Expr::cust(format!(
                r#"(SELECT COUNT(*) FROM publication_author tail WHERE tail.publication_id = "publication_author"."publication_id") - {first}"#
            ));
            sea_orm::Condition::all().add(
                Expr::col((
                    publication_author::Entity,
                    publication_author::Column::Position,
                ))
                .gt(tail),
            )
        } else {
            sea_orm::Condition::all()
                .add(publication_author::Column::Position.gt(after))
                .add(publication_author::Column::Position.lte(after.saturating_add(first)))
        };
        let rows = author::Entity::find()
            .select_also(publication_author::Entity)
            .join(
                JoinType::InnerJoin,
                author::Relation::PublicationAuthor.def(),
            )
            .filter(publication_author::Column::PublicationId.is_in(publication_ids))
            .filter(range)
            .order_by_asc(publication_author::Column::PublicationId)
            .order_by_asc(publication_author::Column::Position)
            .all(conn)
            .await?;
        for (author, link) in rows {
            let Some(link) = link else { continue };
            let key = AuthorWindow {
                publication_id: link.publication_id,
                after,
                first,
                from_end,
            };
            if let Some(list) = found.get_mut(&key) {
                list.push(PositionedAuthor {
                    position: link.position,
                    author,
                });
            }
        }
    }
    Ok(found)
}

#[derive(Debug, FromQueryResult)]
struct CountRow {
    id: i64,
    count: i64,
}

/// The number of authors of each publication.
pub async fn author_counts(
    conn: &impl ConnectionTrait,
    publication_ids: &[i64],
) -> Result<HashMap<i64, i64>, DbErr> {
    let rows = publication_author::Entity::find()
        .select_only()
        .column_as(publication_author::Column::PublicationId, "id")
        .column_as(publication_author::Column::AuthorId.count(), "count")
        .filter(publication_author::Column::PublicationId.is_in(publication_ids.iter().copied()))
        .group_by(publication_author::Column::PublicationId)
        .into_model::<CountRow>()
        .all(conn)
        .await?;
    let mut counts: HashMap<i64, i64> = publication_ids.iter().map(|id| (*id, 0)).collect();
    counts.extend(rows.into_iter().map(|row| (row.id, row.count)));
    Ok(counts)
}

/// The display form of a publication's date ("April 2022").
pub fn display_date(row: &publication::Model) -> Option<String> {
    let date = row.published_on?;
    Some(PartialDate::display(
        date,
        row.published_on_precision.unwrap_or(DatePrecision::Day),
    ))
}

/// What publications are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Author,
    Venue,
    /// A topic counts the publications of its subtopics too.
    Topic,
}

/// How many publications `audience` may see for each author, venue or topic in `ids`.
pub async fn counts_by(
    conn: &impl ConnectionTrait,
    audience: Audience,
    owner: Owner,
    ids: &[i64],
) -> Result<HashMap<i64, i64>, DbErr> {
    let mut counts: HashMap<i64, i64> = ids.iter().map(|id| (*id, 0)).collect();
    let rows: Vec<CountRow> = match owner {
        Owner::Author => {
            publication_author::Entity::find()
                .select_only()
                .column_as(publication_author::Column::AuthorId, "id")
                .column_as(publication_author::Column::PublicationId.count(), "count")
                .join(
                    JoinType::InnerJoin,
                    publication_author::Relation::Publication.def(),
                )
                .filter(visible(audience))
                .filter(publication_author::Column::AuthorId.is_in(ids.iter().copied()))
                .group_by(publication_author::Column::AuthorId)
                .into_model()
                .all(conn)
                .await?
        }
        Owner::Venue => {
            publication::Entity::find()
                .select_only()
                .column_as(publication::Column::VenueId, "id")
                .column_as(publication::Column::Id.count(), "count")
                .filter(visible(audience))
                .filter(publication::Column::VenueId.is_in(ids.iter().copied()))
                .group_by(publication::Column::VenueId)
                .into_model()
                .all(conn)
                .await?
        }
        // A topic's count includes its subtopics': the read index answers it.
        Owner::Topic => return Err(DbErr::Custom("topics are counted by the read index".into())),
    };
    counts.extend(rows.into_iter().map(|row| (row.id, row.count)));
    Ok(counts)
}
