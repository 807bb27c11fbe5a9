//! Institutions' insights: learner segments, skill supply against demand, teaching
//! opportunities. Aggregates only: no type here leads to a learner.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::{DateTime, Utc};
use search_index::segments as seg;

use super::catalog::{Microcredential, Occupation, Skill, skill};
use super::enums::EvidenceKind;
use crate::graphql::context::loaders;
use crate::graphql::error::{ApiError, ApiResult};
use crate::insights::supply as sd;

/// Whose learners a segmentation describes.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SegmentScope {
    /// Every learner on the platform (in aggregate).
    #[default]
    AllLearners,
    /// The institution's own learners: those holding a credential it issued (not revoked).
    OwnLearners,
}

/// Whether a cached result is there yet.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightStatus {
    /// Computed; the figures are as of `computedAt`.
    Ready,
    /// Being computed in the background (a new k, or the first run): ask again shortly.
    Computing,
    /// Not possible on this data (e.g. more segments than learners); see `message`.
    Unavailable,
}

/// Learner segments: groups of learners with similar evidenced skills and aspirations.
pub struct LearnerSegmentation {
    /// Status.
    pub status: InsightStatus,
    /// Why not available, when not.
    pub message: Option<String>,
    /// Scope.
    pub scope: SegmentScope,
    /// Minimum cohort.
    pub min_cohort: usize,
    /// When computed.
    pub computed_at: Option<DateTime<Utc>>,
    /// The model, when ready.
    pub model: Option<(Arc<seg::SegmentModel>, Arc<seg::Segmentation>)>,
}

/// k-means segments of learners (see `method` for the feature space and k selection).
/// Every segment has at least `minCohort` learners in scope: smaller ones are merged
/// into one "Other learners" segment, or left out when still too small.
#[Object]
impl LearnerSegmentation {
    /// READY, COMPUTING or UNAVAILABLE. Only READY carries segments.
    async fn status(&self) -> InsightStatus {
        self.status
    }
    /// Why the segmentation is unavailable; null otherwise.
    async fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// The scope the figures describe.
    async fn scope(&self) -> SegmentScope {
        self.scope
    }
    /// When the segmentation was computed; null until it is.
    async fn computed_at(&self) -> Option<DateTime<Utc>> {
        self.computed_at
    }
    /// Number of clusters of the model (before small ones are merged).
    async fn k(&self) -> Option<i32> {
        self.model.as_ref().map(|(m, _)| m.k as i32)
    }
    /// How k was chosen: FIXED (asked for) or SILHOUETTE (best mean silhouette in a range).
    async fn k_selection(&self) -> Option<&str> {
        self.model.as_ref().map(|(m, _)| match m.k_choice {
            seg::KChoice::Fixed(_) => "FIXED",
            seg::KChoice::Auto { .. } => "SILHOUETTE",
        })
    }
    /// Mean silhouette of the clustering on a sample (-1..1; higher is better separated).
    async fn silhouette(&self) -> Option<f64> {
        self.model.as_ref().and_then(|(m, _)| m.silhouette)
    }
    /// The feature space, sample and k selection, in words.
    async fn method(&self) -> Option<&str> {
        self.model.as_ref().map(|(m, _)| m.method.as_str())
    }
    /// Smallest segment ever shown.
    async fn min_cohort(&self) -> i32 {
        self.min_cohort as i32
    }
    /// Learners in scope.
    async fn learners_in_scope(&self) -> Option<i32> {
        self.model.as_ref().map(|(_, s)| s.learners_in_scope as i32)
    }
    /// Segments left out because they stayed below the minimum cohort after merging.
    async fn suppressed_segments(&self) -> Option<i32> {
        self.model
            .as_ref()
            .map(|(_, s)| s.suppressed_segments as i32)
    }
    /// The segments, largest first; empty unless READY.
    async fn segments(&self) -> Vec<LearnerSegment> {
        match &self.model {
            Some((_, s)) => (0..s.segments.len())
                .map(|i| LearnerSegment {
                    all: Arc::clone(s),
                    index: i,
                })
                .collect(),
            None => Vec::new(),
        }
    }
}

