//! Turning a [`Problem`] into the optimiser's compact form: validation, prerequisite
//! atoms, reachability, relevant candidates, dominance and integer objective keys.

use std::collections::{HashMap, HashSet};

use super::activation::{Graph, activation, add_chain};
use super::bitset::BitSet;
use super::problem::{
    Budget, MAX_WEIGHT, Objective, PathwayError, Problem, SkillId, check_level, hours_to_seconds,
    quantise_weights,
};

/// Most gaps supported (gap sets are `u64` masks).
pub(crate) const MAX_GAPS: usize = 64;

/// One candidate option in compact form.
#[derive(Clone, Debug)]
pub(crate) struct Cand {
    /// Index into `Problem::options`.
    pub source: usize,
    pub cost: i64,
    pub secs: i64,
    /// The lexicographic objective (primary, secondary, steps) as one integer.
    pub key: i128,
    /// Gaps closed.
    pub closes: u64,
    /// Atoms (unmet prerequisites) this option satisfies once completed.
    pub grants: BitSet,
    /// Atoms it needs first.
    pub requires: BitSet,
}

/// The compact problem.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    pub n_gaps: usize,
    /// Quantised gap weights.
    pub weight: Vec<u64>,
    /// Gaps that some reachable option closes.
    pub coverable: u64,
    /// Candidates sorted by (key, id).
    pub cands: Vec<Cand>,
    pub n_atoms: usize,
    /// Per atom, candidates granting it (in candidate order).
    pub providers: Vec<Vec<usize>>,
    /// Per gap, candidates closing it (in candidate order).
    pub closers: Vec<Vec<usize>>,
    /// Budget in cents / seconds, if any.
    pub max_cost: Option<i64>,
    pub max_secs: Option<i64>,
}

