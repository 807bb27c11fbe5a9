//! Unlocks ("which one skill opens the most doors", and what each skill brings when none
//! opens a door alone) and closest jobs ("which jobs are one or two microcredentials
//! away"), for one learner over many jobs.
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
    credit_value, from_grid_steps, grid_steps, relation_factor, total_weight,
    validate_requirements,
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

/// What one skill would bring the learner over the open jobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkillUnlock {
    /// The skill.
    pub skill: SkillId,
    /// Jobs below the threshold now that would reach it with this skill (MATCHING.md's
    /// unlocks).
    pub jobs: usize,
    /// The total score gained over the open jobs: the sum over jobs of (score with the
    /// skill - score now), on the score grid (6 decimals) and summed exactly in grid
    /// steps. Positive.
    pub score_gain: f64,
    /// Open jobs whose score the skill raises (at least one grid step).
    pub jobs_improved: usize,
    /// Among the jobs below the threshold now that the skill raises, the one it brings
    /// highest (ties: lower job id), with its score with the skill; `None` when the skill
    /// only raises jobs already at or above the threshold.
    pub closest: Option<UnlockTarget>,
}

/// A job and the score it would reach with a skill.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnlockTarget {
    /// The job.
    pub job_id: i64,
    /// Its score now (below the threshold).
    pub current_score: f64,
    /// Its score with the skill.
    pub score: f64,
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

/// Per skill, what it would bring.
#[derive(Default)]
struct Tally {
    jobs: usize,
    gain_steps: i64,
    improved: usize,
    closest: Option<UnlockTarget>,
}

