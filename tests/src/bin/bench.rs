//! `cargo run --release -p talent-tests --bin bench -- [options]`: the benchmark of
//! BENCHMARKS.md (our engine, PostgreSQL, SQLite and a brute-force scan on one synthetic
//! data set). Progress on stderr; the results table on stdout; `--json FILE` for the
//! JSON; `--update-doc BENCHMARKS.md` rewrites the document's results section. Exits 1
//! when the systems disagree on a top 20.

use std::path::PathBuf;

use clap::Parser;
use talent_tests::bench::{self, BenchConfig, report};

/// The same allocator as the `talent` server, so that the in-process figures and the
/// HTTP ones compare like with like.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Benchmarks the engine against PostgreSQL, SQLite and a brute-force scan.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Synthetic learners.
    #[arg(long, default_value_t = 1_000_000)]
    learners: usize,
    /// Synthetic jobs.
    #[arg(long, default_value_t = 100_000)]
    jobs: usize,
    /// Synthetic microcredentials.
    #[arg(long, default_value_t = 10_000)]
    microcredentials: usize,
    /// Seed of the data set and of the queries.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Queries per workload for the engine and the scan.
    #[arg(long, default_value_t = 300)]
    queries: usize,
    /// Queries per workload for PostgreSQL and SQLite (the first of the same list; each
    /// takes seconds at 1M learners).
    #[arg(long, default_value_t = 30)]
    sql_queries: usize,
    /// PostgreSQL server where the user may create databases.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// The database the bench creates there (and drops afterwards unless --keep).
    #[arg(long, default_value = "talent_bench")]
    pg_db: String,
    /// Skip PostgreSQL.
    #[arg(long)]
    no_postgres: bool,
    /// Skip the SQLite queries (SQLite is still loaded: the index is built from it).
    #[arg(long)]
    no_sqlite: bool,
    /// Directory for the SQLite database and the index (default: target/bench-data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Reuse the data set of a previous run made with --keep.
    #[arg(long)]
    skip_load: bool,
    /// Keep the databases and the index afterwards (for --skip-load).
    #[arg(long)]
    keep: bool,
    /// Write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Also load `talent serve` over HTTP (needs `cargo build --release -p talent-api`).
    #[arg(long)]
    http: bool,
    /// Seconds per HTTP phase.
    #[arg(long, default_value_t = 30)]
    http_secs: u64,
    /// Longest wait, in seconds, for the started server to go idle (its own start-up
    /// work done) before the HTTP phases.
    #[arg(long, default_value_t = 900)]
    http_settle_secs: u64,
    /// The `talent` binary (default: next to this executable).
    #[arg(long)]
    talent_bin: Option<PathBuf>,
    /// Rewrite the results section of this Markdown file (BENCHMARKS.md).
    #[arg(long)]
    update_doc: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let command = format!(
        "cargo run --release -p talent-tests --bin bench -- {}",
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    );
    let defaults = BenchConfig::default();
    let cfg = BenchConfig {
        learners: args.learners,
        jobs: args.jobs,
        microcredentials: args.microcredentials,
        seed: args.seed,
        queries: args.queries.max(1),
        sql_queries: args.sql_queries,
        pg_url: (!args.no_postgres).then_some(args.pg_url),
        pg_db: args.pg_db,
        data_dir: args.data_dir.unwrap_or(defaults.data_dir),
        skip_load: args.skip_load,
        keep: args.keep,
        no_sqlite: args.no_sqlite,
        http: args.http,
        http_secs: args.http_secs,
        http_settle_secs: args.http_settle_secs,
        talent_bin: args.talent_bin,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = rt.block_on(bench::run(&cfg))?;
    let md = report::markdown(&report, command.trim_end());
    println!("\n{md}");
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report.json())?)?;
        eprintln!("[bench] wrote {}", path.display());
    }
    if let Some(path) = &args.update_doc {
        report::update_doc(path, &md)?;
        eprintln!("[bench] updated the results section of {}", path.display());
    }
    if !report.identical() {
        eprintln!("[bench] FAILED: the systems disagree on a top 20 (see the mismatches above)");
        std::process::exit(1);
    }
    Ok(())
}
