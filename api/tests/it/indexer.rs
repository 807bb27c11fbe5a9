//! The indexer: outbox -> local search index, on both backends; restarts, corruption,
//! locks, the evidence mapping, expiry sweeps and `talent reindex`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use search_index::engine::{CandidateQuery, EngineOptions};
use search_index::{Engine, Requirement};
use talent_api::db::{Backend, Db, DbConn, PoolConfig};
use talent_api::documents;
use talent_api::indexer::{IndexerOptions, SearchService};
use talent_api::readiness::{IndexState, Readiness};
use talent_api::repo::occupations::Requirement as JobRequirement;
use talent_api::repo::{
    self, CredentialSource, CredentialStatus, JobStatus, OrganizationKind, Role, Visibility,
};
use talent_api::testing::{RequirementTable, TestDb, force_requirement_level};

pub(crate) const WAIT: Duration = Duration::from_secs(10);

pub(crate) fn options() -> IndexerOptions {
    IndexerOptions {
        engine: EngineOptions {
            writer_threads: 1,
            writer_memory_bytes: 20 << 20,
            search_threads: 1,
        },
        poll_interval: Duration::from_millis(50),
        sweep_min_gap: Duration::from_millis(500),
        ..IndexerOptions::default()
    }
}

pub(crate) async fn start(db: &Db, dir: Option<&Path>) -> anyhow::Result<Arc<SearchService>> {
    SearchService::start_with(
        db.clone(),
        dir.map(Path::to_path_buf),
        Arc::new(Readiness::default()),
        options(),
    )
    .await
}

pub(crate) async fn skill(conn: &mut DbConn<'_>, slug: &str, parent: Option<i64>) -> i64 {
    repo::skills::create(
        conn,
        &repo::skills::NewSkill {
            slug,
            name: slug,
            category: "software",
            parent_id: parent,
            ambiguous: false,
            aliases: &[],
        },
    )
    .await
    .expect("create skill")
    .id
}

pub(crate) async fn learner(conn: &mut DbConn<'_>, subject: &str, visibility: Visibility) -> i64 {
    let user = repo::users::provision(conn, subject, Role::Learner, None)
        .await
        .expect("provision");
    let profile = repo::learners::Profile {
        display_name: subject.to_owned(),
        headline: Some(format!("{subject} builds data pipelines")),
        bio: None,
        location: Some("Toronto".into()),
        remote_preference: repo::RemotePreference::Any,
        aspiration_ids: None,
    };
    let id = repo::learners::upsert_profile(conn, user.id, &profile)
        .await
        .expect("profile")
        .id;
    repo::learners::set_visibility(conn, id, visibility)
        .await
        .expect("visibility");
    id
}

pub(crate) async fn employer(conn: &mut DbConn<'_>, slug: &str) -> i64 {
    repo::organizations::create(
        conn,
        &repo::organizations::NewOrganization {
            slug,
            name: slug,
            kind: OrganizationKind::Employer,
            location: None,
        },
    )
    .await
    .expect("org")
    .id
}

pub(crate) fn new_job(title: &str, skill_id: i64) -> repo::jobs::NewJob {
    repo::jobs::NewJob {
        title: title.into(),
        description: "pipelines".into(),
        location: None,
        remote: true,
        requirements: vec![JobRequirement {
            skill_id,
            min_level: 3,
            weight: 1.0,
            required: true,
        }],
        posted_at: None,
    }
}

pub(crate) fn credential(
    skill: i64,
    level: i32,
    status: CredentialStatus,
    expires_in: Option<TimeDelta>,
) -> repo::credentials::NewCredential {
    let now = repo::now();
    repo::credentials::NewCredential {
        title: format!("{status:?} credential"),
        issuer: "Uni".into(),
        issued_at: now - TimeDelta::days(30),
        expires_at: expires_in.map(|d| now + d),
        status,
        source: CredentialSource::Learner,
        microcredential_id: None,
        skills: vec![(skill, level)],
    }
}

