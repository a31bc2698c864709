//! A counter that every change to the catalogue bumps in its own transaction, so that each
//! instance of the service can cache counts and know, with one cheap read, whether they are
//! still exact.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CatalogueRevision::Table)
                    .col(integer(CatalogueRevision::Id).primary_key())
                    .col(big_integer(CatalogueRevision::Revision))
                    .check(Check::named(
                        Alias::new("catalogue_revision_single_row"),
                        Expr::cust("id = 1"),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO catalogue_revision (id, revision) VALUES (1, 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CatalogueRevision::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum CatalogueRevision {
    Table,
    Id,
    Revision,
}
