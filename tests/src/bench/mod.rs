//! The benchmark of issue 6: the same workload on our engine, PostgreSQL, SQLite and a
//! brute-force scan, on one deterministic synthetic data set, in one run.
//!
//! [`run`] loads the data set into a fresh SQLite file and a fresh PostgreSQL database
//! ([`data`]), builds the search index from the database as `talent reindex` does, then
//! runs, per system:
//! - **candidate search**, top 20 for random open jobs: the engine
//!   (`Engine::search_candidates`), PostgreSQL and SQLite ([`sql::CANDIDATES_SQL`]), and
//!   the optimised scan over the forward index (`Engine::search_candidates_scan`);
//! - **jobs for a learner**, top 20 open jobs for random learners: the engine
//!   (`Engine::jobs_for_learner`), the SQL systems ([`sql::JOBS_SQL`]) and a brute-force
//!   scan (`scoring::score` over every open job);
//! - **gap analysis + pathway** for random (learner, job) pairs: the engine and the
//!   pathway optimiser only (the SQL systems skip it: an exact set-cover with
//!   prerequisites is not a query).
//!
//! It first checks that every system returns the same top 20 in the same order for every
//! query it ran (scores within [`stats::TIE_EPS`] are a tie, ordered by id); a mismatch
//! is printed with both lists and makes [`Report::identical`] false. Progress goes to
//! stderr.

pub mod data;
pub mod http;
pub mod report;
pub mod sql;
pub mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use search_index::{CandidateQuery, Engine, JobQuery, Requirement, Taxonomy};
use serde_json::{Value, json};
use talent_api::seed::synthetic::SyntheticSpec;

use stats::{Ranked, Summary, canonical, same, side_by_side};

/// Rows compared per query.
pub const TOP: usize = 20;

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Synthetic learners.
    pub learners: usize,
    /// Synthetic jobs.
    pub jobs: usize,
    /// Synthetic microcredentials.
    pub microcredentials: usize,
    /// Seed of the data set and of the query choice.
    pub seed: u64,
    /// Queries per workload for the engine and the scan.
    pub queries: usize,
    /// Queries per workload for PostgreSQL and SQLite (the first ones of the same list).
    pub sql_queries: usize,
    /// A PostgreSQL server where the user may create databases; `None` skips PostgreSQL.
    pub pg_url: Option<String>,
    /// The database the bench creates (and drops) there.
    pub pg_db: String,
    /// Where the SQLite database and the index go.
    pub data_dir: PathBuf,
    /// Reuse the data set of a previous `keep` run.
    pub skip_load: bool,
    /// Keep the databases and the index afterwards.
    pub keep: bool,
    /// Skip the SQLite system (the data set is still loaded into SQLite: the index is
    /// built from it).
    pub no_sqlite: bool,
    /// Run the HTTP part.
    pub http: bool,
    /// Seconds per HTTP phase.
    pub http_secs: u64,
    /// Longest wait for the started server to go idle before the HTTP phases.
    pub http_settle_secs: u64,
    /// Path of the `talent` binary (default: next to the current executable).
    pub talent_bin: Option<PathBuf>,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            learners: 1_000_000,
            jobs: 100_000,
            microcredentials: 10_000,
            seed: 42,
            queries: 300,
            sql_queries: 30,
            pg_url: Some("postgres://postgres@127.0.0.1:5432/postgres".into()),
            pg_db: "talent_bench".into(),
            data_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"),
            skip_load: false,
            keep: false,
            no_sqlite: false,
            http: false,
            http_secs: 30,
            http_settle_secs: 900,
            talent_bin: None,
        }
    }
}

/// Per-system results of one workload.
#[derive(Debug, Clone, Default)]
pub struct Workload {
    /// System name -> summary.
    pub systems: Vec<(String, Summary)>,
    /// Systems that skipped this workload, with why.
    pub skipped: Vec<(String, String)>,
    /// Whether every system that ran agreed with the engine on every query.
    pub identical: bool,
    /// Queries compared.
    pub compared: usize,
    /// Mismatching (system, query) pairs.
    pub mismatches: usize,
}

