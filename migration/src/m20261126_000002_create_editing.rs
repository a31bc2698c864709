//! What editing needs: API tokens (stored hashed), the history of every change, and the
//! contact details of public submissions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn check(name: &str, sql: &'static str) -> Check {
    Check::named(Alias::new(name), Expr::cust(sql))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(text_uniq(ApiToken::Name))
                    .col(text(ApiToken::Role))
                    .col(text_uniq(ApiToken::TokenHash))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .check(check("api_token_name_not_blank", "length(trim(name)) > 0"))
                    .check(check("api_token_role_known", "role IN ('editor', 'admin')"))
                    .check(check("api_token_hash_shape", "length(token_hash) = 64"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(History::Table)
                    .col(big_pk_auto(History::Id))
                    .col(text(History::EntityType))
                    .col(big_integer(History::EntityId))
                    .col(text(History::Action))
                    .col(text(History::Actor))
                    .col(text(History::Fields))
                    .col(timestamp_with_time_zone(History::OccurredAt))
                    .check(check(
                        "history_entity_type_known",
                        "entity_type IN ('publication', 'author', 'venue', 'topic')",
                    ))
                    .check(check(
                        "history_action_known",
                        "action IN ('create', 'update', 'delete', 'merge', 'import', 'submit')",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("history_entity_idx")
                    .table(History::Table)
                    .col(History::EntityType)
                    .col(History::EntityId)
                    .col(History::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Submission::Table)
                    .col(big_integer(Submission::PublicationId).primary_key())
                    .col(text(Submission::SubmitterName))
                    .col(text(Submission::SubmitterEmail))
                    .col(text_null(Submission::Message))
                    .col(text(Submission::ClientKey))
                    .col(timestamp_with_time_zone(Submission::SubmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("submission_publication_fk")
                            .from(Submission::Table, Submission::PublicationId)
                            .to(Publication::Table, Publication::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The rate limit counts a client's recent submissions.
        manager
            .create_index(
                Index::create()
                    .name("submission_client_idx")
                    .table(Submission::Table)
                    .col(Submission::ClientKey)
                    .col(Submission::SubmittedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Submission::Table.into_iden(),
            History::Table.into_iden(),
            ApiToken::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    Role,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum History {
    Table,
    Id,
    EntityType,
    EntityId,
    Action,
    Actor,
    Fields,
    OccurredAt,
}

#[derive(DeriveIden)]
enum Submission {
    Table,
    PublicationId,
    SubmitterName,
    SubmitterEmail,
    Message,
    ClientKey,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum Publication {
    Table,
    Id,
}
