//! The GraphQL HTTP surface (`talent_api::http`) over real HTTP and WebSocket, with a
//! small schema of its own and a test `ContextProvider` (token "good" accepted, "bad"
//! refused).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::{Context, ErrorExtensions, Object, Schema, Subscription};
use futures::future::BoxFuture;
use futures::{SinkExt, Stream, StreamExt};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};
use talent_api::http::{
    ContextProvider, HttpConfig, Metrics, Rejection, apply_limits, graphql_router,
};

const GRJ: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// Counts resolver calls and mutations, so tests can prove nothing ran.
#[derive(Default)]
struct Counters {
    mutations: AtomicUsize,
    resolved: AtomicUsize,
}

struct Caller(String);

struct Query;

#[Object]
#[allow(unreachable_code, clippy::diverging_sub_expression)] // `boom` panics
impl Query {
    async fn value(&self, ctx: &Context<'_>) -> i32 {
        ctx.data_unchecked::<Arc<Counters>>()
            .resolved
            .fetch_add(1, Ordering::SeqCst);
        42
    }

    async fn whoami(&self, ctx: &Context<'_>) -> Option<String> {
        ctx.data_opt::<Caller>().map(|c| c.0.clone())
    }

    async fn coded(&self) -> async_graphql::Result<i32> {
        Err(async_graphql::Error::new("no such thing")
            .extend_with(|_, e| e.set("code", "NOT_FOUND")))
    }

    async fn internal(&self) -> async_graphql::Result<i32> {
        Err(async_graphql::Error::new(
            "connection refused: postgres://app:s3cret@db",
        ))
    }

    async fn boom(&self) -> Option<i32> {
        panic!("kaboom s3cret")
    }

    async fn slow(&self) -> i32 {
        tokio::time::sleep(Duration::from_secs(3)).await;
        1
    }

    async fn node(&self) -> Node {
        Node
    }

    #[graphql(complexity = "first as usize * child_complexity")]
    async fn items(&self, first: i32) -> Vec<Node> {
        (0..first.clamp(0, 100)).map(|_| Node).collect()
    }

    /// 7, after yielding once: completes after the fields that return at once.
    async fn late(&self) -> i32 {
        tokio::task::yield_now().await;
        7
    }

    /// `text`, or `(unset)` without one.
    async fn echo(&self, text: Option<String>) -> String {
        text.unwrap_or_else(|| "(unset)".to_string())
    }

    async fn times(&self, #[graphql(default = 5)] n: i32) -> i32 {
        n
    }

    async fn job(&self, id: async_graphql::ID) -> String {
        id.to_string()
    }

    async fn paint(&self, color: Color) -> Color {
        color
    }

    async fn mutations_run(&self, ctx: &Context<'_>) -> usize {
        ctx.data_unchecked::<Arc<Counters>>()
            .mutations
            .load(Ordering::SeqCst)
    }
}

#[derive(async_graphql::Enum, Clone, Copy, PartialEq, Eq)]
enum Color {
    Red,
    Blue,
}

struct Node;

#[Object]
impl Node {
    async fn child(&self, ctx: &Context<'_>) -> Node {
        ctx.data_unchecked::<Arc<Counters>>()
            .resolved
            .fetch_add(1, Ordering::SeqCst);
        Node
    }

    async fn leaf(&self) -> i32 {
        1
    }

    /// 2, after yielding once.
    async fn late(&self) -> i32 {
        tokio::task::yield_now().await;
        2
    }
}

struct Mutation;

#[Object]
impl Mutation {
    async fn bump(&self, ctx: &Context<'_>) -> usize {
        ctx.data_unchecked::<Arc<Counters>>()
            .mutations
            .fetch_add(1, Ordering::SeqCst)
            + 1
    }
}

struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    async fn ticks(&self, ctx: &Context<'_>, count: i32) -> impl Stream<Item = String> {
        let who = ctx
            .data_opt::<Caller>()
            .map_or("anonymous".to_string(), |c| c.0.clone());
        futures::stream::iter((0..count).map(move |i| format!("{who}:{i}")))
    }

    /// Counts from 0 and panics at 1.
    async fn explode(&self) -> impl Stream<Item = i32> {
        futures::stream::iter(0..3).map(|i| {
            assert!(i != 1, "kaboom s3cret");
            i
        })
    }
}

