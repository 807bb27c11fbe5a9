//! Unlocks ("which one skill opens the most doors") and closest jobs ("which jobs are one
//! or two microcredentials away"), for one learner over many jobs.
//!
//! Scores are recomputed incrementally but with the very functions and summation order
//! of [`scoring::score`](crate::scoring::score): a requirement's credit with extra
//! evidence is the larger of its current credit and the extra evidence's
//! [`credit_value`], and the score is the in-order [`ScoreSum`] of the credits. So every "reaches the threshold" decision is bit-for-bit the one
//! `score` would make with the evidence added.

use std::collections::HashMap;

use thiserror::Error;

use crate::scoring::{
    Evidence, EvidenceKind, Requirement, ScoreSum, ScoringError, confidence_of, credit,
    credit_value, relation_factor, total_weight, validate_requirements,
};
use crate::taxonomy::{SkillId, Taxonomy};

/// The score a job must reach to count as unlocked, by default.
pub const DEFAULT_UNLOCK_THRESHOLD: f64 = 0.7;

/// Why unlocks could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum UnlockError {
    /// Invalid requirements or evidence.
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    /// A threshold outside `[0, 1]` (or NaN).
    #[error("threshold {0} is not in [0, 1]")]
    Threshold(f64),
}

/// How many jobs one skill would unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkillUnlock {
    /// The skill.
    pub skill: SkillId,
    /// Jobs below the threshold now that would reach it with this skill.
    pub jobs: usize,
}

/// A job one or two microcredentials away from the threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosestJob {
    /// The job.
    pub job_id: i64,
    /// Its score now (below the threshold).
    pub current_score: f64,
    /// Its score after the microcredentials.
    pub projected_score: f64,
    /// One or two microcredential ids, in a valid order (prerequisites first).
    pub microcredentials: Vec<i64>,
    /// Their total cost.
    pub cost_cents: i64,
}

/// A learner's credits, cached per (required skill, level).
pub(super) struct Learner<'a> {
    tax: &'a Taxonomy,
    evidence: &'a [Evidence],
    cache: Vec<f64>,
}

impl<'a> Learner<'a> {
    pub(super) fn new(tax: &'a Taxonomy, evidence: &'a [Evidence]) -> Result<Self, ScoringError> {
        evidence.iter().try_for_each(Evidence::validate)?;
        Ok(Self {
            tax,
            evidence,
            cache: vec![f64::NAN; tax.len() * 5],
        })
    }

    /// Current credits and score of a job; an error if the requirements are invalid.
    pub(super) fn job(&mut self, reqs: &[Requirement]) -> Result<Job, ScoringError> {
        validate_requirements(reqs)?;
        let mut credits = Vec::with_capacity(reqs.len());
        let mut dense = Vec::with_capacity(reqs.len());
        for r in reqs {
            let d = self.tax.dense(r.skill);
            let c = match d {
                None => 0.0,
                Some(d) => {
                    let slot = d as usize * 5 + usize::from(r.min_level - 1);
                    if self.cache[slot].is_nan() {
                        self.cache[slot] = credit(self.tax, r, self.evidence).credit;
                    }
                    self.cache[slot]
                }
            };
            credits.push(c);
            dense.push(d);
        }
        let total = total_weight(reqs);
        let mut job = Job {
            credits,
            dense,
            total,
            score: 0.0,
        };
        job.score = job.score_with(self.tax, reqs, &[]);
        Ok(job)
    }
}

pub(super) struct Job {
    pub(super) credits: Vec<f64>,
    pub(super) dense: Vec<Option<u32>>,
    pub(super) total: f64,
    pub(super) score: f64,
}

impl Job {
    /// The score with extra verified facts `(dense skill, level)`, as `score` computes it.
    pub(super) fn score_with(
        &self,
        tax: &Taxonomy,
        reqs: &[Requirement],
        extra: &[(u32, u8)],
    ) -> f64 {
        if reqs.is_empty() {
            return 0.0;
        }
        let conf = confidence_of(EvidenceKind::VerifiedCredential, false);
        let mut sum = ScoreSum::new();
        for (i, r) in reqs.iter().enumerate() {
            let mut c = self.credits[i];
            if let Some(rd) = self.dense[i] {
                for &(ed, level) in extra {
                    if let Some(rel) = tax.relation_dense(ed, rd) {
                        c = c.max(credit_value(
                            conf,
                            relation_factor(Some(rel)),
                            level,
                            r.min_level,
                        ));
                    }
                }
            }
            sum.add(r.weight, c, self.total);
        }
        sum.finish()
    }
}

pub(super) fn check_threshold(threshold: f64) -> Result<(), UnlockError> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(UnlockError::Threshold(threshold))
    }
}

/// For each skill the learner lacks, the number of `jobs` (requirement lists of the open
/// jobs) whose score would reach `threshold` if the learner gained that skill, verified,
/// at the job's required level; the top `top_n` by count, then skill id.
///
/// "Lacks" is per job: a skill one of the job's requirements asks for with credit below
/// one. A job asking for the skill more than once is assumed gained at the highest level
/// asked. Only jobs below the threshold now count; skills unknown to the taxonomy earn
/// no credit (as in scoring) and so unlock nothing.
///
/// # Errors
/// Invalid evidence, an invalid job requirement, or a threshold outside `[0, 1]`.
pub fn unlocks<'j>(
    tax: &Taxonomy,
    evidence: &[Evidence],
    jobs: impl IntoIterator<Item = &'j [Requirement]>,
    threshold: f64,
    top_n: usize,
) -> Result<Vec<SkillUnlock>, UnlockError> {
    check_threshold(threshold)?;
    let mut learner = Learner::new(tax, evidence)?;
    let mut counts: HashMap<u32, usize> = HashMap::new();
    let mut lacking: Vec<(u32, u8)> = Vec::new();
    for reqs in jobs {
        let job = learner.job(reqs)?;
        if job.score >= threshold {
            continue;
        }
        lacking.clear();
        for (i, r) in reqs.iter().enumerate() {
            let Some(d) = job.dense[i] else { continue };
            if job.credits[i] >= 1.0 {
                continue;
            }
            match lacking.iter_mut().find(|(s, _)| *s == d) {
                Some(entry) => entry.1 = entry.1.max(r.min_level),
                None => lacking.push((d, r.min_level)),
            }
        }
        for &fact in &lacking {
            if job.score_with(tax, reqs, &[fact]) >= threshold {
                *counts.entry(fact.0).or_default() += 1;
            }
        }
    }
    let mut out: Vec<SkillUnlock> = counts
        .into_iter()
        .map(|(d, jobs)| SkillUnlock {
            skill: tax.id_of(d),
            jobs,
        })
        .collect();
    out.sort_by_key(|u| (std::cmp::Reverse(u.jobs), u.skill));
    out.truncate(top_n);
    Ok(out)
}
