//! A flow per role, end to end over HTTP.

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend, gid};

use crate::fixture::*;

/// The job of the flows: SQL must-have (w3), Python (w2), Tableau (w1).
const JOB: &[Req<'static>] = &[
    ("sql", 3, 3.0, true),
    ("python", 3, 2.0, false),
    ("tableau", 2, 1.0, false),
];

const GAP: &str = "query($j: ID!) { gapAnalysis(jobId: $j) { score
    gaps { skill { slug } requiredLevel heldLevel weight required credit bestEvidence reason why }
    explanation { score contributions { contribution credit evidence requirement { skill { slug } } } } } }";

fn gap_slugs(data: &Value) -> Vec<String> {
    data["gapAnalysis"]["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| g["skill"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

fn contribution<'a>(explanation: &'a Value, slug: &str) -> &'a Value {
    explanation["contributions"]
        .as_array()
        .expect("contributions")
        .iter()
        .find(|c| c["requirement"]["skill"]["slug"] == slug)
        .unwrap_or_else(|| panic!("no contribution for {slug}: {explanation:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learner_builds_a_profile_and_sees_jobs_gaps_pathway_and_unlocks() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;

        profile(&app, &learner, "Ada").await;
        let cred = add_credential(&app, &learner, "SQL course", &[("sql", 3)]).await;
        assert_eq!(cred["status"], "UNVERIFIED");
        let me = assert_skill(&app, &learner, "python", 3).await;
        let evidence: Vec<(String, String)> = me["skills"]
            .as_array()
            .expect("skills")
            .iter()
            .map(|s| (s["skill"]["slug"].as_str().unwrap_or("").to_owned(), s["evidence"].as_str().unwrap_or("").to_owned()))
            .collect();
        assert!(evidence.contains(&("sql".into(), "UNVERIFIED_CREDENTIAL".into())), "{evidence:?}");
        assert!(evidence.contains(&("python".into(), "SELF_ASSERTED".into())), "{evidence:?}");

        // Expected score: (3 x 0.7 + 2 x 0.4 + 1 x 0) / 6.
        let expected = (3.0 * 0.7 + 2.0 * 0.4) / 6.0;
        let rec = app
            .gql_ok(
                Some(&learner),
                "{ recommendedJobs { totalCount edges { node { score job { id title }
                   explanation { score contributions { contribution } } } } } }",
                json!({}),
            )
            .await;
        let edges = rec["recommendedJobs"]["edges"].as_array().expect("edges");
        assert_eq!(rec["recommendedJobs"]["totalCount"], 1, "{rec:#}");
        assert_eq!(edges[0]["node"]["job"]["id"], job.as_str());
        let score = f(&edges[0]["node"]["score"]);
        assert!(approx(score, expected), "score {score}, expected {expected}");
        assert_explained(&edges[0]["node"]["explanation"], score);

        // Gaps by weight x (1 - credit): python 1.2, tableau 1.0, sql 0.9.
        let gap = app.gql_ok(Some(&learner), GAP, json!({"j": job})).await;
        assert_eq!(gap_slugs(&gap), ["python", "tableau", "sql"], "{gap:#}");
        assert!(approx(f(&gap["gapAnalysis"]["score"]), expected));
        let sql = &gap["gapAnalysis"]["gaps"][2];
        assert_eq!((sql["heldLevel"].as_i64(), sql["required"].as_bool()), (Some(3), Some(true)));
        assert!(approx(f(&sql["credit"]), 0.7), "{sql}");
        assert_eq!(sql["bestEvidence"], "UNVERIFIED_CREDENTIAL");
        // Each gap says why: held at the level but unverified, self-asserted, missing.
        let reasons: Vec<(&str, &str)> = gap["gapAnalysis"]["gaps"]
            .as_array()
            .expect("gaps")
            .iter()
            .map(|g| (g["skill"]["slug"].as_str().unwrap_or(""), g["reason"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(reasons, [("python", "SELF_ASSERTED"), ("tableau", "MISSING"), ("sql", "UNVERIFIED")]);
        assert_eq!(
            sql["why"],
            "held at level 3 (level 3 required), but from an unverified credential (counts 0.7)"
        );

        let path = app
            .gql_ok(
                Some(&learner),
                "query($j: ID!) { learningPathway(jobId: $j, currency: \"CAD\") { currentScore projectedScore
                   totalCostCents currency steps { order microcredential { id currency costCents }
                   closes { skill { slug } } } uncoverable { skill { slug } } } }",
                json!({"j": job}),
            )
            .await;
        let p = &path["learningPathway"];
        let steps = p["steps"].as_array().expect("steps");
        assert!(!steps.is_empty(), "{path:#}");
        assert!(approx(f(&p["currentScore"]), expected));
        assert!(f(&p["projectedScore"]) > expected + 0.1, "{path:#}");
        let cost: i64 = steps.iter().map(|s| s["microcredential"]["costCents"].as_i64().unwrap_or(-1)).sum();
        assert_eq!(p["totalCostCents"].as_i64(), Some(cost));
        for (i, s) in steps.iter().enumerate() {
            assert_eq!(s["order"].as_i64(), Some(i as i64 + 1));
            assert_eq!(s["microcredential"]["currency"], "CAD");
        }
        let closed: Vec<&str> = steps
            .iter()
            .flat_map(|s| s["closes"].as_array().into_iter().flatten())
            .filter_map(|g| g["skill"]["slug"].as_str())
            .collect();
        assert!(closed.contains(&"tableau"), "the catalogue's CAD Tableau course closes the gap: {path:#}");

        // Tableau, verified at level 2: (2.1 + 0.8 + 1) / 6 = 0.65 >= 0.6.
        let unlocks = app
            .gql_ok(Some(&learner), "{ skillUnlocks(threshold: 0.6, first: 10) { skill { slug } jobsUnlocked } }", json!({}))
            .await;
        let tableau = unlocks["skillUnlocks"]
            .as_array()
            .expect("unlocks")
            .iter()
            .find(|u| u["skill"]["slug"] == "tableau")
            .unwrap_or_else(|| panic!("tableau unlocks the job: {unlocks:#}"));
        assert_eq!(tableau["jobsUnlocked"], 1);
        // At a threshold no single skill reaches, nothing unlocks, and the answer says
        // so (every jobsUnlocked 0) and ranks the skills by what they bring to the job,
        // now (2.1 + 0.8) / 6: Python 0.2, Tableau 1/6, SQL 0.15.
        let none = app
            .gql_ok(
                Some(&learner),
                "{ skillUnlocks(threshold: 0.99) { skill { slug } jobsUnlocked scoreGain jobsImproved closestJob { id } closestScore } }",
                json!({}),
            )
            .await;
        let got: Vec<(&str, i64, f64, i64)> = none["skillUnlocks"]
            .as_array()
            .expect("unlocks")
            .iter()
            .map(|u| {
                assert_eq!(u["closestJob"]["id"], job.as_str(), "{u}");
                (u["skill"]["slug"].as_str().unwrap_or(""), u["jobsUnlocked"].as_i64().unwrap_or(-1), f(&u["scoreGain"]), u["jobsImproved"].as_i64().unwrap_or(-1))
            })
            .collect();
        assert_eq!(got, [("python", 0, 0.2, 1), ("tableau", 0, 0.166667, 1), ("sql", 0, 0.15, 1)], "{none:#}");
        assert_eq!(none["skillUnlocks"][0]["closestScore"], json!(0.683333));
        // The job is one CAD course (Tableau) away from 0.6: it is a closest job, with
        // a projected score at or above the threshold and the current one below.
        let closest = app
            .gql_ok(
                Some(&learner),
                "{ closestJobs(threshold: 0.6, currency: \"CAD\") { currentScore projectedScore totalCostCents microcredentials { title currency skills { skill { slug } } } } }",
                json!({}),
            )
            .await;
        let list = closest["closestJobs"].as_array().expect("closest jobs");
        assert_eq!(list.len(), 1, "{closest:#}");
        let c = &list[0];
        assert!(c["currentScore"].as_f64().unwrap_or(1.0) < 0.6, "{c:#}");
        assert!(c["projectedScore"].as_f64().unwrap_or(0.0) >= 0.6, "{c:#}");
        let courses = c["microcredentials"].as_array().expect("courses");
        assert!((1..=2).contains(&courses.len()), "{c:#}");
        assert!(courses.iter().all(|m| m["currency"] == "CAD"), "{c:#}");
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recruiter_finds_the_learner_only_after_opt_in_with_an_explanation() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        let id = profile(&app, &learner, "Ada").await;
        add_credential(&app, &learner, "SQL course", &[("sql", 4)]).await;
        assert_skill(&app, &learner, "python", 2).await;
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;

        let before = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        assert_eq!(
            candidate_ids(&before),
            (vec![], 0),
            "a private learner is not a candidate: {before:#}"
        );

        set_visibility(&app, &learner, "RECRUITERS").await;
        let after = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        assert_eq!(candidate_ids(&after), (vec![id.clone()], 1), "{after:#}");
        let node = &after["searchCandidates"]["edges"][0]["node"];
        let score = f(&node["score"]);
        // sql: 0.7 (unverified, level 4 >= 3); python: 0.4 x 2/3; tableau: 0.
        let expected = (3.0 * 0.7 + 2.0 * 0.4 * 2.0 / 3.0) / 6.0;
        assert!(
            approx(score, expected),
            "score {score}, expected {expected}"
        );
        assert_explained(&node["explanation"], score);
        assert_eq!(
            node["explanation"]["contributions"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(node["learner"]["displayName"], "Ada");
        // Both searches ran the engine once each, and /metrics shows it.
        let metrics = app
            .client
            .get(format!("http://{}/metrics", app.addr))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics text");
        for line in [
            "talent_search_duration_seconds_count{operation=\"searchCandidates\"} 2",
            "talent_search_wait_seconds_count{operation=\"searchCandidates\"} 2",
        ] {
            assert!(
                metrics.lines().any(|l| l == line),
                "missing {line}\n{metrics}"
            );
        }

        // Back to private: gone again, count included.
        set_visibility(&app, &learner, "PRIVATE").await;
        let gone = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        assert_eq!(candidate_ids(&gone), (vec![], 0), "{gone:#}");
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn institution_issues_a_microcredential_and_the_learners_gap_closes() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let institution = app.token("inst", "institution", Some("demo-institute"));
        let learner = app.token("learner-a", "learner", None);
        let learner_id = profile(&app, &learner, "Ada").await;
        assert_skill(&app, &learner, "sql", 3).await;
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;
        let mc = create_microcredential(&app, &institution, "Tableau for analysts", &[("tableau", 3)], None).await;

        let before = app.gql_ok(Some(&learner), GAP, json!({"j": job})).await;
        assert!(gap_slugs(&before).contains(&"tableau".to_owned()), "{before:#}");
        assert!(approx(f(&contribution(&before["gapAnalysis"]["explanation"], "tableau")["credit"]), 0.0));

        const ISSUE: &str = "mutation($l: ID!, $m: ID!) { issueCredential(learnerId: $l, microcredentialId: $m) {
            id status issuer microcredential { id } skills { skill { slug } level } learner { id } } }";
        // A private learner is invisible to the institution: NOT_FOUND, nothing issued.
        let code = app.gql_err(Some(&institution), ISSUE, json!({"l": learner_id, "m": mc})).await;
        assert_eq!(code, "NOT_FOUND");

        set_visibility(&app, &learner, "RECRUITERS").await;
        let issued = app.gql_ok(Some(&institution), ISSUE, json!({"l": learner_id, "m": mc})).await;
        let c = &issued["issueCredential"];
        assert_eq!(c["status"], "VERIFIED", "{issued:#}");
        assert_eq!(c["microcredential"]["id"], mc.as_str());
        assert_eq!(c["learner"]["id"], learner_id.as_str());
        assert_eq!(c["skills"], json!([{"skill": {"slug": "tableau"}, "level": 3}]));

        let after = app.gql_ok(Some(&learner), GAP, json!({"j": job})).await;
        assert!(!gap_slugs(&after).contains(&"tableau".to_owned()), "{after:#}");
        let t = contribution(&after["gapAnalysis"]["explanation"], "tableau");
        assert!(approx(f(&t["credit"]), 1.0), "{t}");
        assert_eq!(t["evidence"], "VERIFIED_CREDENTIAL");
        assert!(f(&after["gapAnalysis"]["score"]) > f(&before["gapAnalysis"]["score"]));

        let me = app
            .gql_ok(Some(&learner), "{ me { learner { credentials { totalCount edges { node { status } } } } } }", json!({}))
            .await;
        assert_eq!(me["me"]["learner"]["credentials"]["totalCount"], 1, "only one credential was issued: {me:#}");
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pathway_closing_every_gap_projects_exactly_one() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        profile(&app, &learner, "Ada").await;
        // Weights whose fractions sum to 0.9999999999999999 in floating point; the
        // catalogue's CAD courses teach both skills at the level asked.
        let reqs: &[Req<'static>] = &[("sql", 2, 2.53, true), ("tableau", 3, 2.3, false)];
        assert_ne!(2.53 / 4.83 + 2.3 / 4.83, 1.0);
        let job = create_job(&app, &recruiter, "Analyst", reqs, None).await;
        let path = app
            .gql_ok(
                Some(&learner),
                "query($j: ID!) { learningPathway(jobId: $j, currency: \"CAD\") { currentScore projectedScore
                   steps { closes { skill { slug } } } uncoverable { skill { slug } }
                   projectedExplanation { score contributions { contribution credit } } } }",
                json!({"j": job}),
            )
            .await;
        let p = &path["learningPathway"];
        assert_eq!(p["uncoverable"], json!([]), "{path:#}");
        assert_eq!(p["currentScore"], json!(0.0), "{path:#}");
        assert_eq!(p["projectedScore"], json!(1.0), "{path:#}");
        assert_eq!(p["projectedScore"].to_string(), "1.0");
        let x = &p["projectedExplanation"];
        assert_eq!(x["score"], json!(1.0));
        let shown: Vec<f64> = x["contributions"].as_array().expect("contributions").iter().map(|c| f(&c["contribution"])).collect();
        assert_eq!(shown, [0.52381, 0.47619], "{path:#}");
        app.shutdown().await;
    })
    .await;
}

