//! In-memory stores of jobs and microcredentials (small next to learners: kept whole).

use std::collections::{BTreeMap, HashMap};

use crate::engine::docs::{JobDoc, MicrocredentialDoc};
use crate::scoring::{self, Evidence};
use crate::taxonomy::Taxonomy;

/// Open and closed jobs by id, each with its requirements' dense skill indices
/// (`u32::MAX` for a skill the taxonomy does not know), plus a flat copy of the open
/// jobs for ranking (rebuilt by [`JobStore::refresh`] after changes).
#[derive(Debug, Clone, Default)]
pub(crate) struct JobStore {
    pub(crate) jobs: BTreeMap<i64, (JobDoc, Vec<u32>)>,
    pub(crate) flat: FlatJobs,
    dirty: bool,
}

/// One requirement of a [`FlatJobs`] entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlatReq {
    pub(crate) dense: u32,
    pub(crate) min_level: u8,
    pub(crate) required: bool,
    pub(crate) weight: f64,
}

/// The open jobs in flat arrays, ascending by id (requirements in CSR form).
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatJobs {
    pub(crate) ids: Vec<i64>,
    pub(crate) employer: Vec<i64>,
    pub(crate) remote: Vec<bool>,
    pub(crate) location: Vec<Option<String>>,
    pub(crate) total_weight: Vec<f64>,
    pub(crate) off: Vec<u32>,
    pub(crate) reqs: Vec<FlatReq>,
}

impl JobStore {
    pub(crate) fn upsert(&mut self, tax: &Taxonomy, doc: JobDoc) {
        let dense = doc
            .requirements
            .iter()
            .map(|r| tax.dense(r.skill).unwrap_or(u32::MAX))
            .collect();
        self.jobs.insert(doc.id, (doc, dense));
        self.dirty = true;
    }
    pub(crate) fn delete(&mut self, id: i64) {
        self.dirty |= self.jobs.remove(&id).is_some();
    }
    /// Rebuilds the flat copy if jobs changed.
    pub(crate) fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        let mut f = FlatJobs {
            off: vec![0],
            ..FlatJobs::default()
        };
        for (job, dense) in self.jobs.values().filter(|(j, _)| j.open) {
            f.ids.push(job.id);
            f.employer.push(job.employer_id);
            f.remote.push(job.remote);
            f.location
                .push(crate::engine::docs::location_key(job.location.as_deref()));
            f.total_weight
                .push(scoring::total_weight(&job.requirements));
            f.reqs
                .extend(job.requirements.iter().zip(dense).map(|(r, &d)| FlatReq {
                    dense: d,
                    min_level: r.min_level,
                    required: r.required,
                    weight: r.weight,
                }));
            f.off.push(f.reqs.len() as u32);
        }
        self.flat = f;
        self.dirty = false;
    }
}

/// A learner's best credit per (required skill, minimum level): `table[skill * 5 + L - 1]`,
/// over every skill related to some piece of the learner's evidence. Lets one learner be
/// scored against many jobs with one lookup per requirement.
pub(crate) struct LearnerCredits {
    table: Vec<f64>,
}

impl LearnerCredits {
    pub(crate) fn new(tax: &Taxonomy, evidence: &[Evidence]) -> LearnerCredits {
        let mut table = vec![0.0; tax.len() * 5];
        for e in evidence {
            let Some(ed) = tax.dense(e.skill) else {
                continue;
            };
            // Skills r with relation(e, r): e itself, its ancestors (e is a descendant),
            // its children (e is their parent) and its siblings.
            let mut related: Vec<u32> = vec![ed];
            let mut a = ed;
            while let Some(p) = tax.parent_dense(a) {
                related.push(p);
                a = p;
            }
            related.extend_from_slice(tax.children_dense(ed));
            if let Some(p) = tax.parent_dense(ed) {
                related.extend_from_slice(tax.children_dense(p));
            }
            for r in related {
                let Some(rel) = tax.relation_dense(ed, r) else {
                    continue;
                };
                for l in scoring::MIN_LEVEL..=scoring::MAX_LEVEL {
                    let c = scoring::credit_value(
                        e.confidence(),
                        scoring::relation_factor(Some(rel)),
                        e.level,
                        l,
                    );
                    let slot = &mut table[r as usize * 5 + usize::from(l - 1)];
                    if c > *slot {
                        *slot = c;
                    }
                }
            }
        }
        LearnerCredits { table }
    }

    /// The score of this learner for a flat job's requirements, bit-for-bit
    /// [`scoring::score`] (a zero credit adds nothing, so it is skipped); `None` when
    /// `must_have_all` and a must-have has credit 0.
    #[inline]
    pub(crate) fn score(
        &self,
        reqs: &[FlatReq],
        total_weight: f64,
        must_have_all: bool,
    ) -> Option<f64> {
        if reqs.is_empty() {
            return Some(0.0);
        }
        let mut sum = scoring::ScoreSum::new();
        for r in reqs {
            let c = if r.dense == u32::MAX {
                0.0
            } else {
                self.table[r.dense as usize * 5 + usize::from(r.min_level.clamp(1, 5) - 1)]
            };
            if c <= 0.0 {
                if must_have_all && r.required {
                    return None;
                }
                sum.add_zero();
                continue;
            }
            sum.add(r.weight, c, total_weight);
        }
        Some(sum.finish())
    }
}

/// Microcredentials by id, and the active ones by taught skill.
#[derive(Debug, Clone, Default)]
pub(crate) struct McStore {
    pub(crate) mcs: BTreeMap<i64, MicrocredentialDoc>,
    /// Per skill dense index: (microcredential id, level taught), active ones only.
    by_skill: HashMap<u32, Vec<(i64, u8)>>,
}

impl McStore {
    pub(crate) fn upsert(&mut self, tax: &Taxonomy, doc: MicrocredentialDoc) {
        self.delete(tax, doc.id);
        if doc.active {
            for &(skill, level) in &doc.skills {
                if let Some(d) = tax.dense(skill) {
                    self.by_skill.entry(d).or_default().push((doc.id, level));
                }
            }
        }
        self.mcs.insert(doc.id, doc);
    }

    pub(crate) fn delete(&mut self, tax: &Taxonomy, id: i64) {
        if let Some(old) = self.mcs.remove(&id) {
            for &(skill, _) in &old.skills {
                if let Some(list) = tax.dense(skill).and_then(|d| self.by_skill.get_mut(&d)) {
                    list.retain(|&(m, _)| m != id);
                }
            }
        }
    }

    /// Active microcredentials teaching the skill or a descendant at `>= min_level`,
    /// ascending by id, each once.
    pub(crate) fn teaching(
        &self,
        tax: &Taxonomy,
        skill: u32,
        min_level: u8,
    ) -> Vec<&MicrocredentialDoc> {
        let mut ids: Vec<i64> = tax
            .subtree_dense(skill)
            .iter()
            .filter_map(|d| self.by_skill.get(d))
            .flatten()
            .filter(|&&(_, l)| l >= min_level)
            .map(|&(id, _)| id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.iter().filter_map(|id| self.mcs.get(id)).collect()
    }
}
