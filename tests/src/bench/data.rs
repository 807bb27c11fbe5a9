//! The data set: fresh databases, the synthetic load (timed), the DBA's setup for the SQL
//! systems, and the index build (timed).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use search_index::{Engine, EngineOptions, Snapshot, Taxonomy};
use talent_api::db::{Backend, Db, PoolConfig, migrations};
use talent_api::seed::synthetic::{SyntheticReport, SyntheticSpec, load_synthetic};
use talent_api::seed::{Catalog, SeedSources};
use talent_api::testing::with_database;

use super::sql;

/// Where the SQLite database and the index live.
pub fn sqlite_path(data_dir: &Path) -> PathBuf {
    data_dir.join("talent.db")
}

/// The index directory `talent serve --data-dir` uses.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

/// Removes the SQLite database (and its WAL) and the index under `data_dir`.
pub fn clear_data_dir(data_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    for f in ["talent.db", "talent.db-wal", "talent.db-shm", "server.log"] {
        let p = data_dir.join(f);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    let idx = index_dir(data_dir);
    if idx.exists() {
        std::fs::remove_dir_all(&idx)
            .with_context(|| format!("cannot remove {}", idx.display()))?;
    }
    Ok(())
}

/// Opens (creating if needed) the SQLite database and applies the migrations.
pub async fn open_sqlite(data_dir: &Path) -> anyhow::Result<Db> {
    let url = sqlite_path(data_dir).to_string_lossy().into_owned();
    let db = Db::connect(&url, &PoolConfig::default_for(Backend::Sqlite)).await?;
    migrations::run_pending(&db).await?;
    Ok(db)
}

async fn admin(admin_url: &str) -> anyhow::Result<diesel_async::AsyncPgConnection> {
    use diesel_async::AsyncConnection;
    diesel_async::AsyncPgConnection::establish(admin_url)
        .await
        .with_context(|| "cannot connect to PostgreSQL (--pg-url)".to_string())
}

/// Drops the bench database if it exists.
pub async fn drop_pg(admin_url: &str, name: &str) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl;
    let mut c = admin(admin_url).await?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut c)
        .await?;
    Ok(())
}

/// Creates the bench database afresh (dropping a leftover one) and migrates it.
pub async fn fresh_pg(admin_url: &str, name: &str) -> anyhow::Result<(Db, String)> {
    use diesel_async::RunQueryDsl;
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        bail!("database name {name:?}: letters, digits and _ only");
    }
    drop_pg(admin_url, name).await?;
    let mut c = admin(admin_url).await?;
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await?;
    let url = with_database(admin_url, name);
    let db = Db::connect(&url, &PoolConfig::default_for(Backend::Postgres)).await?;
    migrations::run_pending(&db).await?;
    Ok((db, url))
}

/// Connects to an existing bench database (for `--skip-load`).
pub async fn existing_pg(admin_url: &str, name: &str) -> anyhow::Result<(Db, String)> {
    let url = with_database(admin_url, name);
    let db = Db::connect(&url, &PoolConfig::default_for(Backend::Postgres))
        .await
        .with_context(|| {
            format!("no database {name} to reuse (--skip-load needs a previous run with --keep)")
        })?;
    Ok((db, url))
}

/// Loads the catalogue and the synthetic population; (seconds, what was written).
pub async fn load(
    db: &Db,
    spec: SyntheticSpec,
    label: &str,
) -> anyhow::Result<(f64, SyntheticReport)> {
    let cat = Catalog::load(&SeedSources::embedded())?;
    let total = spec.learners + spec.jobs + spec.microcredentials;
    let started = Instant::now();
    let mut last = Instant::now();
    let report = load_synthetic(db, &cat, spec, |n| {
        if last.elapsed() >= Duration::from_secs(10) || n == total {
            last = Instant::now();
            let s = started.elapsed().as_secs_f64();
            eprintln!(
                "  [{label}] {n}/{total} entities, {s:.0} s ({:.0}/s)",
                n as f64 / s.max(1e-9)
            );
        }
    })
    .await
    .with_context(|| format!("loading the synthetic data into {label}"))?;
    Ok((started.elapsed().as_secs_f64(), report))
}