/// Ids of recruiter-visible candidates for one skill at level 3.
fn candidates(e: &Engine, skill: i64) -> Vec<i64> {
    let q = CandidateQuery::new(vec![Requirement {
        skill,
        min_level: 3,
        weight: 1.0,
        required: true,
    }]);
    e.search_candidates(&q)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| h.learner_id)
        .collect()
}

/// What the index holds must equal the database: learners and open jobs.
async fn assert_counts_match(t: &TestDb, svc: &SearchService) {
    let mut p = t.db.conn().await.expect("conn");
    let c = &mut p.conn();
    let learners = repo::learners::count(c).await.expect("count") as usize;
    let job_ids = repo::jobs::ids_after(c, i64::MIN, 10_000)
        .await
        .expect("jobs");
    let open = repo::jobs::get_many(c, &job_ids)
        .await
        .expect("jobs")
        .iter()
        .filter(|j| j.status == JobStatus::Open)
        .count();
    let head = repo::outbox::head(c).await.expect("head");
    let (n, o) = svc.read(|e| (e.num_learners(), e.open_jobs().count()));
    assert_eq!((n, o), (learners, open), "{:?}", t.db.backend());
    assert_eq!(svc.applied_seq(), head, "{:?}", t.db.backend());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_learner_change_is_searchable_once_caught_up_and_private_hides_it() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let data = skill(c, "data", None).await;
        let sql = skill(c, "sql", Some(data)).await;
        let ada = learner(c, "ada", Visibility::Recruiters).await;
        let readiness = Arc::new(Readiness::default());
        let svc = SearchService::start_with(t.db.clone(), None, readiness.clone(), options())
            .await
            .expect("start");
        assert_eq!(readiness.index(), IndexState::Ready);
        assert!(svc.read(|e| candidates(e, sql)).is_empty());

        repo::credentials::add(
            c,
            ada,
            &credential(sql, 4, CredentialStatus::Verified, None),
        )
        .await
        .expect("credential");
        svc.poke();
        assert!(svc.wait_caught_up(WAIT).await);
        assert_eq!(svc.read(|e| candidates(e, sql)), vec![ada]);
        assert_eq!(svc.lag().await, 0);

        repo::learners::set_visibility(c, ada, Visibility::Private)
            .await
            .expect("private");
        assert!(svc.wait_caught_up(WAIT).await);
        assert!(
            svc.read(|e| candidates(e, sql)).is_empty(),
            "{:?}: a private learner reached recruiter search",
            t.db.backend()
        );
        assert!(
            svc.read(|e| e.learner_evidence(ada).expect("evidence"))
                .is_some()
        );

        // Job alerts: an open job upserted is announced; closing it is not.
        let mut alerts = svc.subscribe_job_changes();
        let org = employer(c, "acme").await;
        let job = repo::jobs::create(c, org, &new_job("Data engineer", sql))
            .await
            .expect("job")
            .id;
        assert!(svc.wait_caught_up(WAIT).await);
        assert_eq!(alerts.try_recv().expect("alert"), job);
        repo::jobs::set_status(c, job, JobStatus::Closed)
            .await
            .expect("close");
        assert!(svc.wait_caught_up(WAIT).await);
        assert!(alerts.try_recv().is_err());
        assert_eq!(svc.read(|e| e.open_jobs().count()), 0);
        assert_counts_match(&t, &svc).await;
        svc.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_learner_removes_its_document() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None).await;
        let ada = learner(c, "ada", Visibility::Public).await;
        repo::learners::assert_skill(c, ada, sql, 5)
            .await
            .expect("assert");
        let svc = start(&t.db, None).await.expect("start");
        assert_eq!(svc.read(|e| candidates(e, sql)), vec![ada]);

        assert!(repo::learners::delete(c, ada).await.expect("delete"));
        svc.poke();
        assert!(svc.wait_caught_up(WAIT).await);
        assert_eq!(
            svc.read(|e| e.learner_evidence(ada).expect("evidence")),
            None
        );
        assert!(svc.read(|e| candidates(e, sql)).is_empty());
        assert_eq!(svc.read(|e| e.num_learners()), 0);
        svc.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_resumes_from_the_applied_sequence_without_a_rebuild() {
    for t in TestDb::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None).await;
        let ada = learner(c, "ada", Visibility::Public).await;
        let svc = start(&t.db, Some(dir.path())).await.expect("start");
        repo::learners::assert_skill(c, ada, sql, 4)
            .await
            .expect("assert");
        assert!(svc.wait_caught_up(WAIT).await);
        let seq = svc.applied_seq();
        let generation = svc.read(|e| e.index_path());
        svc.shutdown().await;
        drop(svc);

        // Changes made while the node is down are replayed on start.
        let bob = learner(c, "bob", Visibility::Recruiters).await;
        repo::learners::assert_skill(c, bob, sql, 3)
            .await
            .expect("assert");
        let svc = start(&t.db, Some(dir.path())).await.expect("restart");
        assert_eq!(
            svc.read(|e| e.index_path()),
            generation,
            "{:?}: reopening must not rebuild",
            t.db.backend()
        );
        assert!(svc.applied_seq() > seq);
        let mut found = svc.read(|e| candidates(e, sql));
        found.sort_unstable();
        assert_eq!(found, vec![ada, bob]);
        assert_counts_match(&t, &svc).await;
        svc.shutdown().await;
        drop(svc);

        // Reopened once more with nothing new: the same sequence, the same documents.
        let svc = start(&t.db, Some(dir.path())).await.expect("restart");
        assert_counts_match(&t, &svc).await;
        svc.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupted_index_is_rebuilt_from_the_database() {
    for t in TestDb::all().await {
        let dir = tempfile::tempdir().expect("dir");
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None).await;
        let ada = learner(c, "ada", Visibility::Public).await;
        repo::learners::assert_skill(c, ada, sql, 4)
            .await
            .expect("assert");
        let svc = start(&t.db, Some(dir.path())).await.expect("start");
        let generation = svc.read(|e| e.index_path()).expect("on disk");
        svc.shutdown().await;
        drop(svc);

        let current = std::fs::read_to_string(dir.path().join("CURRENT")).expect("CURRENT");
        let gen_dir = dir.path().join(current.trim());
        assert_eq!(gen_dir, generation);
        for entry in std::fs::read_dir(&gen_dir).expect("generation") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::write(&path, b"garbage, not an index").expect("overwrite");
            }
        }
        let svc = start(&t.db, Some(dir.path())).await.expect("rebuild");
        assert_ne!(svc.read(|e| e.index_path()), Some(generation));
        assert_eq!(svc.read(|e| candidates(e, sql)), vec![ada]);
        assert_counts_match(&t, &svc).await;
        svc.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_service_on_the_same_directory_is_refused_clearly() {
    let t = TestDb::sqlite().await;
    let dir = tempfile::tempdir().expect("dir");
    let first = start(&t.db, Some(dir.path())).await.expect("start");
    let readiness = Arc::new(Readiness::default());
    let err = SearchService::start_with(
        t.db.clone(),
        Some(dir.path().to_path_buf()),
        readiness.clone(),
        options(),
    )
    .await
    .expect_err("a second writer must be refused");
    let msg = format!("{err:#}");
    assert!(msg.contains("in use by another process"), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert_eq!(readiness.index(), IndexState::Failed);
    // The first one is unharmed.
    let mut p = t.db.conn().await.expect("conn");
    learner(&mut p.conn(), "ada", Visibility::Public).await;
    assert!(first.wait_caught_up(WAIT).await);
    assert_eq!(first.read(|e| e.num_learners()), 1);
    first.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn learner_docs_weigh_evidence_as_matching_md_says() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let s: Vec<i64> = {
            let mut v = Vec::new();
            for slug in ["verified", "unverified", "expired", "revoked", "asserted"] {
                v.push(skill(c, slug, None).await);
            }
            v
        };
        let ada = learner(c, "ada", Visibility::Recruiters).await;
        let add = |st, exp| credential(0, 3, st, exp);
        let mut ids = Vec::new();
        for (i, (status, expires)) in [
            (CredentialStatus::Verified, Some(TimeDelta::days(365))),
            (CredentialStatus::Unverified, None),
            (CredentialStatus::Verified, Some(-TimeDelta::days(1))),
            (CredentialStatus::Verified, None),
        ]
        .into_iter()
        .enumerate()
        {
            let mut new = add(status, None);
            new.skills = vec![(s[i], 3)];
            if let Some(d) = expires {
                // Issued before it expires, whichever way `d` points.
                new.issued_at = repo::now() - TimeDelta::days(30);
                new.expires_at = Some(repo::now() + d);
            }
            ids.push(repo::credentials::add(c, ada, &new).await.expect("add").id);
        }
        repo::credentials::set_status(c, ids[3], CredentialStatus::Revoked)
            .await
            .expect("revoke");
        repo::learners::assert_skill(c, ada, s[4], 2)
            .await
            .expect("assert");

        let docs = documents::learner_docs(c, &[ada, 999_999], repo::now())
            .await
            .expect("docs");
        assert_eq!(docs.len(), 1, "an unknown id yields no document");
        let mut got: Vec<(i64, f64, Option<i64>)> = docs[0]
            .evidence
            .iter()
            .map(|e| (e.skill, e.confidence(), e.credential_id))
            .collect();
        got.sort_by_key(|g| g.0);
        assert_eq!(
            got,
            vec![
                (s[0], 1.0, Some(ids[0])),
                (s[1], 0.7, Some(ids[1])),
                (s[2], 0.5, Some(ids[2])),
                (s[4], 0.4, None),
            ],
            "{:?}",
            t.db.backend()
        );
        assert_eq!(docs[0].credential_titles.len(), 3, "no revoked title");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_judges_expiry_at_the_readers_now_inclusive() {
    // expires_at <= now is expired (MATCHING.md), compared by the database (SQLite
    // compares the stored text), on the id-list and the range reader alike.
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let s = skill(c, "sql", None).await;
        let ada = learner(c, "ada", Visibility::Recruiters).await;
        let at =
            |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("t");
        let expires = at("2031-05-04 10:20:30.250");
        let mut new = credential(s, 3, CredentialStatus::Verified, None);
        new.issued_at = at("2030-01-01 00:00:00");
        new.expires_at = Some(expires);
        repo::credentials::add(c, ada, &new).await.expect("add");
        for (now, expired) in [
            (expires - TimeDelta::milliseconds(1), false),
            (expires, true),
            (expires + TimeDelta::seconds(1), true),
            (at("2031-05-04 10:20:30"), false),
        ] {
            let by_id = documents::learner_docs(c, &[ada], now).await.expect("docs");
            let by_range = documents::learner_docs_in_range(c, ada, ada, now)
                .await
                .expect("docs");
            for (reader, d) in [("ids", &by_id), ("range", &by_range)] {
                let e = &d[0].evidence[0];
                assert_eq!(
                    (e.expired, e.confidence()),
                    (expired, if expired { 0.5 } else { 1.0 }),
                    "{reader} reader at {now} on {:?}",
                    t.db.backend()
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credential_that_expires_after_indexing_stops_counting_in_full() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None).await;
        let ada = learner(c, "ada", Visibility::Public).await;
        let cred = repo::credentials::add(
            c,
            ada,
            &credential(
                sql,
                4,
                CredentialStatus::Verified,
                Some(TimeDelta::seconds(3)),
            ),
        )
        .await
        .expect("credential")
        .id;
        let svc = start(&t.db, None).await.expect("start");
        let expired = |svc: &SearchService| {
            svc.read(|e| e.learner_evidence(ada).expect("evidence"))
                .expect("indexed")
                .iter()
                .find(|e| e.credential_id == Some(cred))
                .map(|e| e.expired)
        };
        assert_eq!(expired(&svc), Some(false));
        // The sweep is scheduled just after the next expiry (no database write happens).
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        while expired(&svc) != Some(true) {
            assert!(
                std::time::Instant::now() < deadline,
                "{:?}: the expired credential still counts in full",
                t.db.backend()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        svc.shutdown().await;
        drop(svc);

        // A fresh start over a database with an expired credential indexes it expired.
        let svc = start(&t.db, None).await.expect("start");
        assert_eq!(expired(&svc), Some(true));
        svc.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn start_up_sweeps_credentials_that_expired_while_the_node_was_down() {
    let t = TestDb::sqlite().await;
    let dir = tempfile::tempdir().expect("dir");
    let mut p = t.db.conn().await.expect("conn");
    let c = &mut p.conn();
    let sql = skill(c, "sql", None).await;
    let ada = learner(c, "ada", Visibility::Public).await;
    let cred = repo::credentials::add(
        c,
        ada,
        &credential(
            sql,
            4,
            CredentialStatus::Verified,
            Some(TimeDelta::seconds(1)),
        ),
    )
    .await
    .expect("credential")
    .id;
    let svc = start(&t.db, Some(dir.path())).await.expect("start");
    svc.shutdown().await;
    drop(svc);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let svc = start(&t.db, Some(dir.path())).await.expect("restart");
    let ev = svc
        .read(|e| e.learner_evidence(ada).expect("evidence"))
        .expect("indexed");
    assert!(
        ev.iter()
            .any(|e| e.credential_id == Some(cred) && e.expired),
        "{ev:?}"
    );
    svc.shutdown().await;
}

fn talent() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_talent"));
    c.env_remove("DATABASE_URL")
        .env_remove("TALENT_JWT_SECRET")
        .env("TALENT_LOG_FORMAT", "json");
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn talent_reindex_rebuilds_the_index_and_a_server_opens_it_without_rebuilding() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().to_string_lossy().into_owned();
    let out = talent()
        .args(["--data-dir", &data, "seed", "--demo"])
        .output()
        .expect("seed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reindex = || {
        talent()
            .args(["--data-dir", &data, "reindex"])
            .output()
            .expect("reindex")
    };
    let out = reindex();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let learners: usize = stdout
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout:?}"));
    assert!(learners >= 500, "{stdout}");
    assert!(
        stdout.contains(" jobs, ") && stdout.contains(" in "),
        "{stdout}"
    );
    let index = dir.path().join("index");
    let first = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");

    // Again: a fresh generation is swapped in.
    let out = reindex();
    assert!(out.status.success());
    let second = std::fs::read_to_string(index.join("CURRENT")).expect("CURRENT");
    assert_ne!(first, second);

    // A node opens it as is (no rebuild) and holds the same learners as the database.
    let url = dir.path().join("talent.db").to_string_lossy().into_owned();
    let db = Db::connect(&url, &PoolConfig::default_for(Backend::Sqlite))
        .await
        .expect("db");
    let svc = start(&db, Some(&index)).await.expect("start");
    assert_eq!(
        svc.read(|e| e.index_path()),
        Some(index.join(second.trim()))
    );
    assert_eq!(svc.read(|e| e.num_learners()), learners);

    // While the node holds the index, reindex refuses with a clear message.
    let out = reindex();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use"), "{err}");
    svc.shutdown().await;
}

/// Every document of a streamed snapshot, collected off the runtime's workers.
async fn collect_snapshot(db: &Db) -> Vec<search_index::engine::Document> {
    let snapshot = documents::snapshot(db).await.expect("snapshot");
    tokio::task::spawn_blocking(move || {
        snapshot
            .docs
            .collect::<Result<Vec<_>, _>>()
            .expect("no source error")
    })
    .await
    .expect("collect")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_snapshot_holds_every_document_once_whether_read_on_one_connection_or_two() {
    use search_index::engine::Document;
    use talent_api::seed::synthetic::{SyntheticSpec, load_synthetic};
    use talent_api::seed::{Catalog, SeedSources};
    let cat = Catalog::load(&SeedSources::embedded()).expect("catalogue");
    for t in TestDb::all().await {
        // More than two ranges of documents::LEARNER_RANGE, so that each half spans ranges.
        let spec = SyntheticSpec {
            learners: 11_000,
            jobs: 40,
            microcredentials: 30,
            seed: 7,
        };
        load_synthetic(&t.db, &cat, spec, |_| {})
            .await
            .expect("load");
        // What the IN-list reader (the incremental path) makes of every learner.
        let mut p = t.db.conn().await.expect("conn");
        let mut ids = Vec::new();
        loop {
            let page = repo::learners::ids_after(
                &mut p.conn(),
                ids.last().copied().unwrap_or(i64::MIN),
                5_000,
            )
            .await
            .expect("ids");
            if page.is_empty() {
                break;
            }
            ids.extend(page);
        }
        let expected = documents::learner_docs(&mut p.conn(), &ids, repo::now())
            .await
            .expect("docs");
        drop(p);
        assert_eq!(expected.len(), 11_000);

        let one_connection = Db::connect(
            &t.url,
            &PoolConfig {
                max_size: 1,
                ..PoolConfig::default_for(t.db.backend())
            },
        )
        .await
        .expect("one-connection pool");
        for (pool, db) in [("default pool", &t.db), ("one connection", &one_connection)] {
            let got = collect_snapshot(db).await;
            let mut learners: Vec<_> = got
                .iter()
                .filter_map(|d| match d {
                    Document::Learner(l) => Some(l.clone()),
                    _ => None,
                })
                .collect();
            learners.sort_by_key(|l| l.id);
            assert_eq!(
                learners.len(),
                expected.len(),
                "{pool} on {:?}",
                t.db.backend()
            );
            assert!(
                learners == expected,
                "{pool} on {:?}: documents differ",
                t.db.backend()
            );
            let jobs = got.iter().filter(|d| matches!(d, Document::Job(_))).count();
            let mcs = got
                .iter()
                .filter(|d| matches!(d, Document::Microcredential(_)))
                .count();
            assert!(
                jobs >= 40 && mcs >= 30,
                "{pool}: {jobs} jobs, {mcs} microcredentials"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requirement_level_the_schema_forbids_is_left_out_of_documents_and_insights() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None).await;
        let python = skill(c, "python", None).await;
        let excel = skill(c, "excel", None).await;
        let req = |skill_id, min_level| JobRequirement {
            skill_id,
            min_level,
            weight: 1.0,
            required: false,
        };
        let mut new = new_job("Data engineer", sql);
        new.requirements.extend([req(python, 2), req(excel, 2)]);
        let org = employer(c, "acme").await;
        let job = repo::jobs::create(c, org, &new).await.expect("job").id;
        let occupation = repo::occupations::create(
            c,
            "analyst",
            "Analyst",
            "reports",
            &[req(sql, 3), req(python, 2)],
        )
        .await
        .expect("occupation")
        .id;
        force_requirement_level(c, RequirementTable::Job, job, python, 6).await;
        force_requirement_level(c, RequirementTable::Job, job, excel, 0).await;
        force_requirement_level(c, RequirementTable::Occupation, occupation, python, 0).await;
        let levels = |reqs: &[Requirement]| -> Vec<(i64, u8)> {
            reqs.iter().map(|r| (r.skill, r.min_level)).collect()
        };

        let docs = documents::job_docs(c, &[job]).await.expect("job docs");
        assert_eq!(
            levels(&docs[0].requirements),
            vec![(sql, 3)],
            "{:?}",
            t.db.backend()
        );

        let data = talent_api::insights::load(&t.db)
            .await
            .expect("insights data");
        let demand = data.jobs.iter().find(|j| j.id == job).expect("job");
        assert_eq!(
            levels(&demand.requirements),
            vec![(sql, 3)],
            "{:?}",
            t.db.backend()
        );
        let occ = data
            .occupations
            .iter()
            .find(|o| o.id == occupation)
            .expect("occupation");
        assert_eq!(
            levels(&occ.requirements),
            vec![(sql, 3)],
            "{:?}",
            t.db.backend()
        );
    }
}
