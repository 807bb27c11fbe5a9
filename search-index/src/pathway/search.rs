//! Depth-first branch and bound over the compact problem (see the module docs of
//! [`pathway`](super) for the method and why it is exact).

use super::bitset::BitSet;
use super::bounds::{Shares, fractional_knapsack, weight_of};
use super::prepare::{Cand, Prepared};

/// Result of the search: chosen candidates (indices into `Prepared::cands`).
pub(crate) struct Outcome {
    pub chosen: Vec<usize>,
    pub optimal: bool,
    pub nodes: u64,
}

/// A partial choice: `chosen` must be in, `forbidden` must stay out.
#[derive(Clone)]
pub(crate) struct Node {
    pub chosen: BitSet,
    pub forbidden: BitSet,
    pub covered: u64,
    pub granted: BitSet,
    pub required: BitSet,
    pub cost: i64,
    pub secs: i64,
    pub key: i128,
}

impl Node {
    pub(crate) fn allowed(&self, o: usize) -> bool {
        !self.chosen.contains(o) && !self.forbidden.contains(o)
    }

    fn with(&self, c: &Cand, o: usize, forbidden: BitSet) -> Node {
        let mut n = self.clone();
        n.chosen.insert(o);
        n.forbidden = forbidden;
        n.covered |= c.closes;
        n.granted.union_with(&c.grants);
        n.required.union_with(&c.requires);
        // Cannot overflow: `prepare` checked the sums over all candidates.
        n.cost += c.cost;
        n.secs += c.secs;
        n.key += c.key;
        n
    }
}

struct Best {
    weight: u64,
    key: i128,
    chosen: BitSet,
}

struct Search<'a> {
    p: &'a Prepared,
    budget_mode: bool,
    max_nodes: u64,
    nodes: u64,
    aborted: bool,
    best: Option<Best>,
}

/// Runs the branch and bound; past `max_nodes` returns the best found, not optimal.
pub(crate) fn search(p: &Prepared, max_nodes: u64) -> Outcome {
    let m = p.cands.len();
    let root = Node {
        chosen: BitSet::new(m),
        forbidden: BitSet::new(m),
        covered: 0,
        granted: BitSet::new(p.n_atoms),
        required: BitSet::new(p.n_atoms),
        cost: 0,
        secs: 0,
        key: 0,
    };
    let mut s = Search {
        p,
        budget_mode: p.max_cost.is_some() || p.max_secs.is_some(),
        max_nodes,
        nodes: 0,
        aborted: false,
        best: None,
    };
    s.visit(&root);
    let chosen = match s.best {
        Some(b) => b.chosen.iter().collect(),
        // Only when the bound stopped the search before any complete choice: without a
        // budget every candidate together is a valid cover; trim it greedily.
        None if !s.budget_mode => reverse_delete(p),
        None => Vec::new(),
    };
    Outcome {
        chosen,
        optimal: !s.aborted,
        nodes: s.nodes,
    }
}

/// Which chosen options can be ordered (forward fixpoint), and the atoms they grant.
pub(crate) fn reach(p: &Prepared, chosen: &BitSet) -> (BitSet, BitSet) {
    let mut reached = BitSet::new(p.cands.len());
    let mut avail = BitSet::new(p.n_atoms);
    loop {
        let mut changed = false;
        for o in chosen.iter() {
            let c = &p.cands[o];
            if !reached.contains(o) && c.requires.is_subset(&avail) {
                reached.insert(o);
                avail.union_with(&c.grants);
                changed = true;
            }
        }
        if !changed {
            return (reached, avail);
        }
    }
}

