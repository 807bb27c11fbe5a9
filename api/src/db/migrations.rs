//! Embedded migrations (migrations/postgres and migrations/sqlite), applied at start-up
//! through diesel-async's migration harness on a dedicated connection.

use diesel_async::AsyncMigrationHarness;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{Db, DbError, DbPool, DbResult};

/// PostgreSQL migrations.
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
/// SQLite migrations.
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

fn migration_error(e: impl std::fmt::Display) -> DbError {
    DbError::Unavailable(format!("migration failed: {e}"))
}

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions applied by this run, oldest first.
    pub applied: Vec<String>,
}

/// Runs `$op` on a migration harness over a dedicated connection of either backend,
/// with `$m` bound to that backend's embedded migrations.
macro_rules! with_harness {
    ($db:expr, |$h:ident, $m:ident| $op:expr) => {
        match $db.pool() {
            DbPool::Pg(pool) => {
                let conn = pool.dedicated_connection().await.map_err(migration_error)?;
                let mut $h = AsyncMigrationHarness::new(conn);
                let $m = POSTGRES;
                $op
            }
            DbPool::Sqlite(pool) => {
                let conn = pool.dedicated_connection().await.map_err(migration_error)?;
                let mut $h = AsyncMigrationHarness::new(conn);
                let $m = SQLITE;
                $op
            }
        }
    };
}

fn versions(v: Vec<diesel::migration::MigrationVersion<'_>>) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// Applies every pending migration. Needs the multi-thread tokio runtime.
pub async fn run_pending(db: &Db) -> DbResult<MigrationReport> {
    let applied = with_harness!(db, |h, m| versions(
        h.run_pending_migrations(m).map_err(migration_error)?
    ));
    Ok(MigrationReport { applied })
}

/// Reverts every applied migration (newest first): for tests and `talent migrate --revert-all`.
pub async fn revert_all(db: &Db) -> DbResult<Vec<String>> {
    Ok(with_harness!(db, |h, m| versions(
        h.revert_all_migrations(m).map_err(migration_error)?
    )))
}

/// Whether any migration is still pending.
pub async fn has_pending(db: &Db) -> DbResult<bool> {
    Ok(with_harness!(db, |h, m| !h
        .pending_migrations(m)
        .map_err(migration_error)?
        .is_empty()))
}
