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
    latency: BTreeMap<String, Histogram>,
    errors: BTreeMap<String, u64>,
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
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
        let h = inner.latency.entry(op).or_default();
        let secs = elapsed.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
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
            out.push_str("# HELP talent_http_request_duration_seconds GraphQL HTTP request latency by operation name.\n");
            out.push_str("# TYPE talent_http_request_duration_seconds histogram\n");
            for (op, h) in &inner.latency {
                let op = escape(op);
                for (le, n) in BUCKETS.iter().zip(h.buckets) {
                    let _ = writeln!(
                        out,
                        "talent_http_request_duration_seconds_bucket{{operation=\"{op}\",le=\"{le}\"}} {n}"
                    );
                }
                let _ = writeln!(
                    out,
                    "talent_http_request_duration_seconds_bucket{{operation=\"{op}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "talent_http_request_duration_seconds_sum{{operation=\"{op}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "talent_http_request_duration_seconds_count{{operation=\"{op}\"}} {}",
                    h.count
                );
            }
            out.push_str("# HELP talent_graphql_errors_total GraphQL errors by extensions.code.\n");
            out.push_str("# TYPE talent_graphql_errors_total counter\n");
            for (code, n) in &inner.errors {
                let _ = writeln!(
                    out,
                    "talent_graphql_errors_total{{code=\"{}\"}} {n}",
                    escape(code)
                );
            }
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
