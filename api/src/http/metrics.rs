//! [`Metrics`]: counters, a latency histogram and gauges in the Prometheus text
//! exposition format (version 0.0.4), served at `/metrics`.
//!
//! Written by hand rather than with a metrics crate: the set is small and fixed, and the
//! one subtle part, bounding label cardinality (operation names come from clients), has
//! to be done here either way.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `talent_http_requests_total` | counter | `operation`, `status` |
//! | `talent_http_request_duration_seconds` | histogram | `operation` |
//! | `talent_graphql_errors_total` | counter | `code` (`extensions.code`) |
//! | `talent_ws_connections` | gauge | |
//! | `talent_index_lag` | gauge | |
//! | `talent_index_applied_seq` | gauge | |
//! | `talent_db_pool_connections` | gauge | `state` = `open` / `idle` |
//! | `talent_search_duration_seconds` | histogram | `operation` |
//! | `talent_search_wait_seconds` | histogram | `operation` |
//!
//! The search histograms time the engine calls of the ranking resolvers
//! (`searchCandidates`, `recommendedJobs`, ...): how long the engine ran (a wait for the
//! index's read lock included), and how long the
//! call waited to start after the resolver handed it to the blocking pool. Their
//! `operation` is the resolver's field name, a fixed set. With the request histogram they
//! split a request's time into the engine and everything else.
//!
//! `operation` is the executed operation's name, `(anonymous)` for an unnamed one,
//! `(batch)` for a batched request and `(none)` when nothing ran (refused requests).
//! After [`MAX_LABEL_VALUES`] distinct names, new ones are counted as `(other)`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// Most distinct values of one label (operation names, error codes) before new values
/// are folded into `(other)`.
pub const MAX_LABEL_VALUES: usize = 200;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Upper bounds (seconds) of the search histograms' buckets (engine calls take
/// milliseconds; a hand-off to the blocking pool, microseconds).
const SEARCH_BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// A callback returning the database pool's (open, idle) connections.
pub type PoolGauge = Box<dyn Fn() -> (u32, u32) + Send + Sync>;

/// The metrics of the GraphQL HTTP surface plus gauges the application sets. Share it
/// as `Arc<Metrics>`; every method takes `&self`.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    index_lag: AtomicI64,
    index_applied_seq: AtomicI64,
    ws_connections: AtomicI64,
    pool: RwLock<Option<PoolGauge>>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram<{ BUCKETS.len() }>>,
    errors: BTreeMap<String, u64>,
    search_run: BTreeMap<&'static str, Histogram<{ SEARCH_BUCKETS.len() }>>,
    search_wait: BTreeMap<&'static str, Histogram<{ SEARCH_BUCKETS.len() }>>,
}

/// A cumulative histogram over fixed bucket bounds (Prometheus `_bucket`, `_sum`,
/// `_count`).
struct Histogram<const N: usize> {
    buckets: [u64; N],
    count: u64,
    sum: f64,
}

impl<const N: usize> Default for Histogram<N> {
    fn default() -> Self {
        Histogram {
            buckets: [0; N],
            count: 0,
            sum: 0.0,
        }
    }
}

impl<const N: usize> Histogram<N> {
    fn observe(&mut self, bounds: &[f64; N], elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        for (b, le) in self.buckets.iter_mut().zip(bounds) {
            if secs <= *le {
                *b += 1;
            }
        }
        self.count += 1;
        self.sum += secs;
    }
}