impl Workload {
    /// The summary of a system.
    pub fn get(&self, name: &str) -> Option<&Summary> {
        self.systems.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    fn json(&self) -> Value {
        let engine = self.get("engine").cloned();
        let mut systems = serde_json::Map::new();
        for (name, s) in &self.systems {
            let mut v = s.json();
            if let Some(e) = &engine {
                v["p50_ratio_vs_engine"] = json!(stats::round3(s.p50_ms / e.p50_ms.max(1e-9)));
                v["p99_ratio_vs_engine"] = json!(stats::round3(s.p99_ms / e.p99_ms.max(1e-9)));
            }
            systems.insert(name.clone(), v);
        }
        for (name, why) in &self.skipped {
            systems.insert(name.clone(), json!({"skipped": why}));
        }
        json!({
            "top20_identical": self.identical,
            "queries_compared": self.compared,
            "mismatches": self.mismatches,
            "systems": systems,
        })
    }
}

/// Everything a run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The configuration's scale and query counts.
    pub scale: Value,
    /// Load and index timings.
    pub load: Value,
    /// Candidate search.
    pub candidates: Workload,
    /// Jobs for a learner.
    pub jobs: Workload,
    /// Gap analysis + pathway.
    pub pathway: Workload,
    /// The HTTP figures, with `--http`.
    pub http: Option<Value>,
    /// Load averages and the like.
    pub machine: Value,
}

impl Report {
    /// Whether every comparison agreed.
    pub fn identical(&self) -> bool {
        self.candidates.identical && self.jobs.identical
    }

    /// The JSON of the issue: `scale`, `top20_identical`, `systems` (candidate search),
    /// plus `load`, `jobs_for_learner`, `gap_pathway`, `machine` and `http`.
    pub fn json(&self) -> Value {
        let cand = self.candidates.json();
        let mut v = json!({
            "scale": self.scale,
            "top20_identical": self.identical(),
            "systems": cand["systems"],
            "candidate_search": {
                "top20_identical": self.candidates.identical,
                "queries_compared": self.candidates.compared,
                "mismatches": self.candidates.mismatches,
            },
            "jobs_for_learner": self.jobs.json(),
            "gap_pathway": self.pathway.json(),
            "load": self.load,
            "machine": self.machine,
        });
        if let Some(h) = &self.http {
            v["http"] = h.clone();
        }
        v
    }
}

