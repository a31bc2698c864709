//! One change to the catalogue: who made it, when, to which entity, and which fields.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub entity_type: EntityType,
    pub entity_id: i64,
    pub action: Action,
    /// The token's name, or "submission" for the public form.
    pub actor: String,
    /// A JSON array of the names of the fields that changed.
    pub fields: String,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum EntityType {
    #[sea_orm(string_value = "publication")]
    Publication,
    #[sea_orm(string_value = "author")]
    Author,
    #[sea_orm(string_value = "venue")]
    Venue,
    #[sea_orm(string_value = "topic")]
    Topic,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Action {
    #[sea_orm(string_value = "create")]
    Create,
    #[sea_orm(string_value = "update")]
    Update,
    #[sea_orm(string_value = "delete")]
    Delete,
    #[sea_orm(string_value = "merge")]
    Merge,
    #[sea_orm(string_value = "import")]
    Import,
    #[sea_orm(string_value = "submit")]
    Submit,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
