//! A publication that is not a draft names at least one author.
//!
//! On Postgres a deferred constraint trigger checks it at commit, so a change that replaces
//! an author list (delete the old links, insert the new) or publishes a draft together with
//! its authors passes, and one that leaves a published entry without authors fails. SQLite
//! has no deferred triggers, and an immediate one would refuse the replacement half-way, so
//! there the service's check is the only one (`service::publication_edit::needs_authors`).
//! Rows already breaking the rule are left as they are; the next change to one must mend it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE FUNCTION publication_needs_authors() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
BEGIN
    IF TG_TABLE_NAME = 'publication' THEN
        target := NEW.id;
    ELSE
        target := OLD.publication_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM publication p
        WHERE p.id = target AND p.status <> 'draft'
          AND NOT EXISTS (SELECT 1 FROM publication_author pa WHERE pa.publication_id = p.id)
    ) THEN
        RAISE EXCEPTION 'publication % is not a draft and has no authors', target
            USING ERRCODE = 'check_violation', CONSTRAINT = 'publication_needs_authors';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER publication_needs_authors
    AFTER INSERT OR UPDATE OF status ON publication
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION publication_needs_authors();
CREATE CONSTRAINT TRIGGER publication_author_needed
    AFTER DELETE OR UPDATE OF publication_id ON publication_author
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION publication_needs_authors();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS publication_author_needed ON publication_author;
DROP TRIGGER IF EXISTS publication_needs_authors ON publication;
DROP FUNCTION IF EXISTS publication_needs_authors();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(DOWN).await?;
        }
        Ok(())
    }
}
