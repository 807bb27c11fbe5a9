//! Which microcredentials [`plan`](super::plan) hands to the optimiser: the closers of
//! the gaps and only those enablers that some optimal pathway may contain.
//!
//! The plain rule ("closers, plus transitively every microcredential teaching an unmet
//! prerequisite of a candidate") pulls most of a large catalogue into the problem when
//! prerequisites chain across families. This module keeps the rule's *optimum* while
//! cutting the set, with a bound on the primary objective `v` (cost in cents, or study
//! seconds under [`Objective::Hours`]):
//!
//! - *Upper bound U.* A feasible pathway found greedily: for each gap with closers, a
//!   closer with the least `v(closer) + v(prerequisite trees)` (each unmet prerequisite
//!   met by a tree of teachers, searched depth first, cheapest teacher first). If some
//!   gap with closers gets no tree, the plain rule is used (the gap may be uncoverable,
//!   which only the full closure can tell).
//! - *Gap shares.* `s_g = min over closers c of g of floor(v(c) / |gaps c closes|)`,
//!   `G = sum of s_g`, and the reduced value `r(c) = v(c) - sum of s_g over the gaps c
//!   closes` (`>= 0`; `r = v` for an option closing no gap). For any pathway S closing
//!   every coverable gap, `v(S) = sum r(o) + sum over o of the s_g of its gaps >= G +
//!   sum over o in S of r(o)`.
//! - *Paths.* In an optimal pathway S (without a budget) every enabler teaches an unmet
//!   prerequisite of another member of S, and following "is needed by" from it reaches a
//!   closer in S along distinct members (otherwise the enablers not leading to a closer
//!   could all be dropped, which is cheaper in steps at least). So `v(S) >= G + d(o)`
//!   for every `o` in S, `d(o)` the least sum of `r` over a path from `o` up to a closer.
//!   Since `v(S) <= v(U)`, an option with `G + d(o) > v(U)` is in no optimal pathway;
//!   `d` is computed by Dijkstra from the closers, expanding only options within the
//!   bound, so the excluded part of the closure is never visited.
//! - *Own prerequisites.* Each unmet prerequisite of `o` is taught by a member of S taken
//!   before `o`, so not on the path above it (all after `o`): `v(S) >= G + d(o) +
//!   max over o's unmet prerequisites of min over their teachers t != o of r(t)`.
//!
//! With a budget the plain rule is kept (the optimiser's own activation bounds then
//! discard what cannot fit).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use super::catalogue::Catalogue;
use super::problem::{Budget, Objective, SkillLevel, hours_to_seconds};

/// Doc index -> gaps it closes (empty for an enabler).
pub(crate) type Selection = BTreeMap<usize, Vec<usize>>;

/// Most option evaluations spent on the greedy upper bound before giving up the cut.
const TREE_WORK: usize = 20_000;

/// The candidates for `closers` (doc -> gaps, every gap listed by its closers): see the
/// module docs. `held` facts meet prerequisites.
pub(crate) fn select(
    catalogue: &Catalogue,
    closers: Selection,
    held: &[SkillLevel],
    objective: Objective,
    budget: &Budget,
) -> Selection {
    let docs = catalogue.docs();
    let holds =
        |&(skill, level): &(i64, u8)| held.iter().any(|f| f.skill == skill && f.level >= level);
    if budget.is_limited() {
        // A gap that only budget-breaking options close is still "coverable" (listed as
        // not closed, not as uncoverable): keep the plain rule.
        return closure(catalogue, closers, &holds, &|_| true);
    }
    let value: Option<Vec<i128>> = docs
        .iter()
        .map(|d| match objective {
            Objective::Cost => (d.cost_cents >= 0).then_some(i128::from(d.cost_cents)),
            Objective::Hours => hours_to_seconds(d.hours).map(i128::from),
        })
        .collect();
    let Some(value) = value else {
        // Invalid data: let the optimiser report it.
        return closure(catalogue, closers, &holds, &|_| true);
    };
    let Some(upper) = greedy_upper_bound(catalogue, &closers, &holds, &value) else {
        return closure(catalogue, closers, &holds, &|_| true);
    };

    // Gap shares and reduced values.
    let mut share: HashMap<usize, i128> = HashMap::new();
    for (&c, gaps) in &closers {
        let s = value[c] / gaps.len() as i128;
        for &g in gaps {
            let slot = share.entry(g).or_insert(s);
            *slot = (*slot).min(s);
        }
    }
    let floor: i128 = share.values().sum();
    let reduced = |i: usize| match closers.get(&i) {
        Some(gaps) => value[i] - gaps.iter().map(|g| share[g]).sum::<i128>(),
        None => value[i],
    };
    let room = upper - floor;

    // Dijkstra from the closers along "teaches an unmet prerequisite of".
    let mut dist: HashMap<usize, i128> = HashMap::new();
    let mut heap: BinaryHeap<Reverse<(i128, usize)>> = BinaryHeap::new();
    for &c in closers.keys() {
        let d = reduced(c);
        if d <= room {
            dist.insert(c, d);
            heap.push(Reverse((d, c)));
        }
    }
    let mut out = Selection::new();
    while let Some(Reverse((d, o))) = heap.pop() {
        if out.contains_key(&o) || dist.get(&o).is_some_and(|&best| best < d) {
            continue;
        }
        // o's own prerequisites are met by teachers taken before o, hence off the path.
        let mut own = 0;
        for pre in docs[o].prerequisites.iter().filter(|p| !holds(p)) {
            let cheapest = catalogue
                .teaching(pre.0, pre.1)
                .filter(|&t| t != o)
                .map(reduced)
                .min();
            own = own.max(cheapest.unwrap_or(i128::MAX / 4));
        }
        if d + own > room {
            continue;
        }
        out.insert(o, closers.get(&o).cloned().unwrap_or_default());
        for pre in docs[o].prerequisites.iter().filter(|p| !holds(p)) {
            for j in catalogue.teaching(pre.0, pre.1) {
                let nd = d + reduced(j);
                if nd <= room && dist.get(&j).is_none_or(|&best| nd < best) {
                    dist.insert(j, nd);
                    heap.push(Reverse((nd, j)));
                }
            }
        }
    }
    out
}

