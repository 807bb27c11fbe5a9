//! The repository suite, run on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

use talent_api::db::{Backend, DbConn, DbError, migrations};
use talent_api::repo::occupations::Requirement;
use talent_api::repo::{
    self, EntityKind, Operation, OrganizationKind, PageRequest, Role, Visibility,
};
use talent_api::testing::TestDb;

async fn skill(conn: &mut DbConn<'_>, slug: &str, parent: Option<i64>, aliases: &[&str]) -> i64 {
    let aliases: Vec<String> = aliases.iter().map(|s| s.to_string()).collect();
    repo::skills::create(
        conn,
        &repo::skills::NewSkill {
            slug,
            name: slug,
            category: "software",
            parent_id: parent,
            ambiguous: false,
            aliases: &aliases,
        },
    )
    .await
    .expect("create skill")
    .id
}

async fn org(conn: &mut DbConn<'_>, slug: &str, kind: OrganizationKind) -> i64 {
    repo::organizations::create(
        conn,
        &repo::organizations::NewOrganization {
            slug,
            name: slug,
            kind,
            location: None,
        },
    )
    .await
    .expect("create org")
    .id
}

async fn learner(conn: &mut DbConn<'_>, subject: &str) -> i64 {
    let user = repo::users::provision(conn, subject, Role::Learner, None)
        .await
        .expect("provision");
    let profile = repo::learners::Profile {
        display_name: subject.to_owned(),
        headline: None,
        bio: None,
        location: Some("Toronto, Canada".into()),
        remote_preference: repo::RemotePreference::Any,
        aspiration_ids: None,
    };
    repo::learners::upsert_profile(conn, user.id, &profile)
        .await
        .expect("profile")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_up_down_and_up_again() {
    for t in TestDb::all().await {
        let reverted = migrations::revert_all(&t.db).await.expect("revert");
        assert!(
            !reverted.is_empty(),
            "{:?}: nothing reverted",
            t.db.backend()
        );
        assert!(migrations::has_pending(&t.db).await.expect("pending"));
        let applied = migrations::run_pending(&t.db)
            .await
            .expect("re-apply")
            .applied;
        assert_eq!(applied, reverted.iter().rev().cloned().collect::<Vec<_>>());
        assert!(!migrations::has_pending(&t.db).await.expect("pending"));
        // The schema works after the round trip.
        let mut p = t.db.conn().await.expect("conn");
        skill(&mut p.conn(), "sql", None, &["structured query language"]).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_provisioned_once_and_keep_their_role() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let o = org(c, "acme", OrganizationKind::Employer).await;
        let a = repo::users::provision(c, "sub-1", Role::Recruiter, Some(o))
            .await
            .expect("first");
        let b = repo::users::provision(c, "sub-1", Role::Admin, None)
            .await
            .expect("second");
        assert_eq!(
            a, b,
            "a second sight of the subject must not change the user"
        );
        assert_eq!(b.role, Role::Recruiter);
        // A recruiter without an organization violates the schema's CHECK.
        let err = repo::users::provision(c, "sub-2", Role::Recruiter, None)
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Invalid(_)), "{err:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn skills_search_by_name_slug_and_alias_with_pages() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let db = skill(c, "databases", None, &[]).await;
        let sql = skill(c, "sql", Some(db), &["Structured Query Language"]).await;
        let pg = skill(c, "postgresql", Some(sql), &["Postgres"]).await;
        skill(c, "mysql", Some(sql), &[]).await;
        skill(c, "100%_literal", None, &[]).await;

        let hits = repo::skills::search(c, Some("POSTGRES"), &PageRequest::first(10))
            .await
            .expect("search");
        assert_eq!(
            hits.items.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![pg]
        );
        let hits = repo::skills::search(c, Some("query lang"), &PageRequest::first(10))
            .await
            .expect("alias");
        assert_eq!(
            hits.items.iter().map(|s| s.id).collect::<Vec<_>>(),
            vec![sql]
        );
        // LIKE wildcards in the query are literal.
        let hits = repo::skills::search(c, Some("%_"), &PageRequest::first(10))
            .await
            .expect("escape");
        assert_eq!(hits.total, 1, "{hits:?}");

        let page1 = repo::skills::search(c, None, &PageRequest::first(2))
            .await
            .expect("page 1");
        assert_eq!(
            (page1.items.len(), page1.has_next, page1.total),
            (2, true, 5)
        );
        let after = page1.items.last().map(|s| s.id);
        let page2 = repo::skills::search(c, None, &PageRequest { after, first: 10 })
            .await
            .expect("page 2");
        assert_eq!((page2.items.len(), page2.has_next), (3, false));

        let children = repo::skills::children_of(c, &[sql])
            .await
            .expect("children");
        assert_eq!(children.len(), 2);
        // A taken slug is a conflict, not a crash.
        let aliases: Vec<String> = vec![];
        let dup = repo::skills::NewSkill {
            slug: "sql",
            name: "x",
            category: "software",
            parent_id: None,
            ambiguous: false,
            aliases: &aliases,
        };
        assert!(matches!(
            repo::skills::create(c, &dup).await,
            Err(DbError::Conflict(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_learner_change_writes_its_outbox_row() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None, &[]).await;
        let id = learner(c, "ada").await; // 1: profile
        let l = repo::learners::get(c, id).await.expect("get");
        assert_eq!(
            l.visibility,
            Visibility::Private,
            "new learners are private"
        );
        repo::learners::set_visibility(c, id, Visibility::Recruiters)
            .await
            .expect("vis"); // 2
        repo::learners::assert_skill(c, id, sql, 3)
            .await
            .expect("assert"); // 3
        repo::learners::assert_skill(c, id, sql, 4)
            .await
            .expect("re-assert"); // 4
        let skills = repo::learners::asserted_skills_of(c, &[id])
            .await
            .expect("skills");
        assert_eq!(skills.len(), 1);
        assert_eq!(skills[0].level, 4);
        let cred = repo::credentials::add(
            c,
            id,
            &repo::credentials::NewCredential {
                title: "SQL basics".into(),
                issuer: "Somewhere".into(),
                issued_at: chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .expect("date"),
                expires_at: None,
                status: repo::CredentialStatus::Unverified,
                source: repo::CredentialSource::Learner,
                microcredential_id: None,
                skills: vec![(sql, 2)],
            },
        )
        .await
        .expect("credential"); // 5
        assert_eq!(
            repo::credentials::skills_of(c, &[cred.id])
                .await
                .expect("cs"),
            vec![(cred.id, sql, 2)]
        );
        assert_eq!(
            repo::credentials::remove(c, cred.id).await.expect("remove"),
            Some(id)
        ); // 6
        assert_eq!(
            repo::credentials::remove(c, cred.id)
                .await
                .expect("remove again"),
            None
        );
        assert!(
            repo::learners::retract_skill(c, id, sql)
                .await
                .expect("retract")
        ); // 7
        assert!(repo::learners::delete(c, id).await.expect("delete")); // 8

        let rows = repo::outbox::for_entity(c, EntityKind::Learner, id)
            .await
            .expect("outbox");
        let ops: Vec<Operation> = rows.iter().map(|r| r.operation).collect();
        assert_eq!(ops.len(), 8, "{ops:?}");
        assert_eq!(ops.last(), Some(&Operation::Delete));
        assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(
            repo::learners::get_many(c, &[id])
                .await
                .expect("gone")
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_change_leaves_neither_rows_nor_outbox() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let id = learner(c, "bob").await;
        let head = repo::outbox::head(c).await.expect("head");
        // Skill 999999 does not exist: the foreign key fails inside the transaction.
        let err = repo::learners::assert_skill(c, id, 999_999, 3)
            .await
            .unwrap_err();
        assert!(matches!(err, DbError::Invalid(_)), "{err:?}");
        assert_eq!(
            repo::outbox::head(c).await.expect("head"),
            head,
            "outbox row of a rolled-back change"
        );
        assert!(
            repo::learners::asserted_skills_of(c, &[id])
                .await
                .expect("skills")
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_schema_itself_rejects_out_of_range_values() {
    use diesel_async::RunQueryDsl;
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None, &[]).await;
        let id = learner(c, "cy").await;
        let o = org(c, "uni", OrganizationKind::Institution).await;
        let stmts = [
            format!("INSERT INTO learner_skills (learner_id, skill_id, level, updated_at) VALUES ({id}, {sql}, 6, '2025-01-01 00:00:00')"),
            format!("INSERT INTO learner_skills (learner_id, skill_id, level, updated_at) VALUES ({id}, {sql}, 0, '2025-01-01 00:00:00')"),
            format!("INSERT INTO microcredentials (provider_id, title, description, hours, cost_cents, currency, active, created_at, updated_at) VALUES ({o}, 't', 'd', 0, 10, 'USD', TRUE, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"),
            format!("INSERT INTO microcredentials (provider_id, title, description, hours, cost_cents, currency, active, created_at, updated_at) VALUES ({o}, 't', 'd', 3, -1, 'USD', TRUE, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"),
            "INSERT INTO organizations (slug, name, kind, created_at) VALUES ('x', 'x', 'BANK', '2025-01-01 00:00:00')".to_owned(),
            format!("INSERT INTO learners (user_id, display_name, remote_preference, visibility, created_at, updated_at) VALUES (424242, 'ghost', 'ANY', 'PRIVATE', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"),
        ];
        for s in &stmts {
            let r =
                talent_api::with_conn!(c, |conn| diesel::sql_query(s.as_str()).execute(conn).await);
            assert!(r.is_err(), "{:?} accepted: {s}", t.db.backend());
        }
        let job_weight = |w: f64| {
            format!(
                "INSERT INTO job_requirements (job_id, skill_id, min_level, weight, required) VALUES (1, {sql}, 3, {w}, FALSE)"
            )
        };
        let e = org(c, "emp", OrganizationKind::Employer).await;
        let job = repo::jobs::create(
            c,
            e,
            &repo::jobs::NewJob {
                title: "t".into(),
                description: "d".into(),
                location: None,
                remote: false,
                requirements: vec![],
                posted_at: None,
            },
        )
        .await
        .expect("job");
        for w in [0.0, -1.0, 100.5] {
            let s = job_weight(w).replace("VALUES (1,", &format!("VALUES ({},", job.id));
            let r =
                talent_api::with_conn!(c, |conn| diesel::sql_query(s.as_str()).execute(conn).await);
            assert!(r.is_err(), "weight {w} accepted");
        }

        // A credential's skills name the credential's own holder (migration 4's copy of
        // learner_id cannot drift): another learner is refused, the holder accepted.
        let other = learner(c, "dee").await;
        let cred = repo::credentials::add(
            c,
            id,
            &repo::credentials::NewCredential {
                title: "t".into(),
                issuer: "i".into(),
                issued_at: repo::now(),
                expires_at: None,
                status: repo::CredentialStatus::Verified,
                source: repo::CredentialSource::Learner,
                microcredential_id: None,
                skills: vec![],
            },
        )
        .await
        .expect("credential");
        let skill_row = |holder: i64| {
            format!(
                "INSERT INTO credential_skills (credential_id, learner_id, skill_id, level) VALUES ({}, {holder}, {sql}, 3)",
                cred.id
            )
        };
        let s = skill_row(other);
        let r = talent_api::with_conn!(c, |conn| diesel::sql_query(s.as_str()).execute(conn).await);
        assert!(r.is_err(), "{:?} accepted another learner", t.db.backend());
        let s = skill_row(id);
        let r = talent_api::with_conn!(c, |conn| diesel::sql_query(s.as_str()).execute(conn).await);
        assert_eq!(
            r.ok(),
            Some(1),
            "{:?}: the holder's own row",
            t.db.backend()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn jobs_and_microcredentials_round_trip_with_filters() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let sql = skill(c, "sql", None, &[]).await;
        let py = skill(c, "python", None, &[]).await;
        let emp = org(c, "emp", OrganizationKind::Employer).await;
        let uni = org(c, "uni", OrganizationKind::Institution).await;
        let new_job = |title: &str, remote: bool| repo::jobs::NewJob {
            title: title.into(),
            description: "Write SQL".into(),
            location: Some("Toronto, Canada".into()),
            remote,
            requirements: vec![
                Requirement {
                    skill_id: sql,
                    min_level: 3,
                    weight: 2.0,
                    required: true,
                },
                Requirement {
                    skill_id: py,
                    min_level: 2,
                    weight: 1.0,
                    required: false,
                },
            ],
            posted_at: None,
        };
        let a = repo::jobs::create(c, emp, &new_job("Data Analyst", false))
            .await
            .expect("a");
        let b = repo::jobs::create(c, emp, &new_job("Data Engineer", true))
            .await
            .expect("b");
        assert_eq!(
            repo::jobs::requirements_of(c, &[a.id])
                .await
                .expect("reqs")
                .len(),
            2
        );
        let closed = repo::jobs::set_status(c, a.id, repo::JobStatus::Closed)
            .await
            .expect("close");
        assert_eq!(closed.status, repo::JobStatus::Closed);
        let mut updated = new_job("Senior Data Engineer", true);
        updated.requirements.truncate(1);
        let b2 = repo::jobs::update(c, b.id, &updated).await.expect("update");
        assert_eq!(b2.title, "Senior Data Engineer");
        assert_eq!(
            repo::jobs::requirements_of(c, &[b.id])
                .await
                .expect("reqs")
                .len(),
            1
        );

        let open = repo::jobs::JobListFilter {
            status: Some(repo::JobStatus::Open),
            ..Default::default()
        };
        let page = repo::jobs::search(c, &open, &PageRequest::first(20))
            .await
            .expect("open");
        assert_eq!(
            page.items.iter().map(|j| j.id).collect::<Vec<_>>(),
            vec![b.id]
        );
        let toronto = repo::jobs::JobListFilter {
            location: Some("toronto".into()),
            remote: Some(false),
            ..Default::default()
        };
        assert_eq!(
            repo::jobs::search(c, &toronto, &PageRequest::first(20))
                .await
                .expect("loc")
                .total,
            1
        );
        assert_eq!(
            repo::outbox::for_entity(c, EntityKind::Job, b.id)
                .await
                .expect("ob")
                .len(),
            2
        );

        let bad = repo::jobs::NewJob {
            requirements: vec![Requirement {
                skill_id: sql,
                min_level: 6,
                weight: 1.0,
                required: false,
            }],
            ..new_job("x", false)
        };
        assert!(matches!(
            repo::jobs::create(c, emp, &bad).await,
            Err(DbError::Invalid(_))
        ));

        let mc = repo::microcredentials::create(
            c,
            uni,
            &repo::microcredentials::NewMicrocredential {
                slug: None,
                title: "Advanced SQL".into(),
                description: "Window functions".into(),
                hours: 12.5,
                cost_cents: 4900,
                currency: "USD".into(),
                skills: vec![(sql, 4)],
                prerequisites: vec![(sql, 2)],
            },
        )
        .await
        .expect("mc");
        assert_eq!(
            repo::microcredentials::skills_of(c, &[mc.id])
                .await
                .expect("s"),
            vec![(mc.id, sql, 4)]
        );
        assert_eq!(
            repo::microcredentials::prerequisites_of(c, &[mc.id])
                .await
                .expect("p"),
            vec![(mc.id, sql, 2)]
        );
        let by_skill =
            repo::microcredentials::search(c, None, Some(&[sql]), &PageRequest::first(5))
                .await
                .expect("by skill");
        assert_eq!(by_skill.total, 1);
        let none = repo::microcredentials::search(c, None, Some(&[py]), &PageRequest::first(5))
            .await
            .expect("none");
        assert_eq!(none.total, 0);
        repo::microcredentials::set_active(c, mc.id, false)
            .await
            .expect("deactivate");
        let inactive = repo::microcredentials::search(c, Some("sql"), None, &PageRequest::first(5))
            .await
            .expect("inactive");
        assert_eq!(
            inactive.total, 0,
            "inactive microcredentials are not listed"
        );
        assert_eq!(
            repo::outbox::for_entity(c, EntityKind::Microcredential, mc.id)
                .await
                .expect("ob")
                .len(),
            2
        );
    }
}

/// Concurrent writers while a reader tails the outbox: the reader, consuming
/// `seq > last` in order, must see every row (PostgreSQL identity values are not
/// commit-ordered; the advisory lock makes them so).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_outbox_reader_never_skips_a_row_under_concurrent_writers() {
    for t in TestDb::all().await {
        let (sql, learners) = {
            let mut p = t.db.conn().await.expect("conn");
            let c = &mut p.conn();
            let sql = skill(c, "sql", None, &[]).await;
            let mut ids = vec![];
            for i in 0..6 {
                ids.push(learner(c, &format!("w{i}")).await);
            }
            (sql, ids)
        };
        let start_head = {
            let mut p = t.db.conn().await.expect("conn");
            repo::outbox::head(&mut p.conn()).await.expect("head")
        };
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let db = t.db.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut last = start_head;
                let mut seen = vec![];
                loop {
                    let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                    let mut p = db.conn().await.expect("conn");
                    let rows = repo::outbox::read_after(&mut p.conn(), last, 1000)
                        .await
                        .expect("read");
                    for r in &rows {
                        seen.push(r.seq);
                        last = r.seq;
                    }
                    if finished && rows.is_empty() {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            })
        };
        let mut writers = vec![];
        for (i, id) in learners.iter().copied().enumerate() {
            let db = t.db.clone();
            writers.push(tokio::spawn(async move {
                for round in 0..15 {
                    let mut p = db.conn().await.expect("conn");
                    let level = 1 + ((i + round) % 5) as i32;
                    repo::learners::assert_skill(&mut p.conn(), id, sql, level)
                        .await
                        .expect("write");
                }
            }));
        }
        for w in writers {
            w.await.expect("writer");
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let seen = reader.await.expect("reader");
        let mut p = t.db.conn().await.expect("conn");
        let all: Vec<i64> = repo::outbox::read_after(&mut p.conn(), start_head, 100_000)
            .await
            .expect("all")
            .iter()
            .map(|r| r.seq)
            .collect();
        assert_eq!(all.len(), 6 * 15);
        assert_eq!(
            seen,
            all,
            "{:?}: the tailing reader skipped rows",
            t.db.backend()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_postgres_fails_fast_with_a_clear_error() {
    let cfg = talent_api::db::PoolConfig::default_for(Backend::Postgres);
    let started = std::time::Instant::now();
    // Port 1 on loopback: connection refused.
    let err = talent_api::db::Db::connect("postgres://postgres@127.0.0.1:1/none", &cfg)
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::Unavailable(_)), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_a_user_erases_the_learner_and_records_it_for_the_index() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let id = learner(c, "erase-me").await;
        let user = repo::users::find_by_subject(c, "erase-me")
            .await
            .expect("find")
            .expect("user");
        assert!(repo::users::delete(c, user.id).await.expect("delete"));
        assert!(
            repo::learners::get_many(c, &[id])
                .await
                .expect("learners")
                .is_empty()
        );
        let rows = repo::outbox::for_entity(c, EntityKind::Learner, id)
            .await
            .expect("outbox");
        assert_eq!(
            rows.last().map(|r| r.operation),
            Some(Operation::Delete),
            "{:?}",
            t.db.backend()
        );
        assert!(
            repo::users::find_by_subject(c, "erase-me")
                .await
                .expect("find")
                .is_none()
        );
    }
}

/// Every pooled SQLite connection runs with the configured page cache (the pragma is
/// per connection, so each one the pool opens must set it).
#[tokio::test(flavor = "multi_thread")]
async fn pooled_sqlite_connections_use_the_configured_page_cache() {
    use diesel::sql_types::BigInt;
    #[derive(diesel::QueryableByName)]
    struct CacheSize {
        #[diesel(sql_type = BigInt)]
        cache_size: i64,
    }
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("cache.db").to_string_lossy().into_owned();
    for mib in [talent_api::db::DEFAULT_SQLITE_CACHE_MIB, 7] {
        let mut cfg = talent_api::db::PoolConfig::default_for(Backend::Sqlite);
        cfg.sqlite_cache_mib = mib;
        let db = talent_api::db::Db::connect(&url, &cfg).await.unwrap();
        // Hold every connection at once, so each is a distinct pooled connection.
        let mut held = Vec::new();
        for _ in 0..cfg.max_size {
            held.push(db.conn().await.unwrap());
        }
        for p in &mut held {
            let DbConn::Sqlite(c) = p.conn() else {
                panic!("SQLite URL gave another backend");
            };
            let rows: Vec<CacheSize> = c
                .spawn_blocking(|c| {
                    diesel::RunQueryDsl::load(diesel::sql_query("PRAGMA cache_size"), c)
                })
                .await
                .unwrap();
            assert_eq!(rows[0].cache_size, -(i64::from(mib) * 1024), "{mib} MiB");
        }
    }
}

/// The by-id readers bind their id list as one parameter (`db::id_list`): the same
/// rows as a plain `IN` on both backends for an empty list, repeated and unknown ids,
/// and more ids than SQLite once allowed parameters in one statement.
#[tokio::test(flavor = "multi_thread")]
async fn by_id_readers_take_any_list_of_ids() {
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.unwrap();
        let c = &mut p.conn();
        let a = skill(c, "ids-a", None, &[]).await;
        let b = skill(c, "ids-b", None, &[]).await;
        let slugs = |v: Vec<repo::skills::Skill>| -> Vec<String> {
            v.into_iter().map(|s| s.slug).collect()
        };
        let backend = t.db.backend();
        assert!(
            repo::skills::get_many(c, &[]).await.unwrap().is_empty(),
            "{backend:?}"
        );
        assert_eq!(
            slugs(repo::skills::get_many(c, &[b, a, b, -1]).await.unwrap()),
            ["ids-a", "ids-b"],
            "{backend:?}"
        );
        let many: Vec<i64> = (b + 1..b + 1500).chain([a]).collect();
        assert_eq!(
            slugs(repo::skills::get_many(c, &many).await.unwrap()),
            ["ids-a"],
            "{backend:?}"
        );
        assert!(
            repo::jobs::get_many(c, &many).await.unwrap().is_empty()
                && repo::jobs::requirements_of(c, &many)
                    .await
                    .unwrap()
                    .is_empty()
                && repo::learners::get_many(c, &many).await.unwrap().is_empty(),
            "{backend:?}"
        );
    }
}
