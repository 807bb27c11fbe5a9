//! The curated seed files and the demo load, on both backends.

use std::collections::{HashMap, HashSet};

use talent_api::repo::{self, JobStatus, PageRequest, Visibility};
use talent_api::seed::{Catalog, SeedSources, load_demo};
use talent_api::testing::TestDb;

#[test]
fn the_curated_files_meet_the_promised_scale() {
    let cat = Catalog::load(&SeedSources::embedded()).expect("embedded seeds load");
    assert!(cat.skills.len() >= 600, "{} skills", cat.skills.len());
    let categories: HashSet<&str> = cat.skills.iter().map(|s| s.row.category.as_str()).collect();
    for c in [
        "software",
        "data-ai",
        "cloud-devops",
        "security",
        "finance-accounting",
        "business-management",
        "design",
        "health-informatics",
    ] {
        assert!(categories.contains(c), "no skills in {c}");
    }
    // A parent tree at least three levels deep.
    let parent: HashMap<&str, Option<&str>> = cat
        .skills
        .iter()
        .map(|s| (s.row.slug.as_str(), s.row.parent.as_deref()))
        .collect();
    fn depth<'a>(parent: &HashMap<&'a str, Option<&'a str>>, mut s: &'a str) -> usize {
        let mut d = 1;
        while let Some(Some(p)) = parent.get(s) {
            d += 1;
            s = p;
        }
        d
    }
    assert!(
        cat.skills
            .iter()
            .map(|s| depth(&parent, &s.row.slug))
            .max()
            .unwrap_or(0)
            >= 3
    );
    let aliases: HashSet<String> = cat
        .skills
        .iter()
        .flat_map(|s| s.row.alias_list())
        .map(|a| a.to_lowercase())
        .collect();
    for a in ["js", "k8s", "ml"] {
        assert!(aliases.contains(a), "alias {a} missing");
    }
    assert!(cat.occupations.len() >= 40);
    assert!(cat.microcredentials.len() >= 200);
    let providers: HashSet<&str> = cat
        .microcredentials
        .iter()
        .map(|m| m.row.provider.as_str())
        .collect();
    assert!(providers.len() >= 15);
    let employers = cat
        .organizations
        .iter()
        .filter(|o| o.row.kind == "EMPLOYER")
        .count();
    assert!(employers >= 12);
    assert!(cat.job_postings.len() >= 120);
}

