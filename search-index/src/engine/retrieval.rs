//! Candidate retrieval and exact scoring over the forward index.
//!
//! A query is compiled into a per-skill credit table: for every skill related to some
//! requirement, the credit (computed once with [`scoring::credit_value`]) of each
//! (level, confidence) combination. Scoring a learner is then one table lookup per
//! evidence entry and a max per requirement, and the sum uses [`scoring::ScoreSum`]
//! in requirement order: the result is bit-for-bit [`scoring::score`].
//!
//! Retrieval (no text query), exact by construction:
//! 1. *Seed*: score a strided sample (at most 4096) of the learners holding full-credit
//!    evidence for the three heaviest requirements; the k-th best seeded score `theta`
//!    (or `min_score` if higher) is a lower bound of the final k-th best.
//! 2. *Plan*: postings are kept per (skill, evidence class = confidence code x level), so
//!    every list has one exact credit per requirement. Choose a credit cutoff `c` and a
//!    count `m`: the essential lists `E_i` of requirement `i` are those with credit
//!    above `c`; `b_i` is the largest credit below. A learner in fewer than `m` of the
//!    `E_i` scores at most `sum_i w_i b_i / W` plus the `m - 1` largest
//!    `w_i (1 - b_i) / W`; when that is below `theta`, only learners in at least `m`
//!    essential sets can enter the top k (a generalised MaxScore). Among the feasible
//!    `(c, m)`, take the one with the least estimated work (postings read + candidates
//!    scored, candidates estimated as if sets were independent).
//! 3. *Mark*: one bitset per requirement, folded into "in at least j sets" bitsets.
//! 4. *Score* the marked slots exactly in slot order (slots are ordered by skill
//!    cluster, so this reads memory nearly sequentially), on one or more threads over slot
//!    ranges; when more than 40% of the slots are marked, scan everything instead.
//!
//! The k-th best is never pruned: every skipped learner provably scores below a score
//! that k learners reach. Property tests hold this equal to the scan and to an oracle.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::engine::forward::{BitSet, LearnerStore, NO_LOCATION};
use crate::scoring::{self, EvidenceKind, Requirement};
use crate::taxonomy::Taxonomy;

const NONE: u32 = u32::MAX;
/// How many postings the seeding step scores at most.
const SEED_SAMPLE: usize = 4096;
/// Below this many slots a search uses one thread whatever the options say.
#[cfg(not(test))]
const PARALLEL_MIN_SLOTS: u32 = 65536;
#[cfg(test)]
const PARALLEL_MIN_SLOTS: u32 = 64;
/// Slack on upper bounds of plain sums so that neither floating-point rounding nor the
/// rounding of scores to their grid ([`scoring::SCORE_ROUNDING`]) prunes a true hit.
const BOUND_SLACK: f64 = scoring::SCORE_ROUNDING + 1e-9;

/// A result in ranking order: `Ord` puts better results first (score desc, relevance
/// desc, id asc), so a max-heap of `Ranked` has the worst result on top.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    pub score: f64,
    pub relevance: f32,
    pub id: i64,
}

impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> Ordering {
        o.score
            .total_cmp(&self.score)
            .then(o.relevance.total_cmp(&self.relevance))
            .then(self.id.cmp(&o.id))
    }
}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Ranked {}

/// Keeps the best `k` results.
#[derive(Debug)]
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }
    pub(crate) fn push(&mut self, r: Ranked) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(r);
        } else if let Some(mut top) = self.heap.peek_mut()
            && r < *top
        {
            *top = r;
        }
    }
    /// The score a result must reach to possibly enter (0 while not full).
    pub(crate) fn threshold(&self) -> f64 {
        if self.heap.len() < self.k {
            0.0
        } else {
            self.heap.peek().map_or(0.0, |r| r.score)
        }
    }
    pub(crate) fn into_sorted(self) -> Vec<Ranked> {
        self.heap.into_sorted_vec()
    }
    pub(crate) fn merge(mut self, other: TopK) -> TopK {
        for r in other.heap {
            self.push(r);
        }
        self
    }
}

