//! The request's view of the shared services, the viewer and the loaders, and the
//! role checks of resolvers. The access rules themselves are in [`crate::access`].

use std::sync::Arc;

use async_graphql::Context;

use super::error::{ApiError, ApiResult};
use super::loaders::Loaders;
use crate::db::Db;
use crate::indexer::SearchService;
use crate::repo::Role;
use crate::repo::learners::Learner;

pub use crate::access::{
    SignedIn, Viewer, can_manage_job, can_see_job, can_see_learner, can_see_microcredential,
};

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
