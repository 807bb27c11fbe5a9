//! The HTTP server: the app's assembly and start-up ([`build_app`]), health and
//! readiness, graceful shutdown.

mod app;
pub mod deferred;
pub mod health;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::db::Db;
use crate::readiness::Readiness;
pub use app::{AppConfig, AppHandles, Startup, build_app};
pub use deferred::Deferred;

/// Shared state of the HTTP handlers.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// What /readyz reports.
    pub readiness: Arc<Readiness>,
}

/// The router: /healthz, /readyz, and everything else from `rest` once it is set.
pub fn router(state: AppState, rest: Deferred) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .fallback_service(rest)
}

/// Serves `router` on `listener` until `shutdown` resolves (`talent serve`:
/// [`shutdown_signal`]), then drains in-flight requests and returns.
///
/// Connections get TCP_NODELAY: a response larger than one segment otherwise waits for
/// the client's delayed ACK (Nagle), which measured ~28 ms per candidate search over
/// loopback against ~2 ms in process.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    match listener.local_addr() {
        Ok(addr) => tracing::info!(addr = %addr, "listening"),
        Err(_) => tracing::info!("listening"),
    }
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set on a connection");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT: shutting down"),
        () = term => tracing::info!("SIGTERM: shutting down"),
    }
}