fn say(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

/// Runs the benchmark. Errors for setup failures (no PostgreSQL, no `talent` binary for
/// `--http`...); a top-20 mismatch is not an error but [`Report::identical`] false.
pub async fn run(cfg: &BenchConfig) -> anyhow::Result<Report> {
    let mut report = Report {
        machine: json!({
            "loadavg_start": stats::loadavg(),
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        }),
        ..Report::default()
    };
    let spec = SyntheticSpec {
        learners: cfg.learners,
        jobs: cfg.jobs,
        microcredentials: cfg.microcredentials,
        seed: cfg.seed,
    };
    let sql_n = cfg.sql_queries.min(cfg.queries);

    // ---- data ----
    let mut load = json!({});
    let (sqlite_db, pg) = if cfg.skip_load {
        say(format!(
            "reusing the data set in {} (--skip-load)",
            cfg.data_dir.display()
        ));
        let sqlite_db = data::open_sqlite(&cfg.data_dir).await?;
        let pg = match &cfg.pg_url {
            Some(url) => Some(data::existing_pg(url, &cfg.pg_db).await?),
            None => None,
        };
        load["reused"] = json!(true);
        (sqlite_db, pg)
    } else {
        data::clear_data_dir(&cfg.data_dir)?;
        say(format!(
            "loading {} learners, {} jobs, {} microcredentials (seed {}) into SQLite at {}",
            cfg.learners,
            cfg.jobs,
            cfg.microcredentials,
            cfg.seed,
            data::sqlite_path(&cfg.data_dir).display()
        ));
        let sqlite_db = data::open_sqlite(&cfg.data_dir).await?;
        let (secs, r) = data::load(&sqlite_db, spec, "sqlite").await?;
        say(format!("SQLite load: {secs:.1} s, {} rows", r.rows));
        load["sqlite_load_s"] = json!(stats::round3(secs));
        load["rows"] = json!(r.rows);
        let pg = match &cfg.pg_url {
            Some(url) => {
                say(format!(
                    "loading the same data set into PostgreSQL database {}",
                    cfg.pg_db
                ));
                let (db, pg_url) = data::fresh_pg(url, &cfg.pg_db).await?;
                let (secs, r2) = data::load(&db, spec, "postgres").await?;
                say(format!("PostgreSQL load: {secs:.1} s, {} rows", r2.rows));
                load["postgres_load_s"] = json!(stats::round3(secs));
                anyhow::ensure!(
                    r.rows == r2.rows,
                    "the two loads wrote different row counts"
                );
                Some((db, pg_url))
            }
            None => None,
        };
        (sqlite_db, pg)
    };
    let tax = Arc::new(data::taxonomy(&sqlite_db).await?);
    if let Some((pg_db, _)) = &pg {
        let pg_tax = data::taxonomy(pg_db).await?;
        anyhow::ensure!(
            pg_tax.skills() == tax.skills(),
            "the taxonomy differs between SQLite and PostgreSQL (ids must match)"
        );
    }
    if !cfg.skip_load {
        let secs = data::dba_setup(&sqlite_db, &tax).await?;
        say(format!(
            "SQLite DBA setup (skill_relation, indexes, ANALYZE): {secs:.1} s"
        ));
        load["sqlite_dba_setup_s"] = json!(stats::round3(secs));
        if let Some((pg_db, _)) = &pg {
            let secs = data::dba_setup(pg_db, &tax).await?;
            say(format!(
                "PostgreSQL DBA setup (skill_relation, indexes, VACUUM ANALYZE): {secs:.1} s"
            ));
            load["postgres_dba_setup_s"] = json!(stats::round3(secs));
        }
    }

    // ---- index ----
    let index_dir = data::index_dir(&cfg.data_dir);
    say("building the search index from SQLite (the `talent reindex` path)");
    let (build_s, indexed) = data::build_index(&sqlite_db, &index_dir).await?;
    say(format!(
        "index build: {build_s:.1} s ({indexed} learners; the database read and the index build overlap)"
    ));
    let dir = index_dir.clone();
    let t2 = tax.clone();
    let (engine, open_s) =
        tokio::task::spawn_blocking(move || data::open_index(&dir, t2)).await??;
    say(format!(
        "index open: {open_s:.1} s, {} learners; process RSS {:.0} MiB",
        engine.num_learners(),
        stats::rss_mib().unwrap_or(0.0)
    ));
    load["index_build_s"] = json!(stats::round3(build_s));
    load["index_open_s"] = json!(stats::round3(open_s));
    load["index_learners"] = json!(engine.num_learners());
    report.load = load;

    // ---- queries ----
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x5eed_0006);
    let mut open: Vec<(i64, Vec<Requirement>, i64)> = engine
        .open_jobs()
        .filter(|j| !j.requirements.is_empty())
        .map(|j| (j.id, j.requirements.clone(), j.employer_id))
        .collect();
    anyhow::ensure!(!open.is_empty(), "no open job with requirements");
    open.shuffle(&mut rng);
    let jobs: Vec<(i64, Vec<Requirement>, i64)> = (0..cfg.queries)
        .map(|i| open[i % open.len()].clone())
        .collect();
    let avg_reqs = jobs.iter().map(|j| j.1.len()).sum::<usize>() as f64 / jobs.len().max(1) as f64;
    let (lo, hi) = data::learner_id_range(&sqlite_db).await?;
    anyhow::ensure!(hi >= lo, "no learners");
    let learners: Vec<i64> = (0..cfg.queries)
        .map(|_| rng.random_range(lo..=hi))
        .collect();
    report.scale = json!({
        "learners": cfg.learners,
        "jobs": cfg.jobs,
        "microcredentials": cfg.microcredentials,
        "seed": cfg.seed,
        "open_jobs": open.len(),
        "queries": cfg.queries,
        "sql_queries": sql_n,
        "avg_requirements": stats::round3(avg_reqs),
        "top": TOP,
    });
    say(format!(
        "workload: {} candidate searches over random open jobs ({avg_reqs:.1} requirements on average), \
         {} learners for jobs, {} gap+pathway; PostgreSQL and SQLite run the first {sql_n} of each \
         (each SQL query takes seconds at scale)",
        cfg.queries, cfg.queries, cfg.queries
    ));
    let now = talent_api::repo::now();
    let engine = Arc::new(engine);

    // ---- candidate search ----
    let mut cand = Workload {
        identical: true,
        ..Workload::default()
    };
    let mut reference: Vec<Ranked> = Vec::new();
    {
        // Reference lists (engine, limit 40 for tie resolution), untimed.
        for (_, reqs, _) in &jobs {
            reference.push(engine_candidates(&engine, reqs, sql::FETCH, false)?);
        }
        let (s, lists) = time_in_process("engine", &jobs, |(_, reqs, _)| {
            engine_candidates(&engine, reqs, TOP, false)
        })?;
        prefix_check(&lists, &reference, "engine candidate search")?;
        cand.systems.push(("engine".into(), s));
        let (s, _) = time_in_process("bruteforce", &jobs, |(_, reqs, _)| {
            engine_candidates(&engine, reqs, TOP, true)
        })?;
        cand.systems.push(("bruteforce".into(), s));
        let lists: Vec<Ranked> = jobs
            .iter()
            .map(|(_, reqs, _)| engine_candidates(&engine, reqs, sql::FETCH, true))
            .collect::<anyhow::Result<_>>()?;
        compare_all(
            &mut cand,
            "bruteforce",
            &jobs_ids(&jobs),
            &reference,
            &lists,
            TOP,
        );
    }
    let sql_jobs: Vec<i64> = jobs.iter().take(sql_n).map(|j| j.0).collect();
    if let Some((_, pg_url)) = &pg {
        say(format!("PostgreSQL: {sql_n} candidate searches"));
        let (s, lists) = pg_system(pg_url, sql::CANDIDATES_SQL, &sql_jobs, now).await?;
        compare_all(&mut cand, "postgres", &sql_jobs, &reference, &lists, TOP);
        cand.systems.push(("postgres".into(), s));
    } else {
        cand.skipped.push(("postgres".into(), "no --pg-url".into()));
    }
    if !cfg.no_sqlite {
        say(format!("SQLite: {sql_n} candidate searches"));
        let (s, lists) = sqlite_system(&cfg.data_dir, sql::CANDIDATES_SQL, &sql_jobs, now).await?;
        compare_all(&mut cand, "sqlite", &sql_jobs, &reference, &lists, TOP);
        cand.systems.push(("sqlite".into(), s));
    } else {
        cand.skipped.push(("sqlite".into(), "--no-sqlite".into()));
    }
    report.candidates = cand;

    // ---- jobs for a learner ----
    let mut jw = Workload {
        identical: true,
        ..Workload::default()
    };
    {
        let mut reference = Vec::new();
        for &l in &learners {
            reference.push(engine_jobs(&engine, l, sql::FETCH)?);
        }
        let (s, lists) = time_in_process("engine", &learners, |&l| engine_jobs(&engine, l, TOP))?;
        prefix_check(&lists, &reference, "engine jobs for a learner")?;
        jw.systems.push(("engine".into(), s));
        let (s, lists) =
            time_in_process("bruteforce", &learners, |&l| scan_jobs(&engine, &tax, l))?;
        compare_all(&mut jw, "bruteforce", &learners, &reference, &lists, TOP);
        jw.systems.push(("bruteforce".into(), s));
        let sql_learners: Vec<i64> = learners.iter().take(sql_n).copied().collect();
        if let Some((_, pg_url)) = &pg {
            say(format!("PostgreSQL: {sql_n} job rankings"));
            let (s, lists) = pg_system(pg_url, sql::JOBS_SQL, &sql_learners, now).await?;
            compare_all(&mut jw, "postgres", &sql_learners, &reference, &lists, TOP);
            jw.systems.push(("postgres".into(), s));
        } else {
            jw.skipped.push(("postgres".into(), "no --pg-url".into()));
        }
        if !cfg.no_sqlite {
            say(format!("SQLite: {sql_n} job rankings"));
            let (s, lists) =
                sqlite_system(&cfg.data_dir, sql::JOBS_SQL, &sql_learners, now).await?;
            compare_all(&mut jw, "sqlite", &sql_learners, &reference, &lists, TOP);
            jw.systems.push(("sqlite".into(), s));
        } else {
            jw.skipped.push(("sqlite".into(), "--no-sqlite".into()));
        }
    }
    report.jobs = jw;

    // ---- gap analysis + pathway ----
    let currencies = microcredential_currencies(&sqlite_db).await?;
    let pairs: Vec<(i64, Vec<Requirement>)> = learners
        .iter()
        .zip(&jobs)
        .map(|(&l, (_, reqs, _))| (l, reqs.clone()))
        .collect();
    let (s, _) = time_in_process("engine", &pairs, |(l, reqs)| {
        gap_pathway(&engine, &tax, &currencies, *l, reqs).map(|n| vec![(n as i64, 0.0)])
    })?;
    report.pathway = Workload {
        systems: vec![("engine".into(), s)],
        skipped: vec![
            ("postgres".into(), "skipped: gap analysis + pathway is an exact optimisation (set cover with prerequisites), not a SQL query".into()),
            ("sqlite".into(), "skipped: as for postgres".into()),
            ("bruteforce".into(), "skipped: the engine path is the pathway optimiser itself; its exactness is held by property tests against exhaustive search".into()),
        ],
        identical: true,
        ..Workload::default()
    };
    say(format!(
        "candidate search identical: {}; jobs for a learner identical: {}",
        report.candidates.identical, report.jobs.identical
    ));

    // ---- HTTP ----
    if cfg.http {
        let http_jobs: Vec<(i64, i64)> = jobs.iter().map(|(id, _, emp)| (*id, *emp)).collect();
        let engine_p50 = report.candidates.get("engine").map_or(0.0, |s| s.p50_ms);
        drop(engine);
        let h = http::run(cfg, &sqlite_db, &http_jobs, engine_p50).await?;
        report.http = Some(h);
    } else {
        drop(engine);
    }

    // ---- clean up ----
    drop(sqlite_db);
    if let Some((pg_db, _)) = pg {
        drop(pg_db);
        if !cfg.keep
            && let Some(url) = &cfg.pg_url
        {
            data::drop_pg(url, &cfg.pg_db).await?;
            say(format!("dropped PostgreSQL database {}", cfg.pg_db));
        }
    }
    if !cfg.keep {
        data::clear_data_dir(&cfg.data_dir)?;
        say(format!(
            "removed the SQLite database and index in {}",
            cfg.data_dir.display()
        ));
    }
    report.machine["loadavg_end"] = json!(stats::loadavg());
    Ok(report)
}