struct TestProvider;

impl ContextProvider for TestProvider {
    fn context(
        &self,
        bearer: Option<String>,
    ) -> BoxFuture<'static, Result<async_graphql::Data, Rejection>> {
        Box::pin(async move {
            let mut data = async_graphql::Data::default();
            match bearer.as_deref() {
                None => {}
                Some("good") => data.insert(Caller("good".into())),
                Some(_) => return Err(Rejection::unauthenticated("invalid token")),
            }
            Ok(data)
        })
    }
}

struct TestApp {
    base: String,
    ws: String,
    counters: Arc<Counters>,
    client: reqwest::Client,
}

impl TestApp {
    async fn start() -> TestApp {
        Self::with(|_| {}).await
    }

    async fn with(tweak: impl FnOnce(&mut HttpConfig)) -> TestApp {
        let mut cfg = HttpConfig::default();
        tweak(&mut cfg);
        let metrics = Arc::new(Metrics::new());
        let counters = Arc::new(Counters::default());
        let schema = apply_limits(
            Schema::build(Query, Mutation, SubscriptionRoot).data(counters.clone()),
            &cfg,
        )
        .finish();
        let router = graphql_router(schema, Arc::new(TestProvider), &cfg, metrics);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            ws: format!("ws://{addr}/graphql/ws"),
            counters,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs `body` as JSON accepting `accept`.
    async fn post(&self, accept: &str, body: Value) -> Reply {
        let resp = self
            .client
            .post(self.url("/graphql"))
            .header(ACCEPT, accept)
            .header(CONTENT_TYPE, JSON)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        Reply::of(resp).await
    }

    async fn query(&self, query: &str) -> Reply {
        self.post(GRJ, json!({ "query": query })).await
    }

    fn resolved(&self) -> usize {
        self.counters.resolved.load(Ordering::SeqCst)
    }
}

struct Reply {
    status: StatusCode,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
    text: String,
}

impl Reply {
    async fn of(resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            headers,
            body,
            text,
        }
    }

    fn code(&self) -> &str {
        self.body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {}", self.text))
    }

    fn request_id(&self) -> &str {
        self.headers["x-request-id"].to_str().unwrap()
    }
}

