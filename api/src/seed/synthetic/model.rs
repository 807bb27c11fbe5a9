//! The catalogue as the generator sees it: ids instead of slugs, and the skewed
//! distributions entities are drawn from.

use std::collections::HashMap;
use std::sync::Arc;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::repo::OrganizationKind;
use crate::seed::demo::Ids;
use crate::seed::files::Catalog;

/// A catalogue the population cannot be drawn from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the catalogue has no {0}")]
pub struct IncompleteCatalogue(pub &'static str);

/// The catalogue, resolved to ids.
pub(super) struct Model {
    pub(super) seed: u64,
    pub(super) cat: Arc<Catalog>,
    /// Occupation index -> occupation id (0 when the database lacks the occupation).
    pub(super) occupation_ids: Vec<i64>,
    /// Occupation index -> (skill id, min level, must-have) of its requirements.
    pub(super) occupation_skills: Vec<Vec<(i64, i32, bool)>>,
    /// Cumulative Zipf weights over occupations, in catalogue order.
    pub(super) occupation_cdf: Vec<f64>,
    /// Every skill id, in a fixed random popularity order.
    pub(super) all_skills: Vec<i64>,
    /// Cumulative Zipf weights over `all_skills`.
    pub(super) skill_cdf: Vec<f64>,
    skill_names: HashMap<i64, String>,
    /// (id, name) of each institution.
    pub(super) institutions: Vec<(i64, String)>,
    /// Id of each employer.
    pub(super) employers: Vec<i64>,
}

impl Model {
    /// Resolves the catalogue; draws the skills' popularity order from `rng`.
    pub(super) fn new(
        seed: u64,
        cat: Arc<Catalog>,
        ids: &Ids,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self, IncompleteCatalogue> {
        let occupation_ids = cat
            .occupations
            .iter()
            .map(|o| ids.occupations.get(&o.row.slug).copied().unwrap_or(0))
            .collect();
        let occupation_skills = cat
            .occupations
            .iter()
            .map(|o| {
                cat.occupation_requirements
                    .iter()
                    .filter(|r| r.row.occupation == o.row.slug)
                    .filter_map(|r| {
                        ids.skills
                            .get(&r.row.skill)
                            .map(|&id| (id, r.row.min_level, r.row.required))
                    })
                    .collect()
            })
            .collect();
        let mut all_skills: Vec<i64> = ids.skills.values().copied().collect();
        all_skills.sort_unstable();
        // A fixed random popularity order, so "popular" is not "early in the file".
        for i in (1..all_skills.len()).rev() {
            all_skills.swap(i, rng.random_range(0..=i));
        }
        let skill_names = cat
            .skills
            .iter()
            .filter_map(|s| {
                ids.skills
                    .get(&s.row.slug)
                    .map(|&id| (id, s.row.name.clone()))
            })
            .collect();
        let of_kind = |kind: OrganizationKind| {
            cat.organizations
                .iter()
                .filter(move |o| o.row.kind == kind.as_str())
                .filter_map(|o| {
                    ids.organizations
                        .get(&o.row.slug)
                        .map(|&id| (id, o.row.name.clone()))
                })
        };
        let institutions: Vec<(i64, String)> = of_kind(OrganizationKind::Institution).collect();
        let employers: Vec<i64> = of_kind(OrganizationKind::Employer)
            .map(|(id, _)| id)
            .collect();
        if cat.occupations.is_empty() {
            return Err(IncompleteCatalogue("occupations"));
        }
        if all_skills.is_empty() {
            return Err(IncompleteCatalogue("skills"));
        }
        if employers.is_empty() {
            return Err(IncompleteCatalogue("employers"));
        }
        if institutions.is_empty() {
            return Err(IncompleteCatalogue("institutions"));
        }
        Ok(Model {
            seed,
            occupation_ids,
            occupation_skills,
            occupation_cdf: zipf(cat.occupations.len(), 0.8),
            skill_cdf: zipf(all_skills.len(), 1.0),
            all_skills,
            skill_names,
            institutions,
            employers,
            cat,
        })
    }

    /// A skill's name (`"skill"` for an id outside the catalogue).
    pub(super) fn name(&self, skill: i64) -> &str {
        self.skill_names
            .get(&skill)
            .map(String::as_str)
            .unwrap_or("skill")
    }
}

/// Cumulative weights of a Zipf-like distribution over `n` items (exponent `s`).
pub(super) fn zipf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            acc
        })
        .collect()
}

/// An index drawn with the weights of `cumulative` (non-empty).
pub(super) fn draw(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let x = rng.random_range(0.0..total);
    cumulative
        .partition_point(|&c| c <= x)
        .min(cumulative.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn zipf_weights_accumulate_decreasing_steps() {
        let c = zipf(4, 1.0);
        let expected = [1.0, 1.5, 1.5 + 1.0 / 3.0, 1.5 + 1.0 / 3.0 + 0.25];
        for (a, b) in c.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{c:?}");
        }
    }

    proptest! {
        #[test]
        fn draws_stay_in_range_and_favour_the_head(seed: u64, n in 1usize..50) {
            let cdf = zipf(n, 1.0);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut counts = vec![0usize; n];
            for _ in 0..2_000 {
                let i = draw(&mut rng, &cdf);
                prop_assert!(i < n);
                counts[i] += 1;
            }
            // Item 0 weighs twice item 1: with 2,000 draws it is drawn more often.
            if n > 1 {
                prop_assert!(counts[0] > counts[1], "{counts:?}");
            }
        }
    }
}
