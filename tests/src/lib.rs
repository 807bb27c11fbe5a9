//! End-to-end test support: [`TestApp`] serves `talent serve`'s own app
//! ([`server::build_app`]: the router, then the start-up that migrates, starts the
//! [`SearchService`] and the insights worker and installs the GraphQL routes) over real
//! HTTP on `127.0.0.1:0`, on a fresh database per test, and talks to it with reqwest and
//! tokio-tungstenite. The index lives in memory.
//!
//! ```no_run
//! # async fn demo() {
//! use talent_tests::{TestApp, each_backend};
//! each_backend(TestApp::builder(), |app| async move {
//!     let admin = app.token("root", "admin", None);
//!     let data = app.gql_ok(Some(&admin), "{ me { role } }", serde_json::json!({})).await;
//!     assert_eq!(data["me"]["role"], "ADMIN");
//!     app.shutdown().await;
//! })
//! .await;
//! # }
//! ```
//!
//! By default the curated catalogue (skills, occupations, organizations,
//! microcredentials) is loaded and nothing else: no users, learners or jobs. Tests build
//! the rest of their fixture through the API. `.with_demo()` loads the full demo data
//! instead (a few seconds per backend).

pub mod bench;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use talent_api::auth::{AuthConfig, PublicKeyAlg, PublicKeySpec};
use talent_api::config::JwtConfig;
use talent_api::db::{Backend, Db};
use talent_api::graphql::ids::{self, NodeType};
use talent_api::http::HttpConfig;
use talent_api::indexer::{IndexerOptions, SearchService};
use talent_api::insights::{InsightsOptions, InsightsService};
use talent_api::repo::Role;
use talent_api::seed::demo::{Ids, SeedReport, load_catalogue};
use talent_api::seed::{Catalog, SeedSources};
use talent_api::server::{self, AppConfig, AppHandles};
use talent_api::testing::TestDb;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The HS256 secret every test server verifies with and [`TestApp::token`] signs with.
pub const SECRET: &[u8] = b"talent-tests-secret-0123456789-abcdefghij";
/// The `iss` the test server requires.
pub const ISSUER: &str = "talent";
/// The `aud` the test server requires.
pub const AUDIENCE: &str = "talent-api";
/// The key id of the RS256 public key the test server also trusts.
pub const RSA_KID: &str = "rsa-test";
/// How long bounded waits (WebSocket messages) may take.
pub const WAIT: Duration = Duration::from_secs(5);

/// A PEM of the api crate's JWT fixtures (`api/tests/fixtures/jwt`).
pub fn jwt_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../api/tests/fixtures/jwt")
        .join(name)
}

/// Options of a [`TestApp`]. By default: the curated catalogue, no demo data, the
/// default [`HttpConfig`].
#[derive(Clone, Default)]
pub struct TestAppBuilder {
    demo: bool,
    http: HttpConfig,
    indexer: IndexerOptions,
    insights: Option<InsightsOptions>,
}

impl TestAppBuilder {
    /// Also loads the demo users, learners and jobs (`talent seed --demo`).
    pub fn with_demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Changes the HTTP limits.
    pub fn http(mut self, f: impl FnOnce(&mut HttpConfig)) -> Self {
        f(&mut self.http);
        self
    }

    /// Changes the indexer's options (e.g. a long `poll_interval`, so that the tail
    /// task runs only when a mutation pokes it and statement counts are exact).
    pub fn indexer(mut self, f: impl FnOnce(&mut IndexerOptions)) -> Self {
        f(&mut self.indexer);
        self
    }

    /// Changes the insights worker's options. By default it is lazy (computes only once
    /// an insight is asked for, so statement counts of other tests are exact).
    pub fn insights(mut self, f: impl FnOnce(&mut InsightsOptions)) -> Self {
        let mut o = self.insights.take().unwrap_or_else(lazy_insights);
        f(&mut o);
        self.insights = Some(o);
        self
    }

    /// Starts the server on `test_db` (which the app then owns and drops last).
    pub async fn start(self, test_db: TestDb) -> TestApp {
        TestApp::start_with(self, test_db).await
    }
}