/// For each skill the learner lacks, what gaining it (verified, at the job's required
/// level) would bring over the open `jobs` (id and requirements): the jobs it would lift
/// from below `threshold` to at least it ([`SkillUnlock::jobs`], MATCHING.md's unlocks),
/// the total score gained and the jobs improved, and the job below the threshold it brings
/// closest. Skills that raise no job's score are left out; the rest are ranked by jobs
/// unlocked, then total gain (both descending), then skill id, and the first `top_n`
/// returned. When no single skill lifts a job to the threshold every entry has `jobs`
/// 0, and the ranking is by what the skills bring.
///
/// "Lacks" is per job: a skill one of the job's requirements asks for with credit below
/// one. A job asking for the skill more than once is assumed gained at the highest level
/// asked (among those requirements). Skills unknown to the taxonomy earn no credit (as
/// in scoring) and so bring nothing. Scores are [`scoring::score`](crate::scoring::score)'s
/// bit for bit.
///
/// # Errors
/// Invalid evidence, an invalid job requirement, or a threshold outside `[0, 1]`.
pub fn unlocks<'j>(
    tax: &Taxonomy,
    evidence: &[Evidence],
    jobs: impl IntoIterator<Item = (i64, &'j [Requirement])>,
    threshold: f64,
    top_n: usize,
) -> Result<Vec<SkillUnlock>, UnlockError> {
    check_threshold(threshold)?;
    let mut learner = Learner::new(tax, evidence)?;
    let mut tally: HashMap<u32, Tally> = HashMap::new();
    let mut lacking: Vec<(u32, u8)> = Vec::new();
    for (job_id, reqs) in jobs {
        let job = learner.job(reqs)?;
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
        let below = job.score < threshold;
        for &fact in &lacking {
            let with = job.score_with(tax, reqs, &[fact]);
            let gain = grid_steps(with) - grid_steps(job.score);
            if gain <= 0 {
                continue;
            }
            let t = tally.entry(fact.0).or_default();
            t.gain_steps += gain;
            t.improved += 1;
            if below {
                if with >= threshold {
                    t.jobs += 1;
                }
                let better = t
                    .closest
                    .is_none_or(|c| with.total_cmp(&c.score).then(c.job_id.cmp(&job_id)).is_gt());
                if better {
                    t.closest = Some(UnlockTarget {
                        job_id,
                        current_score: job.score,
                        score: with,
                    });
                }
            }
        }
    }
    let mut out: Vec<(i64, SkillUnlock)> = tally
        .into_iter()
        .map(|(d, t)| {
            (
                t.gain_steps,
                SkillUnlock {
                    skill: tax.id_of(d),
                    jobs: t.jobs,
                    score_gain: from_grid_steps(t.gain_steps),
                    jobs_improved: t.improved,
                    closest: t.closest,
                },
            )
        })
        .collect();
    out.sort_by_key(|(gain, u)| (std::cmp::Reverse(u.jobs), std::cmp::Reverse(*gain), u.skill));
    out.truncate(top_n);
    Ok(out.into_iter().map(|(_, u)| u).collect())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pathway::glue_tests::{arb_evidence, arb_jobs, arb_tax, with};
    use crate::scoring::{score, to_grid};

    /// Brute force over [`score`]: for every skill any job asks for, and every job, the
    /// score with the skill added as verified evidence at the highest level the job asks
    /// for it among its requirements with credit below 1.
    fn oracle(
        tax: &Taxonomy,
        evidence: &[Evidence],
        jobs: &[Vec<Requirement>],
        threshold: f64,
    ) -> Vec<SkillUnlock> {
        let mut skills: Vec<SkillId> = jobs.iter().flatten().map(|r| r.skill).collect();
        skills.sort_unstable();
        skills.dedup();
        let mut out: Vec<(i64, SkillUnlock)> = Vec::new();
        for s in skills {
            let mut u = SkillUnlock {
                skill: s,
                jobs: 0,
                score_gain: 0.0,
                jobs_improved: 0,
                closest: None,
            };
            let mut gain = 0;
            for (id, reqs) in jobs.iter().enumerate() {
                let id = id as i64;
                let now = score(tax, reqs, evidence).expect("valid").score;
                let Some(level) = reqs
                    .iter()
                    .filter(|r| r.skill == s && credit(tax, r, evidence).credit < 1.0)
                    .map(|r| r.min_level)
                    .max()
                else {
                    continue;
                };
                let then = score(tax, reqs, &with(evidence, &[(s, level)]))
                    .expect("valid")
                    .score;
                let g = grid_steps(then) - grid_steps(now);
                if g <= 0 {
                    continue;
                }
                gain += g;
                u.jobs_improved += 1;
                if now < threshold {
                    if then >= threshold {
                        u.jobs += 1;
                    }
                    if u.closest.is_none_or(|c| then > c.score) {
                        u.closest = Some(UnlockTarget {
                            job_id: id,
                            current_score: now,
                            score: then,
                        });
                    }
                }
            }
            if u.jobs_improved > 0 {
                u.score_gain = from_grid_steps(gain);
                out.push((gain, u));
            }
        }
        out.sort_by_key(|(gain, u)| (std::cmp::Reverse(u.jobs), std::cmp::Reverse(*gain), u.skill));
        out.into_iter().map(|(_, u)| u).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn unlocks_equal_brute_force(
            t in arb_tax(),
            evidence in arb_evidence(),
            jobs in arb_jobs(),
            threshold in prop_oneof![Just(0.3), Just(0.5), Just(0.7), Just(0.9), Just(1.0)],
            top_n in 0usize..6,
        ) {
            let ids = || jobs.iter().enumerate().map(|(i, r)| (i as i64, r.as_slice()));
            let all = unlocks(&t, &evidence, ids(), threshold, usize::MAX).expect("valid");
            let expected = oracle(&t, &evidence, &jobs, threshold);
            prop_assert_eq!(&all, &expected);
            for u in &all {
                prop_assert!(u.score_gain > 0.0 && to_grid(u.score_gain) == u.score_gain);
                prop_assert!(u.jobs <= u.jobs_improved);
                prop_assert_eq!(u.jobs > 0, u.closest.is_some_and(|c| c.score >= threshold));
            }
            let top = unlocks(&t, &evidence, ids(), threshold, top_n).expect("valid");
            prop_assert_eq!(&top[..], &expected[..top_n.min(expected.len())]);
        }
    }

    #[test]
    fn when_no_skill_reaches_the_threshold_the_skills_are_ranked_by_gain() {
        let t = Taxonomy::new(
            (1..=4)
                .map(|id| crate::taxonomy::SkillDef {
                    id,
                    slug: format!("s{id}"),
                    name: format!("Skill {id}"),
                    category: "test".into(),
                    parent: None,
                    aliases: vec![],
                    ambiguous: false,
                })
                .collect(),
        )
        .expect("valid");
        let req = |skill, weight| Requirement {
            skill,
            min_level: 3,
            weight,
            required: false,
        };
        // Four unrelated skills, nothing held: no single skill reaches 0.7 anywhere.
        let jobs = [
            vec![req(1, 1.0), req(2, 2.0), req(3, 1.0)],
            vec![req(2, 1.0), req(3, 1.0), req(4, 2.0)],
        ];
        let got = unlocks(
            &t,
            &[],
            jobs.iter()
                .enumerate()
                .map(|(i, r)| (i as i64 + 1, r.as_slice())),
            0.7,
            10,
        )
        .expect("valid");
        assert!(got.iter().all(|u| u.jobs == 0));
        let summary: Vec<(i64, f64, usize, Option<(i64, f64)>)> = got
            .iter()
            .map(|u| {
                let c = u.closest.map(|c| (c.job_id, c.score));
                (u.skill, u.score_gain, u.jobs_improved, c)
            })
            .collect();
        assert_eq!(
            summary,
            [
                // 2/4 + 1/4
                (2, 0.75, 2, Some((1, 0.5))),
                // 1/4 + 1/4 (ties with skill 4 on gain, lower id first)
                (3, 0.5, 2, Some((1, 0.25))),
                (4, 0.5, 1, Some((2, 0.5))),
                (1, 0.25, 1, Some((1, 0.25))),
            ]
        );
    }
}
