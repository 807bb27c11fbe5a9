//! Who is calling: [`ContextProvider`] turns a bearer token (or none) into the context
//! data of one request or one WebSocket connection, or a [`Rejection`].

use futures::future::BoxFuture;

/// Builds the per-request (or per-WebSocket-connection) context data from the bearer
/// token. `None` means the caller sent no credentials (anonymous).
pub trait ContextProvider: Send + Sync + 'static {
    /// The context data for a caller presenting `bearer`, or why it is refused. The
    /// operation never runs after a rejection.
    fn context(
        &self,
        bearer: Option<String>,
    ) -> BoxFuture<'static, Result<async_graphql::Data, Rejection>>;
}

/// Why a caller is refused: a GraphQL error with `extensions.code` = `code`.
///
/// Over HTTP the status is 401 for `UNAUTHENTICATED` (with `WWW-Authenticate: Bearer`),
/// 403 for `FORBIDDEN`, 429 for `RATE_LIMITED`, 503 for `SERVICE_UNAVAILABLE`, 500 for
/// `INTERNAL` and 400 otherwise. Over WebSocket the connection is closed with 4403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The `extensions.code`, e.g. `"UNAUTHENTICATED"`.
    pub code: &'static str,
    /// The message shown to the client; it must not reveal internals.
    pub message: String,
}

impl Rejection {
    /// An `UNAUTHENTICATED` rejection with `message`.
    pub fn unauthenticated(message: impl Into<String>) -> Rejection {
        Rejection {
            code: "UNAUTHENTICATED",
            message: message.into(),
        }
    }

    /// The HTTP status of this rejection (see the type docs).
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self.code {
            "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
            "FORBIDDEN" => StatusCode::FORBIDDEN,
            "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
            "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Rejection {}

/// The bearer token of an `Authorization` header value: `Ok(None)` without a header,
/// `Ok(Some(token))` for `Bearer <token>` (scheme case-insensitive), and an
/// `UNAUTHENTICATED` rejection for anything else (another scheme, an empty token, bytes
/// that are not visible ASCII).
pub fn bearer_token(header: Option<&axum::http::HeaderValue>) -> Result<Option<String>, Rejection> {
    let Some(value) = header else {
        return Ok(None);
    };
    let malformed =
        || Rejection::unauthenticated("malformed Authorization header: expected `Bearer <token>`");
    let value = value.to_str().map_err(|_| malformed())?;
    bearer_from_str(value).map(Some).ok_or_else(malformed)
}

/// The token of `Bearer <token>`, or `None` when `value` is not of that form.
pub(crate) fn bearer_from_str(value: &str) -> Option<String> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then(|| token.to_string())
}

/// The bearer token of a graphql-transport-ws `connection_init` payload:
/// `{"Authorization": "Bearer <token>"}` (key case-insensitive) or `{"token": "<token>"}`;
/// no payload or neither key = anonymous; a malformed value = `UNAUTHENTICATED`.
pub fn bearer_from_init_payload(payload: &serde_json::Value) -> Result<Option<String>, Rejection> {
    let malformed = || Rejection::unauthenticated("malformed connection_init credentials");
    let Some(object) = payload.as_object() else {
        return if payload.is_null() {
            Ok(None)
        } else {
            Err(malformed())
        };
    };
    if let Some((_, v)) = object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    {
        return v
            .as_str()
            .and_then(bearer_from_str)
            .map(Some)
            .ok_or_else(malformed);
    }
    match object.get("token") {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty() && !t.contains(' '))
            .map(|t| Some(t.to_string()))
            .ok_or_else(malformed),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token(None), Ok(None));
        let ok = |s: &str| bearer_token(Some(&HeaderValue::from_str(s).unwrap()));
        assert_eq!(ok("Bearer abc"), Ok(Some("abc".into())));
        assert_eq!(ok("bearer  abc "), Ok(Some("abc".into())));
        for bad in [
            "Basic dXNlcjpwdw==",
            "Bearer",
            "Bearer ",
            "abc",
            "Bearer a b",
            "",
        ] {
            let err = ok(bad).unwrap_err();
            assert_eq!(err.code, "UNAUTHENTICATED", "{bad:?}");
            assert_eq!(err.status(), axum::http::StatusCode::UNAUTHORIZED);
        }
    }

    #[test]
    fn init_payload_forms() {
        assert_eq!(bearer_from_init_payload(&json!(null)), Ok(None));
        assert_eq!(bearer_from_init_payload(&json!({})), Ok(None));
        assert_eq!(
            bearer_from_init_payload(&json!({"Authorization": "Bearer t1"})),
            Ok(Some("t1".into()))
        );
        assert_eq!(
            bearer_from_init_payload(&json!({"authorization": "Bearer t1"})),
            Ok(Some("t1".into()))
        );
        assert_eq!(
            bearer_from_init_payload(&json!({"token": "t2"})),
            Ok(Some("t2".into()))
        );
        for bad in [
            json!({"Authorization": "Basic x"}),
            json!({"Authorization": 5}),
            json!({"token": ""}),
            json!({"token": null}),
            json!("Bearer x"),
        ] {
            assert!(bearer_from_init_payload(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejection_statuses() {
        use axum::http::StatusCode;
        let r = |code| Rejection {
            code,
            message: String::new(),
        };
        assert_eq!(r("FORBIDDEN").status(), StatusCode::FORBIDDEN);
        assert_eq!(r("RATE_LIMITED").status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            r("SERVICE_UNAVAILABLE").status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(r("BAD_USER_INPUT").status(), StatusCode::BAD_REQUEST);
    }
}