fn jobs_ids(jobs: &[(i64, Vec<Requirement>, i64)]) -> Vec<i64> {
    jobs.iter().map(|j| j.0).collect()
}

fn engine_candidates(
    engine: &Engine,
    reqs: &[Requirement],
    limit: usize,
    scan: bool,
) -> anyhow::Result<Ranked> {
    let mut q = CandidateQuery::new(reqs.to_vec());
    q.limit = limit;
    let page = if scan {
        engine.search_candidates_scan(&q)?
    } else {
        engine.search_candidates(&q)?
    };
    Ok(page.hits.iter().map(|h| (h.learner_id, h.score)).collect())
}

fn engine_jobs(engine: &Engine, learner: i64, limit: usize) -> anyhow::Result<Ranked> {
    let q = JobQuery {
        limit,
        ..JobQuery::default()
    };
    let page = engine.jobs_for_learner(learner, &q)?;
    Ok(page.hits.iter().map(|h| (h.job_id, h.score)).collect())
}

/// The reference scan for jobs: `scoring::score` (the definition, explained) over every
/// open job, top by (score desc, id asc), score > 0.
fn scan_jobs(engine: &Engine, tax: &Taxonomy, learner: i64) -> anyhow::Result<Ranked> {
    let evidence = engine
        .learner_evidence(learner)?
        .context("learner not indexed")?;
    let mut all: Ranked = Vec::new();
    for j in engine.open_jobs() {
        let s = search_index::scoring::score(tax, &j.requirements, &evidence)?.score;
        if s > 0.0 {
            all.push((j.id, s));
        }
    }
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(sql::FETCH);
    Ok(all)
}

