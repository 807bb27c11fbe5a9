//! Match scores, credits and explanations exactly as `docs/MATCHING.md` defines them
//! (a test holds that file's constants and gap reasons equal to this module's).
//!
//! This module is the single source of truth for the numbers: the engine's fast paths,
//! gap analysis, projected scores and unlocks all call the functions here (the engine
//! precomputes tables with [`credit_value`] and sums with [`ScoreSum`], so its scores
//! are bit-for-bit the scores of [`score`]).
//!
//! # Definitions
//! For a requirement `r = (skill s, minimum level L, weight w, must-have?)`:
//!
//! ```text
//! credit(r) = max over evidence e of conf(e) * relation(e.skill, s) * min(1, e.level / L)
//! score     = sum(w * credit(r)) / sum(w)
//! ```
//!
//! - `conf`: [`CONF_VERIFIED`], [`CONF_UNVERIFIED`], [`CONF_SELF_ASSERTED`], times
//!   [`EXPIRED_FACTOR`] when expired. Revoked evidence counts 0: callers do not pass it
//!   ([`Evidence::from_status`] returns `None` for [`EvidenceStatus::Revoked`]).
//! - `relation`: [`REL_SAME`], [`REL_DESCENDANT`], [`REL_PARENT`], [`REL_SIBLING`], 0
//!   otherwise (see [`crate::taxonomy`] for the tree conventions).
//! - No evidence means credit 0; an empty profile scores 0.
//!
//! # Interpretations (where MATCHING.md leaves a choice)
//! - **Reported numbers are on a decimal grid** of [`SCORE_GRID`] (6 decimals), so a
//!   client never prints float noise such as `0.9999999999999999`:
//!   - the *score* is the in-order sum of the exact contributions `w * credit / sum(w)`,
//!     rounded to 6 decimals; it is exactly `1.0` when every requirement has full credit
//!     and exactly `0.0` when none has any credit, and otherwise kept within
//!     `[0.000001, 0.999999]` (so 1 means "every requirement fully met" and 0 "nothing
//!     credited", never a rounding of something else);
//!   - each *contribution* is on the grid too, within one grid step of its exact value
//!     `w * credit / sum(w)` (largest remainders round up), and the contributions add
//!     up to the score exactly in grid steps: the sum of the contributions, rounded to 6
//!     decimals, equals the score;
//!   - each reported *credit* (in a [`Contribution`] or [`Gap`]) is the exact credit
//!     rounded to 6 decimals (`2/3` shows as `0.666667`); [`credit`] itself is exact, and
//!     the contributions are computed from the exact credits.
//!
//!   The engine ranks by the same score: it sums with [`ScoreSum`] in requirement order,
//!   as [`score`] does, so its scores are bit-for-bit the scores of [`score`]. A score
//!   differs from the plain sum of the exact contributions by at most
//!   [`SCORE_ROUNDING`]; code that bounds scores from plain sums (pruning, filters) adds
//!   that slack.
//! - **Ties between equally good evidence** (same credit): the evidence shown in the
//!   explanation is chosen by, in order: closer relation (same, descendant, parent,
//!   sibling), higher confidence, higher level, lower skill id, lower credential id
//!   (self-assertions, without credential, last), then earlier position in the input.
//! - **Validation.** Levels must be in 1..=5 and weights finite and > 0, otherwise
//!   [`score`] returns a [`ScoringError`]. Evidence or requirements naming a skill the
//!   taxonomy does not know are not errors: such evidence relates to nothing (credit 0).
//! - **No requirements.** The score is 0 (not 0/0).
//! - **Held level** in a contribution is the level of the evidence used, 0 if none.

use crate::taxonomy::{Relation, SkillId, Taxonomy};

/// Confidence of a verified credential (issued here, or imported and verified).
pub const CONF_VERIFIED: f64 = 1.0;
/// Confidence of an unverified credential (entered by the learner).
pub const CONF_UNVERIFIED: f64 = 0.7;
/// Confidence of a self-asserted skill.
pub const CONF_SELF_ASSERTED: f64 = 0.4;
/// An expired credential counts at this fraction of its confidence.
pub const EXPIRED_FACTOR: f64 = 0.5;
/// A revoked credential counts at this confidence, i.e. not at all.
pub const CONF_REVOKED: f64 = 0.0;

/// Relation factor: the same skill.
pub const REL_SAME: f64 = 1.0;
/// Relation factor: the evidence skill is a descendant of the required skill.
pub const REL_DESCENDANT: f64 = 0.9;
/// Relation factor: the evidence skill is the direct parent of the required skill.
pub const REL_PARENT: f64 = 0.5;
/// Relation factor: the evidence skill is a sibling within a family.
pub const REL_SIBLING: f64 = 0.3;

/// Reported scores, contributions and credits have this many decimals.
pub const SCORE_DECIMALS: u32 = 6;
/// The step of the grid reported numbers lie on: `10^-SCORE_DECIMALS`.
pub const SCORE_GRID: f64 = 1e-6;
/// Grid steps per unit: `10^SCORE_DECIMALS`.
const GRID_STEPS: f64 = 1e6;
/// The most a score differs from the plain sum of its exact contributions: half a grid
/// step of rounding, or one step where the ends rule lifts a tiny positive sum to
/// [`SCORE_GRID`] or lowers a sum just short of 1 to `1 - SCORE_GRID`.
pub const SCORE_ROUNDING: f64 = SCORE_GRID;

/// Lowest proficiency level (awareness).
pub const MIN_LEVEL: u8 = 1;
/// Highest proficiency level (expert).
pub const MAX_LEVEL: u8 = 5;

/// Where a piece of evidence comes from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum EvidenceKind {
    /// A credential issued here by an institution, or imported and verified.
    VerifiedCredential,
    /// A credential entered by the learner, not verified.
    UnverifiedCredential,
    /// A skill the learner asserts without a credential.
    SelfAsserted,
}

impl EvidenceKind {
    /// The confidence of this kind of evidence when not expired.
    pub fn confidence(self) -> f64 {
        match self {
            EvidenceKind::VerifiedCredential => CONF_VERIFIED,
            EvidenceKind::UnverifiedCredential => CONF_UNVERIFIED,
            EvidenceKind::SelfAsserted => CONF_SELF_ASSERTED,
        }
    }

