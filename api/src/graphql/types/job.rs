//! Jobs.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};

use super::catalog::{Organization, SkillRequirement, organization};
use super::enums::JobStatus;
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::ids::{NodeType, encode};
use crate::repo;

/// A job posting.
#[derive(Debug, Clone)]
pub struct Job(pub repo::jobs::Job);

/// A job an employer posted, with the skills it requires.
#[Object]
impl Job {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        encode(NodeType::Job, self.0.id)
    }
    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The employer.
    async fn employer(&self, ctx: &Context<'_>) -> ApiResult<Organization> {
        organization(ctx, self.0.employer_id).await
    }
    /// Location; null when not given.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Whether it can be done remotely.
    async fn remote(&self) -> bool {
        self.0.remote
    }
    /// Open or closed.
    async fn status(&self) -> JobStatus {
        self.0.status.into()
    }
    /// When it was posted (RFC 3339, UTC).
    async fn posted_at(&self) -> DateTime<Utc> {
        self.0.posted_at.and_utc()
    }
    /// When it last changed (RFC 3339, UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
    /// Skills it requires.
    async fn requirements(&self, ctx: &Context<'_>) -> ApiResult<Vec<SkillRequirement>> {
        let reqs = loaders(ctx)?
            .job_requirements
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(reqs.into_iter().map(SkillRequirement).collect())
    }
}

crate::graphql::pagination::connection!(JobConnection, JobEdge, Job, "jobs");
