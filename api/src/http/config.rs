//! [`HttpConfig`]: the limits and switches of the GraphQL HTTP surface.
//!
//! Environment variables read by [`HttpConfig::from_env`] (unset = the default; a set but
//! invalid value is an error, never a silent default):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `TALENT_MAX_DEPTH` | 12 | deepest field nesting of an operation (`ofType` inside introspection does not count, so the standard introspection query runs) |
//! | `TALENT_MAX_COMPLEXITY` | 5000 | complexity budget of an operation (connections cost by `first`) |
//! | `TALENT_MAX_ALIASES` | 30 | aliased fields per operation, `__typename` included |
//! | `TALENT_MAX_BATCH` | 10 | operations in a JSON array body; 1 refuses batches |
//! | `TALENT_BODY_LIMIT_BYTES` | 1048576 | request body size (larger: 413) |
//! | `TALENT_REQUEST_TIMEOUT_SECS` | 10 | whole-request deadline (exceeded: 504, code `SERVICE_UNAVAILABLE`) |
//! | `TALENT_CORS_ORIGINS` | empty | comma-separated allowed origins; empty = no CORS headers; `*` = any |
//! | `TALENT_GRAPHIQL` | true | serve the offline GraphiQL page to browsers at `GET /graphql` |
//! | `TALENT_VIEWER_CACHE_SECS` | 30 | how long a verified token's user is kept in memory (never past the token's `exp`); 0 = verify and provision on every request |

use std::time::Duration;

use anyhow::{Context as _, bail};

/// Limits and switches of the GraphQL HTTP surface. See the module docs for the
/// environment variables and defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Deepest field nesting of an operation (`ofType` links inside introspection do
    /// not count; see [`crate::http`]'s limits). By default, 12.
    pub max_depth: usize,
    /// Complexity budget of an operation. By default, 5000.
    pub max_complexity: usize,
    /// Aliased fields per operation, `__typename` included, fragments expanded. By default, 30.
    pub max_aliases: usize,
    /// Operations in one batched (JSON array) request; 1 or 0 refuses batches. By default, 10.
    pub max_batch: usize,
    /// Largest request body in bytes; larger bodies get 413. By default, 1 MiB.
    pub body_limit_bytes: usize,
    /// Deadline of a whole GraphQL HTTP request (body, authentication, execution). By
    /// default, 10 s.
    pub request_timeout: Duration,
    /// Origins allowed by CORS. By default, none (no CORS headers); `"*"` allows any.
    pub cors_origins: Vec<String>,
    /// Serve GraphiQL to browsers. By default, true.
    pub graphiql: bool,
    /// How long the user of a verified token is cached (see
    /// [`crate::graphql::viewers`]); zero turns the cache off. By default, 30 s.
    pub viewer_cache_ttl: Duration,
}

/// The longest viewer cache allowed: an erased account's token may act on another
/// replica for this long.
pub const MAX_VIEWER_CACHE_SECS: usize = 300;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_depth: 12,
            max_complexity: 5000,
            max_aliases: 30,
            max_batch: 10,
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            cors_origins: Vec::new(),
            graphiql: true,
            viewer_cache_ttl: crate::graphql::viewers::DEFAULT_TTL,
        }
    }
}

impl HttpConfig {
    /// Reads the configuration from the process environment (see the module docs).
    ///
    /// # Errors
    /// A variable that is set but not valid (not a number, zero where a positive number
    /// is needed, not a boolean, a malformed origin).
    pub fn from_env() -> anyhow::Result<HttpConfig> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`HttpConfig::from_env`], reading variables through `lookup`.
    ///
    /// # Errors
    /// As [`HttpConfig::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<HttpConfig> {
        let d = HttpConfig::default();
        let timeout_secs = positive(&lookup, "TALENT_REQUEST_TIMEOUT_SECS")?;
        Ok(HttpConfig {
            max_depth: positive(&lookup, "TALENT_MAX_DEPTH")?.unwrap_or(d.max_depth),
            max_complexity: positive(&lookup, "TALENT_MAX_COMPLEXITY")?.unwrap_or(d.max_complexity),
            max_aliases: number(&lookup, "TALENT_MAX_ALIASES")?.unwrap_or(d.max_aliases),
            max_batch: positive(&lookup, "TALENT_MAX_BATCH")?.unwrap_or(d.max_batch),
            body_limit_bytes: positive(&lookup, "TALENT_BODY_LIMIT_BYTES")?
                .unwrap_or(d.body_limit_bytes),
            request_timeout: timeout_secs
                .map(|s| Duration::from_secs(s as u64))
                .unwrap_or(d.request_timeout),
            cors_origins: match lookup("TALENT_CORS_ORIGINS") {
                None => d.cors_origins,
                Some(v) => origins(&v)?,
            },
            graphiql: match lookup("TALENT_GRAPHIQL") {
                None => d.graphiql,
                Some(v) => boolean("TALENT_GRAPHIQL", &v)?,
            },
            viewer_cache_ttl: match number(&lookup, "TALENT_VIEWER_CACHE_SECS")? {
                None => d.viewer_cache_ttl,
                Some(s) if s <= MAX_VIEWER_CACHE_SECS => Duration::from_secs(s as u64),
                Some(s) => bail!(
                    "TALENT_VIEWER_CACHE_SECS={s} is too long: at most {MAX_VIEWER_CACHE_SECS} seconds"
                ),
            },
        })
    }
}

