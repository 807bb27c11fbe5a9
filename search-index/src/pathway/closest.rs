//! Closest jobs: jobs one or two microcredentials away from the threshold.

use std::collections::HashMap;

use super::catalogue::{Catalogue, Microcredential};
use super::plan::held_facts;
use super::problem::SkillLevel;
use super::unlocks::{ClosestJob, Job, Learner, UnlockError, check_threshold};
use crate::scoring::{
    Evidence, EvidenceKind, Requirement, SCORE_ROUNDING, confidence_of, credit_value,
    relation_factor,
};
use crate::taxonomy::Taxonomy;

/// Slack for the filters on plain float gains (exact scores decide): the two scores a
/// gain separates are each within [`SCORE_ROUNDING`] of their plain sums.
const GAIN_SLACK: f64 = 2.0 * SCORE_ROUNDING + 1e-9;

/// Jobs below `threshold` that one microcredential, or two taken in a valid order (each
/// one's prerequisites held already or taught by the other first), would lift to it.
///
/// Per job the witness is the fewest microcredentials, then the lowest total cost, then
/// the lowest ids. Results by (number of microcredentials, cost, job id), at most `limit`.
/// A microcredential counts as verified evidence at its taught levels.
///
/// # Errors
/// Invalid evidence, an invalid job requirement, or a threshold outside `[0, 1]`.
pub fn closest_jobs<'j>(
    tax: &Taxonomy,
    evidence: &[Evidence],
    jobs: impl IntoIterator<Item = (i64, &'j [Requirement])>,
    catalogue: &Catalogue,
    threshold: f64,
    limit: usize,
) -> Result<Vec<ClosestJob>, UnlockError> {
    check_threshold(threshold)?;
    let mut learner = Learner::new(tax, evidence)?;
    let mut ctx = Context::new(tax, evidence, catalogue);
    let mut gain = vec![0.0_f64; catalogue.len()];
    let mut stamp = vec![usize::MAX; catalogue.len()];
    let mut enablers: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for (job_index, (job_id, reqs)) in jobs.into_iter().enumerate() {
        let job = learner.job(reqs)?;
        if job.score >= threshold {
            continue;
        }
        // Candidates: microcredentials raising some requirement's credit, with their gain
        // (an upper estimate, exact up to rounding) summed over requirements.
        let mut cands: Vec<usize> = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            let Some(d) = job.dense[i] else { continue };
            let current = job.credits[i];
            for &(m, v) in ctx.values(d, r.min_level) {
                if v <= current {
                    break;
                }
                if stamp[m] != job_index {
                    stamp[m] = job_index;
                    gain[m] = 0.0;
                    cands.push(m);
                }
                gain[m] += r.weight * (v - current) / job.total;
            }
        }
        let need = threshold - job.score - GAIN_SLACK;
        let mut best: Option<Witness> = None;
        for &m in &cands {
            if ctx.ready[m] && gain[m] >= need {
                let s = job.score_with(tax, reqs, &ctx.facts[m]);
                if s >= threshold {
                    Witness::offer(&mut best, &ctx, vec![m], s);
                }
            }
        }
        if best.is_none() {
            let mut with_gain: Vec<(usize, f64)> = cands.iter().map(|&m| (m, gain[m])).collect();
            pairs(
                &ctx,
                &job,
                reqs,
                threshold,
                &mut with_gain,
                &mut enablers,
                &mut best,
            );
        }
        if let Some(w) = best {
            let docs = catalogue.docs();
            out.push(ClosestJob {
                job_id,
                current_score: job.score,
                projected_score: w.score,
                microcredentials: w.steps.iter().map(|&m| docs[m].id).collect(),
                cost_cents: w.cost,
            });
        }
    }
    out.sort_by_key(|j| (j.microcredentials.len(), j.cost_cents, j.job_id));
    out.truncate(limit);
    Ok(out)
}

/// Two-microcredential witnesses for a job no single one lifts.
fn pairs(
    ctx: &Context<'_>,
    job: &Job,
    reqs: &[Requirement],
    threshold: f64,
    cands: &mut [(usize, f64)],
    enablers: &mut HashMap<usize, Vec<usize>>,
    best: &mut Option<Witness>,
) {
    let need = threshold - job.score - GAIN_SLACK;
    cands.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // A pair's gain is at most the sum of the two gains (credits take a maximum).
    for (i, &(a, ga)) in cands.iter().enumerate() {
        for &(b, gb) in &cands[i + 1..] {
            if ga + gb < need {
                break;
            }
            if let Some(steps) = ctx.order_pair(a, b) {
                let facts: Vec<(u32, u8)> =
                    [a, b].iter().flat_map(|&m| ctx.facts[m].clone()).collect();
                let s = job.score_with(ctx.tax, reqs, &facts);
                if s >= threshold {
                    Witness::offer(best, ctx, steps, s);
                }
            }
        }
    }
    // A microcredential that would lift the job alone but needs an enabler first (the
    // enabler need not be related to the job at all).
    for &(a, ga) in cands.iter() {
        if ctx.ready[a] || ga < need || job.score_with(ctx.tax, reqs, &ctx.facts[a]) < threshold {
            continue;
        }
        let list = enablers.entry(a).or_insert_with(|| ctx.enablers(a));
        for &e in list.iter() {
            let facts: Vec<(u32, u8)> = [e, a].iter().flat_map(|&m| ctx.facts[m].clone()).collect();
            let s = job.score_with(ctx.tax, reqs, &facts);
            if s >= threshold {
                Witness::offer(best, ctx, vec![e, a], s);
            }
        }
    }
}

