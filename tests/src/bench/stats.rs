//! Latency summaries, memory readings and the top-20 comparison rule.

use std::time::Duration;

use serde_json::{Value, json};

/// Scores closer than this are equal (a tie, ordered by id). The engine reports scores
/// on MATCHING.md's 6-decimal grid ([`search_index::scoring::SCORE_GRID`]); SQL sums the
/// exact contributions in an order of its own, so a sum that falls on a half step may
/// round the other way: one grid step apart, plus the last bits.
pub const TIE_EPS: f64 = search_index::scoring::SCORE_GRID + 1e-9;

/// A ranked list: (id, score), best first.
pub type Ranked = Vec<(i64, f64)>;

/// Latency percentiles and throughput of one system on one workload.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Queries timed.
    pub n: usize,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Queries per second over the timed loop (one client, back to back).
    pub qps: f64,
    /// Peak resident memory, MiB, when measurable.
    pub peak_rss_mib: Option<f64>,
    /// What `peak_rss_mib` measures.
    pub rss_note: String,
}

impl Summary {
    /// From per-query latencies and the wall time of the whole loop.
    pub fn from_samples(samples: &[Duration], wall: Duration) -> Summary {
        let mut v: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        v.sort_by(f64::total_cmp);
        Summary {
            n: v.len(),
            p50_ms: percentile(&v, 0.50),
            p95_ms: percentile(&v, 0.95),
            p99_ms: percentile(&v, 0.99),
            qps: if wall.is_zero() {
                0.0
            } else {
                v.len() as f64 / wall.as_secs_f64()
            },
            peak_rss_mib: None,
            rss_note: String::new(),
        }
    }

    /// The JSON of the shape (plus `queries` and the memory note).
    pub fn json(&self) -> Value {
        json!({
            "p50_ms": round3(self.p50_ms),
            "p95_ms": round3(self.p95_ms),
            "p99_ms": round3(self.p99_ms),
            "qps": round3(self.qps),
            "peak_rss_mib": self.peak_rss_mib.map(round1),
            "peak_rss_note": self.rss_note,
            "queries": self.n,
        })
    }
}

/// Nearest-rank percentile of sorted values (0 when empty).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Rounds to 3 decimals.
pub fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// Rounds to 1 decimal.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn status_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
}

/// Resets this process's peak resident set (`VmHWM`) to its current RSS (Linux:
/// writing 5 to /proc/self/clear_refs). Returns false where unsupported.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// This process's peak resident set since the last reset, MiB.
pub fn peak_rss_mib() -> Option<f64> {
    status_kib("VmHWM:").map(|k| k / 1024.0)
}

/// This process's resident set now, MiB.
pub fn rss_mib() -> Option<f64> {
    status_kib("VmRSS:").map(|k| k / 1024.0)
}

/// Sum of the proportional set size (PSS: shared pages divided among the processes
/// sharing them, so shared buffers count once) of every process named `postgres`, MiB.
/// `None` when no such process is readable (another user's processes, another host).
pub fn postgres_pss_mib() -> Option<f64> {
    let mut total_kib = 0.0;
    let mut seen = false;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() != "postgres" {
            continue;
        }
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        if let Some(kib) = rollup
            .lines()
            .find(|l| l.starts_with("Pss:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
        {
            total_kib += kib;
            seen = true;
        }
    }
    seen.then_some(total_kib / 1024.0)
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// The canonical first `k` of a ranked list: scores rounded to the grid the engine
/// reports them on (`scoring::to_grid`, 6 decimals; the SQL systems return plain sums),
/// then score descending, where scores within [`TIE_EPS`] of their neighbour form one
/// tie group ordered by id ascending. Lists are fetched with more than `k` rows so that a
/// tie straddling position `k` resolves the same way on every system.
pub fn canonical(mut v: Ranked, k: usize) -> Ranked {
    v.iter_mut()
        .for_each(|x| x.1 = search_index::scoring::to_grid(x.1));
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Ranked = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && (v[j - 1].1 - v[j].1).abs() <= TIE_EPS {
            j += 1;
        }
        let mut group = v[i..j].to_vec();
        group.sort_by_key(|x| x.0);
        out.extend(group);
        i = j;
    }
    out.truncate(k);
    out
}

/// Whether two canonical lists hold the same ids in the same order with scores within
/// [`TIE_EPS`].
pub fn same(a: &Ranked, b: &Ranked) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() <= TIE_EPS)
}

/// Both lists side by side, for a mismatch report.
pub fn side_by_side(a_name: &str, a: &Ranked, b_name: &str, b: &Ranked) -> String {
    let mut s = format!("  {:>4}  {:>24}  {:>24}\n", "rank", a_name, b_name);
    for i in 0..a.len().max(b.len()) {
        let cell = |v: &Ranked| {
            v.get(i)
                .map(|(id, sc)| format!("{id:>8} {sc:.12}"))
                .unwrap_or_else(|| "-".into())
        };
        let mark = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) if x.0 == y.0 && (x.1 - y.1).abs() <= TIE_EPS => " ",
            _ => "*",
        };
        s.push_str(&format!(
            "{mark} {:>4}  {:>24}  {:>24}\n",
            i + 1,
            cell(a),
            cell(b)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_ties_order_by_id() {
        let a = vec![(5, 0.5 + 1e-12), (3, 0.5), (9, 0.4)];
        let b = vec![(3, 0.5), (5, 0.5), (9, 0.4)];
        assert!(same(&canonical(a, 3), &canonical(b, 3)));
        // A half step rounded either way: 0.379688 against 0.379687.
        let up = vec![(49, 0.379688), (9, 0.3)];
        let down = vec![(49, 0.379687), (9, 0.3)];
        assert!(same(&canonical(up, 2), &canonical(down, 2)));
        assert!(!same(
            &canonical(vec![(49, 0.379689)], 1),
            &canonical(vec![(49, 0.379687)], 1)
        ));
        let c = vec![(3, 0.5), (5, 0.49), (9, 0.4)];
        assert!(!same(
            &canonical(c, 3),
            &canonical(vec![(3, 0.5), (5, 0.5)], 3)
        ));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