fn number(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<usize>> {
    match lookup(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map(Some)
            .with_context(|| format!("{name}={v:?} is not a non-negative integer")),
    }
}

fn positive(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Option<usize>> {
    match number(lookup, name)? {
        Some(0) => bail!("{name} must be at least 1"),
        n => Ok(n),
    }
}

fn boolean(name: &str, v: &str) -> anyhow::Result<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => bail!("{name}={v:?} is not a boolean (true/false)"),
    }
}

fn origins(v: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for origin in v.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let valid = origin == "*"
            || ((origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && origin.parse::<axum::http::HeaderValue>().is_ok());
        if !valid {
            bail!(
                "TALENT_CORS_ORIGINS: {origin:?} is not an origin like https://example.com (no path, no trailing slash) or *"
            );
        }
        out.push(origin.to_string());
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> anyhow::Result<HttpConfig> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        HttpConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_when_unset() {
        assert_eq!(cfg(&[]).unwrap(), HttpConfig::default());
        let d = HttpConfig::default();
        assert_eq!((d.max_depth, d.max_aliases, d.max_batch), (12, 30, 10));
        assert_eq!(d.body_limit_bytes, 1 << 20);
        assert!(d.graphiql && d.cors_origins.is_empty());
        assert_eq!(d.viewer_cache_ttl, Duration::from_secs(30));
    }

    #[test]
    fn reads_every_variable() {
        let c = cfg(&[
            ("TALENT_MAX_DEPTH", "5"),
            ("TALENT_MAX_COMPLEXITY", "100"),
            ("TALENT_MAX_ALIASES", "0"),
            ("TALENT_MAX_BATCH", "1"),
            ("TALENT_BODY_LIMIT_BYTES", "2048"),
            ("TALENT_REQUEST_TIMEOUT_SECS", "3"),
            (
                "TALENT_CORS_ORIGINS",
                "https://a.example, http://localhost:3000",
            ),
            ("TALENT_GRAPHIQL", "false"),
            ("TALENT_VIEWER_CACHE_SECS", "0"),
        ])
        .unwrap();
        assert_eq!(c.max_depth, 5);
        assert_eq!(c.max_complexity, 100);
        assert_eq!(c.max_aliases, 0);
        assert_eq!(c.max_batch, 1);
        assert_eq!(c.body_limit_bytes, 2048);
        assert_eq!(c.request_timeout, Duration::from_secs(3));
        assert_eq!(
            c.cors_origins,
            vec!["https://a.example", "http://localhost:3000"]
        );
        assert!(!c.graphiql);
        assert_eq!(c.viewer_cache_ttl, Duration::ZERO);
        let c = cfg(&[("TALENT_VIEWER_CACHE_SECS", "300")]).unwrap();
        assert_eq!(c.viewer_cache_ttl, Duration::from_secs(300));
    }

    #[test]
    fn invalid_values_are_errors() {
        for (k, v) in [
            ("TALENT_MAX_DEPTH", "twelve"),
            ("TALENT_MAX_DEPTH", "0"),
            ("TALENT_MAX_DEPTH", "-1"),
            ("TALENT_MAX_BATCH", "0"),
            ("TALENT_BODY_LIMIT_BYTES", "1MiB"),
            ("TALENT_REQUEST_TIMEOUT_SECS", "0"),
            ("TALENT_GRAPHIQL", "maybe"),
            ("TALENT_CORS_ORIGINS", "example.com"),
            ("TALENT_CORS_ORIGINS", "https://a.example/"),
            ("TALENT_VIEWER_CACHE_SECS", "301"),
            ("TALENT_VIEWER_CACHE_SECS", "half a minute"),
        ] {
            let err = cfg(&[(k, v)]).unwrap_err().to_string();
            assert!(err.contains(k), "{k}={v}: {err}");
        }
    }
}