    /// A stable small code (0, 1, 2), used in index tokens and packed arrays.
    pub fn code(self) -> u8 {
        match self {
            EvidenceKind::VerifiedCredential => 0,
            EvidenceKind::UnverifiedCredential => 1,
            EvidenceKind::SelfAsserted => 2,
        }
    }

    /// The kind with this [`EvidenceKind::code`].
    pub fn from_code(code: u8) -> Option<EvidenceKind> {
        match code {
            0 => Some(EvidenceKind::VerifiedCredential),
            1 => Some(EvidenceKind::UnverifiedCredential),
            2 => Some(EvidenceKind::SelfAsserted),
            _ => None,
        }
    }
}

/// Lifecycle status of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EvidenceStatus {
    /// Valid.
    Active,
    /// Past its expiry date: counts at [`EXPIRED_FACTOR`].
    Expired,
    /// Revoked by the issuer: counts not at all.
    Revoked,
}

/// Confidence of evidence of this kind, expired or not. The one place the product of the
/// two factors is computed.
pub fn confidence_of(kind: EvidenceKind, expired: bool) -> f64 {
    if expired {
        kind.confidence() * EXPIRED_FACTOR
    } else {
        kind.confidence()
    }
}

/// One piece of evidence that a learner holds a skill at a level. Revoked evidence is not
/// represented: do not pass it (see [`Evidence::from_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The skill ([`SkillId`]).
    pub skill: SkillId,
    /// Proficiency level, 1..=5.
    pub level: u8,
    /// Where it comes from.
    pub kind: EvidenceKind,
    /// Whether the credential has expired (halves the confidence).
    pub expired: bool,
    /// The credential it comes from, `None` for a self-assertion.
    pub credential_id: Option<i64>,
}

impl Evidence {
    /// Builds evidence from a credential's status; `None` for a revoked credential, which
    /// counts not at all and so is simply left out.
    pub fn from_status(
        skill: SkillId,
        level: u8,
        kind: EvidenceKind,
        status: EvidenceStatus,
        credential_id: Option<i64>,
    ) -> Option<Evidence> {
        let expired = match status {
            EvidenceStatus::Active => false,
            EvidenceStatus::Expired => true,
            EvidenceStatus::Revoked => return None,
        };
        Some(Evidence {
            skill,
            level,
            kind,
            expired,
            credential_id,
        })
    }

    /// Its confidence: kind confidence, halved when expired.
    pub fn confidence(&self) -> f64 {
        confidence_of(self.kind, self.expired)
    }

    /// Checks the level is in 1..=5.
    pub fn validate(&self) -> Result<(), ScoringError> {
        if (MIN_LEVEL..=MAX_LEVEL).contains(&self.level) {
            Ok(())
        } else {
            Err(ScoringError::EvidenceLevel {
                skill: self.skill,
                level: self.level,
            })
        }
    }
}

/// A job's (or an ad-hoc query's) requirement.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Requirement {
    /// The required skill ([`SkillId`]).
    pub skill: SkillId,
    /// Minimum level, 1..=5.
    pub min_level: u8,
    /// Weight, finite and > 0.
    pub weight: f64,
    /// Must-have (`true`) or nice-to-have.
    pub required: bool,
}

impl Requirement {
    /// Checks the level is in 1..=5 and the weight finite and > 0.
    pub fn validate(&self) -> Result<(), ScoringError> {
        if !(MIN_LEVEL..=MAX_LEVEL).contains(&self.min_level) {
            return Err(ScoringError::RequirementLevel {
                skill: self.skill,
                level: self.min_level,
            });
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(ScoringError::Weight {
                skill: self.skill,
                weight: self.weight,
            });
        }
        Ok(())
    }
}

/// Invalid input to scoring.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoringError {
    /// A requirement's minimum level is outside 1..=5.
    #[error("requirement for skill {skill}: level {level} is outside 1..=5")]
    RequirementLevel {
        /// The requirement's skill.
        skill: SkillId,
        /// The bad level.
        level: u8,
    },
    /// A requirement's weight is not finite and > 0.
    #[error("requirement for skill {skill}: weight {weight} must be finite and > 0")]
    Weight {
        /// The requirement's skill.
        skill: SkillId,
        /// The bad weight.
        weight: f64,
    },
    /// An evidence level is outside 1..=5.
    #[error("evidence for skill {skill}: level {level} is outside 1..=5")]
    EvidenceLevel {
        /// The evidence's skill.
        skill: SkillId,
        /// The bad level.
        level: u8,
    },
}

/// Validates every requirement.
pub fn validate_requirements(reqs: &[Requirement]) -> Result<(), ScoringError> {
    reqs.iter().try_for_each(Requirement::validate)
}

/// The factor of a relation; 0 for unrelated skills.
pub fn relation_factor(relation: Option<Relation>) -> f64 {
    match relation {
        Some(Relation::Same) => REL_SAME,
        Some(Relation::Descendant) => REL_DESCENDANT,
        Some(Relation::Parent) => REL_PARENT,
        Some(Relation::Sibling) => REL_SIBLING,
        None => 0.0,
    }
}

/// `min(1, level / min_level)`.
pub fn level_ratio(level: u8, min_level: u8) -> f64 {
    if level >= min_level {
        1.0
    } else {
        f64::from(level) / f64::from(min_level)
    }
}

/// The credit of one piece of evidence for one requirement:
/// `confidence * relation factor * min(1, level / min_level)`. The one place this
/// product is computed.
pub fn credit_value(confidence: f64, relation: f64, level: u8, min_level: u8) -> f64 {
    confidence * relation * level_ratio(level, min_level)
}

/// One requirement's contribution to the score: `weight * credit / total_weight`.
pub fn contribution(weight: f64, credit: f64, total_weight: f64) -> f64 {
    weight * credit / total_weight
}

/// Sum of the weights, in order.
pub fn total_weight(reqs: &[Requirement]) -> f64 {
    reqs.iter().map(|r| r.weight).sum()
}

/// `x` rounded to the reported grid (6 decimals; halves away from zero). The result is
/// the double nearest to a decimal with at most 6 decimals, so it prints as that decimal.
pub fn to_grid(x: f64) -> f64 {
    (x * GRID_STEPS).round() / GRID_STEPS
}

/// The number of grid steps in `x` (rounded): exact for a number on the grid.
pub fn grid_steps(x: f64) -> i64 {
    (x * GRID_STEPS).round() as i64
}

/// The number of `steps` grid steps, e.g. a sum of grid numbers counted in steps: the
/// double nearest to `steps * SCORE_GRID`, so it prints with at most 6 decimals.
pub fn from_grid_steps(steps: i64) -> f64 {
    steps as f64 / GRID_STEPS
}