/// Which learners a search may return, before scoring.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Eligibility {
    /// Admit only recruiter-visible learners. Recruiter entry points always set it.
    pub recruiters_only: bool,
    /// `Some(code)`: only this location (`NO_LOCATION` never matches a filter); `None`: any.
    pub location: Option<u32>,
    /// `Some(true)`: accepts remote; `Some(false)`: accepts on site.
    pub remote: Option<bool>,
}

impl Eligibility {
    #[inline]
    pub(crate) fn admits(&self, s: &LearnerStore, slot: u32) -> bool {
        let i = slot as usize;
        s.alive.contains(slot)
            && (!self.recruiters_only || s.visibility[i] != 0)
            && self
                .location
                .is_none_or(|l| l != NO_LOCATION && s.location[i] == l)
            && match self.remote {
                None => true,
                Some(true) => s.remote[i] != 0,
                Some(false) => s.remote[i] != 2,
            }
    }
}

/// Per-query tables for exact scoring.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub reqs: Vec<Requirement>,
    total: f64,
    /// Per skill dense index: range into `entries`, or `NONE`.
    skill_start: Vec<u32>,
    skill_end: Vec<u32>,
    /// (requirement index, credit by `(conf << 3) | level`).
    entries: Vec<(usize, [f64; 64])>,
    /// Per requirement: every posting list (skill related to the requirement x evidence
    /// class) with the exact credit its evidence earns, ascending by credit.
    classes: Vec<Vec<(f64, usize)>>,
}

impl Compiled {
    /// Compiles validated requirements.
    pub(crate) fn new(tax: &Taxonomy, reqs: &[Requirement]) -> Compiled {
        let mut per_skill: Vec<Vec<(usize, [f64; 64])>> = Vec::new();
        let mut skill_idx = vec![NONE; tax.len()];
        let mut classes = Vec::with_capacity(reqs.len());
        for (ri, r) in reqs.iter().enumerate() {
            let mut t: Vec<(f64, usize)> = Vec::new();
            if let Some(rd) = tax.dense(r.skill) {
                for (skill, rel) in tax.relatives_dense(rd) {
                    let mut table = [0.0; 64];
                    for kind in [
                        EvidenceKind::VerifiedCredential,
                        EvidenceKind::UnverifiedCredential,
                        EvidenceKind::SelfAsserted,
                    ] {
                        for expired in [false, true] {
                            let conf = u32::from(kind.code()) * 2 + u32::from(expired);
                            for level in scoring::MIN_LEVEL..=scoring::MAX_LEVEL {
                                table[((conf << 3) | u32::from(level)) as usize] =
                                    scoring::credit_value(
                                        scoring::confidence_of(kind, expired),
                                        scoring::relation_factor(Some(rel)),
                                        level,
                                        r.min_level,
                                    );
                            }
                        }
                    }
                    for (class, &credit) in table.iter().enumerate() {
                        if credit > 0.0 {
                            t.push((credit, ((skill as usize) << 6) | class));
                        }
                    }
                    if skill_idx[skill as usize] == NONE {
                        skill_idx[skill as usize] = per_skill.len() as u32;
                        per_skill.push(Vec::new());
                    }
                    per_skill[skill_idx[skill as usize] as usize].push((ri, table));
                }
            }
            t.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            classes.push(t);
        }
        let mut skill_start = vec![NONE; tax.len()];
        let mut skill_end = vec![NONE; tax.len()];
        let mut entries = Vec::new();
        for (skill, &i) in skill_idx.iter().enumerate() {
            if i != NONE {
                skill_start[skill] = entries.len() as u32;
                entries.extend(per_skill[i as usize].iter().copied());
                skill_end[skill] = entries.len() as u32;
            }
        }
        Compiled {
            reqs: reqs.to_vec(),
            total: scoring::total_weight(reqs),
            skill_start,
            skill_end,
            entries,
            classes,
        }
    }

