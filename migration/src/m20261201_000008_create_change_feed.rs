//! The catalogue's change feed: a row per changed publication, author, venue or topic,
//! written in the transaction that changes it.
//!
//! Triggers note every change, so that no write path (an edit, a merge, an import, the
//! seeder) can forget one, and a change that touches publications indirectly notes them
//! too: renaming a venue, an author (or one of their name variants) or a topic changes what
//! the cards of its publications show. The rows a transaction notes have no revision yet;
//! the service stamps them with the catalogue revision, the actor and the time as the last
//! step before commit (`service::feed::record`). The revision row's lock is held from that
//! step to the commit, so revisions become visible in order and a reader that sees one
//! sees every one before it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: &str = r#"
CREATE TABLE catalogue_change (
    seq bigserial PRIMARY KEY,
    revision bigint,
    entity text NOT NULL CHECK (entity IN ('publication', 'author', 'venue', 'topic')),
    entity_id bigint NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'merged')),
    actor text,
    changed_at timestamptz
);
CREATE INDEX catalogue_change_by_revision ON catalogue_change (revision, seq);
CREATE INDEX catalogue_change_pending ON catalogue_change (seq) WHERE revision IS NULL;

CREATE FUNCTION catalogue_change_note() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.id;
    ELSE
        changed := NEW.id;
    END IF;
    INSERT INTO catalogue_change (entity, entity_id, action)
    VALUES (TG_TABLE_NAME, changed,
            CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END);
    IF TG_OP = 'UPDATE' THEN
        IF TG_TABLE_NAME = 'venue' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            SELECT 'publication', p.id, 'updated' FROM publication p WHERE p.venue_id = NEW.id;
        ELSIF TG_TABLE_NAME = 'author' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            SELECT 'publication', pa.publication_id, 'updated'
            FROM publication_author pa WHERE pa.author_id = NEW.id;
        ELSIF TG_TABLE_NAME = 'topic' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            SELECT 'publication', pt.publication_id, 'updated'
            FROM publication_topic pt WHERE pt.topic_id = NEW.id;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION catalogue_change_note_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'author_name_variant' THEN
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            SELECT 'author', NEW.author_id, 'updated'
            UNION ALL
            SELECT 'publication', pa.publication_id, 'updated'
            FROM publication_author pa WHERE pa.author_id = NEW.author_id;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            SELECT 'author', OLD.author_id, 'updated'
            UNION ALL
            SELECT 'publication', pa.publication_id, 'updated'
            FROM publication_author pa WHERE pa.author_id = OLD.author_id;
        END IF;
    ELSE
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            VALUES ('publication', NEW.publication_id, 'updated');
        END IF;
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO catalogue_change (entity, entity_id, action)
            VALUES ('publication', OLD.publication_id, 'updated');
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER publication_changed AFTER INSERT OR DELETE ON publication
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER publication_updated AFTER UPDATE ON publication
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER author_changed AFTER INSERT OR DELETE ON author
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER author_updated AFTER UPDATE ON author
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER venue_changed AFTER INSERT OR DELETE ON venue
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER venue_updated AFTER UPDATE ON venue
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER topic_changed AFTER INSERT OR DELETE ON topic
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER topic_updated AFTER UPDATE ON topic
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION catalogue_change_note();
CREATE TRIGGER publication_author_changed AFTER INSERT OR UPDATE OR DELETE ON publication_author
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note_link();
CREATE TRIGGER publication_topic_changed AFTER INSERT OR UPDATE OR DELETE ON publication_topic
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note_link();
CREATE TRIGGER author_name_variant_changed AFTER INSERT OR UPDATE OR DELETE ON author_name_variant
    FOR EACH ROW EXECUTE FUNCTION catalogue_change_note_link();
"#;

const POSTGRES_DOWN: &str = r#"
DROP TABLE IF EXISTS catalogue_change;
DROP TRIGGER IF EXISTS publication_changed ON publication;
DROP TRIGGER IF EXISTS publication_updated ON publication;
DROP TRIGGER IF EXISTS author_changed ON author;
DROP TRIGGER IF EXISTS author_updated ON author;
DROP TRIGGER IF EXISTS venue_changed ON venue;
DROP TRIGGER IF EXISTS venue_updated ON venue;
DROP TRIGGER IF EXISTS topic_changed ON topic;
DROP TRIGGER IF EXISTS topic_updated ON topic;
DROP TRIGGER IF EXISTS publication_author_changed ON publication_author;
DROP TRIGGER IF EXISTS publication_topic_changed ON publication_topic;
DROP TRIGGER IF EXISTS author_name_variant_changed ON author_name_variant;
DROP FUNCTION IF EXISTS catalogue_change_note();
DROP FUNCTION IF EXISTS catalogue_change_note_link();
"#;