/// The running sum behind a score: add every requirement's credit in requirement order,
/// then [`ScoreSum::finish`]. The one place a score is formed, used by [`score`] and by
/// every fast path of the engine, so they agree bit for bit.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ScoreSum {
    sum: f64,
    credited: bool,
    short: bool,
}

impl ScoreSum {
    /// An empty sum (finishes at 0).
    pub fn new() -> ScoreSum {
        ScoreSum::default()
    }

    /// Adds one requirement with weight `weight` and exact credit `credit` out of a total
    /// weight `total_weight`. A zero credit adds nothing to the sum (callers may also
    /// skip it with [`ScoreSum::add_zero`]).
    #[inline]
    pub fn add(&mut self, weight: f64, credit: f64, total_weight: f64) {
        if credit > 0.0 {
            self.sum += contribution(weight, credit, total_weight);
            self.credited = true;
        }
        if credit < 1.0 {
            self.short = true;
        }
    }

    /// Adds a requirement with credit 0 (equivalent to `add(w, 0.0, total)`).
    #[inline]
    pub fn add_zero(&mut self) {
        self.short = true;
    }

    /// The plain in-order sum of the contributions added so far.
    pub fn raw(&self) -> f64 {
        self.sum
    }

    /// The score: exactly 0 when no requirement has credit (or none was added), exactly
    /// 1 when every requirement has full credit, otherwise the sum rounded to the grid
    /// and kept within `[SCORE_GRID, 1 - SCORE_GRID]` (see the module docs).
    #[inline]
    pub fn finish(&self) -> f64 {
        if !self.credited {
            0.0
        } else if !self.short {
            1.0
        } else {
            (self.sum * GRID_STEPS).round().clamp(1.0, GRID_STEPS - 1.0) / GRID_STEPS
        }
    }
}

/// The best evidence for one requirement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Credit {
    /// The credit, in [0, 1].
    pub credit: f64,
    /// Index (into the evidence slice) of the evidence used, `None` when credit is 0.
    pub evidence: Option<usize>,
    /// Relation of the evidence used.
    pub relation: Option<Relation>,
}

/// Ordering key for ties between evidence of equal credit (smaller is better).
fn tie_key(
    e: &Evidence,
    rel: Relation,
) -> (
    Relation,
    std::cmp::Reverse<u64>,
    std::cmp::Reverse<u8>,
    SkillId,
    (bool, i64),
) {
    (
        rel,
        std::cmp::Reverse(e.confidence().to_bits()),
        std::cmp::Reverse(e.level),
        e.skill,
        (e.credential_id.is_none(), e.credential_id.unwrap_or(0)),
    )
}

/// The credit of a requirement given all of a learner's evidence (MATCHING.md), with the
/// evidence used (ties broken as the module docs say). Does not validate.
pub fn credit(tax: &Taxonomy, req: &Requirement, evidence: &[Evidence]) -> Credit {
    let mut best = Credit {
        credit: 0.0,
        evidence: None,
        relation: None,
    };
    let Some(rd) = tax.dense(req.skill) else {
        return best;
    };
    for (i, e) in evidence.iter().enumerate() {
        let Some(ed) = tax.dense(e.skill) else {
            continue;
        };
        let Some(rel) = tax.relation_dense(ed, rd) else {
            continue;
        };
        let c = credit_value(
            e.confidence(),
            relation_factor(Some(rel)),
            e.level,
            req.min_level,
        );
        if c <= 0.0 {
            continue;
        }
        let better = match (best.evidence, best.relation) {
            (Some(bi), Some(brel)) => {
                c > best.credit
                    || (c == best.credit && tie_key(e, rel) < tie_key(&evidence[bi], brel))
            }
            _ => true,
        };
        if better {
            best = Credit {
                credit: c,
                evidence: Some(i),
                relation: Some(rel),
            };
        }
    }
    best
}

/// One line of an [`Explanation`]: how one requirement was met.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contribution {
    /// The requirement.
    pub requirement: Requirement,
    /// The evidence that gave the credit; `None` when the credit is 0.
    pub evidence_used: Option<Evidence>,
    /// Level of the evidence used, 0 if none.
    pub held_level: u8,
    /// Relation of the evidence used to the required skill.
    pub relation: Option<Relation>,
    /// The credit, in [0, 1], rounded to the grid (6 decimals).
    pub credit: f64,
    /// `weight * credit / sum(weights)` on the grid, within one grid step of the exact
    /// value; the contributions of an explanation add up to its score in grid steps.
    pub contribution: f64,
}

/// A score and its per-requirement breakdown. The contributions add up to the score: their
/// sum, rounded to 6 decimals, is the score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The match score, in [0, 1], on the grid (6 decimals); exactly 1 when every
    /// requirement has full credit, exactly 0 when none has any.
    pub score: f64,
    /// One entry per requirement, in requirement order.
    pub contributions: Vec<Contribution>,
    /// Skills of must-have requirements with credit 0, in requirement order.
    pub missing_must_haves: Vec<SkillId>,
}

/// The match score of `evidence` for `reqs`, explained. Errors on invalid requirements or
/// evidence levels (see the module docs).
pub fn score(
    tax: &Taxonomy,
    reqs: &[Requirement],
    evidence: &[Evidence],
) -> Result<Explanation, ScoringError> {
    validate_requirements(reqs)?;
    evidence.iter().try_for_each(Evidence::validate)?;
    Ok(score_unchecked(tax, reqs, evidence))
}

/// [`score`] for input already validated (the engine validates at upsert time).
pub(crate) fn score_unchecked(
    tax: &Taxonomy,
    reqs: &[Requirement],
    evidence: &[Evidence],
) -> Explanation {
    let total = total_weight(reqs);
    let mut sum = ScoreSum::new();
    let mut exact = Vec::with_capacity(reqs.len());
    let mut contributions = Vec::with_capacity(reqs.len());
    let mut missing = Vec::new();
    for r in reqs {
        let c = credit(tax, r, evidence);
        let used = c.evidence.map(|i| evidence[i]);
        sum.add(r.weight, c.credit, total);
        exact.push(if c.credit > 0.0 {
            contribution(r.weight, c.credit, total)
        } else {
            0.0
        });
        if r.required && c.credit == 0.0 {
            missing.push(r.skill);
        }
        contributions.push(Contribution {
            requirement: *r,
            evidence_used: used,
            held_level: used.map_or(0, |e| e.level),
            relation: c.relation,
            credit: to_grid(c.credit),
            contribution: 0.0,
        });
    }
    let score = sum.finish();
    for (c, steps) in contributions
        .iter_mut()
        .zip(apportion(&exact, (score * GRID_STEPS).round() as i64))
    {
        c.contribution = steps as f64 / GRID_STEPS;
    }
    Explanation {
        score,
        contributions,
        missing_must_haves: missing,
    }
}