    /// Exact score of a slot; `None` when `must_have_all` and a must-have has credit 0.
    #[inline]
    pub(crate) fn score(
        &self,
        s: &LearnerStore,
        slot: u32,
        must_have_all: bool,
        cred: &mut [f64],
    ) -> Option<f64> {
        if self.reqs.is_empty() {
            return Some(0.0);
        }
        cred.iter_mut().for_each(|c| *c = 0.0);
        for &e in s.evidence(slot) {
            let skill = (e & crate::engine::forward::SKILL_MASK) as usize;
            let Some(&a) = self.skill_start.get(skill) else {
                continue;
            };
            if a == NONE {
                continue;
            }
            let idx = ((e >> 20) & 63) as usize;
            for (ri, table) in &self.entries[a as usize..self.skill_end[skill] as usize] {
                let c = table[idx];
                if c > cred[*ri] {
                    cred[*ri] = c;
                }
            }
        }
        let mut sum = scoring::ScoreSum::new();
        for (r, &c) in self.reqs.iter().zip(cred.iter()) {
            if c <= 0.0 {
                if must_have_all && r.required {
                    return None;
                }
                sum.add_zero();
                continue;
            }
            sum.add(r.weight, c, self.total);
        }
        Some(sum.finish())
    }

    /// Marks every slot holding a skill related to any requirement.
    pub(crate) fn union_all(&self, s: &LearnerStore, out: &mut BitSet) {
        for t in &self.classes {
            for &(_, list) in t {
                for &slot in &s.postings[list] {
                    out.insert(slot);
                }
            }
        }
    }
}

/// What the caller asks for, already resolved.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    pub elig: Eligibility,
    pub must_have_all: bool,
    pub min_score: f64,
    /// Results must come strictly after this one.
    pub after: Option<Ranked>,
    /// How many results (already +1 for "has next page").
    pub k: usize,
}

impl Params {
    /// Whether a scored slot is a result (score rule, min score, cursor).
    #[inline]
    fn accepts(&self, r: &Ranked) -> bool {
        r.score > 0.0 && r.score >= self.min_score && self.after.is_none_or(|a| *r > a)
    }
}

/// Scores slots one by one and keeps the best `k` at or above `floor`.
struct RangeScorer<'a> {
    s: &'a LearnerStore,
    q: &'a Compiled,
    p: &'a Params,
    floor: f64,
    top: TopK,
    cred: Vec<f64>,
}

impl<'a> RangeScorer<'a> {
    fn new(s: &'a LearnerStore, q: &'a Compiled, p: &'a Params, floor: f64) -> Self {
        RangeScorer {
            s,
            q,
            p,
            floor,
            top: TopK::new(p.k),
            cred: vec![0.0; q.reqs.len()],
        }
    }

    #[inline]
    fn visit(&mut self, slot: u32) {
        if !self.p.elig.admits(self.s, slot) {
            return;
        }
        if let Some(score) = self
            .q
            .score(self.s, slot, self.p.must_have_all, &mut self.cred)
        {
            if score < self.floor {
                return;
            }
            let r = Ranked {
                score,
                relevance: 0.0,
                id: self.s.ids[slot as usize],
            };
            if self.p.accepts(&r) {
                self.top.push(r);
            }
        }
    }
}

/// The optimised brute-force baseline: every slot, in order, exactly scored.
pub(crate) fn scan(s: &LearnerStore, q: &Compiled, p: &Params) -> Vec<Ranked> {
    let mut sc = RangeScorer::new(s, q, p, 0.0);
    (0..s.num_slots()).for_each(|slot| sc.visit(slot));
    sc.top.into_sorted()
}