#[tokio::test]
async fn content_negotiation_and_status_codes() {
    let app = TestApp::start().await;

    let r = app.post(GRJ, json!({"query": "{ value }"})).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with(GRJ), "{}", r.content_type);
    assert_eq!(r.body, json!({"data": {"value": 42}}));

    for accept in [JSON, "*/*"] {
        let r = app.post(accept, json!({"query": "{ value }"})).await;
        assert_eq!(r.status, 200);
        assert!(
            r.content_type.starts_with(JSON),
            "{accept}: {}",
            r.content_type
        );
        assert_eq!(r.body["data"]["value"], 42);
    }

    // Request errors: 400 with graphql-response+json, 200 with json; no `data` entry.
    for (query, code) in [
        ("{ value", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
        ("query A { value } query B { value }", "BAD_REQUEST"),
    ] {
        let r = app.post(GRJ, json!({ "query": query })).await;
        assert_eq!(r.status, 400, "{query}: {}", r.text);
        assert_eq!(r.code(), code, "{query}");
        assert!(r.body.get("data").is_none(), "{}", r.text);
        let r = app.post(JSON, json!({ "query": query })).await;
        assert_eq!(r.status, 200, "{query}: {}", r.text);
        assert_eq!(r.code(), code);
        assert!(r.body.get("data").is_none(), "{}", r.text);
    }

    // Field errors (partial data) are 200 under both media types.
    let r = app.post(GRJ, json!({"query": "{ value coded }"})).await;
    assert_eq!(r.status, 200);
    // async-graphql 7 leaves the failed field out of `data` instead of nulling it.
    assert_eq!(r.body["data"]["value"], 42);
    assert!(r.body["data"]["coded"].is_null());
    assert_eq!(r.code(), "NOT_FOUND");

    // Not JSON, no query, wrong types: 400 BAD_REQUEST with either media type.
    for body in [
        "{",
        "{}",
        r#"{"query": 1}"#,
        r#"{"query": "{ value }", "variables": [1]}"#,
        "7",
    ] {
        let resp = app
            .client
            .post(app.url("/graphql"))
            .header(ACCEPT, JSON)
            .header(CONTENT_TYPE, JSON)
            .body(body)
            .send()
            .await
            .unwrap();
        let r = Reply::of(resp).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.code(), "BAD_REQUEST");
    }

    // 406: nothing acceptable.
    let r = app.post("text/html", json!({"query": "{ value }"})).await;
    assert_eq!(r.status, 406);
    // 415: not JSON.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, GRJ)
        .header(CONTENT_TYPE, "application/graphql")
        .body("{ value }")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    // 405: another method.
    let resp = app.client.put(app.url("/graphql")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(app.counters.resolved.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn request_level_failures_are_coded_and_say_why() {
    let app = TestApp::start().await;
    let job = "query($job: ID!) { job(id: $job) }";
    let validation = "GRAPHQL_VALIDATION_FAILED";
    // (body, code, a part of the message)
    let cases = [
        (
            json!({"query": job, "variables": {}}),
            validation,
            "Variable \"$job\" of required type \"ID!\" was not provided.",
        ),
        (
            json!({"query": job}),
            validation,
            "Variable \"$job\" of required type \"ID!\" was not provided.",
        ),
        (
            json!({"query": job, "variables": {"job": null}}),
            validation,
            "\"$job\" of type \"ID!\" has an invalid value: $job must not be null",
        ),
        (
            json!({"query": job, "variables": {"job": true}}),
            validation,
            "\"$job\" of type \"ID!\" has an invalid value: $job is a boolean",
        ),
        (
            json!({"query": "query($n: Int!) { times(n: $n) }", "variables": {"n": "7"}}),
            validation,
            "\"$n\" of type \"Int!\" has an invalid value: $n is a string, not an Int",
        ),
        (
            json!({"query": "query($c: Color!) { paint(color: $c) }", "variables": {"c": "PURPLE"}}),
            validation,
            "Invalid value for argument",
        ),
        (
            json!({"query": "query($c: Color!) { paint(color: $c) }", "variables": {"c": "PURPLE"}}),
            validation,
            "PURPLE",
        ),
        (
            json!({"query": "query A { value }", "operationName": "B"}),
            "BAD_REQUEST",
            "Unknown operation named \"B\".",
        ),
        (
            json!({"query": "{ value }", "operationName": "B"}),
            "BAD_REQUEST",
            "Unknown operation named \"B\"",
        ),
        (
            json!({"query": "query A { value } query B { value }"}),
            "BAD_REQUEST",
            "The document has 2 operations: name the one to run with `operationName`.",
        ),
        (
            json!({"query": "{ value(x: 1) }"}),
            validation,
            "Unknown argument \"x\"",
        ),
    ];
    for (body, code, message) in cases {
        for (accept, status) in [(GRJ, 400), (JSON, 200)] {
            let r = app.post(accept, body.clone()).await;
            assert_eq!(r.status, status, "{body}: {}", r.text);
            assert_eq!(r.code(), code, "{body}: {}", r.text);
            let got = r.body["errors"][0]["message"].as_str().unwrap();
            assert!(got.contains(message), "{body}: {got}");
            assert!(r.body.get("data").is_none(), "{}", r.text);
        }
    }
    // Malformed at the HTTP level: 400 whatever the media type.
    for (body, message) in [
        (
            json!({"query": "{ value }", "variables": [1]}),
            "`variables` has the wrong type",
        ),
        (
            json!({"query": "{ value }", "variables": "{}"}),
            "`variables` has the wrong type",
        ),
        (
            json!({"query": "{ value }", "operationName": 1}),
            "`operationName` has the wrong type",
        ),
    ] {
        let r = app.post(JSON, body.clone()).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (400, "BAD_REQUEST"),
            "{body}"
        );
        assert_eq!(r.body["errors"][0]["message"], message, "{body}");
    }
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, JSON)
        .query(&[("query", "{ value }"), ("variables", "{not json")])
        .send()
        .await
        .unwrap();
    let r = Reply::of(resp).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "BAD_REQUEST"));
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`variables` is not JSON"),
        "{}",
        r.text
    );
    assert_eq!(app.resolved(), 0, "a resolver ran for a refused request");

    // A nullable variable that is not given leaves its argument unset: the argument's
    // default applies, an optional argument is absent.
    let r = app
        .post(
            GRJ,
            json!({"query": "query($t: String, $n: Int) { echo(text: $t) times(n: $n) list: echo(text: $t) }"}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"data": {"echo": "(unset)", "times": 5, "list": "(unset)"}}),
        "{}",
        r.text
    );
    let r = app
        .post(
            GRJ,
            json!({"query": "query($t: String, $n: Int) { echo(text: $t) times(n: $n) }", "variables": {"t": "hi", "n": 2}}),
        )
        .await;
    assert_eq!(r.body, json!({"data": {"echo": "hi", "times": 2}}));
}

