//! The bench at a tiny scale: all four systems (engine, PostgreSQL when
//! `TEST_DATABASE_URL` is set, SQLite, the brute-force scan) must return the same top 20
//! for every query, so the SQL of `talent_tests::bench::sql` cannot drift from the
//! engine's score. Not timed.

use talent_tests::bench::{self, BenchConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_four_systems_return_the_same_top_20() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pg_url = std::env::var("TEST_DATABASE_URL").ok();
    if pg_url.is_none() {
        eprintln!(
            "\n*** SKIPPED the PostgreSQL system of the bench smoke test: TEST_DATABASE_URL is not set. ***\n"
        );
    }
    let cfg = BenchConfig {
        learners: 2_000,
        jobs: 200,
        microcredentials: 100,
        seed: 7,
        queries: 12,
        sql_queries: 12,
        pg_url,
        pg_db: format!("talent_bench_smoke_{}", std::process::id()),
        data_dir: dir.path().to_path_buf(),
        skip_load: false,
        keep: false,
        no_sqlite: false,
        http: false,
        http_secs: 0,
        http_settle_secs: 0,
        talent_bin: None,
    };
    let report = bench::run(&cfg).await.expect("bench run");
    let systems: Vec<&str> = report
        .candidates
        .systems
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        systems.contains(&"engine")
            && systems.contains(&"sqlite")
            && systems.contains(&"bruteforce"),
        "{systems:?}"
    );
    if cfg.pg_url.is_some() {
        assert!(systems.contains(&"postgres"), "{systems:?}");
    }
    // Every system ran every query and agreed with the engine on each (the engine's own
    // page of 20 is checked against its page of 40 inside the run).
    let per_query_systems = if cfg.pg_url.is_some() { 3 } else { 2 };
    assert_eq!(report.candidates.compared, cfg.queries * per_query_systems);
    assert_eq!(report.jobs.compared, cfg.queries * per_query_systems);
    assert!(
        report.candidates.identical,
        "candidate search: top 20 differ (see stderr)"
    );
    assert!(
        report.jobs.identical,
        "jobs for a learner: top 20 differ (see stderr)"
    );
    // The workload is not trivially empty.
    assert!(
        report
            .candidates
            .get("engine")
            .is_some_and(|s| s.n == cfg.queries)
    );
    let json = report.json();
    assert_eq!(json["top20_identical"], true);
    for k in ["p50_ms", "p95_ms", "p99_ms", "qps", "peak_rss_mib"] {
        assert!(
            json["systems"]["engine"].get(k).is_some(),
            "{k} missing: {json:#}"
        );
    }
}
