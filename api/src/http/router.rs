//! [`graphql_router`]: the routes of the GraphQL surface and their tower-http layers.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_graphql::{ObjectType, Schema, SubscriptionType};
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::FutureExt as _;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tracing::Instrument as _;

use super::config::HttpConfig;
use super::context::ContextProvider;
use super::guard::{Guarded, Limits};
use super::metrics::Metrics;
use super::{graphiql, handler, ws};

/// The state shared by the handlers.
pub(crate) struct App<E> {
    pub(crate) executor: Guarded<E>,
    pub(crate) provider: Arc<dyn ContextProvider>,
    pub(crate) cfg: HttpConfig,
    pub(crate) metrics: Arc<Metrics>,
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The GraphQL surface for `schema` (built with [`apply_limits`](super::apply_limits)),
/// which runs every document through the depth and alias limits of `cfg` and counts
/// requests and errors in `metrics`:
///
/// - `POST /graphql` and `GET /graphql`: GraphQL over HTTP (statuses and codes in the
///   [module overview](super)); `GET` with `Accept: text/html` and no `query` serves
///   GraphiQL when `cfg.graphiql`;
/// - `GET /graphql/ws`: graphql-transport-ws;
/// - `GET /graphiql/{file}`: the bundled GraphiQL assets;
/// - `GET /metrics`: Prometheus text.
///
/// Layers, outermost first: request id (`x-request-id`: kept when the client sends one,
/// else a new UUID; echoed on the response), access log (one line per request at info,
/// see [`access_log`]), CORS (only when
/// `cfg.cors_origins` is not empty), gzip compression, panic catching outside GraphQL
/// execution (500, code `INTERNAL`), body limit (413).
pub fn graphql_router<Q, M, S>(
    schema: Schema<Q, M, S>,
    ctx: Arc<dyn ContextProvider>,
    cfg: &HttpConfig,
    metrics: Arc<Metrics>,
) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let app = Arc::new(App {
        executor: Guarded::new(
            schema,
            Limits {
                max_depth: cfg.max_depth,
                max_aliases: cfg.max_aliases,
                metrics: metrics.clone(),
            },
        ),
        provider: ctx,
        cfg: cfg.clone(),
        metrics,
    });
    let mut router = Router::new()
        .route(
            "/graphql",
            get(handler::graphql::<Schema<Q, M, S>>).post(handler::graphql::<Schema<Q, M, S>>),
        )
        .route("/graphql/ws", get(ws::graphql_ws::<Schema<Q, M, S>>))
        .route("/metrics", get(metrics_text::<Schema<Q, M, S>>))
        .route("/graphiql/{file}", get(graphiql::asset))
        .with_state(app)
        .layer(RequestBodyLimitLayer::new(cfg.body_limit_bytes))
        .layer(middleware::from_fn(catch_panic))
        .layer(CompressionLayer::new());
    if let Some(cors) = cors_layer(&cfg.cors_origins) {
        router = router.layer(cors);
    }
    router
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(middleware::from_fn(access_log))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
}

/// The GraphQL operation a response answered, for the access log: its name,
/// `(anonymous)`, `(batch)` or `(none)` (nothing executed). Set by the handler.
#[derive(Debug, Clone)]
pub(crate) struct OperationName(pub(crate) String);

/// Runs the request in an `http` span (method, path, request id) and then logs one
/// access line at info, target `talent_api::http::access`: method, path (never the query
/// string, which may carry variables), status, operation, duration in milliseconds and
/// request id. Neither credentials, variables nor the query text are logged.
async fn access_log(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let request_id = req
        .headers()
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let span =
        tracing::info_span!("http", method = %method, path = %path, request_id = %request_id);
    let resp = next.run(req).instrument(span).await;
    let operation = resp
        .extensions()
        .get::<OperationName>()
        .map_or("-", |o| o.0.as_str());
    let duration_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    tracing::info!(
        target: "talent_api::http::access",
        method = %method,
        path = %path,
        status = resp.status().as_u16(),
        operation,
        duration_ms,
        request_id = %request_id,
        "request"
    );
    resp
}

/// CORS for `origins`: `None` when empty (no CORS headers at all, so browsers refuse
/// cross-origin calls), any origin for `*`, else exactly the listed origins.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                X_REQUEST_ID,
            ])
            .expose_headers([X_REQUEST_ID])
            .max_age(std::time::Duration::from_secs(3600)),
    )
}

/// Turns a panic outside GraphQL execution (panics in execution are answered by the
/// executor) into a masked 500 with code `INTERNAL`; the request id header is added by
/// the outer layer.
async fn catch_panic(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::error!(
                request_id = request_id.as_deref().unwrap_or("-"),
                "request handler panicked (masked)"
            );
            handler::panic_response(request_id.as_deref())
        }
    }
}

/// `GET /metrics`.
async fn metrics_text<E>(axum::extract::State(app): axum::extract::State<Arc<App<E>>>) -> Response
where
    E: Send + Sync + 'static,
{
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        app.metrics.render(),
    )
        .into_response()
}
