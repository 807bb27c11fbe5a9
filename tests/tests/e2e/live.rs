//! The index is live: a mutation is searchable when it returns, erasure leaves no
//! trace in search or `node`, and job alerts arrive over WebSocket.

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend};

use crate::fixture::*;

const JOB: &[Req<'static>] = &[("sql", 3, 2.0, true), ("python", 3, 1.0, false)];

fn score_of(data: &Value, learner: &str) -> Option<f64> {
    data["searchCandidates"]["edges"]
        .as_array()?
        .iter()
        .find(|e| e["node"]["learner"]["id"] == learner)
        .map(|e| f(&e["node"]["score"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mutation_is_searchable_when_it_returns() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        let id = profile(&app, &learner, "Ada").await;
        assert_skill(&app, &learner, "python", 3).await;
        set_visibility(&app, &learner, "RECRUITERS").await;
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;

        // No pause anywhere below: each read follows the mutation's response.
        let before = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        let s0 = score_of(&before, &id).unwrap_or_else(|| panic!("{before:#}"));
        assert!(approx(s0, 0.4 / 3.0), "python only: {s0}");
        assert_skill(&app, &learner, "sql", 3).await;
        let after = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        let s1 = score_of(&after, &id).unwrap_or_else(|| panic!("{after:#}"));
        assert!(
            approx(s1, 0.4),
            "sql and python self-asserted: {s1} ({after:#})"
        );

        // createJob, then the learner's recommendations show it.
        let job2 = create_job(
            &app,
            &recruiter,
            "Python Developer",
            &[("python", 3, 1.0, true)],
            None,
        )
        .await;
        let rec = app
            .gql_ok(
                Some(&learner),
                "{ recommendedJobs { totalCount edges { node { job { id } score } } } }",
                json!({}),
            )
            .await;
        assert!(rec.to_string().contains(&job2), "{rec:#}");
        assert_eq!(rec["recommendedJobs"]["totalCount"], 2);

        // closeJob, then it is gone from recommendations and listings.
        app.gql_ok(
            Some(&recruiter),
            "mutation($j: ID!) { closeJob(id: $j) { status } }",
            json!({"j": job2}),
        )
        .await;
        let rec = app
            .gql_ok(
                Some(&learner),
                "{ recommendedJobs { totalCount edges { node { job { id } } } } }",
                json!({}),
            )
            .await;
        assert!(!rec.to_string().contains(&job2), "{rec:#}");
        assert_eq!(rec["recommendedJobs"]["totalCount"], 1, "{rec:#}");

        // Retracting the skill lowers the score at once.
        app.gql_ok(
            Some(&learner),
            "mutation($s: ID!) { retractSkill(skillId: $s) { id } }",
            json!({"s": app.skill("sql")}),
        )
        .await;
        let retracted = app
            .gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job}))
            .await;
        assert!(
            approx(score_of(&retracted, &id).unwrap_or(-1.0), s0),
            "{retracted:#}"
        );
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasure_leaves_no_search_hit_and_no_node() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let admin = app.token("root", "admin", None);
        let learner = app.token("learner-a", "learner", None);
        let id = profile(&app, &learner, "Ada").await;
        let cred = add_credential(&app, &learner, "SQL course", &[("sql", 3)]).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        set_visibility(&app, &learner, "PUBLIC").await;
        let job = create_job(&app, &recruiter, "Data Analyst", JOB, None).await;
        let found = app.gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job})).await;
        assert_eq!(candidate_ids(&found), (vec![id.clone()], 1));

        let del = app.gql_ok(Some(&learner), "mutation { deleteMyAccount }", json!({})).await;
        assert_eq!(del["deleteMyAccount"], true);

        let gone = app.gql_ok(Some(&recruiter), CANDIDATES, json!({"j": job})).await;
        assert_eq!(candidate_ids(&gone), (vec![], 0), "{gone:#}");
        let adhoc = app
            .gql_ok(Some(&admin),
                "query($r: [SkillRequirementInput!]) { searchCandidates(requirements: $r, query: \"Ada\") { totalCount } }",
                json!({"r": requirements(&app, JOB)}))
            .await;
        assert_eq!(adhoc["searchCandidates"]["totalCount"], 0, "{adhoc:#}");
        for node in [&id, &cred] {
            let n = app.gql_ok(Some(&admin), "query($id: ID!) { node(id: $id) { id } }", json!({"id": node})).await;
            assert_eq!(n["node"], Value::Null, "{node} survives erasure");
        }
        // The same subject signing in again is a new user with nothing.
        let me = app.gql_ok(Some(&learner), "{ me { learner { id } } exportMyData }", json!({})).await;
        assert_eq!(me["me"]["learner"], Value::Null);
        assert!(!me["exportMyData"].to_string().contains("SQL course"), "{me:#}");
        // ... and can start over with the same token: the erased user is not kept in
        // the server's viewer cache (a profile for it would break its foreign key).
        let again = profile(&app, &learner, "Ada again").await;
        assert_ne!(again, id);
        app.shutdown().await;
    })
    .await;
}

