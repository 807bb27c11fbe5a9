//! The app, assembled once for `talent serve` and the end-to-end tests.
//!
//! [`build_app`] returns the router at once, to be served before anything else runs:
//! /healthz answers, /readyz says 503 naming what is not ready, and every other route
//! answers 503 SERVICE_UNAVAILABLE ([`super::Deferred`]). [`Startup::run`] then applies
//! the migrations, loads the demo data into an empty embedded database (when asked),
//! starts the search index and the insights worker, builds the GraphQL schema and
//! installs its routes, and returns the [`AppHandles`] the caller shuts down with.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use tokio::task::JoinHandle;

use super::{AppState, Deferred, router};
use crate::auth::{AuthConfig, Verifier};
use crate::db::{Backend, Db, migrations};
use crate::graphql::AppContextProvider;
use crate::graphql::context::Services;
use crate::graphql::viewers::ViewerCache;
use crate::http::{HttpConfig, Metrics};
use crate::indexer::{IndexerOptions, SearchService};
use crate::insights::{InsightsOptions, InsightsService};
use crate::readiness::Readiness;
use crate::repo;
use crate::seed::{Catalog, SeedSources};

/// Everything the app is assembled from besides the database.
#[derive(Clone)]
pub struct AppConfig {
    /// HTTP limits and the viewer cache.
    pub http: HttpConfig,
    /// The tokens accepted.
    pub auth: AuthConfig,
    /// The insights worker.
    pub insights: InsightsOptions,
    /// The indexer.
    pub indexer: IndexerOptions,
    /// Where the search index lives; `None`: in memory.
    pub index_dir: Option<PathBuf>,
    /// Load the demo data at start-up when the database is embedded (SQLite) and empty.
    pub demo: bool,
}

/// How often the index lag and applied sequence are exported: every second, or as
/// seldom as the indexer polls the outbox when it polls less often (reading the lag
/// costs a statement; an app tuned to poll rarely keeps its statements to requests).
const INDEX_METRICS_INTERVAL: Duration = Duration::from_secs(1);

/// Assembles the app on `db`: the router to serve now and the [`Startup`] that makes it
/// ready. Fails only on configuration that cannot work (JWT keys).
pub fn build_app(db: Db, config: AppConfig) -> anyhow::Result<(Router, Startup)> {
    let verifier = Arc::new(Verifier::new(&config.auth).context("invalid JWT keys")?);
    let readiness = Arc::new(Readiness::default());
    let routes = Deferred::default();
    let app = router(
        AppState {
            db: db.clone(),
            readiness: readiness.clone(),
        },
        routes.clone(),
    );
    Ok((
        app,
        Startup {
            db,
            config,
            verifier,
            readiness,
            routes,
        },
    ))
}

/// The start-up work of an app whose router is already served.
pub struct Startup {
    db: Db,
    config: AppConfig,
    verifier: Arc<Verifier>,
    readiness: Arc<Readiness>,
    routes: Deferred,
}

impl Startup {
    /// What /readyz reports.
    pub fn readiness(&self) -> Arc<Readiness> {
        self.readiness.clone()
    }

    /// Migrates, loads the demo data if asked and the embedded database is empty,
    /// starts the search index (ready in /readyz once caught up) and the insights
    /// worker, installs the GraphQL routes and starts exporting the index metrics.
    ///
    /// # Errors
    /// Migrations, the demo load or the index failed; the GraphQL routes stay 503.
    pub async fn run(self) -> anyhow::Result<AppHandles> {
        let Startup {
            db,
            config,
            verifier,
            readiness,
            routes,
        } = self;
        let report = migrations::run_pending(&db)
            .await
            .context("migrations failed")?;
        if !report.applied.is_empty() {
            tracing::info!(
                applied = report.applied.len(),
                versions = %report.applied.join(", "),
                "migrations applied"
            );
        }
        readiness.set_migrated();
        if config.demo && db.backend() == Backend::Sqlite {
            load_demo_if_empty(&db).await?;
        }
        let search = SearchService::start_with(
            db.clone(),
            config.index_dir.clone(),
            readiness.clone(),
            config.indexer.clone(),
        )
        .await
        .context("the search index failed to start")?;
        let insights =
            InsightsService::start(db.clone(), search.taxonomy(), config.insights.clone());
        let metrics = Arc::new(Metrics::new());
        let pool_db = db.clone();
        metrics.set_pool_gauge(Box::new(move || pool_db.pool_state()));
        let viewers = Arc::new(ViewerCache::new(config.http.viewer_cache_ttl));
        let schema = crate::graphql::build(
            Services {
                db: db.clone(),
                search: search.clone(),
                insights: insights.clone(),
                viewers: viewers.clone(),
            },
            &config.http,
            metrics.clone(),
        );
        let provider = Arc::new(AppContextProvider {
            db,
            verifier: verifier.clone(),
            viewers,
        });
        routes.set(crate::http::graphql_router(
            schema,
            provider,
            &config.http,
            metrics.clone(),
        ));
        let index_metrics = spawn_index_metrics(
            search.clone(),
            metrics.clone(),
            INDEX_METRICS_INTERVAL.max(config.indexer.poll_interval),
        );
        tracing::info!(
            issuer = %config.auth.issuer,
            audience = %config.auth.audience,
            keys = verifier.key_count(),
            "ready"
        );
        Ok(AppHandles {
            search,
            insights,
            metrics,
            readiness,
            index_metrics,
        })
    }
}

/// Loads the demo data when the database holds no skill yet.
async fn load_demo_if_empty(db: &Db) -> anyhow::Result<()> {
    let mut p = db.conn().await?;
    let c = &mut p.conn();
    let skills = repo::skills::search(c, None, &repo::PageRequest::first(1)).await?;
    if skills.total > 0 {
        return Ok(());
    }
    tracing::info!("empty embedded database: loading the demo data");
    let catalog = Catalog::load(&SeedSources::embedded())?;
    let r = crate::seed::load_demo(c, &catalog).await?;
    tracing::info!(
        skills = r.skills,
        occupations = r.occupations,
        organizations = r.organizations,
        microcredentials = r.microcredentials,
        jobs = r.jobs,
        users = r.users,
        learners = r.learners,
        "demo data loaded"
    );
    Ok(())
}

/// Exports the index lag and applied sequence every `every`, the first time one
/// `every` from now.
fn spawn_index_metrics(
    search: Arc<SearchService>,
    metrics: Arc<Metrics>,
    every: Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            metrics.set_index_lag(search.lag().await);
            metrics.set_index_applied_seq(search.applied_seq());
        }
    })
}

/// The running app's services, for the caller to use and to shut down.
pub struct AppHandles {
    /// The search index.
    pub search: Arc<SearchService>,
    /// The insights worker.
    pub insights: Arc<InsightsService>,
    /// The metrics /metrics exports.
    pub metrics: Arc<Metrics>,
    /// What /readyz reports.
    pub readiness: Arc<Readiness>,
    index_metrics: JoinHandle<()>,
}

impl AppHandles {
    /// Stops the background work: the index metrics, the insights worker and the
    /// index's tail task (which commits). Call once the server has stopped.
    pub async fn shutdown(&self) {
        self.index_metrics.abort();
        self.insights.shutdown();
        self.search.shutdown().await;
    }
}

impl Drop for AppHandles {
    fn drop(&mut self) {
        // The task holds the search service (and the index directory's lock).
        self.index_metrics.abort();
    }
}
