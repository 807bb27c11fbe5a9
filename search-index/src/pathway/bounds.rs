//! Bounds for the branch and bound.
//!
//! *Share bound.* Let the items be the gaps still to close and the unmet prerequisite
//! atoms of a partial choice. Give each allowed option's value (cost, seconds or objective
//! key) in equal shares to the items it covers. Any completion covers every item it is
//! required to cover with some option, so it pays at least, per item, the smallest share
//! of any option covering it: the sum of those minimum shares is a lower bound (rounded
//! down per item, so still a bound in integers).
//!
//! *Packing bound.* Items no single option covers together need distinct options: the sum
//! of their cheapest full values, over a greedily chosen such set, is a lower bound too.
//!
//! *Weight bound (budget mode).* A completion that closes a set T of gaps pays at least
//! the sum of the shares of T plus those of the mandatory atoms, so a fractional knapsack
//! over the gaps with those shares as sizes bounds the weight reachable within budget.

use super::bitset::BitSet;
use super::prepare::Prepared;
use super::search::Node;

/// Minimum shares of each item under each value.
pub(crate) struct Shares {
    /// Per gap index: minimum share under [COST, SECS, KEY, FULL].
    gap: Vec<[i128; 4]>,
    /// Per open atom (in the order given): same.
    atom: Vec<[i128; 4]>,
}

const NONE: i128 = i128::MAX;

impl Shares {
    pub(crate) const COST: usize = 0;
    pub(crate) const SECS: usize = 1;
    const KEY: usize = 2;
    /// The whole key, not divided: for the packing bound.
    const FULL: usize = 3;

    /// Shares over the items `gaps` and `atoms`, from the options `node` still allows.
    pub(crate) fn new(p: &Prepared, node: &Node, gaps: u64, atoms: &[usize]) -> Self {
        let mut gap = vec![[NONE; 4]; p.n_gaps];
        let mut atom = vec![[NONE; 4]; atoms.len()];
        let mut covered_atoms: Vec<usize> = Vec::new();
        // Only options covering some item matter: the closers of the gaps and the
        // providers of the atoms (not a scan of every candidate).
        let mut coverers: Vec<usize> = (0..p.n_gaps)
            .filter(|&g| gaps & (1 << g) != 0)
            .flat_map(|g| p.closers[g].iter().copied())
            .chain(atoms.iter().flat_map(|&a| p.providers[a].iter().copied()))
            .filter(|&o| node.allowed(o))
            .collect();
        coverers.sort_unstable();
        coverers.dedup();
        for o in coverers {
            let c = &p.cands[o];
            covered_atoms.clear();
            covered_atoms.extend((0..atoms.len()).filter(|&k| c.grants.contains(atoms[k])));
            let closes = c.closes & gaps;
            let cnt = i128::from(closes.count_ones()) + covered_atoms.len() as i128;
            if cnt == 0 {
                continue;
            }
            let v = [
                i128::from(c.cost) / cnt,
                i128::from(c.secs) / cnt,
                c.key / cnt,
                c.key,
            ];
            let update = |slot: &mut [i128; 4]| {
                for (s, x) in slot.iter_mut().zip(v) {
                    *s = (*s).min(x);
                }
            };
            for (g, slot) in gap.iter_mut().enumerate() {
                if closes & (1 << g) != 0 {
                    update(slot);
                }
            }
            for &k in &covered_atoms {
                update(&mut atom[k]);
            }
        }
        Self { gap, atom }
    }

    /// Whether every item has an allowed option covering it.
    pub(crate) fn all_items_coverable(&self, gaps: u64) -> bool {
        self.atom.iter().all(|s| s[0] != NONE)
            && (0..self.gap.len()).all(|g| gaps & (1 << g) == 0 || self.gap[g][0] != NONE)
    }

    /// Per-gap shares under `value`, and the sum of the atoms' shares.
    pub(crate) fn split(&self, value: usize) -> (Vec<i128>, i128) {
        (
            self.gap.iter().map(|s| s[value]).collect(),
            self.atom.iter().map(|s| s[value]).sum(),
        )
    }

    /// Lower bound on the key any completion adds (all items must be covered): the
    /// larger of the share bound and the packing bound.
    pub(crate) fn key_lower_bound(
        &self,
        p: &Prepared,
        node: &Node,
        gaps: u64,
        atoms: &[usize],
    ) -> i128 {
        let mut items: Vec<(i128, i128, &Vec<usize>)> = Vec::new();
        for (g, s) in self.gap.iter().enumerate() {
            if gaps & (1 << g) != 0 {
                items.push((s[Self::KEY], s[Self::FULL], &p.closers[g]));
            }
        }
        for (k, s) in self.atom.iter().enumerate() {
            items.push((s[Self::KEY], s[Self::FULL], &p.providers[atoms[k]]));
        }
        let share: i128 = items.iter().map(|i| i.0).sum();
        items.sort_by_key(|i| std::cmp::Reverse(i.1));
        let mut used = BitSet::new(p.cands.len());
        let mut packing = 0;
        for (_, full, coverers) in items {
            if coverers
                .iter()
                .all(|&o| !node.allowed(o) || !used.contains(o))
            {
                packing += full;
                for &o in coverers.iter().filter(|&&o| node.allowed(o)) {
                    used.insert(o);
                }
            }
        }
        let chain = self.chain_bound(p, node, gaps, atoms);
        (share.saturating_add(chain)).max(packing)
    }

