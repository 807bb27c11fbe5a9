//! End to end: the real `talent serve` binary on the loaded SQLite data, and a small load
//! generator (reqwest, keep-alive connections) POSTing GraphQL candidate searches, then
//! `{ __typename }`, at concurrency 1 and 4, checking every response body for `errors`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use talent_api::config::JwtConfig;
use talent_api::db::Db;
use talent_api::graphql::ids::{self, NodeType};
use talent_api::repo::Role;

use super::stats::{self, percentile, round3};
use super::{BenchConfig, data, say};

/// The candidate search each request runs (top 20 with explanations, as a recruiter's
/// page shows them).
pub const CANDIDATES_QUERY: &str = "query($j: ID!) { searchCandidates(jobId: $j, first: 20) { \
    edges { cursor node { score learner { id displayName headline } \
    explanation { score missingMustHaves { slug } \
    contributions { requirement { skill { slug } minLevel weight } evidenceSkill { slug } \
    relation heldLevel credit contribution } } } } } }";

/// The same search with scores and learners only (no explanation): shows how much of
/// the full page's time is GraphQL resolving its ~2,400 explanation fields, rather than
/// transport, authentication and hydration.
pub const CANDIDATES_SCORES_QUERY: &str = "query($j: ID!) { searchCandidates(jobId: $j, first: 20) { \
    edges { cursor node { score learner { id displayName headline } } } } }";

/// The baseline: GraphQL's own overhead.
pub const TYPENAME_QUERY: &str = "{ __typename }";

/// The `talent` binary next to the running executable (the same target directory and
/// profile), or `explicit`.
pub fn talent_binary(explicit: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.clone());
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    // a test binary lives in target/<profile>/deps
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join(format!("talent{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        bail!(
            "{} not found: run `cargo build --release -p talent-api` first (the bench runs the real server binary from the same target directory)",
            bin.display()
        );
    }
    Ok(bin)
}

struct Server {
    child: Child,
}

impl Server {
    fn stop(mut self) {
        // SIGTERM first (graceful shutdown), then kill.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One load phase's figures.
#[derive(Debug, Clone)]
struct Phase {
    requests: usize,
    errors: usize,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Phase {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.secs.max(1e-9)
    }
    fn json(&self) -> Value {
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round3(self.secs),
            "rps": round3(self.rps()),
            "p50_ms": round3(self.p50_ms),
            "p99_ms": round3(self.p99_ms),
        })
    }
}

/// A GraphQL response reduced to what the check needs (the members are parsed, not
/// built: no allocation per value).
#[derive(serde::Deserialize)]
struct Envelope {
    data: Option<serde::de::IgnoredAny>,
    errors: Option<serde::de::IgnoredAny>,
}

/// Whether a response body is well-formed JSON with a non-null `data` and no `errors`.
fn is_clean(body: &[u8]) -> bool {
    serde_json::from_slice::<Envelope>(body).is_ok_and(|e| e.data.is_some() && e.errors.is_none())
}

/// A request: body and bearer token.
type Req = (String, Arc<str>);

async fn phase(url: &str, reqs: Arc<Vec<Req>>, concurrency: usize, secs: u64) -> Phase {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .unwrap_or_default();
        let (url, reqs, next) = (url.to_owned(), reqs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed) % reqs.len();
                let (body, token) = &reqs[i];
                let t = Instant::now();
                let mut rb = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone());
                if !token.is_empty() {
                    rb = rb.bearer_auth(&**token);
                }
                let received = match rb.send().await {
                    Ok(r) => {
                        let status = r.status();
                        r.bytes().await.ok().map(|b| (status, b))
                    }
                    Err(_) => None,
                };
                // The latency ends with the last byte of the response; checking the body
                // is the client's own work and is left out of it.
                lat.push(t.elapsed().as_secs_f64() * 1e3);
                let ok =
                    received.is_some_and(|(status, body)| status.is_success() && is_clean(&body));
                if !ok {
                    errors += 1;
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            lat.extend(l);
            errors += e;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    Phase {
        requests: lat.len(),
        errors,
        secs,
        p50_ms: percentile(&lat, 0.5),
        p99_ms: percentile(&lat, 0.99),
    }
}

