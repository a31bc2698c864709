//! Changing authors: create, patch, delete, and merge duplicates into one.

use chrono::Utc;
use entity::history::{Action, EntityType};
use entity::{author, author_name_variant, publication, publication_author};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::author::NewAuthor;
use super::edit::{self, Actor, EditError, ProblemCode};
use crate::domain::{Name, Orcid};

/// A change to an author: `None` leaves a field; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct AuthorPatch {
    pub name: Option<Name>,
    pub orcid: Option<Option<Orcid>>,
    pub affiliation: Option<Option<String>>,
    pub url: Option<Option<String>>,
    /// Replaces the name variants.
    pub name_variants: Option<Vec<Name>>,
}

/// What to do with the publications of an author being deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnReferenced {
    /// Refuse (REFERENCED) while publications list the author.
    Fail,
    /// Take the author off those author lists.
    Detach,
}

async fn orcid_free(
    conn: &impl ConnectionTrait,
    orcid: &Orcid,
    except: Option<i64>,
    field: &[&str],
) -> Result<(), EditError> {
    let mut select = author::Entity::find().filter(author::Column::Orcid.eq(orcid.as_ref()));
    if let Some(id) = except {
        select = select.filter(author::Column::Id.ne(id));
    }
    match select.one(conn).await? {
        Some(existing) => Err(EditError::one(
            ProblemCode::Duplicate,
            field,
            format!(
                "the author {:?} (slug {}) has this ORCID iD already",
                existing.name, existing.slug
            ),
        )),
        None => Ok(()),
    }
}

pub async fn create_author(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    new: NewAuthor,
    affiliation: Option<String>,
    url: Option<String>,
) -> Result<author::Model, EditError> {
    if let Some(orcid) = &new.orcid {
        orcid_free(conn, orcid, None, &["input", "orcid"]).await?;
    }
    let row = super::author::create(conn, new).await?;
    let mut fields = vec!["name"];
    if row.orcid.is_some() {
        fields.push("orcid");
    }
    let mut row = row.into_active_model();
    if affiliation.is_some() {
        fields.push("affiliation");
    }
    if url.is_some() {
        fields.push("url");
    }
    row.affiliation = Set(affiliation);
    row.url = Set(url);
    let row = row.update(conn).await?;
    edit::record(
        conn,
        actor,
        EntityType::Author,
        row.id,
        Action::Create,
        &fields,
    )
    .await?;
    Ok(row)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<author::Model, EditError> {
    author::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::NotFound,
                &["input", "id"],
                "no author has this id",
            )
        })
}

/// Applies `patch` to author `id` if it is still at `expected_version`. A patch that changes
/// nothing writes nothing: no new version, no history.
pub async fn update_author(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    patch: AuthorPatch,
) -> Result<author::Model, EditError> {
    let before = find(conn, id).await?;
    edit::check_version("author", Some(expected_version), before.version)?;
    if let Some(Some(orcid)) = &patch.orcid {
        orcid_free(conn, orcid, Some(id), &["input", "orcid"]).await?;
    }
    let mut changes = edit::Changes::<author::Entity>::default();
    use author::Column as C;
    changes.set("name", C::Name, &before.name, patch.name.map(String::from));
    changes.set(
        "orcid",
        C::Orcid,
        &before.orcid,
        patch.orcid.map(|orcid| orcid.map(String::from)),
    );
    changes.set(
        "affiliation",
        C::Affiliation,
        &before.affiliation,
        patch.affiliation,
    );
    changes.set("url", C::Url, &before.url, patch.url);
    let mut new_variants = None;
    if let Some(variants) = patch.name_variants {
        let mut wanted: Vec<String> = variants.into_iter().map(String::from).collect();
        wanted.sort();
        wanted.dedup();
        let mut old: Vec<String> = author_name_variant::Entity::find()
            .filter(author_name_variant::Column::AuthorId.eq(id))
            .all(conn)
            .await?
            .into_iter()
            .map(|variant| variant.name)
            .collect();
        old.sort();
        if wanted != old {
            new_variants = Some(wanted);
            changes.note("nameVariants");
        }
    }
    if changes.is_empty() {
        return Ok(before);
    }
    if !changes.write(conn, id, before.version).await? {
        let now = find(conn, id).await?;
        return Err(edit::stale("author", before.version, now.version));
    }
    if let Some(variants) = new_variants {
        author_name_variant::Entity::delete_many()
            .filter(author_name_variant::Column::AuthorId.eq(id))
            .exec(conn)
            .await?;
        if !variants.is_empty() {
            author_name_variant::Entity::insert_many(variants.into_iter().map(|name| {
                author_name_variant::ActiveModel {
                    author_id: Set(id),
                    name: Set(name),
                    ..Default::default()
                }
            }))
            .exec(conn)
            .await
            .map_err(|err| EditError::from_write(err, &["input", "nameVariants"]))?;
        }
    }
    edit::record(
        conn,
        actor,
        EntityType::Author,
        id,
        Action::Update,
        changes.names(),
    )
    .await?;
    find(conn, id).await
}