/// One segment.
pub struct LearnerSegment {
    all: Arc<seg::Segmentation>,
    index: usize,
}

impl LearnerSegment {
    fn seg(&self) -> ApiResult<&seg::Segment> {
        self.all
            .segments
            .get(self.index)
            .ok_or_else(|| ApiError::Internal("segment index out of range".into()))
    }
}

/// A group of at least `minCohort` learners with similar skills and aspirations.
#[Object]
impl LearnerSegment {
    /// Stable within one computation (the cluster index; the merged segment has key k).
    async fn key(&self) -> ApiResult<i32> {
        Ok(self.seg()?.key as i32)
    }
    /// A label from its most distinctive skills.
    async fn label(&self) -> ApiResult<&str> {
        Ok(self.seg()?.label.as_str())
    }
    /// Learners in scope in this segment.
    async fn size(&self) -> ApiResult<i32> {
        Ok(self.seg()?.size as i32)
    }
    /// Whether this is the bucket of clusters too small to show on their own.
    async fn merged(&self) -> ApiResult<bool> {
        Ok(self.seg()?.merged)
    }
    /// Skills most over-represented against all learners in scope (lift = share in the
    /// segment / share in scope).
    async fn distinctive_skills(&self) -> ApiResult<Vec<SegmentSkill>> {
        Ok(self
            .seg()?
            .distinctive_skills
            .iter()
            .map(|s| SegmentSkill(s.clone()))
            .collect())
    }
    /// The occupations its learners aspire to most.
    async fn top_aspirations(&self) -> ApiResult<Vec<SegmentAspiration>> {
        Ok(self
            .seg()?
            .top_aspirations
            .iter()
            .map(|a| SegmentAspiration(a.clone()))
            .collect())
    }
    /// Mean match score (MATCHING.md) of its learners against the occupations they aspire
    /// to; null when none aspires to any.
    async fn average_match_score(&self) -> ApiResult<Option<f64>> {
        Ok(self.seg()?.avg_match_score)
    }
    /// The most common gaps against their aspirations, by gap mass.
    async fn common_gaps(&self) -> ApiResult<Vec<SegmentGap>> {
        Ok(self
            .seg()?
            .common_gaps
            .iter()
            .map(|g| SegmentGap(g.clone()))
            .collect())
    }
    /// Microcredentials that close the most gap mass of the segment per learning hour,
    /// picked greedily (each pick counts only the gap mass not closed by earlier picks).
    async fn recommended_microcredentials(&self) -> ApiResult<Vec<SegmentRecommendation>> {
        Ok(self
            .seg()?
            .recommended
            .iter()
            .map(|r| SegmentRecommendation(r.clone()))
            .collect())
    }
    /// Learners of the segment who consented to hear from institutions. The only reach
    /// figure: no one's identity is ever given.
    async fn reach(&self) -> ApiResult<i32> {
        Ok(self.seg()?.reach as i32)
    }
}

/// A skill over-represented in a segment.
pub struct SegmentSkill(seg::SkillLift);

/// A distinctive skill of a segment.
#[Object]
impl SegmentSkill {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.skill).await
    }
    /// Share of the segment's learners holding it.
    async fn share(&self) -> f64 {
        self.0.share
    }
    /// Share of all learners in scope holding it.
    async fn population_share(&self) -> f64 {
        self.0.population_share
    }
    /// share / populationShare.
    async fn lift(&self) -> f64 {
        self.0.lift
    }
}

/// An aspiration common in a segment.
pub struct SegmentAspiration(seg::AspirationCount);

