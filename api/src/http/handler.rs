//! `GET` and `POST /graphql`: GraphQL over HTTP (the GraphQL-over-HTTP draft).
//!
//! Order of checks: media type (406 / 415), credentials (401 or the rejection's status),
//! body (413 beyond the limit, 400 when not a GraphQL request), batch limit (400),
//! operation type (405 for a mutation or subscription over GET, 400 for a subscription
//! over POST), then execution. The whole sequence runs under the request deadline: when
//! it passes, the client gets 504 with one error coded `SERVICE_UNAVAILABLE` and the
//! request id, and the execution is dropped (cancelled at its next await).
//!
//! Status of a GraphQL response: 200 once execution started (field errors and partial
//! data included); a request error (parse, validation, limits: nothing executed) gets
//! 400 with `application/graphql-response+json` and 200 with `application/json`, and
//! its body has no `data` entry. A batch gets 400 under
//! `application/graphql-response+json` only when every operation is a request error.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::Executor;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::context::{Rejection, bearer_token};
use super::errors::{self, RequestId};
use super::guard::Executed;
use super::negotiate::{self, MediaType};
use super::request::{
    GetParams, OperationRefusal, Parsed, check_operation_type, get_request, post_body,
};
use super::router::{App, OperationName};

/// The outcome of one request: what to send and what to record.
struct Outcome {
    response: Response,
    status: StatusCode,
    operation: String,
}

impl Outcome {
    /// A response with one request error (no `data`).
    fn error(
        metrics: &super::metrics::Metrics,
        media: MediaType,
        status: StatusCode,
        code: &str,
        message: &str,
        request_id: Option<&str>,
    ) -> Outcome {
        metrics.count_error(code);
        tracing::debug!(
            status = status.as_u16(),
            code,
            reason = message,
            request_id = request_id.unwrap_or("-"),
            "GraphQL request refused"
        );
        let body = errors::error_body(code, message, request_id);
        Outcome {
            response: json_response(media, status, &body),
            status,
            operation: "(none)".to_string(),
        }
    }
}

fn json_response(media: MediaType, status: StatusCode, body: &Value) -> Response {
    bytes_response(
        media,
        status,
        serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec()),
    )
}

fn bytes_response(media: MediaType, status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    resp
}

/// `GET` / `POST /graphql`.
pub(crate) async fn graphql<E: Executor>(State(app): State<Arc<App<E>>>, req: Request) -> Response {
    let started = Instant::now();
    let headers = req.headers();
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());

    if req.method() == Method::GET
        && app.cfg.graphiql
        && negotiate::wants_html(accept)
        && !has_query_param(req.uri().query())
    {
        return super::graphiql::page();
    }

    let outcome = match negotiate::negotiate(accept) {
        None => Outcome::error(
            &app.metrics,
            MediaType::Json,
            StatusCode::NOT_ACCEPTABLE,
            errors::BAD_REQUEST,
            "not acceptable: accept application/graphql-response+json or application/json",
            request_id.as_deref(),
        ),
        Some(media) => {
            let rid = request_id.as_deref();
            match tokio::time::timeout(app.cfg.request_timeout, serve(&app, media, req, rid)).await
            {
                Ok(outcome) => outcome,
                Err(_elapsed) => {
                    tracing::warn!(request_id = rid.unwrap_or("-"), "GraphQL request timed out");
                    Outcome::error(
                        &app.metrics,
                        media,
                        StatusCode::GATEWAY_TIMEOUT,
                        errors::SERVICE_UNAVAILABLE,
                        "the request did not complete in time",
                        rid,
                    )
                }
            }
        }
    };
    app.metrics.observe_request(
        &outcome.operation,
        outcome.status.as_u16(),
        started.elapsed(),
    );
    let mut response = outcome.response;
    response
        .extensions_mut()
        .insert(OperationName(outcome.operation));
    response
}

fn has_query_param(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv.split('=').next() == Some("query")))
}

