//! Candidate search for recruiters, without GraphQL: whose job may be searched, the
//! engine's ranking and explanations, and the learners behind them with the visibility
//! rule applied.
//!
//! A search reads the job (when it has one) and its requirements from the database,
//! which decides NOT_FOUND and FORBIDDEN before anything is searched; then ranks with
//! the engine; then explains the page from the index's evidence while it reads the
//! page's learners from the database. The database is the truth for who is shown: a
//! learner the index still holds as visible but who just went private is left out.

use std::sync::Arc;
use std::time::Duration;

use search_index::{CandidateFilters, CandidateQuery, Cursor, EngineError, Explanation};

use crate::access::{Viewer, can_see_job, can_see_learner};
use crate::db::{Db, DbError};
use crate::documents::{InvalidRequirement, RequirementOwner, engine_requirement};
use crate::indexer::SearchService;
use crate::repo::{self, Role};

/// What to rank candidates for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A job of the searcher's organization (any job for an admin).
    Job(i64),
    /// Ad hoc requirements.
    Requirements(Vec<search_index::Requirement>),
}

/// One candidate search.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateSearchRequest {
    /// What to rank for.
    pub target: Target,
    /// Text over headline, bio and credential titles; only text matches are then
    /// eligible.
    pub text: Option<String>,
    /// Location, remote, must-haves and minimum score.
    pub filters: CandidateFilters,
    /// Page size.
    pub limit: usize,
    /// Continue after this cursor.
    pub after: Option<Cursor>,
    /// Count every result (a second pass over the related learners).
    pub count_total: bool,
    /// Build each candidate's explanation.
    pub explain: bool,
}

/// A candidate the searcher may see.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The learner, as the database has them now.
    pub learner: repo::learners::Learner,
    /// Match score in [0, 1].
    pub score: f64,
    /// The per-requirement breakdown, when asked for.
    pub explanation: Option<Explanation>,
    /// Continue after this candidate.
    pub cursor: Cursor,
}

/// A page of candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidatePage {
    /// The candidates, in rank order.
    pub candidates: Vec<Candidate>,
    /// Whether more follow.
    pub has_next_page: bool,
    /// Every result across pages, when asked for.
    pub total: Option<u64>,
}

/// Why a candidate search failed.
#[derive(Debug, thiserror::Error)]
pub enum CandidateSearchError {
    /// The job does not exist, or the searcher may not see it.
    #[error("job not found")]
    JobNotFound,
    /// The searcher may not search this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A stored requirement breaks the schema's rules (its CHECK keeps such rows out).
    #[error(transparent)]
    StoredRequirement(#[from] InvalidRequirement),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The engine refused the query (bad input) or failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The engine's thread failed.
    #[error("engine task failed: {0}")]
    Task(String),
}

/// Receives how long each engine call waited for a blocking thread and how long it
/// ran, by operation: `searchCandidates` (ranking) and `explainCandidates` (the
/// server's metrics; a no-op in tests).
pub type EngineObserver = dyn Fn(&'static str, Duration, Duration) + Send + Sync;

/// Candidate search over the database and the local search index.
pub struct CandidateSearch<'a> {
    /// The database (the truth).
    pub db: &'a Db,
    /// The local index replica.
    pub search: &'a Arc<SearchService>,
    /// Told of each engine call's time.
    pub observe: &'a EngineObserver,
}

impl CandidateSearch<'_> {
    /// Runs `req` for `viewer` (a recruiter or an admin: the caller checks the role).
    pub async fn run(
        &self,
        viewer: &Viewer,
        req: CandidateSearchRequest,
    ) -> Result<CandidatePage, CandidateSearchError> {
        let requirements = match req.target {
            Target::Requirements(r) => r,
            Target::Job(id) => self.job_requirements(viewer, id).await?,
        };
        let q = CandidateQuery {
            requirements,
            text: req.text,
            filters: req.filters,
            limit: req.limit,
            after: req.after,
            count_total: req.count_total,
        };
        let ranked = self
            .engine("searchCandidates", {
                let q = q.clone();
                move |e| e.rank_candidates(&q)
            })
            .await??;
        let ids: Vec<i64> = ranked.hits.iter().map(|r| r.learner_id).collect();
        let explain = async {
            if !req.explain {
                return Ok(None);
            }
            let (ids, reqs) = (ids.clone(), q.requirements);
            let explained = self
                .engine("explainCandidates", move |e| {
                    e.explain_candidates(&reqs, &ids)
                })
                .await??;
            Ok::<_, CandidateSearchError>(Some(explained))
        };
        let learners = async {
            let mut p = self.db.conn().await?;
            Ok::<_, CandidateSearchError>(repo::learners::get_many(&mut p.conn(), &ids).await?)
        };
        let (explanations, learners) = futures::try_join!(explain, learners)?;
        let mut learners: std::collections::HashMap<i64, repo::learners::Learner> =
            learners.into_iter().map(|l| (l.id, l)).collect();
        let mut explanations = explanations.map(Vec::into_iter);
        let candidates = ranked
            .hits
            .into_iter()
            .filter_map(|hit| {
                let explanation = explanations.as_mut().and_then(Iterator::next);
                let learner = learners.remove(&hit.learner_id)?;
                can_see_learner(viewer, &learner).then_some(Candidate {
                    learner,
                    score: hit.score,
                    explanation,
                    cursor: hit.cursor,
                })
            })
            .collect();
        Ok(CandidatePage {
            candidates,
            has_next_page: ranked.has_next_page,
            total: ranked.total,
        })
    }

    /// The requirements of the job `id` once the viewer is seen to be allowed to search
    /// it: NOT_FOUND when they may not see it, FORBIDDEN when it is another
    /// organization's (admins search any).
    async fn job_requirements(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<Vec<search_index::Requirement>, CandidateSearchError> {
        let mut p = self.db.conn().await?;
        let c = &mut p.conn();
        let job = repo::jobs::get_many(c, &[id])
            .await?
            .pop()
            .filter(|j| can_see_job(viewer, j))
            .ok_or(CandidateSearchError::JobNotFound)?;
        if viewer.role() != Some(Role::Admin) && viewer.organization_id() != Some(job.employer_id) {
            return Err(CandidateSearchError::Forbidden(
                "recruiters search candidates for their own organization's jobs",
            ));
        }
        Ok(repo::jobs::requirements_of(c, &[id])
            .await?
            .iter()
            .map(|(_, r)| engine_requirement(RequirementOwner::Job(id), r))
            .collect::<Result<_, _>>()?)
    }

    /// Runs `f` against the engine on a blocking thread and tells the observer, under
    /// `operation`, how long it waited and ran.
    async fn engine<R: Send + 'static>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&search_index::Engine) -> R + Send + 'static,
    ) -> Result<R, CandidateSearchError> {
        let t = self
            .search
            .read_blocking(f)
            .await
            .map_err(|e| CandidateSearchError::Task(e.to_string()))?;
        (self.observe)(operation, t.waited, t.ran);
        Ok(t.value)
    }
}
