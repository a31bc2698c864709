//! The catalogue's tables: venues, topics (a tree), authors and their name variants,
//! publications, and the ordered author and topic links.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PUBLICATION_KINDS: [&str; 8] = [
    "conference_paper",
    "workshop_paper",
    "journal_article",
    "preprint",
    "technical_report",
    "thesis",
    "book_chapter",
    "other",
];
const PUBLICATION_STATUSES: [&str; 3] = ["draft", "published", "archived"];
const DATE_PRECISIONS: [&str; 3] = ["year", "month", "day"];
const VENUE_KINDS: [&str; 6] = [
    "conference",
    "workshop",
    "journal",
    "preprint_server",
    "report_series",
    "other",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(venue()).await?;
        manager.create_table(topic()).await?;
        manager.create_table(author()).await?;
        manager.create_table(author_name_variant()).await?;
        manager.create_table(publication()).await?;
        manager.create_table(publication_author()).await?;
        manager.create_table(publication_topic()).await?;
        for index in indexes() {
            manager.create_index(index).await?;
        }
        let nulls_last = match manager.get_database_backend() {
            // SQLite sorts NULL below every value, so a descending index puts it last already.
            DbBackend::Sqlite => "",
            _ => " NULLS LAST",
        };
        for (name, leading) in [
            // The default listing, newest first; anonymous callers see published rows only.
            ("publication_status_published_on_idx", "status, "),
            // The same for editors, who see every status.
            ("publication_published_on_idx", ""),
            // A venue's publications.
            ("publication_venue_published_on_idx", "venue_id, "),
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE INDEX {name} ON publication ({leading}published_on DESC{nulls_last}, id DESC)"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Indexes go with their tables; children before parents.
        for table in [
            Alias::new("publication_topic"),
            Alias::new("publication_author"),
            Alias::new("publication"),
            Alias::new("author_name_variant"),
            Alias::new("author"),
            Alias::new("topic"),
            Alias::new("venue"),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A named check constraint, so that a violation names what broke. Written as SQL text:
/// SQLite refuses bound parameters in a CHECK, and sea-query would bind literal values.
fn check(name: &str, sql: String) -> Check {
    Check::named(Alias::new(name), Expr::cust(sql))
}

fn not_blank(name: &str, column: &str) -> Check {
    check(name, format!("length(trim({column})) > 0"))
}

fn one_of(name: &str, column: &str, values: &[&str]) -> Check {
    let list = values
        .iter()
        .map(|value| format!("'{value}'"))
        .collect::<Vec<_>>()
        .join(", ");
    check(name, format!("{column} IN ({list})"))
}

fn timestamps(table: &mut TableCreateStatement) -> TableCreateStatement {
    table
        .col(timestamp_with_time_zone(Common::CreatedAt))
        .col(timestamp_with_time_zone(Common::UpdatedAt))
        .to_owned()
}

fn venue() -> TableCreateStatement {
    timestamps(
        Table::create()
            .table(Venue::Table)
            .col(big_pk_auto(Venue::Id))
            .col(text_uniq(Venue::Slug))
            .col(text(Venue::Name))
            .col(text_null(Venue::ShortName))
            .col(text(Venue::Kind))
            .col(integer_null(Venue::Year))
            .col(text_null(Venue::Url))
            .check(not_blank("venue_slug_not_blank", "slug"))
            .check(not_blank("venue_name_not_blank", "name"))
            .check(one_of("venue_kind_known", "kind", &VENUE_KINDS))
            .check(check(
                "venue_year_plausible",
                "year BETWEEN 1000 AND 9999".into(),
            )),
    )
}

fn topic() -> TableCreateStatement {
    timestamps(
        Table::create()
            .table(Topic::Table)
            .col(big_pk_auto(Topic::Id))
            .col(text_uniq(Topic::Slug))
            .col(text_uniq(Topic::Name))
            .col(text_null(Topic::Description))
            .col(big_integer_null(Topic::ParentId))
            .check(not_blank("topic_slug_not_blank", "slug"))
            .check(not_blank("topic_name_not_blank", "name"))
            .check(check("topic_not_own_parent", "parent_id <> id".into()))
            .foreign_key(
                ForeignKey::create()
                    .name("topic_parent_fk")
                    .from(Topic::Table, Topic::ParentId)
                    .to(Topic::Table, Topic::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            ),
    )
}

fn author() -> TableCreateStatement {
    timestamps(
        Table::create()
            .table(Author::Table)
            .col(big_pk_auto(Author::Id))
            .col(text_uniq(Author::Slug))
            .col(text(Author::Name))
            .col(text_null(Author::Orcid).unique_key())
            .col(text_null(Author::Affiliation))
            .col(text_null(Author::Url))
            .check(not_blank("author_slug_not_blank", "slug"))
            .check(not_blank("author_name_not_blank", "name"))
            // The ORCID iD's shape; its checksum is verified when the value is parsed.
            .check(check("author_orcid_shape", "length(orcid) = 19".into())),
    )
}

fn author_name_variant() -> TableCreateStatement {
    Table::create()
        .table(AuthorNameVariant::Table)
        .col(big_pk_auto(AuthorNameVariant::Id))
        .col(big_integer(AuthorNameVariant::AuthorId))
        .col(text(AuthorNameVariant::Name))
        .check(not_blank("author_name_variant_not_blank", "name"))
        .foreign_key(
            ForeignKey::create()
                .name("author_name_variant_author_fk")
                .from(AuthorNameVariant::Table, AuthorNameVariant::AuthorId)
                .to(Author::Table, Author::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn publication() -> TableCreateStatement {
    timestamps(
        Table::create()
            .table(Publication::Table)
            .col(big_pk_auto(Publication::Id))
            .col(text_uniq(Publication::Slug))
            .col(text(Publication::Title))
            .col(text_null(Publication::Abstract))
            .col(text(Publication::Kind))
            .col(text(Publication::Status))
            .col(date_null(Publication::PublishedOn))
            .col(text_null(Publication::PublishedOnPrecision))
            .col(big_integer_null(Publication::VenueId))
            .col(text_null(Publication::Doi).unique_key())
            .col(text_null(Publication::ArxivId).unique_key())
            .col(text_null(Publication::Url))
            .col(text_null(Publication::PdfUrl))
            .col(integer(Publication::Version).default(Expr::cust("1")))
            .check(not_blank("publication_slug_not_blank", "slug"))
            .check(not_blank("publication_title_not_blank", "title"))
            .check(one_of("publication_kind_known", "kind", &PUBLICATION_KINDS))
            .check(one_of(
                "publication_status_known",
                "status",
                &PUBLICATION_STATUSES,
            ))
            .check(one_of(
                "publication_date_precision_known",
                "published_on_precision",
                &DATE_PRECISIONS,
            ))
            // A date without its precision (or the reverse) could not be displayed.
            .check(check(
                "publication_date_has_precision",
                "(published_on IS NULL) = (published_on_precision IS NULL)".into(),
            ))
            .check(check("publication_version_positive", "version >= 1".into()))
            // DOIs are case-insensitive; they are stored lower-cased so that uniqueness holds.
            .check(check(
                "publication_doi_lower_case",
                "doi = lower(doi)".into(),
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("publication_venue_fk")
                    .from(Publication::Table, Publication::VenueId)
                    .to(Venue::Table, Venue::Id)
                    .on_delete(ForeignKeyAction::Restrict),
            ),
    )
}

fn publication_author() -> TableCreateStatement {
    Table::create()
        .table(PublicationAuthor::Table)
        .col(big_integer(PublicationAuthor::PublicationId))
        .col(big_integer(PublicationAuthor::AuthorId))
        .col(integer(PublicationAuthor::Position))
        .primary_key(
            Index::create()
                .col(PublicationAuthor::PublicationId)
                .col(PublicationAuthor::AuthorId),
        )
        .check(check(
            "publication_author_position_positive",
            "position >= 1".into(),
        ))
        .foreign_key(
            ForeignKey::create()
                .name("publication_author_publication_fk")
                .from(PublicationAuthor::Table, PublicationAuthor::PublicationId)
                .to(Publication::Table, Publication::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("publication_author_author_fk")
                .from(PublicationAuthor::Table, PublicationAuthor::AuthorId)
                .to(Author::Table, Author::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn publication_topic() -> TableCreateStatement {
    Table::create()
        .table(PublicationTopic::Table)
        .col(big_integer(PublicationTopic::PublicationId))
        .col(big_integer(PublicationTopic::TopicId))
        .primary_key(
            Index::create()
                .col(PublicationTopic::PublicationId)
                .col(PublicationTopic::TopicId),
        )
        .foreign_key(
            ForeignKey::create()
                .name("publication_topic_publication_fk")
                .from(PublicationTopic::Table, PublicationTopic::PublicationId)
                .to(Publication::Table, Publication::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("publication_topic_topic_fk")
                .from(PublicationTopic::Table, PublicationTopic::TopicId)
                .to(Topic::Table, Topic::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

/// The indexes the list pages need. Every keyset ordering ends on the id, so each index
/// ends on it too and a page after a cursor starts an index scan at that cursor.
fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        // A publication's authors in order; also keeps positions unique.
        Index::create()
            .name("publication_author_position_key")
            .table(PublicationAuthor::Table)
            .col(PublicationAuthor::PublicationId)
            .col(PublicationAuthor::Position)
            .unique()
            .to_owned(),
        // An author's publications.
        Index::create()
            .name("publication_author_author_idx")
            .table(PublicationAuthor::Table)
            .col(PublicationAuthor::AuthorId)
            .col(PublicationAuthor::PublicationId)
            .to_owned(),
        // A topic's publications.
        Index::create()
            .name("publication_topic_topic_idx")
            .table(PublicationTopic::Table)
            .col(PublicationTopic::TopicId)
            .col(PublicationTopic::PublicationId)
            .to_owned(),
        Index::create()
            .name("topic_parent_idx")
            .table(Topic::Table)
            .col(Topic::ParentId)
            .to_owned(),
        Index::create()
            .name("author_name_idx")
            .table(Author::Table)
            .col(Author::Name)
            .to_owned(),
        Index::create()
            .name("author_name_variant_author_name_key")
            .table(AuthorNameVariant::Table)
            .col(AuthorNameVariant::AuthorId)
            .col(AuthorNameVariant::Name)
            .unique()
            .to_owned(),
        Index::create()
            .name("author_name_variant_name_idx")
            .table(AuthorNameVariant::Table)
            .col(AuthorNameVariant::Name)
            .to_owned(),
        Index::create()
            .name("venue_name_idx")
            .table(Venue::Table)
            .col(Venue::Name)
            .to_owned(),
    ]
}

#[derive(DeriveIden, Clone, Copy)]
enum Common {
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Venue {
    Table,
    Id,
    Slug,
    Name,
    ShortName,
    Kind,
    Year,
    Url,
}

#[derive(DeriveIden, Clone, Copy)]
enum Topic {
    Table,
    Id,
    Slug,
    Name,
    Description,
    ParentId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Author {
    Table,
    Id,
    Slug,
    Name,
    Orcid,
    Affiliation,
    Url,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthorNameVariant {
    Table,
    Id,
    AuthorId,
    Name,
}

#[derive(DeriveIden, Clone, Copy)]
enum Publication {
    Table,
    Id,
    Slug,
    Title,
    Abstract,
    Kind,
    Status,
    PublishedOn,
    PublishedOnPrecision,
    VenueId,
    Doi,
    ArxivId,
    Url,
    PdfUrl,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum PublicationAuthor {
    Table,
    PublicationId,
    AuthorId,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum PublicationTopic {
    Table,
    PublicationId,
    TopicId,
}