/// Starts `talent serve` on the data dir, loads it, stops it. `jobs` = (job id, employer
/// id) of the candidate-search workload; `engine_p50_ms` is the in-process p50 the HTTP
/// p50 is held against.
pub async fn run(
    cfg: &BenchConfig,
    db: &Db,
    jobs: &[(i64, i64)],
    engine_p50_ms: f64,
) -> anyhow::Result<Value> {
    let bin = talent_binary(cfg.talent_bin.as_ref())?;
    let modified = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|e| format!("{:.0} min ago", e.as_secs_f64() / 60.0))
        .unwrap_or_default();
    say(format!(
        "HTTP: starting {} (built {modified})",
        bin.display()
    ));
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let secret: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..48)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect()
    };
    let log_path = cfg.data_dir.join("server.log");
    let log = std::fs::File::create(&log_path)?;
    let child = Command::new(&bin)
        .arg("--data-dir")
        .arg(&cfg.data_dir)
        .args(["serve", "--no-demo", "--addr", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_URL")
        .env("TALENT_JWT_SECRET", &secret)
        // The insights worker's first segmentation of every learner waits for its first
        // use instead of running at start-up (candidate search never uses it).
        .env("TALENT_INSIGHTS_EAGER", "0")
        .env("RUST_LOG", "warn")
        .env("TALENT_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let server = Server { child };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let tail = std::fs::read_to_string(&log_path).unwrap_or_default();
            bail!("the server was not ready within 300 s; its log:\n{tail}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ready_s = started.elapsed().as_secs_f64();
    say(format!("HTTP: server ready in {ready_s:.1} s at {base}"));
    // Background work the server starts on its own (e.g. the insights worker segmenting
    // every learner at start-up) would compete with the requests: wait until the server
    // is idle (< 5% of a core over 2 s), at most --http-settle-secs.
    let settle_started = Instant::now();
    let pid = server.child.id();
    let mut settled = false;
    let mut last = cpu_seconds(pid);
    while settle_started.elapsed() < Duration::from_secs(cfg.http_settle_secs) {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = cpu_seconds(pid);
        if let (Some(a), Some(b)) = (last, now)
            && b - a < 0.1
        {
            settled = true;
            break;
        }
        last = now;
    }
    let settle_s = settle_started.elapsed().as_secs_f64();
    say(format!(
        "HTTP: server {} after {settle_s:.1} s more",
        if settled {
            "idle"
        } else {
            "still busy (measuring anyway)"
        }
    ));

    // Tokens: a recruiter of each job's employer.
    let jwt = JwtConfig {
        secret: secret.into_bytes(),
        issuer: "talent".into(),
        audience: "talent-api".into(),
    };
    let employer_ids: Vec<i64> = {
        let mut v: Vec<i64> = jobs.iter().map(|j| j.1).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let orgs = {
        let mut p = db.conn().await?;
        talent_api::repo::organizations::get_many(&mut p.conn(), &employer_ids).await?
    };
    let mut token_of = std::collections::HashMap::new();
    for o in orgs {
        let t = talent_api::auth::mint(
            &jwt,
            &format!("bench-recruiter-{}", o.slug),
            Role::Recruiter,
            Some(&o.slug),
            Duration::from_secs(4 * 3600),
        )?;
        token_of.insert(o.id, Arc::<str>::from(t));
    }
    let mut search_reqs: Vec<Req> = Vec::new();
    let mut scores_reqs: Vec<Req> = Vec::new();
    for &(job, employer) in jobs {
        let token = token_of
            .get(&employer)
            .context("no token for an employer")?;
        let j = ids::encode(NodeType::Job, job).to_string();
        let body = json!({"query": CANDIDATES_QUERY, "variables": {"j": j}});
        search_reqs.push((body.to_string(), token.clone()));
        let body = json!({"query": CANDIDATES_SCORES_QUERY, "variables": {"j": j}});
        scores_reqs.push((body.to_string(), token.clone()));
    }
    let any_token = search_reqs[0].1.clone();
    let typename_reqs: Vec<Req> = vec![(json!({"query": TYPENAME_QUERY}).to_string(), any_token)];
    let anonymous_reqs: Vec<Req> =
        vec![(json!({"query": TYPENAME_QUERY}).to_string(), Arc::from(""))];
    let url = format!("{base}/graphql");
    // Warm-up: every request once (provisions the recruiters; first-touch costs).
    let mut warm_errors = 0;
    for (body, token) in &search_reqs {
        let r = client
            .post(&url)
            .bearer_auth(&**token)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await?;
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if v.get("errors").is_some() || v.get("data").is_none() {
            warm_errors += 1;
            if warm_errors == 1 {
                eprintln!("[bench] HTTP warm-up error: {v}");
            }
        }
    }
    let search_reqs = Arc::new(search_reqs);
    let scores_reqs = Arc::new(scores_reqs);
    let typename_reqs = Arc::new(typename_reqs);
    let anonymous_reqs = Arc::new(anonymous_reqs);
    let mut out = json!({
        "server": bin.display().to_string(),
        "ready_s": round3(ready_s),
        "settle_s": round3(settle_s),
        "settled_idle": settled,
        "warmup_errors": warm_errors,
        "seconds_per_phase": cfg.http_secs,
        "engine_in_process_p50_ms": round3(engine_p50_ms),
        "query": CANDIDATES_QUERY,
    });
    for (name, reqs) in [
        ("candidate_search", &search_reqs),
        ("candidate_search_scores", &scores_reqs),
        ("typename", &typename_reqs),
        ("typename_anonymous", &anonymous_reqs),
    ] {
        for c in [1usize, 4] {
            say(format!(
                "HTTP: {name} at concurrency {c} for {} s",
                cfg.http_secs
            ));
            let cpu_before = cpu_seconds(pid);
            let scrape_before = scrape(&client, &base).await;
            let p = phase(&url, reqs.clone(), c, cfg.http_secs).await;
            let scrape_after = scrape(&client, &base).await;
            // The server's own CPU per request (user + system, all threads): steadier
            // than a latency percentile on a shared machine, and what the overhead
            // around the engine costs.
            let cpu_ms = cpu_before
                .zip(cpu_seconds(pid))
                .map(|(a, b)| (b - a) * 1000.0 / p.requests.max(1) as f64);
            // The server's engine time per engine call in the phase (its own histogram's
            // sum over count): what the engine costs inside the server, to set against
            // the in-process figure.
            let engine = scrape_before
                .zip(scrape_after)
                .and_then(|(a, b)| a.engine.zip(b.engine))
                .and_then(|(a, b)| EngineTime::per_call(&a, &b));
            // The handler's own time per request: the latency minus it is transport
            // and the client; it minus the engine is the server's work around it.
            let served = scrape_before
                .zip(scrape_after)
                .and_then(|(a, b)| Scrape::served_ms_per_request(&a, &b));
            say(format!(
                "  {name} c{c}: {:.1} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors of {}, server CPU {} ms/request, handler {} ms/request{}",
                p.rps(),
                p.p50_ms,
                p.p99_ms,
                p.errors,
                p.requests,
                cpu_ms.map_or("-".to_string(), |m| format!("{m:.2}")),
                served.map_or("-".to_string(), |m| format!("{m:.2}")),
                engine.map_or(String::new(), |(run, wait)| format!(
                    ", engine in the server {run:.2} ms/call (+{wait:.3} ms waiting for a thread)"
                ))
            ));
            out[name][format!("c{c}")] = p.json();
            if let Some(m) = cpu_ms {
                out[name][format!("c{c}")]["server_cpu_ms_per_request"] = json!(round3(m));
            }
            if let Some(m) = served {
                out[name][format!("c{c}")]["server_handler_ms_per_request"] = json!(round3(m));
            }
            if let Some((run, wait)) = engine {
                out[name][format!("c{c}")]["server_engine_ms_per_call"] = json!(round3(run));
                out[name][format!("c{c}")]["server_engine_wait_ms_per_call"] = json!(round3(wait));
            }
        }
    }
    let rps = |o: &Value, n: &str, c: &str| o[n][c]["rps"].as_f64().unwrap_or(0.0);
    let cand = rps(&out, "candidate_search", "c4") / rps(&out, "candidate_search", "c1").max(1e-9);
    let tn = rps(&out, "typename", "c4") / rps(&out, "typename", "c1").max(1e-9);
    let p50 = out["candidate_search"]["c1"]["p50_ms"]
        .as_f64()
        .unwrap_or(0.0);
    out["candidate_search"]["scaling_c4_over_c1"] = json!(round3(cand));
    out["typename"]["scaling_c4_over_c1"] = json!(round3(tn));
    out["candidate_search"]["p50_c1_minus_in_process_ms"] = json!(round3(p50 - engine_p50_ms));
    let p50_scores = out["candidate_search_scores"]["c1"]["p50_ms"]
        .as_f64()
        .unwrap_or(0.0);
    out["candidate_search_scores"]["p50_c1_minus_in_process_ms"] =
        json!(round3(p50_scores - engine_p50_ms));
    out["query_scores_only"] = json!(CANDIDATES_SCORES_QUERY);
    out["server_rss_note"] = json!("not measured");
    if let Some(rss) = child_rss_mib(server.child.id()) {
        out["server_rss_mib_at_end"] = json!(stats::round1(rss));
        out["server_rss_note"] = json!("talent serve's VmHWM (peak RSS) read at the end");
    }
    server.stop();
    // Leave the data dir as the bench found it (the server may have written its secret).
    let _ = std::fs::remove_file(cfg.data_dir.join("jwt-secret"));
    let _ = data::index_dir(&cfg.data_dir);
    Ok(out)
}

/// The server's `searchCandidates` engine histograms at one moment: (run seconds, wait
/// seconds, calls).
#[derive(Debug, Clone, Copy, PartialEq)]
struct EngineTime {
    run: f64,
    wait: f64,
    calls: f64,
}

/// What one scrape of `/metrics` holds for the bench: the engine's histograms (once
/// the server has run the engine) and the sum and count of the handler's time for
/// unnamed operations (the bench's requests are unnamed).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Scrape {
    engine: Option<EngineTime>,
    served: Option<(f64, f64)>,
}

/// The value of the first line of `text` that starts with `series`.
fn series_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse::<f64>().ok())
}

impl Scrape {
    fn parse(text: &str) -> Scrape {
        let served = series_value(
            text,
            "talent_http_request_duration_seconds_sum{operation=\"(anonymous)\"}",
        )
        .zip(series_value(
            text,
            "talent_http_request_duration_seconds_count{operation=\"(anonymous)\"}",
        ));
        Scrape {
            engine: EngineTime::parse(text),
            served,
        }
    }

    /// Milliseconds the server's handler took per request between two readings (from
    /// reading the request body to the serialized response): the client's latency minus
    /// this is transport and the client.
    fn served_ms_per_request(before: &Scrape, after: &Scrape) -> Option<f64> {
        let ((s0, n0), (s1, n1)) = before.served.zip(after.served)?;
        (n1 > n0).then(|| (s1 - s0) * 1000.0 / (n1 - n0))
    }
}

impl EngineTime {
    /// Reads the sums and counts out of a Prometheus text exposition (`None` when the
    /// server has not run the engine yet). A search's engine time is its ranking
    /// (`searchCandidates`) plus its explanations (`explainCandidates`, absent when the
    /// selection has none); calls are searches.
    fn parse(text: &str) -> Option<EngineTime> {
        let value = |series: &str, operation: &str| {
            series_value(text, &format!("{series}{{operation=\"{operation}\"}}"))
        };
        let both = |series: &str| {
            Some(
                value(series, "searchCandidates")?
                    + value(series, "explainCandidates").unwrap_or(0.0),
            )
        };
        Some(EngineTime {
            run: both("talent_search_duration_seconds_sum")?,
            wait: both("talent_search_wait_seconds_sum")?,
            calls: value("talent_search_duration_seconds_count", "searchCandidates")?,
        })
    }

    /// Milliseconds of engine run and of wait per search between two readings.
    fn per_call(before: &EngineTime, after: &EngineTime) -> Option<(f64, f64)> {
        let calls = after.calls - before.calls;
        (calls > 0.0).then(|| {
            (
                (after.run - before.run) * 1000.0 / calls,
                (after.wait - before.wait) * 1000.0 / calls,
            )
        })
    }
}

async fn scrape(client: &reqwest::Client, base: &str) -> Option<Scrape> {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    Some(Scrape::parse(&text))
}

/// CPU seconds (user + system) a process has used (Linux, 100 ticks per second).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok());
    Some((tick(11)? + tick(12)?) / 100.0)
}