/// The test server's tokens: HS256 with [`SECRET`], and RS256 with the fixture key
/// [`RSA_KID`].
fn auth_config() -> AuthConfig {
    AuthConfig {
        hs256_secret: Some(SECRET.to_vec()),
        public_keys: vec![PublicKeySpec {
            alg: PublicKeyAlg::RS256,
            path: jwt_fixture("rsa.pub.pem"),
            kid: Some(RSA_KID.to_owned()),
        }],
        jwks_file: None,
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        leeway_secs: 30,
        max_token_bytes: 8192,
    }
}

fn lazy_insights() -> InsightsOptions {
    InsightsOptions {
        eager: false,
        ..InsightsOptions::default()
    }
}

/// The real server on a fresh database, reachable over HTTP.
pub struct TestApp {
    /// The database (the app's own pool: its statement counter sees every query).
    pub db: Db,
    /// Which backend.
    pub backend: Backend,
    /// Where the server listens.
    pub addr: SocketAddr,
    /// `http://addr/graphql`.
    pub graphql_url: String,
    /// A plain HTTP client.
    pub client: reqwest::Client,
    /// The search index of the server.
    pub search: Arc<SearchService>,
    /// The insights worker of the server.
    pub insights: Arc<InsightsService>,
    /// Slug -> id of the catalogue.
    pub ids: Ids,
    /// What the demo load inserted (empty without `.with_demo()`).
    pub demo: SeedReport,
    jwt: JwtConfig,
    handles: AppHandles,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _test_db: TestDb,
}

/// Runs `f` once per backend of [`TestDb::all`] (SQLite, and PostgreSQL when
/// `TEST_DATABASE_URL` is set), each on a fresh app.
pub async fn each_backend<F, Fut>(builder: TestAppBuilder, mut f: F)
where
    F: FnMut(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    for test_db in TestDb::all().await {
        let app = builder.clone().start(test_db).await;
        eprintln!("--- backend {:?}", app.backend);
        f(app).await;
    }
}

impl TestApp {
    /// The default options.
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    /// Starts with the default options.
    pub async fn start(test_db: TestDb) -> TestApp {
        TestAppBuilder::default().start(test_db).await
    }

