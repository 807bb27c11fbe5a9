//! Greedy course recommendation for a segment, and the fit of one course to every
//! segment. A course closes a gap when it teaches the gap's skill or a descendant at the
//! required level or above (MATCHING.md, learning pathway), looked up as the pathway
//! planner does: a [`Catalogue`] walked over the gap skill's subtree.

use std::collections::BTreeMap;

use super::model::SegmentCourse;
use super::segment::{CourseRecommendation, RecommendBy, SegmentGap, Segmentation};
use crate::pathway::{Catalogue, Microcredential};
use crate::taxonomy::{Relation, Taxonomy};

/// Hours counted for a course of 0 hours (one second), so that gap mass per hour stays
/// finite; such a course ranks first.
pub const MIN_HOURS: f64 = 1.0 / 3600.0;

/// Eligible courses, sorted by id, indexed by taught skill.
pub(crate) struct Courses {
    courses: Vec<SegmentCourse>,
    catalogue: Catalogue,
    by: RecommendBy,
}

impl Courses {
    /// The courses eligible under `by`: finite hours `>= 0`, cost `>= 0`, and with
    /// [`RecommendBy::Cost`] the same currency.
    pub(crate) fn new(courses: &[SegmentCourse], by: &RecommendBy) -> Courses {
        let mut courses: Vec<SegmentCourse> = courses
            .iter()
            .filter(|c| c.hours.is_finite() && c.hours >= 0.0 && c.cost_cents >= 0)
            .filter(|c| match by {
                RecommendBy::Hours => true,
                RecommendBy::Cost { currency } => &c.currency == currency,
            })
            .cloned()
            .collect();
        courses.sort_by_key(|c| c.id);
        let catalogue = Catalogue::new(courses.iter().map(|c| Microcredential {
            id: c.id,
            hours: c.hours,
            cost_cents: c.cost_cents,
            skills: c.teaches.clone(),
            prerequisites: vec![],
            active: true,
        }));
        Courses {
            courses,
            catalogue,
            by: by.clone(),
        }
    }

    fn unit(&self, c: &SegmentCourse) -> f64 {
        match self.by {
            RecommendBy::Hours => c.hours.max(MIN_HOURS),
            RecommendBy::Cost { .. } => c.cost_cents.max(1) as f64,
        }
    }

    /// Greedy: repeatedly the course with the most not-yet-closed gap mass per unit (ties:
    /// more mass, then lower id), until `max` courses or none closes anything more.
    pub(crate) fn recommend(
        &self,
        tax: &Taxonomy,
        gaps: &[SegmentGap],
        max: usize,
    ) -> Vec<CourseRecommendation> {
        // Course index -> gaps it closes (ascending), as in `pathway::plan`.
        let mut closes: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (g, gap) in gaps.iter().enumerate() {
            let Some(gd) = tax.dense(gap.skill) else {
                continue;
            };
            for &d in tax.subtree_dense(gd) {
                for i in self.catalogue.teaching(tax.id_of(d), gap.min_level) {
                    let list = closes.entry(i).or_default();
                    if list.last() != Some(&g) {
                        list.push(g);
                    }
                }
            }
        }
        let mut closed = vec![false; gaps.len()];
        let mut out = Vec::new();
        while out.len() < max {
            let mut best: Option<(f64, f64, usize)> = None;
            for (&i, list) in &closes {
                let mass: f64 = list
                    .iter()
                    .filter(|&&g| !closed[g])
                    .map(|&g| gaps[g].gap_mass)
                    .sum();
                if mass <= 0.0 {
                    continue;
                }
                let per_unit = mass / self.unit(&self.courses[i]);
                let better = best.is_none_or(|(bp, bm, bi)| {
                    per_unit
                        .total_cmp(&bp)
                        .then(mass.total_cmp(&bm))
                        .then(self.courses[bi].id.cmp(&self.courses[i].id))
                        .is_gt()
                });
                if better {
                    best = Some((per_unit, mass, i));
                }
            }
            let Some((per_unit, mass, i)) = best else {
                break;
            };
            for &g in &closes[&i] {
                closed[g] = true;
            }
            let c = &self.courses[i];
            out.push(CourseRecommendation {
                course_id: c.id,
                gap_mass_closed: mass,
                hours: c.hours,
                cost_cents: c.cost_cents,
                currency: c.currency.clone(),
                per_unit,
            });
        }
        out
    }
}

/// Whether `course` closes `gap`: it teaches the gap's skill or a descendant at the
/// required level or above.
pub(crate) fn closes_gap(tax: &Taxonomy, course: &SegmentCourse, gap: &SegmentGap) -> bool {
    course.teaches.iter().any(|&(skill, level)| {
        level >= gap.min_level
            && matches!(
                tax.relation(skill, gap.skill),
                Some(Relation::Same | Relation::Descendant)
            )
    })
}

/// For each shown segment, the gap mass per member that `course` alone would close (over
/// [`Segment::all_gaps`](super::Segment::all_gaps)); segments it closes nothing for are
/// left out. Best first, ties by key. Hours, cost and currency play no part.
pub fn course_fit(
    segmentation: &Segmentation,
    tax: &Taxonomy,
    course: &SegmentCourse,
) -> Vec<(u32, f64)> {
    let mut out: Vec<(u32, f64)> = segmentation
        .segments
        .iter()
        .filter(|s| s.size > 0)
        .map(|s| {
            let mass: f64 = s
                .all_gaps
                .iter()
                .filter(|g| closes_gap(tax, course, g))
                .map(|g| g.gap_mass)
                .sum();
            (s.key, mass / s.size as f64)
        })
        .filter(|&(_, m)| m > 0.0)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}