#[test]
fn a_malformed_seed_file_is_named_with_its_line() {
    let good = SeedSources::embedded();
    let cases = [
        (
            "skills.csv",
            "slug,name,category,parent,aliases,ambiguous\na,A,software,,,false\nb,B,software,a,,maybe\n",
            "skills.csv:3",
        ),
        (
            "skills.csv",
            "slug,name,category,parent,aliases,ambiguous\na,A,software,zzz,,false\n",
            "skills.csv:2",
        ),
        (
            "occupation_requirements.csv",
            "occupation,skill,min_level,weight,required\nsoftware-engineer,python,9,1,true\n",
            "occupation_requirements.csv:2",
        ),
        (
            "microcredentials.csv",
            "slug,provider,title,description,hours,cost_cents,currency,skills,prerequisites\nx,demo-institute,T,D,10,100,USD,python,\n",
            "microcredentials.csv:2",
        ),
        (
            "demo_learner.json",
            "{\n  \"subject\": \"x\",\n  oops\n}",
            "demo_learner.json:3",
        ),
    ];
    for (file, text, expected) in cases {
        let err = Catalog::load(&good.clone().with_file(file, text)).expect_err(file);
        assert!(err.to_string().starts_with(expected), "{file}: got {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_load_is_complete_and_idempotent() {
    let cat = Catalog::load(&SeedSources::embedded()).expect("seeds");
    for t in TestDb::all().await {
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let first = load_demo(c, &cat).await.expect("first load");
        assert!(first.learners >= 500 && first.skills >= 600, "{first:?}");
        let second = load_demo(c, &cat).await.expect("second load");
        assert!(
            second.is_empty(),
            "{:?}: second run changed {second:?}",
            t.db.backend()
        );
        let head = repo::outbox::head(c).await.expect("head");
        assert_eq!(repo::outbox::head(c).await.expect("head"), head);

        let open = repo::jobs::JobListFilter {
            status: Some(JobStatus::Open),
            ..Default::default()
        };
        assert!(
            repo::jobs::search(c, &open, &PageRequest::first(1))
                .await
                .expect("jobs")
                .total
                >= 120
        );
        for subject in [
            "demo-learner",
            "demo-recruiter",
            "demo-institution",
            "demo-admin",
        ] {
            assert!(
                repo::users::find_by_subject(c, subject)
                    .await
                    .expect("user")
                    .is_some(),
                "{subject}"
            );
        }
        let recruiter = repo::users::find_by_subject(c, "demo-recruiter")
            .await
            .expect("u")
            .expect("recruiter");
        let org = recruiter.organization_id.expect("recruiter org");
        let mine = repo::jobs::JobListFilter {
            employer_id: Some(org),
            status: Some(JobStatus::Open),
            ..Default::default()
        };
        assert!(
            repo::jobs::search(c, &mine, &PageRequest::first(1))
                .await
                .expect("own jobs")
                .total
                > 0
        );

        // A mix of visibilities and of evidence.
        let ids = repo::learners::ids_after(c, 0, 10_000).await.expect("ids");
        assert!(ids.len() >= 500);
        let learners = repo::learners::get_many(c, &ids).await.expect("learners");
        for v in Visibility::ALL {
            assert!(
                learners.iter().any(|l| l.visibility == *v),
                "no {v} learner"
            );
        }
        let creds = repo::credentials::of_learners(c, &ids)
            .await
            .expect("creds");
        let at = talent_api::seed::demo::demo_epoch();
        assert!(
            creds
                .iter()
                .any(|c| c.status == repo::CredentialStatus::Verified && !c.is_expired_at(at))
        );
        assert!(
            creds
                .iter()
                .any(|c| c.status == repo::CredentialStatus::Unverified)
        );
        assert!(creds.iter().any(|c| c.is_expired_at(at)));
        assert!(
            !repo::learners::asserted_skills_of(c, &ids)
                .await
                .expect("asserted")
                .is_empty()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn synthetic_data_is_deterministic_and_refuses_a_second_load_of_one_seed() {
    use talent_api::seed::synthetic::{SyntheticSpec, load_synthetic};
    let cat = Catalog::load(&SeedSources::embedded()).expect("seeds");
    let spec = SyntheticSpec {
        learners: 300,
        jobs: 40,
        microcredentials: 30,
        seed: 9,
    };
    let mut fingerprints = vec![];
    for t in TestDb::all().await {
        let r = load_synthetic(&t.db, &cat, spec, |_| {})
            .await
            .expect("synthetic");
        assert_eq!((r.learners, r.jobs, r.microcredentials), (300, 40, 30));
        assert!(
            load_synthetic(&t.db, &cat, spec, |_| {}).await.is_err(),
            "second load of the same seed"
        );
        let mut p = t.db.conn().await.expect("conn");
        let c = &mut p.conn();
        let ids = repo::learners::ids_after(c, 0, 10_000).await.expect("ids");
        assert_eq!(ids.len(), 300);
        let learners = repo::learners::get_many(c, &ids).await.expect("learners");
        let asserted = repo::learners::asserted_skills_of(c, &ids)
            .await
            .expect("asserted")
            .len();
        let names: Vec<String> = learners.iter().map(|l| l.display_name.clone()).collect();
        fingerprints.push((names, asserted));
        // Every synthetic learner has an outbox row, and new rows get fresh ids.
        assert!(repo::outbox::head(c).await.expect("head") >= 370);
        let u = repo::users::provision(c, "after-synthetic", repo::Role::Admin, None)
            .await
            .expect("identity sequence moved on");
        assert!(u.id > 300);
    }
    if let [a, b] = fingerprints.as_slice() {
        assert_eq!(
            a, b,
            "the same seed gave different data on the two backends"
        );
    }
}

/// One number from an SQL query that names it `n`, on either backend.
async fn count(db: &talent_api::db::Db, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut p = db.conn().await.expect("conn");
    let c = &mut p.conn();
    let row: N = talent_api::with_conn!(c, |c| diesel::sql_query(sql).get_result(c).await)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.n
}

/// The tables a synthetic population writes.
const SYNTHETIC_TABLES: [&str; 12] = [
    "users",
    "learners",
    "learner_aspirations",
    "learner_skills",
    "microcredentials",
    "microcredential_skills",
    "microcredential_prerequisites",
    "credentials",
    "credential_skills",
    "jobs",
    "job_requirements",
    "outbox",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_small_synthetic_population_is_written_whole_and_consistent() {
    use talent_api::seed::synthetic::{SyntheticSpec, load_synthetic};
    let cat = Catalog::load(&SeedSources::embedded()).expect("seeds");
    let spec = SyntheticSpec {
        learners: 200,
        jobs: 25,
        microcredentials: 15,
        seed: 4,
    };
    let mut per_backend = vec![];
    for t in TestDb::all().await {
        {
            let mut p = t.db.conn().await.expect("conn");
            let mut report = talent_api::seed::SeedReport::default();
            talent_api::seed::demo::load_catalogue(&mut p.conn(), &cat, &mut report)
                .await
                .expect("catalogue");
        }
        let mut before = vec![];
        for table in SYNTHETIC_TABLES {
            before.push(count(&t.db, &format!("SELECT count(*) AS n FROM {table}")).await);
        }
        let r = load_synthetic(&t.db, &cat, spec, |_| {})
            .await
            .expect("synthetic");
        let mut added = vec![];
        for (table, before) in SYNTHETIC_TABLES.iter().zip(before) {
            added.push(count(&t.db, &format!("SELECT count(*) AS n FROM {table}")).await - before);
        }
        assert_eq!(added.iter().sum::<i64>(), r.rows as i64, "{added:?}");
        assert_eq!(&added[..2], [200, 200]);
        assert_eq!(added[4], 15);
        assert_eq!(added[9], 25);
        assert_eq!(added[11], 200 + 25 + 15);
        for (what, sql) in [
            (
                "learners without 1-2 aspirations",
                "SELECT count(*) AS n FROM learners l WHERE (SELECT count(*) FROM \
                 learner_aspirations a WHERE a.learner_id = l.id) NOT BETWEEN 1 AND 2",
            ),
            (
                "jobs without a must-have requirement",
                "SELECT count(*) AS n FROM jobs j WHERE NOT EXISTS (SELECT 1 FROM \
                 job_requirements r WHERE r.job_id = j.id AND r.required)",
            ),
            (
                "skills held twice by one learner",
                "SELECT count(*) AS n FROM (SELECT learner_id, skill_id FROM learner_skills \
                 UNION ALL SELECT learner_id, skill_id FROM credential_skills) h \
                 GROUP BY learner_id, skill_id HAVING count(*) > 1",
            ),
            (
                "credential skills of another learner's credential",
                "SELECT count(*) AS n FROM credential_skills s JOIN credentials c \
                 ON c.id = s.credential_id WHERE c.learner_id <> s.learner_id",
            ),
            (
                "learners without a skill",
                "SELECT count(*) AS n FROM learners l WHERE NOT EXISTS (SELECT 1 FROM \
                 learner_skills s WHERE s.learner_id = l.id) AND NOT EXISTS (SELECT 1 FROM \
                 credential_skills s WHERE s.learner_id = l.id)",
            ),
            (
                "outbox rows for no learner, job or microcredential",
                "SELECT count(*) AS n FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM learners \
                 l WHERE o.entity_kind = 'LEARNER' AND l.id = o.entity_id) AND NOT EXISTS \
                 (SELECT 1 FROM jobs j WHERE o.entity_kind = 'JOB' AND j.id = o.entity_id) \
                 AND NOT EXISTS (SELECT 1 FROM microcredentials m WHERE \
                 o.entity_kind = 'MICROCREDENTIAL' AND m.id = o.entity_id)",
            ),
        ] {
            // A grouped query returns no row at all when nothing is duplicated.
            let n = if sql.contains("GROUP BY") {
                count(&t.db, &format!("SELECT count(*) AS n FROM ({sql}) d")).await
            } else {
                count(&t.db, sql).await
            };
            assert_eq!(n, 0, "{what}");
        }
        let levels = count(
            &t.db,
            "SELECT COALESCE(sum(level), 0) AS n FROM credential_skills",
        )
        .await;
        per_backend.push((added, levels));
    }
    if let [a, b] = per_backend.as_slice() {
        assert_eq!(
            a, b,
            "the same seed wrote different rows on the two backends"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_synthetic_load_gives_the_sqlite_connection_its_configured_settings_back() {
    use talent_api::db::{Backend, Db, PoolConfig};
    use talent_api::seed::synthetic::{SyntheticSpec, load_synthetic};
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("t.db").to_string_lossy().into_owned();
    // One connection, so the load's connection is the one checked afterwards; a page
    // cache neither SQLite's default nor the pool's.
    let config = PoolConfig {
        max_size: 1,
        sqlite_cache_mib: 48,
        ..PoolConfig::default_for(Backend::Sqlite)
    };
    let db = Db::connect(&url, &config).await.expect("connect");
    talent_api::db::migrations::run_pending(&db)
        .await
        .expect("migrate");
    let cat = Catalog::load(&SeedSources::embedded()).expect("seeds");
    let spec = SyntheticSpec {
        learners: 50,
        jobs: 5,
        microcredentials: 5,
        seed: 3,
    };
    load_synthetic(&db, &cat, spec, |_| {})
        .await
        .expect("synthetic");
    let pragma = |name: &str| format!("SELECT {name} AS n FROM pragma_{name}()");
    // 48 MiB, in KiB (negative: a size rather than a number of pages).
    assert_eq!(count(&db, &pragma("cache_size")).await, -48 * 1024);
    // NORMAL, as every pooled connection has it.
    assert_eq!(count(&db, &pragma("synchronous")).await, 1);
    // DEFAULT.
    assert_eq!(count(&db, &pragma("temp_store")).await, 0);
}