    /// The key `o` has left after paying its minimum shares of the items it covers
    /// (`>= 0`, the shares being rounded down).
    fn reduced(&self, p: &Prepared, o: usize, gaps: u64, atoms: &[usize]) -> i128 {
        let c = &p.cands[o];
        let mut r = c.key;
        let mut closes = c.closes & gaps;
        while closes != 0 {
            r -= self.gap[closes.trailing_zeros() as usize][Self::KEY];
            closes &= closes - 1;
        }
        for (k, &a) in atoms.iter().enumerate() {
            if c.grants.contains(a) {
                r -= self.atom[k][Self::KEY];
            }
        }
        r
    }

    /// *Chain term*, added to the share bound. Any completion C pays `sum over C of
    /// key(o)` = (the shares of the items each o covers) + `sum over C of reduced(o)`,
    /// at least (the share bound) + `sum over C of reduced(o)`. For an item, C holds some
    /// allowed coverer o and, for every atom o requires that the node does not grant
    /// yet, an allowed provider p != o (taken before o): those contribute at least the
    /// item's *extra*, the least `reduced(o) + max over such atoms of min over providers
    /// of reduced(p)`. Items whose sets of coverers and their providers are pairwise
    /// disjoint involve distinct options of C, so their extras add up: the term is the
    /// sum over such a set chosen greedily (largest extra first), hence at least the
    /// largest extra. A very large value when some item has no coverer whose atoms can
    /// all be provided (no completion exists).
    fn chain_bound(&self, p: &Prepared, node: &Node, gaps: u64, atoms: &[usize]) -> i128 {
        const INFEASIBLE: i128 = NONE / 4;
        let missing = |o: usize| {
            p.cands[o]
                .requires
                .iter()
                .filter(|&a| !node.granted.contains(a))
        };
        let ext = |o: usize| -> Option<i128> {
            let mut worst = 0;
            for a in missing(o) {
                let cheapest = p.providers[a]
                    .iter()
                    .filter(|&&q| q != o && node.allowed(q))
                    .map(|&q| self.reduced(p, q, gaps, atoms))
                    .min()?;
                worst = worst.max(cheapest);
            }
            Some(worst)
        };
        let item_lists = (0..p.n_gaps)
            .filter(|&g| gaps & (1 << g) != 0)
            .map(|g| &p.closers[g])
            .chain(atoms.iter().map(|&a| &p.providers[a]));
        let mut extras: Vec<(i128, &Vec<usize>)> = Vec::new();
        for list in item_lists {
            let least = list
                .iter()
                .filter(|&&o| node.allowed(o))
                .filter_map(|&o| Some(self.reduced(p, o, gaps, atoms) + ext(o)?))
                .min();
            match least {
                None => return INFEASIBLE,
                Some(0) => {}
                Some(x) => extras.push((x, list)),
            }
        }
        extras.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut used = BitSet::new(p.cands.len());
        let mut term = 0;
        let mut involved: Vec<usize> = Vec::new();
        for (extra, list) in extras {
            involved.clear();
            for &o in list.iter().filter(|&&o| node.allowed(o)) {
                involved.push(o);
                for a in missing(o) {
                    involved.extend(p.providers[a].iter().filter(|&&q| node.allowed(q)));
                }
            }
            if involved.iter().all(|&o| !used.contains(o)) {
                term += extra;
                for &o in &involved {
                    used.insert(o);
                }
            }
        }
        term
    }
}

/// Total quantised weight of the gaps in `mask`.
pub(crate) fn weight_of(weights: &[u64], mask: u64) -> u64 {
    (0..weights.len())
        .filter(|&g| mask & (1 << g) != 0)
        .map(|g| weights[g])
        .sum()
}

/// Upper bound on the weight of gaps in `mask` that fit in `room`, gap g taking
/// `size[g]`: the fractional knapsack (LP) optimum, rounded up.
pub(crate) fn fractional_knapsack(weights: &[u64], mask: u64, size: &[i128], room: i128) -> u64 {
    let mut items: Vec<(i128, i128)> = (0..weights.len())
        .filter(|&g| mask & (1 << g) != 0)
        .map(|g| (i128::from(weights[g]), size[g]))
        .collect();
    // By weight per size, descending: a/b > c/d <=> a*d > c*b (sizes >= 0).
    items.sort_by(|&(wa, sa), &(wb, sb)| (wb * sa).cmp(&(wa * sb)));
    let mut room = room;
    let mut total: i128 = 0;
    for (w, s) in items {
        if s <= room {
            room -= s;
            total += w;
        } else {
            // s > room >= 0, so s > 0.
            total += (w * room + s - 1) / s;
            break;
        }
    }
    u64::try_from(total).unwrap_or(u64::MAX)
}
