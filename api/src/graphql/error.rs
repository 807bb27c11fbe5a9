//! The one boundary between internal errors and GraphQL errors: every error a client
//! sees carries `extensions.code` (DESIGN.md "Errors"); internal details are logged,
//! never returned.

use async_graphql::ErrorExtensions;

use crate::db::DbError;

/// An error as the API reports it.
///
/// Deliberately not `Display`: async-graphql converts any `Display` error into a
/// GraphQL error without a code, and this type must only ever become one *with* its
/// code (see the `From` impl below). Use [`ApiError::message`].
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No valid token for an operation that needs one.
    Unauthenticated,
    /// Signed in, but not allowed.
    Forbidden(String),
    /// Bad arguments: the message says which and why.
    BadUserInput(String),
    /// The thing does not exist, or the caller may not know that it does.
    NotFound(&'static str),
    /// A dependency (database, index) is not available right now.
    Unavailable(String),
    /// A bug or an unexpected failure; details are in the logs only.
    Internal(String),
}

impl ApiError {
    /// The `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Unavailable(_) => "SERVICE_UNAVAILABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }

    /// The message the client sees (internal details never appear in it).
    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthenticated => "authentication required".into(),
            ApiError::Forbidden(m) | ApiError::BadUserInput(m) => m.clone(),
            ApiError::NotFound(what) => format!("{what} not found"),
            ApiError::Unavailable(_) => "service unavailable, try again".into(),
            ApiError::Internal(_) => "internal error".into(),
        }
    }

    /// What went wrong, for the logs: the internal detail of [`ApiError::Internal`] and
    /// [`ApiError::Unavailable`], else the client's message.
    pub fn detail(&self) -> String {
        match self {
            ApiError::Internal(detail) | ApiError::Unavailable(detail) => detail.clone(),
            other => other.message(),
        }
    }

    /// Shorthand for [`ApiError::BadUserInput`].
    pub fn bad(msg: impl Into<String>) -> Self {
        ApiError::BadUserInput(msg.into())
    }

    /// Shorthand for [`ApiError::Forbidden`].
    pub fn forbidden(msg: impl Into<String>) -> Self {
        ApiError::Forbidden(msg.into())
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(e: ApiError) -> Self {
        match &e {
            ApiError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "dependency unavailable")
            }
            _ => {}
        }
        let code = e.code();
        async_graphql::Error::new(e.message()).extend_with(|_, ext| ext.set("code", code))
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::NotFound(what) => ApiError::NotFound(what),
            DbError::Invalid(m) => ApiError::BadUserInput(m),
            DbError::Conflict(m) => ApiError::BadUserInput(m),
            DbError::Unavailable(m) => ApiError::Unavailable(m),
            DbError::Query(q) => ApiError::Internal(q.to_string()),
        }
    }
}

impl From<search_index::EngineError> for ApiError {
    fn from(e: search_index::EngineError) -> Self {
        use search_index::EngineError as E;
        match e {
            E::InvalidInput(m) => ApiError::BadUserInput(m),
            E::Invalid(s) => ApiError::BadUserInput(s.to_string()),
            E::Query(m) => ApiError::BadUserInput(format!("invalid text query: {m}")),
            E::Cursor => ApiError::BadUserInput("invalid cursor".into()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Result of resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_code_and_internals_are_masked() {
        let cases = [
            (ApiError::Unauthenticated, "UNAUTHENTICATED"),
            (ApiError::forbidden("no"), "FORBIDDEN"),
            (ApiError::bad("first must be 1..100"), "BAD_USER_INPUT"),
            (ApiError::NotFound("job"), "NOT_FOUND"),
            (ApiError::Unavailable("db".into()), "SERVICE_UNAVAILABLE"),
            (ApiError::Internal("secret detail".into()), "INTERNAL"),
        ];
        for (e, code) in cases {
            let g: async_graphql::Error = e.into();
            let ext = g.extensions.as_ref().and_then(|x| x.get("code")).cloned();
            assert_eq!(ext, Some(async_graphql::Value::from(code)));
            assert!(!g.message.contains("secret detail"));
        }
        assert_eq!(
            ApiError::from(DbError::Conflict("slug".into())).code(),
            "BAD_USER_INPUT"
        );
        assert_eq!(
            ApiError::from(DbError::NotFound("learner")).code(),
            "NOT_FOUND"
        );
        let q = DbError::Query(diesel::result::Error::RollbackTransaction);
        assert_eq!(ApiError::from(q).code(), "INTERNAL");
    }
}
