//! Error codes of the HTTP layer and the helpers that code, mask and render errors.
//!
//! Codes added here besides those of DESIGN.md: `BAD_REQUEST` (a malformed HTTP request:
//! bad JSON, no query, a refused batch, a subscription over HTTP, a mutation over GET,
//! an unsupported or unacceptable media type), `GRAPHQL_PARSE_FAILED` (the document does
//! not parse or nests too deep to parse) and `GRAPHQL_VALIDATION_FAILED` (the document
//! does not validate or exceeds the depth, complexity or alias limit).

use async_graphql::ServerError;
use serde_json::{Value, json};

/// The caller is not authenticated (bad or malformed credentials).
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
/// The request itself is malformed at the HTTP level.
pub const BAD_REQUEST: &str = "BAD_REQUEST";
/// The document does not parse.
pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The document does not validate or exceeds a limit.
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
/// The request did not finish in time.
pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
/// An internal error, masked.
pub const INTERNAL: &str = "INTERNAL";
/// The message of every masked internal error.
pub const INTERNAL_MESSAGE: &str = "internal error";

/// The request id of the current request (the `x-request-id` header), in the context
/// data of every HTTP request and WebSocket connection served by
/// [`graphql_router`](super::graphql_router).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// `extensions.code` of `err`, if it has one that is a string.
pub(crate) fn code_of(err: &ServerError) -> Option<&str> {
    match err.extensions.as_ref()?.get("code")? {
        async_graphql::Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Sets `extensions.code` = `code` on `err` unless it already has a code.
pub(crate) fn code_if_missing(mut err: ServerError, code: &str) -> ServerError {
    set_code_if_missing(&mut err, code);
    err
}

/// [`code_if_missing`] in place.
pub(crate) fn set_code_if_missing(err: &mut ServerError, code: &str) {
    if code_of(err).is_none() {
        err.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// A masked internal error: message `internal error`, code `INTERNAL`, the request id.
pub(crate) fn internal_error(request_id: Option<&str>) -> ServerError {
    let mut err = ServerError::new(INTERNAL_MESSAGE, None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", INTERNAL);
    if let Some(id) = request_id {
        ext.set("requestId", id);
    }
    err
}

/// Replaces every error without a code by a masked internal error (keeping its
/// locations and path) after logging the original; coded errors pass unchanged.
pub(crate) fn mask_uncoded(errors: &mut [ServerError], request_id: Option<&str>) {
    for err in errors.iter_mut() {
        if code_of(err).is_some() {
            continue;
        }
        tracing::error!(
            request_id = request_id.unwrap_or("-"),
            path = %path_text(&err.path),
            error = %err.message,
            "internal error in GraphQL execution (masked)"
        );
        let mut masked = internal_error(request_id);
        masked.locations = std::mem::take(&mut err.locations);
        masked.path = std::mem::take(&mut err.path);
        *err = masked;
    }
}

/// A response path as text, `a.b.0.c`.
fn path_text(path: &[async_graphql::PathSegment]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match segment {
            async_graphql::PathSegment::Field(name) => out.push_str(name),
            async_graphql::PathSegment::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

/// A GraphQL response body carrying one request error (no `data`).
pub(crate) fn error_body(code: &str, message: &str, request_id: Option<&str>) -> Value {
    let mut extensions = json!({ "code": code });
    if let Some(id) = request_id {
        extensions["requestId"] = json!(id);
    }
    json!({ "errors": [{ "message": message, "extensions": extensions }] })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn coded_errors_pass_and_uncoded_are_masked() {
        let coded = code_if_missing(ServerError::new("nope", None), "NOT_FOUND");
        let mut errors = vec![
            coded.clone(),
            ServerError::new("db password is hunter2", None),
        ];
        mask_uncoded(&mut errors, Some("req-1"));
        assert_eq!(errors[0], coded);
        assert_eq!(errors[1].message, INTERNAL_MESSAGE);
        assert_eq!(code_of(&errors[1]), Some(INTERNAL));
        let json = serde_json::to_value(&errors[1]).unwrap();
        assert_eq!(json["extensions"]["requestId"], "req-1");
        assert!(!json.to_string().contains("hunter2"));
    }

    #[test]
    fn code_if_missing_keeps_an_existing_code() {
        let e = code_if_missing(ServerError::new("x", None), "A");
        assert_eq!(code_of(&code_if_missing(e, "B")), Some("A"));
    }

    #[test]
    fn error_body_shape() {
        let body = error_body(BAD_REQUEST, "m", None);
        assert_eq!(
            body,
            json!({"errors":[{"message":"m","extensions":{"code":"BAD_REQUEST"}}]})
        );
        assert!(body.get("data").is_none());
    }
}
