//! Turning a [`Problem`] into the optimiser's compact form: validation, prerequisite
//! atoms, reachability, relevant candidates, dominance and integer objective keys.

use std::collections::{HashMap, HashSet};

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

    // Relevant: reachable closers, plus reachable providers of atoms they need.
    let mut relevant = vec![false; n_opts];
    let mut stack: Vec<usize> = (0..n_opts)
        .filter(|&i| reachable[i] && closes[i] != 0)
        .collect();
    let mut atom_needed = vec![false; n_atoms];
    while let Some(i) = stack.pop() {
        if relevant[i] {
            continue;
        }
        relevant[i] = true;
        for &a in &req_atoms[i] {
            if !atom_needed[a] {
                atom_needed[a] = true;
                stack.extend(granters[a].iter().copied().filter(|&j| reachable[j]));
            }
        }
    }

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

fn remove_dominated(cands: Vec<Cand>, id: &dyn Fn(&Cand) -> i64) -> Vec<Cand> {
    let keep: Vec<bool> = cands
        .iter()
        .map(|b| {
            !cands.iter().any(|a| {
                // Equal in every respect: the lower id stays.
                !std::ptr::eq(a, b)
                    && weakly_dominates(a, b)
                    && (!weakly_dominates(b, a) || id(a) < id(b))
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
    let split = |c: &Cand| match objective {
        Objective::Cost => (c.cost, c.secs),
        Objective::Hours => (c.secs, c.cost),
    };
    let m2 = i128::try_from(cands.len()).map_err(|_| PathwayError::Overflow)? + 1;
    let mut sum_secondary: i128 = 0;
    let mut sum_primary: i128 = 0;
    for c in cands.iter() {
        let (p, s) = split(c);
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
    for c in cands.iter_mut() {
        let (p, s) = split(c);
        c.key = i128::from(p) * m1 + i128::from(s) * m2 + 1;
    }
    Ok(())
}
