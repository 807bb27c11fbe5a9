//! Who is asking (the [`Viewer`]), the shared services, and the access rules.
//!
//! Visibility of a learner (the one rule every path goes through, [`can_see_learner`]):
//! - PRIVATE: the learner themself and admins only;
//! - RECRUITERS: also recruiters and institutions (signed-in organization users);
//! - PUBLIC: also other signed-in learners.
//! Anonymous callers never see a learner. A learner that may not be seen is reported
//! as NOT_FOUND (never FORBIDDEN), so existence does not leak.

use std::sync::Arc;

use async_graphql::Context;

use super::error::{ApiError, ApiResult};
use super::loaders::Loaders;
use crate::db::Db;
use crate::indexer::SearchService;
use crate::repo::jobs::Job;
use crate::repo::learners::Learner;
use crate::repo::microcredentials::Microcredential;
use crate::repo::organizations::Organization;
use crate::repo::users::User;
use crate::repo::{JobStatus, Role, Visibility};

/// Read-your-writes: how long a mutation waits for its change to be searchable.
pub const READ_YOUR_WRITES_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Process-wide services, in the schema's data.
#[derive(Clone)]
pub struct Services {
    /// The database (the truth).
    pub db: Db,
    /// The local search index replica.
    pub search: Arc<SearchService>,
    /// Institutions' insights, computed in the background.
    pub insights: Arc<crate::insights::InsightsService>,
    /// Signed-in viewers by token, shared with the [`AppContextProvider`]
    /// (see [`super::viewers`]); an erased account is forgotten here.
    ///
    /// [`AppContextProvider`]: super::AppContextProvider
    pub viewers: Arc<super::viewers::ViewerCache>,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user row.
    pub user: User,
    /// Their organization (recruiters, institutions).
    pub organization: Option<Organization>,
}

/// Who is asking. In each request's data.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// No token.
    Anonymous,
    /// A valid token.
    User(Arc<SignedIn>),
}

impl Viewer {
    /// The signed-in user, if any.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(u) => Some(u),
        }
    }

    /// The role, if signed in.
    pub fn role(&self) -> Option<Role> {
        self.signed_in().map(|s| s.user.role)
    }

    /// Whether the viewer is an admin.
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The viewer's organization id.
    pub fn organization_id(&self) -> Option<i64> {
        self.signed_in()
            .and_then(|s| s.organization.as_ref().map(|o| o.id))
    }
}

/// The services.
pub fn services<'a>(ctx: &Context<'a>) -> ApiResult<&'a Services> {
    ctx.data::<Services>()
        .map_err(|_| ApiError::Internal("services missing from the schema data".into()))
}

/// The viewer (anonymous when the request carried none).
pub fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    static ANON: Viewer = Viewer::Anonymous;
    ctx.data::<Viewer>().unwrap_or(&ANON)
}

/// The request's loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> ApiResult<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| ApiError::Internal("loaders missing from the request data".into()))
}

/// The signed-in user, or UNAUTHENTICATED.
pub fn require_user<'a>(ctx: &Context<'a>) -> ApiResult<&'a SignedIn> {
    viewer(ctx).signed_in().ok_or(ApiError::Unauthenticated)
}

/// The signed-in user with one of `roles`, else UNAUTHENTICATED / FORBIDDEN.
pub fn require_role<'a>(ctx: &Context<'a>, roles: &[Role]) -> ApiResult<&'a SignedIn> {
    let s = require_user(ctx)?;
    if roles.contains(&s.user.role) {
        Ok(s)
    } else {
        let names: Vec<String> = roles.iter().map(|r| r.as_str().to_lowercase()).collect();
        Err(ApiError::forbidden(format!(
            "this operation is for: {}",
            names.join(", ")
        )))
    }
}

/// The signed-in learner's profile, if they made one (read from the database, so a
/// profile created earlier in the same request is seen).
pub async fn my_learner(ctx: &Context<'_>) -> ApiResult<Option<Learner>> {
    let s = require_role(ctx, &[Role::Learner])?;
    let mut p = services(ctx)?.db.conn().await?;
    Ok(crate::repo::learners::find_by_user(&mut p.conn(), s.user.id).await?)
}

/// [`my_learner`], or BAD_USER_INPUT asking for a profile first.
pub async fn require_my_learner(ctx: &Context<'_>) -> ApiResult<Learner> {
    my_learner(ctx)
        .await?
        .ok_or_else(|| ApiError::bad("create your profile first (upsertMyProfile)"))
}

/// The visibility rule (see the module docs).
pub fn can_see_learner(viewer: &Viewer, learner: &Learner) -> bool {
    let Some(s) = viewer.signed_in() else {
        return false;
    };
    if s.user.role == Role::Admin || learner.user_id == s.user.id {
        return true;
    }
    match learner.visibility {
        Visibility::Private => false,
        Visibility::Recruiters => matches!(s.user.role, Role::Recruiter | Role::Institution),
        Visibility::Public => true,
    }
}

/// Open jobs are public; closed ones are visible to their employer's recruiters and
/// admins.
pub fn can_see_job(viewer: &Viewer, job: &Job) -> bool {
    job.status == JobStatus::Open
        || viewer.is_admin()
        || viewer.organization_id() == Some(job.employer_id)
}

/// May the viewer change this job? Its employer's recruiters and admins.
pub fn can_manage_job(viewer: &Viewer, job: &Job) -> bool {
    viewer.is_admin()
        || (viewer.role() == Some(Role::Recruiter)
            && viewer.organization_id() == Some(job.employer_id))
}

/// Active microcredentials are public; inactive ones only to their provider and admins.
pub fn can_see_microcredential(viewer: &Viewer, m: &Microcredential) -> bool {
    m.active || viewer.is_admin() || viewer.organization_id() == Some(m.provider_id)
}
