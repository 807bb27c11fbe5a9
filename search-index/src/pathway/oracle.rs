//! Exhaustive search: the obviously correct reference the optimiser is tested against.
//! Enumerates every subset of the options (so only for small catalogues), checks that it
//! can be ordered by a fixpoint over raw facts, and keeps the best by the same objective.

use std::collections::HashMap;

use super::problem::{Budget, Objective, Problem, SkillId, hours_to_seconds};

/// The best objective value over all subsets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OracleBest {
    /// Weight of the gaps closed (f64 sum in gap order).
    pub closed_weight: f64,
    /// (primary, secondary, steps) of the objective.
    pub objective: (i64, i64, usize),
    /// Gaps that some orderable subset closes.
    pub coverable: u64,
}

/// Whether the options in `set` (bit i = option i) can be ordered; returns the gaps
/// they close.
fn orderable(problem: &Problem, set: u32) -> Option<u64> {
    let mut held: HashMap<SkillId, u8> = HashMap::new();
    for f in &problem.held {
        let l = held.entry(f.skill).or_insert(0);
        *l = (*l).max(f.level);
    }
    let mut taken = 0_u32;
    loop {
        let mut progress = false;
        for (i, o) in problem.options.iter().enumerate() {
            let bit = 1 << i;
            if set & bit == 0 || taken & bit != 0 {
                continue;
            }
            let ready = o
                .prerequisites
                .iter()
                .all(|f| held.get(&f.skill).is_some_and(|&l| l >= f.level));
            if ready {
                taken |= bit;
                progress = true;
                for f in &o.grants {
                    let l = held.entry(f.skill).or_insert(0);
                    *l = (*l).max(f.level);
                }
            }
        }
        if !progress {
            break;
        }
    }
    (taken == set).then(|| {
        problem
            .options
            .iter()
            .enumerate()
            .filter(|&(i, _)| set & (1 << i) != 0)
            .flat_map(|(_, o)| o.closes.iter().map(|&g| 1_u64 << g))
            .fold(0, |m, g| m | g)
    })
}

/// The optimum by brute force (at most 16 options).
pub(crate) fn oracle(problem: &Problem, objective: Objective, budget: &Budget) -> OracleBest {
    let n = problem.options.len();
    assert!(n <= 16, "oracle is exhaustive");
    let secs: Vec<i64> = problem
        .options
        .iter()
        .map(|o| hours_to_seconds(o.hours).expect("valid hours"))
        .collect();
    let max_secs = budget.max_hours.map(|h| (h * 3600.0).round() as i64);
    let mut feasible: Vec<(u32, u64)> = Vec::new();
    for set in 0..(1_u32 << n) {
        if let Some(closed) = orderable(problem, set) {
            feasible.push((set, closed));
        }
    }
    let coverable = feasible.iter().fold(0, |m, &(_, c)| m | c);
    let mut best: Option<(f64, (i64, i64, usize))> = None;
    for (set, closed) in feasible {
        let members = (0..n).filter(|&i| set & (1 << i) != 0);
        let cost: i64 = members.clone().map(|i| problem.options[i].cost_cents).sum();
        let time: i64 = members.map(|i| secs[i]).sum();
        if budget.max_cost_cents.is_some_and(|b| cost > b) || max_secs.is_some_and(|b| time > b) {
            continue;
        }
        if !budget.is_limited() && closed != coverable {
            continue;
        }
        let weight: f64 = (0..problem.gap_weights.len())
            .filter(|&g| closed & (1 << g) != 0)
            .map(|g| problem.gap_weights[g])
            .sum();
        let steps = set.count_ones() as usize;
        let obj = match objective {
            Objective::Cost => (cost, time, steps),
            Objective::Hours => (time, cost, steps),
        };
        let better = match best {
            None => true,
            Some((w, o)) => weight > w || (weight == w && obj < o),
        };
        if better {
            best = Some((weight, obj));
        }
    }
    let (closed_weight, objective) = best.expect("the empty set is always orderable");
    OracleBest {
        closed_weight,
        objective,
        coverable,
    }
}
