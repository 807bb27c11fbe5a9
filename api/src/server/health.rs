//! /healthz (the process answers) and /readyz (the database answers, migrations are
//! applied, the index is ready; 503 otherwise, with the failing parts named).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::json;

use super::AppState;
use crate::readiness::IndexState;
use crate::with_conn;

/// Liveness: 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: 200 with `{"status":"ready",...}` or 503 naming what is not ready.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    let database = match tokio::time::timeout(Duration::from_secs(2), ping(&state)).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "unavailable"
        }
        Err(_) => "timeout",
    };
    let migrated = state.readiness.migrated();
    let index = state.readiness.index();
    let ready = database == "ok" && migrated && index == IndexState::Ready;
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": database,
        "migrations": if migrated { "applied" } else { "pending" },
        "index": index.as_str(),
        "backend": state.db.backend().as_str(),
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