/// Validates and compacts the problem.
///
/// A prerequisite already met by `held` is dropped; every other distinct prerequisite
/// `(skill, level)` becomes an *atom*. Options that can never become takeable (forward
/// fixpoint from the held facts) are discarded, gaps none of the rest closes are
/// uncoverable, and only options that close a gap or (transitively) enable one that does
/// are kept. Then an option is dropped when another one is at least as good in every
/// respect: no more cost and hours, a superset of gaps and granted atoms, a subset of
/// required atoms (equal in all: the lower id stays). Replacing the dominated option by
/// its dominator at the same place in any order keeps that order valid and does not
/// worsen any objective or budget, so an optimum survives.
pub(crate) fn prepare(
    problem: &Problem,
    objective: Objective,
    budget: &Budget,
) -> Result<Prepared, PathwayError> {
    let n_gaps = problem.gap_weights.len();
    if n_gaps > MAX_GAPS {
        return Err(PathwayError::TooManyGaps {
            gaps: n_gaps,
            max: MAX_GAPS,
        });
    }
    for (gap, &weight) in problem.gap_weights.iter().enumerate() {
        if !weight.is_finite() || weight <= 0.0 || weight > MAX_WEIGHT {
            return Err(PathwayError::InvalidWeight { gap, weight });
        }
    }
    let (max_cost, max_secs) = check_budget(budget)?;

    let mut held: HashMap<SkillId, u8> = HashMap::new();
    for f in &problem.held {
        check_level(f)?;
        let l = held.entry(f.skill).or_insert(0);
        *l = (*l).max(f.level);
    }

    // Validate options; intern unmet prerequisites as atoms.
    let mut ids = HashSet::new();
    let mut secs = Vec::with_capacity(problem.options.len());
    let mut closes = Vec::with_capacity(problem.options.len());
    let mut atom_of: HashMap<(SkillId, u8), usize> = HashMap::new();
    let mut atoms_of_skill: HashMap<SkillId, Vec<(u8, usize)>> = HashMap::new();
    let mut req_atoms: Vec<Vec<usize>> = Vec::with_capacity(problem.options.len());
    for o in &problem.options {
        if !ids.insert(o.id) {
            return Err(PathwayError::DuplicateOptionId(o.id));
        }
        if o.cost_cents < 0 {
            return Err(PathwayError::NegativeCost {
                option_id: o.id,
                cost_cents: o.cost_cents,
            });
        }
        secs.push(hours_to_seconds(o.hours).ok_or(PathwayError::InvalidHours {
            option_id: o.id,
            hours: o.hours,
        })?);
        let mut mask = 0_u64;
        for &g in &o.closes {
            if g >= n_gaps {
                return Err(PathwayError::UnknownGap {
                    option_id: o.id,
                    gap: g,
                    gaps: n_gaps,
                });
            }
            mask |= 1 << g;
        }
        closes.push(mask);
        for f in &o.grants {
            check_level(f)?;
        }
        let mut reqs = Vec::new();
        for f in &o.prerequisites {
            check_level(f)?;
            if held.get(&f.skill).is_some_and(|&l| l >= f.level) {
                continue;
            }
            let next = atom_of.len();
            let a = *atom_of.entry((f.skill, f.level)).or_insert_with(|| {
                atoms_of_skill
                    .entry(f.skill)
                    .or_default()
                    .push((f.level, next));
                next
            });
            if !reqs.contains(&a) {
                reqs.push(a);
            }
        }
        req_atoms.push(reqs);
    }
    let n_atoms = atom_of.len();
    let n_opts = problem.options.len();

    // Atoms each option grants, and who grants / requires each atom.
    let mut grant_atoms: Vec<Vec<usize>> = vec![Vec::new(); n_opts];
    let mut granters: Vec<Vec<usize>> = vec![Vec::new(); n_atoms];
    for (i, o) in problem.options.iter().enumerate() {
        for f in &o.grants {
            for &(level, a) in atoms_of_skill.get(&f.skill).into_iter().flatten() {
                if f.level >= level && !grant_atoms[i].contains(&a) {
                    grant_atoms[i].push(a);
                    granters[a].push(i);
                }
            }
        }
    }
    let mut needers: Vec<Vec<usize>> = vec![Vec::new(); n_atoms];
    for (i, reqs) in req_atoms.iter().enumerate() {
        for &a in reqs {
            needers[a].push(i);
        }
    }

    // Forward fixpoint: which options can ever be taken.
    let mut missing: Vec<usize> = req_atoms.iter().map(Vec::len).collect();
    let mut reachable = vec![false; n_opts];
    let mut atom_done = vec![false; n_atoms];
    let mut queue: Vec<usize> = (0..n_opts).filter(|&i| missing[i] == 0).collect();
    while let Some(i) = queue.pop() {
        if reachable[i] {
            continue;
        }
        reachable[i] = true;
        for &a in &grant_atoms[i] {
            if !atom_done[a] {
                atom_done[a] = true;
                for &j in &needers[a] {
                    missing[j] -= 1;
                    if missing[j] == 0 {
                        queue.push(j);
                    }
                }
            }
        }
    }
    let coverable = (0..n_opts)
        .filter(|&i| reachable[i])
        .fold(0_u64, |m, i| m | closes[i]);

    // Relevant: reachable closers, plus reachable providers of atoms they need; then
    // discard options no optimal (or in-budget) choice can contain, and recompute.
    let graph = Graph {
        requires: &req_atoms,
        grants: &grant_atoms,
        needers: &needers,
        n_atoms,
    };
    let (relevant, _) = relevant_options(&reachable, &closes, &req_atoms, &granters, n_atoms);
    let alive = prune_by_activation(
        problem, &graph, relevant, &closes, &secs, coverable, objective, max_cost, max_secs,
    )?;
    let (relevant, atom_needed) = relevant_options(&alive, &closes, &req_atoms, &granters, n_atoms);

    let to_set = |atoms: &[usize], only_needed: bool| {
        let mut s = BitSet::new(n_atoms);
        for &a in atoms {
            if !only_needed || atom_needed[a] {
                s.insert(a);
            }
        }
        s
    };
    let mut cands: Vec<Cand> = (0..n_opts)
        .filter(|&i| relevant[i])
        .map(|i| Cand {
            source: i,
            cost: problem.options[i].cost_cents,
            secs: secs[i],
            key: 0,
            closes: closes[i],
            grants: to_set(&grant_atoms[i], true),
            requires: to_set(&req_atoms[i], false),
        })
        .collect();
    let id = |c: &Cand| problem.options[c.source].id;
    cands = remove_dominated(cands, &id);
    assign_keys(&mut cands, objective)?;
    cands.sort_by_key(|c| (c.key, id(c)));

    let mut providers = vec![Vec::new(); n_atoms];
    let mut closers = vec![Vec::new(); n_gaps];
    for (ci, c) in cands.iter().enumerate() {
        for a in c.grants.iter() {
            providers[a].push(ci);
        }
        for (g, list) in closers.iter_mut().enumerate() {
            if c.closes & (1 << g) != 0 {
                list.push(ci);
            }
        }
    }
    Ok(Prepared {
        n_gaps,
        weight: quantise_weights(&problem.gap_weights),
        coverable,
        cands,
        n_atoms,
        providers,
        closers,
        max_cost,
        max_secs,
    })
}

