//! Routes that exist only once start-up work is done: the server listens (and answers
//! /healthz and /readyz) from the first moment, while the GraphQL routes answer 503
//! until migrations, the first demo load and the index are ready.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::future::BoxFuture;
use tower::ServiceExt;

/// A router set once, later; 503 with a JSON GraphQL error until then.
#[derive(Clone, Default)]
pub struct Deferred(Arc<OnceLock<Router>>);

impl Deferred {
    /// Installs the router (only the first call has an effect).
    pub fn set(&self, router: Router) {
        let _ = self.0.set(router);
    }
}

impl tower::Service<Request<Body>> for Deferred {
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let inner = self.0.get().cloned();
        Box::pin(async move {
            match inner {
                Some(router) => router.oneshot(req).await,
                None => Ok((
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("content-type", "application/json"), ("retry-after", "2")],
                    r#"{"errors":[{"message":"starting up","extensions":{"code":"SERVICE_UNAVAILABLE"}}]}"#,
                )
                    .into_response()),
            }
        })
    }
}
