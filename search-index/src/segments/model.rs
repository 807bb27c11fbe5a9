//! The inputs and the result of [`fit`](super::fit): learners, occupations and courses
//! as the segmentation sees them, the fitting options and the fitted model.

use crate::scoring::{Evidence, Requirement, ScoringError};
use crate::taxonomy::SkillId;

/// One learner as the database sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentLearner {
    /// Learner id (unique).
    pub id: i64,
    /// The learner's evidence (revoked credentials already left out, expired ones flagged).
    pub evidence: Vec<Evidence>,
    /// Target occupation ids (may be empty).
    pub aspirations: Vec<i64>,
    /// Whether the learner consented to hear from institutions (the only reach figure).
    pub contact_opt_in: bool,
}

/// An occupation learners can aspire to, with its requirements (as a job's).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentOccupation {
    /// Occupation id (unique).
    pub id: i64,
    /// Display title.
    pub title: String,
    /// Requirements, scored as MATCHING.md says.
    pub requirements: Vec<Requirement>,
}

/// An active microcredential that may be recommended to a segment.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentCourse {
    /// Microcredential id.
    pub id: i64,
    /// The institution offering it.
    pub provider_id: i64,
    /// Skills taught, with the level reached (1..=5).
    pub teaches: Vec<(SkillId, u8)>,
    /// Learning hours (finite, `>= 0`; other values make the course ineligible).
    pub hours: f64,
    /// Cost in cents of `currency` (`>= 0`; negative makes the course ineligible).
    pub cost_cents: i64,
    /// ISO currency code of the cost, compared exactly (never converted).
    pub currency: String,
}

/// How many clusters to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KChoice {
    /// Exactly this many (at least 2, at most the number of learners).
    Fixed(usize),
    /// Every k in `min..=max` (with `max` lowered to the number of learners fitted on) is
    /// fitted; the one with the best mean silhouette wins, ties to the smaller k.
    Auto {
        /// Smallest k tried (at least 2).
        min: usize,
        /// Largest k tried.
        max: usize,
    },
}

/// Options of [`fit`](super::fit).
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// How many clusters. By default `Auto { min: 4, max: 16 }`.
    pub k: KChoice,
    /// Seed of the k-means++ generator and of the deterministic samples. By default 42.
    pub seed: u64,
    /// k-means is fitted on at most this many learners (a deterministic sample); every
    /// learner is then assigned to its nearest centroid. By default 100 000.
    pub max_fit_sample: usize,
    /// Mean silhouettes are computed on a deterministic sample of at most this many of the
    /// fitted learners (0: no silhouette; `KChoice::Auto` needs at least 2). By default
    /// 4 000.
    pub silhouette_sample: usize,
    /// Lloyd iterations per k-means run, at most. By default 100.
    pub max_iterations: u64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            k: KChoice::Auto { min: 4, max: 16 },
            seed: 42,
            max_fit_sample: 100_000,
            silhouette_sample: 4_000,
            max_iterations: 100,
        }
    }
}

/// The result of clustering all learners.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentModel {
    /// Number of clusters; cluster indices are `0..k`, the largest cluster first (ties by
    /// the smallest learner id in the cluster).
    pub k: usize,
    /// What was asked for.
    pub k_choice: KChoice,
    /// Mean silhouette of the chosen clustering on the silhouette sample; `None` when
    /// `silhouette_sample` is 0 or the sample holds fewer than 2 clusters.
    pub silhouette: Option<f64>,
    /// Mean silhouette of every k tried (`KChoice::Auto`), by ascending k; for
    /// `KChoice::Fixed` the one k, when computed.
    pub silhouettes: Vec<(usize, f64)>,
    /// Learner id -> cluster index, sorted by learner id. Every learner given to `fit`.
    pub assignments: Vec<(i64, u32)>,
    /// Dimensions of the feature space.
    pub dims: usize,
    /// Number of learners k-means was fitted on.
    pub fitted_on: usize,
    /// Human-readable account of the method: feature space, sample, k selection.
    pub method: String,
}

impl SegmentModel {
    /// The cluster of a learner, `None` when the learner was not part of the fit.
    pub fn cluster_of(&self, learner_id: i64) -> Option<u32> {
        self.assignments
            .binary_search_by_key(&learner_id, |&(id, _)| id)
            .ok()
            .map(|i| self.assignments[i].1)
    }
}

/// Why learners could not be segmented.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
    /// No learners were given.
    #[error("no learners to segment")]
    NoLearners,
    /// `k` is below 2 or above the number of learners (or of learners fitted on).
    #[error("k = {k} is out of range: it must be at least 2 and at most {max}")]
    KOutOfRange {
        /// The k asked for (the smallest, for `KChoice::Auto`).
        k: usize,
        /// The largest k possible here.
        max: usize,
    },
    /// Options that make no sense (the message says which).
    #[error("invalid segmentation options: {0}")]
    InvalidOptions(&'static str),
    /// Two learners share an id.
    #[error("duplicate learner id {0}")]
    DuplicateLearner(i64),
    /// Two occupations share an id.
    #[error("duplicate occupation id {0}")]
    DuplicateOccupation(i64),
    /// An evidence level or a requirement is invalid.
    #[error(transparent)]
    Scoring(#[from] ScoringError),
    /// k-means failed (should not happen with valid options).
    #[error("k-means: {0}")]
    KMeans(String),
}