struct Witness {
    steps: Vec<usize>,
    cost: i64,
    ids: Vec<i64>,
    score: f64,
}

impl Witness {
    /// Keeps the better of `best` and `steps`: fewer steps, lower cost, lower ids.
    fn offer(best: &mut Option<Witness>, ctx: &Context<'_>, steps: Vec<usize>, score: f64) {
        let docs = ctx.catalogue.docs();
        let cost = steps
            .iter()
            .map(|&m| docs[m].cost_cents)
            .fold(0_i64, i64::saturating_add);
        let mut ids: Vec<i64> = steps.iter().map(|&m| docs[m].id).collect();
        ids.sort_unstable();
        let better = best
            .as_ref()
            .is_none_or(|b| (steps.len(), cost, &ids) < (b.steps.len(), b.cost, &b.ids));
        if better {
            *best = Some(Witness {
                steps,
                cost,
                ids,
                score,
            });
        }
    }
}

/// Per-learner facts about the catalogue.
struct Context<'a> {
    tax: &'a Taxonomy,
    catalogue: &'a Catalogue,
    held: Vec<SkillLevel>,
    /// Per microcredential: taught (dense skill, level), unknown skills left out.
    facts: Vec<Vec<(u32, u8)>>,
    /// Per microcredential: all prerequisites held now.
    ready: Vec<bool>,
    /// Per (dense required skill, level): microcredentials with the credit they would
    /// earn for it, by credit descending.
    values: HashMap<(u32, u8), Vec<(usize, f64)>>,
}

impl<'a> Context<'a> {
    fn new(tax: &'a Taxonomy, evidence: &[Evidence], catalogue: &'a Catalogue) -> Self {
        let held = held_facts(evidence);
        let docs = catalogue.docs();
        let facts = docs
            .iter()
            .map(|d| {
                d.skills
                    .iter()
                    .filter_map(|&(s, l)| tax.dense(s).map(|d| (d, l)))
                    .collect()
            })
            .collect();
        let mut ctx = Context {
            tax,
            catalogue,
            held,
            facts,
            ready: Vec::new(),
            values: HashMap::new(),
        };
        ctx.ready = docs.iter().map(|d| ctx.unmet(d).next().is_none()).collect();
        ctx
    }

    fn unmet<'d>(&'d self, d: &'d Microcredential) -> impl Iterator<Item = (i64, u8)> + 'd {
        d.prerequisites
            .iter()
            .copied()
            .filter(|&(s, l)| !self.held.iter().any(|f| f.skill == s && f.level >= l))
    }

    /// Microcredentials teaching a skill related to dense skill `r`, with the credit
    /// (verified, at their taught level) they would earn for `r` at `level`, descending.
    fn values(&mut self, r: u32, level: u8) -> &[(usize, f64)] {
        let (tax, catalogue, facts) = (self.tax, self.catalogue, &self.facts);
        self.values.entry((r, level)).or_insert_with(|| {
            let conf = confidence_of(EvidenceKind::VerifiedCredential, false);
            let mut ms: Vec<usize> = tax
                .relatives_dense(r)
                .into_iter()
                .flat_map(|(d, _)| catalogue.teaching(tax.id_of(d), 1))
                .collect();
            ms.sort_unstable();
            ms.dedup();
            let mut out: Vec<(usize, f64)> = ms
                .into_iter()
                .map(|m| {
                    let v = facts[m]
                        .iter()
                        .filter_map(|&(d, l)| {
                            let rel = tax.relation_dense(d, r)?;
                            Some(credit_value(conf, relation_factor(Some(rel)), l, level))
                        })
                        .fold(0.0, f64::max);
                    (m, v)
                })
                .filter(|&(_, v)| v > 0.0)
                .collect();
            out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            out
        })
    }

    /// Whether `e`, taken first, teaches every unmet prerequisite of `a`.
    fn enables(&self, e: usize, a: usize) -> bool {
        let docs = self.catalogue.docs();
        self.unmet(&docs[a])
            .all(|(s, l)| docs[e].skills.iter().any(|&(t, k)| t == s && k >= l))
    }

    /// Ready microcredentials that make `a` takeable.
    fn enablers(&self, a: usize) -> Vec<usize> {
        let docs = self.catalogue.docs();
        let Some((s, l)) = self.unmet(&docs[a]).next() else {
            return Vec::new();
        };
        self.catalogue
            .teaching(s, l)
            .filter(|&e| e != a && self.ready[e] && self.enables(e, a))
            .collect()
    }

    /// A valid order of `{a, b}`, if any (ties: cheaper, then lower id, first).
    fn order_pair(&self, a: usize, b: usize) -> Option<Vec<usize>> {
        let docs = self.catalogue.docs();
        match (self.ready[a], self.ready[b]) {
            (true, true) => {
                let key = |m: usize| (docs[m].cost_cents, docs[m].id);
                Some(if key(a) <= key(b) {
                    vec![a, b]
                } else {
                    vec![b, a]
                })
            }
            (true, false) => self.enables(a, b).then(|| vec![a, b]),
            (false, true) => self.enables(b, a).then(|| vec![b, a]),
            (false, false) => None,
        }
    }
}