const ALERTS: &str = "subscription($min: Float!) { jobAlerts(minScore: $min) {
    score job { id title } explanation { score contributions { contribution } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_job_alert_arrives_over_websocket() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        profile(&app, &learner, "Ada").await;
        add_credential(&app, &learner, "SQL course", &[("sql", 3)]).await;

        let mut ws = app
            .ws(json!({"Authorization": format!("Bearer {learner}")}))
            .await;
        ws.subscribe("1", ALERTS, json!({"min": 0.5})).await;
        // Let the subscription register before jobs are posted: a query round trip on
        // the same socket is answered only after the subscribe message was processed.
        ws.subscribe("probe", "{ me { subject } }", json!({})).await;
        loop {
            let m = ws.next().await.expect("socket open");
            if m["id"] == "probe" && m["type"] == "complete" {
                break;
            }
            assert_ne!(m["id"], "1", "an alert before any job was posted: {m}");
        }

        // First a job the learner does not match (Kubernetes), then one they do
        // (SQL, unverified 0.7 >= 0.5). Alerts are delivered in order, so the first
        // alert being the SQL job shows the Kubernetes one was not sent.
        let miss = create_job(
            &app,
            &recruiter,
            "Platform Engineer",
            &[("kubernetes", 3, 1.0, true)],
            None,
        )
        .await;
        let hit = create_job(
            &app,
            &recruiter,
            "SQL Analyst",
            &[("sql", 3, 1.0, true)],
            None,
        )
        .await;
        let alert = ws.next().await.expect("an alert");
        assert_eq!(
            (alert["type"].as_str(), alert["id"].as_str()),
            (Some("next"), Some("1")),
            "{alert:#}"
        );
        let m = &alert["payload"]["data"]["jobAlerts"];
        assert_eq!(
            m["job"]["id"],
            hit.as_str(),
            "alert for {} (non-matching job {miss}): {alert:#}",
            m["job"]["id"]
        );
        let score = f(&m["score"]);
        assert!(approx(score, 0.7), "{alert:#}");
        assert_explained(&m["explanation"], score);

        // A change counts too: the Kubernetes job rewritten to need SQL alerts; a
        // closed job does not (the job posted after it is the next alert).
        app.gql_ok(
            Some(&recruiter),
            "mutation($j: ID!, $i: JobInput!) { updateJob(id: $j, input: $i) { id } }",
            json!({"j": miss, "i": {"title": "Data Platform Engineer", "description": "d",
                   "requirements": requirements(&app, &[("sql", 3, 1.0, true)])}}),
        )
        .await;
        let alert = ws.next().await.expect("an alert");
        assert_eq!(
            alert["payload"]["data"]["jobAlerts"]["job"]["id"],
            miss.as_str(),
            "{alert:#}"
        );
        app.gql_ok(
            Some(&recruiter),
            "mutation($j: ID!) { closeJob(id: $j) { status } }",
            json!({"j": hit}),
        )
        .await;
        let last = create_job(
            &app,
            &recruiter,
            "SQL Analyst II",
            &[("sql", 3, 1.0, true)],
            None,
        )
        .await;
        let alert = ws.next().await.expect("an alert");
        assert_eq!(
            alert["payload"]["data"]["jobAlerts"]["job"]["id"],
            last.as_str(),
            "a closed job alerted: {alert:#}"
        );

        // A recruiter's socket cannot subscribe (async-graphql reports the resolver's
        // error as a `next` with errors, not an `error` message).
        let other = app.token("rec-y", "recruiter", Some("lumenstone-bank"));
        let mut ws2 = app
            .ws(json!({"Authorization": format!("Bearer {other}")}))
            .await;
        ws2.subscribe("1", ALERTS, json!({"min": 0.5})).await;
        let refused = ws2.next().await.expect("a reply");
        let errors = if refused["type"] == "error" {
            &refused["payload"]
        } else {
            &refused["payload"]["errors"]
        };
        assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{refused:#}");
        assert_eq!(refused["payload"]["data"], Value::Null, "{refused:#}");
        app.shutdown().await;
    })
    .await;
}
