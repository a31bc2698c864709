//! Fills a catalogue database with generated publications, for benchmarks.

use std::time::Instant;

use anyhow::Context as _;
use catalogue_bench::generate::{self, Options};
use catalogue_bench::say;
use clap::Parser;
use migration::{Migrator, MigratorTrait as _};
use sea_orm::{ConnectOptions, Database};

/// Generates a deterministic catalogue (the same seed gives the same data) and bulk-loads it.
///
/// Refuses a database that holds publications already, unless `--force`, which deletes the
/// catalogue (publications, authors, venues, topics, history; API tokens stay) first.
#[derive(Debug, Parser)]
#[command(name = "catalogue-gen", version)]
struct Args {
    /// postgres://user@127.0.0.1/db or sqlite://path?mode=rwc.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// How many publications to generate.
    #[arg(long, default_value_t = 100_000)]
    publications: usize,
    /// The seed of the pseudo-random generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Delete the catalogue the database holds before loading.
    #[arg(long)]
    force: bool,
}

#[tokio::main]
async fn main() {
    if let Err(err) = run(Args::parse()).await {
        eprintln!("catalogue-gen: {err:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut options = ConnectOptions::new(args.database_url.clone());
    options.max_connections(2).sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("failed to connect to the database")?;
    Migrator::up(&db, None)
        .await
        .context("failed to apply the migrations")?;
    say!(
        "migrations applied in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let cleared = Instant::now();
    generate::check_empty(&db, args.force).await?;
    if args.force {
        say!(
            "catalogue emptied in {:.1} s",
            cleared.elapsed().as_secs_f64()
        );
    }
    let report = generate::load_reporting(
        &db,
        Options {
            publications: args.publications,
            seed: args.seed,
        },
        &|phase| say!("{:<20} {:>8.1} s", phase.name, phase.elapsed.as_secs_f64()),
    )
    .await?;
    let counts = report.counts;
    say!("{:<20} {:>8}", "topics", counts.topics);
    say!("{:<20} {:>8}", "venues", counts.venues);
    say!("{:<20} {:>8}", "authors", counts.authors);
    say!("{:<20} {:>8}", "name variants", counts.author_name_variants);
    say!("{:<20} {:>8}", "publications", counts.publications);
    say!("{:<20} {:>8}", "author links", counts.publication_authors);
    say!("{:<20} {:>8}", "topic links", counts.publication_topics);
    say!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
