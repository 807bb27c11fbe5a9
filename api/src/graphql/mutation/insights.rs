//! Recomputing institutions' insights on request.

use async_graphql::{Context, Object};

use crate::graphql::context::{require_role, services};
use crate::graphql::error::ApiResult;
use crate::repo::Role;

/// Insight mutations.
#[derive(Default)]
pub struct InsightsMutation;

#[Object]
impl InsightsMutation {
    /// Re-reads the data and recomputes every cached segmentation in the background, at
    /// once (normally this happens when enough has changed). Returns true when queued;
    /// learnerSegments answers with the new `computedAt` when done. ADMIN only.
    async fn recompute_insights(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        require_role(ctx, &[Role::Admin])?;
        services(ctx)?.insights.request_recompute();
        Ok(true)
    }
}
