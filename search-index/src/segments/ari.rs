//! The adjusted Rand index of two partitions (Hubert and Arabie, 1985).

use std::collections::BTreeMap;

/// The adjusted Rand index between two labelings of the same items: 1 for identical
/// partitions (whatever the label names), about 0 for independent ones, negative when
/// they agree less than chance.
///
/// ```text
/// ARI = (sum_ij C(n_ij, 2) - E) / (0.5 (sum_i C(a_i, 2) + sum_j C(b_j, 2)) - E)
/// E   = sum_i C(a_i, 2) * sum_j C(b_j, 2) / C(n, 2)
/// ```
/// with `n_ij` the contingency table and `a_i`, `b_j` its row and column sums. When the
/// denominator is 0 (both partitions put everything in one cluster, or both put every
/// item alone, or fewer than 2 items) the partitions are identical and the index is 1.
///
/// # Panics
/// When the two slices differ in length.
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(a.len(), b.len(), "both labelings must cover the same items");
    let pairs = |n: u64| (n * n.saturating_sub(1) / 2) as f64;
    let mut table: BTreeMap<(u32, u32), u64> = BTreeMap::new();
    let mut rows: BTreeMap<u32, u64> = BTreeMap::new();
    let mut cols: BTreeMap<u32, u64> = BTreeMap::new();
    for (&x, &y) in a.iter().zip(b) {
        *table.entry((x, y)).or_default() += 1;
        *rows.entry(x).or_default() += 1;
        *cols.entry(y).or_default() += 1;
    }
    let index: f64 = table.values().map(|&c| pairs(c)).sum();
    let sum_a: f64 = rows.values().map(|&c| pairs(c)).sum();
    let sum_b: f64 = cols.values().map(|&c| pairs(c)).sum();
    let total = pairs(a.len() as u64);
    if total == 0.0 {
        return 1.0;
    }
    let expected = sum_a * sum_b / total;
    let max = 0.5 * (sum_a + sum_b);
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}
