//! Opening the catalogue database and bringing its schema up to date.

use std::path::Path;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::config::DatabaseConfig;

/// Opens a pool on the configured database, creating the embedded SQLite file if needed.
///
/// The error names the database by its redacted URL, and any secret of the URL that a
/// driver quotes in its own message is scrubbed from it, since the error reaches the log.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    open(config)
        .await
        .map_err(|err| anyhow::anyhow!(config.scrub(&crate::error::one_line(&err))))
}

async fn open(config: &DatabaseConfig) -> anyhow::Result<DatabaseConnection> {
    if config.embedded {
        create_private_dir(&config.data_dir).with_context(|| {
            format!(
                "failed to create the data directory {} (set DATA_DIR or DATABASE_URL)",
                config.data_dir.display()
            )
        })?;
    }
    // Only where sqlx would create the file (`mode=rwc`); otherwise a missing file stays
    // an error.
    if let Some(file) = config.sqlite_file()
        && config.url.contains("mode=rwc")
    {
        create_private_file(&file)
            .with_context(|| format!("failed to create the SQLite file {}", file.display()))?;
    }
    if let Some(file) = config.sqlite_file()
        && !config.url.contains("mode=rwc")
        && !file.exists()
    {
        anyhow::bail!(
            "the SQLite file {} does not exist; add ?mode=rwc to DATABASE_URL to create it",
            file.display()
        );
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
        .map_err(|err| match config.sqlite_file() {
            // SQLite says only "(code: 14) unable to open database file".
            Some(file) if err.to_string().contains("code: 14") => err.context(format!(
                "cannot open the SQLite file {}: its directory must exist and be writable by \
                 this user, for the file and its -wal and -shm companions (DATA_DIR is relative \
                 to the working directory)",
                file.display()
            )),
            _ => err,
        })
        .with_context(|| format!("failed to connect to {}", config.redacted_url()))?;
    if config.is_sqlite() {
        // Readers do not wait for a writer in WAL mode; the setting is kept in the file.
        db.execute_unprepared("PRAGMA journal_mode = WAL")
            .await
            .context("failed to switch the SQLite file to WAL mode")?;
    }
    Ok(db)
}

/// Creates `dir` (and its parents) readable by the service's user only (0700 on Unix); an
/// existing directory is left as the operator made it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates the SQLite file, when it does not exist yet, readable and writable by the
/// service's user only (0600 on Unix): the catalogue holds drafts and submitters' contacts.
/// SQLite gives its `-wal` and `-shm` files the permissions of the database file.
fn create_private_file(file: &Path) -> std::io::Result<()> {
    if file.exists() {
        return Ok(());
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        // Another process created it in between: SQLite opens it as it is.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err),
    }
}

/// Opens one plain connection first: the pool retries a refused connection until its
/// timeout and then reports only "timed out", where the operator needs the real cause.
async fn check_postgres_reachable(config: &DatabaseConfig) -> anyhow::Result<()> {
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _, postgres::PgConnectOptions};

    let context = || format!("failed to connect to {}", config.redacted_url());
    let options: PgConnectOptions = config.url.parse().with_context(context)?;
    let connected = tokio::time::timeout(config.connect_timeout, options.connect())
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {:?}", config.connect_timeout))
        .with_context(context)?;
    let connection = match connected {
        Ok(connection) => connection,
        Err(err) if database_missing(&err) => {
            create_postgres_database(config, &options).await?;
            options.connect().await.with_context(context)?
        }
        Err(err) => return Err(anyhow::Error::from(err).context(context())),
    };
    connection.close().await.with_context(context)
}

/// Whether Postgres said the database does not exist (SQLSTATE 3D000).
fn database_missing(err: &sea_orm::sqlx::Error) -> bool {
    err.as_database_error()
        .and_then(|err| err.code())
        .is_some_and(|code| code == "3D000")
}

/// Creates the database `DATABASE_URL` names, through the server's `postgres` database, when
/// the role may; otherwise says how to create it.
async fn create_postgres_database(
    config: &DatabaseConfig,
    options: &sea_orm::sqlx::postgres::PgConnectOptions,
) -> anyhow::Result<()> {
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _, Executor as _};

    let name = options.get_database().unwrap_or_default().to_owned();
    let how = || {
        format!(
            "the database {name:?} does not exist on {} and this role may not create it; \
             create it (`createdb {name}`, or CREATE DATABASE in psql) and start again",
            config.redacted_url()
        )
    };
    let mut maintenance = options
        .clone()
        .database("postgres")
        .connect()
        .await
        .with_context(how)?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    // The name is an identifier from the operator's own URL, quoted with its quotes doubled;
    // CREATE DATABASE takes no bind parameters.
    let statement = sea_orm::sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}"));
    let created = maintenance.execute(statement).await;
    let _ = maintenance.close().await;
    match created {
        Ok(_) => {
            tracing::info!(database = %name, "created the database, which did not exist");
            Ok(())
        }
        // Another instance created it meanwhile (duplicate_database).
        Err(err)
            if err
                .as_database_error()
                .and_then(|err| err.code())
                .is_some_and(|code| code == "42P04") =>
        {
            Ok(())
        }
        Err(err) => Err(anyhow::Error::from(err).context(how())),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[cfg(unix)]
    #[tokio::test]
    async fn the_embedded_database_is_private_to_the_services_user() {
        use std::os::unix::fs::PermissionsExt as _;
        let temp = tempfile::tempdir().expect("a temporary directory");
        let data_dir = temp.path().join("data");
        let data_dir_text = data_dir.display().to_string();
        let config = Config::from_lookup(|name| match name {
            "DATA_DIR" => Some(data_dir_text.clone()),
            _ => None,
        })
        .expect("a valid configuration");

        let db = connect(&config.database).await.expect("the file opens");
        db.execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .expect("a write");

        let mode = |path: &Path| {
            std::fs::metadata(path)
                .expect("the path exists")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&data_dir), 0o700);
        assert_eq!(mode(&data_dir.join("catalogue.sqlite")), 0o600);
        assert_eq!(mode(&data_dir.join("catalogue.sqlite-wal")), 0o600);
    }

    #[tokio::test]
    async fn a_connection_error_does_not_quote_a_query_string_password() {
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://me@127.0.0.1:1/x?password=hunter2secret".to_owned()),
            "DATABASE_CONNECT_TIMEOUT_SECS" => Some("1".to_owned()),
            _ => None,
        })
        .expect("a valid configuration");

        let err = connect(&config.database)
            .await
            .expect_err("nothing listens on port 1");

        let line = crate::error::one_line(&err);
        assert!(line.contains("failed to connect to"), "{line}");
        assert!(!line.contains("hunter2secret"), "{line}");
    }
}