/// An occupation the segment's learners aspire to.
#[Object]
impl SegmentAspiration {
    /// The occupation.
    async fn occupation(&self, ctx: &Context<'_>) -> ApiResult<Occupation> {
        loaders(ctx)?
            .occupation
            .load_one(self.0.occupation_id)
            .await?
            .map(Occupation)
            .ok_or(ApiError::NotFound("occupation"))
    }
    /// Learners of the segment aspiring to it.
    async fn learners(&self) -> i32 {
        self.0.learners as i32
    }
    /// Their share of the segment.
    async fn share(&self) -> f64 {
        self.0.share
    }
}

/// A gap common in a segment.
pub struct SegmentGap(seg::SegmentGap);

/// A skill (at a level) the segment's learners lack for the occupations they aspire to.
#[Object]
impl SegmentGap {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.skill).await
    }
    /// Level the occupations require.
    async fn min_level(&self) -> i32 {
        i32::from(self.0.min_level)
    }
    /// Learners with this gap.
    async fn learners(&self) -> i32 {
        self.0.learners as i32
    }
    /// Σ weight × (1 - credit) / Σ weight over (learner, aspiration) pairs: how much
    /// match score the gap costs the segment in total.
    async fn gap_mass(&self) -> f64 {
        self.0.gap_mass
    }
}

/// A microcredential recommended for a segment.
pub struct SegmentRecommendation(seg::CourseRecommendation);

/// A microcredential recommended for a segment.
#[Object]
impl SegmentRecommendation {
    /// The microcredential.
    async fn microcredential(&self, ctx: &Context<'_>) -> ApiResult<Microcredential> {
        loaders(ctx)?
            .microcredential
            .load_one(self.0.course_id)
            .await?
            .map(Microcredential)
            .ok_or(ApiError::NotFound("microcredential"))
    }
    /// Gap mass of the segment it closes (not closed by earlier recommendations).
    async fn gap_mass_closed(&self) -> f64 {
        self.0.gap_mass_closed
    }
    /// gapMassClosed per learning hour.
    async fn gap_mass_per_hour(&self) -> f64 {
        self.0.per_unit
    }
}

/// Demand or supply at one level.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct LevelCount {
    /// Level 1..5.
    pub level: i32,
    /// How many (jobs or learners).
    pub count: i32,
}

/// Supply by kind of evidence.
#[derive(SimpleObject, Debug, Clone, PartialEq)]
pub struct EvidenceCount {
    /// The strongest evidence the learners hold.
    pub evidence: EvidenceKind,
    /// Learners.
    pub learners: i32,
}

fn levels(v: &[u64; 5]) -> Vec<LevelCount> {
    v.iter()
        .enumerate()
        .map(|(i, &c)| LevelCount {
            level: i as i32 + 1,
            count: c as i32,
        })
        .collect()
}

/// One skill's supply and demand.
pub struct SkillSupplyDemand(pub sd::SkillSupplyDemand);

/// Demand (open jobs requiring the skill) against supply (learners holding it). Demand
/// honours every filter; supply honours `location` only. Definitions: README, "Insights".
#[Object]
impl SkillSupplyDemand {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.skill).await
    }
    /// Open jobs requiring it.
    async fn demand_jobs(&self) -> i32 {
        self.0.demand_jobs as i32
    }
    /// Of which as a must-have.
    async fn must_have_jobs(&self) -> i32 {
        self.0.must_have_jobs as i32
    }
    /// Weighted demand: each job counts the share of its score the skill carries (w / Σw).
    async fn demand_weight(&self) -> f64 {
        self.0.demand_weight
    }
    /// Open jobs by required level.
    async fn demand_by_level(&self) -> Vec<LevelCount> {
        levels(&self.0.demand_by_level)
    }
    /// Learners holding the skill itself with current evidence (not revoked, not expired).
    async fn supply_learners(&self) -> i32 {
        self.0.supply_learners as i32
    }
    /// Learners by the highest level they hold.
    async fn supply_by_level(&self) -> Vec<LevelCount> {
        levels(&self.0.supply_by_level)
    }
    /// Learners by their strongest evidence.
    async fn supply_by_evidence(&self) -> Vec<EvidenceCount> {
        [
            search_index::EvidenceKind::VerifiedCredential,
            search_index::EvidenceKind::UnverifiedCredential,
            search_index::EvidenceKind::SelfAsserted,
        ]
        .into_iter()
        .zip(self.0.supply_by_evidence)
        .map(|(k, n)| EvidenceCount {
            evidence: k.into(),
            learners: n as i32,
        })
        .collect()
    }
    /// Supply learners per demanding job; null without demand.
    async fn supply_per_job(&self) -> Option<f64> {
        self.0.ratio()
    }
    /// With a period: jobs posted in it requiring the skill (open or not now).
    async fn posted_jobs(&self) -> Option<i32> {
        self.0.posted_jobs.map(|n| n as i32)
    }
    /// With a period: the same count for the period before.
    async fn previous_posted_jobs(&self) -> Option<i32> {
        self.0.previous_posted_jobs.map(|n| n as i32)
    }
    /// (postedJobs - previousPostedJobs) / previousPostedJobs; null without a period or
    /// when the previous period had none.
    async fn demand_trend(&self) -> Option<f64> {
        self.0.trend()
    }
}