/// Options that close a gap, plus (transitively) providers of atoms they need, among
/// `allowed`; and which atoms are needed.
fn relevant_options(
    allowed: &[bool],
    closes: &[u64],
    req_atoms: &[Vec<usize>],
    granters: &[Vec<usize>],
    n_atoms: usize,
) -> (Vec<bool>, Vec<bool>) {
    let n = allowed.len();
    let mut relevant = vec![false; n];
    let mut stack: Vec<usize> = (0..n).filter(|&i| allowed[i] && closes[i] != 0).collect();
    let mut atom_needed = vec![false; n_atoms];
    while let Some(i) = stack.pop() {
        if relevant[i] {
            continue;
        }
        relevant[i] = true;
        for &a in &req_atoms[i] {
            if !atom_needed[a] {
                atom_needed[a] = true;
                stack.extend(granters[a].iter().copied().filter(|&j| allowed[j]));
            }
        }
    }
    (relevant, atom_needed)
}

/// Drops options whose activation bound (see `activation`) exceeds what an optimum can
/// pay: under a budget, the budget (cost and hours separately); without one, the total of
/// a quick feasible cover (each coverable gap's closer of least bound, plus its chains).
#[allow(clippy::too_many_arguments)]
fn prune_by_activation(
    problem: &Problem,
    graph: &Graph<'_>,
    mut alive: Vec<bool>,
    closes: &[u64],
    secs: &[i64],
    coverable: u64,
    objective: Objective,
    max_cost: Option<i64>,
    max_secs: Option<i64>,
) -> Result<Vec<bool>, PathwayError> {
    let n = alive.len();
    let cost: Vec<i128> = problem
        .options
        .iter()
        .map(|o| o.cost_cents.into())
        .collect();
    let time: Vec<i128> = secs.iter().map(|&s| s.into()).collect();
    if max_cost.is_some() || max_secs.is_some() {
        for (limit, value) in [(max_cost, &cost), (max_secs, &time)] {
            let Some(limit) = limit else { continue };
            let act = activation(graph, &alive, value);
            for (o, lb) in act.lb.iter().enumerate() {
                if lb.is_none_or(|lb| lb > i128::from(limit)) {
                    alive[o] = false;
                }
            }
        }
        return Ok(alive);
    }
    let pairs: Vec<(i64, i64)> = (0..n)
        .filter(|&o| alive[o])
        .map(|o| split(objective, problem.options[o].cost_cents, secs[o]))
        .collect();
    let (m1, m2) = multipliers(&pairs)?;
    let key: Vec<i128> = (0..n)
        .map(|o| {
            let (p, s) = split(objective, problem.options[o].cost_cents, secs[o]);
            i128::from(p) * m1 + i128::from(s) * m2 + 1
        })
        .collect();
    let act = activation(graph, &alive, &key);
    let mut chosen = vec![false; n];
    let mut covered = 0_u64;
    for g in 0..64 {
        let bit = 1_u64 << g;
        if coverable & bit == 0 || covered & bit != 0 {
            continue;
        }
        let best = (0..n)
            .filter(|&o| alive[o] && closes[o] & bit != 0)
            .filter_map(|o| act.lb[o].map(|lb| (lb, o)))
            .min();
        if let Some((_, o)) = best {
            add_chain(graph, &act, o, &mut chosen);
            covered = (0..n).filter(|&o| chosen[o]).fold(0, |m, o| m | closes[o]);
        }
    }
    let upper: i128 = (0..n).filter(|&o| chosen[o]).map(|o| key[o]).sum();
    for (o, lb) in act.lb.iter().enumerate() {
        if lb.is_none_or(|lb| lb > upper) {
            alive[o] = false;
        }
    }
    Ok(alive)
}

fn split(objective: Objective, cost: i64, secs: i64) -> (i64, i64) {
    match objective {
        Objective::Cost => (cost, secs),
        Objective::Hours => (secs, cost),
    }
}

