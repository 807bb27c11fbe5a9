//! Scores, explanations, gaps, pathways and unlocks (MATCHING.md), as the API shows them.

use async_graphql::{Context, Object, SimpleObject};

use super::catalog::{Microcredential, Skill, SkillRequirement, skill};
use super::enums::{EvidenceKind, PathwayObjective, SkillRelation};
use super::job::Job;
use super::learner::Learner;
use crate::graphql::context::loaders;
use crate::graphql::error::{ApiError, ApiResult};
use crate::repo::occupations::Requirement;

/// An engine requirement as the API's requirement.
pub fn api_requirement(r: &search_index::Requirement) -> Requirement {
    Requirement {
        skill_id: r.skill,
        min_level: i32::from(r.min_level),
        weight: r.weight,
        required: r.required,
    }
}

/// One requirement's share of a score.
pub struct RequirementContribution(pub search_index::Contribution);

/// How one requirement was met: the evidence used, its relation to the required skill,
/// the credit (0..1) and the contribution to the score (weight x credit / total weight).
#[Object]
impl RequirementContribution {
    /// The requirement.
    async fn requirement(&self) -> SkillRequirement {
        SkillRequirement(api_requirement(&self.0.requirement))
    }
    /// The skill of the evidence used; null when there was none (credit 0).
    async fn evidence_skill(&self, ctx: &Context<'_>) -> ApiResult<Option<Skill>> {
        match &self.0.evidence_used {
            Some(e) => Ok(Some(skill(ctx, e.skill).await?)),
            None => Ok(None),
        }
    }
    /// Level of the evidence used; 0 when none.
    async fn held_level(&self) -> i32 {
        i32::from(self.0.held_level)
    }
    /// Kind of the evidence used; null when none.
    async fn evidence(&self) -> Option<EvidenceKind> {
        self.0.evidence_used.map(|e| e.kind.into())
    }
    /// Whether the evidence used comes from an expired credential (counted at half).
    async fn evidence_expired(&self) -> bool {
        self.0.evidence_used.is_some_and(|e| e.expired)
    }
    /// Relation of the evidence skill to the required skill; null when none.
    async fn relation(&self) -> Option<SkillRelation> {
        self.0.relation.map(Into::into)
    }
    /// Credit in [0, 1] = confidence x relation x min(1, held / required level).
    async fn credit(&self) -> f64 {
        self.0.credit
    }
    /// weight x credit / sum of weights; the contributions add up to the score.
    async fn contribution(&self) -> f64 {
        self.0.contribution
    }
}

/// A score with its breakdown.
pub struct MatchExplanation(pub search_index::Explanation);

/// Why a score is what it is, requirement by requirement.
#[Object]
impl MatchExplanation {
    /// The match score in [0, 1].
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// One entry per requirement, in requirement order.
    async fn contributions(&self) -> Vec<RequirementContribution> {
        self.0
            .contributions
            .iter()
            .cloned()
            .map(RequirementContribution)
            .collect()
    }
    /// Must-have skills with no credit at all.
    async fn missing_must_haves(&self, ctx: &Context<'_>) -> ApiResult<Vec<Skill>> {
        let l = loaders(ctx)?;
        let found = l
            .skill
            .load_many(self.0.missing_must_haves.iter().copied())
            .await?;
        Ok(self
            .0
            .missing_must_haves
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Skill))
            .collect())
    }
}

/// A learner ranked for a job or requirements.
pub struct CandidateMatch {
    /// The learner (already checked visible).
    pub learner: Learner,
    /// Match score.
    pub score: f64,
    /// The explanation, when the selection asks for it.
    pub explanation: Option<search_index::Explanation>,
}

/// A candidate and why they rank where they do.
#[Object]
impl CandidateMatch {
    /// The candidate.
    async fn learner(&self) -> &Learner {
        &self.learner
    }
    /// Match score in [0, 1].
    async fn score(&self) -> f64 {
        self.score
    }
    /// The per-requirement breakdown.
    async fn explanation(&self) -> ApiResult<MatchExplanation> {
        self.explanation
            .clone()
            .map(MatchExplanation)
            .ok_or_else(|| ApiError::Internal("a candidate explanation was not built".into()))
    }
}

/// A job ranked for a learner.
pub struct JobMatch {
    /// The job.
    pub job: Job,
    /// The explanation.
    pub explanation: search_index::Explanation,
}

/// A job and how well the signed-in learner matches it.
#[Object]
impl JobMatch {
    /// The job.
    async fn job(&self) -> &Job {
        &self.job
    }
    /// Match score in [0, 1].
    async fn score(&self) -> f64 {
        self.explanation.score
    }
    /// The per-requirement breakdown.
    async fn explanation(&self) -> MatchExplanation {
        MatchExplanation(self.explanation.clone())
    }
}

crate::graphql::pagination::connection!(
    CandidateMatchConnection,
    CandidateMatchEdge,
    CandidateMatch,
    "candidates"
);

