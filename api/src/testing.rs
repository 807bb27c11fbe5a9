//! Test support: a fresh, migrated database per test on either backend.
//!
//! SQLite lives in a temporary directory. PostgreSQL needs `TEST_DATABASE_URL` (a URL
//! of a server where the user may create databases, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`): each [`TestDb`] creates a database
//! with a random name and drops it when dropped. Without `TEST_DATABASE_URL` the
//! PostgreSQL half of a suite is skipped with a loud message on stderr.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::db::{Backend, Db, DbConn, PoolConfig, migrations};

/// A fresh, migrated database that is removed on drop.
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// Its URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<PgDrop>,
}

struct PgDrop {
    admin_url: String,
    name: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("talent_test_{}_{}_{}", std::process::id(), nanos, n)
}

/// Replaces the database name (the path) of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("test.db").to_string_lossy().into_owned();
        let db = Db::connect(&url, &PoolConfig::default_for(Backend::Sqlite))
            .await
            .expect("open sqlite");
        migrations::run_pending(&db).await.expect("migrate sqlite");
        TestDb {
            db,
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or None (after saying so on stderr) when
    /// `TEST_DATABASE_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!(
                "\n*** SKIPPED the PostgreSQL half of this test: TEST_DATABASE_URL is not set. ***\n\
                 *** e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres          ***\n"
            );
            return None;
        };
        Some(Self::postgres_at(&admin_url).await)
    }

    /// A fresh database on the PostgreSQL server of `admin_url`.
    pub async fn postgres_at(admin_url: &str) -> TestDb {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let name = unique_name();
        let mut admin = AsyncPgConnection::establish(admin_url)
            .await
            .expect("connect TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        let url = with_database(admin_url, &name);
        let db = Db::connect(&url, &PoolConfig::default_for(Backend::Postgres))
            .await
            .expect("connect test db");
        migrations::run_pending(&db)
            .await
            .expect("migrate postgres");
        TestDb {
            db,
            url,
            _dir: None,
            pg: Some(PgDrop {
                admin_url: admin_url.to_owned(),
                name,
            }),
        }
    }

    /// SQLite, plus PostgreSQL when `TEST_DATABASE_URL` is set.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![Self::sqlite().await];
        if let Some(pg) = Self::postgres().await {
            v.push(pg);
        }
        v
    }
}

/// A table of requirements, for [`force_requirement_level`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequirementTable {
    /// `job_requirements`.
    Job,
    /// `occupation_requirements`.
    Occupation,
}

/// Stores `level` as the minimum level of `owner`'s requirement of `skill`, past the
/// schema's CHECK (1..=5), which the API and the repository never get past: for tests of
/// what readers do with such a row. On PostgreSQL this drops the table's CHECK on the
/// level in this (test) database; on SQLite it ignores CHECKs on this connection for
/// the one update. Writes no outbox row.
pub async fn force_requirement_level(
    conn: &mut DbConn<'_>,
    table: RequirementTable,
    owner: i64,
    skill: i64,
    level: i32,
) {
    use diesel_async::RunQueryDsl;
    let (table, owner_column) = match table {
        RequirementTable::Job => ("job_requirements", "job_id"),
        RequirementTable::Occupation => ("occupation_requirements", "occupation_id"),
    };
    let update = format!(
        "UPDATE {table} SET min_level = {level} WHERE {owner_column} = {owner} AND skill_id = {skill}"
    );
    let updated = match conn {
        DbConn::Pg(c) => {
            diesel::sql_query(format!(
                "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_min_level_check"
            ))
            .execute(&mut **c)
            .await
            .expect("drop the CHECK");
            diesel::sql_query(update).execute(&mut **c).await
        }
        DbConn::Sqlite(c) => {
            diesel::sql_query("PRAGMA ignore_check_constraints = ON")
                .execute(&mut **c)
                .await
                .expect("ignore CHECKs");
            let updated = diesel::sql_query(update).execute(&mut **c).await;
            diesel::sql_query("PRAGMA ignore_check_constraints = OFF")
                .execute(&mut **c)
                .await
                .expect("honour CHECKs");
            updated
        }
    };
    assert_eq!(
        updated.expect("update"),
        1,
        "{owner} has no requirement of {skill}"
    );
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(pg) = self.pg.take() else { return };
        // Drop runs inside the test's runtime; use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async move {
                    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
                    if let Ok(mut admin) = AsyncPgConnection::establish(&pg.admin_url).await {
                        let _ = diesel::sql_query(format!(
                            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                            pg.name
                        ))
                        .execute(&mut admin)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}
