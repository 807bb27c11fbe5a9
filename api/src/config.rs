//! Configuration, one struct per concern. Environment variables read here (flags of
//! the same meaning win over them):
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `<data-dir>/talent.db` (SQLite) | a `postgres://` URL selects PostgreSQL |
//! | `TALENT_DATA_DIR` | `./data` | holds talent.db, index/ and the generated JWT secret |
//! | `TALENT_ADDR` | `127.0.0.1:8080` | listen address of `talent serve` |
//! | `TALENT_DB_POOL_SIZE` | 10 (PostgreSQL), 4 (SQLite) | connections in the pool |
//! | `TALENT_SQLITE_CACHE_MIB` | 32 | SQLite page cache per pooled connection, MiB (1..=4096) |
//! | `TALENT_JWT_SECRET` | generated once into `<data-dir>/jwt-secret` (mode 0600) | HS256 secret |
//! | `TALENT_JWT_ISSUER` | `talent` | required `iss` |
//! | `TALENT_JWT_AUDIENCE` | `talent-api` | required `aud` |
//! | `TALENT_JWT_DISABLE_HS256` | `0` | `1`: no HS256 key (production); see [`crate::auth::config`] |
//! | `TALENT_JWT_PUBLIC_KEYS` | none | `ALG:path[:kid]`, comma-separated; ALG `RS256`, `ES256` or `EdDSA`; PEM public keys |
//! | `TALENT_JWT_JWKS_FILE` | none | a local JWKS file (never fetched from a URL) |
//! | `TALENT_JWT_LEEWAY_SECS` | `30` | clock skew allowed on `exp`/`nbf`/`iat`, at most 60 |
//! | `TALENT_LOG_FORMAT` | `pretty` | `json` or `pretty` |
//! | `RUST_LOG` | `info` | log filter |
//!
//! Secrets are never printed: [`JwtConfig`]'s Debug redacts them.

use std::path::{Path, PathBuf};

use crate::db::{Backend, PoolConfig};

/// Where the data lives and which database to use.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// Directory of talent.db, index/ and jwt-secret.
    pub data_dir: PathBuf,
    /// Database URL; SQLite at `<data_dir>/talent.db` when not set.
    pub database_url: String,
    /// Pool settings.
    pub pool: PoolConfig,
}

impl StorageConfig {
    /// Builds the storage configuration from the data dir, an optional URL and an
    /// optional pool size.
    pub fn new(data_dir: PathBuf, database_url: Option<String>, pool_size: Option<u32>) -> Self {
        let database_url = database_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| data_dir.join("talent.db").to_string_lossy().into_owned());
        let mut pool = PoolConfig::default_for(Backend::for_url(&database_url));
        if let Some(n) = pool_size {
            pool.max_size = n.max(1);
        }
        StorageConfig {
            data_dir,
            database_url,
            pool,
        }
    }

    /// The backend the URL selects.
    pub fn backend(&self) -> Backend {
        Backend::for_url(&self.database_url)
    }

    /// The index directory.
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// The database URL with any password replaced by `***`, for logs.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.database_url)
    }

    /// Creates the data directory if needed and checks that it is writable.
    pub fn prepare_data_dir(&self) -> anyhow::Result<()> {
        prepare_dir(&self.data_dir)
    }
}

/// Creates `dir` if needed and proves it writable by writing and removing a file.
pub fn prepare_dir(dir: &Path) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("the data directory {} is not writable", dir.display()))?;
    std::fs::remove_file(&probe)
        .with_context(|| format!("the data directory {} is not writable", dir.display()))?;
    Ok(())
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let Some(at) = rest.find('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_owned(),
    }
}

/// JWT settings.
#[derive(Clone)]
pub struct JwtConfig {
    /// HS256 secret.
    pub secret: Vec<u8>,
    /// Required issuer.
    pub issuer: String,
    /// Required audience.
    pub audience: String,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// Default issuer.
pub const DEFAULT_ISSUER: &str = "talent";
/// Default audience.
pub const DEFAULT_AUDIENCE: &str = "talent-api";

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Installs the global tracing subscriber (`RUST_LOG`, default `info`).
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact_url("postgres://u:hunter2@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        let jwt = JwtConfig {
            secret: b"hunter2".to_vec(),
            issuer: "i".into(),
            audience: "a".into(),
        };
        assert!(!format!("{jwt:?}").contains("hunter2"));
    }

    #[test]
    fn sqlite_in_the_data_dir_is_the_default() {
        let s = StorageConfig::new(PathBuf::from("/tmp/x"), None, None);
        assert_eq!(s.backend(), Backend::Sqlite);
        assert_eq!(s.database_url, "/tmp/x/talent.db");
        let p = StorageConfig::new(
            PathBuf::from("/tmp/x"),
            Some("postgres://h/db".into()),
            Some(3),
        );
        assert_eq!((p.backend(), p.pool.max_size), (Backend::Postgres, 3));
    }
}
