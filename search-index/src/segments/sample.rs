//! Deterministic samples: the `n` items with the smallest hash of (id, seed, salt).
//!
//! The hash depends on the id only, so the sample does not depend on input order, and a
//! learner added later leaves the rest of the sample mostly as it was.

/// SplitMix64 finaliser: a well-mixed 64-bit hash of `x`.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The hash deciding whether learner `id` is sampled (smaller is earlier).
pub(crate) fn rank(id: i64, seed: u64, salt: u64) -> u64 {
    mix(mix(id as u64 ^ mix(seed)) ^ salt)
}

/// Positions (into `ids`) of the `n` items with the smallest `rank`, ties by id, returned
/// in ascending position. All positions when `n >= ids.len()`.
pub(crate) fn sample(ids: &[i64], n: usize, seed: u64, salt: u64) -> Vec<usize> {
    if n >= ids.len() {
        return (0..ids.len()).collect();
    }
    let mut keyed: Vec<(u64, i64, usize)> = ids
        .iter()
        .enumerate()
        .map(|(p, &id)| (rank(id, seed, salt), id, p))
        .collect();
    if n > 0 {
        keyed.select_nth_unstable(n - 1);
    }
    let mut out: Vec<usize> = keyed[..n].iter().map(|&(_, _, p)| p).collect();
    out.sort_unstable();
    out
}