#[tokio::test]
async fn response_keys_follow_the_selection_order() {
    let app = TestApp::start().await;
    // `late` fields complete after their siblings; the body still follows the query.
    let r = app
        .query("{ late node { late leaf } items(first: 2) { late l: leaf child { leaf late } } value }")
        .await;
    assert_eq!(
        r.text,
        r#"{"data":{"late":7,"node":{"late":2,"leaf":1},"items":[{"late":2,"l":1,"child":{"leaf":1,"late":2}},{"late":2,"l":1,"child":{"leaf":1,"late":2}}],"value":42}}"#
    );
    // Fragments expand in place.
    let q =
        "query Q { ...F value } fragment F on Query { node { ... on Node { late } leaf } late }";
    let r = app.query(q).await;
    assert_eq!(
        r.text,
        r#"{"data":{"node":{"late":2,"leaf":1},"late":7,"value":42}}"#
    );
}

#[tokio::test]
async fn get_runs_queries_but_never_mutations() {
    let app = TestApp::start().await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, GRJ)
        .query(&[
            (
                "query",
                "query Q($n: Int!) { items(first: $n) { leaf } } query Other { value }",
            ),
            ("operationName", "Q"),
            ("variables", r#"{"n": 2}"#),
        ])
        .send()
        .await
        .unwrap();
    let r = Reply::of(resp).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"data": {"items": [{"leaf": 1}, {"leaf": 1}]}})
    );

    for (query, name) in [
        ("mutation { bump }", None),
        ("query Q { value } mutation M { bump }", Some("M")),
        ("subscription { ticks(count: 1) }", None),
    ] {
        let mut params = vec![("query", query)];
        if let Some(name) = name {
            params.push(("operationName", name));
        }
        let resp = app
            .client
            .get(app.url("/graphql"))
            .header(ACCEPT, GRJ)
            .query(&params)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["allow"], "POST");
        let r = Reply::of(resp).await;
        assert_eq!(r.status, 405, "{query}");
        assert_eq!(r.code(), "BAD_REQUEST");
    }
    assert_eq!(
        app.counters.mutations.load(Ordering::SeqCst),
        0,
        "a mutation ran over GET"
    );

    // The same mutation over POST runs.
    let r = app.query("mutation { bump }").await;
    assert_eq!(r.body, json!({"data": {"bump": 1}}));
    // A subscription over POST is refused.
    let r = app.query("subscription { ticks(count: 1) }").await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "BAD_REQUEST"));
}

