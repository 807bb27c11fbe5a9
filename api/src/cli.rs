//! The `talent` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::auth::token::parse_ttl;
use crate::config::{JwtConfig, LogFormat, StorageConfig, init_logging};
use crate::db::{Backend, Db, migrations};
use crate::repo::{self, Role};
use crate::seed::{Catalog, SeedSources};
use crate::server::{self, AppState, Readiness};

/// How long start-up may wait for the database before giving up.
pub const DB_STARTUP_TIMEOUT: Duration = Duration::from_secs(8);

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

/// `talent serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Listen address.
    #[arg(long, env = "TALENT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Do not load the demo data into an empty embedded database.
    #[arg(long)]
    pub no_demo: bool,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            no_demo: false,
        }
    }
}

/// `talent seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// Load the curated catalogue and the demo data (idempotent: a second run changes
    /// nothing).
    #[arg(long)]
    pub demo: bool,
    /// Generate a synthetic population (deterministic from --seed) on top of the
    /// curated catalogue.
    #[arg(long, conflicts_with = "demo")]
    pub synthetic: bool,
    /// Synthetic learners.
    #[arg(long, default_value_t = 10_000)]
    pub learners: usize,
    /// Synthetic jobs.
    #[arg(long, default_value_t = 1_000)]
    pub jobs: usize,
    /// Synthetic microcredentials.
    #[arg(long, default_value_t = 500)]
    pub microcredentials: usize,
    /// RNG seed of the synthetic population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Read the seed files from this directory instead of the copies built into the
    /// binary.
    #[arg(long)]
    pub seeds_dir: Option<PathBuf>,
}

/// `talent token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Subject (`sub`). For a subject that exists, role and organization come from the
    /// database.
    #[arg(long)]
    pub sub: String,
    /// Role, for a subject not in the database: learner, recruiter, institution, admin.
    #[arg(long)]
    pub role: Option<String>,
    /// Organization slug, for a recruiter or institution not in the database.
    #[arg(long)]
    pub org: Option<String>,
    /// Lifetime, e.g. 30m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: Duration,
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
        Command::Serve(args) => serve(&storage, &args).await,
        Command::Migrate { revert_all } => {
            let db = connect(&storage).await?;
            if revert_all {
                let v = migrations::revert_all(&db).await?;
                println!("reverted {} migration(s)", v.len());
            } else {
                let r = migrations::run_pending(&db).await?;
                println!("applied {} migration(s)", r.applied.len());
            }
            Ok(())
        }
        Command::Seed(args) => seed(&storage, &args).await,
        Command::Token(args) => token(&storage, &args).await,
        Command::ExportSchema { out } => {
            let sdl = crate::graphql::sdl();
            if out.as_os_str() == "-" {
                print!("{sdl}");
            } else {
                std::fs::write(&out, sdl)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                eprintln!("wrote {}", out.display());
            }
            Ok(())
        }
        Command::Reindex => crate::indexer::reindex::run(&storage).await,
        Command::Segments { k } => crate::insights::service::report(&storage, k).await,
    }
}

/// Prepares the data dir (SQLite) and connects, within [`DB_STARTUP_TIMEOUT`].
pub async fn connect(storage: &StorageConfig) -> anyhow::Result<Db> {
    if storage.backend() == Backend::Sqlite {
        storage.prepare_data_dir()?;
    }
    let url = storage.redacted_url();
    match tokio::time::timeout(
        DB_STARTUP_TIMEOUT,
        Db::connect(&storage.database_url, &storage.pool),
    )
    .await
    {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(e).with_context(|| format!("cannot connect to the database at {url}")),
        Err(_) => bail!(
            "cannot connect to the database at {url}: no answer within {DB_STARTUP_TIMEOUT:?}"
        ),
    }
}

fn load_catalog(dir: Option<&std::path::Path>) -> anyhow::Result<Catalog> {
    let sources = match dir {
        Some(d) => SeedSources::from_dir(d)?,
        None => SeedSources::embedded(),
    };
    Ok(Catalog::load(&sources)?)
}

