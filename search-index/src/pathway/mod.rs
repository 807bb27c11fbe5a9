//! Learning pathways: the exact optimiser over microcredentials with prerequisites.
//!
//! # The problem ([`Problem`])
//! - Gaps `0..n` (`n <= 64`; 5-20 in practice), gap `i` with weight `gap_weights[i] > 0`.
//! - Options (microcredentials), each with a cost in cents (`>= 0`), hours (`>= 0`), an id
//!   (ties), the gaps it `closes` (the caller decides: it teaches the gap's skill or a
//!   descendant at the required level or above), the facts it `grants` when completed
//!   (verified evidence at its taught levels) and its `prerequisites`.
//! - A prerequisite `(skill, level)` holds when the learner already `held` that skill at
//!   that level or above, or an earlier step granted it: the *same* skill at a level
//!   `>=` the one asked, as "credit 1 at that level" in MATCHING.md (relation 1.0, so a
//!   descendant skill does not count).
//! - A *choice* is a set of options that can be ordered so that each one's prerequisites
//!   hold when it is taken. Options that close no gap may be needed to enable others.
//!
//! # Objectives ([`Objective`], [`Budget`])
//! - [`Objective::Cost`] minimises (total cost, total hours, steps) lexicographically,
//!   [`Objective::Hours`] (total hours, total cost, steps).
//! - Without a budget: close every *coverable* gap (one that some option closes which can
//!   itself be made takeable) at minimum objective; the others are listed as
//!   `uncoverable`.
//! - With a budget (max cost and/or max hours): maximise the weight of the gaps closed
//!   within it, then minimise the objective.
//! - Exactness in integers: hours are counted in whole seconds (`round(hours * 3600)`,
//!   at least 1 unless 0) and gap weights in millionths (`round(w * 10^6)`), so that
//!   every comparison is exact. The lexicographic triple is folded into one `i128` key
//!   whose sums compare exactly like the triples.
//!
//! # Method ([`solve`])
//! 1. *Preparation.* Prerequisites the learner meets are dropped; the rest become atoms.
//!    A forward fixpoint from the held facts finds the options that can ever be taken;
//!    gaps none of them closes are uncoverable. Only options that close a gap, and the
//!    options that transitively enable them, are kept, and an option is dropped when
//!    another is at least as good in every respect (no more cost or hours, closes and
//!    grants a superset, requires a subset).
//! 2. *Branch and bound*, depth first. A node is a set of options that must be in and a
//!    set that must stay out. If some chosen option needs an atom no chosen option
//!    grants, branch on the allowed providers of the atom with the fewest; if all atoms
//!    are granted but the options wait on each other in a cycle, branch on the providers
//!    of one unmet atom of each waiting option; otherwise branch on the open gap with the
//!    fewest allowed closers (plus, under a budget, a last child where that gap stays
//!    open). Child `i` takes option `o_i` and forbids `o_1..o_{i-1}`, so children
//!    partition the completions: every choice is examined at most once and none is
//!    missed.
//! 3. *Bounds* (see the `bounds` module): a share bound and a packing bound on the cost
//!    still to pay; under a budget, a fractional-knapsack bound on the weight still
//!    reachable, a check that the prerequisites already owed fit in the budget, and, when
//!    the weight bound only ties the incumbent, a cost bound over the gaps it would need.
//!    A node is cut only when no completion can beat the incumbent.
//! 4. *Work bound.* After [`SolveOptions::max_nodes`] nodes the search stops and returns
//!    the best choice found (or, without a budget and with none found, every candidate
//!    trimmed greedily) with `optimal: false`. `optimal: true` is a proof.
//!
//! # Example
//! ```
//! use search_index::pathway::{solve, LearningOption, Problem, SkillLevel, SolveOptions};
//!
//! // One gap (weight 1). "Intro SQL" (skill 1) is a prerequisite of "Postgres" (skill 2).
//! let problem = Problem {
//!     gap_weights: vec![1.0],
//!     options: vec![
//!         LearningOption {
//!             id: 10, cost_cents: 5_000, hours: 10.0, closes: vec![0],
//!             grants: vec![SkillLevel::new(2, 3)],
//!             prerequisites: vec![SkillLevel::new(1, 2)],
//!         },
//!         LearningOption {
//!             id: 11, cost_cents: 1_000, hours: 4.0, closes: vec![],
//!             grants: vec![SkillLevel::new(1, 2)], prerequisites: vec![],
//!         },
//!     ],
//!     held: vec![],
//! };
//! let pathway = solve(&problem, &SolveOptions::default())?;
//! let ids: Vec<i64> = pathway.steps.iter().map(|s| s.option_id).collect();
//! assert_eq!(ids, [11, 10]);
//! assert_eq!(pathway.total_cost_cents, 6_000);
//! assert!(pathway.optimal);
//! # Ok::<(), search_index::pathway::PathwayError>(())
//! ```

mod activation;
mod bitset;
mod bounds;
mod catalogue;
mod closest;
mod order;
mod plan;
mod prepare;
mod problem;
mod search;
mod select;
mod unlocks;

#[cfg(test)]
mod glue_tests;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;

pub use catalogue::{Catalogue, Microcredential};
pub use closest::closest_jobs;
pub use order::{Pathway, Step};
pub use plan::{PlanError, PlannedPathway, gap_analysis, held_facts, plan, taught_evidence};
pub use problem::{
    Budget, DEFAULT_MAX_NODES, LearningOption, MAX_LEVEL, MAX_OPTION_HOURS, MAX_WEIGHT, Objective,
    PathwayError, Problem, SkillId, SkillLevel, SolveOptions,
};
pub use unlocks::{
    ClosestJob, DEFAULT_UNLOCK_THRESHOLD, SkillUnlock, UnlockError, UnlockTarget, unlocks,
};

/// Finds the best pathway for `problem` (see the module docs for the exact meaning).
///
/// # Errors
/// [`PathwayError`] for invalid input: a weight that is not finite and positive, a
/// negative cost, hours negative or not finite, a level outside `1..=5`, a gap index out
/// of range, a duplicate option id, a negative budget, more than 64 gaps, or totals too
/// large for exact arithmetic.
pub fn solve(problem: &Problem, options: &SolveOptions) -> Result<Pathway, PathwayError> {
    let prepared = prepare::prepare(problem, options.objective, &options.budget)?;
    let outcome = search::search(&prepared, options.max_nodes);
    let chosen: Vec<usize> = outcome
        .chosen
        .iter()
        .map(|&c| prepared.cands[c].source)
        .collect();
    order::build(
        problem,
        &chosen,
        prepared.coverable,
        outcome.optimal,
        outcome.nodes,
    )
}
