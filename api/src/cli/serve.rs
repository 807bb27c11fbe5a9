//! `talent serve`.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;

use crate::auth::AuthConfig;
use crate::config::StorageConfig;
use crate::db;
use crate::http::HttpConfig;
use crate::indexer::IndexerOptions;
use crate::insights::InsightsOptions;
use crate::server::{self, AppConfig};

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

/// The app's configuration from the environment (see [`crate::config`]), with the
/// index under the data dir.
fn app_config(storage: &StorageConfig, args: &ServeArgs) -> anyhow::Result<AppConfig> {
    Ok(AppConfig {
        http: HttpConfig::from_env().context("invalid HTTP configuration")?,
        auth: AuthConfig::from_env(&storage.data_dir).context("invalid JWT configuration")?,
        insights: InsightsOptions::from_env().context("invalid insights configuration")?,
        indexer: IndexerOptions::default(),
        index_dir: Some(storage.index_dir()),
        demo: !args.no_demo,
    })
}

/// Connects, listens, then runs the app's start-up while serving (/healthz answers and
/// /readyz says 503 until it is done); serves until SIGINT or SIGTERM.
pub(super) async fn run(storage: &StorageConfig, args: &ServeArgs) -> anyhow::Result<()> {
    storage.prepare_data_dir()?;
    let db = db::connect(storage).await?;
    tracing::info!(
        backend = db.backend().as_str(),
        url = %storage.redacted_url(),
        "database connected"
    );
    let (app, startup) = server::build_app(db, app_config(storage, args)?)?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let server = tokio::spawn(server::serve(listener, app, server::shutdown_signal()));
    let handles = match startup.run().await {
        Ok(handles) => handles,
        Err(e) => {
            server.abort();
            return Err(e);
        }
    };
    let served = server.await.context("server task failed");
    handles.shutdown().await;
    served??;
    Ok(())
}
