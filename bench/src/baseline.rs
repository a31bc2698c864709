//! The raw-SQL baseline: the statements the service runs for one listing page, captured
//! from its debug log (`RUST_LOG=api::sql=debug`, JSON lines), replayed straight against the
//! database with the same concurrency. The service's throughput as a share of it says what
//! the layers above SQL (HTTP, GraphQL, loaders, serialisation) cost.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, bail};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::load::{self, Api, Outcome, Tally};
use crate::server::{Log, Server};

/// The statements of one warm listing request (the second of two, so that the count
/// cache is as warm as under load), in the order they ran.
pub async fn capture(
    api_bin: &Path,
    client: &reqwest::Client,
    body: &str,
) -> anyhow::Result<Vec<String>> {
    let (server, stderr) = Server::start(
        api_bin,
        &[("RUST_LOG", "warn,api::sql=debug"), ("LOG_FORMAT", "json")],
        Log::Piped,
        client,
    )
    .await?;
    let stderr = stderr.context("the server's log was not piped")?;
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = tokio::spawn({
        let lines = Arc::clone(&lines);
        async move {
            let mut reader = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        }
    });
    let api = Api::new(client.clone(), &server.base_url);
    let seen = || lines.lock().map(|lines| lines.len()).unwrap_or(0);
    api.post(body.to_owned(), None)
        .await
        .map_err(anyhow::Error::msg)
        .context("the listing request failed")?;
    // The server writes a request's log lines before it answers; give the reader time.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = seen();
    api.post(body.to_owned(), None)
        .await
        .map_err(anyhow::Error::msg)
        .context("the listing request failed")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.stop().await;
    reader.abort();
    let lines = lines
        .lock()
        .map_err(|_| anyhow::anyhow!("the log reader failed"))?
        .clone();
    let statements: Vec<String> = lines
        .get(start..)
        .unwrap_or_default()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "api::sql")
        .filter_map(|line| line["fields"]["statement"].as_str().map(str::to_owned))
        .collect();
    if statements.is_empty() {
        bail!(
            "the server logged no SQL statement for the listing page; does this api binary log \
             them at RUST_LOG=api::sql=debug?"
        );
    }
    Ok(statements)
}

/// Replays `statements` in sequence, as one request, on `clients` tasks sharing a pool of as
/// many connections.
pub async fn replay(
    database_url: &str,
    statements: Vec<String>,
    clients: usize,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<Tally> {
    let mut options = ConnectOptions::new(database_url.to_owned());
    let size = u32::try_from(clients).unwrap_or(u32::MAX);
    options
        .max_connections(size)
        .min_connections(size)
        .sqlx_logging(false);
    let db: DatabaseConnection = Database::connect(options)
        .await
        .context("failed to connect to the database for the baseline")?;
    let statements = Arc::new(statements);
    let round = move |db: DatabaseConnection, statements: Arc<Vec<String>>| async move {
        let backend = db.get_database_backend();
        for sql in statements.iter() {
            if let Err(err) = db
                .query_all_raw(Statement::from_string(backend, sql.clone()))
                .await
            {
                return Outcome::Error(err.to_string());
            }
        }
        Outcome::Ok
    };
    let step = {
        let db = db.clone();
        let statements = Arc::clone(&statements);
        move |_: usize, _: u64| round(db.clone(), Arc::clone(&statements))
    };
    if let Outcome::Error(err) = round(db.clone(), Arc::clone(&statements)).await {
        bail!("a captured statement fails when replayed: {err}");
    }
    if !warmup.is_zero() {
        load::run(clients, warmup, step.clone()).await?;
    }
    let tally = load::run(clients, duration, step).await?;
    db.close()
        .await
        .context("failed to close the baseline pool")?;
    Ok(tally)
}
