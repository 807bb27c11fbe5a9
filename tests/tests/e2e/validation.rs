//! Input validation over HTTP: out-of-range arguments are BAD_USER_INPUT and change
//! nothing; a learner without a profile gets what the schema documents.

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend};

use crate::fixture::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_range_arguments_are_bad_user_input() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let institution = app.token("inst", "institution", Some("demo-institute"));
        let learner = app.token("learner-a", "learner", None);
        profile(&app, &learner, "Ada").await;
        let sql = app.skill("sql");
        let job = |reqs: Value, title: &str| json!({"i": {"title": title, "description": "d", "requirements": reqs}});
        let req = |level: i64, weight: f64| json!([{"skillId": sql, "minLevel": level, "weight": weight}]);
        let create_job = "mutation($i: JobInput!) { createJob(input: $i) { id } }";
        let mc = |hours: f64, cost: i64, currency: &str| json!({"i": {"title": "t", "description": "d", "hours": hours,
            "costCents": cost, "currency": currency, "skills": [{"skillId": sql, "level": 2}]}});
        let create_mc = "mutation($i: MicrocredentialInput!) { createMicrocredential(input: $i) { id } }";
        let assert = "mutation($s: ID!, $l: Int!) { assertSkill(skillId: $s, level: $l) { id } }";
        let cases: Vec<(&str, &str, &str, Value)> = vec![
            ("first: 0", &learner, "{ skills(first: 0) { totalCount } }", json!({})),
            ("first: 101", &learner, "{ jobs(first: 101) { totalCount } }", json!({})),
            ("level 0", &learner, assert, json!({"s": sql, "l": 0})),
            ("level 6", &learner, assert, json!({"s": sql, "l": 6})),
            ("a Job id as a skill id", &learner, assert, json!({"s": app.org("demo-employer"), "l": 3})),
            ("minLevel 6", &recruiter, create_job, job(req(6, 1.0), "t")),
            ("weight 0", &recruiter, create_job, job(req(3, 0.0), "t")),
            ("weight 101", &recruiter, create_job, job(req(3, 101.0), "t")),
            ("no requirements", &recruiter, create_job, job(json!([]), "t")),
            ("empty title", &recruiter, create_job, job(req(3, 1.0), "")),
            ("title of 201 characters", &recruiter, create_job, job(req(3, 1.0), &"t".repeat(201))),
            ("negative cost", &institution, create_mc, mc(10.0, -1, "USD")),
            ("zero hours", &institution, create_mc, mc(0.0, 100, "USD")),
            ("bad currency", &institution, create_mc, mc(10.0, 100, "dollars")),
            ("minScore 1.5", &learner, "{ recommendedJobs(minScore: 1.5) { totalCount } }", json!({})),
            ("skillUnlocks first 0", &learner, "{ skillUnlocks(first: 0) { jobsUnlocked } }", json!({})),
            ("query of 201 characters", &learner, "query($q: String) { skills(query: $q) { totalCount } }", json!({"q": "x".repeat(201)})),
            ("both jobId and occupationId", &learner, "query($o: ID) { gapAnalysis(occupationId: $o, jobId: $o) { score } }",
                json!({"o": app.occupation("data-analyst")})),
            ("future issuedAt", &learner,
                "mutation($s: ID!) { addCredential(input: {title: \"t\", issuer: \"i\", issuedAt: \"2999-01-01T00:00:00Z\", skills: [{skillId: $s, level: 2}]}) { id } }",
                json!({"s": sql})),
        ];
        for (name, token, query, vars) in cases {
            let code = app.gql_err(Some(token), query, vars).await;
            assert_eq!(code, "BAD_USER_INPUT", "{name}");
        }
        // Nothing was created by the refused mutations.
        let jobs = app.gql_ok(None, "{ jobs { totalCount } }", json!({})).await;
        assert_eq!(jobs["jobs"]["totalCount"], 0);
        let me = app.gql_ok(Some(&learner), "{ me { learner { skills { level } credentials { totalCount } } } }", json!({})).await;
        assert_eq!(me["me"]["learner"]["skills"], json!([]), "{me:#}");
        assert_eq!(me["me"]["learner"]["credentials"]["totalCount"], 0);
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommended_jobs_ask_for_a_profile_first() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        create_job(&app, &recruiter, "Analyst", &[("sql", 3, 1.0, false)], None).await;
        let learner = app.token("newcomer", "learner", None);
        // The schema: "BAD_USER_INPUT until the learner has a profile".
        let (status, body) = app
            .gql(
                Some(&learner),
                "{ recommendedJobs { totalCount edges { cursor } } }",
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body:#}"
        );
        assert!(
            body["data"].is_null() || body["data"]["recommendedJobs"].is_null(),
            "{body:#}"
        );
        app.shutdown().await;
    })
    .await;
}
