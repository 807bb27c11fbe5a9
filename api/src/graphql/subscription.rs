//! Subscriptions: job alerts for the signed-in learner.

use async_graphql::{Context, Subscription};
use futures::Stream;

use super::context::{require_my_learner, services};
use super::error::{ApiError, ApiResult};
use super::input::check_score;
use super::types::job::Job;
use super::types::matching::JobMatch;
use crate::documents::RequirementOwner;
use crate::repo;

/// The root subscription.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The signed-in learner (authenticated by the WebSocket connection_init payload):
    /// every open job created or changed from now on whose match score reaches
    /// `minScore` (0..1), with its explanation. The learner's evidence is re-read for
    /// each job, so alerts follow their latest profile.
    async fn job_alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Score a job must reach (0..1).", default = 0.7)] min_score: f64,
    ) -> Result<impl Stream<Item = JobMatch> + use<>, ApiError> {
        let learner = require_my_learner(ctx).await?;
        let min_score = check_score("minScore", min_score)?;
        let services = services(ctx)?.clone();
        let rx = services.search.subscribe_job_changes();
        let state = (rx, services, learner.id);
        Ok(futures::stream::unfold(
            state,
            move |(mut rx, services, learner_id)| async move {
                loop {
                    let job_id = match rx.recv().await {
                        Ok(id) => id,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!(skipped = n, "job alerts: subscriber lagged");
                            continue;
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    };
                    match alert(&services, learner_id, job_id, min_score).await {
                        Ok(Some(m)) => return Some((m, (rx, services, learner_id))),
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::warn!(code = e.code(), error = %e.detail(), job_id, "job alerts: could not score a job");
                            continue;
                        }
                    }
                }
            },
        ))
    }
}

async fn alert(
    s: &super::context::Services,
    learner_id: i64,
    job_id: i64,
    min_score: f64,
) -> ApiResult<Option<JobMatch>> {
    let mut p = s.db.conn().await?;
    let c = &mut p.conn();
    // The learner may have deleted their account since subscribing.
    let Some(doc) = crate::documents::learner_docs(c, &[learner_id], repo::now())
        .await?
        .pop()
    else {
        return Ok(None);
    };
    let Some(job) = repo::jobs::get_many(c, &[job_id]).await?.pop() else {
        return Ok(None);
    };
    if job.status != repo::JobStatus::Open {
        return Ok(None);
    }
    let reqs: Vec<search_index::Requirement> = repo::jobs::requirements_of(c, &[job_id])
        .await?
        .iter()
        .map(|(_, r)| super::input::engine_requirement(RequirementOwner::Job(job_id), r))
        .collect::<ApiResult<_>>()?;
    if reqs.is_empty() {
        return Ok(None);
    }
    let tax = s.search.taxonomy();
    let explanation = search_index::scoring::score(&tax, &reqs, &doc.evidence)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((explanation.score >= min_score).then(|| JobMatch {
        job: Job(job),
        explanation,
    }))
}
