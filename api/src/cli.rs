//! The `api` command line.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::service::{seed, token};
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
    /// Create, list or revoke the API tokens editors use.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Rebuild the read index (`INDEX_DIR`) from the database, then exit. Run it while the
    /// service is stopped; a service also rebuilds a missing or unusable index at start.
    Reindex,
    /// Print the GraphQL schema (SDL), or write it to a file.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Create a token and print it once; only its hash is stored.
    Create {
        /// Who or what uses the token; recorded in the history of every change it makes.
        #[arg(long)]
        name: String,
        /// `editor` runs every mutation; `admin` too, and is kept for destructive tools.
        #[arg(long, value_enum, default_value = "editor")]
        role: RoleArg,
    },
    /// List tokens: name, role, created, revoked.
    List,
    /// Revoke a token by name; requests with it are refused from then on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Editor,
    Admin,
}

impl From<RoleArg> for entity::api_token::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Editor => Self::Editor,
            RoleArg::Admin => Self::Admin,
        }
    }
}

async fn run_token(action: TokenAction) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let db = db::connect(&config.database).await?;
    if config.migrate_on_start {
        db::migrate(&db).await?;
    }
    let mut out = std::io::stdout();
    match action {
        TokenAction::Create { name, role } => {
            let parsed = crate::domain::Name::parse(&name)
                .map_err(|err| anyhow::anyhow!("invalid --name: {err}"))?;
            let (row, secret) = token::create(&db, parsed, role.into())
                .await
                .map_err(|err| match err.sql_err() {
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                        anyhow::anyhow!(
                            "a token named {name:?} exists already (a revoked token keeps its name, so that the history's names stay unambiguous); pick another name"
                        )
                    }
                    _ => anyhow::Error::from(err).context("failed to create the token"),
                })?;
            writeln!(out, "{secret}").context("failed to print the token")?;
            tracing::info!(name = %row.name, "token created; it is shown once and stored only as a hash");
        }
        TokenAction::List => {
            for row in token::list(&db).await.context("failed to list tokens")? {
                let revoked = row
                    .revoked_at
                    .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339());
                writeln!(
                    out,
                    "{}\t{:?}\tcreated {}\trevoked {}",
                    row.name,
                    row.role,
                    row.created_at.to_rfc3339(),
                    revoked
                )
                .context("failed to print the tokens")?;
            }
        }
        TokenAction::Revoke { name } => {
            if !token::revoke(&db, &name)
                .await
                .context("failed to revoke the token")?
            {
                anyhow::bail!("no live token is named {name:?}");
            }
            tracing::info!(%name, "token revoked");
        }
    }
    Ok(())
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
            Command::Token { action } => run_token(action).await,
            Command::Reindex => {
                let config = Config::from_env()?;
                let db = db::connect(&config.database).await?;
                if config.migrate_on_start {
                    db::migrate(&db).await?;
                }
                let index_config = crate::index::IndexConfig::of(&config);
                let Some(dir) = &index_config.dir else {
                    anyhow::bail!(
                        "INDEX_DIR is :memory:, which every start rebuilds; there is nothing to reindex"
                    );
                };
                crate::index::ensure_unused(dir)?;
                let index = crate::index::ReadIndex::new(index_config.clone());
                let revision = index.build(&db).await?;
                tracing::info!(revision, dir = %dir.display(), "rebuilt the read index");
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
