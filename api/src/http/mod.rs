//! The GraphQL HTTP surface, generic over any `async_graphql::Schema`: GraphQL over
//! HTTP at `/graphql`, graphql-transport-ws at `/graphql/ws`, an offline GraphiQL,
//! Prometheus metrics at `/metrics`, and the hardening around them.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
//! # use talent_api::http::{ContextProvider, HttpConfig, Metrics, apply_limits, graphql_router};
//! # struct Query;
//! # #[Object] impl Query { async fn ping(&self) -> bool { true } }
//! # async fn run(provider: Arc<dyn ContextProvider>) -> anyhow::Result<()> {
//! let cfg = HttpConfig::from_env()?;
//! let metrics = Arc::new(Metrics::new());
//! let schema = apply_limits(Schema::build(Query, EmptyMutation, EmptySubscription), &cfg).finish();
//! let app = graphql_router(schema, provider, &cfg, metrics);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Behaviour, in one place (details in each module):
//!
//! | situation | HTTP status | `extensions.code` |
//! |---|---|---|
//! | executed (with or without field errors) | 200 | the field errors' own |
//! | parse error | 400 (`graphql-response+json`) / 200 (`json`) | `GRAPHQL_PARSE_FAILED` |
//! | validation error; depth, complexity or alias limit | 400 / 200 | `GRAPHQL_VALIDATION_FAILED` |
//! | variable missing, null or of the wrong type (the message names it) | 400 / 200 | `GRAPHQL_VALIDATION_FAILED` |
//! | unknown `operationName`, several operations and none named | 400 / 200 | `BAD_REQUEST` |
//! | malformed JSON, missing `query`, refused batch | 400 | `BAD_REQUEST` |
//! | subscription over HTTP | 400 | `BAD_REQUEST` |
//! | mutation or subscription over `GET` | 405, `Allow: POST` | `BAD_REQUEST` |
//! | other method | 405 (empty body) | |
//! | `Content-Type` not `application/json` | 415 | `BAD_REQUEST` |
//! | `Accept` admits neither JSON type | 406 | `BAD_REQUEST` |
//! | malformed `Authorization` or a rejected token | 401, `WWW-Authenticate: Bearer` | `UNAUTHENTICATED` |
//! | body over the limit | 413 | `BAD_REQUEST` (or empty when `Content-Length` says so) |
//! | deadline passed | 504 | `SERVICE_UNAVAILABLE` + `requestId` |
//! | error without a code raised in execution | 200 (field error) | `INTERNAL`, message `internal error`, + `requestId` |
//! | panic in execution (a resolver's) | 200, `data` null | `INTERNAL`, message `internal error`, + `requestId` |
//! | panic outside execution | 500 | `INTERNAL` + `requestId` |
//!
//! Every response carries `x-request-id` (the client's, or a new UUID).
//!
//! The limits, the error coding and masking, the panic catching and the error metrics
//! run once per operation around async-graphql's execution (the `guard` module), for
//! HTTP and WebSocket alike; no schema extension is installed, so async-graphql
//! resolves every field on its cheapest path.

mod config;
mod context;
mod errors;
mod graphiql;
mod guard;
mod handler;
mod limits;
mod metrics;
mod negotiate;
mod order;
mod request;
mod router;
mod variables;
mod ws;

pub use config::HttpConfig;
pub use context::{ContextProvider, Rejection, bearer_from_init_payload, bearer_token};
pub use errors::{
    BAD_REQUEST, GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, INTERNAL, INTERNAL_MESSAGE,
    RequestId, SERVICE_UNAVAILABLE, UNAUTHENTICATED,
};
pub use limits::{RECURSION_LIMIT, apply_limits};
pub use metrics::{MAX_LABEL_VALUES, Metrics, PoolGauge};
pub use negotiate::{MediaType, negotiate};
pub use router::graphql_router;
pub use ws::{CLOSE_FORBIDDEN, CLOSE_INIT_TIMEOUT, CLOSE_INTERNAL};