/// Gap analysis and the cheapest USD pathway, as the `learningPathway` resolver computes
/// them (candidate microcredentials from the index, transitively for prerequisites).
/// Returns the number of steps.
fn gap_pathway(
    engine: &Engine,
    tax: &Taxonomy,
    currencies: &HashMap<i64, String>,
    learner: i64,
    reqs: &[Requirement],
) -> anyhow::Result<usize> {
    let evidence = engine
        .learner_evidence(learner)?
        .context("learner not indexed")?;
    let gaps = search_index::pathway::gap_analysis(tax, reqs, &evidence)?;
    let candidates = engine.pathway_candidates(
        gaps.iter()
            .map(|g| (g.requirement.skill, g.requirement.min_level)),
        &evidence,
    );
    let catalogue = search_index::pathway::Catalogue::new(
        candidates
            .into_values()
            .filter(|m| currencies.get(&m.id).is_some_and(|c| c == "USD"))
            .map(Into::into),
    );
    let planned = search_index::pathway::plan(
        tax,
        reqs,
        &evidence,
        &catalogue,
        &search_index::pathway::SolveOptions::default(),
    )?;
    Ok(planned.pathway.steps.len())
}

async fn microcredential_currencies(
    db: &talent_api::db::Db,
) -> anyhow::Result<HashMap<i64, String>> {
    #[derive(diesel::QueryableByName)]
    struct R {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        currency: String,
    }
    let mut p = db.conn().await?;
    let q = "SELECT id, currency FROM microcredentials";
    let rows: Vec<R> = match p.conn() {
        talent_api::db::DbConn::Pg(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query(q).load(c).await?
        }
        talent_api::db::DbConn::Sqlite(c) => {
            use diesel_async::RunQueryDsl;
            diesel::sql_query(q).load(c).await?
        }
    };
    Ok(rows.into_iter().map(|r| (r.id, r.currency)).collect())
}