async fn serve<E: Executor>(
    app: &App<E>,
    media: MediaType,
    req: Request,
    request_id: Option<&str>,
) -> Outcome {
    let bad = |status: StatusCode, message: &str| {
        Outcome::error(
            &app.metrics,
            media,
            status,
            errors::BAD_REQUEST,
            message,
            request_id,
        )
    };
    let is_get = req.method() == Method::GET;
    if !is_get {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        if !negotiate::is_json_content_type(ct) {
            return bad(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported media type: send application/json",
            );
        }
    }

    // Credentials before the body: a refused caller costs no parsing.
    let bearer = match bearer_token(req.headers().get(header::AUTHORIZATION)) {
        Ok(b) => b,
        Err(rejection) => return rejected(app, media, &rejection, request_id),
    };
    let first_data = match app.provider.context(bearer.clone()).await {
        Ok(data) => data,
        Err(rejection) => return rejected(app, media, &rejection, request_id),
    };

    let parsed = if is_get {
        match Query::<GetParams>::try_from_uri(req.uri()) {
            Err(_) => return bad(StatusCode::BAD_REQUEST, "malformed query string"),
            Ok(Query(params)) => match get_request(params) {
                Ok(r) => Parsed::Single(Box::new(r)),
                Err(message) => return bad(StatusCode::BAD_REQUEST, &message),
            },
        }
    } else {
        let limit = app.cfg.body_limit_bytes;
        let bytes = match axum::body::to_bytes(req.into_body(), limit).await {
            Ok(b) => b,
            Err(err) => {
                return if is_length_limit(&err) {
                    bad(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
                } else {
                    bad(StatusCode::BAD_REQUEST, "could not read the request body")
                };
            }
        };
        match post_body(&bytes) {
            Ok(p) => p,
            Err(message) => return bad(StatusCode::BAD_REQUEST, &message),
        }
    };

    let batch = matches!(parsed, Parsed::Batch(_));
    let requests = match parsed {
        Parsed::Single(r) => vec![*r],
        Parsed::Batch(rs) => {
            if app.cfg.max_batch <= 1 {
                return bad(StatusCode::BAD_REQUEST, "batched requests are not accepted");
            }
            if rs.is_empty() || rs.len() > app.cfg.max_batch {
                return bad(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "a batch holds 1 to {} operations, not {}",
                        app.cfg.max_batch,
                        rs.len()
                    ),
                );
            }
            rs
        }
    };

    // Parse each document once and choose its operation; a request error answers an
    // operation that cannot run, the transport refuses the others it does not run.
    let mut items = Vec::with_capacity(requests.len());
    for r in requests {
        let item = app.executor.prepare(r);
        if let Ok(prepared) = &item
            && let Some(refusal) = check_operation_type(prepared.ty, is_get)
        {
            return match refusal {
                OperationRefusal::MutationOverGet => {
                    let mut o = bad(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "only queries run over GET: send mutations with POST",
                    );
                    o.response
                        .headers_mut()
                        .insert(header::ALLOW, HeaderValue::from_static("POST"));
                    o
                }
                OperationRefusal::SubscriptionOverHttp => bad(
                    StatusCode::BAD_REQUEST,
                    "subscriptions run over WebSocket at /graphql/ws (graphql-transport-ws)",
                ),
            };
        }
        items.push(item);
    }

    // Context data for every operation that runs: the first from the check above, the
    // others anew (Data cannot be cloned).
    let mut first_data = Some(first_data);
    for item in &mut items {
        let Ok(prepared) = item else { continue };
        let mut data = match first_data.take() {
            Some(d) => d,
            None => match app.provider.context(bearer.clone()).await {
                Ok(d) => d,
                Err(rejection) => return rejected(app, media, &rejection, request_id),
            },
        };
        if let Some(id) = request_id {
            data.insert(RequestId(id.to_string()));
        }
        *prepared.data_mut() = data;
    }

    let executed: Vec<Executed> =
        futures::future::join_all(items.into_iter().map(|item| async move {
            match item {
                Ok(prepared) => app.executor.run(prepared, request_id).await,
                Err(refused) => *refused,
            }
        }))
        .await;

    let mut http_headers = HeaderMap::new();
    let mut bodies = Vec::with_capacity(executed.len());
    let mut request_errors = 0;
    for Executed {
        response: resp,
        request_error,
        ..
    } in &executed
    {
        let request_error = *request_error;
        request_errors += usize::from(request_error);
        if resp.is_ok()
            && let Some(cc) = resp.cache_control.value()
            && let Ok(v) = HeaderValue::from_str(&cc)
            && !batch
        {
            http_headers.insert(header::CACHE_CONTROL, v);
        }
        http_headers.extend(resp.http_headers.clone());
        bodies.push(ResponseBody {
            resp,
            request_error,
        });
    }
    let status = if media == MediaType::GraphQLResponseJson && request_errors == bodies.len() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Serialized straight from async-graphql's values: no serde_json::Value copy of a
    // response that can hold thousands of fields.
    let (bytes, operation) = if batch {
        (serde_json::to_vec(&bodies), "(batch)".to_string())
    } else {
        let op = match &executed[0] {
            e if e.request_error => "(none)".to_string(),
            e => e
                .operation
                .clone()
                .unwrap_or_else(|| "(anonymous)".to_string()),
        };
        (serde_json::to_vec(&bodies[0]), op)
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "a GraphQL response could not be serialized");
            return Outcome::error(
                &app.metrics,
                media,
                StatusCode::INTERNAL_SERVER_ERROR,
                errors::INTERNAL,
                errors::INTERNAL_MESSAGE,
                request_id,
            );
        }
    };
    let mut response = bytes_response(media, status, bytes);
    response.headers_mut().extend(http_headers);
    Outcome {
        response,
        status,
        operation,
    }
}

fn rejected<E: Executor>(
    app: &App<E>,
    media: MediaType,
    rejection: &Rejection,
    request_id: Option<&str>,
) -> Outcome {
    let status = rejection.status();
    let mut o = Outcome::error(
        &app.metrics,
        media,
        status,
        rejection.code,
        &rejection.message,
        request_id,
    );
    if status == StatusCode::UNAUTHORIZED {
        o.response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    o
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// One GraphQL response as sent: a request error (nothing executed) has no `data`
/// entry (GraphQL over HTTP), anything else is async-graphql's own serialization.
struct ResponseBody<'a> {
    resp: &'a async_graphql::Response,
    request_error: bool,
}

impl serde::Serialize for ResponseBody<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        if !self.request_error {
            return self.resp.serialize(s);
        }
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("errors", &self.resp.errors)?;
        if !self.resp.extensions.is_empty() {
            map.serialize_entry("extensions", &self.resp.extensions)?;
        }
        map.end()
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        self.response
    }
}

/// The body of a request that could not be served because of a panic outside GraphQL
/// execution (panics in execution are caught by the [`Guarded`](super::guard::Guarded)
/// executor).
pub(crate) fn panic_response(request_id: Option<&str>) -> Response {
    json_response(
        MediaType::Json,
        StatusCode::INTERNAL_SERVER_ERROR,
        &errors::error_body(errors::INTERNAL, errors::INTERNAL_MESSAGE, request_id),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn query_param_detection() {
        assert!(has_query_param(Some("query=%7Ba%7D")));
        assert!(has_query_param(Some("x=1&query=")));
        assert!(!has_query_param(Some("queryX=1")));
        assert!(!has_query_param(None));
    }
}
