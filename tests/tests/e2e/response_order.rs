//! Response keys in selection order, read from the raw body: the reported case
//! (`gapAnalysis { gaps { skill { id } credit } score }` came back as
//! `score, gaps [{credit, skill}]`) and a candidate page with explanations.

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend};

use crate::fixture::*;

/// The raw body of `query` with `variables`, sent with `token`.
async fn raw(app: &TestApp, token: &str, query: &str, variables: Value) -> String {
    let resp = app
        .client
        .post(&app.graphql_url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(json!({"query": query, "variables": variables}).to_string())
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("body")
}

/// Asserts that `keys` (as `"key":`) appear in `text` in this order.
fn assert_in_order(text: &str, keys: &[&str]) {
    let mut at = 0;
    for key in keys {
        let needle = format!("\"{key}\":");
        match text[at..].find(&needle) {
            Some(i) => at += i + needle.len(),
            None => panic!("{needle} missing or out of order after byte {at}: {text}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_keys_follow_the_selection_order() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let learner = app.token("learner-a", "learner", None);
        let job = create_job(
            &app,
            &recruiter,
            "Analyst",
            &[("sql", 3, 3.0, true), ("python", 3, 2.0, false)],
            None,
        )
        .await;
        profile(&app, &learner, "Ada").await;
        add_credential(&app, &learner, "SQL course", &[("sql", 3)]).await;
        set_visibility(&app, &learner, "RECRUITERS").await;

        let body = raw(
            &app,
            &learner,
            "query($j: ID!) { gapAnalysis(jobId: $j) { gaps { skill { id } credit } score } }",
            json!({"j": job}),
        )
        .await;
        assert!(body.starts_with(r#"{"data":{"gapAnalysis":{"gaps":[{"skill":{"id":"#), "{body}");
        // Every gap: skill before credit; score last.
        let gaps = body.matches("\"skill\":").count();
        assert_eq!(gaps, 2, "{body}");
        let mut keys = Vec::new();
        for _ in 0..gaps {
            keys.extend(["skill", "id", "credit"]);
        }
        keys.push("score");
        assert_in_order(&body, &keys);

        // A candidate page with explanations, its keys in an order that is neither
        // alphabetical nor the schema's.
        let body = raw(
            &app,
            &recruiter,
            "query($j: ID!) { searchCandidates(jobId: $j, first: 5) { totalCount edges { node {
                 score explanation { contributions { credit requirement { weight skill { slug id } } } score }
                 learner { id } } cursor } } }",
            json!({"j": job}),
        )
        .await;
        assert!(!body.contains("\"errors\""), "{body}");
        assert!(body.contains("\"totalCount\":1,"), "{body}");
        assert_in_order(
            &body,
            &[
                "totalCount", "edges", "node", "score", "explanation", "contributions", "credit",
                "requirement", "weight", "skill", "slug", "id",
            ],
        );
        let node = body.find("\"node\":").expect("a candidate");
        let tail = &body[node..];
        let learner_at = tail.find("\"learner\":").expect("learner");
        let cursor_at = tail.find("\"cursor\":").expect("cursor");
        let explanation_score = tail.rfind("\"score\":").expect("score");
        assert!(explanation_score < learner_at && learner_at < cursor_at, "{body}");
        app.shutdown().await;
    })
    .await;
}