fn child_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|k| k / 1024.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{EngineTime, Scrape, is_clean};

    #[test]
    fn engine_time_per_call_from_two_scrapes() {
        // Ranking and explaining: `explain` seconds of each kind on top of the ranking's.
        let scrape = |run: f64, wait: f64, n: u64, explain: f64| {
            format!(
                "# TYPE talent_search_duration_seconds histogram\n\
                 talent_search_duration_seconds_sum{{operation=\"recommendedJobs\"}} 9\n\
                 talent_search_duration_seconds_sum{{operation=\"searchCandidates\"}} {run}\n\
                 talent_search_duration_seconds_count{{operation=\"searchCandidates\"}} {n}\n\
                 talent_search_wait_seconds_sum{{operation=\"searchCandidates\"}} {wait}\n\
                 talent_search_duration_seconds_sum{{operation=\"explainCandidates\"}} {explain}\n\
                 talent_search_duration_seconds_count{{operation=\"explainCandidates\"}} {n}\n\
                 talent_search_wait_seconds_sum{{operation=\"explainCandidates\"}} {explain}\n"
            )
        };
        let a = EngineTime::parse(&scrape(1.0, 0.01, 100, 0.0)).unwrap();
        let b = EngineTime::parse(&scrape(1.5, 0.015, 200, 0.0)).unwrap();
        let (run, wait) = EngineTime::per_call(&a, &b).unwrap();
        assert!((run - 5.0).abs() < 1e-9, "{run}");
        assert!((wait - 0.05).abs() < 1e-9, "{wait}");
        // 0.1 s of explanations over the 100 searches: 1 ms each more of both.
        let c = EngineTime::parse(&scrape(2.0, 0.02, 300, 0.1)).unwrap();
        let (run, wait) = EngineTime::per_call(&b, &c).unwrap();
        assert!((run - 6.0).abs() < 1e-9, "{run}");
        assert!((wait - 1.05).abs() < 1e-9, "{wait}");
        assert_eq!(EngineTime::per_call(&b, &b), None);
        assert_eq!(EngineTime::parse("talent_index_lag 0\n"), None);
    }

    #[test]
    fn handler_time_per_request_from_two_scrapes() {
        let scrape = |sum: f64, n: u64| {
            Scrape::parse(&format!(
                "talent_http_request_duration_seconds_sum{{operation=\"Named\"}} 7\n\
                 talent_http_request_duration_seconds_count{{operation=\"Named\"}} 9\n\
                 talent_http_request_duration_seconds_sum{{operation=\"(anonymous)\"}} {sum}\n\
                 talent_http_request_duration_seconds_count{{operation=\"(anonymous)\"}} {n}\n"
            ))
        };
        let (a, b) = (scrape(2.0, 1000), scrape(2.5, 1100));
        let ms = Scrape::served_ms_per_request(&a, &b).unwrap();
        assert!((ms - 5.0).abs() < 1e-9, "{ms}");
        assert_eq!(Scrape::served_ms_per_request(&b, &b), None);
        assert_eq!(Scrape::parse("talent_index_lag 0\n").served, None);
        assert_eq!(a.engine, None);
    }

    #[test]
    fn only_data_without_errors_is_clean() {
        assert!(is_clean(br#"{"data":{"a":[1,{"b":null}]}}"#));
        assert!(is_clean(br#"{"data":{"a":1},"extensions":{"x":2}}"#));
        assert!(!is_clean(br#"{"data":{"a":1},"errors":[{"message":"m"}]}"#));
        assert!(!is_clean(br#"{"errors":[{"message":"m"}]}"#));
        assert!(!is_clean(br#"{"data":null,"errors":[]}"#));
        assert!(!is_clean(br#"{"data":null}"#));
        assert!(!is_clean(b"<html>502</html>"));
        assert!(!is_clean(br#"{"data":{"a":1}"#));
    }
}