/// The README's job-seeker example on the demo data: the best match's pathway projects
/// exactly 1.0, and `skillUnlocks(first: 5)` says that no single skill reaches the
/// default threshold (every jobsUnlocked 0) while ranking the skills by what they bring.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_learner_reaches_exactly_one_and_learns_what_each_skill_brings() {
    each_backend(TestApp::builder().with_demo(), |app| async move {
        let learner = app.token("demo-learner", "learner", None);
        let rec = app
            .gql_ok(Some(&learner), "{ recommendedJobs(first: 1) { edges { node { score job { id } } } } }", json!({}))
            .await;
        let best = &rec["recommendedJobs"]["edges"][0]["node"];
        let path = app
            .gql_ok(
                Some(&learner),
                "query($j: ID!) { learningPathway(jobId: $j, currency: \"CAD\") { optimal currentScore projectedScore uncoverable { skill { slug } } } }",
                json!({"j": best["job"]["id"]}),
            )
            .await;
        let p = &path["learningPathway"];
        assert_eq!(p["currentScore"], best["score"], "{path:#}");
        assert!(f(&p["currentScore"]) < 0.7, "{path:#}");
        assert_eq!(p["uncoverable"], json!([]), "{path:#}");
        assert_eq!(p["projectedScore"].to_string(), "1.0", "{path:#}");

        let unlocks = app
            .gql_ok(
                Some(&learner),
                "{ skillUnlocks(first: 5) { skill { slug } jobsUnlocked scoreGain jobsImproved closestJob { id } closestScore } }",
                json!({}),
            )
            .await;
        let list = unlocks["skillUnlocks"].as_array().expect("unlocks");
        assert_eq!(list.len(), 5, "{unlocks:#}");
        let gains: Vec<f64> = list.iter().map(|u| f(&u["scoreGain"])).collect();
        assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{unlocks:#}");
        for u in list {
            assert_eq!(u["jobsUnlocked"], 0, "{u}");
            assert!(f(&u["scoreGain"]) > 0.0 && u["jobsImproved"].as_i64() > Some(0), "{u}");
            let closest = f(&u["closestScore"]);
            assert!(closest < 0.7 && u["closestJob"]["id"].is_string(), "{u}");
        }
        app.shutdown().await;
    })
    .await;
}