fn check_budget(budget: &Budget) -> Result<(Option<i64>, Option<i64>), PathwayError> {
    let max_cost = match budget.max_cost_cents {
        Some(c) if c < 0 => {
            return Err(PathwayError::InvalidBudget(format!(
                "max cost {c} cents is negative"
            )));
        }
        c => c,
    };
    let max_secs = match budget.max_hours {
        None => None,
        Some(h) if h.is_finite() && h >= 0.0 => {
            // Beyond any possible total: treat as unlimited but still "a budget".
            Some(if h > 1e12 {
                i64::MAX
            } else {
                (h * 3600.0).round() as i64
            })
        }
        Some(h) => {
            return Err(PathwayError::InvalidBudget(format!(
                "max hours {h} is not a finite number >= 0"
            )));
        }
    };
    Ok((max_cost, max_secs))
}

/// Whether `a` is at least as good as `b` in every respect.
fn weakly_dominates(a: &Cand, b: &Cand) -> bool {
    a.cost <= b.cost
        && a.secs <= b.secs
        && a.closes & b.closes == b.closes
        && b.grants.is_subset(&a.grants)
        && a.requires.is_subset(&b.requires)
}

/// Removes dominated candidates. To stay near-linear on large candidate sets, a closer
/// is compared with every closer, and an option closing no gap (an enabler) with the
/// options granting exactly the same atoms: dominance across those groups is left to
/// the search (dropping fewer options never loses the optimum).
fn remove_dominated(cands: Vec<Cand>, id: &dyn Fn(&Cand) -> i64) -> Vec<Cand> {
    let closers: Vec<usize> = (0..cands.len()).filter(|&i| cands[i].closes != 0).collect();
    let mut same_grants: HashMap<&BitSet, Vec<usize>> = HashMap::new();
    for (i, c) in cands.iter().enumerate() {
        same_grants.entry(&c.grants).or_default().push(i);
    }
    let keep: Vec<bool> = (0..cands.len())
        .map(|bi| {
            let b = &cands[bi];
            let rivals = if b.closes != 0 {
                &closers
            } else {
                &same_grants[&b.grants]
            };
            !rivals.iter().any(|&ai| {
                let a = &cands[ai];
                // Equal in every respect: the lower id stays.
                ai != bi && weakly_dominates(a, b) && (!weakly_dominates(b, a) || id(a) < id(b))
            })
        })
        .collect();
    cands
        .into_iter()
        .zip(keep)
        .filter_map(|(c, k)| k.then_some(c))
        .collect()
}

/// key = primary * M1 + secondary * M2 + 1 per step, with M2 = n + 1 and
/// M1 = M2 * (sum of all secondaries + 1): any sum of keys compares exactly like the
/// lexicographic triple of sums.
fn assign_keys(cands: &mut [Cand], objective: Objective) -> Result<(), PathwayError> {
    let pairs: Vec<(i64, i64)> = cands
        .iter()
        .map(|c| split(objective, c.cost, c.secs))
        .collect();
    let (m1, m2) = multipliers(&pairs)?;
    for (c, (p, s)) in cands.iter_mut().zip(pairs) {
        c.key = i128::from(p) * m1 + i128::from(s) * m2 + 1;
    }
    Ok(())
}

/// (M1, M2) for `assign_keys`, checking that every total fits.
fn multipliers(pairs: &[(i64, i64)]) -> Result<(i128, i128), PathwayError> {
    let m2 = i128::try_from(pairs.len()).map_err(|_| PathwayError::Overflow)? + 1;
    let mut sum_primary: i128 = 0;
    let mut sum_secondary: i128 = 0;
    for &(p, s) in pairs {
        sum_primary = sum_primary
            .checked_add(p.into())
            .ok_or(PathwayError::Overflow)?;
        sum_secondary = sum_secondary
            .checked_add(s.into())
            .ok_or(PathwayError::Overflow)?;
    }
    // Partial sums of cost and seconds are taken in i64 by the search.
    if i64::try_from(sum_primary).is_err() || i64::try_from(sum_secondary).is_err() {
        return Err(PathwayError::Overflow);
    }
    let m1 = m2
        .checked_mul(sum_secondary + 1)
        .ok_or(PathwayError::Overflow)?;
    // The largest possible total must fit.
    (sum_primary + 1)
        .checked_mul(m1)
        .ok_or(PathwayError::Overflow)?;
    Ok((m1, m2))
}
