//! The app `talent serve` and the end-to-end suites serve ([`server::build_app`]): its
//! router answers before start-up (health yes, readiness and GraphQL 503), and start-up
//! makes it ready, loading the demo data only into an empty embedded database when asked.

use serde_json::{Value, json};
use talent_api::auth::AuthConfig;
use talent_api::db::Backend;
use talent_api::http::HttpConfig;
use talent_api::indexer::IndexerOptions;
use talent_api::insights::InsightsOptions;
use talent_api::server::{self, AppConfig};
use talent_api::testing::TestDb;

fn config(demo: bool) -> AppConfig {
    AppConfig {
        http: HttpConfig::default(),
        auth: AuthConfig {
            hs256_secret: Some(b"app-test-secret-0123456789-abcdefghijkl".to_vec()),
            public_keys: Vec::new(),
            jwks_file: None,
            issuer: "talent".into(),
            audience: "talent-api".into(),
            leeway_secs: 30,
            max_token_bytes: 8192,
        },
        insights: InsightsOptions {
            eager: false,
            ..InsightsOptions::default()
        },
        indexer: IndexerOptions::default(),
        index_dir: None,
        demo,
    }
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let r = client.get(url).send().await.expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post(client: &reqwest::Client, url: String, query: &str) -> (u16, Value) {
    let r = client
        .post(url)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}

/// Serves the app of `test_db` with `demo`; checks what it answers before and after
/// start-up; returns the number of skills it then holds.
async fn serve_and_start(test_db: &TestDb, demo: bool) -> i64 {
    let (router, startup) = server::build_app(test_db.db.clone(), config(demo)).expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::serve(listener, router, async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();

    assert_eq!(
        get(&client, format!("{base}/healthz")).await,
        (200, "ok".into())
    );
    let (status, body) = get(&client, format!("{base}/readyz")).await;
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).expect("readyz JSON");
    assert_eq!(
        (&body["migrations"], &body["index"]),
        (&json!("pending"), &json!("building"))
    );
    let (status, body) = post(&client, format!("{base}/graphql"), "{ __typename }").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SERVICE_UNAVAILABLE"
    );

    let handles = startup.run().await.expect("start-up");
    let (status, body) = get(&client, format!("{base}/readyz")).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).expect("readyz JSON");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["backend"], test_db.db.backend().as_str());
    let (status, body) = post(&client, format!("{base}/graphql"), "{ __typename }").await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "{body}"
    );
    let (_, body) = post(
        &client,
        format!("{base}/graphql"),
        "{ skills(first: 1) { totalCount } }",
    )
    .await;
    let skills = body["data"]["skills"]["totalCount"]
        .as_i64()
        .expect("count");

    let _ = stop.send(());
    served.await.expect("server task").expect("served");
    handles.shutdown().await;
    skills
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_answers_health_first_and_is_ready_after_start_up() {
    for t in TestDb::all().await {
        let skills = serve_and_start(&t, true).await;
        match t.db.backend() {
            Backend::Sqlite => assert!(skills > 0, "the demo data was not loaded"),
            Backend::Postgres => assert_eq!(skills, 0, "demo data loaded into PostgreSQL"),
        }
    }
    let t = TestDb::sqlite().await;
    assert_eq!(
        serve_and_start(&t, false).await,
        0,
        "demo data loaded unasked"
    );
}