/// `CANDIDATES` for ad hoc requirements.
const CANDIDATES_FOR: &str = "query($r: [SkillRequirementInput!], $first: Int) {
    searchCandidates(requirements: $r, first: $first) {
    totalCount
    edges { cursor node { score learner { id displayName }
      explanation { score missingMustHaves { slug }
        contributions { contribution credit requirement { skill { slug } weight } } } } } } }";

/// Runs `sql` on the app's database around the outbox: the index never hears of it, as
/// if it lagged the change for good.
async fn around_the_outbox(app: &TestApp, sql: &str) {
    use diesel_async::SimpleAsyncConnection;
    use talent_api::db::DbConn;
    let mut pooled = app.db.conn().await.expect("a connection");
    match pooled.conn() {
        DbConn::Pg(c) => c.batch_execute(sql).await,
        DbConn::Sqlite(c) => c.batch_execute(sql).await,
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A job's candidate search starts from the index's copy of the job's requirements
/// while the database is read, and always answers for the database's requirements:
/// when the two agree, when the index lags an edit, and when the index does not hold
/// the job at all. Each time the page equals an ad hoc search for the database's
/// requirements, cursors and count included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_search_answers_for_the_databases_requirements_while_the_index_lags() {
    use talent_api::graphql::ids::{self, NodeType};
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learners: [(&str, &[(&str, i32)]); 3] = [
            ("Ada", &[("sql", 4), ("python", 2)]),
            ("Bo", &[("tableau", 3), ("python", 4)]),
            ("Cy", &[("sql", 2), ("tableau", 2)]),
        ];
        for (name, skills) in learners {
            let token = app.token(&format!("learner-{name}"), "learner", None);
            profile(&app, &token, name).await;
            add_credential(&app, &token, &format!("{name}'s course"), skills).await;
            set_visibility(&app, &token, "RECRUITERS").await;
        }
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;
        let job_id = ids::decode(NodeType::Job, &job).expect("a job id");
        let search = |j: String| {
            let (app, recruiter) = (&app, &recruiter);
            async move {
                let d = app
                    .gql_ok(Some(recruiter), CANDIDATES, json!({"j": j, "first": 20}))
                    .await;
                d["searchCandidates"].clone()
            }
        };
        // A job's requirements are in skill order (the explanation's order).
        let ad_hoc = |mut reqs: Vec<Req<'static>>| {
            let (app, recruiter) = (&app, &recruiter);
            reqs.sort_by_key(|r| ids::decode(NodeType::Skill, &app.skill(r.0)).expect("a skill"));
            async move {
                let r = requirements(app, &reqs);
                let d = app
                    .gql_ok(
                        Some(recruiter),
                        CANDIDATES_FOR,
                        json!({"r": r, "first": 20}),
                    )
                    .await;
                d["searchCandidates"].clone()
            }
        };
        let indexed_weights = |id: i64| {
            app.search.read(|e| {
                e.job(id)
                    .map(|d| d.requirements.iter().map(|r| r.weight).collect::<Vec<_>>())
            })
        };

        // In step: the index holds what the database holds.
        let agreed = search(job.clone()).await;
        assert_eq!(agreed["totalCount"], 3, "{agreed:#}");
        assert_eq!(agreed, ad_hoc(JOB.to_vec()).await);

        // Tableau's weight goes from 1 to 9 in the database only.
        around_the_outbox(
            &app,
            &format!(
                "UPDATE job_requirements SET weight = 9 WHERE job_id = {job_id} \
                 AND skill_id = (SELECT id FROM skills WHERE slug = 'tableau')"
            ),
        )
        .await;
        assert!(
            indexed_weights(job_id).is_some_and(|w| !w.contains(&9.0)),
            "the index still has the old weight"
        );
        let edited: Vec<Req<'static>> = vec![
            ("sql", 3, 3.0, true),
            ("python", 3, 2.0, false),
            ("tableau", 2, 9.0, false),
        ];
        let lagging = search(job.clone()).await;
        assert_ne!(lagging, agreed, "the edit changes the page");
        assert_eq!(lagging, ad_hoc(edited.clone()).await);

        // A copy of the job that the index never heard of.
        around_the_outbox(
            &app,
            &format!(
                "INSERT INTO jobs (employer_id, title, description) \
                 SELECT employer_id, 'Unindexed', description FROM jobs WHERE id = {job_id}; \
                 INSERT INTO job_requirements (job_id, skill_id, min_level, weight, required) \
                 SELECT (SELECT MAX(id) FROM jobs), skill_id, min_level, weight, required \
                 FROM job_requirements WHERE job_id = {job_id};"
            ),
        )
        .await;
        let copy = gid(NodeType::Job, job_id + 1);
        let node = app
            .gql_ok(
                Some(&recruiter),
                "query($id: ID!) { node(id: $id) { ... on Job { title } } }",
                json!({"id": copy}),
            )
            .await;
        assert_eq!(node["node"]["title"], "Unindexed", "{node:#}");
        assert!(
            indexed_weights(job_id + 1).is_none(),
            "the index lacks the copy"
        );
        assert_eq!(search(copy).await, lagging);
        app.shutdown().await;
    })
    .await;
}