/// The ids of the publications that list `author_id`.
async fn publications_of(
    conn: &impl ConnectionTrait,
    author_id: i64,
) -> Result<Vec<i64>, EditError> {
    Ok(publication_author::Entity::find()
        .filter(publication_author::Column::AuthorId.eq(author_id))
        .order_by_asc(publication_author::Column::PublicationId)
        .all(conn)
        .await?
        .into_iter()
        .map(|link| link.publication_id)
        .collect())
}

/// Rewrites a publication's author list with `map` applied to each author (None drops it),
/// keeping the first place of an author listed twice, and bumps its version.
async fn rewrite_byline(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    publication_id: i64,
    map: impl Fn(i64) -> Option<i64>,
) -> Result<(), EditError> {
    let mut links = publication_author::Entity::find()
        .filter(publication_author::Column::PublicationId.eq(publication_id))
        .all(conn)
        .await?;
    links.sort_by_key(|link| link.position);
    let mut byline: Vec<i64> = Vec::with_capacity(links.len());
    for link in links {
        if let Some(author_id) = map(link.author_id)
            && !byline.contains(&author_id)
        {
            byline.push(author_id);
        }
    }
    super::publication_edit::replace_authors(conn, publication_id, &byline).await?;
    publication::Entity::update_many()
        .col_expr(
            publication::Column::Version,
            Expr::col(publication::Column::Version).add(1),
        )
        .col_expr(publication::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(publication::Column::Id.eq(publication_id))
        .exec(conn)
        .await?;
    edit::record(
        conn,
        actor,
        EntityType::Publication,
        publication_id,
        Action::Update,
        &["authors"],
    )
    .await?;
    Ok(())
}

pub async fn delete_author(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    on_referenced: OnReferenced,
) -> Result<author::Model, EditError> {
    let row = find(conn, id).await?;
    let publications = publications_of(conn, id).await?;
    if !publications.is_empty() {
        if on_referenced == OnReferenced::Fail {
            return Err(EditError::one(
                ProblemCode::Referenced,
                &["input", "id"],
                format!(
                    "{} publication(s) list this author; merge the author into another, or pass onReferenced: DETACH to take them off those author lists",
                    publications.len()
                ),
            ));
        }
        let only_author_of = publication::Entity::find()
            .filter(publication::Column::Id.is_in(publications.iter().copied()))
            .filter(publication::Column::Status.ne(publication::Status::Draft))
            .filter(
                publication::Column::Id.not_in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(publication_author::Column::PublicationId)
                        .from(publication_author::Entity)
                        .and_where(publication_author::Column::AuthorId.ne(id))
                        .to_owned(),
                ),
            )
            .count(conn)
            .await?;
        if only_author_of > 0 {
            return Err(EditError::one(
                ProblemCode::Referenced,
                &["input", "id"],
                format!(
                    "the author is the only author of {only_author_of} publication(s) that are not drafts, which need one; give them other authors first, or merge this author into another"
                ),
            ));
        }
        for publication_id in publications {
            rewrite_byline(conn, actor, publication_id, |author| {
                (author != id).then_some(author)
            })
            .await?;
        }
    }
    author::Entity::delete_by_id(id).exec(conn).await?;
    edit::record(conn, actor, EntityType::Author, id, Action::Delete, &[]).await?;
    Ok(row)
}