    async fn start_with(opts: TestAppBuilder, test_db: TestDb) -> TestApp {
        let db = test_db.db.clone();
        let backend = db.backend();
        let catalog = Catalog::load(&SeedSources::embedded()).expect("embedded catalogue");
        let (ids, demo) = {
            let mut p = db.conn().await.expect("connection");
            let c = &mut p.conn();
            if opts.demo {
                let report = talent_api::seed::load_demo(c, &catalog)
                    .await
                    .expect("demo data");
                let mut none = SeedReport::default();
                let ids = load_catalogue(c, &catalog, &mut none)
                    .await
                    .expect("catalogue ids");
                (ids, report)
            } else {
                let mut report = SeedReport::default();
                let ids = load_catalogue(c, &catalog, &mut report)
                    .await
                    .expect("catalogue");
                (ids, SeedReport::default())
            }
        };

        let config = AppConfig {
            http: opts.http.clone(),
            auth: auth_config(),
            insights: opts.insights.clone().unwrap_or_else(lazy_insights),
            indexer: opts.indexer.clone(),
            index_dir: None,
            // The fixture above is the data.
            demo: false,
        };
        let (router, startup) = server::build_app(db.clone(), config).expect("app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = stop_rx.await;
            };
            server::serve(listener, router, stopped)
                .await
                .expect("server");
        });
        let handles = startup.run().await.expect("start-up");
        TestApp {
            db,
            backend,
            addr,
            graphql_url: format!("http://{addr}/graphql"),
            client: reqwest::Client::new(),
            search: handles.search.clone(),
            insights: handles.insights.clone(),
            handles,
            ids,
            demo,
            jwt: JwtConfig {
                secret: SECRET.to_vec(),
                issuer: ISSUER.into(),
                audience: AUDIENCE.into(),
            },
            stop: Some(stop_tx),
            server: Some(server),
            _test_db: test_db,
        }
    }

    /// Stops the server gracefully and the index's tail task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(WAIT, server).await;
        }
        self.handles.shutdown().await;
    }

    /// A valid HS256 token for `sub` with `role` (`learner`, `recruiter`,
    /// `institution`, `admin`) and `org` (an organization slug), valid one hour.
    pub fn token(&self, sub: &str, role: &str, org: Option<&str>) -> String {
        let role: Role = role.to_uppercase().parse().expect("role");
        talent_api::auth::mint(&self.jwt, sub, role, org, Duration::from_secs(3600)).expect("mint")
    }

    /// POSTs a GraphQL request; `(status, body)`.
    pub async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        self.post_json(token, &json!({"query": query, "variables": variables}))
            .await
    }

    /// POSTs any JSON body to /graphql (Accept: application/graphql-response+json).
    pub async fn post_json(&self, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
        let mut req = self
            .client
            .post(&self.graphql_url)
            .header("accept", "application/graphql-response+json")
            .json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json)
    }

    /// Like [`TestApp::gql`], asserting 200 and no errors; returns `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{query}\n{body:#}");
        assert!(body.get("errors").is_none(), "{query}\n{body:#}");
        body["data"].clone()
    }

    /// Like [`TestApp::gql`], expecting exactly one error; returns its
    /// `extensions.code` (and asserts the status is 200, a field error).
    pub async fn gql_err(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let (status, body) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{query}\n{body:#}");
        error_code(&body).unwrap_or_else(|| panic!("no error for {query}\n{body:#}"))
    }

    /// The global ID of a catalogue skill.
    pub fn skill(&self, slug: &str) -> String {
        gid(
            NodeType::Skill,
            *self.ids.skills.get(slug).expect("skill slug"),
        )
    }

    /// The global ID of a catalogue organization.
    pub fn org(&self, slug: &str) -> String {
        gid(
            NodeType::Organization,
            *self.ids.organizations.get(slug).expect("org slug"),
        )
    }

    /// The global ID of a catalogue occupation.
    pub fn occupation(&self, slug: &str) -> String {
        gid(
            NodeType::Occupation,
            *self.ids.occupations.get(slug).expect("occupation slug"),
        )
    }

    /// The global ID of a catalogue microcredential.
    pub fn microcredential(&self, slug: &str) -> String {
        gid(
            NodeType::Microcredential,
            *self.ids.microcredentials.get(slug).expect("mc slug"),
        )
    }

    /// Statements run so far by the server's pool.
    pub fn statements(&self) -> u64 {
        self.db.statements()
    }

    /// Opens a graphql-transport-ws connection and sends `connection_init` with
    /// `payload`; returns the socket after the server's `connection_ack`.
    pub async fn ws(&self, payload: Value) -> WsClient {
        let url = format!("ws://{}/graphql/ws", self.addr);
        let mut req = url.into_client_request().expect("ws request");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("ws connect");
        let mut ws = WsClient { socket };
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let ack = ws.next().await.expect("connection_ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }
}

/// A global ID.
pub fn gid(t: NodeType, id: i64) -> String {
    ids::encode(t, id).to_string()
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_owned)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client.
pub struct WsClient {
    socket: Socket,
}

impl WsClient {
    /// Sends a JSON message.
    pub async fn send(&mut self, v: Value) {
        self.socket
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("ws send");
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe",
            "payload": {"query": query, "variables": variables}}))
            .await;
    }

    /// The next JSON message (pings answered), or Err(close code) when the socket
    /// closes; panics when nothing arrives within [`WAIT`].
    pub async fn next(&mut self) -> Result<Value, Option<u16>> {
        self.next_within(WAIT)
            .await
            .unwrap_or_else(|| panic!("no WebSocket message within {WAIT:?}"))
    }

    /// The next JSON message within `wait`; None when nothing arrived in time.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Result<Value, Option<u16>>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).expect("ws json");
                    if v["type"] == "ping" {
                        self.send(json!({"type": "pong"})).await;
                        continue;
                    }
                    return Some(Ok(v));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Err(frame.map(|f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Err(None)),
            }
        }
    }
}
