//! Where a publication appeared: a conference, a workshop, a journal, a preprint server...

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "venue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: Kind,
    pub year: Option<i32>,
    pub url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by one at every change; updates name the version they were made against.
    pub version: i32,
}

#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    #[sea_orm(string_value = "conference")]
    Conference,
    #[sea_orm(string_value = "workshop")]
    Workshop,
    #[sea_orm(string_value = "journal")]
    Journal,
    #[sea_orm(string_value = "preprint_server")]
    PreprintServer,
    #[sea_orm(string_value = "report_series")]
    ReportSeries,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::publication::Entity")]
    Publication,
}

impl Related<super::publication::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Publication.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
