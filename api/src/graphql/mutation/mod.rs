//! Mutations, one object per domain, merged. Each writes its rows and outbox rows in
//! one transaction (the repositories do), then waits until the change is searchable on
//! this node, at most [`READ_YOUR_WRITES_TIMEOUT`](crate::graphql::context::READ_YOUR_WRITES_TIMEOUT).

pub mod insights;
pub mod institution;
pub mod jobs;
pub mod learner;

use async_graphql::Context;

use crate::graphql::context::{READ_YOUR_WRITES_TIMEOUT, services};
use crate::graphql::error::ApiResult;

/// After a committed change: empties the request's DataLoader caches (later fields of
/// the same request read the new rows), then read-your-writes: pokes the indexer and waits (bounded) until it has applied every
/// outbox row committed so far. Returns whether it got there in time; a slow index
/// never fails the mutation, whose change is committed either way.
pub async fn searchable(ctx: &Context<'_>) -> ApiResult<bool> {
    if let Ok(l) = crate::graphql::context::loaders(ctx) {
        l.clear();
    }
    let s = services(ctx)?;
    s.search.poke();
    let caught_up = s.search.wait_caught_up(READ_YOUR_WRITES_TIMEOUT).await;
    if !caught_up {
        tracing::warn!("mutation returned before its change was searchable (index lag)");
    }
    Ok(caught_up)
}

/// The root mutation.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    learner::LearnerMutation,
    jobs::JobMutation,
    institution::InstitutionMutation,
    insights::InsightsMutation,
);