/// Times `f` over `items` in this process (after a warm-up of the first 2), with the
/// process's peak RSS over the loop.
fn time_in_process<T>(
    name: &str,
    items: &[T],
    mut f: impl FnMut(&T) -> anyhow::Result<Ranked>,
) -> anyhow::Result<(Summary, Vec<Ranked>)> {
    for it in items.iter().take(2) {
        f(it)?;
    }
    let reset = stats::reset_peak_rss();
    let mut samples = Vec::with_capacity(items.len());
    let mut lists = Vec::with_capacity(items.len());
    let wall = Instant::now();
    for it in items {
        let t = Instant::now();
        let r = f(it)?;
        samples.push(t.elapsed());
        lists.push(r);
    }
    let mut s = Summary::from_samples(&samples, wall.elapsed());
    s.peak_rss_mib = stats::peak_rss_mib();
    s.rss_note = if reset {
        "bench process peak RSS during this system's queries (index and forward index loaded)"
            .into()
    } else {
        "bench process peak RSS since start (peak reset unsupported)".into()
    };
    say(format!(
        "  {name:<10} n={} p50 {:.2} ms p95 {:.2} ms p99 {:.2} ms, {:.1} q/s",
        s.n, s.p50_ms, s.p95_ms, s.p99_ms, s.qps
    ));
    Ok((s, lists))
}

/// The engine's timed pages (limit 20) must be exactly the first 20 of its reference
/// pages (limit 40): same ids, same order, same bits.
fn prefix_check(lists: &[Ranked], reference: &[Ranked], what: &str) -> anyhow::Result<()> {
    for (i, (a, r)) in lists.iter().zip(reference).enumerate() {
        let n = a.len().min(r.len());
        anyhow::ensure!(
            a.len() == r.len().min(TOP) && a[..n] == r[..n],
            "{what}: query {i}: the page of 20 is not the start of the page of 40"
        );
    }
    Ok(())
}

fn compare_all(
    w: &mut Workload,
    system: &str,
    keys: &[i64],
    reference: &[Ranked],
    lists: &[Ranked],
    k: usize,
) {
    for (i, list) in lists.iter().enumerate() {
        let a = canonical(reference[i].clone(), k);
        let b = canonical(list.clone(), k);
        w.compared += 1;
        if !same(&a, &b) {
            w.identical = false;
            w.mismatches += 1;
            eprintln!(
                "\n!!! TOP-{k} MISMATCH: {system} disagrees with the engine for query key {} (query {i}):\n{}",
                keys[i],
                side_by_side("engine", &a, system, &b)
            );
        }
    }
}

