//! Opening the catalogue database and bringing its schema up to date.

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::config::DatabaseConfig;

/// Opens a pool on the configured database, creating the embedded SQLite file if needed.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    if config.embedded {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "failed to create the data directory {} (set DATA_DIR or DATABASE_URL)",
                config.data_dir.display()
            )
        })?;
    }
    if !config.is_sqlite() {
        check_postgres_reachable(config).await?;
    }
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections)
        .min_connections(0)
        .connect_timeout(config.connect_timeout)
        .acquire_timeout(config.acquire_timeout)
        .sqlx_logging(false);
    if let Some(timeout) = config.statement_timeout {
        options.statement_timeout(timeout);
    }
    let db = tokio::time::timeout(config.connect_timeout, Database::connect(options))
        .await
        .map_err(|_| anyhow::anyhow!("timed out after {:?}", config.connect_timeout))
        .and_then(|connected| connected.map_err(anyhow::Error::from))
        .with_context(|| format!("failed to connect to {}", config.redacted_url()))?;
    if config.is_sqlite() {
        // Readers do not wait for a writer in WAL mode; the setting is kept in the file.
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("failed to switch the SQLite file to WAL mode")?;
    }
    Ok(db)
}

/// Opens one plain connection first: the pool retries a refused connection until its
/// timeout and then reports only "timed out", where the operator needs the real cause.
async fn check_postgres_reachable(config: &DatabaseConfig) -> anyhow::Result<()> {
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _, postgres::PgConnectOptions};

    let context = || format!("failed to connect to {}", config.redacted_url());
    let options: PgConnectOptions = config.url.parse().with_context(context)?;
    let connection = tokio::time::timeout(config.connect_timeout, options.connect())
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {:?}", config.connect_timeout))
        .with_context(context)?
        .with_context(context)?;
    connection.close().await.with_context(context)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("failed to apply the database migrations")
}

/// Whether the database answers and has every migration applied, for `/readyz`.
pub async fn readiness(db: &DatabaseConnection) -> Result<(), String> {
    db.ping()
        .await
        .map_err(|_| "the database does not answer".to_owned())?;
    let pending = Migrator::get_pending_migrations(db)
        .await
        .map_err(|_| "the migration table cannot be read".to_owned())?;
    if pending.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} migration(s) not applied; run `api migrate`",
            pending.len()
        ))
    }
}
