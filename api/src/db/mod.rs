//! Persistence: one [`Db`] over two backends.
//!
//! PostgreSQL (production) and SQLite (the embedded default) go through diesel-async.
//! [`Db`] holds a pool for one of them; a checked-out connection is seen as a
//! [`DbConn`], an enum of `&mut` connections, and [`with_conn!`](crate::with_conn)
//! expands the same diesel expression once per backend, so every query is type-checked
//! for both. [`transaction!`](crate::transaction) does the same for a transaction whose
//! body sees a [`DbConn`] again, so repository functions compose inside it.

pub mod id_list;
pub mod migrations;
pub mod schema;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::SqliteConnection;
use diesel::connection::SimpleConnection;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::bb8::{Pool, PooledConnection};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;

use crate::config::StorageConfig;

/// The SQLite connection type used through diesel-async.
pub type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

/// Errors of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A query failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// No connection could be had from the pool (database down, pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The row asked for does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change conflicts with existing data (a unique key, a reference in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The change breaks a rule of the data (a level out of range, a dangling reference).
    #[error("invalid: {0}")]
    Invalid(String),
}

impl DbError {
    /// Maps constraint violations to [`DbError::Conflict`] / [`DbError::Invalid`] and
    /// `NotFound` to [`DbError::NotFound`] with the entity's name.
    pub fn classify(err: diesel::result::Error, entity: &'static str) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match err {
            E::NotFound => DbError::NotFound(entity),
            E::DatabaseError(K::UniqueViolation, info) => {
                DbError::Conflict(format!("{entity}: {}", info.message()))
            }
            E::DatabaseError(
                K::ForeignKeyViolation | K::CheckViolation | K::NotNullViolation,
                info,
            ) => DbError::Invalid(format!("{entity}: {}", info.message())),
            other => DbError::Query(other),
        }
    }
}

/// Result of repository operations.
pub type DbResult<T> = Result<T, DbError>;

/// Which backend a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, selected by a `postgres://` (or `postgresql://`) URL.
    Postgres,
    /// SQLite, the embedded default: a file path (or `sqlite://path`).
    Sqlite,
}

impl Backend {
    /// The backend's name as logs and /readyz show it: `postgres` or `sqlite`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }

    /// The backend a database URL selects.
    pub fn for_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Pool settings. By default, 10 connections for PostgreSQL and 4 for SQLite (one
/// writer at a time either way), a 5 s checkout timeout, and a page cache of
/// [`DEFAULT_SQLITE_CACHE_MIB`] per SQLite connection.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Largest number of open connections.
    pub max_size: u32,
    /// How long a checkout waits for a connection before failing.
    pub connect_timeout: Duration,
    /// SQLite only: the most page cache each pooled connection may hold, in MiB
    /// (`PRAGMA cache_size`; filled only as pages are read).
    pub sqlite_cache_mib: u32,
}

/// The page cache of a pooled SQLite connection, in MiB. SQLite's own default (2 MiB)
/// holds less than the B-tree interior pages of a database of a million learners, so
/// every by-id read of a page of candidates goes back to the OS for them; 32 MiB per
/// connection holds the interiors and hot leaves. BENCHMARKS.md has the profiles and
/// runs behind this choice.
pub const DEFAULT_SQLITE_CACHE_MIB: u32 = 32;

impl PoolConfig {
    /// The defaults for a backend.
    pub fn default_for(backend: Backend) -> Self {
        PoolConfig {
            max_size: match backend {
                Backend::Postgres => 10,
                Backend::Sqlite => 4,
            },
            connect_timeout: Duration::from_secs(5),
            sqlite_cache_mib: DEFAULT_SQLITE_CACHE_MIB,
        }
    }
}

/// A pool of connections to one backend, with a count of the statements its
/// connections have run (for tests that hold query counts fixed, and for metrics).
/// Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    statements: Arc<AtomicU64>,
}

/// The pool of one backend.
#[derive(Clone)]
pub enum DbPool {
    /// PostgreSQL.
    Pg(Pool<AsyncPgConnection>),
    /// SQLite.
    Sqlite(Pool<SqliteConn>),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.pool {
            DbPool::Pg(_) => "Db::Pg",
            DbPool::Sqlite(_) => "Db::Sqlite",
        })
    }
}

