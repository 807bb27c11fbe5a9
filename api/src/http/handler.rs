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
use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::context::{Rejection, bearer_token};
use super::errors::{self, RequestId};
use super::limits::RequestState;
use super::negotiate::{self, MediaType};
use super::router::App;

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
        let body = errors::error_body(code, message, request_id);
        Outcome {
            response: json_response(media, status, &body),
            status,
            operation: "(none)".to_string(),
        }
    }
}

fn json_response(media: MediaType, status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
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
    outcome.response
}

fn has_query_param(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.split('&').any(|kv| kv.split('=').next() == Some("query")))
}

/// The query parameters of `GET /graphql`.
#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// One request or a batch, before execution.
enum Parsed {
    Single(Box<async_graphql::Request>),
    Batch(Vec<async_graphql::Request>),
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
    let mut requests = match parsed {
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

    for r in &mut requests {
        if let Some(refusal) = check_operation_type(r, is_get) {
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
    }

    // Context data for every operation: the first from the check above, the others anew
    // (Data cannot be cloned).
    let mut states = Vec::with_capacity(requests.len());
    let mut first_data = Some(first_data);
    for r in &mut requests {
        let mut data = match first_data.take() {
            Some(d) => d,
            None => match app.provider.context(bearer.clone()).await {
                Ok(d) => d,
                Err(rejection) => return rejected(app, media, &rejection, request_id),
            },
        };
        let state = Arc::new(RequestState::default());
        if let Some(id) = request_id {
            data.insert(RequestId(id.to_string()));
        }
        data.insert(state.clone());
        r.data = data;
        states.push(state);
    }

    let responses =
        futures::future::join_all(requests.into_iter().map(|r| app.executor.execute(r))).await;

    let mut http_headers = HeaderMap::new();
    let mut bodies = Vec::with_capacity(responses.len());
    let mut request_errors = 0;
    for (resp, state) in responses.into_iter().zip(&states) {
        let request_error = !state.executed() && !resp.errors.is_empty();
        request_errors += usize::from(request_error);
        if resp.is_ok()
            && let Some(cc) = resp.cache_control.value()
            && let Ok(v) = HeaderValue::from_str(&cc)
            && !batch
        {
            http_headers.insert(header::CACHE_CONTROL, v);
        }
        http_headers.extend(resp.http_headers.clone());
        let mut body = serde_json::to_value(&resp).unwrap_or(Value::Null);
        if request_error && let Value::Object(map) = &mut body {
            map.remove("data");
        }
        bodies.push(body);
    }
    let status = if media == MediaType::GraphQLResponseJson && request_errors == bodies.len() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (body, operation) = if batch {
        (Value::Array(bodies), "(batch)".to_string())
    } else {
        let op = match &states[0] {
            s if s.executed() => s.operation().unwrap_or_else(|| "(anonymous)".to_string()),
            _ => "(none)".to_string(),
        };
        (bodies.pop().unwrap_or(Value::Null), op)
    };
    let mut response = json_response(media, status, &body);
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

fn get_request(params: GetParams) -> Result<async_graphql::Request, String> {
    let query = params
        .query
        .ok_or_else(|| "missing the `query` parameter".to_string())?;
    let mut object = serde_json::Map::new();
    object.insert("query".into(), Value::String(query));
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        object.insert("operationName".into(), Value::String(name));
    }
    for (key, raw) in [
        ("variables", params.variables),
        ("extensions", params.extensions),
    ] {
        if let Some(raw) = raw.filter(|r| !r.is_empty()) {
            let v: Value =
                serde_json::from_str(&raw).map_err(|e| format!("`{key}` is not JSON: {e}"))?;
            object.insert(key.into(), v);
        }
    }
    request_from_json(Value::Object(object))
}

fn post_body(bytes: &[u8]) -> Result<Parsed, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the body is not JSON: {e}"))?;
    match value {
        Value::Array(items) => items
            .into_iter()
            .map(request_from_json)
            .collect::<Result<Vec<_>, _>>()
            .map(Parsed::Batch),
        other => request_from_json(other).map(|r| Parsed::Single(Box::new(r))),
    }
}

/// A GraphQL request from its JSON form: `query` a string; `operationName` a string or
/// null; `variables` and `extensions` objects or null.
fn request_from_json(value: Value) -> Result<async_graphql::Request, String> {
    let Value::Object(mut object) = value else {
        return Err("a GraphQL request is a JSON object".to_string());
    };
    if !object.get("query").is_some_and(Value::is_string) {
        return Err("`query` must be a string".to_string());
    }
    for (key, ok) in [
        (
            "operationName",
            object
                .get("operationName")
                .is_none_or(|v| v.is_string() || v.is_null()),
        ),
        (
            "variables",
            object
                .get("variables")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
        (
            "extensions",
            object
                .get("extensions")
                .is_none_or(|v| v.is_object() || v.is_null()),
        ),
    ] {
        if !ok {
            return Err(format!("`{key}` has the wrong type"));
        }
    }
    object.retain(|_, v| !v.is_null());
    serde_json::from_value(Value::Object(object)).map_err(|e| format!("not a GraphQL request: {e}"))
}

enum OperationRefusal {
    MutationOverGet,
    SubscriptionOverHttp,
}

/// Parses the document once (reused by execution) and refuses operations this
/// transport does not run. Documents that do not parse or name no known operation are
/// left to execution, which reports them as request errors.
fn check_operation_type(
    req: &mut async_graphql::Request,
    is_get: bool,
) -> Option<OperationRefusal> {
    let doc = async_graphql::parser::parse_query(&req.query).ok()?;
    let ty = match (&doc.operations, req.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    req.set_parsed_query(doc);
    match ty {
        Some(OperationType::Mutation | OperationType::Subscription) if is_get => {
            Some(OperationRefusal::MutationOverGet)
        }
        Some(OperationType::Subscription) => Some(OperationRefusal::SubscriptionOverHttp),
        _ => None,
    }
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        self.response
    }
}

/// The body of a request that could not be served because of a panic outside the
/// resolvers (they are caught field by field by the guard extension).
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
    fn request_json_shapes() {
        assert!(request_from_json(serde_json::json!({"query": "{a}"})).is_ok());
        assert!(
            request_from_json(serde_json::json!({"query": "{a}", "variables": null, "operationName": null, "extensions": null}))
                .is_ok()
        );
        let r = request_from_json(serde_json::json!({"query": "query Q($x: Int) {a}", "operationName": "Q", "variables": {"x": 1}})).unwrap();
        assert_eq!(r.operation_name.as_deref(), Some("Q"));
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"query": 5}),
            serde_json::json!({"query": "{a}", "variables": [1]}),
            serde_json::json!({"query": "{a}", "operationName": 3}),
            serde_json::json!("{a}"),
        ] {
            assert!(request_from_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn operation_types_per_transport() {
        let check = |q: &str, name: Option<&str>, get: bool| {
            let mut r = async_graphql::Request::new(q);
            r.operation_name = name.map(str::to_string);
            check_operation_type(&mut r, get)
        };
        assert!(check("{ a }", None, true).is_none());
        assert!(matches!(
            check("mutation { a }", None, true),
            Some(OperationRefusal::MutationOverGet)
        ));
        assert!(matches!(
            check("subscription { a }", None, true),
            Some(OperationRefusal::MutationOverGet)
        ));
        assert!(check("mutation { a }", None, false).is_none());
        assert!(matches!(
            check("subscription { a }", None, false),
            Some(OperationRefusal::SubscriptionOverHttp)
        ));
        let two = "query Q { a } mutation M { b }";
        assert!(check(two, Some("Q"), true).is_none());
        assert!(matches!(
            check(two, Some("M"), true),
            Some(OperationRefusal::MutationOverGet)
        ));
        // Ambiguous or unparsable: left to execution (a request error, nothing runs).
        assert!(check(two, None, true).is_none());
        assert!(check("{", None, true).is_none());
    }

    #[test]
    fn query_param_detection() {
        assert!(has_query_param(Some("query=%7Ba%7D")));
        assert!(has_query_param(Some("x=1&query=")));
        assert!(!has_query_param(Some("queryX=1")));
        assert!(!has_query_param(None));
    }
}
