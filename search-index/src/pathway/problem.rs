//! The abstract pathway problem: gaps, options (microcredentials), budgets and errors.

use thiserror::Error;

/// A skill's database id (as in `search_index::taxonomy`).
pub type SkillId = i64;

/// The highest proficiency level (5, expert). Levels are `1..=MAX_LEVEL`.
pub const MAX_LEVEL: u8 = 5;

/// Default work bound of [`solve`](super::solve): the number of search nodes visited
/// before the best pathway found so far is returned with `optimal: false`.
pub const DEFAULT_MAX_NODES: u64 = 200_000;

/// The longest single option accepted, in hours (a sanity bound that keeps the
/// internal integer arithmetic far from overflow).
pub const MAX_OPTION_HOURS: f64 = 1_000_000.0;

/// "Holds `skill` at `level`": a fact the learner has now (credit 1 at that level), a
/// fact completing an option yields, or a prerequisite of an option.
///
/// A held or granted fact `(s, l)` satisfies a prerequisite `(s', l')` exactly when
/// `s == s'` and `l >= l'`: the rule for credit 1 in MATCHING.md (verified evidence of the
/// same skill, relation 1.0, at the level or above). A descendant skill does not count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkillLevel {
    /// The skill.
    pub skill: SkillId,
    /// The level, `1..=MAX_LEVEL`.
    pub level: u8,
}

impl SkillLevel {
    /// A fact `(skill, level)`.
    pub fn new(skill: SkillId, level: u8) -> Self {
        Self { skill, level }
    }
}

/// One thing the learner can take (a microcredential), as the optimiser sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningOption {
    /// Stable id (the microcredential's database id); breaks ties in the step order.
    pub id: i64,
    /// Price in cents, `>= 0`.
    pub cost_cents: i64,
    /// Study time in hours, finite, `>= 0` and at most [`MAX_OPTION_HOURS`].
    pub hours: f64,
    /// Indices into [`Problem::gap_weights`] of the gaps this option closes (computed by
    /// the caller: it teaches the gap's skill or a descendant at the required level).
    pub closes: Vec<usize>,
    /// Facts completing this option yields (verified evidence at its taught levels).
    pub grants: Vec<SkillLevel>,
    /// Facts that must hold (held now, or granted by an earlier step) before taking it.
    pub prerequisites: Vec<SkillLevel>,
}

/// The input of [`solve`](super::solve).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problem {
    /// Weight of each gap (finite, `> 0`, at most [`MAX_WEIGHT`]); gap `i` is
    /// `gap_weights[i]`. At most 64 gaps.
    pub gap_weights: Vec<f64>,
    /// The options to choose from.
    pub options: Vec<LearningOption>,
    /// Facts the learner already holds with credit 1 (verified, same skill).
    pub held: Vec<SkillLevel>,
}

/// What "cheapest" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Objective {
    /// Minimise (total cost, total hours, number of steps), lexicographically.
    #[default]
    Cost,
    /// Minimise (total hours, total cost, number of steps), lexicographically.
    Hours,
}

/// Optional limits on the whole pathway. By default there is none.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Budget {
    /// Total cost may not exceed this (cents, `>= 0`).
    pub max_cost_cents: Option<i64>,
    /// Total study time may not exceed this (hours, finite, `>= 0`).
    pub max_hours: Option<f64>,
}

impl Budget {
    /// Whether any limit is set (then the optimiser maximises the weight closed).
    pub fn is_limited(&self) -> bool {
        self.max_cost_cents.is_some() || self.max_hours.is_some()
    }
}

/// How to solve. By default: [`Objective::Cost`], no budget, [`DEFAULT_MAX_NODES`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolveOptions {
    /// What to minimise.
    pub objective: Objective,
    /// Optional budget.
    pub budget: Budget,
    /// Work bound: search nodes visited before giving up the proof of optimality.
    pub max_nodes: u64,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            objective: Objective::Cost,
            budget: Budget::default(),
            max_nodes: DEFAULT_MAX_NODES,
        }
    }
}

/// Bad input to the optimiser.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PathwayError {
    /// More gaps than the optimiser supports.
    #[error("{gaps} gaps; at most {max} are supported")]
    TooManyGaps {
        /// Gaps given.
        gaps: usize,
        /// The limit.
        max: usize,
    },
    /// A gap weight that is not finite and positive.
    #[error("gap {gap} has weight {weight}; weights must be finite, > 0 and <= {MAX_WEIGHT}")]
    InvalidWeight {
        /// Gap index.
        gap: usize,
        /// The weight given.
        weight: f64,
    },
    /// An option with a negative price.
    #[error("option {option_id} costs {cost_cents} cents; costs must be >= 0")]
    NegativeCost {
        /// The option.
        option_id: i64,
        /// The price given.
        cost_cents: i64,
    },
    /// An option whose hours are NaN, infinite, not positive or absurdly large.
    #[error(
        "option {option_id} takes {hours} hours; hours must be finite, > 0 and <= {MAX_OPTION_HOURS}"
    )]
    InvalidHours {
        /// The option.
        option_id: i64,
        /// The hours given.
        hours: f64,
    },
    /// An option claims to close a gap index that does not exist.
    #[error("option {option_id} closes gap {gap}, but there are only {gaps} gaps")]
    UnknownGap {
        /// The option.
        option_id: i64,
        /// The gap index given.
        gap: usize,
        /// Number of gaps.
        gaps: usize,
    },
    /// Two options share an id (ids break ties, so they must be unique).
    #[error("option id {0} appears more than once")]
    DuplicateOptionId(i64),
    /// A level outside `1..=MAX_LEVEL`.
    #[error("skill {skill} has level {level}; levels are 1..={MAX_LEVEL}")]
    InvalidLevel {
        /// The skill.
        skill: SkillId,
        /// The level given.
        level: u8,
    },
    /// A negative or non-finite budget.
    #[error("invalid budget: {0}")]
    InvalidBudget(String),
    /// Totals too large for exact integer arithmetic.
    #[error("costs or hours too large to optimise exactly")]
    Overflow,
    /// A bug: the optimiser produced a choice it cannot order. Please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

/// Study time in whole seconds: `round(hours * 3600)`, at least 1 when `hours > 0` (0 for
/// 0). Hours are compared as integer seconds so that the lexicographic objective is exact
/// (no float tolerance).
pub(crate) fn hours_to_seconds(hours: f64) -> Option<i64> {
    if !(0.0..=MAX_OPTION_HOURS).contains(&hours) {
        return None;
    }
    if hours == 0.0 {
        return Some(0);
    }
    // In range: at most 3.6e9, exactly representable.
    Some(((hours * 3600.0).round() as i64).max(1))
}

/// The largest gap weight accepted.
pub const MAX_WEIGHT: f64 = 1e9;

/// Gap weights as integers, so that "maximise the weight closed" compares exactly:
/// millionths, `round(w * 10^6)`, at least 1. Decimal weights such as 0.1 and 0.2 thus
/// add up to exactly 0.3; weights closer than 10^-6 count as equal.
pub(crate) fn quantise_weights(weights: &[f64]) -> Vec<u64> {
    weights
        .iter()
        .map(|w| ((w * 1e6).round() as u64).max(1))
        .collect()
}

pub(crate) fn check_level(f: &SkillLevel) -> Result<(), PathwayError> {
    if f.level == 0 || f.level > MAX_LEVEL {
        return Err(PathwayError::InvalidLevel {
            skill: f.skill,
            level: f.level,
        });
    }
    Ok(())
}