/// The plain rule: `closers` plus, transitively, every doc passing `keep` that teaches
/// an unmet prerequisite of a candidate (closers failing `keep` are dropped too).
pub(crate) fn closure(
    catalogue: &Catalogue,
    closers: Selection,
    holds: &dyn Fn(&(i64, u8)) -> bool,
    keep: &dyn Fn(usize) -> bool,
) -> Selection {
    let mut cands: Selection = closers.into_iter().filter(|(i, _)| keep(*i)).collect();
    let mut stack: Vec<usize> = cands.keys().copied().collect();
    while let Some(i) = stack.pop() {
        for pre in catalogue.docs()[i]
            .prerequisites
            .iter()
            .filter(|p| !holds(p))
        {
            for j in catalogue.teaching(pre.0, pre.1) {
                if keep(j)
                    && let std::collections::btree_map::Entry::Vacant(slot) = cands.entry(j)
                {
                    slot.insert(Vec::new());
                    stack.push(j);
                }
            }
        }
    }
    cands
}

/// The value of a feasible pathway closing every gap that has a closer, or `None` when
/// some such gap got no prerequisite tree within the work bound.
fn greedy_upper_bound(
    catalogue: &Catalogue,
    closers: &Selection,
    holds: &dyn Fn(&(i64, u8)) -> bool,
    value: &[i128],
) -> Option<i128> {
    let mut trees = Trees {
        catalogue,
        holds,
        value,
        memo: HashMap::new(),
        open: Vec::new(),
        work: 0,
    };
    let mut by_gap: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (&c, gaps) in closers {
        for &g in gaps {
            by_gap.entry(g).or_default().push(c);
        }
    }
    let mut chosen: Vec<usize> = Vec::new();
    let mut covered: Vec<usize> = Vec::new();
    for (g, list) in by_gap {
        if covered.contains(&g) {
            continue;
        }
        let mut list = list;
        list.sort_by_key(|&c| (value[c], c));
        let mut best: Option<Tree> = None;
        for c in list {
            if best.as_ref().is_some_and(|b| value[c] >= b.0) {
                break;
            }
            if let Some(t) = trees.doc(c)
                && best.as_ref().is_none_or(|b| t.0 < b.0)
            {
                best = Some(t);
            }
            if trees.work > TREE_WORK {
                return None;
            }
        }
        let (_, members) = best?;
        for m in members {
            if !chosen.contains(&m) {
                covered.extend(closers.get(&m).into_iter().flatten());
                chosen.push(m);
            }
        }
    }
    Some(chosen.iter().map(|&m| value[m]).sum())
}

/// A prerequisite tree: its value (tree sum) and members.
type Tree = (i128, Vec<usize>);

/// Depth-first prerequisite trees: a doc with, for each unmet prerequisite, the tree of
/// a teacher of it. Every tree can be taken in post-order, and so can any union of
/// trees; the value is the tree sum (at least the union's value).
struct Trees<'a> {
    catalogue: &'a Catalogue,
    holds: &'a dyn Fn(&(i64, u8)) -> bool,
    value: &'a [i128],
    memo: HashMap<(i64, u8), Option<Tree>>,
    /// Prerequisites being resolved (a teacher needing one of them is skipped).
    open: Vec<(i64, u8)>,
    work: usize,
}

impl Trees<'_> {
    fn doc(&mut self, d: usize) -> Option<Tree> {
        self.work += 1;
        let mut total = self.value[d];
        let mut members = vec![d];
        let pres: Vec<(i64, u8)> = self.catalogue.docs()[d]
            .prerequisites
            .iter()
            .copied()
            .filter(|p| !(self.holds)(p))
            .collect();
        for pre in pres {
            let (v, m) = self.prerequisite(pre)?;
            total += v;
            members.extend(m);
        }
        Some((total, members))
    }

    fn prerequisite(&mut self, pre: (i64, u8)) -> Option<Tree> {
        if let Some(done) = self.memo.get(&pre) {
            return done.clone();
        }
        if self.open.contains(&pre) || self.open.len() >= 8 || self.work > TREE_WORK {
            return None;
        }
        self.open.push(pre);
        let mut teachers: Vec<usize> = self.catalogue.teaching(pre.0, pre.1).collect();
        teachers.sort_by_key(|&t| (self.value[t], t));
        let mut best: Option<Tree> = None;
        for t in teachers {
            if best.as_ref().is_some_and(|b| self.value[t] >= b.0) {
                break;
            }
            let needs_open = self.catalogue.docs()[t]
                .prerequisites
                .iter()
                .any(|p| self.open.contains(p));
            if needs_open {
                continue;
            }
            if let Some(tree) = self.doc(t)
                && best.as_ref().is_none_or(|b| tree.0 < b.0)
            {
                best = Some(tree);
            }
        }
        self.open.pop();
        // A failure under open prerequisites may succeed elsewhere: memoise successes.
        if best.is_some() {
            self.memo.insert(pre, best.clone());
        }
        best
    }
}
