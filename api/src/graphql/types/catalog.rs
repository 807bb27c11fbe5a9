//! The public catalogue: skills, organizations, occupations, microcredentials.

use async_graphql::{Context, ID, Object};

use crate::graphql::context::loaders;
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{NodeType, encode};
use crate::graphql::types::enums::OrganizationKind;
use crate::repo;

/// A skill of the taxonomy.
#[derive(Debug, Clone)]
pub struct Skill(pub repo::skills::Skill);

/// A skill of the taxonomy: a tree (each skill has at most one parent) with aliases.
#[Object]
impl Skill {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Skill, self.0.id)
    }
    /// Stable short name, e.g. `postgresql`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name, e.g. `PostgreSQL`.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Category: software, data-ai, cloud-devops, security, finance-accounting,
    /// business-management, design or health-informatics.
    async fn category(&self) -> &str {
        &self.0.category
    }
    /// Other names and abbreviations that normalise to this skill (e.g. `k8s`).
    async fn aliases(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(loaders(ctx)?
            .aliases
            .load_one(self.0.id)
            .await?
            .unwrap_or_default())
    }
    /// The parent skill; null for a root of the tree.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<Skill>> {
        match self.0.parent_id {
            Some(p) => Ok(loaders(ctx)?.skill.load_one(p).await?.map(Skill)),
            None => Ok(None),
        }
    }
    /// Direct children, by id.
    async fn children(&self, ctx: &Context<'_>) -> ApiResult<Vec<Skill>> {
        Ok(loaders(ctx)?
            .children
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(Skill)
            .collect())
    }
    /// Whether a bare mention in prose may not mean this skill ("Go", "R"): extraction
    /// then needs a skill-like context.
    async fn ambiguous(&self) -> bool {
        self.0.ambiguous
    }
}

/// Loads a skill that must exist (an id from a requirement or evidence row).
pub async fn skill(ctx: &Context<'_>, id: i64) -> ApiResult<Skill> {
    loaders(ctx)?
        .skill
        .load_one(id)
        .await?
        .map(Skill)
        .ok_or(ApiError::NotFound("skill"))
}

/// A skill at a level.
pub struct SkillLevel {
    /// Skill id.
    pub skill_id: i64,
    /// Level 1..5.
    pub level: i32,
}

/// A skill at a proficiency level (1 awareness, 2 working, 3 practitioner, 4 advanced,
/// 5 expert).
#[Object]
impl SkillLevel {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.skill_id).await
    }
    /// The level, 1..5.
    async fn level(&self) -> i32 {
        self.level
    }
}

/// A requirement of a job or an occupation.
pub struct SkillRequirement(pub repo::occupations::Requirement);

/// A skill a job or occupation asks for, at a minimum level, with a weight.
#[Object]
impl SkillRequirement {
    /// The skill.
    async fn skill(&self, ctx: &Context<'_>) -> ApiResult<Skill> {
        skill(ctx, self.0.skill_id).await
    }
    /// Minimum level, 1..5.
    async fn min_level(&self) -> i32 {
        self.0.min_level
    }
    /// Weight in the score, in (0, 100].
    async fn weight(&self) -> f64 {
        self.0.weight
    }
    /// Must-have: a candidate without any credit for it is listed as missing it.
    async fn required(&self) -> bool {
        self.0.required
    }
}

/// An employer or an institution.
#[derive(Debug, Clone)]
pub struct Organization(pub repo::organizations::Organization);

/// An employer (posts jobs) or an institution (publishes microcredentials).
#[Object]
impl Organization {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Organization, self.0.id)
    }
    /// Stable short name (the `org` claim of its users' tokens).
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Employer or institution.
    async fn kind(&self) -> OrganizationKind {
        self.0.kind.into()
    }
    /// Headquarters; null when not given.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
}

/// Loads an organization that must exist.
pub async fn organization(ctx: &Context<'_>, id: i64) -> ApiResult<Organization> {
    loaders(ctx)?
        .organization
        .load_one(id)
        .await?
        .map(Organization)
        .ok_or(ApiError::NotFound("organization"))
}

/// An occupation.
#[derive(Debug, Clone)]
pub struct Occupation(pub repo::occupations::Occupation);

/// A target occupation (e.g. Data Analyst) with the skills it requires.
#[Object]
impl Occupation {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Occupation, self.0.id)
    }
    /// Stable short name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the occupation does.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Skills it requires, by skill id.
    async fn requirements(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillRequirement>> {
        let reqs = loaders(ctx)?
            .occupation_requirements
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(reqs.into_iter().map(SkillRequirement).collect())
    }
}

/// A microcredential.
#[derive(Debug, Clone)]
pub struct Microcredential(pub repo::microcredentials::Microcredential);

/// A short, assessed course that certifies skills at levels.
#[Object]
impl Microcredential {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Microcredential, self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The institution that offers it.
    async fn provider(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        organization(ctx, self.0.provider_id).await
    }
    /// Study hours (> 0).
    async fn hours(&self) -> f64 {
        self.0.hours
    }
    /// Price in the currency's minor unit (cents), >= 0.
    async fn cost_cents(&self) -> ApiResult<i32> {
        i32::try_from(self.0.cost_cents)
            .map_err(|_| ApiError::Internal("cost out of Int range".into()))
    }
    /// ISO 4217 currency code.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// Skills it certifies, with the level reached.
    async fn skills(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillLevel>> {
        let v = loaders(ctx)?
            .taught
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(v.into_iter()
            .map(|(skill_id, level)| SkillLevel { skill_id, level })
            .collect())
    }
    /// Skills (at levels) a learner must hold before taking it.
    async fn prerequisites(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillLevel>> {
        let v = loaders(ctx)?
            .prerequisites
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(v.into_iter()
            .map(|(skill_id, level)| SkillLevel { skill_id, level })
            .collect())
    }
    /// Whether it is offered now; inactive ones are visible to their provider only.
    async fn active(&self) -> bool {
        self.0.active
    }
}

crate::graphql::pagination::connection!(SkillConnection, SkillEdge, Skill, "skills");
crate::graphql::pagination::connection!(
    OccupationConnection,
    OccupationEdge,
    Occupation,
    "occupations"
);
crate::graphql::pagination::connection!(
    MicrocredentialConnection,
    MicrocredentialEdge,
    Microcredential,
    "microcredentials"
);
