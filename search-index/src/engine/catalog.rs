//! In-memory stores of jobs and microcredentials (small next to learners: kept whole).

use std::collections::{BTreeMap, HashMap};

use crate::engine::docs::{JobDoc, MicrocredentialDoc};
use crate::scoring::{self, Evidence};
use crate::taxonomy::Taxonomy;

/// Open and closed jobs by id, each with its requirements' dense skill indices
/// (`u32::MAX` for a skill the taxonomy does not know).
#[derive(Debug, Clone, Default)]
pub(crate) struct JobStore {
    pub(crate) jobs: BTreeMap<i64, (JobDoc, Vec<u32>)>,
}

impl JobStore {
    pub(crate) fn upsert(&mut self, tax: &Taxonomy, doc: JobDoc) {
        let dense = doc
            .requirements
            .iter()
            .map(|r| tax.dense(r.skill).unwrap_or(u32::MAX))
            .collect();
        self.jobs.insert(doc.id, (doc, dense));
    }
    pub(crate) fn delete(&mut self, id: i64) {
        self.jobs.remove(&id);
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

    /// The score of this learner for `reqs` (validated), bit-for-bit [`scoring::score`];
    /// `None` when `must_have_all` and a must-have has credit 0.
    pub(crate) fn score(
        &self,
        reqs: &[crate::scoring::Requirement],
        dense: &[u32],
        must_have_all: bool,
    ) -> Option<f64> {
        if reqs.is_empty() {
            return Some(0.0);
        }
        let total = scoring::total_weight(reqs);
        let mut sum = 0.0;
        for (r, &d) in reqs.iter().zip(dense) {
            let c = if d == u32::MAX {
                0.0
            } else {
                self.table[d as usize * 5 + usize::from(r.min_level.clamp(1, 5) - 1)]
            };
            if must_have_all && r.required && c <= 0.0 {
                return None;
            }
            sum += scoring::contribution(r.weight, c, total);
        }
        Some(scoring::finish_score(sum))
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
