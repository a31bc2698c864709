use catalogue_tests::{Backend, TestDatabase, on_both_databases};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

on_both_databases!(
    migrations_go_up_down_and_up_again,
    the_database_refuses_rows_that_break_the_model,
);

const TABLES: [&str; 11] = [
    "catalogue_revision",
    "api_token",
    "history",
    "submission",
    "venue",
    "topic",
    "author",
    "author_name_variant",
    "publication",
    "publication_author",
    "publication_topic",
];

async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        _ => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("list tables")
        .iter()
        .map(|row| row.try_get::<String>("", "name").expect("name column"))
        .collect()
}

async fn migrations_go_up_down_and_up_again(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;

    Migrator::up(&db, None).await.expect("up");
    let after_up = table_names(&db).await;
    Migrator::down(&db, None).await.expect("down");
    let after_down = table_names(&db).await;
    Migrator::up(&db, None).await.expect("up again");
    let after_second_up = table_names(&db).await;

    for table in TABLES {
        assert!(
            after_up.iter().any(|t| t == table),
            "{table} missing after up: {after_up:?}"
        );
        assert!(
            !after_down.iter().any(|t| t == table),
            "{table} left after down: {after_down:?}"
        );
    }
    assert_eq!(after_up, after_second_up);
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .expect("status")
            .is_empty()
    );
}

/// Runs `sql` and says whether the database accepted it.
async fn accepts(db: &DatabaseConnection, sql: &str) -> bool {
    db.execute_unprepared(sql).await.is_ok()
}

const NOW: &str = "'2026-01-01 00:00:00+00:00'";

fn publication(id: i64, overrides: &[(&str, &str)]) -> String {
    let mut columns = vec![
        ("id", id.to_string()),
        ("slug", format!("'paper-{id}'")),
        ("title", "'A paper'".to_owned()),
        ("kind", "'preprint'".to_owned()),
        ("status", "'draft'".to_owned()),
        ("created_at", NOW.to_owned()),
        ("updated_at", NOW.to_owned()),
    ];
    for (name, value) in overrides {
        columns.retain(|(c, _)| c != name);
        columns.push((name, (*value).to_owned()));
    }
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let values: Vec<&str> = columns.iter().map(|(_, v)| v.as_str()).collect();
    format!(
        "INSERT INTO publication ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    )
}

async fn the_database_refuses_rows_that_break_the_model(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    Migrator::up(&db, None).await.expect("up");
    assert!(
        accepts(&db, &publication(1, &[("doi", "'10.1000/abc'")])).await,
        "a valid row"
    );
    // A publication that is not a draft names an author: Postgres checks it at commit (a
    // statement on its own commits at once); SQLite leaves the rule to the service.
    let published_without_authors =
        accepts(&db, &publication(900, &[("status", "'published'")])).await;
    assert_eq!(
        published_without_authors,
        matches!(backend, Backend::Sqlite),
        "a published row without authors"
    );
    assert!(
        accepts(&db, &format!("INSERT INTO author (id, slug, name, created_at, updated_at) VALUES (1, 'a', 'A', {NOW}, {NOW})")).await
    );
    assert!(
        accepts(
            &db,
            "INSERT INTO publication_author (publication_id, author_id, position) VALUES (1, 1, 1)"
        )
        .await
    );

    let refused = [
        ("blank title", publication(2, &[("title", "'   '")])),
        ("unknown kind", publication(3, &[("kind", "'poem'")])),
        ("unknown status", publication(4, &[("status", "'hidden'")])),
        ("date without precision", publication(5, &[("published_on", "'2022-04-01'")])),
        ("duplicate slug", publication(6, &[("slug", "'paper-1'")])),
        ("duplicate DOI", publication(7, &[("doi", "'10.1000/abc'")])),
        ("upper-case DOI", publication(8, &[("doi", "'10.1000/ABC'")])),
        ("missing venue", publication(9, &[("venue_id", "42")])),
        ("version zero", publication(10, &[("version", "0")])),
        ("position zero", "INSERT INTO publication_author (publication_id, author_id, position) VALUES (1, 1, 0)".to_owned()),
        ("author twice", "INSERT INTO publication_author (publication_id, author_id, position) VALUES (1, 1, 2)".to_owned()),
        ("unknown author", "INSERT INTO publication_author (publication_id, author_id, position) VALUES (1, 99, 2)".to_owned()),
        ("topic its own parent", format!("INSERT INTO topic (id, slug, name, parent_id, created_at, updated_at) VALUES (5, 't', 'T', 5, {NOW}, {NOW})")),
        ("unknown venue kind", format!("INSERT INTO venue (slug, name, kind, created_at, updated_at) VALUES ('v', 'V', 'blog', {NOW}, {NOW})")),
        ("author version zero", format!("INSERT INTO author (slug, name, version, created_at, updated_at) VALUES ('c', 'C', 0, {NOW}, {NOW})")),
        ("venue version zero", format!("INSERT INTO venue (slug, name, kind, version, created_at, updated_at) VALUES ('w', 'W', 'conference', 0, {NOW}, {NOW})")),
        ("topic version zero", format!("INSERT INTO topic (slug, name, version, created_at, updated_at) VALUES ('u', 'U', 0, {NOW}, {NOW})")),
        ("malformed ORCID", format!("INSERT INTO author (slug, name, orcid, created_at, updated_at) VALUES ('b', 'B', '123', {NOW}, {NOW})")),
        ("deleting an author with publications", "DELETE FROM author WHERE id = 1".to_owned()),
    ];
    let mut accepted = Vec::new();
    for (what, sql) in &refused {
        if accepts(&db, sql).await {
            accepted.push(*what);
        }
    }
    assert!(accepted.is_empty(), "the database accepted: {accepted:?}");

    // Deleting a publication takes its author links with it.
    assert!(accepts(&db, "DELETE FROM publication WHERE id = 1").await);
    let links = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM publication_author",
        ))
        .await
        .expect("count")
        .expect("a row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(links, 0);
}