const SQLITE_TABLE: &str = r#"
CREATE TABLE catalogue_change (
    seq integer PRIMARY KEY AUTOINCREMENT,
    revision integer,
    entity text NOT NULL CHECK (entity IN ('publication', 'author', 'venue', 'topic')),
    entity_id integer NOT NULL,
    action text NOT NULL CHECK (action IN ('created', 'updated', 'deleted', 'merged')),
    actor text,
    changed_at text
);
CREATE INDEX catalogue_change_by_revision ON catalogue_change (revision, seq);
CREATE INDEX catalogue_change_pending ON catalogue_change (seq) WHERE revision IS NULL;
"#;

/// SQLite has no trigger functions: one trigger per table and event, each a statement list.
fn sqlite_triggers() -> String {
    let note = |entity: &str, id: &str, action: &str| {
        format!(
            "INSERT INTO catalogue_change (entity, entity_id, action) VALUES ('{entity}', {id}, '{action}');"
        )
    };
    let publications_of = |entity: &str| match entity {
        "venue" => "INSERT INTO catalogue_change (entity, entity_id, action) \
                    SELECT 'publication', id, 'updated' FROM publication WHERE venue_id = NEW.id;"
            .to_owned(),
        "author" => "INSERT INTO catalogue_change (entity, entity_id, action) \
                     SELECT 'publication', publication_id, 'updated' FROM publication_author \
                     WHERE author_id = NEW.id;"
            .to_owned(),
        "topic" => "INSERT INTO catalogue_change (entity, entity_id, action) \
                    SELECT 'publication', publication_id, 'updated' FROM publication_topic \
                    WHERE topic_id = NEW.id;"
            .to_owned(),
        _ => String::new(),
    };
    let mut sql = String::new();
    for entity in ["publication", "author", "venue", "topic"] {
        sql.push_str(&format!(
            "CREATE TRIGGER {entity}_created AFTER INSERT ON {entity} BEGIN {} END;\n",
            note(entity, "NEW.id", "created")
        ));
        sql.push_str(&format!(
            "CREATE TRIGGER {entity}_updated AFTER UPDATE ON {entity} BEGIN {} {} END;\n",
            note(entity, "NEW.id", "updated"),
            publications_of(entity)
        ));
        sql.push_str(&format!(
            "CREATE TRIGGER {entity}_deleted AFTER DELETE ON {entity} BEGIN {} END;\n",
            note(entity, "OLD.id", "deleted")
        ));
    }
    for link in ["publication_author", "publication_topic"] {
        sql.push_str(&format!(
            "CREATE TRIGGER {link}_created AFTER INSERT ON {link} BEGIN {} END;\n\
             CREATE TRIGGER {link}_updated AFTER UPDATE ON {link} BEGIN {} {} END;\n\
             CREATE TRIGGER {link}_deleted AFTER DELETE ON {link} BEGIN {} END;\n",
            note("publication", "NEW.publication_id", "updated"),
            note("publication", "OLD.publication_id", "updated"),
            note("publication", "NEW.publication_id", "updated"),
            note("publication", "OLD.publication_id", "updated"),
        ));
    }
    let variant = |row: &str| {
        format!(
            "INSERT INTO catalogue_change (entity, entity_id, action) \
             SELECT 'author', {row}.author_id, 'updated' \
             UNION ALL SELECT 'publication', publication_id, 'updated' FROM publication_author \
             WHERE author_id = {row}.author_id;"
        )
    };
    sql.push_str(&format!(
        "CREATE TRIGGER author_name_variant_created AFTER INSERT ON author_name_variant BEGIN {} END;\n\
         CREATE TRIGGER author_name_variant_updated AFTER UPDATE ON author_name_variant BEGIN {} {} END;\n\
         CREATE TRIGGER author_name_variant_deleted AFTER DELETE ON author_name_variant BEGIN {} END;\n",
        variant("NEW"),
        variant("OLD"),
        variant("NEW"),
        variant("OLD"),
    ));
    sql
}

const SQLITE_DOWN: &[&str] = &[
    "publication",
    "author",
    "venue",
    "topic",
    "publication_author",
    "publication_topic",
    "author_name_variant",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            conn.execute_unprepared(POSTGRES_UP).await?;
        } else {
            conn.execute_unprepared(SQLITE_TABLE).await?;
            conn.execute_unprepared(&sqlite_triggers()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            conn.execute_unprepared(POSTGRES_DOWN).await?;
        } else {
            for table in SQLITE_DOWN {
                for event in ["created", "updated", "deleted"] {
                    conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_{event}"))
                        .await?;
                }
            }
            conn.execute_unprepared("DROP TABLE IF EXISTS catalogue_change")
                .await?;
        }
        Ok(())
    }
}