/// Steps 3 and 4 of the module docs for the slots in `[from, to)`: marks the learners in
/// at least `plan.m` essential sets, then scores them (all slots of the range when more
/// than 40% are marked), skipping the already scored `seen` slots. Returns the best `k`
/// and whether the range was scanned.
#[allow(clippy::too_many_arguments)] // one call site per thread; a struct would only rename them
fn mark_and_score(
    s: &LearnerStore,
    q: &Compiled,
    p: &Params,
    plan: Plan,
    from: u32,
    to: u32,
    floor: f64,
    seen: &BitSet,
) -> (TopK, bool) {
    let len = (to - from) as usize;
    let lists_above = |ri: usize, cutoff: f64| {
        q.classes[ri]
            .iter()
            .rev()
            .take_while(move |(credit, _)| *credit > cutoff)
            .map(|&(_, list)| &s.postings[list])
    };
    let mark = |list: &Vec<u32>, b: &mut BitSet| {
        let start = list.partition_point(|&x| x < from);
        for &slot in &list[start..] {
            if slot >= to {
                break;
            }
            b.insert(slot - from);
        }
    };
    let cand = if plan.m == 0 {
        // no pruning possible: every related learner is a candidate
        let mut cand = BitSet::new(len);
        for ri in 0..q.reqs.len() {
            for list in lists_above(ri, 0.0) {
                mark(list, &mut cand);
            }
        }
        cand
    } else {
        let words = len.div_ceil(64);
        let mut at_least: Vec<Vec<u64>> = vec![vec![0u64; words]; plan.m];
        let mut b = BitSet::new(len);
        for ri in 0..q.reqs.len() {
            b.words.iter_mut().for_each(|w| *w = 0);
            for list in lists_above(ri, plan.cutoff) {
                mark(list, &mut b);
            }
            for j in (1..plan.m).rev() {
                let (lo, hi) = at_least.split_at_mut(j);
                for ((h, l), bw) in hi[0].iter_mut().zip(&lo[j - 1]).zip(&b.words) {
                    *h |= l & bw;
                }
            }
            if let Some(first) = at_least.first_mut() {
                for (a, bw) in first.iter_mut().zip(&b.words) {
                    *a |= bw;
                }
            }
        }
        BitSet {
            words: at_least.pop().unwrap_or_else(|| vec![0u64; words]),
        }
    };
    let marked: usize = cand.words.iter().map(|w| w.count_ones() as usize).sum();
    let mut sc = RangeScorer::new(s, q, p, floor);
    // When the essential postings cover much of the range, a plain scan (sequential
    // memory) is cheaper than following the bitset.
    let scanned = marked * 5 > len * 2;
    if scanned {
        for slot in from..to {
            if !seen.contains(slot) {
                sc.visit(slot);
            }
        }
    } else {
        cand.for_each_in(0, len as u32, |i| {
            let slot = from + i;
            if !seen.contains(slot) {
                sc.visit(slot);
            }
        });
    }
    (sc.top, scanned)
}

/// Which way [`search_traced`] went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Path {
    /// Nothing to do.
    Empty,
    /// Pruned candidates (in at least this many essential sets) scored from the bitset.
    Pruned(usize),
    /// Candidates covered so much that a full scan was cheaper.
    Scan,
}

/// Retrieval with seeded threshold and MaxScore-style pruning (see the module docs).
pub(crate) fn search(s: &LearnerStore, q: &Compiled, p: &Params, threads: usize) -> Vec<Ranked> {
    search_traced(s, q, p, threads).0
}