async fn serve(storage: &StorageConfig, args: &ServeArgs) -> anyhow::Result<()> {
    storage.prepare_data_dir()?;
    let db = connect(storage).await?;
    tracing::info!(backend = ?db.backend(), url = %storage.redacted_url(), "database connected");
    let readiness = Arc::new(Readiness::default());
    // Listen first, so that /healthz answers and /readyz says 503 while start-up work
    // (migrations, the first demo load) runs.
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let http_cfg = crate::http::HttpConfig::from_env().context("invalid HTTP configuration")?;
    let insights_options =
        crate::insights::InsightsOptions::from_env().context("invalid insights configuration")?;
    let auth_cfg = crate::auth::AuthConfig::from_env(&storage.data_dir)
        .context("invalid JWT configuration")?;
    let verifier = Arc::new(crate::auth::Verifier::new(&auth_cfg).context("invalid JWT keys")?);
    let verifier_keys = verifier.key_count();
    let deferred = server::Deferred::default();
    let app = server::router(
        AppState {
            db: db.clone(),
            readiness: readiness.clone(),
        },
        deferred.clone(),
    );
    let server = tokio::spawn(server::serve(listener, app));
    let startup = async {
        let applied = migrations::run_pending(&db)
            .await
            .context("migrations failed")?;
        if !applied.applied.is_empty() {
            tracing::info!(applied = ?applied.applied, "migrations applied");
        }
        readiness.set_migrated();
        if db.backend() == Backend::Sqlite && !args.no_demo {
            let mut p = db.conn().await?;
            let c = &mut p.conn();
            if repo::skills::search(c, None, &repo::PageRequest::first(1))
                .await?
                .total
                == 0
            {
                tracing::info!("empty embedded database: loading the demo data");
                let report = crate::seed::load_demo(c, &load_catalog(None)?).await?;
                tracing::info!(?report, "demo data loaded");
            }
        }
        // The search index: open (or rebuild) <data-dir>/index, replay the outbox, mark
        // the index ready, then tail the outbox in the background.
        let search = crate::indexer::SearchService::start(
            db.clone(),
            Some(storage.index_dir()),
            readiness.clone(),
        )
        .await
        .context("the search index failed to start")?;
        let insights = crate::insights::InsightsService::start(
            db.clone(),
            search.taxonomy(),
            insights_options.clone(),
        );
        let metrics = Arc::new(crate::http::Metrics::new());
        let pool_db = db.clone();
        metrics.set_pool_gauge(Box::new(move || pool_db.pool_state()));
        let viewers = std::sync::Arc::new(crate::graphql::viewers::ViewerCache::new(
            http_cfg.viewer_cache_ttl,
        ));
        let schema = crate::graphql::build(
            crate::graphql::context::Services {
                db: db.clone(),
                search: search.clone(),
                insights,
                viewers: viewers.clone(),
            },
            &http_cfg,
            metrics.clone(),
        );
        let provider = Arc::new(crate::graphql::AppContextProvider {
            db: db.clone(),
            verifier,
            viewers,
        });
        deferred.set(crate::http::graphql_router(
            schema,
            provider,
            &http_cfg,
            metrics.clone(),
        ));
        spawn_index_metrics(search.clone(), metrics);
        tracing::info!(issuer = %auth_cfg.issuer, audience = %auth_cfg.audience, keys = verifier_keys, "ready");
        anyhow::Ok(search)
    };
    let search = match startup.await {
        Ok(search) => search,
        Err(e) => {
            server.abort();
            return Err(e);
        }
    };
    let served = server.await.context("server task failed");
    search.shutdown().await;
    served??;
    Ok(())
}

/// Exports the index lag and applied sequence every second.
fn spawn_index_metrics(
    search: Arc<crate::indexer::SearchService>,
    metrics: Arc<crate::http::Metrics>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            metrics.set_index_lag(search.lag().await);
            metrics.set_index_applied_seq(search.applied_seq());
        }
    });
}

