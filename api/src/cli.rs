//! The `api` command line.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::service::seed;
use crate::startup::Application;
use crate::{db, graphql};

/// GraphQL service for research-publication catalogues.
///
/// Configured by environment variables (see the README); with none set it serves an embedded
/// SQLite catalogue, seeded with sample publications, on http://127.0.0.1:8000/graphql.
#[derive(Debug, Parser)]
#[command(name = "api", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load the sample catalogue; entries already present are left alone.
    Seed,
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => {
                let config = Config::from_env()?;
                let app = Application::build(&config).await?;
                tracing::info!(
                    "serving GraphQL on http://{}:{}/graphql",
                    config.bind.ip(),
                    app.port()
                );
                app.run_until_stopped()
                    .await
                    .context("the HTTP server failed")
            }
            Command::Migrate => {
                let config = Config::from_env()?;
                let db = db::connect(&config.database).await?;
                db::migrate(&db).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::Seed => {
                let config = Config::from_env()?;
                let db = db::connect(&config.database).await?;
                if config.migrate_on_start {
                    db::migrate(&db).await?;
                }
                let report = seed::load(&db, seed::SAMPLE_CATALOGUE).await?;
                tracing::info!(
                    created = report.created,
                    already_present = report.already_present,
                    "sample catalogue loaded"
                );
                Ok(())
            }
            Command::ExportSchema { output } => {
                let sdl = graphql::sdl();
                match output {
                    Some(path) => std::fs::write(&path, sdl)
                        .with_context(|| format!("failed to write {}", path.display())),
                    None => std::io::stdout()
                        .write_all(sdl.as_bytes())
                        .context("failed to write the schema to standard output"),
                }
            }
        }
    }
}
