//! Learner segments for institutions: clusters of learners with similar skills and
//! aspirations, summarised as aggregates (never a learner id), with the gaps each segment
//! has against the occupations it aspires to and the microcredentials that close most of
//! them.
//!
//! Two steps: [`fit`] clusters *all* learners once into a [`SegmentModel`] (expensive,
//! done in the background); [`summarize`] describes the clusters for one scope of
//! learners (an institution's own, or everybody) as a [`Segmentation`] (linear in
//! learners). [`course_fit`] ranks the segments a given course suits.
//!
//! # Features (definitions)
//! - A learner's **strength** in a skill is the max over its evidence for that skill of
//!   `level / 5 * confidence` ([`scoring::confidence_of`](crate::scoring::confidence_of):
//!   verified 1.0, unverified 0.7, self-asserted 0.4, halved when expired). Evidence for
//!   skills the taxonomy does not know is ignored.
//! - Rarer skills weigh more: `idf(s) = ln((1 + N) / (1 + df(s))) + 1` over the `N`
//!   learners given to `fit`, `df(s)` the learners holding `s`.
//! - **Reduced space.** Every skill maps to its *family*: itself when it is a root (a
//!   broad area) or a child of a root, otherwise its ancestor that is a child of a root
//!   (in the usual area > family > skill tree: a leaf's parent; see
//!   [`taxonomy`](crate::taxonomy) for families and broad areas). A learner's value in a
//!   family is the **max** over its skills in that family of `strength * idf` (the max,
//!   not a sum, so listing many sibling skills does not outweigh depth elsewhere). Only
//!   families some learner holds get a dimension. The family block is L2-normalised.
//! - **Aspirations** are one-hot over the [`MAX_ASPIRATION_DIMS`] most aspired occupations
//!   (of those given to `fit`), scaled so that the block has norm [`ASPIRATION_WEIGHT`]
//!   (0.5 against 1 for skills: 20% of the squared norm), then the whole row is
//!   L2-normalised. A learner with neither skills nor aspirations is the zero row.
//! - So the space has (families held) + (aspired occupations, at most 64) dimensions,
//!   stated in [`SegmentModel::dims`] and [`SegmentModel::method`]; a dense row of 1M
//!   learners is never built: rows are built for the fit sample and in blocks of 4096
//!   for the assignment.
//!
//! # Clustering
//! - **k-means++** through `linfa-clustering` with a `Xoshiro256Plus` seeded from
//!   [`FitOptions::seed`], best of [`KMEANS_RUNS`] runs (lowest inertia), at most
//!   [`FitOptions::max_iterations`] Lloyd iterations, tolerance [`KMEANS_TOLERANCE`].
//! - **Sample.** k-means is fitted on the [`FitOptions::max_fit_sample`] learners with the
//!   smallest hash of (id, seed) (all of them when fewer), rows in id order; every learner
//!   is then assigned to its nearest centroid.
//! - **k.** [`KChoice::Fixed`] or [`KChoice::Auto`]: each k of the range is fitted and
//!   the one with the best mean silhouette (Euclidean; a point alone in its cluster
//!   scores 0) on a deterministic sample of [`FitOptions::silhouette_sample`] fitted
//!   learners wins, ties to the smaller k. The silhouette of a fixed k is reported too.
//! - **Cluster indices** are renumbered by size: 0 is the largest cluster (ties by the
//!   smallest learner id).
//! - **Determinism.** Learners are sorted by id first, samples depend on ids only, the
//!   generator is seeded, linfa's parallel loops write each row independently, and no
//!   hash-map order reaches the output: the same learners in any order, with the same
//!   options, give the same model.
//!
//! # Summaries (for the learners in scope)
//! - **Privacy floor.** Clusters with fewer than [`SummaryOptions::min_cohort`] in-scope
//!   members are merged into one bucket ([`MERGED_LABEL`], `merged = true`, key `k`);
//!   when the bucket is still below the floor it is dropped and the clusters in it are
//!   counted in [`Segmentation::suppressed_segments`]. No segment below the floor is ever
//!   returned, and no output type carries a learner id.
//! - **Shares and lift.** A member holds a skill when it has any evidence for it;
//!   `share` is over the segment, `population_share` over all in-scope learners the model
//!   assigns, `lift = share / population_share`.
//! - **Label**: the names of the [`LABEL_SKILLS`] skills with the highest lift among those
//!   held by at least [`LABEL_MIN_SHARE`] of the segment; when none is, the most common
//!   skills; [`NO_SKILLS_LABEL`] when there are no skills at all.
//! - **Aspirations**: members per aspired occupation (any id), most first.
//! - **Match score and gaps** are MATCHING.md's, by [`scoring::score`](crate::scoring):
//!   each member against each of its (distinct) aspired occupations once. The average is
//!   over those pairs. A gap `(skill, level)` (credit < 1) adds
//!   `weight * (1 - credit) / total weight` (the score the pair would gain) to the
//!   segment's gap mass and counts each member at most once.
//! - **Recommendations** are **greedy**, not exact: repeatedly the course with the most
//!   gap mass not yet closed per unit ([`RecommendBy::Hours`]: per hour, 0 hours counted
//!   as [`MIN_HOURS`]; [`RecommendBy::Cost`]: per cent, 0 counted as 1 cent, only courses
//!   in that currency), ties by more mass then lower id, until
//!   [`SummaryOptions::max_recommendations`] or nothing more closes. A course closes a gap
//!   when it teaches the skill or a descendant at the required level or above (the
//!   pathway rule; the whole remaining mass counts as closed even where a descendant would
//!   earn 0.9). Prerequisites are not considered.
//!
//! # Example
//! ```
//! use search_index::segments::{
//!     fit, summarize, FitOptions, KChoice, SegmentLearner, SummaryOptions,
//! };
//! use search_index::{Evidence, EvidenceKind, SkillDef, Taxonomy};
//!
//! let skill = |id, parent| SkillDef {
//!     id, slug: format!("s{id}"), name: format!("Skill {id}"), category: "x".into(),
//!     parent, aliases: vec![], ambiguous: false,
//! };
//! // Two areas with one family each: {SQL, Python} and {Nursing, Triage}.
//! let tax = Taxonomy::new(vec![
//!     skill(1, None), skill(2, Some(1)), skill(3, Some(2)), skill(4, Some(2)),
//!     skill(5, None), skill(6, Some(5)), skill(7, Some(6)), skill(8, Some(6)),
//! ])?;
//! let learner = |id: i64, skills: &[i64]| SegmentLearner {
//!     id,
//!     evidence: skills.iter().map(|&skill| Evidence {
//!         skill, level: 3, kind: EvidenceKind::VerifiedCredential, expired: false,
//!         credential_id: None,
//!     }).collect(),
//!     aspirations: vec![],
//!     contact_opt_in: id % 2 == 0,
//! };
//! let learners: Vec<SegmentLearner> = (0..40)
//!     .map(|i| if i < 20 { learner(i, &[3, 4]) } else { learner(i, &[7, 8]) })
//!     .collect();
//! let opts = FitOptions { k: KChoice::Fixed(2), ..FitOptions::default() };
//! let model = fit(&tax, &learners, &[], &opts)?;
//! assert_eq!(model.cluster_of(0), model.cluster_of(19));
//! assert_ne!(model.cluster_of(0), model.cluster_of(20));
//!
//! let all = |_id: i64| true;
//! let seg = summarize(&model, &tax, &learners, &all, &[], &[], &SummaryOptions::default());
//! assert_eq!(seg.segments.len(), 2);
//! assert_eq!(seg.segments[0].size, 20);
//! assert_eq!(seg.segments[0].reach, 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ari;
mod features;
mod fit;
mod model;
mod recommend;
mod sample;
mod segment;
mod silhouette;
mod summarize;

#[cfg(test)]
mod tests;

pub use ari::adjusted_rand_index;
pub use features::{ASPIRATION_WEIGHT, MAX_ASPIRATION_DIMS};
pub use fit::{KMEANS_RUNS, KMEANS_TOLERANCE, fit};
pub use model::{
    FitOptions, KChoice, SegmentCourse, SegmentError, SegmentLearner, SegmentModel,
    SegmentOccupation,
};
pub use recommend::{MIN_HOURS, course_fit};
pub use segment::{
    AspirationCount, CourseRecommendation, RecommendBy, Segment, SegmentGap, Segmentation,
    SkillLift, SummaryOptions,
};
pub use summarize::{LABEL_MIN_SHARE, LABEL_SKILLS, MERGED_LABEL, NO_SKILLS_LABEL, summarize};