/// Counts statements as diesel starts them.
struct StatementCounter(Arc<AtomicU64>);

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Pragmas set on every new SQLite connection: WAL (readers don't block the writer),
/// a busy timeout instead of immediate SQLITE_BUSY, and foreign keys (off by default).
pub const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

/// Opens a plain (synchronous) SQLite connection with [`SQLITE_PRAGMAS`] applied.
pub fn open_sqlite(path: &str) -> diesel::ConnectionResult<SqliteConnection> {
    use diesel::Connection;
    let mut conn = SqliteConnection::establish(path)?;
    conn.batch_execute(SQLITE_PRAGMAS)
        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
    Ok(conn)
}

/// The path of an SQLite URL (`sqlite://x.db`, `sqlite:x.db` or a plain path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl Db {
    /// Connects to the database `url` names and checks that one connection works.
    pub async fn connect(url: &str, config: &PoolConfig) -> DbResult<Db> {
        let unavailable = |e: &dyn std::fmt::Display| DbError::Unavailable(e.to_string());
        match Backend::for_url(url) {
            Backend::Postgres => {
                // One direct connection first, so that a wrong URL fails fast with the
                // server's own message rather than a pool timeout.
                use diesel_async::AsyncConnection;
                match tokio::time::timeout(
                    config.connect_timeout,
                    AsyncPgConnection::establish(url),
                )
                .await
                {
                    Err(_) => {
                        return Err(DbError::Unavailable(format!(
                            "no answer from PostgreSQL within {:?}",
                            config.connect_timeout
                        )));
                    }
                    Ok(Err(e)) => {
                        return Err(DbError::Unavailable(format!(
                            "{e} (is PostgreSQL running and accepting TCP connections at that address?)"
                        )));
                    }
                    Ok(Ok(_)) => {}
                }
                let statements = Arc::new(AtomicU64::new(0));
                let counter = statements.clone();
                let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
                manager_config.custom_setup = Box::new(move |url| {
                    let counter = counter.clone();
                    let url = url.to_owned();
                    Box::pin(async move {
                        use diesel_async::AsyncConnection;
                        let mut conn = AsyncPgConnection::establish(&url).await?;
                        conn.set_instrumentation(StatementCounter(counter));
                        Ok(conn)
                    })
                });
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                    url,
                    manager_config,
                );
                let pool = Pool::builder()
                    .max_size(config.max_size)
                    .connection_timeout(config.connect_timeout)
                    .build(manager)
                    .await
                    .map_err(|e| unavailable(&e))?;
                let db = Db {
                    pool: DbPool::Pg(pool),
                    statements,
                };
                db.conn().await?;
                Ok(db)
            }
            Backend::Sqlite => {
                let path = sqlite_path(url).to_owned();
                let probe = path.clone();
                tokio::task::spawn_blocking(move || open_sqlite(&probe))
                    .await
                    .map_err(|e| unavailable(&e))?
                    .map_err(|e| {
                        DbError::Unavailable(format!("cannot open SQLite database {path:?}: {e}"))
                    })?;
                let statements = Arc::new(AtomicU64::new(0));
                let counter = statements.clone();
                let mut manager_config = ManagerConfig::<SqliteConn>::default();
                let cache_kib = i64::from(config.sqlite_cache_mib) * 1024;
                manager_config.custom_setup = Box::new(move |url| {
                    let path = sqlite_path(url).to_owned();
                    let counter = counter.clone();
                    Box::pin(async move {
                        use diesel_async::AsyncConnection;
                        let mut conn = tokio::task::spawn_blocking(move || {
                            let mut c = open_sqlite(&path)?;
                            // Negative: a size in KiB rather than in pages.
                            c.batch_execute(&format!("PRAGMA cache_size = -{cache_kib};"))
                                .map_err(|e| {
                                    diesel::ConnectionError::BadConnection(e.to_string())
                                })?;
                            Ok::<_, diesel::ConnectionError>(c)
                        })
                        .await
                        .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?
                        .map(SyncConnectionWrapper::new)?;
                        conn.set_instrumentation(StatementCounter(counter));
                        Ok(conn)
                    })
                });
                let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(
                    path,
                    manager_config,
                );
                // No `SELECT 1` on every checkout (bb8's default): an embedded database
                // connection cannot go stale, and the ping doubled the statements (and
                // the blocking-thread hops) of every query. PostgreSQL keeps the check:
                // its connections can be cut by a server restart.
                let pool = Pool::builder()
                    .max_size(config.max_size)
                    .connection_timeout(config.connect_timeout)
                    .test_on_check_out(false)
                    .build(manager)
                    .await
                    .map_err(|e| unavailable(&e))?;
                let db = Db {
                    pool: DbPool::Sqlite(pool),
                    statements,
                };
                db.conn().await?;
                Ok(db)
            }
        }
    }

    /// The backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            DbPool::Pg(_) => Backend::Postgres,
            DbPool::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The pool itself (for backend-specific work: migrations, bulk loads).
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Statements run so far by this pool's connections (all of them, since the pool
    /// was created).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Checks a connection out of the pool.
    pub async fn conn(&self) -> DbResult<Pooled> {
        match &self.pool {
            DbPool::Pg(p) => p.get_owned().await.map(Pooled::Pg),
            DbPool::Sqlite(p) => p.get_owned().await.map(Pooled::Sqlite),
        }
        .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// Connections open and idle, for the pool-use metric.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = match &self.pool {
            DbPool::Pg(p) => p.state(),
            DbPool::Sqlite(p) => p.state(),
        };
        (s.connections, s.idle_connections)
    }
}

/// How long [`connect`] waits for the database before giving up.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(8);

