//! The generator on a small SQLite catalogue: the counts asked for, data the service's own
//! parsers accept, and the same catalogue for the same seed.

use catalogue_bench::generate::{self, Options};
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

async fn fresh_database(dir: &tempfile::TempDir, name: &str) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let db = Database::connect(url).await.expect("SQLite opens");
    Migrator::up(&db, None).await.expect("migrations apply");
    db
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query runs")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("a text column"))
        .collect()
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("query runs")
        .expect("a row")
        .try_get_by_index::<i64>(0)
        .expect("a number")
}

/// Everything generated, as text, to compare two runs.
async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let mut rows = Vec::new();
    for sql in [
        "SELECT id || '|' || slug || '|' || title || '|' || abstract || '|' || kind || '|' || \
         status || '|' || COALESCE(published_on, '-') || '|' || COALESCE(venue_id, '-') || '|' || \
         COALESCE(doi, '-') || '|' || COALESCE(arxiv_id, '-') FROM publication ORDER BY id",
        "SELECT id || '|' || slug || '|' || name || '|' || COALESCE(orcid, '-') FROM author ORDER BY id",
        "SELECT publication_id || '|' || author_id || '|' || position FROM publication_author \
         ORDER BY publication_id, position",
        "SELECT publication_id || '|' || topic_id FROM publication_topic ORDER BY 1",
        "SELECT id || '|' || name || '|' || kind FROM venue ORDER BY id",
    ] {
        rows.extend(strings(db, sql).await);
    }
    rows
}

const OPTIONS: Options = Options {
    publications: 200,
    seed: 7,
};

#[tokio::test]
async fn the_generator_loads_the_publications_asked_for_within_every_constraint() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = fresh_database(&dir, "one.sqlite").await;

    let report = generate::load(&db, OPTIONS)
        .await
        .expect("the load succeeds");

    assert_eq!(report.counts.publications, 200);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM publication").await, 200);
    assert_eq!(report.counts.topics, 40);
    assert_eq!(report.counts.venues, 500);
    assert_eq!(
        number(&db, "SELECT COUNT(DISTINCT kind) FROM venue").await,
        6,
        "every venue kind"
    );
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM publication_author").await as u64,
        report.counts.publication_authors
    );
    // Author positions run 1..n without gaps.
    assert_eq!(
        number(
            &db,
            "SELECT COUNT(*) FROM (SELECT publication_id FROM publication_author \
             GROUP BY publication_id HAVING MIN(position) <> 1 OR MAX(position) <> COUNT(*))"
        )
        .await,
        0
    );
    assert_eq!(
        number(
            &db,
            "SELECT COUNT(*) FROM publication WHERE id NOT IN \
             (SELECT publication_id FROM publication_author)"
        )
        .await,
        0,
        "every publication has authors"
    );
    for orcid in strings(&db, "SELECT orcid FROM author WHERE orcid IS NOT NULL").await {
        api::domain::Orcid::parse(&orcid).expect("a valid ORCID iD");
    }
    for doi in strings(&db, "SELECT doi FROM publication WHERE doi IS NOT NULL").await {
        api::domain::Doi::parse(&doi).expect("a valid DOI");
    }
    for arxiv in strings(
        &db,
        "SELECT arxiv_id FROM publication WHERE arxiv_id IS NOT NULL",
    )
    .await
    {
        api::domain::ArxivId::parse(&arxiv).expect("a valid arXiv id");
    }
    for slug in strings(&db, "SELECT slug FROM publication").await {
        api::domain::Slug::parse(&slug).expect("a valid slug");
    }
    assert!(
        number(
            &db,
            "SELECT COUNT(*) FROM publication WHERE status <> 'published'"
        )
        .await
            > 0,
        "some drafts or archived entries"
    );
    assert!(
        number(&db, "SELECT revision FROM catalogue_revision").await > 0,
        "the revision moved"
    );
}

#[tokio::test]
async fn the_same_seed_gives_the_same_catalogue_and_another_seed_another() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let first = fresh_database(&dir, "first.sqlite").await;
    let second = fresh_database(&dir, "second.sqlite").await;
    let third = fresh_database(&dir, "third.sqlite").await;

    generate::load(&first, OPTIONS)
        .await
        .expect("the load succeeds");
    generate::load(&second, OPTIONS)
        .await
        .expect("the load succeeds");
    let other = Options { seed: 8, ..OPTIONS };
    generate::load(&third, other)
        .await
        .expect("the load succeeds");

    let (first, second, third) = (dump(&first).await, dump(&second).await, dump(&third).await);
    assert_eq!(first, second);
    assert_ne!(first, third);
}

#[tokio::test]
async fn a_catalogue_with_publications_is_refused_unless_forced() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = fresh_database(&dir, "full.sqlite").await;
    generate::load(
        &db,
        Options {
            publications: 20,
            seed: 1,
        },
    )
    .await
    .expect("the load succeeds");

    let refused = generate::check_empty(&db, false).await;
    generate::check_empty(&db, true).await.expect("forced");
    let reloaded = generate::load(
        &db,
        Options {
            publications: 30,
            seed: 1,
        },
    )
    .await;

    let message = format!("{:#}", refused.expect_err("refused"));
    assert!(message.contains("--force"), "{message}");
    assert_eq!(reloaded.expect("the load succeeds").counts.publications, 30);
    assert_eq!(number(&db, "SELECT COUNT(*) FROM publication").await, 30);
}
