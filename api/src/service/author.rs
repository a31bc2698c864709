//! Authors and the spellings of their names.

use std::collections::HashMap;

use chrono::Utc;
use entity::{author, author_name_variant};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

use crate::domain::{Name, Orcid, Slug};

/// An author to create.
#[derive(Debug, Clone)]
pub struct NewAuthor {
    pub name: Name,
    pub orcid: Option<Orcid>,
    pub name_variants: Vec<Name>,
}

/// Creates an author (a free slug is derived from the name).
pub async fn create(conn: &impl ConnectionTrait, new: NewAuthor) -> Result<author::Model, DbErr> {
    let row = insert_with_free_slug(conn, &new).await?;
    add_variants(conn, &row, &new.name_variants).await?;
    Ok(row)
}

/// How often an insert looks for the next free slug after another transaction took the one
/// it chose; past that the last insert fails as a unique violation (DUPLICATE).
const SLUG_ATTEMPTS: usize = 4;

/// Inserts the author under the first free slug made from the name. Another transaction may
/// save the same slug between the look-up and the insert (two editors entering "Ada Example"
/// at once): the insert then yields and the next free slug is tried, as it would have been
/// had the two come one after the other.
async fn insert_with_free_slug(
    conn: &impl ConnectionTrait,
    new: &NewAuthor,
) -> Result<author::Model, DbErr> {
    for _ in 1..SLUG_ATTEMPTS {
        if let Some(row) = try_insert(conn, new).await? {
            return Ok(row);
        }
    }
    let (slug, row) = row_for(conn, new).await?;
    tracing::debug!(slug, "no free author slug after several attempts");
    author::Entity::insert(row).exec_with_returning(conn).await
}

/// Inserts the author under the first free slug; `None` when that slug was taken meanwhile.
async fn try_insert(
    conn: &impl ConnectionTrait,
    new: &NewAuthor,
) -> Result<Option<author::Model>, DbErr> {
    let (_, row) = row_for(conn, new).await?;
    let inserted = author::Entity::insert(row)
        .on_conflict_do_nothing_on([author::Column::Slug])
        .exec_with_returning(conn)
        .await;
    super::inserted(inserted)
}

