//! Mean silhouette of a clustering (Euclidean distances), in blocks so that memory stays
//! `O(block x n)` whatever the sample size.
//!
//! For point `i` in cluster `C`: `a(i)` is its mean distance to the other points of `C`,
//! `b(i)` the smallest mean distance to the points of another non-empty cluster, and
//! `s(i) = (b - a) / max(a, b)`; a point alone in its cluster has `s(i) = 0` (Rousseeuw's
//! convention). The score is the mean of `s(i)`.

use ndarray::{ArrayView2, Axis, Slice};

/// Rows per block of the distance computation.
const BLOCK: usize = 256;

/// The mean silhouette of `labels` (cluster indices `< k`) over the rows of `x`; `None`
/// when fewer than two clusters are non-empty.
pub(crate) fn mean_silhouette(x: ArrayView2<'_, f64>, labels: &[usize], k: usize) -> Option<f64> {
    let n = x.nrows();
    assert_eq!(n, labels.len(), "one label per row");
    let mut count = vec![0usize; k];
    for &l in labels {
        count[l] += 1;
    }
    if count.iter().filter(|&&c| c > 0).count() < 2 {
        return None;
    }
    let norms: Vec<f64> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let mut total = 0.0;
    let mut sums = vec![0.0f64; k];
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        // Gram block: dot products of rows start..end with every row (`s!` is not usable
        // here: it expands to `allow(unsafe_code)`, which the workspace forbids).
        let gram = x.slice_axis(Axis(0), Slice::from(start..end)).dot(&x.t());
        for (bi, g) in gram.axis_iter(Axis(0)).enumerate() {
            let i = start + bi;
            sums.fill(0.0);
            for (j, &gij) in g.iter().enumerate() {
                if j != i {
                    sums[labels[j]] += (norms[i] + norms[j] - 2.0 * gij).max(0.0).sqrt();
                }
            }
            let own = labels[i];
            if count[own] < 2 {
                continue; // s(i) = 0
            }
            let a = sums[own] / (count[own] - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && count[c] > 0)
                .map(|c| sums[c] / count[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 {
                total += (b - a) / m;
            }
        }
    }
    Some(total / n as f64)
}
