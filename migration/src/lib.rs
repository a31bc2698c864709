//! Reversible schema migrations of the publications catalogue, for Postgres and SQLite.
//!
//! Migrations are history: they never import the entity crate, so that a later change to an
//! entity cannot rewrite what an old migration did. Constraints live in the database.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_catalogue;
mod m20261126_000002_create_editing;
mod m20261126_000003_create_catalogue_revision;
mod m20261126_000004_create_search_and_sort_keys;
mod m20261126_000005_create_name_word_indexes;
mod m20261126_000006_add_version_to_author_venue_topic;
mod m20261201_000007_require_authors_of_published;
mod m20261201_000008_create_change_feed;
mod m20261201_000009_drop_sql_search;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_catalogue::Migration),
            Box::new(m20261126_000002_create_editing::Migration),
            Box::new(m20261126_000003_create_catalogue_revision::Migration),
            Box::new(m20261126_000004_create_search_and_sort_keys::Migration),
            Box::new(m20261126_000005_create_name_word_indexes::Migration),
            Box::new(m20261126_000006_add_version_to_author_venue_topic::Migration),
            Box::new(m20261201_000007_require_authors_of_published::Migration),
            Box::new(m20261201_000008_create_change_feed::Migration),
            Box::new(m20261201_000009_drop_sql_search::Migration),
        ]
    }
}