async fn row_for(
    conn: &impl ConnectionTrait,
    new: &NewAuthor,
) -> Result<(String, author::ActiveModel), DbErr> {
    let base = Slug::from_text(new.name.as_ref(), "author");
    let taken = super::slugs_like::<author::Entity, _>(conn, author::Column::Slug, &base).await?;
    let slug: String = super::first_free_slug(base, &taken).into();
    let now = Utc::now();
    let row = author::ActiveModel {
        slug: Set(slug.clone()),
        name: Set(new.name.clone().into()),
        orcid: Set(new.orcid.clone().map(Into::into)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok((slug, row))
}

/// The author with this ORCID iD, or else the one whose name or a name variant matches, or
/// a new author. Missing name variants are added to a matched author.
///
/// When another transaction saves an author of the same name between the look-up and the
/// insert, that author is matched, as it would have been a moment later.
pub async fn find_or_create(
    conn: &impl ConnectionTrait,
    new: NewAuthor,
) -> Result<author::Model, DbErr> {
    let found = match find_existing(conn, &new).await? {
        Some(found) => found,
        None => match try_insert(conn, &new).await? {
            Some(row) => row,
            None => match find_existing(conn, &new).await? {
                Some(found) => found,
                None => insert_with_free_slug(conn, &new).await?,
            },
        },
    };
    add_variants(conn, &found, &new.name_variants).await?;
    Ok(found)
}

async fn find_existing(
    conn: &impl ConnectionTrait,
    new: &NewAuthor,
) -> Result<Option<author::Model>, DbErr> {
    if let Some(orcid) = &new.orcid
        && let Some(found) = author::Entity::find()
            .filter(author::Column::Orcid.eq(orcid.as_ref()))
            .one(conn)
            .await?
    {
        return Ok(Some(found));
    }
    find_by_any_name(conn, new.name.as_ref()).await
}

async fn find_by_any_name(
    conn: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<author::Model>, DbErr> {
    if let Some(found) = author::Entity::find()
        .filter(author::Column::Name.eq(name))
        .order_by_asc(author::Column::Id)
        .one(conn)
        .await?
    {
        return Ok(Some(found));
    }
    let variant = author_name_variant::Entity::find()
        .filter(author_name_variant::Column::Name.eq(name))
        .order_by_asc(author_name_variant::Column::AuthorId)
        .one(conn)
        .await?;
    match variant {
        Some(variant) => {
            author::Entity::find_by_id(variant.author_id)
                .one(conn)
                .await
        }
        None => Ok(None),
    }
}

async fn add_variants(
    conn: &impl ConnectionTrait,
    author: &author::Model,
    variants: &[Name],
) -> Result<(), DbErr> {
    let known: Vec<String> = author_name_variant::Entity::find()
        .filter(author_name_variant::Column::AuthorId.eq(author.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|variant| variant.name)
        .collect();
    let mut fresh: Vec<&str> = variants
        .iter()
        .map(AsRef::as_ref)
        .filter(|name| *name != author.name && !known.iter().any(|k| k == name))
        .collect();
    fresh.dedup();
    if fresh.is_empty() {
        return Ok(());
    }
    author_name_variant::Entity::insert_many(fresh.into_iter().map(|name| {
        author_name_variant::ActiveModel {
            author_id: Set(author.id),
            name: Set(name.to_owned()),
            ..Default::default()
        }
    }))
    .exec(conn)
    .await?;
    Ok(())
}

/// The ids of the authors with these names (or name variants), creating the ones not
/// found, in the order given and each once: a byline from plain names.
pub async fn ids_by_name(conn: &impl ConnectionTrait, names: Vec<Name>) -> Result<Vec<i64>, DbErr> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let new = NewAuthor {
            name,
            orcid: None,
            name_variants: Vec::new(),
        };
        let id = find_or_create(conn, new).await?.id;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The authors `audience` may see: for anonymous callers, those on at least one published
/// publication, so that names that arrived only with a public submission stay hidden until
/// an editor publishes it.
pub fn visible(audience: super::Audience) -> sea_orm::Condition {
    use entity::publication::{self, Status};
    use entity::publication_author;
    use sea_orm::ActiveEnum as _;
    use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
    match audience {
        super::Audience::Editor => sea_orm::Condition::all(),
        super::Audience::Public => sea_orm::Condition::all().add(
            author::Column::Id.in_subquery(
                Query::select()
                    .column((
                        publication_author::Entity,
                        publication_author::Column::AuthorId,
                    ))
                    .from(publication_author::Entity)
                    .inner_join(
                        publication::Entity,
                        Expr::col((publication::Entity, publication::Column::Id)).equals((
                            publication_author::Entity,
                            publication_author::Column::PublicationId,
                        )),
                    )
                    .and_where(
                        Expr::col((publication::Entity, publication::Column::Status))
                            .eq(Status::Published.to_value()),
                    )
                    .to_owned(),
            ),
        ),
    }
}

/// Authors by id, among those `audience` may see.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    ids: &[i64],
) -> Result<HashMap<i64, author::Model>, DbErr> {
    let rows = author::Entity::find()
        .filter(visible(audience))
        .filter(author::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The name variants of each author, alphabetically.
pub async fn name_variants(
    conn: &impl ConnectionTrait,
    author_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, DbErr> {
    let rows = author_name_variant::Entity::find()
        .filter(author_name_variant::Column::AuthorId.is_in(author_ids.iter().copied()))
        .order_by_asc(author_name_variant::Column::Name)
        .all(conn)
        .await?;
    let mut variants: HashMap<i64, Vec<String>> =
        author_ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        variants.entry(row.author_id).or_default().push(row.name);
    }
    Ok(variants)
}

/// For each author in `ids`: their co-authors with the number of publications they share
/// that `audience` may see, most shared first (then by id), at most `limit` each.
pub async fn coauthors(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    ids: &[i64],
    limit: usize,
) -> Result<HashMap<i64, Vec<(i64, i64)>>, DbErr> {
    use entity::{publication, publication_author};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, JoinType, Query};
    use sea_orm::{ActiveEnum as _, FromQueryResult, StatementBuilder};

    #[derive(Debug, FromQueryResult)]
    struct Pair {
        author_id: i64,
        coauthor_id: i64,
        shared: i64,
    }

    let (me, other, paper) = (Alias::new("me"), Alias::new("other"), Alias::new("paper"));
    let mut query = Query::select();
    query
        .expr_as(
            Expr::col((me.clone(), publication_author::Column::AuthorId)),
            Alias::new("author_id"),
        )
        .expr_as(
            Expr::col((other.clone(), publication_author::Column::AuthorId)),
            Alias::new("coauthor_id"),
        )
        .expr_as(
            Expr::col((other.clone(), publication_author::Column::PublicationId)).count(),
            Alias::new("shared"),
        )
        .from_as(publication_author::Entity, me.clone())
        .join_as(
            JoinType::InnerJoin,
            publication_author::Entity,
            other.clone(),
            Expr::col((other.clone(), publication_author::Column::PublicationId))
                .equals((me.clone(), publication_author::Column::PublicationId)),
        )
        .join_as(
            JoinType::InnerJoin,
            publication::Entity,
            paper.clone(),
            Expr::col((paper.clone(), publication::Column::Id))
                .equals((me.clone(), publication_author::Column::PublicationId)),
        )
        .and_where(
            Expr::col((me.clone(), publication_author::Column::AuthorId))
                .is_in(ids.iter().copied()),
        )
        .and_where(
            Expr::col((other.clone(), publication_author::Column::AuthorId)).ne(Expr::col((
                me.clone(),
                publication_author::Column::AuthorId,
            ))),
        )
        .group_by_col((me.clone(), publication_author::Column::AuthorId))
        .group_by_col((other.clone(), publication_author::Column::AuthorId));
    if audience == super::Audience::Public {
        query.and_where(
            Expr::col((paper, publication::Column::Status))
                .eq(entity::publication::Status::Published.to_value()),
        );
    }
    let statement = StatementBuilder::build(&query, &conn.get_database_backend());
    let pairs = Pair::find_by_statement(statement).all(conn).await?;
    let mut found: HashMap<i64, Vec<(i64, i64)>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for pair in pairs {
        found
            .entry(pair.author_id)
            .or_default()
            .push((pair.coauthor_id, pair.shared));
    }
    for list in found.values_mut() {
        list.sort_by_key(|(id, shared)| (-shared, *id));
        list.truncate(limit);
    }
    Ok(found)
}