/// Connects to the database `storage` names, as every command does: creates and checks
/// the data directory first for SQLite, and gives up after [`STARTUP_TIMEOUT`]. The
/// error names the URL with its password redacted.
pub async fn connect(storage: &StorageConfig) -> anyhow::Result<Db> {
    use anyhow::Context;
    if storage.backend() == Backend::Sqlite {
        storage.prepare_data_dir()?;
    }
    let url = storage.redacted_url();
    match tokio::time::timeout(
        STARTUP_TIMEOUT,
        Db::connect(&storage.database_url, &storage.pool),
    )
    .await
    {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(e).with_context(|| format!("cannot connect to the database at {url}")),
        Err(_) => anyhow::bail!(
            "cannot connect to the database at {url}: no answer within {STARTUP_TIMEOUT:?}"
        ),
    }
}

/// A connection checked out of a [`Db`]; returned to the pool on drop.
pub enum Pooled {
    /// PostgreSQL.
    Pg(PooledConnection<'static, AsyncPgConnection>),
    /// SQLite.
    Sqlite(PooledConnection<'static, SqliteConn>),
}

impl Pooled {
    /// The connection, as repository functions take it.
    pub fn conn(&mut self) -> DbConn<'_> {
        match self {
            Pooled::Pg(c) => DbConn::Pg(&mut **c),
            Pooled::Sqlite(c) => DbConn::Sqlite(&mut **c),
        }
    }
}

/// A borrowed connection to either backend: what every repository function takes.
pub enum DbConn<'c> {
    /// PostgreSQL.
    Pg(&'c mut AsyncPgConnection),
    /// SQLite.
    Sqlite(&'c mut SqliteConn),
}

impl DbConn<'_> {
    /// The backend of this connection.
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Pg(_) => Backend::Postgres,
            DbConn::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Expands `$body` once per backend with `$c` bound to the concrete `&mut` connection:
/// `with_conn!(conn, |c| skills::table.find(id).first(c).await)`.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg($c) => {
                let $c: &mut ::diesel_async::AsyncPgConnection = &mut **$c;
                $body
            }
            $crate::db::DbConn::Sqlite($c) => {
                let $c: &mut $crate::db::SqliteConn = &mut **$c;
                $body
            }
        }
    };
}

/// Loads every row of a bulk query, built by `$query` (an expression without `.load`),
/// on either backend: `load_rows!(conn, learners::table.filter(learners::id.between(lo,
/// hi)).select(Row::as_select()))`.
///
/// On PostgreSQL this is the async `load`. On SQLite it runs the query with the
/// *synchronous* diesel `load` on the connection's blocking thread: diesel-async's
/// SQLite wrapper otherwise copies every field of every row into an owned value
/// (`sqlite3_value_dup`, one allocation per field) to send the rows across threads, which
/// a profile showed as most of the cost of reading a million learners. The query is
/// moved to that thread, so it must own its bind values (`ids.to_vec()`, not `ids`).
#[macro_export]
macro_rules! load_rows {
    ($conn:expr, $query:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(c) => {
                let c: &mut ::diesel_async::AsyncPgConnection = &mut **c;
                ::diesel_async::RunQueryDsl::load($query, c).await
            }
            $crate::db::DbConn::Sqlite(c) => {
                let c: &mut $crate::db::SqliteConn = &mut **c;
                let query = $query;
                c.spawn_blocking(move |c| ::diesel::RunQueryDsl::load(query, c))
                    .await
            }
        }
    };
}

/// Runs `$body` in a transaction on either backend, with `$tx` bound to a
/// `&mut DbConn` of the transaction; the body returns `DbResult<T>`. Commits on `Ok`,
/// rolls back on `Err`.
#[macro_export]
macro_rules! transaction {
    ($conn:expr, |$tx:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Pg(c) => {
                ::diesel_async::AsyncConnection::transaction::<_, $crate::db::DbError, _>(
                    &mut **c,
                    async |c| {
                        let mut tx = $crate::db::DbConn::Pg(c);
                        let $tx = &mut tx;
                        $body
                    },
                )
                .await
            }
            $crate::db::DbConn::Sqlite(c) => {
                ::diesel_async::AsyncConnection::transaction::<_, $crate::db::DbError, _>(
                    &mut **c,
                    async |c| {
                        let mut tx = $crate::db::DbConn::Sqlite(c);
                        let $tx = &mut tx;
                        $body
                    },
                )
                .await
            }
        }
    };
}

/// Statements run so far through `db`'s connections (see [`Db::statements`]).
pub fn statement_count(db: &Db) -> u64 {
    db.statements()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_failure_names_the_url_without_its_password() {
        let storage = StorageConfig::new(
            std::path::PathBuf::from("/nonexistent"),
            Some("postgres://app:hunter2@127.0.0.1:1/talent".into()),
            None,
        );
        let err = format!("{:#}", connect(&storage).await.expect_err("port 1 refuses"));
        assert!(
            err.contains("cannot connect to the database at postgres://app:***@127.0.0.1:1/talent"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn backends_have_plain_names() {
        assert_eq!(Backend::Postgres.as_str(), "postgres");
        assert_eq!(Backend::Sqlite.as_str(), "sqlite");
    }
}