#[tokio::test]
async fn graphiql_is_served_offline() {
    let app = TestApp::start().await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("GraphiQL.createFetcher"));
    let mut urls = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            urls.push(part.split('"').next().unwrap().to_string());
        }
    }
    assert_eq!(urls.len(), 4, "{urls:?}");
    for url in urls {
        assert!(
            !url.contains("http") && !url.starts_with("//"),
            "the page loads {url} from the network"
        );
        // Relative to /graphql.
        let resp = app
            .client
            .get(app.url(&format!("/{url}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{url}");
        let ct = resp.headers()[CONTENT_TYPE].to_str().unwrap().to_string();
        assert!(
            ct.starts_with("text/javascript") || ct.starts_with("text/css"),
            "{url}: {ct}"
        );
        assert!(resp.bytes().await.unwrap().len() > 1000, "{url}");
    }

    // Disabled: a browser GET is an ordinary GraphQL GET without a query.
    let app = TestApp::with(|c| c.graphiql = false).await;
    let resp = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

fn nested(depth: usize) -> String {
    // `node` is depth 1, every `child` one more, `leaf` the last.
    let mut q = "{ node { ".to_string();
    for _ in 0..depth.saturating_sub(2) {
        q.push_str("child { ");
    }
    q.push_str("leaf");
    for _ in 0..depth.saturating_sub(1) {
        q.push_str(" }");
    }
    q.push_str(" }");
    q
}

#[tokio::test]
async fn depth_limit_refuses_before_any_resolver_runs() {
    let app = TestApp::start().await;
    let r = app.query(&nested(12)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let before = app.resolved();
    let r = app.query(&nested(13)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.code(), "GRAPHQL_VALIDATION_FAILED");
    // Past async-graphql's recursion limit (32) the document is refused while parsing.
    let r = app.query(&nested(60)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.code(), "GRAPHQL_PARSE_FAILED");
    assert_eq!(app.resolved(), before, "a resolver ran for a refused query");

    // Deeper than the parser allows: still a clean request error, the server stays up.
    let r = app.query(&nested(20_000)).await;
    assert_eq!(r.status, 400, "{}", &r.text[..r.text.len().min(300)]);
    assert_eq!(app.query("{ value }").await.status, 200);
}

#[tokio::test]
async fn complexity_limit() {
    let app = TestApp::with(|c| c.max_complexity = 50).await;
    let r = app.query("{ items(first: 10) { leaf } }").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.query("{ items(first: 100) { leaf } }").await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (400, "GRAPHQL_VALIDATION_FAILED")
    );
}

fn aliases(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
    format!("{{ {} }}", fields.join(" "))
}

#[tokio::test]
async fn typename_alias_flood_is_refused() {
    let app = TestApp::start().await;
    let r = app.query(&aliases(30)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"].as_object().unwrap().len(), 30);

    let r = app.query(&aliases(31)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.code(), "GRAPHQL_VALIDATION_FAILED");
    assert!(r.text.contains("31 aliased fields"), "{}", r.text);

    // Through a fragment used twice: 2 x 16 = 32.
    let fields: Vec<String> = (0..16).map(|i| format!("t{i}: __typename")).collect();
    let q = format!(
        "{{ node {{ ...F }} other: node {{ ...F }} }} fragment F on Node {{ {} }}",
        fields.join(" ")
    );
    let before = app.resolved();
    let r = app.query(&q).await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (400, "GRAPHQL_VALIDATION_FAILED")
    );
    assert_eq!(app.resolved(), before);
}

#[tokio::test]
async fn batches_are_bounded_and_each_operation_limited() {
    let app = TestApp::start().await;
    let batch = |n: usize| Value::Array((0..n).map(|_| json!({"query": "{ value }"})).collect());

    let r = app.post(GRJ, batch(2)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!([{"data": {"value": 42}}, {"data": {"value": 42}}])
    );

    let before = app.resolved();
    let r = app.post(GRJ, batch(11)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "BAD_REQUEST"));
    assert_eq!(app.resolved(), before);

    // Each operation meets the limits on its own.
    let r = app
        .post(GRJ, json!([{"query": "{ value }"}, {"query": aliases(31)}]))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body[0]["data"]["value"], 42);
    assert_eq!(
        r.body[1]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let app = TestApp::with(|c| c.max_batch = 1).await;
    let r = app.post(GRJ, batch(2)).await;
    assert_eq!((r.status.as_u16(), r.code()), (400, "BAD_REQUEST"));
    let r = app.post(GRJ, batch(1)).await;
    assert_eq!(r.status, 400);
    assert_eq!(app.resolved(), 0);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = TestApp::with(|c| c.body_limit_bytes = 64 * 1024).await;
    let padding = " ".repeat(65 * 1024);
    let r = app
        .post(GRJ, json!({"query": format!("{{ value {padding} }}")}))
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(app.resolved(), 0);

    // Without Content-Length (chunked), the limit applies while reading.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    let chunk = format!(r#"{{"query": "{{ value {padding} }}"}}"#);
    let request = format!(
        "POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\naccept: {GRJ}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    let _ = tcp.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tcp.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert_eq!(app.resolved(), 0);
}

#[tokio::test]
async fn timeout_is_504_service_unavailable() {
    let app = TestApp::with(|c| c.request_timeout = Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let r = app.query("{ slow }").await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(r.status, 504, "{}", r.text);
    assert_eq!(r.code(), "SERVICE_UNAVAILABLE");
    assert_eq!(
        r.body["errors"][0]["extensions"]["requestId"],
        r.request_id()
    );
    assert_eq!(app.query("{ value }").await.status, 200);
}

#[tokio::test]
async fn errors_are_masked_or_passed_by_code() {
    let app = TestApp::start().await;

    // A panic: caught once around the execution, a 200 with one masked INTERNAL error
    // carrying the request id; the data of that response is lost.
    let r = app.query("{ value boom }").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["data"].is_null(), "{}", r.text);
    assert_eq!(r.body["errors"].as_array().map(Vec::len), Some(1));
    let e = &r.body["errors"][0];
    assert_eq!(e["message"], "internal error");
    assert_eq!(e["extensions"]["code"], "INTERNAL");
    assert_eq!(e["extensions"]["requestId"], r.request_id());
    assert!(
        !r.text.contains("kaboom") && !r.text.contains("s3cret"),
        "{}",
        r.text
    );

    // An error without a code: masked.
    let r = app.query("{ internal }").await;
    let e = &r.body["errors"][0];
    assert_eq!(e["message"], "internal error");
    assert_eq!(e["extensions"]["code"], "INTERNAL");
    assert_eq!(e["extensions"]["requestId"], r.request_id());
    assert!(
        !r.text.contains("postgres") && !r.text.contains("s3cret"),
        "{}",
        r.text
    );

    // A coded error passes unchanged.
    let r = app.query("{ coded }").await;
    let e = &r.body["errors"][0];
    assert_eq!(e["message"], "no such thing");
    assert_eq!(e["extensions"], json!({"code": "NOT_FOUND"}));

    // The client's request id is kept.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, GRJ)
        .header(CONTENT_TYPE, JSON)
        .header("x-request-id", "client-chosen-1")
        .body(json!({"query": "{ internal }"}).to_string())
        .send()
        .await
        .unwrap();
    let r = Reply::of(resp).await;
    assert_eq!(r.request_id(), "client-chosen-1");
    assert_eq!(
        r.body["errors"][0]["extensions"]["requestId"],
        "client-chosen-1"
    );
}

#[tokio::test]
async fn bearer_tokens() {
    let app = TestApp::start().await;
    let ask = |auth: Option<&'static str>, query: &'static str| {
        let mut req = app
            .client
            .post(app.url("/graphql"))
            .header(ACCEPT, GRJ)
            .header(CONTENT_TYPE, JSON)
            .body(json!({ "query": query }).to_string());
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        async move { Reply::of(req.send().await.unwrap()).await }
    };
    assert_eq!(
        ask(None, "{ whoami }").await.body,
        json!({"data": {"whoami": null}})
    );
    assert_eq!(
        ask(Some("Bearer good"), "{ whoami }").await.body,
        json!({"data": {"whoami": "good"}})
    );
    for auth in ["Bearer bad", "Basic Z29vZDo=", "Bearer ", "good"] {
        let r = ask(Some(auth), "mutation { bump }").await;
        assert_eq!(r.status, 401, "{auth}");
        assert_eq!(r.code(), "UNAUTHENTICATED");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        assert!(r.body.get("data").is_none());
    }
    assert_eq!(app.counters.mutations.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn cors_allowlist() {
    let preflight = |app: &TestApp, origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type,authorization",
            )
            .send()
    };
    let app = TestApp::with(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let resp = preflight(&app, "https://app.example").await.unwrap();
    assert!(resp.status().is_success());
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let methods = resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let resp = preflight(&app, "https://evil.example").await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());

    // A simple request from the allowed origin carries the header too.
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("origin", "https://app.example")
        .header(CONTENT_TYPE, JSON)
        .body(json!({"query": "{ value }"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "https://app.example"
    );

    // No origins configured: no CORS headers at all.
    let app = TestApp::start().await;
    let resp = preflight(&app, "https://app.example").await.unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn gzip_when_accepted() {
    let app = TestApp::start().await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header(ACCEPT, GRJ)
        .header(CONTENT_TYPE, JSON)
        .header("accept-encoding", "gzip")
        .body(json!({"query": "{ items(first: 50) { leaf } }"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);

    let resp = app
        .client
        .get(app.url("/graphiql/graphiql.min.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    assert!(resp.bytes().await.unwrap().len() < 2_000_000);
}

#[tokio::test]
async fn metrics_count_operations_and_error_codes() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        app.query("query Hello { value }").await;
    }
    app.query("query Missing { coded }").await;
    app.query("{ internal }").await;
    app.query(&aliases(31)).await;
    let resp = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", "Bearer bad")
        .header(CONTENT_TYPE, JSON)
        .body(json!({"query": "{ value }"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = resp.text().await.unwrap();
    for line in [
        "talent_http_requests_total{operation=\"Hello\",status=\"200\"} 3",
        "talent_http_requests_total{operation=\"Missing\",status=\"200\"} 1",
        "talent_http_requests_total{operation=\"(anonymous)\",status=\"200\"} 1",
        "talent_http_requests_total{operation=\"(none)\",status=\"400\"} 1",
        "talent_http_requests_total{operation=\"(none)\",status=\"401\"} 1",
        "talent_http_request_duration_seconds_count{operation=\"Hello\"} 3",
        "talent_graphql_errors_total{code=\"NOT_FOUND\"} 1",
        "talent_graphql_errors_total{code=\"INTERNAL\"} 1",
        "talent_graphql_errors_total{code=\"GRAPHQL_VALIDATION_FAILED\"} 1",
        "talent_graphql_errors_total{code=\"UNAUTHENTICATED\"} 1",
        "talent_index_lag 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
}

/// Log lines written while it is installed (JSON, debug and above), on this thread:
/// `#[tokio::test]` runs the server on the test's thread.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<Value> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn one_access_line_per_request_without_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::start().await;

    let send = |auth: &'static str, body: Value| {
        let req = app
            .client
            .post(app.url("/graphql"))
            .header(ACCEPT, GRJ)
            .header(CONTENT_TYPE, JSON)
            .header("authorization", auth)
            .body(body.to_string());
        async move { Reply::of(req.send().await.unwrap()).await }
    };
    let ok = send(
        "Bearer good",
        json!({"query": "query Secretive($t: String) { marker_alias_q1: echo(text: $t) }",
               "variables": {"t": "variable-v4lue"}, "operationName": "Secretive"}),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let refused = send("Bearer bad-t0ken", json!({"query": "{ value }"})).await;
    assert_eq!(refused.status, 401);
    let invalid = send("Bearer good", json!({"query": "{ nope }"})).await;
    assert_eq!(invalid.status, 400);

    let lines = captured.lines();
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "talent_api::http::access")
        .collect();
    assert_eq!(access.len(), 3, "{}", captured.text());
    let line = access[0];
    assert_eq!(line["level"], "INFO");
    let fields = &line["fields"];
    assert_eq!(fields["message"], "request");
    assert_eq!(fields["method"], "POST");
    assert_eq!(fields["path"], "/graphql");
    assert_eq!(fields["status"], 200);
    assert_eq!(fields["operation"], "Secretive");
    assert_eq!(fields["request_id"], ok.request_id());
    assert!(fields["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
    assert_eq!(access[1]["fields"]["status"], 401);
    assert_eq!(access[1]["fields"]["operation"], "(none)");
    assert_eq!(access[2]["fields"]["status"], 400);

    // The refusals are logged at debug with their reason.
    let debug = |needle: &str| {
        lines.iter().any(|l| {
            l["level"] == "DEBUG"
                && l["fields"]["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains(needle))
        })
    };
    assert!(debug("invalid token"), "{}", captured.text());
    assert!(debug("Unknown field \"nope\""), "{}", captured.text());

    // Never the token, the variables or the query text.
    let text = captured.text();
    for secret in ["good", "bad-t0ken", "variable-v4lue", "marker_alias_q1"] {
        assert!(!text.contains(secret), "{secret} in the logs:\n{text}");
    }
}

mod ws {
    use super::*;
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    type Socket = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    async fn connect(app: &TestApp) -> Socket {
        let mut req = app.ws.as_str().into_client_request().unwrap();
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
        assert_eq!(
            resp.headers()["sec-websocket-protocol"],
            "graphql-transport-ws"
        );
        socket
    }

    async fn next_json(socket: &mut Socket) -> Result<Value, Option<u16>> {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), socket.next())
                .await
                .expect("no message within 5 s");
            match msg {
                Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(&t).unwrap()),
                Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| u16::from(f.code))),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Err(None),
            }
        }
    }

    async fn send(socket: &mut Socket, v: Value) {
        socket
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    async fn ticks(app: &TestApp, init: Value) -> Vec<String> {
        let mut socket = connect(app).await;
        send(
            &mut socket,
            json!({"type": "connection_init", "payload": init}),
        )
        .await;
        assert_eq!(
            next_json(&mut socket).await.unwrap()["type"],
            "connection_ack"
        );
        send(
            &mut socket,
            json!({"id": "1", "type": "subscribe", "payload": {"query": "subscription { ticks(count: 3) }"}}),
        )
        .await;
        let mut items = Vec::new();
        loop {
            let msg = next_json(&mut socket).await.unwrap();
            match msg["type"].as_str().unwrap() {
                "next" => items.push(
                    msg["payload"]["data"]["ticks"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                ),
                "complete" => break,
                other => panic!("unexpected {other}: {msg}"),
            }
        }
        items
    }

    #[tokio::test]
    async fn good_token_receives_items() {
        let app = TestApp::start().await;
        assert_eq!(
            ticks(&app, json!({"Authorization": "Bearer good"})).await,
            ["good:0", "good:1", "good:2"]
        );
        assert_eq!(
            ticks(&app, json!({"token": "good"})).await,
            ["good:0", "good:1", "good:2"]
        );
        assert_eq!(
            ticks(&app, json!({})).await,
            ["anonymous:0", "anonymous:1", "anonymous:2"]
        );
    }

    #[tokio::test]
    async fn bad_token_is_closed_with_4403() {
        let app = TestApp::start().await;
        for init in [
            json!({"Authorization": "Bearer bad"}),
            json!({"token": "bad"}),
            json!({"Authorization": "Basic x"}),
        ] {
            let mut socket = connect(&app).await;
            send(
                &mut socket,
                json!({"type": "connection_init", "payload": init}),
            )
            .await;
            assert_eq!(next_json(&mut socket).await, Err(Some(4403)), "{init}");
        }
    }

    /// The payloads of every `next` message of operation `payload`, until `complete`.
    async fn operation(app: &TestApp, payload: Value) -> Vec<Value> {
        let mut socket = connect(app).await;
        send(&mut socket, json!({"type": "connection_init"})).await;
        assert_eq!(
            next_json(&mut socket).await.unwrap()["type"],
            "connection_ack"
        );
        send(
            &mut socket,
            json!({"id": "1", "type": "subscribe", "payload": payload}),
        )
        .await;
        let mut payloads = Vec::new();
        loop {
            let msg = next_json(&mut socket).await.unwrap();
            match msg["type"].as_str().unwrap() {
                "next" => payloads.push(msg["payload"].clone()),
                "complete" => return payloads,
                other => panic!("unexpected {other}: {msg}"),
            }
        }
    }

    #[tokio::test]
    async fn operations_over_websocket_are_guarded_like_http() {
        let app = TestApp::start().await;
        // A panic in a subscription's stream: one masked INTERNAL item, then complete.
        let items = operation(&app, json!({"query": "subscription { explode }"})).await;
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(items[0], json!({"data": {"explode": 0}}));
        assert_eq!(items[1]["errors"][0]["extensions"]["code"], "INTERNAL");
        assert_eq!(items[1]["errors"][0]["message"], "internal error");
        assert!(!items[1].to_string().contains("kaboom"), "{}", items[1]);

        // The limits, the coding and the masking of HTTP apply to queries over WebSocket.
        let items = operation(&app, json!({"query": aliases(31)})).await;
        assert_eq!(
            items[0]["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
        let items = operation(&app, json!({"query": nested(13)})).await;
        assert_eq!(
            items[0]["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
        let items = operation(&app, json!({"query": "{ nope }"})).await;
        assert_eq!(
            items[0]["errors"][0]["extensions"]["code"],
            "GRAPHQL_VALIDATION_FAILED"
        );
        let items = operation(&app, json!({"query": "{ internal }"})).await;
        assert_eq!(items[0]["errors"][0]["message"], "internal error");
        assert_eq!(items[0]["errors"][0]["extensions"]["code"], "INTERNAL");
        let items = operation(&app, json!({"query": "{ value }"})).await;
        assert_eq!(items, [json!({"data": {"value": 42}})]);
    }

    #[tokio::test]
    async fn no_connection_init_is_closed_with_4408() {
        let app = TestApp::with(|c| c.request_timeout = Duration::from_millis(300)).await;
        let mut socket = connect(&app).await;
        assert_eq!(next_json(&mut socket).await, Err(Some(4408)));
    }
}
