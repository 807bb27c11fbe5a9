//! Activation lower bounds: the least any choice containing an option can add up to.
//!
//! `lb(o) = value(o) + max over o's required atoms a of min over providers p of lb(p)`.
//! A choice containing `o` also contains, for each atom of `o`, a provider taken before
//! it, and recursively that provider's providers, all distinct from `o`: so its total is
//! at least `lb(o)` (the max keeps one chain, which is why it is a bound and not a
//! cost). Computed like Dijkstra (Knuth's generalisation to superior functions): options
//! are settled in increasing order of their bound; the first settled provider of an atom
//! is its cheapest. Values are `>= 0`, so this is exact.
//!
//! Used to discard options that cannot be in an optimal (or in-budget) choice, and to
//! build a quick feasible cover (every chosen option plus the provider chains that
//! settled its atoms) whose total is an upper bound.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Options over atoms: what each requires and grants (atom indices).
pub(crate) struct Graph<'a> {
    pub requires: &'a [Vec<usize>],
    pub grants: &'a [Vec<usize>],
    pub needers: &'a [Vec<usize>],
    pub n_atoms: usize,
}

/// Bounds per option (`None`: never takeable), and per atom the provider that settled it.
pub(crate) struct Activation {
    pub lb: Vec<Option<i128>>,
    pub best_provider: Vec<Option<usize>>,
}

/// Computes the activation bounds for `value` (>= 0 per option) over the options in
/// `alive`.
pub(crate) fn activation(g: &Graph<'_>, alive: &[bool], value: &[i128]) -> Activation {
    let n = g.requires.len();
    let mut lb: Vec<Option<i128>> = vec![None; n];
    let mut best_provider: Vec<Option<usize>> = vec![None; g.n_atoms];
    let mut pending: Vec<usize> = g.requires.iter().map(Vec::len).collect();
    let mut worst: Vec<i128> = vec![0; n];
    let mut heap: BinaryHeap<Reverse<(i128, usize)>> = (0..n)
        .filter(|&o| alive[o] && pending[o] == 0)
        .map(|o| Reverse((value[o], o)))
        .collect();
    let mut atom_lb: Vec<Option<i128>> = vec![None; g.n_atoms];
    while let Some(Reverse((v, o))) = heap.pop() {
        if lb[o].is_some() {
            continue;
        }
        lb[o] = Some(v);
        for &a in &g.grants[o] {
            if atom_lb[a].is_some() {
                continue;
            }
            atom_lb[a] = Some(v);
            best_provider[a] = Some(o);
            for &q in &g.needers[a] {
                if !alive[q] {
                    continue;
                }
                worst[q] = worst[q].max(v);
                pending[q] -= 1;
                if pending[q] == 0 {
                    heap.push(Reverse((value[q] + worst[q], q)));
                }
            }
        }
    }
    Activation { lb, best_provider }
}

/// Adds `o` and, for each atom it requires, the settling provider's chain.
pub(crate) fn add_chain(g: &Graph<'_>, act: &Activation, o: usize, chosen: &mut [bool]) {
    let mut stack = vec![o];
    while let Some(o) = stack.pop() {
        if chosen[o] {
            continue;
        }
        chosen[o] = true;
        for &a in &g.requires[o] {
            if let Some(p) = act.best_provider[a] {
                stack.push(p);
            }
        }
    }
}