pub(crate) fn search_traced(
    s: &LearnerStore,
    q: &Compiled,
    p: &Params,
    threads: usize,
) -> (Vec<Ranked>, Path) {
    let n = s.num_slots();
    if q.reqs.is_empty() || p.k == 0 || n == 0 {
        return (Vec::new(), Path::Empty);
    }
    // 1. Seed: learners with full-credit evidence (e.g. verified, at the level, on the
    //    skill itself) for the heaviest requirements, a strided sample of at most
    //    SEED_SAMPLE slots. Their k-th best score bounds the final k-th best from below.
    let mut seen = BitSet::new(n as usize);
    let mut seed_top = TopK::new(p.k);
    let mut cred = vec![0.0; q.reqs.len()];
    let mut by_weight: Vec<usize> = (0..q.reqs.len()).collect();
    by_weight.sort_by(|&a, &b| {
        q.reqs[b]
            .weight
            .total_cmp(&q.reqs[a].weight)
            .then(a.cmp(&b))
    });
    let seed_reqs = by_weight.len().min(3);
    for &ri in &by_weight[..seed_reqs] {
        let lists: Vec<&Vec<u32>> = q.classes[ri]
            .iter()
            .rev()
            .take_while(|(c, _)| *c >= 1.0)
            .map(|&(_, l)| &s.postings[l])
            .collect();
        let len: usize = lists.iter().map(|l| l.len()).sum();
        let stride = len.div_ceil(SEED_SAMPLE / seed_reqs).max(1);
        for &slot in lists.into_iter().flatten().step_by(stride) {
            if seen.contains(slot) {
                continue;
            }
            seen.insert(slot);
            if !p.elig.admits(s, slot) {
                continue;
            }
            if let Some(score) = q.score(s, slot, p.must_have_all, &mut cred) {
                let r = Ranked {
                    score,
                    relevance: 0.0,
                    id: s.ids[slot as usize],
                };
                if p.accepts(&r) {
                    seed_top.push(r);
                }
            }
        }
    }
    let theta = seed_top.threshold().max(p.min_score);
    // 2. Choose a credit cutoff `c` and a count `m`: per requirement i, the *essential*
    //    lists E_i are those whose credit exceeds `c`; `b_i` is the largest credit of its
    //    other lists. A learner in fewer than m of the E_i scores at most
    //    sum_i w_i b_i / W + (the m - 1 largest w_i (1 - b_i) / W), so when that bound is
    //    below theta only learners in at least m essential sets can enter the top k.
    let plan = plan_cut(s, q, theta, n);
    // 3-4. Mark and score, per slot range (one range per thread); learners scoring
    //      below the seeded k-th best cannot enter the top k.
    let floor = seed_top.threshold();
    let parts: Vec<(TopK, bool)> = if threads <= 1 || n < PARALLEL_MIN_SLOTS {
        vec![mark_and_score(s, q, p, plan, 0, n, floor, &seen)]
    } else {
        let chunk = n.div_ceil(threads as u32).next_multiple_of(64);
        let range = |t: u32| ((t * chunk).min(n), ((t + 1) * chunk).min(n));
        std::thread::scope(|sc| {
            let seen = &seen;
            let handles: Vec<_> = (0..threads as u32)
                .map(|t| {
                    let (a, b) = range(t);
                    sc.spawn(move || mark_and_score(s, q, p, plan, a, b, floor, seen))
                })
                .collect();
            // A thread cannot panic on valid input; should one, redo its range here.
            handles
                .into_iter()
                .enumerate()
                .map(|(t, h)| {
                    h.join().unwrap_or_else(|_| {
                        let (a, b) = range(t as u32);
                        mark_and_score(s, q, p, plan, a, b, floor, seen)
                    })
                })
                .collect()
        })
    };
    let scanned = parts.iter().all(|(_, scanned)| *scanned);
    let top = parts.into_iter().fold(seed_top, |acc, (t, _)| acc.merge(t));
    let path = if scanned {
        Path::Scan
    } else {
        Path::Pruned(plan.m)
    };
    (top.into_sorted(), path)
}

/// The pruning plan of a query: credit cutoff and minimum count of essential sets.
#[derive(Debug, Clone, Copy)]
struct Plan {
    cutoff: f64,
    /// 0: no pruning (every related learner is a candidate).
    m: usize,
}