impl Search<'_> {
    fn visit(&mut self, node: &Node) {
        if self.aborted {
            return;
        }
        if self.nodes >= self.max_nodes {
            self.aborted = true;
            return;
        }
        self.nodes += 1;
        let p = self.p;
        if p.max_cost.is_some_and(|b| node.cost > b) || p.max_secs.is_some_and(|b| node.secs > b) {
            return;
        }
        let open = node.required.difference(&node.granted);
        let (reached, avail) = reach(p, &node.chosen);
        let feasible = open.is_empty() && reached.len() == node.chosen.len();
        if feasible {
            self.offer(node);
        }
        let gaps = if self.budget_mode {
            candidate_gaps(p, node)
        } else {
            if feasible && node.covered & p.coverable == p.coverable {
                return; // Complete: any child only adds cost.
            }
            p.coverable & !node.covered
        };
        if self.prune(node, gaps, &open) {
            return;
        }

        // Branch. Every child adds one allowed option; child i forbids the options of
        // children 0..i, so the children partition the completions of `node`.
        let branch: Vec<(i128, usize)> =
            if let Some(a) = self.fewest(&open, node, |a| &p.providers[a]) {
                self.cheapest_first(node, &p.providers[a])
            } else if !feasible {
                let list = cycle_breakers(p, node, &reached, &avail);
                list.into_iter().map(|o| (0, o)).collect()
            } else if let Some(g) = self.pick_gap(gaps, node) {
                let list = self.cheapest_first(node, &p.closers[g]);
                let rest = self.children(node, &list);
                if self.budget_mode {
                    // Last child: g stays open (none of its closers is taken).
                    let mut abandon = node.clone();
                    abandon.forbidden = rest;
                    self.visit(&abandon);
                }
                return;
            } else {
                return;
            };
        self.children(node, &branch);
    }

    /// Visits "node + o_i, without o_1..o_{i-1}" for each allowed o_i; returns the
    /// forbidden set with all of `list` added. `list` pairs each option with a lower
    /// bound on the key its child adds, in increasing order: without a budget, once
    /// `node.key` plus that bound reaches the incumbent, this child and all later ones
    /// are cut (then the returned set is incomplete, and only budget mode uses it).
    fn children(&mut self, node: &Node, list: &[(i128, usize)]) -> BitSet {
        let p = self.p;
        let mut forbidden = node.forbidden.clone();
        for &(lower, o) in list {
            if !node.allowed(o) {
                continue;
            }
            if !self.budget_mode
                && self
                    .best
                    .as_ref()
                    .is_some_and(|b| node.key + lower >= b.key)
            {
                break;
            }
            let c = &p.cands[o];
            let fits = p.max_cost.is_none_or(|b| node.cost + c.cost <= b)
                && p.max_secs.is_none_or(|b| node.secs + c.secs <= b);
            if fits {
                let child = node.with(c, o, forbidden.clone());
                self.visit(&child);
            }
            forbidden.insert(o);
        }
        forbidden
    }

    fn offer(&mut self, node: &Node) {
        let p = self.p;
        let weight = weight_of(&p.weight, node.covered);
        let better = match &self.best {
            _ if !self.budget_mode && node.covered & p.coverable != p.coverable => false,
            None => true,
            Some(b) => weight > b.weight || (weight == b.weight && node.key < b.key),
        };
        if better {
            self.best = Some(Best {
                weight,
                key: node.key,
                chosen: node.chosen.clone(),
            });
        }
    }

    /// Whether no completion of `node` can beat the incumbent (or none is feasible).
    fn prune(&self, node: &Node, gaps: u64, open: &BitSet) -> bool {
        let p = self.p;
        let open_list: Vec<usize> = open.iter().collect();
        let shares = Shares::new(p, node, gaps, &open_list);
        if !shares.all_items_coverable(gaps) {
            return true;
        }
        if !self.budget_mode {
            let lb = shares.key_lower_bound(p, node, gaps, &open_list);
            return self.best.as_ref().is_some_and(|b| node.key + lb >= b.key);
        }
        // Budget: mandatory atoms must fit; then bound the weight still reachable.
        let held = weight_of(&p.weight, node.covered);
        let mut ub = held + weight_of(&p.weight, gaps);
        for (limit, spent, value) in [
            (p.max_cost, node.cost, Shares::COST),
            (p.max_secs, node.secs, Shares::SECS),
        ] {
            let Some(limit) = limit else { continue };
            let (gap_share, atoms) = shares.split(value);
            let room = i128::from(limit) - i128::from(spent) - atoms;
            if room < 0 {
                return true;
            }
            ub = ub.min(held + fractional_knapsack(&p.weight, gaps, &gap_share, room));
        }
        let Some(best) = &self.best else { return false };
        if ub != best.weight {
            return ub < best.weight;
        }
        // Matching the incumbent's weight needs every gap whose loss alone drops below it.
        let total = held + weight_of(&p.weight, gaps);
        let mut mandatory = 0_u64;
        for g in 0..p.n_gaps {
            if gaps & (1 << g) != 0 && total - p.weight[g] < best.weight {
                mandatory |= 1 << g;
            }
        }
        let tight = Shares::new(p, node, mandatory, &open_list);
        node.key + tight.key_lower_bound(p, node, mandatory, &open_list) >= best.key
    }

    /// The allowed options of `list` by their key plus, for each atom they miss, the
    /// cheapest allowed provider's key (largest over the atoms): likely cheap completions
    /// first, so that a good incumbent is found early. Only the order of the children
    /// changes, not the partition. That sum is also a lower bound on what the child adds
    /// (it takes the option, and a provider of each atom the option misses; fewer options
    /// are allowed in a child, which only raises the cheapest provider).
    fn cheapest_first(&self, node: &Node, list: &[usize]) -> Vec<(i128, usize)> {
        let p = self.p;
        let mut keyed: Vec<(i128, usize)> = list
            .iter()
            .filter(|&&o| node.allowed(o))
            .map(|&o| {
                let mut extra: i128 = 0;
                for a in p.cands[o].requires.iter() {
                    if node.granted.contains(a) {
                        continue;
                    }
                    // Providers are in key order: the first allowed one is the cheapest.
                    let cheapest = p.providers[a]
                        .iter()
                        .find(|&&q| q != o && node.allowed(q))
                        .map_or(i128::MAX / 4, |&q| p.cands[q].key);
                    extra = extra.max(cheapest);
                }
                (p.cands[o].key + extra, o)
            })
            .collect();
        keyed.sort_unstable();
        keyed
    }

    /// The item in `items` with the fewest allowed options covering it.
    fn fewest<'b>(
        &self,
        items: &BitSet,
        node: &Node,
        list: impl Fn(usize) -> &'b Vec<usize>,
    ) -> Option<usize> {
        items
            .iter()
            .min_by_key(|&i| list(i).iter().filter(|&&o| node.allowed(o)).count())
    }

    /// The open gap with the fewest allowed closers (then the heavier, then the lower).
    fn pick_gap(&self, gaps: u64, node: &Node) -> Option<usize> {
        let p = self.p;
        (0..p.n_gaps)
            .filter(|&g| gaps & (1 << g) != 0)
            .min_by_key(|&g| {
                let n = p.closers[g].iter().filter(|&&o| node.allowed(o)).count();
                (n, std::cmp::Reverse(p.weight[g]))
            })
    }
}

