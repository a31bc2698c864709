//! Who submitted a publication through the public form.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submission")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub publication_id: i64,
    pub submitter_name: String,
    pub submitter_email: String,
    pub message: Option<String>,
    /// Identifies the client for the rate limit (its address).
    pub client_key: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