/// Chooses the cutoff and count minimising an estimate of the work: postings read
/// (about 2 ns each) plus candidates scored (about 60 ns each), the candidates estimated
/// as if learners fell into the essential sets independently.
fn plan_cut(s: &LearnerStore, q: &Compiled, theta: f64, n: u32) -> Plan {
    let nreq = q.reqs.len();
    let none = Plan { cutoff: 0.0, m: 0 };
    if theta <= 0.0 || nreq == 0 || n == 0 {
        return none;
    }
    // Candidate cutoffs: every distinct credit value (and 0).
    let mut cutoffs: Vec<f64> = q.classes.iter().flatten().map(|&(c, _)| c).collect();
    cutoffs.push(0.0);
    cutoffs.sort_by(|a, b| a.total_cmp(b));
    cutoffs.dedup();
    // Per requirement: credits ascending and the postings volume of each suffix.
    let suffix: Vec<Vec<usize>> = q
        .classes
        .iter()
        .map(|cl| {
            let mut acc = vec![0usize; cl.len() + 1];
            for (i, &(_, list)) in cl.iter().enumerate().rev() {
                acc[i] = acc[i + 1] + s.postings[list].len();
            }
            acc
        })
        .collect();
    let mut best: Option<(f64, Plan)> = None;
    let mut b = vec![0.0f64; nreq];
    let mut gains = vec![0.0f64; nreq];
    let mut p = vec![0.0f64; nreq];
    for &cutoff in &cutoffs {
        let mut volume = 0usize;
        for ri in 0..nreq {
            let cl = &q.classes[ri];
            let idx = cl.partition_point(|&(c, _)| c <= cutoff);
            let max_ne = if idx == 0 { 0.0 } else { cl[idx - 1].0 };
            let ess = suffix[ri][idx];
            b[ri] = max_ne;
            volume += ess;
            p[ri] = (ess as f64 / f64::from(n)).min(1.0);
            gains[ri] = scoring::contribution(q.reqs[ri].weight, 1.0 - max_ne, q.total);
        }
        let base: f64 = (0..nreq)
            .map(|ri| scoring::contribution(q.reqs[ri].weight, b[ri], q.total))
            .sum();
        gains.sort_by(|a, b| b.total_cmp(a));
        // P(at least m of the E_i), independent approximation (Poisson binomial).
        let mut dist = vec![0.0f64; nreq + 1];
        dist[0] = 1.0;
        for &pi in &p {
            for j in (1..=nreq).rev() {
                dist[j] = dist[j] * (1.0 - pi) + dist[j - 1] * pi;
            }
            dist[0] *= 1.0 - pi;
        }
        let mut extra = 0.0;
        for m in 1..=nreq {
            if m > 1 {
                extra += gains[m - 2];
            }
            if base + extra + BOUND_SLACK >= theta {
                break;
            }
            let cands: f64 = dist[m..].iter().sum::<f64>() * f64::from(n);
            let cost = volume as f64 * 2.0 + cands * 60.0;
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, Plan { cutoff, m }));
            }
        }
    }
    best.map_or(none, |(_, plan)| plan)
}