/// Grid steps per contribution, adding up to `target` steps (the score): each exact
/// contribution's whole steps, plus one step for the largest remainders (ties: earlier
/// requirement first) until the target is reached; a zero contribution stays zero.
/// Should the whole steps already exceed the target, steps come off the smallest
/// remainders first.
fn apportion(exact: &[f64], target: i64) -> Vec<i64> {
    let scaled: Vec<f64> = exact.iter().map(|x| x * GRID_STEPS).collect();
    let mut steps: Vec<i64> = scaled.iter().map(|x| x.floor() as i64).collect();
    let mut deficit = target - steps.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..exact.len()).filter(|&i| exact[i] > 0.0).collect();
    let rem = |i: usize| scaled[i] - scaled[i].floor();
    order.sort_by(|&a, &b| rem(b).total_cmp(&rem(a)).then(a.cmp(&b)));
    while deficit > 0 && !order.is_empty() {
        for &i in &order {
            if deficit == 0 {
                break;
            }
            steps[i] += 1;
            deficit -= 1;
        }
    }
    while deficit < 0 && order.iter().any(|&i| steps[i] > 0) {
        for &i in order.iter().rev() {
            if deficit < 0 && steps[i] > 0 {
                steps[i] -= 1;
                deficit += 1;
            }
        }
    }
    steps
}

/// Why a requirement is a gap: the first factor, in this order, that keeps the credit of
/// the best evidence (the evidence the credit comes from) below 1. A gap can have several
/// (an expired, unverified credential at too low a level); [`Gap::why`] names them all.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum GapReason {
    /// No evidence of the skill or of a related one: credit 0.
    Missing,
    /// The best evidence is of a related skill, not the one asked for (a descendant counts
    /// [`REL_DESCENDANT`], the parent [`REL_PARENT`], a sibling [`REL_SIBLING`]).
    RelatedSkill,
    /// The skill itself is held, below the level asked (counts held / required).
    LevelBelow,
    /// The skill itself is held at the level asked, from an expired credential (counts
    /// [`EXPIRED_FACTOR`] of its confidence).
    Expired,
    /// The skill itself is held at the level asked, only self-asserted (counts
    /// [`CONF_SELF_ASSERTED`]).
    SelfAsserted,
    /// The skill itself is held at the level asked, from an unverified credential (counts
    /// [`CONF_UNVERIFIED`]).
    Unverified,
}

impl GapReason {
    /// The reason a requirement with this best evidence (and relation) is a gap; `None`
    /// when the evidence earns full credit (no gap).
    pub fn of(
        best: Option<&Evidence>,
        relation: Option<Relation>,
        min_level: u8,
    ) -> Option<GapReason> {
        let Some(e) = best else {
            return Some(GapReason::Missing);
        };
        Some(if relation != Some(Relation::Same) {
            GapReason::RelatedSkill
        } else if e.level < min_level {
            GapReason::LevelBelow
        } else if e.expired {
            GapReason::Expired
        } else {
            match e.kind {
                EvidenceKind::SelfAsserted => GapReason::SelfAsserted,
                EvidenceKind::UnverifiedCredential => GapReason::Unverified,
                EvidenceKind::VerifiedCredential => return None,
            }
        })
    }
}

/// A requirement not fully met (credit < 1), as MATCHING.md's gap analysis lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    /// The requirement (skill, level required, weight, must-have).
    pub requirement: Requirement,
    /// Level held: the level of the best evidence, 0 if none.
    pub held_level: u8,
    /// The credit currently earned, rounded to the grid (6 decimals).
    pub credit: f64,
    /// The best evidence held, if any.
    pub best_evidence: Option<Evidence>,
    /// Relation of the best evidence's skill to the required skill, if any.
    pub relation: Option<Relation>,
    /// Why it is a gap (from the best evidence).
    pub reason: GapReason,
}

impl Gap {
    /// One line saying why this is a gap, naming every factor below 1 of the best
    /// evidence, e.g. `held at level 3 (level 2 required), but only self-asserted (counts
    /// 0.4)`. Skill names come from `tax` (the id when unknown).
    pub fn why(&self, tax: &Taxonomy) -> String {
        let Some(e) = &self.best_evidence else {
            return "not held: no evidence of this skill or a related one".into();
        };
        let required = self.requirement.min_level;
        let mut line = match self.relation {
            Some(Relation::Same) | None => format!("held at level {}", e.level),
            Some(rel) => {
                let name = tax
                    .get(e.skill)
                    .map_or_else(|| e.skill.to_string(), |d| d.name.clone());
                let what = match rel {
                    Relation::Descendant => "a more specific skill",
                    Relation::Parent => "its parent skill",
                    _ => "a sibling skill",
                };
                format!(
                    "not held itself: {name}, {what} (counts {}), held at level {}",
                    relation_factor(Some(rel)),
                    e.level
                )
            }
        };
        if e.level < required {
            line.push_str(&format!(
                " of the {required} required (counts {}/{required})",
                e.level
            ));
        } else {
            line.push_str(&format!(" (level {required} required)"));
        }
        let mut but = Vec::new();
        match e.kind {
            EvidenceKind::SelfAsserted => {
                but.push(format!("only self-asserted (counts {CONF_SELF_ASSERTED})"));
            }
            EvidenceKind::UnverifiedCredential => {
                but.push(format!(
                    "from an unverified credential (counts {CONF_UNVERIFIED})"
                ));
            }
            EvidenceKind::VerifiedCredential => {}
        }
        if e.expired {
            but.push(format!(
                "expired (counts {EXPIRED_FACTOR} of its confidence)"
            ));
        }
        if !but.is_empty() {
            line.push_str(", but ");
            line.push_str(&but.join(" and "));
        }
        line
    }
}