async fn seed(storage: &StorageConfig, args: &SeedArgs) -> anyhow::Result<()> {
    if !args.demo && !args.synthetic {
        bail!("say what to seed: --demo or --synthetic");
    }
    let catalog = load_catalog(args.seeds_dir.as_deref())?;
    let db = connect(storage).await?;
    migrations::run_pending(&db).await?;
    if args.synthetic {
        let spec = crate::seed::synthetic::SyntheticSpec {
            learners: args.learners,
            jobs: args.jobs,
            microcredentials: args.microcredentials,
            seed: args.seed,
        };
        let total = (spec.learners + spec.jobs + spec.microcredentials) as u64;
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let started = std::time::Instant::now();
        let report = crate::seed::synthetic::load_synthetic(&db, &catalog, spec, |n| {
            bar.set_position(n as u64)
        })
        .await?;
        bar.finish();
        let secs = started.elapsed().as_secs_f64();
        println!(
            "synthetic: {} learners, {} jobs, {} microcredentials, {} rows in {:.1}s ({:.0} learners/s) on {:?}",
            report.learners,
            report.jobs,
            report.microcredentials,
            report.rows,
            secs,
            report.learners as f64 / secs.max(1e-9),
            db.backend()
        );
        return Ok(());
    }
    let mut p = db.conn().await?;
    let report = crate::seed::load_demo(&mut p.conn(), &catalog).await?;
    if report.is_empty() {
        println!("demo data already present: nothing to do");
    } else {
        println!("{report:?}");
    }
    Ok(())
}

/// The settings `talent token` signs with: the HS256 secret (`TALENT_JWT_SECRET`, or
/// the one generated in the data dir) and the issuer/audience the server requires.
pub fn jwt_config(storage: &StorageConfig) -> anyhow::Result<JwtConfig> {
    crate::auth::AuthConfig::from_env(&storage.data_dir)?.mint_config().ok_or_else(|| {
        anyhow::anyhow!("HS256 is disabled (TALENT_JWT_DISABLE_HS256): tokens come from your identity provider")
    })
}

async fn token(storage: &StorageConfig, args: &TokenArgs) -> anyhow::Result<()> {
    storage.prepare_data_dir()?;
    let jwt = jwt_config(storage)?;
    let db = connect(storage).await?;
    migrations::run_pending(&db).await?;
    let mut p = db.conn().await?;
    let c = &mut p.conn();
    let (role, org) = match repo::users::find_by_subject(c, &args.sub).await? {
        Some(user) => {
            let org = match user.organization_id {
                Some(id) => repo::organizations::get_many(c, &[id])
                    .await?
                    .pop()
                    .map(|o| o.slug),
                None => None,
            };
            if let Some(r) = &args.role
                && r.to_uppercase() != user.role.as_str()
            {
                bail!(
                    "{} exists with role {}; --role {r} contradicts it",
                    args.sub,
                    user.role.as_str().to_lowercase()
                );
            }
            (user.role, org)
        }
        None => {
            let Some(r) = &args.role else {
                bail!(
                    "{} is not in the database: give --role (and --org for recruiters and institutions)",
                    args.sub
                )
            };
            let role: Role = r.to_uppercase().parse().map_err(|_| {
                anyhow::anyhow!("--role must be learner, recruiter, institution or admin")
            })?;
            if matches!(role, Role::Recruiter | Role::Institution) {
                let Some(slug) = &args.org else {
                    bail!("--org is required for a {r}")
                };
                if repo::organizations::find_by_slug(c, slug).await?.is_none() {
                    bail!("organization {slug:?} does not exist");
                }
            }
            (role, args.org.clone())
        }
    };
    println!(
        "{}",
        crate::auth::mint(&jwt, &args.sub, role, org.as_deref(), args.ttl)?
    );
    Ok(())
}