/// Folds `source_ids` into `target_id`: every publication keeps its author order with the
/// target in each source's place (an author listed twice keeps the first place), the
/// sources' names become the target's name variants, and the sources are deleted.
pub async fn merge_authors(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    source_ids: &[i64],
    target_id: i64,
) -> Result<author::Model, EditError> {
    // Every author of the merge is locked first, in id order: a merge of A into B racing one
    // of B into A then runs after it and finds its target gone (NOT_FOUND), rather than both
    // rewriting bylines towards an author the other deletes.
    let mut involved: Vec<i64> = source_ids.iter().copied().chain([target_id]).collect();
    involved.sort_unstable();
    involved.dedup();
    author::Entity::find()
        .filter(author::Column::Id.is_in(involved))
        .order_by_asc(author::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?;
    let target = author::Entity::find_by_id(target_id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            EditError::one(
                ProblemCode::NotFound,
                &["input", "targetId"],
                "no author has this id",
            )
        })?;
    if source_ids.is_empty() {
        return Err(EditError::one(
            ProblemCode::Invalid,
            &["input", "sourceIds"],
            "give at least one author to merge",
        ));
    }
    let mut sources = Vec::with_capacity(source_ids.len());
    let mut problems = edit::Problems::default();
    for (i, id) in source_ids.iter().enumerate() {
        if *id == target_id {
            problems.add(
                ProblemCode::Invalid,
                edit::path(&[&"sourceIds", &i]),
                "an author cannot be merged into itself",
            );
        } else if let Some(source) = author::Entity::find_by_id(*id).one(conn).await? {
            sources.push(source);
        } else {
            problems.add(
                ProblemCode::NotFound,
                edit::path(&[&"sourceIds", &i]),
                "no author has this id",
            );
        }
    }
    problems.finish()?;

    let mut affected: Vec<i64> = Vec::new();
    for source in &sources {
        for publication_id in publications_of(conn, source.id).await? {
            if !affected.contains(&publication_id) {
                affected.push(publication_id);
            }
        }
    }
    let merged: Vec<i64> = sources.iter().map(|s| s.id).collect();
    for publication_id in affected {
        rewrite_byline(conn, actor, publication_id, |author| {
            Some(if merged.contains(&author) {
                target_id
            } else {
                author
            })
        })
        .await?;
    }
    // The sources' names and variants live on as the target's variants.
    let mut variants: Vec<String> = author_name_variant::Entity::find()
        .filter(
            author_name_variant::Column::AuthorId.is_in(merged.iter().copied().chain([target_id])),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|v| v.name)
        .collect();
    variants.extend(sources.iter().map(|s| s.name.clone()));
    variants.retain(|name| *name != target.name);
    variants.sort();
    variants.dedup();
    author_name_variant::Entity::delete_many()
        .filter(
            author_name_variant::Column::AuthorId.is_in(merged.iter().copied().chain([target_id])),
        )
        .exec(conn)
        .await?;
    if !variants.is_empty() {
        author_name_variant::Entity::insert_many(variants.into_iter().map(|name| {
            author_name_variant::ActiveModel {
                author_id: Set(target_id),
                name: Set(name),
                ..Default::default()
            }
        }))
        .exec(conn)
        .await?;
    }
    // The target takes a source's ORCID iD when it has none.
    let orcid = sources.iter().find_map(|s| s.orcid.clone());
    author::Entity::delete_many()
        .filter(author::Column::Id.is_in(merged.iter().copied()))
        .exec(conn)
        .await?;
    super::feed::note_merged(conn, super::feed::Entity::Author, &merged).await?;
    let mut fields = vec!["nameVariants"];
    let mut row = <author::ActiveModel as Default>::default();
    if target.orcid.is_none()
        && let Some(orcid) = orcid
    {
        row.orcid = Set(Some(orcid));
        fields.push("orcid");
    }
    // A merge always changes the target (its variants and publications), so it always
    // takes a new version: an editor holding the old one must reload first.
    author::Entity::update_many()
        .set(row)
        .col_expr(
            author::Column::Version,
            Expr::col(author::Column::Version).add(1),
        )
        .col_expr(author::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(author::Column::Id.eq(target_id))
        .exec(conn)
        .await?;
    for id in &merged {
        edit::record(conn, actor, EntityType::Author, *id, Action::Merge, &[]).await?;
    }
    edit::record(
        conn,
        actor,
        EntityType::Author,
        target_id,
        Action::Merge,
        &fields,
    )
    .await?;
    find(conn, target_id).await
}

/// How many publications list the author.
pub async fn publication_count(conn: &impl ConnectionTrait, id: i64) -> Result<u64, EditError> {
    Ok(publication_author::Entity::find()
        .filter(publication_author::Column::AuthorId.eq(id))
        .count(conn)
        .await?)
}