/// Writes the histogram family `name` with one series per `label` value.
fn render_histograms<'a, K: AsRef<str> + 'a, const N: usize>(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    bounds: &[f64; N],
    series: impl IntoIterator<Item = (&'a K, &'a Histogram<N>)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    for (value, h) in series {
        let value = escape(value.as_ref());
        for (le, n) in bounds.iter().zip(h.buckets) {
            let _ = writeln!(out, "{name}_bucket{{{label}=\"{value}\",le=\"{le}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{label}=\"{value}\",le=\"+Inf\"}} {}",
            h.count
        );
        let _ = writeln!(out, "{name}_sum{{{label}=\"{value}\"}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{{label}=\"{value}\"}} {}", h.count);
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Sets the search index's lag behind the outbox (rows or sequence numbers).
    pub fn set_index_lag(&self, lag: i64) {
        self.index_lag.store(lag, Ordering::Relaxed);
    }

    /// Sets the last outbox sequence number applied to the search index.
    pub fn set_index_applied_seq(&self, seq: i64) {
        self.index_applied_seq.store(seq, Ordering::Relaxed);
    }

    /// Sets the callback read at every scrape for the pool's (open, idle) connections.
    pub fn set_pool_gauge(&self, gauge: PoolGauge) {
        *self.pool.write().unwrap_or_else(|e| e.into_inner()) = Some(gauge);
    }

    /// Counts one HTTP request for `operation` with `status`, taking `elapsed`.
    pub fn observe_request(&self, operation: &str, status: u16, elapsed: Duration) {
        let mut inner = self.lock();
        let op = bounded(inner.latency.keys(), inner.latency.len(), operation);
        *inner.requests.entry((op.clone(), status)).or_default() += 1;
        inner
            .latency
            .entry(op)
            .or_default()
            .observe(&BUCKETS, elapsed);
    }

    /// Records one engine call of the resolver `operation`: it waited `wait` for a
    /// blocking thread, then ran for `run`.
    pub fn observe_search(&self, operation: &'static str, wait: Duration, run: Duration) {
        let mut inner = self.lock();
        inner
            .search_wait
            .entry(operation)
            .or_default()
            .observe(&SEARCH_BUCKETS, wait);
        inner
            .search_run
            .entry(operation)
            .or_default()
            .observe(&SEARCH_BUCKETS, run);
    }

    /// Counts one GraphQL error with `extensions.code` = `code`.
    pub fn count_error(&self, code: &str) {
        let mut inner = self.lock();
        let code = bounded(inner.errors.keys(), inner.errors.len(), code);
        *inner.errors.entry(code).or_default() += 1;
    }

    /// Records a WebSocket connection opening (`+1`) or closing (`-1`).
    pub fn add_ws_connections(&self, delta: i64) {
        self.ws_connections.fetch_add(delta, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of all metrics.
    pub fn render(&self) -> String {
        let mut out = String::new();
        {
            let inner = self.lock();
            out.push_str("# HELP talent_http_requests_total GraphQL HTTP requests by operation name and status.\n");
            out.push_str("# TYPE talent_http_requests_total counter\n");
            for ((op, status), n) in &inner.requests {
                let _ = writeln!(
                    out,
                    "talent_http_requests_total{{operation=\"{}\",status=\"{status}\"}} {n}",
                    escape(op)
                );
            }
            render_histograms(
                &mut out,
                "talent_http_request_duration_seconds",
                "GraphQL HTTP request latency by operation name.",
                "operation",
                &BUCKETS,
                &inner.latency,
            );
            out.push_str("# HELP talent_graphql_errors_total GraphQL errors by extensions.code.\n");
            out.push_str("# TYPE talent_graphql_errors_total counter\n");
            for (code, n) in &inner.errors {
                let _ = writeln!(
                    out,
                    "talent_graphql_errors_total{{code=\"{}\"}} {n}",
                    escape(code)
                );
            }
            render_histograms(
                &mut out,
                "talent_search_duration_seconds",
                "Time the search engine ran per call, by resolver.",
                "operation",
                &SEARCH_BUCKETS,
                &inner.search_run,
            );
            render_histograms(
                &mut out,
                "talent_search_wait_seconds",
                "Time an engine call waited for a blocking thread, by resolver.",
                "operation",
                &SEARCH_BUCKETS,
                &inner.search_wait,
            );
        }
        gauge(
            &mut out,
            "talent_ws_connections",
            "Open GraphQL WebSocket connections.",
            self.ws_connections.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "talent_index_lag",
            "Outbox entries not yet applied to the search index.",
            self.index_lag.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "talent_index_applied_seq",
            "Last outbox sequence number applied to the search index.",
            self.index_applied_seq.load(Ordering::Relaxed),
        );
        if let Some(pool) = self.pool.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let (open, idle) = pool();
            out.push_str("# HELP talent_db_pool_connections Database pool connections by state.\n");
            out.push_str("# TYPE talent_db_pool_connections gauge\n");
            let _ = writeln!(out, "talent_db_pool_connections{{state=\"open\"}} {open}");
            let _ = writeln!(out, "talent_db_pool_connections{{state=\"idle\"}} {idle}");
        }
        out
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

/// `value` if it is already known or there is room for it, else `(other)`.
fn bounded<'a>(mut known: impl Iterator<Item = &'a String>, len: usize, value: &str) -> String {
    if len < MAX_LABEL_VALUES || known.any(|k| k == value) {
        value.to_string()
    } else {
        "(other)".to_string()
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_histogram_and_gauges() {
        let m = Metrics::new();
        m.observe_request("GetJobs", 200, Duration::from_millis(20));
        m.observe_request("GetJobs", 200, Duration::from_millis(200));
        m.observe_request("(none)", 401, Duration::from_millis(1));
        m.count_error("UNAUTHENTICATED");
        m.set_index_lag(7);
        m.set_index_applied_seq(42);
        m.set_pool_gauge(Box::new(|| (5, 3)));
        let text = m.render();
        for line in [
            "talent_http_requests_total{operation=\"GetJobs\",status=\"200\"} 2",
            "talent_http_requests_total{operation=\"(none)\",status=\"401\"} 1",
            "talent_http_request_duration_seconds_bucket{operation=\"GetJobs\",le=\"0.025\"} 1",
            "talent_http_request_duration_seconds_bucket{operation=\"GetJobs\",le=\"0.25\"} 2",
            "talent_http_request_duration_seconds_bucket{operation=\"GetJobs\",le=\"+Inf\"} 2",
            "talent_http_request_duration_seconds_count{operation=\"GetJobs\"} 2",
            "talent_graphql_errors_total{code=\"UNAUTHENTICATED\"} 1",
            "talent_index_lag 7",
            "talent_index_applied_seq 42",
            "talent_db_pool_connections{state=\"open\"} 5",
            "talent_db_pool_connections{state=\"idle\"} 3",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn search_histograms_split_wait_from_run() {
        let m = Metrics::new();
        m.observe_search(
            "searchCandidates",
            Duration::from_micros(50),
            Duration::from_millis(4),
        );
        m.observe_search(
            "searchCandidates",
            Duration::from_micros(300),
            Duration::from_millis(30),
        );
        let text = m.render();
        for line in [
            "talent_search_duration_seconds_bucket{operation=\"searchCandidates\",le=\"0.005\"} 1",
            "talent_search_duration_seconds_bucket{operation=\"searchCandidates\",le=\"0.05\"} 2",
            "talent_search_duration_seconds_count{operation=\"searchCandidates\"} 2",
            "talent_search_duration_seconds_sum{operation=\"searchCandidates\"} 0.034",
            "talent_search_wait_seconds_bucket{operation=\"searchCandidates\",le=\"0.0001\"} 1",
            "talent_search_wait_seconds_bucket{operation=\"searchCandidates\",le=\"0.0005\"} 2",
            "talent_search_wait_seconds_count{operation=\"searchCandidates\"} 2",
            "# TYPE talent_search_wait_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn operation_label_cardinality_is_bounded() {
        let m = Metrics::new();
        for i in 0..MAX_LABEL_VALUES + 50 {
            m.observe_request(&format!("Op{i}"), 200, Duration::ZERO);
        }
        m.observe_request("Op0", 200, Duration::ZERO);
        let text = m.render();
        let ops = text
            .lines()
            .filter(|l| l.starts_with("talent_http_request_duration_seconds_count"))
            .count();
        assert_eq!(ops, MAX_LABEL_VALUES + 1);
        assert!(
            text.contains("talent_http_requests_total{operation=\"(other)\",status=\"200\"} 50")
        );
        assert!(text.contains("talent_http_requests_total{operation=\"Op0\",status=\"200\"} 2"));
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::new();
        m.count_error("A\"B\\C\nD");
        assert!(m.render().contains("code=\"A\\\"B\\\\C\\nD\"}"));
    }
}
