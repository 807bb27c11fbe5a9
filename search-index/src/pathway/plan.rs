//! Gap analysis and pathways for a learner against a job's (or occupation's)
//! requirements: builds the abstract [`Problem`] from the catalogue, solves it, and
//! re-scores with the chosen microcredentials as verified evidence.

use std::collections::BTreeMap;

use thiserror::Error;

use super::catalogue::Catalogue;
use super::order::Pathway;
use super::problem::{LearningOption, PathwayError, Problem, SkillLevel, SolveOptions};
use crate::scoring::{CONF_VERIFIED, Evidence, EvidenceKind, Explanation, Gap, Requirement};
use crate::scoring::{ScoringError, score};
use crate::taxonomy::Taxonomy;

/// Why a pathway could not be planned.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanError {
    /// Invalid requirements or evidence.
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    /// Invalid catalogue data (e.g. NaN hours, duplicate ids) or budget.
    #[error(transparent)]
    Pathway(#[from] PathwayError),
}

/// A learning pathway for one set of requirements, with its effect on the score.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedPathway {
    /// The gaps (requirements with credit below 1), by weight x (1 - credit) descending.
    pub gaps: Vec<Gap>,
    /// Ids of the microcredentials considered (those closing a gap and their possible
    /// enablers); [`Step::option`](super::Step::option) indexes this list and
    /// [`Step::option_id`](super::Step::option_id) is the microcredential id. Gap indices in
    /// the pathway index [`PlannedPathway::gaps`].
    pub candidates: Vec<i64>,
    /// The optimised pathway.
    pub pathway: Pathway,
    /// The match score now.
    pub current_score: f64,
    /// The match score, explained, with the pathway's microcredentials added as verified
    /// evidence at their taught levels.
    pub projected: Explanation,
}

/// The gaps of `evidence` against `reqs` (MATCHING.md "Gap analysis"): every requirement
/// with credit below 1, by weight x (1 - credit) descending. Computed by
/// [`scoring`](crate::scoring).
///
/// # Errors
/// Invalid requirements or evidence levels.
pub fn gap_analysis(
    tax: &Taxonomy,
    reqs: &[Requirement],
    evidence: &[Evidence],
) -> Result<Vec<Gap>, ScoringError> {
    Ok(score(tax, reqs, evidence)?.gaps())
}

/// The facts a learner holds with credit 1: verified, unexpired evidence, at its level.
pub fn held_facts(evidence: &[Evidence]) -> Vec<SkillLevel> {
    evidence
        .iter()
        .filter(|e| e.confidence() == CONF_VERIFIED)
        .map(|e| SkillLevel::new(e.skill, e.level))
        .collect()
}

/// Verified evidence for what a microcredential teaches (no credential id yet).
pub fn taught_evidence(skills: &[(crate::taxonomy::SkillId, u8)]) -> Vec<Evidence> {
    skills
        .iter()
        .map(|&(skill, level)| Evidence {
            skill,
            level,
            kind: EvidenceKind::VerifiedCredential,
            expired: false,
            credential_id: None,
        })
        .collect()
}

/// Plans the best pathway closing the gaps of `evidence` against `reqs`.
///
/// A microcredential closes a gap when it teaches the gap's skill or a descendant (in
/// `tax`) at the required level or above (MATCHING.md). Note that a descendant earns
/// credit 0.9, not 1, so such a gap still shows, smaller, in the projected explanation.
/// Candidates are the active microcredentials closing some gap, plus, transitively, those
/// teaching an unmet prerequisite of a candidate (same skill, level or above), less those
/// that provably lie in no optimal pathway (see the `select` module).
///
/// # Errors
/// [`PlanError::Scoring`] for invalid requirements or evidence, [`PlanError::Pathway`] for
/// invalid candidate data or budget.
pub fn plan(
    tax: &Taxonomy,
    reqs: &[Requirement],
    evidence: &[Evidence],
    catalogue: &Catalogue,
    options: &SolveOptions,
) -> Result<PlannedPathway, PlanError> {
    plan_with(tax, reqs, evidence, catalogue, options, true)
}

/// [`plan`], with the `select` cut (`cut`) or with the plain transitive closure (for the
/// tests that hold the two to the same optimum).
pub(crate) fn plan_with(
    tax: &Taxonomy,
    reqs: &[Requirement],
    evidence: &[Evidence],
    catalogue: &Catalogue,
    options: &SolveOptions,
    cut: bool,
) -> Result<PlannedPathway, PlanError> {
    let current = score(tax, reqs, evidence)?;
    let gaps = current.gaps();
    let held = held_facts(evidence);

    // Doc index -> gaps it closes.
    let mut cands: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (g, gap) in gaps.iter().enumerate() {
        let r = &gap.requirement;
        let Some(rd) = tax.dense(r.skill) else {
            continue; // Unknown skill: nothing earns credit for it.
        };
        for &d in tax.subtree_dense(rd) {
            for i in catalogue.teaching(tax.id_of(d), r.min_level) {
                cands.entry(i).or_default().push(g);
            }
        }
    }
    let cands = if cut {
        super::select::select(catalogue, cands, &held, options.objective, &options.budget)
    } else {
        let holds =
            |&(skill, level): &(i64, u8)| held.iter().any(|f| f.skill == skill && f.level >= level);
        super::select::closure(catalogue, cands, &holds, &|_| true)
    };

    let fact = |&(s, l): &(i64, u8)| SkillLevel::new(s, l);
    let problem = Problem {
        gap_weights: gaps.iter().map(|g| g.requirement.weight).collect(),
        options: cands
            .iter()
            .map(|(&i, closes)| {
                let d = &catalogue.docs()[i];
                LearningOption {
                    id: d.id,
                    cost_cents: d.cost_cents,
                    hours: d.hours,
                    closes: closes.clone(),
                    grants: d.skills.iter().map(fact).collect(),
                    prerequisites: d.prerequisites.iter().map(fact).collect(),
                }
            })
            .collect(),
        held,
    };
    let pathway = super::solve(&problem, options)?;

    let mut projected_evidence = evidence.to_vec();
    for step in &pathway.steps {
        let grants: Vec<(i64, u8)> = problem.options[step.option]
            .grants
            .iter()
            .map(|f| (f.skill, f.level))
            .collect();
        projected_evidence.extend(taught_evidence(&grants));
    }
    let projected = score(tax, reqs, &projected_evidence)?;
    Ok(PlannedPathway {
        gaps,
        candidates: problem.options.iter().map(|o| o.id).collect(),
        pathway,
        current_score: current.score,
        projected,
    })
}
