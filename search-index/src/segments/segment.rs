//! What [`summarize`](super::summarize) returns: aggregates only, never a learner id.

use crate::taxonomy::SkillId;

/// What a recommended course's gap mass is divided by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RecommendBy {
    /// Gap mass per learning hour (courses in every currency are eligible).
    Hours,
    /// Gap mass per cent of cost, only among courses priced in this currency (compared
    /// exactly; costs are never converted).
    Cost {
        /// ISO currency code, e.g. `CAD`.
        currency: String,
    },
}

/// Options of [`summarize`](super::summarize).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOptions {
    /// Smallest segment ever shown (in-scope members). By default 10; 0 behaves as 1.
    pub min_cohort: usize,
    /// How many distinctive skills, aspirations and gaps per segment. By default 5.
    pub top_n: usize,
    /// Gap mass per hour or per cent of cost. By default [`RecommendBy::Hours`].
    pub recommend_by: RecommendBy,
    /// Recommended courses per segment, at most. By default 3.
    pub max_recommendations: usize,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            min_cohort: 10,
            top_n: 5,
            recommend_by: RecommendBy::Hours,
            max_recommendations: 3,
        }
    }
}

/// The segments of one scope of learners.
#[derive(Debug, Clone, PartialEq)]
pub struct Segmentation {
    /// Number of clusters of the model.
    pub k: usize,
    /// The model's mean silhouette ([`SegmentModel::silhouette`](super::SegmentModel::silhouette):
    /// on its sample of the fitted learners, whatever the scope).
    pub silhouette: Option<f64>,
    /// The segments shown, by key (the merged bucket, key `k`, last). Each has at least
    /// `min_cohort` members.
    pub segments: Vec<Segment>,
    /// In-scope learners that the model assigns (the population of every share and lift).
    pub learners_in_scope: usize,
    /// Non-empty clusters whose members are not shown: they were smaller than
    /// `min_cohort` and so was the bucket they were merged into.
    pub suppressed_segments: usize,
    /// In-scope learners the model does not know (added after the fit): not counted
    /// anywhere else.
    pub unassigned_in_scope: usize,
    /// Human-readable account of the method (the model's, then the summaries').
    pub method: String,
}

/// One segment: a cluster of the model, or the bucket of the small ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The cluster index (stable within one model); the merged bucket has key `k`.
    pub key: u32,
    /// In-scope members.
    pub size: usize,
    /// Whether this is the bucket of clusters smaller than `min_cohort`.
    pub merged: bool,
    /// Human-readable label: up to 3 most distinctive skill names ("SQL, Tableau,
    /// Python"), else the most common skills, else "Learners without evidenced skills";
    /// "Other learners" for the merged bucket.
    pub label: String,
    /// Skills held by at least [`LABEL_MIN_SHARE`](super::LABEL_MIN_SHARE) of the
    /// segment, by lift descending (then share descending, skill id), at most `top_n`.
    pub distinctive_skills: Vec<SkillLift>,
    /// The most aspired occupations, by learners descending then id, at most `top_n`.
    pub top_aspirations: Vec<AspirationCount>,
    /// Mean match score over (member, aspired occupation) pairs; `None` when no member
    /// aspires to a known occupation.
    pub avg_match_score: Option<f64>,
    /// The first `top_n` of [`Segment::all_gaps`].
    pub common_gaps: Vec<SegmentGap>,
    /// Every gap of the segment, by gap mass descending, then skill id, then level.
    pub all_gaps: Vec<SegmentGap>,
    /// Courses chosen greedily (see the module docs), in the order chosen.
    pub recommended: Vec<CourseRecommendation>,
    /// Members who opted in to hear from institutions.
    pub reach: usize,
}

/// How much more common a skill is in a segment than in the population.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkillLift {
    /// The skill.
    pub skill: SkillId,
    /// Share of the segment holding it (any evidence).
    pub share: f64,
    /// Share of the population (all in-scope learners) holding it.
    pub population_share: f64,
    /// `share / population_share`.
    pub lift: f64,
}

/// An occupation members aspire to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AspirationCount {
    /// The occupation.
    pub occupation_id: i64,
    /// Members aspiring to it.
    pub learners: usize,
    /// `learners / size`.
    pub share: f64,
}

/// One gap, aggregated over the segment's (member, aspired occupation) pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentGap {
    /// The required skill.
    pub skill: SkillId,
    /// The level required.
    pub min_level: u8,
    /// Members with this gap against at least one of their aspirations.
    pub learners: usize,
    /// Sum over pairs of `weight * (1 - credit) / total weight`: the score the pairs
    /// would gain if the gap were closed.
    pub gap_mass: f64,
}

/// A course recommended to a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct CourseRecommendation {
    /// The microcredential.
    pub course_id: i64,
    /// Gap mass it closes that no earlier recommendation closed.
    pub gap_mass_closed: f64,
    /// Its hours.
    pub hours: f64,
    /// Its cost.
    pub cost_cents: i64,
    /// Currency of the cost.
    pub currency: String,
    /// `gap_mass_closed` per hour (at least one second counted) or per cent (at least
    /// one cent counted), as asked.
    pub per_unit: f64,
}