crate::graphql::pagination::connection!(JobMatchConnection, JobMatchEdge, JobMatch, "job matches");

/// Why a requirement is still a gap: the first factor, in this order, that keeps the
/// credit of the best evidence below 1 (MATCHING.md). `why` names every factor.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapReason {
    /// No evidence of the skill or of a related one: credit 0.
    Missing,
    /// The best evidence is of a related skill, not the one asked for: a more specific
    /// skill counts 0.9, the parent skill 0.5, a sibling in the same family 0.3.
    RelatedSkill,
    /// The skill is held below the level asked: counts held / required level.
    LevelBelow,
    /// The skill is held at the level asked, from an expired credential: counts half.
    Expired,
    /// The skill is held at the level asked, only self-asserted: counts 0.4.
    SelfAsserted,
    /// The skill is held at the level asked, from an unverified credential: counts 0.7.
    Unverified,
}

impl From<search_index::GapReason> for GapReason {
    fn from(r: search_index::GapReason) -> Self {
        match r {
            search_index::GapReason::Missing => GapReason::Missing,
            search_index::GapReason::RelatedSkill => GapReason::RelatedSkill,
            search_index::GapReason::LevelBelow => GapReason::LevelBelow,
            search_index::GapReason::Expired => GapReason::Expired,
            search_index::GapReason::SelfAsserted => GapReason::SelfAsserted,
            search_index::GapReason::Unverified => GapReason::Unverified,
        }
    }
}

/// A requirement not fully met.
#[derive(Clone)]
pub struct SkillGap(pub search_index::Gap);

/// A requirement with credit below 1: what is required, what is held.
#[Object]
impl SkillGap {
    /// The required skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.requirement.skill).await
    }
    /// Level required, 1..5.
    async fn required_level(&self) -> i32 {
        i32::from(self.0.requirement.min_level)
    }
    /// Level of the best evidence held; 0 when none.
    async fn held_level(&self) -> i32 {
        i32::from(self.0.held_level)
    }
    /// The requirement's weight.
    async fn weight(&self) -> f64 {
        self.0.requirement.weight
    }
    /// Must-have.
    async fn required(&self) -> bool {
        self.0.requirement.required
    }
    /// Credit earned now, in [0, 1).
    async fn credit(&self) -> f64 {
        self.0.credit
    }
    /// The skill of the best evidence held; null when none.
    async fn best_evidence_skill(&self, ctx: &Context<'_>) -> ApiResult<Option<Skill>> {
        match &self.0.best_evidence {
            Some(e) => Ok(Some(skill(ctx, e.skill).await?)),
            None => Ok(None),
        }
    }
    /// The kind of the best evidence held; null when none.
    async fn best_evidence(&self) -> Option<EvidenceKind> {
        self.0.best_evidence.map(|e| e.kind.into())
    }
    /// Why this is still a gap, from the best evidence held (e.g. SELF_ASSERTED for a
    /// self-asserted skill at or above the level required).
    async fn reason(&self) -> GapReason {
        self.0.reason.into()
    }
    /// One line saying why, naming every factor that keeps the credit below 1, e.g.
    /// "held at level 3 (level 2 required), but only self-asserted (counts 0.4)".
    async fn why(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let tax = crate::graphql::context::services(ctx)?.search.taxonomy();
        Ok(self.0.why(&tax))
    }
}

/// A gap analysis.
pub struct GapAnalysis(pub search_index::Explanation);

/// Every requirement with credit below 1, largest weighted gap first.
#[Object]
impl GapAnalysis {
    /// The match score now.
    async fn score(&self) -> f64 {
        self.0.score
    }
    /// The gaps, ordered by weight x (1 - credit) descending.
    async fn gaps(&self) -> Vec<SkillGap> {
        self.0.gaps().into_iter().map(SkillGap).collect()
    }
    /// The full breakdown.
    async fn explanation(&self) -> MatchExplanation {
        MatchExplanation(self.0.clone())
    }
}

/// One step of a pathway.
pub struct PathwayStep {
    /// 1-based position.
    pub order: i32,
    /// The microcredential.
    pub microcredential: Microcredential,
    /// Gaps it closes (that no earlier step closed).
    pub closes: Vec<SkillGap>,
}

/// Take this microcredential next.
#[Object]
impl PathwayStep {
    /// Position in the pathway, from 1. Every prerequisite of a step is held already or
    /// taught by an earlier step.
    async fn order(&self) -> i32 {
        self.order
    }
    /// The microcredential to take.
    async fn microcredential(&self) -> &Microcredential {
        &self.microcredential
    }
    /// Gaps this step closes; empty for a step taken only to meet a later step's
    /// prerequisite.
    async fn closes(&self) -> &[SkillGap] {
        &self.closes
    }
}