impl Explanation {
    /// The gaps: requirements with credit below 1, ordered by `weight * (1 - credit)`
    /// descending, ties by requirement order.
    pub fn gaps(&self) -> Vec<Gap> {
        let mut gaps: Vec<(usize, Gap)> = self
            .contributions
            .iter()
            .enumerate()
            .filter(|(_, c)| c.credit < 1.0)
            .map(|(i, c)| {
                (
                    i,
                    Gap {
                        requirement: c.requirement,
                        held_level: c.held_level,
                        credit: c.credit,
                        best_evidence: c.evidence_used,
                        relation: c.relation,
                        reason: GapReason::of(
                            c.evidence_used.as_ref(),
                            c.relation,
                            c.requirement.min_level,
                        )
                        .unwrap_or(GapReason::Missing),
                    },
                )
            })
            .collect();
        let key = |g: &Gap| g.requirement.weight * (1.0 - g.credit);
        gaps.sort_by(|(ia, a), (ib, b)| key(b).total_cmp(&key(a)).then(ia.cmp(ib)));
        gaps.into_iter().map(|(_, g)| g).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::SkillDef;
    use proptest::prelude::*;

    fn def(id: i64, slug: &str, parent: Option<i64>) -> SkillDef {
        SkillDef {
            id,
            slug: slug.into(),
            name: slug.into(),
            category: "test".into(),
            parent,
            aliases: vec![],
            ambiguous: false,
        }
    }

    /// Software (root) > Databases > SQL > {PostgreSQL, MySQL}; Software > Rust.
    fn tax() -> Taxonomy {
        Taxonomy::new(vec![
            def(1, "software", None),
            def(2, "databases", Some(1)),
            def(3, "sql", Some(2)),
            def(4, "postgresql", Some(3)),
            def(5, "mysql", Some(3)),
            def(7, "rust", Some(1)),
        ])
        .expect("valid")
    }

    fn ev(skill: i64, level: u8, kind: EvidenceKind) -> Evidence {
        Evidence {
            skill,
            level,
            kind,
            expired: false,
            credential_id: None,
        }
    }

    fn req(skill: i64, min_level: u8, weight: f64, required: bool) -> Requirement {
        Requirement {
            skill,
            min_level,
            weight,
            required,
        }
    }

    const V: EvidenceKind = EvidenceKind::VerifiedCredential;
    const U: EvidenceKind = EvidenceKind::UnverifiedCredential;
    const S: EvidenceKind = EvidenceKind::SelfAsserted;

    #[test]
    fn postgresql_evidence_for_sql_requirement_is_0_9() {
        let t = tax();
        let c = credit(&t, &req(3, 3, 1.0, true), &[ev(4, 3, V)]);
        assert_eq!(c.credit, 0.9);
        assert_eq!(c.relation, Some(Relation::Descendant));
    }

    #[test]
    fn hand_written_credits() {
        let t = tax();
        // SQL evidence for a PostgreSQL requirement: parent, 0.5.
        assert_eq!(
            credit(&t, &req(4, 3, 1.0, true), &[ev(3, 3, V)]).credit,
            0.5
        );
        // MySQL for PostgreSQL: sibling under the SQL family, 0.3.
        assert!((credit(&t, &req(4, 3, 1.0, true), &[ev(5, 5, V)]).credit - 0.3).abs() < 1e-12);
        // Rust for Databases: both under the root "software", not siblings.
        assert_eq!(
            credit(&t, &req(2, 1, 1.0, true), &[ev(7, 5, V)]).credit,
            0.0
        );
        // Unverified at level 2 for level 4: 0.7 * 1 * 2/4 = 0.35.
        assert!((credit(&t, &req(4, 4, 1.0, true), &[ev(4, 2, U)]).credit - 0.35).abs() < 1e-12);
        // Expired verified credential: half, 0.5.
        let mut e = ev(4, 3, V);
        e.expired = true;
        assert_eq!(credit(&t, &req(4, 3, 1.0, true), &[e]).credit, 0.5);
        // Self-asserted above the level: 0.4.
        assert_eq!(
            credit(&t, &req(4, 3, 1.0, true), &[ev(4, 5, S)]).credit,
            0.4
        );
        // Revoked evidence is not passed at all.
        assert_eq!(
            Evidence::from_status(4, 3, V, EvidenceStatus::Revoked, Some(9)),
            None
        );
    }

    #[test]
    fn score_and_explanation() {
        let t = tax();
        // PostgreSQL (w 2, must) fully met; Rust (w 1, must) missing; MySQL (w 1) via sibling.
        let reqs = [
            req(4, 3, 2.0, true),
            req(7, 2, 1.0, true),
            req(5, 3, 1.0, false),
        ];
        let x = score(&t, &reqs, &[ev(4, 4, V)]).expect("valid");
        // (2 * 1.0 + 1 * 0 + 1 * 0.3) / 4 = 0.575
        assert!((x.score - 0.575).abs() < 1e-12);
        assert_eq!(x.missing_must_haves, vec![7]);
        assert_eq!(x.contributions[0].contribution, 0.5);
        assert_eq!(x.contributions[0].held_level, 4);
        assert_eq!(x.contributions[1].evidence_used, None);
        assert_eq!(x.contributions[2].relation, Some(Relation::Sibling));
        let gaps = x.gaps();
        // Rust: 1 * (1 - 0) = 1 before MySQL: 1 * (1 - 0.3) = 0.7; PostgreSQL is met.
        assert_eq!(
            gaps.iter().map(|g| g.requirement.skill).collect::<Vec<_>>(),
            vec![7, 5]
        );
        // Empty profile scores 0; no requirements score 0.
        assert_eq!(score(&t, &reqs, &[]).expect("valid").score, 0.0);
        assert_eq!(score(&t, &[], &[ev(4, 4, V)]).expect("valid").score, 0.0);
    }

    #[test]
    fn ties_pick_closest_then_most_confident() {
        let t = tax();
        let mut a = ev(4, 5, S); // self-asserted PostgreSQL: 0.4
        a.credential_id = None;
        let mut b = ev(3, 5, V); // SQL verified, parent 0.5 ... not a tie
        b.credential_id = Some(2);
        let x = credit(&t, &req(4, 3, 1.0, false), &[a, b]);
        assert_eq!(x.evidence, Some(1));
        // Two equal credits from same skill: lower credential id wins, regardless of order.
        let mut c = ev(4, 3, V);
        c.credential_id = Some(7);
        let mut d = ev(4, 4, V);
        d.credential_id = Some(3);
        assert_eq!(
            credit(&t, &req(4, 3, 1.0, false), &[c, d]).evidence,
            Some(1)
        ); // higher level
        d.level = 3;
        assert_eq!(
            credit(&t, &req(4, 3, 1.0, false), &[c, d]).evidence,
            Some(1)
        );
        assert_eq!(
            credit(&t, &req(4, 3, 1.0, false), &[d, c]).evidence,
            Some(0)
        );
    }

    #[test]
    fn invalid_input_is_an_error() {
        let t = tax();
        assert!(matches!(
            score(&t, &[req(4, 0, 1.0, true)], &[]),
            Err(ScoringError::RequirementLevel { .. })
        ));
        assert!(matches!(
            score(&t, &[req(4, 3, f64::NAN, true)], &[]),
            Err(ScoringError::Weight { .. })
        ));
        assert!(matches!(
            score(&t, &[req(4, 3, 1.0, true)], &[ev(4, 6, V)]),
            Err(ScoringError::EvidenceLevel { .. })
        ));
    }

    fn kind() -> impl Strategy<Value = EvidenceKind> {
        prop_oneof![Just(V), Just(U), Just(S)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn contributions_sum_to_score(
            reqs in prop::collection::vec((1i64..8, 1u8..=5, 0.1f64..5.0, any::<bool>()), 0..10),
            evs in prop::collection::vec((1i64..8, 1u8..=5, kind(), any::<bool>()), 0..12),
        ) {
            let t = tax();
            let reqs: Vec<Requirement> = reqs.into_iter().map(|(s, l, w, m)| req(s, l, w, m)).collect();
            let evs: Vec<Evidence> = evs.into_iter().map(|(s, l, k, x)| Evidence { skill: s, level: l, kind: k, expired: x, credential_id: None }).collect();
            let x = score(&t, &reqs, &evs).expect("valid");
            prop_assert!((0.0..=1.0).contains(&x.score));
            let sum: f64 = x.contributions.iter().map(|c| c.contribution).sum();
            prop_assert!((sum - x.score).abs() < 1e-9);
            for (c, r) in x.contributions.iter().zip(&reqs) {
                // credit is the maximum over evidence of the MATCHING.md product
                let naive = evs.iter().map(|e| e.confidence() * relation_factor(t.relation(e.skill, r.skill)) * (f64::from(e.level) / f64::from(r.min_level)).min(1.0)).fold(0.0, f64::max);
                prop_assert!((credit(&t, r, &evs).credit - naive).abs() < 1e-12);
                // the explanation reports it on the grid
                prop_assert_eq!(c.credit, to_grid(naive));
                prop_assert_eq!(c.requirement.skill, r.skill);
            }
        }

        #[test]
        fn reported_numbers_are_on_the_grid_and_add_up(
            reqs in prop::collection::vec((1i64..8, 1u8..=5, 0.001f64..100.0, any::<bool>()), 0..12),
            evs in prop::collection::vec((1i64..8, 1u8..=5, kind(), any::<bool>()), 0..12),
        ) {
            let t = tax();
            let reqs: Vec<Requirement> = reqs.into_iter().map(|(s, l, w, m)| req(s, l, w, m)).collect();
            let evs: Vec<Evidence> = evs.into_iter().map(|(s, l, k, x)| Evidence { skill: s, level: l, kind: k, expired: x, credential_id: None }).collect();
            let x = score(&t, &reqs, &evs).expect("valid");
            let total = total_weight(&reqs);
            let exact: Vec<f64> = reqs.iter().map(|r| r.weight * credit(&t, r, &evs).credit / total).collect();
            let plain: f64 = exact.iter().sum();
            // On the grid: printing shows at most 6 decimals.
            prop_assert_eq!(to_grid(x.score), x.score);
            prop_assert!(format!("{}", x.score).len() <= 8, "{}", x.score);
            // Within SCORE_ROUNDING of the plain sum, and the ends mean what they say.
            prop_assert!((x.score - plain).abs() <= SCORE_ROUNDING + 1e-12, "{} vs {}", x.score, plain);
            let credits: Vec<f64> = reqs.iter().map(|r| credit(&t, r, &evs).credit).collect();
            prop_assert_eq!(x.score == 1.0, !reqs.is_empty() && credits.iter().all(|&c| c >= 1.0));
            prop_assert_eq!(x.score == 0.0, credits.iter().all(|&c| c == 0.0));
            // Contributions on the grid, each within one step of its exact value, zero
            // for zero credit, and their sum rounded to 6 decimals is the score.
            for (c, e) in x.contributions.iter().zip(&exact) {
                prop_assert_eq!(to_grid(c.contribution), c.contribution);
                prop_assert!((c.contribution - e).abs() <= SCORE_GRID + 1e-12, "{} vs {}", c.contribution, e);
                if *e == 0.0 {
                    prop_assert_eq!(c.contribution, 0.0);
                }
            }
            let sum: f64 = x.contributions.iter().map(|c| c.contribution).sum();
            prop_assert_eq!(to_grid(sum), x.score);
            let steps: i64 = x.contributions.iter().map(|c| (c.contribution * 1e6).round() as i64).sum();
            prop_assert_eq!(steps, (x.score * 1e6).round() as i64);
        }

        #[test]
        fn gap_reasons_agree_with_the_credit(
            reqs in prop::collection::vec((1i64..8, 1u8..=5, 0.1f64..5.0, any::<bool>()), 1..8),
            evs in prop::collection::vec((1i64..8, 1u8..=5, kind(), any::<bool>()), 0..10),
        ) {
            let t = tax();
            let reqs: Vec<Requirement> = reqs.into_iter().map(|(s, l, w, m)| req(s, l, w, m)).collect();
            let evs: Vec<Evidence> = evs.into_iter().map(|(s, l, k, x)| Evidence { skill: s, level: l, kind: k, expired: x && k != S, credential_id: None }).collect();
            let x = score(&t, &reqs, &evs).expect("valid");
            for g in x.gaps() {
                let r = &g.requirement;
                let c = credit(&t, r, &evs);
                let e = c.evidence.map(|i| evs[i]);
                prop_assert_eq!(g.best_evidence, e);
                prop_assert_eq!(g.relation, c.relation);
                prop_assert!(!g.why(&t).is_empty());
                match g.reason {
                    GapReason::Missing => prop_assert_eq!(c.credit, 0.0),
                    GapReason::RelatedSkill => prop_assert!(c.relation.is_some_and(|rel| rel != Relation::Same)),
                    GapReason::LevelBelow => {
                        prop_assert_eq!(c.relation, Some(Relation::Same));
                        prop_assert!(g.held_level < r.min_level);
                    }
                    GapReason::Expired => {
                        prop_assert!(g.held_level >= r.min_level && e.is_some_and(|e| e.expired));
                    }
                    GapReason::SelfAsserted => {
                        prop_assert!(g.held_level >= r.min_level && e.is_some_and(|e| !e.expired));
                        prop_assert_eq!(c.credit, CONF_SELF_ASSERTED);
                    }
                    GapReason::Unverified => {
                        prop_assert!(g.held_level >= r.min_level && e.is_some_and(|e| !e.expired));
                        prop_assert_eq!(c.credit, CONF_UNVERIFIED);
                    }
                }
            }
        }

        #[test]
        fn full_credit_scores_exactly_one(
            weights in prop::collection::vec(1e-3f64..1e3, 1..20),
            skills in prop::collection::vec(prop_oneof![Just(3i64), Just(4), Just(5), Just(7)], 20),
            levels in prop::collection::vec(1u8..=5, 20),
        ) {
            let t = tax();
            let reqs: Vec<Requirement> = weights.iter().enumerate().map(|(i, &w)| req(skills[i], levels[i], w, i % 2 == 0)).collect();
            // Verified evidence at level 5 on every required skill: full credit everywhere.
            let evs: Vec<Evidence> = reqs.iter().map(|r| ev(r.skill, 5, V)).collect();
            let x = score(&t, &reqs, &evs).expect("valid");
            prop_assert_eq!(x.score, 1.0);
            prop_assert!(x.gaps().is_empty());
            let sum: f64 = x.contributions.iter().map(|c| c.contribution).sum();
            prop_assert_eq!(to_grid(sum), 1.0);
        }
    }

    /// The one gap of `evidence` against a requirement for skill `skill` at `level`.
    fn one_gap(skill: i64, level: u8, evidence: &[Evidence]) -> Gap {
        let x = score(&tax(), &[req(skill, level, 1.0, true)], evidence).expect("valid");
        let mut gaps = x.gaps();
        assert_eq!(gaps.len(), 1, "{evidence:?}");
        gaps.remove(0)
    }

    #[test]
    fn each_gap_reason_from_the_best_evidence() {
        let t = tax();
        let expired = |mut e: Evidence| {
            e.expired = true;
            e
        };
        // Missing: nothing related held (Rust says nothing about SQL).
        let g = one_gap(3, 2, &[ev(7, 5, V)]);
        assert_eq!(
            (g.reason, g.credit, g.held_level),
            (GapReason::Missing, 0.0, 0)
        );
        assert_eq!(
            g.why(&t),
            "not held: no evidence of this skill or a related one"
        );
        // Related skill: PostgreSQL (a descendant) for SQL, verified at the level.
        let g = one_gap(3, 2, &[ev(4, 3, V)]);
        assert_eq!((g.reason, g.credit), (GapReason::RelatedSkill, 0.9));
        assert_eq!(
            g.why(&t),
            "not held itself: postgresql, a more specific skill (counts 0.9), held at level 3 (level 2 required)"
        );
        // Level below: verified SQL at 2 for 3.
        let g = one_gap(3, 3, &[ev(3, 2, V)]);
        assert_eq!((g.reason, g.credit), (GapReason::LevelBelow, 0.666667));
        assert_eq!(g.why(&t), "held at level 2 of the 3 required (counts 2/3)");
        // Expired: verified SQL at the level, expired.
        let g = one_gap(3, 3, &[expired(ev(3, 4, V))]);
        assert_eq!((g.reason, g.credit), (GapReason::Expired, 0.5));
        assert_eq!(
            g.why(&t),
            "held at level 4 (level 3 required), but expired (counts 0.5 of its confidence)"
        );
        // Self-asserted at 3 for a level-2 requirement: the held level meets the level.
        let g = one_gap(3, 2, &[ev(3, 3, S)]);
        assert_eq!(
            (g.reason, g.credit, g.held_level),
            (GapReason::SelfAsserted, 0.4, 3)
        );
        assert_eq!(
            g.why(&t),
            "held at level 3 (level 2 required), but only self-asserted (counts 0.4)"
        );
        // Unverified at the level.
        let g = one_gap(3, 2, &[ev(3, 2, U)]);
        assert_eq!((g.reason, g.credit), (GapReason::Unverified, 0.7));
        assert_eq!(
            g.why(&t),
            "held at level 2 (level 2 required), but from an unverified credential (counts 0.7)"
        );
        // Several factors: the first in the enum's order is the reason, the line names all.
        let g = one_gap(4, 3, &[expired(ev(3, 1, U))]);
        assert_eq!(g.reason, GapReason::RelatedSkill);
        assert_eq!(
            g.why(&t),
            "not held itself: sql, its parent skill (counts 0.5), held at level 1 of the 3 required (counts 1/3), but from an unverified credential (counts 0.7) and expired (counts 0.5 of its confidence)"
        );
        let g = one_gap(3, 3, &[expired(ev(3, 2, S)), expired(ev(3, 3, U))]);
        assert_eq!((g.reason, g.credit), (GapReason::Expired, 0.35));
        // The reason follows the best evidence, not the first: verified at too low a
        // level (1/3) loses to self-asserted at the level (0.4).
        let g = one_gap(3, 3, &[ev(3, 1, V), ev(3, 3, S)]);
        assert_eq!(g.reason, GapReason::SelfAsserted);
        // Full credit is no gap and has no reason.
        assert_eq!(
            GapReason::of(Some(&ev(3, 3, V)), Some(Relation::Same), 3),
            None
        );
    }

    /// The table rows of `docs/MATCHING.md` (lines starting with a pipe and a backticked
    /// name) under each second-level heading: (heading, name, second cell).
    fn doc_rows(doc: &str) -> Vec<(String, String, String)> {
        let mut heading = String::new();
        let mut rows = Vec::new();
        for line in doc.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                heading = h.trim().to_string();
            }
            let Some(rest) = line.strip_prefix("| `") else {
                continue;
            };
            let cells: Vec<&str> = rest.split('|').map(str::trim).collect();
            let name = cells[0].trim_end_matches('`').to_string();
            rows.push((heading.clone(), name, cells[1].to_string()));
        }
        rows
    }