crate::graphql::pagination::connection!(
    SkillSupplyDemandConnection,
    SkillSupplyDemandEdge,
    SkillSupplyDemand,
    "skills' supply and demand"
);

/// A skill worth teaching.
pub struct TeachingOpportunity(pub sd::TeachingOpportunity);

/// A skill with unmet demand that none of the institution's active microcredentials
/// teaches.
#[Object]
impl TeachingOpportunity {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.skill).await
    }
    /// Σ over open jobs requiring it of (w / Σw) × (1 - share of learners holding it at
    /// the job's level): the weighted demand current learners could not meet.
    async fn unmet_demand(&self) -> f64 {
        self.0.unmet_demand
    }
    /// Open jobs requiring it (the jobs it would touch).
    async fn jobs_touched(&self) -> i32 {
        self.0.demand_jobs as i32
    }
    /// Learners for whom it is a gap against an occupation they aspire to.
    async fn learners_touched(&self) -> i32 {
        self.0.learners_touched as i32
    }
    /// Learners holding it now.
    async fn supply_learners(&self) -> i32 {
        self.0.supply_learners as i32
    }
}

/// How well a microcredential fits a segment.
#[derive(SimpleObject)]
pub struct SegmentFit {
    /// The segment's key (in the default segmentation of all learners).
    pub segment_key: i32,
    /// The segment's label.
    pub segment_label: String,
    /// The segment's size.
    pub segment_size: i32,
    /// Gap mass per learner of the segment the microcredential closes.
    pub fit: f64,
}

/// The segments a microcredential fits best.
pub struct MicrocredentialFit {
    /// The microcredential's id.
    pub microcredential_id: i64,
    /// Best segments first.
    pub segments: Vec<SegmentFit>,
}

/// Where one of the institution's microcredentials fits.
#[Object]
impl MicrocredentialFit {
    /// The microcredential.
    async fn microcredential(&self, ctx: &Context<'_>) -> ApiResult<Microcredential> {
        loaders(ctx)?
            .microcredential
            .load_one(self.microcredential_id)
            .await?
            .map(Microcredential)
            .ok_or(ApiError::NotFound("microcredential"))
    }
    /// The segments of all learners it closes most gap mass for, per learner (at most 3).
    async fn segments(&self) -> &[SegmentFit] {
        &self.segments
    }
}

/// What an institution could teach next.
#[derive(SimpleObject)]
pub struct TeachingOpportunities {
    /// READY, or COMPUTING before the first computation.
    pub status: InsightStatus,
    /// When the data was read.
    pub computed_at: Option<DateTime<Utc>>,
    /// Skills with the highest unmet demand that none of its active microcredentials
    /// teaches (the skill itself or a descendant), best first.
    pub skills: Vec<TeachingOpportunity>,
    /// For each of its active microcredentials, the segments it fits best (empty while
    /// the default segmentation is computing).
    pub microcredential_fit: Vec<MicrocredentialFit>,
}
