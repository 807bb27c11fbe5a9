//! /healthz (the process answers) and /readyz (the database answers, migrations are
//! applied, the index is ready; 503 otherwise, with the failing parts named).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::AppState;
use crate::with_conn;

/// The state of the local search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum IndexState {
    /// Being built or replayed; not ready.
    Building = 0,
    /// Caught up with the outbox.
    Ready = 1,
    /// Failed; see the logs.
    Failed = 2,
}

/// What /readyz checks besides the database.
#[derive(Debug)]
pub struct Readiness {
    migrated: AtomicBool,
    index: AtomicU8,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness {
            migrated: AtomicBool::new(false),
            index: AtomicU8::new(IndexState::Building as u8),
        }
    }
}

impl Readiness {
    /// Records that migrations are applied.
    pub fn set_migrated(&self) {
        self.migrated.store(true, Ordering::SeqCst);
    }
    /// Whether migrations are applied.
    pub fn migrated(&self) -> bool {
        self.migrated.load(Ordering::SeqCst)
    }
    /// Records the index state.
    pub fn set_index(&self, s: IndexState) {
        self.index.store(s as u8, Ordering::SeqCst);
    }
    /// The index state.
    pub fn index(&self) -> IndexState {
        match self.index.load(Ordering::SeqCst) {
            1 => IndexState::Ready,
            2 => IndexState::Failed,
            _ => IndexState::Building,
        }
    }
}

/// Liveness: 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 with `{"status":"ready",...}` or 503 naming what is not ready.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = match tokio::time::timeout(Duration::from_secs(2), ping(&state)).await {
        Ok(Ok(())) => "ok".to_owned(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unavailable".to_owned()
        }
        Err(_) => "timeout".to_owned(),
    };
    let migrated = state.readiness.migrated();
    let index = state.readiness.index();
    let ready = database == "ok" && migrated && index == IndexState::Ready;
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": database,
        "migrations": if migrated { "applied" } else { "pending" },
        "index": match index { IndexState::Ready => "ready", IndexState::Building => "building", IndexState::Failed => "failed" },
        "backend": format!("{:?}", state.db.backend()).to_lowercase(),
    });
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(body),
    )
}

async fn ping(state: &AppState) -> crate::db::DbResult<()> {
    use diesel_async::RunQueryDsl;
    let mut p = state.db.conn().await?;
    let c = &mut p.conn();
    with_conn!(c, |c| diesel::sql_query("SELECT 1").execute(c).await)?;
    Ok(())
}
