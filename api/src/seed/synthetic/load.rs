//! Writing the population: ids assigned by the generator (PostgreSQL's identity
//! sequences are moved past them afterwards), batches generated on a thread while the
//! previous batch is written, each batch one transaction with its outbox rows, on one
//! connection held for the whole load.
//!
//! SQLite runs the load with `synchronous = OFF`, a 256 MiB page cache and temporary
//! tables in memory, and puts the connection's own settings back afterwards (foreign
//! keys stay checked, no index is dropped). A crash mid-load may lose the load (it is
//! regenerated from the seed), never the integrity of the rest of the database.

use std::sync::Arc;

use diesel::prelude::QueryDsl;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;

use super::bulk::{pg_insert, sqlite_insert};
use super::generate::subject;
use super::population::{Batch, NextIds, Population, SyntheticSpec, for_each_table};
use crate::db::schema::{credentials, jobs, learners, microcredentials, outbox, users};
use crate::db::{Db, DbConn, DbError, DbPool, DbResult};
use crate::repo::{self, now};
use crate::seed::files::Catalog;

/// What a synthetic run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyntheticReport {
    /// Learners.
    pub learners: usize,
    /// Jobs.
    pub jobs: usize,
    /// Microcredentials.
    pub microcredentials: usize,
    /// Rows inserted in all tables.
    pub rows: usize,
}