/// A learning pathway.
#[derive(SimpleObject)]
pub struct LearningPathway {
    /// What was minimised.
    pub objective: PathwayObjective,
    /// The microcredentials to take, in a valid order.
    pub steps: Vec<PathwayStep>,
    /// Sum of the steps' costs, in cents of `currency`.
    pub total_cost_cents: i32,
    /// The currency of the costs; only microcredentials priced in it are considered.
    pub currency: String,
    /// Sum of the steps' hours.
    pub total_hours: f64,
    /// True when the search proved that no pathway is better; false when its work
    /// bound stopped it first (the pathway is then the best found, valid but maybe not
    /// the cheapest).
    pub optimal: bool,
    /// Gaps no available microcredential closes.
    pub uncoverable: Vec<SkillGap>,
    /// Gaps a microcredential could close but the budget left open.
    pub not_closed: Vec<SkillGap>,
    /// The match score now.
    pub current_score: f64,
    /// The match score after the pathway (its microcredentials as verified evidence).
    pub projected_score: f64,
    /// The projected score's breakdown.
    pub projected_explanation: MatchExplanation,
}

/// A skill and what it would bring: the jobs it would unlock, the score it would add.
pub struct SkillUnlock {
    /// Skill id.
    pub skill_id: i64,
    /// Jobs that would reach the threshold.
    pub jobs_unlocked: i32,
    /// Total score gained over the open jobs.
    pub score_gain: f64,
    /// Open jobs whose score it raises.
    pub jobs_improved: i32,
    /// The job below the threshold it brings highest, and the score it would reach.
    pub closest: Option<(i64, f64)>,
}

/// "Which one credential opens the most doors", and, when no single skill opens one,
/// which brings the learner closest. Each as if the learner gained the skill, verified,
/// at each job's required level.
#[Object]
impl SkillUnlock {
    /// A skill the learner lacks for some open job.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.skill_id).await
    }
    /// Open jobs below the threshold whose score would reach it with this skill. When
    /// every entry says 0, no single skill lifts any job to the threshold: the entries
    /// are then ranked by what they bring (`scoreGain`).
    async fn jobs_unlocked(&self) -> i32 {
        self.jobs_unlocked
    }
    /// The total score gained over the open jobs with this skill (the sum, over jobs, of
    /// the score with it minus the score now; 6 decimals). Always positive: a skill that
    /// raises no score is not listed.
    async fn score_gain(&self) -> f64 {
        self.score_gain
    }
    /// Open jobs whose score this skill raises.
    async fn jobs_improved(&self) -> i32 {
        self.jobs_improved
    }
    /// Among the open jobs below the threshold that this skill raises, the one it brings
    /// highest (ties: the older job); null when it only raises jobs already at or above
    /// the threshold.
    async fn closest_job(&self, ctx: &Context<'_>) -> ApiResult<Option<Job>> {
        let Some((id, _)) = self.closest else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.job.load_one(id).await?.map(Job))
    }
    /// The score `closestJob` would reach with this skill; null with it.
    async fn closest_score(&self) -> Option<f64> {
        self.closest.map(|(_, score)| score)
    }
}

/// Free text normalised to a skill.
#[derive(SimpleObject)]
pub struct SkillNormalization {
    /// The text given.
    pub input: String,
    /// The skill it names; null when unknown (never guessed).
    pub skill: Option<Skill>,
}

/// A skill found in prose.
#[derive(SimpleObject)]
pub struct ExtractedSkill {
    /// The skill.
    pub skill: Skill,
    /// Start of the mention, in UTF-8 bytes from the start of the text.
    pub start: i32,
    /// End of the mention (exclusive), in UTF-8 bytes.
    pub end: i32,
    /// The mention as written.
    pub text: String,
}

/// Converts a count or size to a GraphQL Int.
pub fn int(n: impl TryInto<i32>) -> ApiResult<i32> {
    n.try_into()
        .map_err(|_| ApiError::Internal("value out of Int range".into()))
}

/// A job one or two microcredentials away from the threshold.
pub struct ClosestJob {
    /// The job.
    pub job: Job,
    /// The library's answer.
    pub inner: search_index::pathway::ClosestJob,
    /// The microcredentials, in order.
    pub microcredentials: Vec<Microcredential>,
}

/// A job the learner could reach with one or two microcredentials.
#[Object]
impl ClosestJob {
    /// The job.
    async fn job(&self) -> &Job {
        &self.job
    }
    /// The match score now (below the threshold).
    async fn current_score(&self) -> f64 {
        self.inner.current_score
    }
    /// The match score after the microcredentials (at or above the threshold).
    async fn projected_score(&self) -> f64 {
        self.inner.projected_score
    }
    /// One or two microcredentials to take, in a valid order.
    async fn microcredentials(&self) -> &[Microcredential] {
        &self.microcredentials
    }
    /// Their total cost, in cents of the requested currency.
    async fn total_cost_cents(&self) -> ApiResult<i32> {
        int(self.inner.cost_cents)
    }
}
