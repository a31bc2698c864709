//! A publication: one entry of the catalogue.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publication")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub r#abstract: Option<String>,
    pub kind: Kind,
    pub status: Status,
    /// The first day of the period that `published_on_precision` names.
    pub published_on: Option<Date>,
    pub published_on_precision: Option<DatePrecision>,
    pub venue_id: Option<i64>,
    #[sea_orm(unique)]
    pub doi: Option<String>,
    #[sea_orm(unique)]
    pub arxiv_id: Option<String>,
    pub url: Option<String>,
    pub pdf_url: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every update; optimistic concurrency compares it.
    pub version: i32,
}

#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    #[sea_orm(string_value = "conference_paper")]
    ConferencePaper,
    #[sea_orm(string_value = "workshop_paper")]
    WorkshopPaper,
    #[sea_orm(string_value = "journal_article")]
    JournalArticle,
    #[sea_orm(string_value = "preprint")]
    Preprint,
    #[sea_orm(string_value = "technical_report")]
    TechnicalReport,
    #[sea_orm(string_value = "thesis")]
    Thesis,
    #[sea_orm(string_value = "book_chapter")]
    BookChapter,
    #[sea_orm(string_value = "other")]
    Other,
}

#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "archived")]
    Archived,
}

/// How much of `published_on` is known: "2022", "April 2022" or "12 April 2022".
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DatePrecision {
    #[sea_orm(string_value = "year")]
    Year,
    #[sea_orm(string_value = "month")]
    Month,
    #[sea_orm(string_value = "day")]
    Day,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::venue::Entity",
        from = "Column::VenueId",
        to = "super::venue::Column::Id"
    )]
    Venue,
    #[sea_orm(has_many = "super::publication_author::Entity")]
    PublicationAuthor,
    #[sea_orm(has_many = "super::publication_topic::Entity")]
    PublicationTopic,
}

impl Related<super::venue::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Venue.def()
    }
}

impl Related<super::publication_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PublicationAuthor.def()
    }
}

impl Related<super::publication_topic::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PublicationTopic.def()
    }
}

impl Related<super::author::Entity> for Entity {
    fn to() -> RelationDef {
        super::publication_author::Relation::Author.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::publication_author::Relation::Publication.def().rev())
    }
}

impl Related<super::topic::Entity> for Entity {
    fn to() -> RelationDef {
        super::publication_topic::Relation::Topic.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::publication_topic::Relation::Publication.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
