//! The `talent` command line: the clap types and the dispatch to one module per
//! command.

mod export_schema;
mod migrate;
mod reindex;
mod seed;
mod segments;
mod serve;
mod token;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{LogFormat, StorageConfig, init_logging};

pub use seed::SeedArgs;
pub use serve::ServeArgs;
pub use token::{TokenArgs, jwt_config};

/// The talent marketplace server and its tools.
#[derive(Debug, Parser)]
#[command(name = "talent", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Directory holding talent.db (the embedded database), index/ and jwt-secret.
    #[arg(long, global = true, env = "TALENT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Database URL: a postgres:// URL selects PostgreSQL; by default SQLite at
    /// <data-dir>/talent.db.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Connections in the database pool (default 10 for PostgreSQL, 4 for SQLite).
    #[arg(long, global = true, env = "TALENT_DB_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// SQLite: page cache per pooled connection, in MiB (1..=4096; default 32).
    #[arg(long, global = true, env = "TALENT_SQLITE_CACHE_MIB",
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub sqlite_cache_mib: Option<u32>,
    /// Log format.
    #[arg(
        long,
        global = true,
        env = "TALENT_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default). On an empty embedded database it migrates
    /// and loads the demo data first.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate {
        /// Revert every migration instead (drops all data).
        #[arg(long)]
        revert_all: bool,
    },
    /// Load seed data.
    Seed(SeedArgs),
    /// Mint a development token signed with the configured HS256 secret.
    Token(TokenArgs),
    /// Write the GraphQL schema (SDL) to a file, or to stdout with `-`.
    ExportSchema {
        /// Output path.
        #[arg(long, default_value = "schema.graphql")]
        out: PathBuf,
    },
    /// Rebuild the search index under <data-dir>/index from the database into a fresh
    /// generation and swap it in (stop `talent serve` on this data dir first).
    Reindex,
    /// Read the data and segment the learners once, as the server's insights worker
    /// does, printing the segments of all learners and the time of each stage (a
    /// one-off report, and the end-to-end measure at scale).
    Segments {
        /// Number of segments; omitted: chosen by silhouette in 4..12.
        #[arg(long)]
        k: Option<usize>,
    },
}

/// Parses arguments and runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    init_logging(cli.global.log_format);
    let mut storage = StorageConfig::new(
        cli.global.data_dir.clone(),
        cli.global.database_url.clone(),
        cli.global.pool_size,
    );
    if let Some(mib) = cli.global.sqlite_cache_mib {
        storage.pool.sqlite_cache_mib = mib;
    }
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve::run(&storage, &args).await,
        Command::Migrate { revert_all } => migrate::run(&storage, revert_all).await,
        Command::Seed(args) => seed::run(&storage, &args).await,
        Command::Token(args) => token::run(&storage, &args).await,
        Command::ExportSchema { out } => export_schema::run(&out),
        Command::Reindex => reindex::run(&storage).await,
        Command::Segments { k } => segments::run(&storage, k).await,
    }
}