    #[test]
    fn the_matching_doc_states_the_code_s_constants() {
        let doc = include_str!("../../docs/MATCHING.md");
        let rows = doc_rows(doc);
        let constants: Vec<(String, f64)> = rows
            .iter()
            .filter(|(h, _, _)| h == "Constants")
            .map(|(_, name, value)| {
                let v: f64 = value
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}: {value} is not a number"));
                (name.clone(), v)
            })
            .collect();
        let code: Vec<(String, f64)> = [
            ("CONF_VERIFIED", CONF_VERIFIED),
            ("CONF_UNVERIFIED", CONF_UNVERIFIED),
            ("CONF_SELF_ASSERTED", CONF_SELF_ASSERTED),
            ("EXPIRED_FACTOR", EXPIRED_FACTOR),
            ("CONF_REVOKED", CONF_REVOKED),
            ("REL_SAME", REL_SAME),
            ("REL_DESCENDANT", REL_DESCENDANT),
            ("REL_PARENT", REL_PARENT),
            ("REL_SIBLING", REL_SIBLING),
            ("MIN_LEVEL", f64::from(MIN_LEVEL)),
            ("MAX_LEVEL", f64::from(MAX_LEVEL)),
            ("SCORE_DECIMALS", f64::from(SCORE_DECIMALS)),
            (
                "DEFAULT_UNLOCK_THRESHOLD",
                crate::pathway::DEFAULT_UNLOCK_THRESHOLD,
            ),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
        assert_eq!(constants, code);
        // The named factors are the ones scoring uses.
        assert_eq!(EvidenceKind::SelfAsserted.confidence(), CONF_SELF_ASSERTED);
        assert_eq!(confidence_of(EvidenceKind::VerifiedCredential, true), 0.5);
        assert_eq!(relation_factor(Some(Relation::Sibling)), REL_SIBLING);
        assert_eq!(SCORE_GRID, 10f64.powi(-(SCORE_DECIMALS as i32)));
        assert_eq!(
            to_grid(2.0 / 3.0).to_string().len(),
            2 + SCORE_DECIMALS as usize
        );

        // The gap reasons, in the code's order, by their GraphQL names.
        let name = |r: GapReason| match r {
            GapReason::Missing => "MISSING",
            GapReason::RelatedSkill => "RELATED_SKILL",
            GapReason::LevelBelow => "LEVEL_BELOW",
            GapReason::Expired => "EXPIRED",
            GapReason::SelfAsserted => "SELF_ASSERTED",
            GapReason::Unverified => "UNVERIFIED",
        };
        let mut all = vec![
            GapReason::Missing,
            GapReason::RelatedSkill,
            GapReason::LevelBelow,
            GapReason::Expired,
            GapReason::SelfAsserted,
            GapReason::Unverified,
        ];
        all.sort();
        let reasons: Vec<&str> = rows
            .iter()
            .filter(|(h, _, _)| h == "Gap analysis")
            .map(|(_, n, _)| n.as_str())
            .collect();
        assert_eq!(reasons, all.into_iter().map(name).collect::<Vec<_>>());
        // Every name the doc puts in backticks that looks like a constant is one the
        // table states (no stale names in the prose).
        let stated: Vec<&str> = constants.iter().map(|(n, _)| n.as_str()).collect();
        for word in doc.split('`').skip(1).step_by(2) {
            let looks_constant = word.len() > 3
                && word.contains('_')
                && word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            if looks_constant && !reasons.contains(&word) {
                assert!(stated.contains(&word), "{word} is not in the table");
            }
        }
    }