/// Runs `sql` for each key on one PostgreSQL connection ([`sql::PG_SESSION`]), timed,
/// sampling the server's memory meanwhile.
async fn pg_system(
    url: &str,
    sql_text: &str,
    keys: &[i64],
    now: chrono::NaiveDateTime,
) -> anyhow::Result<(Summary, Vec<Ranked>)> {
    use diesel::sql_types::{BigInt, Timestamp};
    use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
    let mut c = diesel_async::AsyncPgConnection::establish(url).await?;
    c.batch_execute(sql::PG_SESSION).await?;
    let run = async |c: &mut diesel_async::AsyncPgConnection, key: i64| -> anyhow::Result<Ranked> {
        let rows: Vec<sql::ScoreRow> = diesel::sql_query(sql_text)
            .bind::<BigInt, _>(key)
            .bind::<Timestamp, _>(now)
            .load(c)
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.score)).collect())
    };
    for &k in keys.iter().take(2) {
        run(&mut c, k).await?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak: Option<f64> = None;
            while !AtomicBool::load(&stop, Ordering::Relaxed) {
                if let Some(m) = stats::postgres_pss_mib() {
                    peak = Some(peak.map_or(m, |p: f64| p.max(m)));
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            peak
        })
    };
    let mut samples = Vec::new();
    let mut lists = Vec::new();
    let wall = Instant::now();
    for (i, &k) in keys.iter().enumerate() {
        let t = Instant::now();
        lists.push(run(&mut c, k).await?);
        samples.push(t.elapsed());
        if (i + 1) % 10 == 0 {
            say(format!(
                "  postgres {}/{} ({:.1} s so far)",
                i + 1,
                keys.len(),
                wall.elapsed().as_secs_f64()
            ));
        }
    }
    let wall = wall.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.join().ok().flatten();
    let mut s = Summary::from_samples(&samples, wall);
    s.peak_rss_mib = peak;
    s.rss_note = if peak.is_some() {
        "PostgreSQL server: peak over 300 ms samples of the summed PSS of all postgres processes (shared buffers counted once); OS page cache not included".into()
    } else {
        "n/a (postgres processes not readable from here)".into()
    };
    say(format!(
        "  postgres   n={} p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms, {:.2} q/s",
        s.n, s.p50_ms, s.p95_ms, s.p99_ms, s.qps
    ));
    Ok((s, lists))
}

/// Runs `sql` for each key on one SQLite connection ([`sql::SQLITE_SESSION`]) in this
/// process, timed.
async fn sqlite_system(
    data_dir: &std::path::Path,
    sql_text: &str,
    keys: &[i64],
    now: chrono::NaiveDateTime,
) -> anyhow::Result<(Summary, Vec<Ranked>)> {
    let dir = data_dir.to_path_buf();
    let text = sql::for_sqlite(sql_text);
    let keys = keys.to_vec();
    tokio::task::spawn_blocking(move || -> anyhow::Result<(Summary, Vec<Ranked>)> {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{BigInt, Timestamp};
        let mut c = data::sqlite_reader(&dir)?;
        let mut run = |key: i64| -> anyhow::Result<Ranked> {
            let rows: Vec<sql::ScoreRow> = diesel::sql_query(&text)
                .bind::<BigInt, _>(key)
                .bind::<Timestamp, _>(now)
                .load(&mut c)?;
            Ok(rows.into_iter().map(|r| (r.id, r.score)).collect())
        };
        for &k in keys.iter().take(2) {
            run(k)?;
        }
        let reset = stats::reset_peak_rss();
        let mut samples = Vec::new();
        let mut lists = Vec::new();
        let wall = Instant::now();
        for (i, &k) in keys.iter().enumerate() {
            let t = Instant::now();
            lists.push(run(k)?);
            samples.push(t.elapsed());
            if (i + 1) % 10 == 0 {
                say(format!("  sqlite {}/{} ({:.1} s so far)", i + 1, keys.len(), wall.elapsed().as_secs_f64()));
            }
        }
        let mut s = Summary::from_samples(&samples, wall.elapsed());
        s.peak_rss_mib = stats::peak_rss_mib();
        s.rss_note = if reset {
            "bench process peak RSS during the SQLite queries (the engine's index is also loaded in this process)".into()
        } else {
            "bench process peak RSS since start".into()
        };
        say(format!(
            "  sqlite     n={} p50 {:.1} ms p95 {:.1} ms p99 {:.1} ms, {:.2} q/s",
            s.n, s.p50_ms, s.p95_ms, s.p99_ms, s.qps
        ));
        Ok((s, lists))
    })
    .await?
}
