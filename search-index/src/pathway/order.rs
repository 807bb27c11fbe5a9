//! The answer: steps in a valid order, totals and the gaps closed.

use std::collections::HashMap;

use super::problem::{PathwayError, Problem, SkillId, SkillLevel, hours_to_seconds};

/// One step of a pathway.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// Index into [`Problem::options`].
    pub option: usize,
    /// The option's id.
    pub option_id: i64,
    /// Gaps this step closes that no earlier step closed, ascending.
    pub closes: Vec<usize>,
}

/// An optimised learning pathway.
#[derive(Clone, Debug, PartialEq)]
pub struct Pathway {
    /// The options to take, in an order where each one's prerequisites are held already
    /// or granted by an earlier step; among the steps takeable at each point, the
    /// cheapest, then the lowest id, comes first.
    pub steps: Vec<Step>,
    /// Sum of the steps' costs.
    pub total_cost_cents: i64,
    /// Sum of the steps' hours (each counted in whole seconds, see
    /// [`LearningOption::hours`](super::LearningOption::hours)).
    pub total_hours: f64,
    /// Gaps the pathway closes, ascending.
    pub closed: Vec<usize>,
    /// Total weight of `closed`.
    pub closed_weight: f64,
    /// Gaps some option could close but the pathway does not (only under a budget).
    pub not_closed: Vec<usize>,
    /// Gaps no takeable option closes, ascending.
    pub uncoverable: Vec<usize>,
    /// True when the search finished: no pathway is better. False when the work bound
    /// stopped it first; the pathway is then valid but perhaps not the best.
    pub optimal: bool,
    /// Search nodes visited.
    pub nodes_explored: u64,
}

/// Orders the chosen options (indices into `problem.options`) and totals them.
pub(crate) fn build(
    problem: &Problem,
    chosen: &[usize],
    coverable: u64,
    optimal: bool,
    nodes_explored: u64,
) -> Result<Pathway, PathwayError> {
    let mut held: HashMap<SkillId, u8> = HashMap::new();
    let learn = |held: &mut HashMap<SkillId, u8>, f: &SkillLevel| {
        let l = held.entry(f.skill).or_insert(0);
        *l = (*l).max(f.level);
    };
    for f in &problem.held {
        learn(&mut held, f);
    }
    let mut left: Vec<usize> = chosen.to_vec();
    let mut steps = Vec::with_capacity(left.len());
    let mut closed_mask = 0_u64;
    let mut total_cost: i64 = 0;
    let mut total_secs: i64 = 0;
    while !left.is_empty() {
        let next = left
            .iter()
            .enumerate()
            .filter(|&(_, &i)| {
                problem.options[i]
                    .prerequisites
                    .iter()
                    .all(|f| held.get(&f.skill).is_some_and(|&l| l >= f.level))
            })
            .min_by_key(|&(_, &i)| (problem.options[i].cost_cents, problem.options[i].id))
            .map(|(k, _)| k)
            // The search only returns orderable choices.
            .ok_or(PathwayError::Internal("chosen options cannot be ordered"))?;
        let i = left.swap_remove(next);
        let o = &problem.options[i];
        for f in &o.grants {
            learn(&mut held, f);
        }
        let mut closes: Vec<usize> = o
            .closes
            .iter()
            .copied()
            .filter(|&g| closed_mask & (1 << g) == 0)
            .collect();
        closes.sort_unstable();
        closes.dedup();
        for &g in &closes {
            closed_mask |= 1 << g;
        }
        total_cost = total_cost
            .checked_add(o.cost_cents)
            .ok_or(PathwayError::Overflow)?;
        total_secs += hours_to_seconds(o.hours).ok_or(PathwayError::InvalidHours {
            option_id: o.id,
            hours: o.hours,
        })?;
        steps.push(Step {
            option: i,
            option_id: o.id,
            closes,
        });
    }
    let n = problem.gap_weights.len();
    let in_mask = |mask: u64| (0..n).filter(move |&g| mask & (1 << g) != 0);
    Ok(Pathway {
        steps,
        total_cost_cents: total_cost,
        total_hours: total_secs as f64 / 3600.0,
        closed: in_mask(closed_mask).collect(),
        closed_weight: in_mask(closed_mask).map(|g| problem.gap_weights[g]).sum(),
        not_closed: in_mask(coverable & !closed_mask).collect(),
        uncoverable: in_mask(!coverable).collect(),
        optimal,
        nodes_explored,
    })
}
