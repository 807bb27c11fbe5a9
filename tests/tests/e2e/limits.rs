//! Request limits, each rejected before any resolver runs. For queries that is shown
//! by the statement counter of the server's pool (an anonymous request that reaches a
//! resolver reads the database); for mutations by their missing effect.

use serde_json::{Value, json};
use talent_tests::{TestApp, each_backend, error_code};

use crate::fixture::*;

/// Jobs of the recruiter's organization, as the admin sees them.
async fn job_count(app: &TestApp) -> i64 {
    app.gql_ok(None, "{ jobs { totalCount } }", json!({})).await["jobs"]["totalCount"]
        .as_i64()
        .expect("count")
}

fn create_job_op(app: &TestApp, title: &str) -> Value {
    json!({"query": "mutation($i: JobInput!) { createJob(input: $i) { id } }",
           "variables": {"i": {"title": title, "description": "d", "requirements": requirements(app, &[("sql", 3, 1.0, false)])}}})
}

/// Sends `body` anonymously; asserts `status` and (when given) the error code, and
/// that the server ran no statement for it.
async fn refused(app: &TestApp, name: &str, body: &Value, status: u16, code: Option<&str>) {
    let before = app.statements();
    let (got, resp) = app.post_json(None, body).await;
    assert_eq!(got.as_u16(), status, "{name}: {resp:#}");
    if let Some(code) = code {
        assert_eq!(error_code(&resp).as_deref(), Some(code), "{name}: {resp:#}");
    }
    assert_eq!(app.statements(), before, "{name}: a resolver ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_aliases_and_batches_are_refused_before_execution() {
    each_backend(TestApp::builder(), |app| async move {
        // Control: an anonymous catalogue query does read the database.
        let before = app.statements();
        app.gql_ok(None, "{ skills(first: 1) { edges { node { parent { slug } } } } }", json!({})).await;
        assert!(app.statements() > before, "the control query ran no statement");

        let mut bomb = String::from("slug");
        for _ in 0..14 {
            bomb = format!("parent {{ {bomb} }}");
        }
        let bomb = format!("{{ skills(first: 1) {{ edges {{ node {{ {bomb} }} }} }} }}");
        refused(&app, "depth bomb", &json!({"query": bomb}), 400, Some("GRAPHQL_VALIDATION_FAILED")).await;

        let aliases = |n: usize| format!("{{ {} skills(first: 1) {{ totalCount }} }}",
            (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "));
        refused(&app, "31 aliases", &json!({"query": aliases(31)}), 400, Some("GRAPHQL_VALIDATION_FAILED")).await;
        // 30 aliases are fine (the limit is inclusive).
        let (status, body) = app.post_json(None, &json!({"query": aliases(29)})).await;
        assert_eq!(status, 200, "{body:#}");
        // Aliases hidden in fragments count too.
        let frag = format!("{{ ...F }} fragment F on Query {{ {} }}",
            (0..31).map(|i| format!("f{i}: __typename")).collect::<Vec<_>>().join(" "));
        refused(&app, "aliases in a fragment", &json!({"query": frag}), 400, Some("GRAPHQL_VALIDATION_FAILED")).await;

        let one = json!({"query": "{ skills(first: 1) { totalCount } }"});
        refused(&app, "batch of 11", &Value::Array(vec![one.clone(); 11]), 400, Some("BAD_REQUEST")).await;
        // Complexity: a connection costs by `first`.
        // Complexity: a connection costs `first` x its selection; ten pages of 100
        // skills with six fields are far over 5000 (and within the depth and alias limits).
        let pages: Vec<String> = (0..10)
            .map(|i| format!("p{i}: skills(first: 100) {{ edges {{ cursor node {{ id slug name category ambiguous }} }} }}"))
            .collect();
        refused(&app, "complexity", &json!({"query": format!("{{ {} }}", pages.join(" "))}), 400,
            Some("GRAPHQL_VALIDATION_FAILED")).await;
        // One such page is fine.
        let (status, body) = app.post_json(None, &json!({"query": format!("{{ {} }}", pages[0])})).await;
        assert_eq!(status, 200, "{body:#}");
        app.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_mutations_have_no_effect() {
    each_backend(TestApp::builder(), |app| async move {
        let recruiter = app.token("rec-x", "recruiter", Some("demo-employer"));
        let send = |body: Value| {
            let req = app
                .client
                .post(&app.graphql_url)
                .bearer_auth(&recruiter)
                .header("content-type", "application/json")
                .body(body.to_string());
            async move { req.send().await.expect("request") }
        };
        // Control: one createJob works.
        let resp = send(create_job_op(&app, "control")).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(job_count(&app).await, 1);

        // A batch over the limit: none of its mutations runs.
        let resp = send(Value::Array(
            (0..11)
                .map(|i| create_job_op(&app, &format!("batch {i}")))
                .collect(),
        ))
        .await;
        assert_eq!(resp.status(), 400);
        assert_eq!(job_count(&app).await, 1, "a refused batch ran mutations");

        // An oversized body: 413, and the mutation inside did not run. Sent on a client of
        // its own: the server closes that connection without reading the rest of the body,
        // and a pooled keep-alive connection closed that way would fail the next request.
        let mut big = create_job_op(&app, "oversized");
        big["variables"]["pad"] = json!("x".repeat(1024 * 1024 + 1));
        let resp = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("client")
            .post(&app.graphql_url)
            .bearer_auth(&recruiter)
            .header("content-type", "application/json")
            .body(big.to_string())
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 413);
        assert_eq!(
            job_count(&app).await,
            1,
            "an oversized body ran its mutation"
        );

        // A mutation over GET: refused (405, Allow: POST), and it did not happen.
        let op = create_job_op(&app, "over GET");
        let resp = app
            .client
            .get(&app.graphql_url)
            .bearer_auth(&recruiter)
            .header("accept", "application/graphql-response+json")
            .query(&[
                ("query", op["query"].as_str().unwrap_or("")),
                ("variables", &op["variables"].to_string()),
            ])
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 405);
        assert_eq!(
            resp.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_REQUEST"),
            "{body:#}"
        );
        assert_eq!(job_count(&app).await, 1, "a mutation over GET ran");
        // A query over GET does run.
        let resp = app
            .client
            .get(&app.graphql_url)
            .header("accept", "application/json")
            .query(&[("query", "{ jobs { totalCount } }")])
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["data"]["jobs"]["totalCount"], 1);
        app.shutdown().await;
    })
    .await;
}

/// graphql-js's standard introspection query (`api/tests/it/fixtures`, where the api
/// suite also compares its answer with schema.graphql) runs on the real server at the
/// default limits, with the default options and with every option on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_introspection_runs_at_the_default_limits() {
    each_backend(TestApp::builder(), |app| async move {
        for query in [
            include_str!("../../../api/tests/it/fixtures/introspection-default.graphql"),
            include_str!("../../../api/tests/it/fixtures/introspection-all-options.graphql"),
        ] {
            let (status, body) = app.post_json(None, &json!({ "query": query })).await;
            assert_eq!(status, 200, "{body:#}");
            assert!(body.get("errors").is_none(), "{body:#}");
            let types = body["data"]["__schema"]["types"].as_array().expect("types");
            assert!(
                types
                    .iter()
                    .any(|t| t["name"] == "CandidateMatchConnection"),
                "{body:#}"
            );
        }
        app.shutdown().await;
    })
    .await;
}