/// Generates and writes the synthetic population. The catalogue (taxonomy,
/// occupations, organizations) is loaded first if absent. `progress` is called after
/// each batch with the number of entities written so far. A population of a seed
/// already loaded is refused ([`DbError::Conflict`]).
pub async fn load_synthetic(
    db: &Db,
    cat: &Catalog,
    spec: SyntheticSpec,
    mut progress: impl FnMut(usize),
) -> DbResult<SyntheticReport> {
    let mut report = crate::seed::SeedReport::default();
    let ids = {
        let mut p = db.conn().await?;
        crate::seed::demo::load_catalogue(&mut p.conn(), cat, &mut report).await?
    };
    let next = {
        let mut p = db.conn().await?;
        let c = &mut p.conn();
        if spec.learners > 0
            && repo::users::find_by_subject(c, &subject(spec.seed, 0))
                .await?
                .is_some()
        {
            return Err(DbError::Conflict(format!(
                "a synthetic population with seed {} is already loaded; choose another --seed",
                spec.seed
            )));
        }
        next_ids(c).await?
    };
    let mut population = Population::new(spec, Arc::new(cat.clone()), &ids, next)
        .map_err(|e| DbError::Invalid(e.to_string()))?;
    // A generator thread makes the batches while this task writes the previous one.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Batch)>(2);
    let generator = std::thread::spawn(move || {
        while let Some(batch) = population.next_batch(now()) {
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    let mut out = SyntheticReport {
        jobs: spec.jobs,
        ..SyntheticReport::default()
    };
    let mut done = 0;
    let mut writer = Writer::open(db).await?;
    let mut result = Ok(());
    while let Some((entities, batch)) = rx.recv().await {
        out.microcredentials += batch.microcredentials.len();
        out.rows += batch.rows();
        if let Err(e) = writer.write(batch).await {
            result = Err(e);
            break;
        }
        done += entities;
        progress(done);
    }
    drop(rx);
    let _ = tokio::task::spawn_blocking(move || generator.join()).await;
    let finished = writer.finish().await;
    result?;
    finished?;
    out.learners = spec.learners;
    bump_sequences(db).await?;
    Ok(out)
}

/// SQLite settings for the duration of a bulk load.
const SQLITE_LOAD_PRAGMAS: &str = "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; \
     PRAGMA temp_store = MEMORY;";

/// The settings [`SQLITE_LOAD_PRAGMAS`] changes, as a connection had them.
#[derive(diesel::QueryableByName)]
struct SqliteSettings {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    synchronous: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    cache_size: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    temp_store: i64,
}

impl SqliteSettings {
    const READ: &str = "SELECT s.synchronous, c.cache_size, t.temp_store \
         FROM pragma_synchronous() s, pragma_cache_size() c, pragma_temp_store() t";

    fn restore(&self) -> String {
        format!(
            "PRAGMA synchronous = {}; PRAGMA cache_size = {}; PRAGMA temp_store = {};",
            self.synchronous, self.cache_size, self.temp_store
        )
    }
}

type SqlitePooled =
    bb8::PooledConnection<'static, AsyncDieselConnectionManager<crate::db::SqliteConn>>;
type PgPooled =
    bb8::PooledConnection<'static, AsyncDieselConnectionManager<diesel_async::AsyncPgConnection>>;

/// Writes batches on one connection held for the whole load.
enum Writer {
    Pg(Box<PgPooled>),
    /// With the settings to put back.
    Sqlite(SqlitePooled, SqliteSettings),
}

impl Writer {
    async fn open(db: &Db) -> DbResult<Writer> {
        let unavailable = |e: &dyn std::fmt::Display| DbError::Unavailable(e.to_string());
        match db.pool() {
            DbPool::Pg(pool) => Ok(Writer::Pg(Box::new(
                pool.get_owned().await.map_err(|e| unavailable(&e))?,
            ))),
            DbPool::Sqlite(pool) => {
                use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
                let mut c = pool.get_owned().await.map_err(|e| unavailable(&e))?;
                let saved: SqliteSettings = diesel::sql_query(SqliteSettings::READ)
                    .get_result(&mut *c)
                    .await?;
                c.batch_execute(SQLITE_LOAD_PRAGMAS).await?;
                Ok(Writer::Sqlite(c, saved))
            }
        }
    }

    async fn write(&mut self, batch: Batch) -> DbResult<()> {
        match self {
            Writer::Pg(c) => {
                use diesel_async::{AsyncConnection, RunQueryDsl};
                c.transaction::<_, DbError, _>(async |c| {
                    // The outbox's writers serialize on this lock (see repo::outbox).
                    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                        .bind::<diesel::sql_types::BigInt, _>(repo::outbox::OUTBOX_LOCK_KEY)
                        .execute(c)
                        .await?;
                    for_each_table!(&batch, |rows| {
                        pg_insert(c, rows).await?;
                    });
                    Ok(())
                })
                .await
            }
            Writer::Sqlite(c, _) => c
                .spawn_blocking(move |c| {
                    use diesel::connection::Connection;
                    c.transaction::<_, diesel::result::Error, _>(|c| {
                        for_each_table!(&batch, |rows| {
                            sqlite_insert(c, rows)?;
                        });
                        Ok(())
                    })
                })
                .await
                .map_err(DbError::from),
        }
    }

    /// Puts an SQLite connection's settings back.
    async fn finish(self) -> DbResult<()> {
        if let Writer::Sqlite(mut c, saved) = self {
            use diesel_async::SimpleAsyncConnection;
            c.batch_execute(&saved.restore()).await?;
        }
        Ok(())
    }
}

/// Moves PostgreSQL's identity sequences past the ids assigned here.
async fn bump_sequences(db: &Db) -> DbResult<()> {
    if let DbPool::Pg(pool) = db.pool() {
        use diesel_async::RunQueryDsl;
        let mut c = pool
            .get()
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        for (table, col) in [
            ("users", "id"),
            ("learners", "id"),
            ("credentials", "id"),
            ("jobs", "id"),
            ("microcredentials", "id"),
            ("outbox", "seq"),
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{col}'), (SELECT COALESCE(MAX({col}), 0) + 1 FROM {table}), false)"
            ))
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

/// One past the largest id of each table the population assigns ids in.
async fn next_ids(conn: &mut DbConn<'_>) -> DbResult<NextIds> {
    use diesel::dsl::max;
    use diesel_async::RunQueryDsl;
    macro_rules! next {
        ($t:ident, $col:ident) => {{
            let m: Option<i64> =
                crate::with_conn!(conn, |c| $t::table.select(max($t::$col)).first(c).await)?;
            m.unwrap_or(0) + 1
        }};
    }
    Ok(NextIds {
        user: next!(users, id),
        learner: next!(learners, id),
        credential: next!(credentials, id),
        job: next!(jobs, id),
        microcredential: next!(microcredentials, id),
        seq: next!(outbox, seq),
    })
}
