//! The feature space learners are clustered in (see the module docs of
//! [`segments`](super) for the definition): skill families weighted by level,
//! confidence and idf, plus aspirations one-hot, rows L2-normalised.

use std::collections::HashMap;

use super::model::{SegmentLearner, SegmentOccupation};
use crate::scoring::MAX_LEVEL;
use crate::taxonomy::Taxonomy;

/// Share of a row's squared norm given to aspirations when a learner has both skills and
/// aspirations: the aspiration block has norm `ASPIRATION_WEIGHT` against a skill block of
/// norm 1 before the row is normalised, so aspirations hold `0.25 / 1.25 = 20%` of it.
pub const ASPIRATION_WEIGHT: f64 = 0.5;

/// At most this many occupations get an aspiration dimension (the most aspired, ties by
/// id); aspirations to the others do not shape the clusters (they are still counted in
/// the summaries).
pub const MAX_ASPIRATION_DIMS: usize = 64;

const NO_DIM: u32 = u32::MAX;

/// The family of a dense skill: itself when it is a root (a broad area) or a child of a
/// root, otherwise its ancestor that is a child of a root. In the usual three-level tree
/// (area > family > skill) that is the skill's parent for a leaf and the skill itself
/// for a family or an area.
pub(crate) fn family_of(tax: &Taxonomy, dense: u32) -> u32 {
    let mut a = dense;
    while let Some(p) = tax.parent_dense(a) {
        if tax.parent_dense(p).is_none() {
            break;
        }
        a = p;
    }
    a
}

/// Per-learner skill strengths: (dense skill, max over its evidence of
/// `level / 5 * confidence`), sorted by dense index, one entry per skill. Evidence for
/// skills the taxonomy does not know is ignored.
pub(crate) fn strengths(tax: &Taxonomy, learner: &SegmentLearner, out: &mut Vec<(u32, f64)>) {
    out.clear();
    for e in &learner.evidence {
        if let Some(d) = tax.dense(e.skill) {
            out.push((
                d,
                f64::from(e.level) / f64::from(MAX_LEVEL) * e.confidence(),
            ));
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    out.dedup_by_key(|x| x.0);
}

/// The fitted feature space: which dimension each skill family and each aspired
/// occupation has, and the idf of every skill.
#[derive(Debug, Clone)]
pub(crate) struct FeatureSpace {
    /// Dense skill -> dimension of its family (`NO_DIM` when no learner holds any skill
    /// of that family).
    family_dim: Vec<u32>,
    /// Dense skill -> idf over the population.
    idf: Vec<f64>,
    /// (occupation id, dimension), sorted by id.
    aspiration_dim: Vec<(i64, u32)>,
    /// Number of family dimensions (they come first).
    pub family_dims: usize,
}

impl FeatureSpace {
    /// Builds the space from the whole population (idf and families over every learner).
    pub(crate) fn new(
        tax: &Taxonomy,
        learners: &[SegmentLearner],
        occupations: &[SegmentOccupation],
    ) -> FeatureSpace {
        let n = learners.len() as f64;
        let mut df = vec![0u32; tax.len()];
        let mut aspired: HashMap<i64, usize> = occupations.iter().map(|o| (o.id, 0usize)).collect();
        let mut scratch = Vec::new();
        let mut seen = Vec::new();
        for l in learners {
            strengths(tax, l, &mut scratch);
            for &(d, _) in &scratch {
                df[d as usize] += 1;
            }
            seen.clear();
            seen.extend(l.aspirations.iter().copied());
            seen.sort_unstable();
            seen.dedup();
            for o in &seen {
                if let Some(c) = aspired.get_mut(o) {
                    *c += 1;
                }
            }
        }
        // Smoothed idf: ln((1 + n) / (1 + df)) + 1, so a skill everybody holds weighs 1.
        let idf = df
            .iter()
            .map(|&d| ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0)
            .collect();
        // Families present in the population, by skill id.
        let mut families: Vec<(i64, u32)> = (0..tax.len() as u32)
            .filter(|&d| df[d as usize] > 0)
            .map(|d| family_of(tax, d))
            .map(|f| (tax.id_of(f), f))
            .collect();
        families.sort_unstable();
        families.dedup();
        let mut dim_of_family = vec![NO_DIM; tax.len()];
        for (i, &(_, f)) in families.iter().enumerate() {
            dim_of_family[f as usize] = i as u32;
        }
        let family_dim = (0..tax.len() as u32)
            .map(|d| dim_of_family[family_of(tax, d) as usize])
            .collect();
        // Aspiration dimensions: the most aspired occupations, then by id.
        let mut popular: Vec<(usize, i64)> = aspired
            .into_iter()
            .filter(|&(_, c)| c > 0)
            .map(|(o, c)| (c, o))
            .collect();
        popular.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        popular.truncate(MAX_ASPIRATION_DIMS);
        let mut ids: Vec<i64> = popular.into_iter().map(|(_, o)| o).collect();
        ids.sort_unstable();
        let family_dims = families.len();
        let aspiration_dim = ids
            .into_iter()
            .enumerate()
            .map(|(i, o)| (o, (family_dims + i) as u32))
            .collect();
        FeatureSpace {
            family_dim,
            idf,
            aspiration_dim,
            family_dims,
        }
    }

    /// Total number of dimensions.
    pub(crate) fn dims(&self) -> usize {
        self.family_dims + self.aspiration_dim.len()
    }

    /// Number of aspiration dimensions.
    pub(crate) fn aspiration_dims(&self) -> usize {
        self.aspiration_dim.len()
    }

    /// Writes the learner's row into `row` (length [`FeatureSpace::dims`], overwritten).
    /// `scratch` is reused between calls.
    pub(crate) fn row(
        &self,
        tax: &Taxonomy,
        learner: &SegmentLearner,
        scratch: &mut Vec<(u32, f64)>,
        row: &mut [f64],
    ) {
        row.fill(0.0);
        strengths(tax, learner, scratch);
        for &(d, s) in scratch.iter() {
            let dim = self.family_dim[d as usize];
            if dim != NO_DIM {
                let v = s * self.idf[d as usize];
                let slot = &mut row[dim as usize];
                *slot = slot.max(v);
            }
        }
        let skill_norm = row[..self.family_dims]
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt();
        if skill_norm > 0.0 {
            row[..self.family_dims]
                .iter_mut()
                .for_each(|v| *v /= skill_norm);
        }
        let mut dims: Vec<u32> = learner
            .aspirations
            .iter()
            .filter_map(|o| {
                self.aspiration_dim
                    .binary_search_by_key(o, |&(id, _)| id)
                    .ok()
                    .map(|i| self.aspiration_dim[i].1)
            })
            .collect();
        dims.sort_unstable();
        dims.dedup();
        if !dims.is_empty() {
            let each = ASPIRATION_WEIGHT / (dims.len() as f64).sqrt();
            for d in &dims {
                row[*d as usize] = each;
            }
        }
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
}
