//! An author, with the spellings of their name kept in `author_name_variant`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "author")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    #[sea_orm(unique)]
    pub orcid: Option<String>,
    pub affiliation: Option<String>,
    pub url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by one at every change; updates name the version they were made against.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::author_name_variant::Entity")]
    NameVariant,
    #[sea_orm(has_many = "super::publication_author::Entity")]
    PublicationAuthor,
}

impl Related<super::author_name_variant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::NameVariant.def()
    }
}

impl Related<super::publication_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PublicationAuthor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
