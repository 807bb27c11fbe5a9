//! Recruiters manage their organization's jobs.

use async_graphql::{Context, ID, InputObject, Object};

use super::searchable;
use crate::graphql::context::{
    can_manage_job, can_see_job, loaders, require_role, services, viewer,
};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::{
    SkillRequirementInput, decode_requirements, optional_text, required_text,
};
use crate::graphql::types::job::Job;
use crate::repo::{self, JobStatus, OrganizationKind, Role};

/// A job's content.
#[derive(InputObject)]
pub struct JobInput {
    /// Title, 1..200 characters.
    pub title: String,
    /// Description, at most 20,000 characters.
    pub description: String,
    /// Location, at most 200 characters.
    pub location: Option<String>,
    /// Whether it can be done remotely.
    #[graphql(default = false)]
    pub remote: bool,
    /// Required skills (1..50).
    pub requirements: Vec<SkillRequirementInput>,
}

impl JobInput {
    fn decode(&self) -> ApiResult<repo::jobs::NewJob> {
        Ok(repo::jobs::NewJob {
            title: required_text("title", &self.title, 200)?,
            description: optional_text("description", Some(&self.description), 20_000)?
                .unwrap_or_default(),
            location: optional_text("location", self.location.as_deref(), 200)?,
            remote: self.remote,
            requirements: decode_requirements(&self.requirements)?,
            posted_at: None,
        })
    }
}

/// A job the viewer may manage: NOT_FOUND when they may not even see it, FORBIDDEN
/// when they see it but it is another organization's.
async fn managed_job(ctx: &Context<'_>, id: &ID) -> ApiResult<repo::jobs::Job> {
    require_role(ctx, &[Role::Recruiter, Role::Admin])?;
    let jid = ids::decode(NodeType::Job, id)?;
    let job = loaders(ctx)?
        .job
        .load_one(jid)
        .await?
        .filter(|j| can_see_job(viewer(ctx), j))
        .ok_or(ApiError::NotFound("job"))?;
    if !can_manage_job(viewer(ctx), &job) {
        return Err(ApiError::forbidden(
            "this job belongs to another organization",
        ));
    }
    Ok(job)
}

/// Job mutations.
#[derive(Default)]
pub struct JobMutation;

#[Object]
impl JobMutation {
    /// Posts an OPEN job for the recruiter's organization (admins name the employer).
    async fn create_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] input: JobInput,
        #[graphql(desc = "Admins only: the employer; recruiters post for their own organization.")]
        employer_id: Option<ID>,
    ) -> ApiResult<Job> {
        let me = require_role(ctx, &[Role::Recruiter, Role::Admin])?;
        let new = input.decode()?;
        let employer = match (me.user.role, employer_id) {
            (Role::Admin, Some(e)) => {
                let id = ids::decode(NodeType::Organization, &e)?;
                let org = loaders(ctx)?
                    .organization
                    .load_one(id)
                    .await?
                    .ok_or(ApiError::NotFound("organization"))?;
                if org.kind != OrganizationKind::Employer {
                    return Err(ApiError::bad("employerId is not an employer"));
                }
                org.id
            }
            (Role::Admin, None) => return Err(ApiError::bad("admins give employerId")),
            (_, Some(_)) => {
                return Err(ApiError::forbidden(
                    "recruiters post for their own organization",
                ));
            }
            (_, None) => me
                .organization
                .as_ref()
                .map(|o| o.id)
                .ok_or_else(|| ApiError::forbidden("no organization"))?,
        };
        let mut p = services(ctx)?.db.conn().await?;
        let job = repo::jobs::create(&mut p.conn(), employer, &new).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Job(job))
    }

    /// Replaces a job's content (its employer and status stay).
    async fn update_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] id: ID,
        #[graphql(desc = "The new content.")] input: JobInput,
    ) -> ApiResult<Job> {
        let job = managed_job(ctx, &id).await?;
        let new = input.decode()?;
        let mut p = services(ctx)?.db.conn().await?;
        let job = repo::jobs::update(&mut p.conn(), job.id, &new).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Job(job))
    }

    /// Closes a job: it leaves learners' recommendations and public listings.
    async fn close_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] id: ID,
    ) -> ApiResult<Job> {
        let job = managed_job(ctx, &id).await?;
        let mut p = services(ctx)?.db.conn().await?;
        let job = repo::jobs::set_status(&mut p.conn(), job.id, JobStatus::Closed).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Job(job))
    }

    /// Reopens a closed job.
    async fn reopen_job(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The job.")] id: ID,
    ) -> ApiResult<Job> {
        let job = managed_job(ctx, &id).await?;
        let mut p = services(ctx)?.db.conn().await?;
        let job = repo::jobs::set_status(&mut p.conn(), job.id, JobStatus::Open).await?;
        drop(p);
        searchable(ctx).await?;
        Ok(Job(job))
    }
}