    #[test]
    fn full_credit_is_exactly_one_where_the_plain_sum_is_not() {
        let t = tax();
        let reqs = [req(4, 3, 2.53, true), req(7, 2, 2.3, false)];
        let total = total_weight(&reqs);
        let plain = contribution(2.53, 1.0, total) + contribution(2.3, 1.0, total);
        assert_eq!(plain, 0.9999999999999999);
        let x = score(&t, &reqs, &[ev(4, 3, V), ev(7, 2, V)]).expect("valid");
        assert_eq!(x.score, 1.0);
        let shown: Vec<f64> = x.contributions.iter().map(|c| c.contribution).collect();
        assert_eq!(shown, [0.52381, 0.47619]);
        // Three equal weights: the largest remainder (the first, on ties) takes the step.
        let reqs = [
            req(4, 1, 1.0, true),
            req(7, 1, 1.0, true),
            req(5, 1, 1.0, true),
        ];
        let x = score(&t, &reqs, &[ev(4, 1, V), ev(7, 1, V), ev(5, 1, V)]).expect("valid");
        assert_eq!(x.score, 1.0);
        let shown: Vec<f64> = x.contributions.iter().map(|c| c.contribution).collect();
        assert_eq!(shown, [0.333334, 0.333333, 0.333333]);
    }