/// Number of results of the query, ignoring the cursor.
pub(crate) fn count(s: &LearnerStore, q: &Compiled, p: &Params) -> u64 {
    let mut union = BitSet::new(s.num_slots() as usize);
    q.union_all(s, &mut union);
    let mut cred = vec![0.0; q.reqs.len()];
    let simple = !p.must_have_all && p.min_score <= 0.0;
    let mut n = 0u64;
    union.for_each_in(0, s.num_slots(), |slot| {
        if !p.elig.admits(s, slot) {
            return;
        }
        if simple {
            // Any held related skill gives a positive credit (confidence, relation and
            // level ratio are all > 0), so the score is > 0.
            n += 1;
        } else if let Some(score) = q.score(s, slot, p.must_have_all, &mut cred)
            && score > 0.0
            && score >= p.min_score
        {
            n += 1;
        }
    });
    n
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::engine::docs::{LearnerDoc, RemotePreference, Visibility};
    use crate::scoring::Evidence;
    use crate::taxonomy::SkillDef;

    /// On clustered data large enough for pruning and for two threads, the pruned search
    /// equals the scan for random queries, filters, thresholds and cursors, and the
    /// pruned path is really taken.
    #[test]
    fn pruned_search_equals_scan_on_clustered_data() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut defs = Vec::new();
        let def = |id: i64, parent: Option<i64>| SkillDef {
            id,
            slug: format!("s{id}"),
            name: format!("Skill {id}"),
            category: "c".into(),
            parent,
            aliases: vec![],
            ambiguous: false,
        };
        for r in 0..3 {
            defs.push(def(r, None));
        }
        for f in 0..12 {
            defs.push(def(100 + f, Some(f % 3)));
            for l in 0..8 {
                defs.push(def(1000 + f * 8 + l, Some(100 + f)));
            }
        }
        let tax = Taxonomy::new(defs).expect("valid");
        let clusters: Vec<Vec<i64>> = (0..6)
            .map(|c| {
                (0..10)
                    .map(|i| 1000 + ((c * 13 + i * 7) % 96) as i64)
                    .collect()
            })
            .collect();
        let mut store = LearnerStore::new(tax.len());
        for id in 0..6000i64 {
            let core = &clusters[rng.random_range(0..clusters.len())];
            let mut evidence = Vec::new();
            for &skill in core {
                if rng.random::<f64>() < 0.6 {
                    evidence.push(skill);
                }
            }
            for _ in 0..rng.random_range(0..4) {
                evidence.push(1000 + rng.random_range(0..96));
            }
            let doc = LearnerDoc {
                id: (id * 7919) % 6007,
                visibility: [
                    Visibility::Private,
                    Visibility::Recruiters,
                    Visibility::Public,
                ][rng.random_range(0..3)],
                location: [None, Some("a".to_string()), Some("b".to_string())]
                    [rng.random_range(0..3)]
                .clone(),
                remote_preference: [
                    RemotePreference::OnSite,
                    RemotePreference::Hybrid,
                    RemotePreference::Remote,
                ][rng.random_range(0..3)],
                headline: String::new(),
                bio: String::new(),
                credential_titles: vec![],
                evidence: evidence
                    .into_iter()
                    .map(|skill| Evidence {
                        skill,
                        level: rng.random_range(1..=5),
                        kind: EvidenceKind::from_code(rng.random_range(0..3)).expect("code"),
                        expired: rng.random::<f64>() < 0.1,
                        credential_id: None,
                    })
                    .collect(),
            };
            store.upsert(&tax, &doc);
        }
        store.compact(&tax);
        let mut pruned = 0;
        let mut multi = 0;
        for round in 0..120 {
            let core = &clusters[rng.random_range(0..clusters.len())];
            let reqs: Vec<Requirement> = (0..rng.random_range(1..9))
                .map(|_| Requirement {
                    skill: if rng.random::<f64>() < 0.8 {
                        core[rng.random_range(0..core.len())]
                    } else {
                        1000 + rng.random_range(0..96)
                    },
                    min_level: rng.random_range(1..=5),
                    weight: f64::from(rng.random_range(1..4u8)),
                    required: rng.random(),
                })
                .collect();
            let q = Compiled::new(&tax, &reqs);
            let mut p = Params {
                elig: Eligibility {
                    recruiters_only: true,
                    location: [None, store.location_code(Some("a")), Some(NO_LOCATION)]
                        [rng.random_range(0..3)],
                    remote: [None, Some(true), Some(false)][rng.random_range(0..3)],
                },
                must_have_all: rng.random::<f64>() < 0.3,
                min_score: [0.0, 0.0, 0.2, 0.5][rng.random_range(0..4)],
                after: None,
                k: rng.random_range(1..40),
            };
            let expected = scan(&store, &q, &p);
            let (got, path) = search_traced(&store, &q, &p, 1 + round % 2);
            assert_eq!(got, expected, "round {round}");
            pruned += usize::from(matches!(path, Path::Pruned(_)));
            multi += usize::from(matches!(path, Path::Pruned(m) if m >= 2));
            // next page after a cursor in the middle
            if let Some(&mid) = expected.get(expected.len() / 2) {
                p.after = Some(mid);
                assert_eq!(
                    search(&store, &q, &p, 2),
                    scan(&store, &q, &p),
                    "round {round} page 2"
                );
            }
        }
        assert!(pruned > 10, "pruned path taken only {pruned} times");
        assert!(
            multi > 5,
            "pruning by count of essential sets taken only {multi} times"
        );
    }
}