/// Uncovered gaps that some allowed option still closes.
fn candidate_gaps(p: &Prepared, node: &Node) -> u64 {
    let open = p.coverable & !node.covered;
    (0..p.n_gaps)
        .filter(|&g| open & (1 << g) != 0)
        .filter(|&g| p.closers[g].iter().any(|&o| node.allowed(o)))
        .fold(0, |m, g| m | 1 << g)
}

/// All prerequisites of the chosen options are granted within the choice, but some
/// options wait on each other (a cycle). In any valid completion, the first of them in
/// its order has each unmet prerequisite granted by a new option; so branching over the
/// new providers of "the first unmet atom of each waiting option" misses no completion.
fn cycle_breakers(p: &Prepared, node: &Node, reached: &BitSet, avail: &BitSet) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for o in node.chosen.iter().filter(|&o| !reached.contains(o)) {
        if let Some(a) = p.cands[o].requires.difference(avail).iter().next() {
            out.extend(p.providers[a].iter().copied().filter(|&q| node.allowed(q)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A valid cover without proof: all candidates, then drop the most expensive ones
/// while the rest stays orderable and covers every coverable gap.
fn reverse_delete(p: &Prepared) -> Vec<usize> {
    let mut set = BitSet::new(p.cands.len());
    for o in 0..p.cands.len() {
        set.insert(o);
    }
    for o in (0..p.cands.len()).rev() {
        let mut trial = BitSet::new(p.cands.len());
        for q in set.iter().filter(|&q| q != o) {
            trial.insert(q);
        }
        let (reached, _) = reach(p, &trial);
        let covered = reached.iter().fold(0, |m, q| m | p.cands[q].closes);
        if reached.len() == trial.len() && covered & p.coverable == p.coverable {
            set = trial;
        }
    }
    set.iter().collect()
}