    #[test]
    fn scores_and_credits_print_without_float_noise() {
        let t = tax();
        // Self-asserted PostgreSQL for SQL: 0.4 * 0.9 = 0.36000000000000004 in floats.
        let r = req(3, 3, 1.0, true);
        assert_ne!(credit(&t, &r, &[ev(4, 3, S)]).credit, 0.36);
        let x = score(&t, &[r], &[ev(4, 3, S)]).expect("valid");
        assert_eq!((x.score, x.contributions[0].credit), (0.36, 0.36));
        assert_eq!(x.score.to_string(), "0.36");
        // Level 2 of 3, verified: 2/3 shows as 0.666667.
        let x = score(&t, &[req(4, 3, 1.0, true)], &[ev(4, 2, V)]).expect("valid");
        assert_eq!((x.score, x.contributions[0].credit), (0.666667, 0.666667));
    }

    #[test]
    fn the_ends_are_kept_for_full_and_no_credit() {
        let t = tax();
        // A tiny partial credit on a light requirement would round to 1 (or a tiny
        // positive sum to 0): the score stays strictly inside (0, 1).
        let reqs = [req(4, 1, 1e7, true), req(7, 5, 1.0, false)];
        let x = score(&t, &reqs, &[ev(4, 1, V), ev(7, 1, S)]).expect("valid");
        assert_eq!(x.score, 0.999999);
        let x = score(&t, &reqs, &[ev(7, 1, S)]).expect("valid");
        assert_eq!(x.score, 0.000001);
        assert_eq!(x.contributions[1].contribution, 0.000001);
        assert_eq!(x.contributions[0].contribution, 0.0);
        let sum = ScoreSum::new();
        assert_eq!(sum.finish(), 0.0);
    }
}
