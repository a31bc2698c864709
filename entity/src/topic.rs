//! A topic. Topics form a tree through `parent_id` ("LLMs for Biology" under "LLMs").

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "topic")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    #[sea_orm(unique)]
    pub name: String,
    pub description: Option<String>,
    pub parent_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by one at every change; updates name the version they were made against.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
    #[sea_orm(has_many = "super::publication_topic::Entity")]
    PublicationTopic,
}

impl Related<super::publication_topic::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PublicationTopic.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