/// (smallest, largest) learner id.
pub async fn learner_id_range(db: &Db) -> anyhow::Result<(i64, i64)> {
    #[derive(diesel::QueryableByName)]
    struct R {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        lo: Option<i64>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        hi: Option<i64>,
    }
    let mut p = db.conn().await?;
    let q = "SELECT MIN(id) AS lo, MAX(id) AS hi FROM learners";
    let r: R = match p.conn() {
        talent_api::db::DbConn::Pg(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query(q).get_result(c).await?
        }
        talent_api::db::DbConn::Sqlite(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query(q).get_result(c).await?
        }
    };
    Ok((r.lo.unwrap_or(0), r.hi.unwrap_or(-1)))
}

/// The taxonomy as stored in a database.
pub async fn taxonomy(db: &Db) -> anyhow::Result<Taxonomy> {
    let mut p = db.conn().await?;
    talent_api::indexer::taxonomy::load(&mut p.conn()).await
}

/// The DBA's part: `skill_relation` from the taxonomy, the indexes of [`sql::DBA_SETUP`],
/// statistics. Seconds.
pub async fn dba_setup(db: &Db, tax: &Taxonomy) -> anyhow::Result<f64> {
    let started = Instant::now();
    let rows = sql::relation_rows(tax);
    let mut p = db.conn().await?;
    let mut inserts = Vec::new();
    for chunk in rows.chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|(r, e, f)| format!("({r}, {e}, {f:?})"))
            .collect();
        inserts.push(format!(
            "INSERT INTO skill_relation (required_skill, evidence_skill, factor) VALUES {}",
            values.join(", ")
        ));
    }
    match p.conn() {
        talent_api::db::DbConn::Pg(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query("DROP TABLE IF EXISTS skill_relation")
                .execute(&mut *c)
                .await?;
            for (i, stmt) in sql::DBA_SETUP.iter().enumerate() {
                diesel::sql_query(stmt.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
                    .execute(&mut *c)
                    .await?;
                if i == 0 {
                    for ins in &inserts {
                        diesel::sql_query(ins).execute(&mut *c).await?;
                    }
                }
            }
            diesel::sql_query("VACUUM ANALYZE").execute(&mut *c).await?;
        }
        talent_api::db::DbConn::Sqlite(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query("DROP TABLE IF EXISTS skill_relation")
                .execute(&mut *c)
                .await?;
            for (i, stmt) in sql::DBA_SETUP.iter().enumerate() {
                diesel::sql_query(stmt.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
                    .execute(&mut *c)
                    .await?;
                if i == 0 {
                    for ins in &inserts {
                        diesel::sql_query(ins).execute(&mut *c).await?;
                    }
                }
            }
            diesel::sql_query("ANALYZE").execute(&mut *c).await?;
        }
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Builds the index under `index_dir` from the database with the code of `talent
/// reindex` itself ([`talent_api::indexer::reindex::reindex`]: a snapshot streamed
/// from the database into a fresh generation, reading and indexing at once, then the
/// swap); (seconds, learner documents).
pub async fn build_index(db: &Db, index_dir: &Path) -> anyhow::Result<(f64, usize)> {
    let report = talent_api::indexer::reindex::reindex(db, index_dir).await?;
    Ok((report.elapsed.as_secs_f64(), report.learners))
}

/// Opens the built index for searching (as `talent serve` does on start); (engine,
/// seconds).
pub fn open_index(index_dir: &Path, tax: Arc<Taxonomy>) -> anyhow::Result<(Engine, f64)> {
    let started = Instant::now();
    let (engine, _) = Engine::open(index_dir, tax, EngineOptions::default(), || {
        Err::<Snapshot<Vec<search_index::Document>>, _>(
            "the index was just built and should open".into(),
        )
    })?;
    Ok((engine, started.elapsed().as_secs_f64()))
}

/// A plain SQLite connection for the SQL system (read-only work), with
/// [`sql::SQLITE_SESSION`].
pub fn sqlite_reader(data_dir: &Path) -> anyhow::Result<diesel::SqliteConnection> {
    let path = sqlite_path(data_dir).to_string_lossy().into_owned();
    let mut c = talent_api::db::open_sqlite(&path)?;
    c.batch_execute(sql::SQLITE_SESSION)?;
    Ok(c)
}
