//! Ranking, gaps, pathways and unlocks: the search-index engine over the database's
//! truth. The learner's own evidence is always read from the database (not the index),
//! so a learner sees the effect of their last change immediately.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Object};

use crate::documents::RequirementOwner;
use crate::graphql::context::{
    can_see_job, loaders, require_my_learner, require_role, services, viewer,
};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::{
    SkillRequirementInput, check_optional_len, check_score, decode_requirements,
    engine_requirement, optional_text,
};
use crate::graphql::loaders::LearnerSelection;
use crate::graphql::pagination::page_size;
use crate::graphql::query::catalog::JobFilter;
use crate::graphql::types::catalog::Microcredential;
use crate::graphql::types::enums::PathwayObjective;
use crate::graphql::types::job::Job;
use crate::graphql::types::learner::Learner;
use crate::graphql::types::matching::{
    CandidateMatch, CandidateMatchConnection, ClosestJob, GapAnalysis, JobMatch,
    JobMatchConnection, LearningPathway, MatchExplanation, PathwayStep, SkillGap, SkillUnlock, int,
};
use crate::http::Metrics;
use crate::repo::{self, Role};
use crate::services::{CandidateSearch, CandidateSearchError, CandidateSearchRequest, Target};

/// Filters for candidate search.
#[derive(InputObject, Default)]
pub struct CandidateFilter {
    /// Only candidates at this location (case-insensitive, exact after trimming).
    pub location: Option<String>,
    /// Only candidates open to remote work (true) or to on-site work (false).
    pub remote: Option<bool>,
    /// Leave out candidates missing any must-have.
    #[graphql(default = false)]
    pub must_have_all: bool,
    /// Only candidates scoring at least this (0..1).
    pub min_score: Option<f64>,
}

/// Records an engine call's timing in the server's metrics (`talent_search_*_seconds`)
/// under `operation`, when the schema has them.
fn observe_engine(
    ctx: &Context<'_>,
) -> impl Fn(&'static str, Duration, Duration) + Send + Sync + use<> {
    let metrics = ctx.data_opt::<Arc<Metrics>>().cloned();
    move |operation, waited, ran| {
        if let Some(m) = &metrics {
            m.observe_search(operation, waited, ran);
        }
    }
}

/// Runs `f` against the engine on a blocking thread (searches are CPU work), recording
/// its timing (see [`observe_engine`]).
async fn with_engine<R: Send + 'static>(
    ctx: &Context<'_>,
    operation: &'static str,
    f: impl FnOnce(&search_index::Engine) -> R + Send + 'static,
) -> ApiResult<R> {
    let t = services(ctx)?
        .search
        .read_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    observe_engine(ctx)(operation, t.waited, t.ran);
    Ok(t.value)
}

impl From<CandidateSearchError> for ApiError {
    fn from(e: CandidateSearchError) -> Self {
        match e {
            CandidateSearchError::JobNotFound => ApiError::NotFound("job"),
            CandidateSearchError::Forbidden(m) => ApiError::forbidden(m),
            CandidateSearchError::Db(e) => e.into(),
            CandidateSearchError::Engine(e) => e.into(),
            CandidateSearchError::StoredRequirement(e) => ApiError::Internal(e.to_string()),
            CandidateSearchError::Task(m) => ApiError::Internal(m),
        }
    }
}

/// The arguments every ranked page shares, checked: where to continue, the minimum
/// score (0..1, default 0) and the location filter (at most 200 characters, trimmed;
/// blank means any).
struct RankedPageArgs {
    after: Option<search_index::Cursor>,
    min_score: f64,
    location: Option<String>,
}

impl RankedPageArgs {
    fn parse(
        after: Option<&str>,
        min_score: Option<f64>,
        location: Option<&str>,
    ) -> ApiResult<RankedPageArgs> {
        Ok(RankedPageArgs {
            after: after
                .map(search_index::Cursor::decode)
                .transpose()
                .map_err(|_| ApiError::bad("invalid cursor"))?,
            min_score: min_score
                .map(|s| check_score("minScore", s))
                .transpose()?
                .unwrap_or(0.0),
            location: optional_text("location", location, 200)?,
        })
    }
}

/// The signed-in learner's evidence, read from the database now.
async fn my_evidence(ctx: &Context<'_>, learner_id: i64) -> ApiResult<Vec<search_index::Evidence>> {
    let mut p = services(ctx)?.db.conn().await?;
    let docs = crate::documents::learner_docs(&mut p.conn(), &[learner_id], repo::now()).await?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.evidence)
        .unwrap_or_default())
}

/// Requirements of a job (visible to the viewer) or an occupation: exactly one.
async fn target_requirements(
    ctx: &Context<'_>,
    job_id: Option<&ID>,
    occupation_id: Option<&ID>,
) -> ApiResult<Vec<search_index::Requirement>> {
    let l = loaders(ctx)?;
    let (owner, reqs) = match (job_id, occupation_id) {
        (Some(j), None) => {
            let id = ids::decode(NodeType::Job, j)?;
            let job = l
                .job
                .load_one(id)
                .await?
                .filter(|j| can_see_job(viewer(ctx), j))
                .ok_or(ApiError::NotFound("job"))?;
            let reqs = l.job_requirements.load_one(job.id).await?;
            (RequirementOwner::Job(job.id), reqs.unwrap_or_default())
        }
        (None, Some(o)) => {
            let id = ids::decode(NodeType::Occupation, o)?;
            l.occupation
                .load_one(id)
                .await?
                .ok_or(ApiError::NotFound("occupation"))?;
            let reqs = l.occupation_requirements.load_one(id).await?;
            (RequirementOwner::Occupation(id), reqs.unwrap_or_default())
        }
        _ => return Err(ApiError::bad("give exactly one of jobId and occupationId")),
    };
    if reqs.is_empty() {
        return Err(ApiError::bad("the target has no skill requirements"));
    }
    reqs.iter().map(|r| engine_requirement(owner, r)).collect()
}

/// Checks an ISO 4217 currency code (three capital letters).
pub fn check_currency(currency: &str) -> ApiResult<()> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(ApiError::bad(
            "currency must be an ISO 4217 code such as USD",
        ))
    }
}

/// The pathway catalogue of `candidates` priced in `currency` (costs are compared only
/// within one currency; they are never converted).
async fn priced_catalogue(
    ctx: &Context<'_>,
    candidates: Vec<search_index::MicrocredentialDoc>,
    currency: &str,
) -> ApiResult<search_index::pathway::Catalogue> {
    let rows = loaders(ctx)?
        .microcredential
        .load_many(candidates.iter().map(|m| m.id))
        .await?;
    Ok(search_index::pathway::Catalogue::new(
        candidates
            .into_iter()
            .filter(|m| rows.get(&m.id).is_some_and(|r| r.currency == currency))
            .map(Into::into),
    ))
}

/// Matching queries.
#[derive(Default)]
pub struct MatchingQuery;

#[Object]
impl MatchingQuery {
    /// Recruiters and admins: learners ranked for a job of the recruiter's organization
    /// (`jobId`) or for ad hoc `requirements` (exactly one), by score, then text
    /// relevance when `query` is given (only text matches are then eligible), then id.
    /// Only learners who opted in (visibility RECRUITERS or PUBLIC) ever appear, and
    /// `totalCount` counts only them. FORBIDDEN for other roles or another
    /// organization's job; NOT_FOUND for an unknown job.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A job of the recruiter's organization.")] job_id: Option<ID>,
        #[graphql(desc = "Ad hoc requirements (1..50).")] requirements: Option<
            Vec<SkillRequirementInput>,
        >,
        #[graphql(
            desc = "Text over headline, bio and credential titles (at most 500 characters)."
        )]
        query: Option<String>,
        #[graphql(desc = "Filters.")] filter: Option<CandidateFilter>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<CandidateMatchConnection> {
        require_role(ctx, &[Role::Recruiter, Role::Admin])?;
        let limit = page_size(first)?;
        check_optional_len("query", query.as_deref(), 500)?;
        let target = match (&job_id, &requirements) {
            (Some(j), None) => Target::Job(ids::decode(NodeType::Job, j)?),
            (None, Some(r)) => Target::Requirements(
                decode_requirements(r)?
                    .iter()
                    .map(|r| engine_requirement(RequirementOwner::AdHoc, r))
                    .collect::<ApiResult<_>>()?,
            ),
            _ => return Err(ApiError::bad("give exactly one of jobId and requirements")),
        };
        let filter = filter.unwrap_or_default();
        let args = RankedPageArgs::parse(
            after.as_deref(),
            filter.min_score,
            filter.location.as_deref(),
        )?;
        let edges = ctx.look_ahead().field("edges").field("node");
        let request = CandidateSearchRequest {
            target,
            text: query.filter(|t| !t.trim().is_empty()),
            filters: search_index::CandidateFilters {
                location: args.location,
                remote: filter.remote,
                must_have_all: filter.must_have_all,
                min_score: args.min_score,
            },
            limit,
            after: args.after,
            count_total: ctx.look_ahead().field("totalCount").exists(),
            explain: edges.field("explanation").exists(),
        };
        let s = services(ctx)?;
        let observe = observe_engine(ctx);
        let page = CandidateSearch {
            db: &s.db,
            search: &s.search,
            observe: &observe,
        }
        .run(viewer(ctx), request)
        .await?;
        // One statement per relation the page shows, whatever its size: the learners,
        // their relations the selection asks for, and the skills the explanations name.
        let l = loaders(ctx)?;
        l.learner
            .feed_many(
                page.candidates
                    .iter()
                    .map(|c| (c.learner.id, c.learner.clone())),
            )
            .await;
        let learner_ids: Vec<i64> = page.candidates.iter().map(|c| c.learner.id).collect();
        let mut skills: Vec<i64> = page
            .candidates
            .iter()
            .filter_map(|c| c.explanation.as_ref())
            .flat_map(|e| {
                e.contributions
                    .iter()
                    .flat_map(|c| [Some(c.requirement.skill), c.evidence_used.map(|u| u.skill)])
                    .flatten()
                    .chain(e.missing_must_haves.iter().copied())
            })
            .collect();
        skills.sort_unstable();
        skills.dedup();
        l.prime_learners(
            &learner_ids,
            &skills,
            LearnerSelection::of(&edges.field("learner")),
        )
        .await?;
        let had_after = after.is_some();
        let items = page
            .candidates
            .into_iter()
            .map(|c| {
                (
                    CandidateMatch {
                        learner: Learner(c.learner),
                        score: c.score,
                        explanation: c.explanation,
                    },
                    c.cursor.encode(),
                )
            })
            .collect();
        let total = page.total.map(|t| t as i64).unwrap_or(-1);
        Ok(CandidateMatchConnection::new(
            items,
            page.has_next_page,
            had_after,
            total,
        ))
    }

    /// The signed-in learner: open jobs ranked by match score (then id), with
    /// explanations. BAD_USER_INPUT until the learner has a profile
    /// (`upsertMyProfile`).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn recommended_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only jobs scoring at least this (0..1).")] min_score: Option<f64>,
        #[graphql(desc = "Filters.")] filter: Option<JobFilter>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> ApiResult<JobMatchConnection> {
        let learner = require_my_learner(ctx).await?;
        let limit = page_size(first)?;
        let filter = filter.unwrap_or_default();
        let args = RankedPageArgs::parse(after.as_deref(), min_score, filter.location.as_deref())?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let q = search_index::JobQuery {
            filters: search_index::JobFilters {
                location: args.location,
                remote: filter.remote,
                employer_id: filter
                    .employer_id
                    .as_deref()
                    .map(|i| ids::decode(NodeType::Organization, i))
                    .transpose()?,
                must_have_all: false,
                min_score: args.min_score,
            },
            limit,
            after: args.after,
            count_total: ctx.look_ahead().field("totalCount").exists(),
        };
        let page = with_engine(ctx, "recommendedJobs", move |e| {
            e.jobs_for_evidence(&evidence, &q)
        })
        .await??;
        let jobs = loaders(ctx)?
            .job
            .load_many(page.hits.iter().map(|h| h.job_id))
            .await?;
        let items = page
            .hits
            .into_iter()
            .filter_map(|h| {
                let j = jobs.get(&h.job_id)?.clone();
                (j.status == repo::JobStatus::Open).then(|| {
                    (
                        JobMatch {
                            job: Job(j),
                            explanation: h.explanation,
                        },
                        h.cursor.encode(),
                    )
                })
            })
            .collect();
        let total = page.total.map(|t| t as i64).unwrap_or(-1);
        Ok(JobMatchConnection::new(
            items,
            page.has_next_page,
            after.is_some(),
            total,
        ))
    }

    /// The signed-in learner against a job or an occupation (exactly one): the score
    /// and every requirement with credit below 1.
    async fn gap_analysis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An open job (or one of the viewer's organization).")] job_id: Option<ID>,
        #[graphql(desc = "An occupation.")] occupation_id: Option<ID>,
    ) -> ApiResult<GapAnalysis> {
        let learner = require_my_learner(ctx).await?;
        let reqs = target_requirements(ctx, job_id.as_ref(), occupation_id.as_ref()).await?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let tax = services(ctx)?.search.taxonomy();
        let explanation = search_index::scoring::score(&tax, &reqs, &evidence)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(GapAnalysis(explanation))
    }

    /// The signed-in learner: the cheapest (COST) or fastest (HOURS) set of active
    /// microcredentials, priced in `currency`, that closes the gaps against a job or an
    /// occupation, in a valid order (prerequisites first), with the score it would
    /// reach. Without a budget every coverable gap is closed; with maxCostCents and/or
    /// maxHours the weight of gaps closed is maximised within it. `optimal` says whether
    /// the result is proven best.
    #[allow(clippy::too_many_arguments)]
    async fn learning_pathway(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An open job.")] job_id: Option<ID>,
        #[graphql(desc = "An occupation.")] occupation_id: Option<ID>,
        #[graphql(desc = "What to minimise.", default)] objective: PathwayObjective,
        #[graphql(desc = "Budget: total cost at most this (cents, >= 0).")] max_cost_cents: Option<
            i32,
        >,
        #[graphql(desc = "Budget: total hours at most this (>= 0).")] max_hours: Option<f64>,
        #[graphql(
            desc = "Only microcredentials priced in this ISO 4217 currency (costs are not converted).",
            default = "USD"
        )]
        currency: String,
    ) -> ApiResult<LearningPathway> {
        let learner = require_my_learner(ctx).await?;
        if max_cost_cents.is_some_and(|c| c < 0) {
            return Err(ApiError::bad("maxCostCents must be >= 0"));
        }
        if max_hours.is_some_and(|h| !h.is_finite() || h < 0.0) {
            return Err(ApiError::bad("maxHours must be a number >= 0"));
        }
        check_currency(&currency)?;
        let reqs = target_requirements(ctx, job_id.as_ref(), occupation_id.as_ref()).await?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let search = services(ctx)?.search.clone();
        let tax = search.taxonomy();
        let gaps = search_index::pathway::gap_analysis(&tax, &reqs, &evidence)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let needs: Vec<(i64, u8)> = gaps
            .iter()
            .map(|g| (g.requirement.skill, g.requirement.min_level))
            .collect();
        let held = evidence.clone();
        let candidates = with_engine(ctx, "learningPathway", move |e| {
            e.pathway_candidates(needs, &held).into_values().collect()
        })
        .await?;
        let catalogue = priced_catalogue(ctx, candidates, &currency).await?;
        let options = search_index::pathway::SolveOptions {
            objective: match objective {
                PathwayObjective::Cost => search_index::pathway::Objective::Cost,
                PathwayObjective::Hours => search_index::pathway::Objective::Hours,
            },
            budget: search_index::pathway::Budget {
                max_cost_cents: max_cost_cents.map(i64::from),
                max_hours,
            },
            ..Default::default()
        };
        let planned = tokio::task::spawn_blocking(move || {
            search_index::pathway::plan(&tax, &reqs, &evidence, &catalogue, &options)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::bad(e.to_string()))?;
        let mcs = loaders(ctx)?
            .microcredential
            .load_many(planned.pathway.steps.iter().map(|s| s.option_id))
            .await?;
        let gap = |i: &usize| planned.gaps.get(*i).cloned().map(SkillGap);
        let mut steps = vec![];
        for (n, s) in planned.pathway.steps.iter().enumerate() {
            let m = mcs.get(&s.option_id).cloned().ok_or(ApiError::Internal(
                "pathway step without a microcredential".into(),
            ))?;
            steps.push(PathwayStep {
                order: int(n + 1)?,
                microcredential: Microcredential(m),
                closes: s.closes.iter().filter_map(gap).collect(),
            });
        }
        Ok(LearningPathway {
            objective,
            steps,
            total_cost_cents: int(planned.pathway.total_cost_cents)?,
            currency,
            total_hours: planned.pathway.total_hours,
            optimal: planned.pathway.optimal,
            uncoverable: planned.pathway.uncoverable.iter().filter_map(gap).collect(),
            not_closed: planned.pathway.not_closed.iter().filter_map(gap).collect(),
            current_score: planned.current_score,
            projected_score: planned.projected.score,
            projected_explanation: MatchExplanation(planned.projected.clone()),
        })
    }

    /// The signed-in learner: open jobs below `threshold` that one or two active
    /// microcredentials priced in `currency` would lift to it, fewest courses first,
    /// then cheapest. At most `first` (1..100).
    async fn closest_jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Score to reach (0..1).", default = 0.7)] threshold: f64,
        #[graphql(desc = "How many jobs, 1..100.", default = 10)] first: i32,
        #[graphql(
            desc = "Only microcredentials priced in this ISO 4217 currency.",
            default = "USD"
        )]
        currency: String,
    ) -> ApiResult<Vec<ClosestJob>> {
        let learner = require_my_learner(ctx).await?;
        let threshold = check_score("threshold", threshold)?;
        let n = page_size(Some(first))?;
        check_currency(&currency)?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let search = services(ctx)?.search.clone();
        // Candidates: active microcredentials teaching any skill an open job requires.
        let candidates = with_engine(ctx, "closestJobs", |e| {
            let mut needs: BTreeSet<(i64, u8)> = BTreeSet::new();
            for j in e.open_jobs() {
                needs.extend(j.requirements.iter().map(|r| (r.skill, 1u8)));
            }
            let mut out: BTreeMap<i64, search_index::MicrocredentialDoc> = BTreeMap::new();
            for (skill, level) in needs {
                for m in e.microcredentials_teaching(skill, level) {
                    out.entry(m.id).or_insert_with(|| m.clone());
                }
            }
            out.into_values().collect()
        })
        .await?;
        let catalogue = priced_catalogue(ctx, candidates, &currency).await?;
        let tax = search.taxonomy();
        let found = with_engine(ctx, "closestJobs", move |e| {
            search_index::pathway::closest_jobs(
                &tax,
                &evidence,
                e.open_jobs().map(|j| (j.id, j.requirements.as_slice())),
                &catalogue,
                threshold,
                n,
            )
        })
        .await?
        .map_err(|e| ApiError::bad(e.to_string()))?;
        let l = loaders(ctx)?;
        let jobs = l.job.load_many(found.iter().map(|c| c.job_id)).await?;
        let mcs = l
            .microcredential
            .load_many(
                found
                    .iter()
                    .flat_map(|c| c.microcredentials.iter().copied()),
            )
            .await?;
        Ok(found
            .into_iter()
            .filter_map(|c| {
                let job = jobs.get(&c.job_id)?.clone();
                let microcredentials = c
                    .microcredentials
                    .iter()
                    .filter_map(|id| mcs.get(id).cloned().map(Microcredential))
                    .collect();
                Some(ClosestJob {
                    job: Job(job),
                    inner: c,
                    microcredentials,
                })
            })
            .collect())
    }

    /// The signed-in learner: for each skill they lack, what gaining it (verified, at
    /// each job's required level) would bring over the open jobs: how many would reach
    /// `threshold` (`jobsUnlocked`), the score gained in all (`scoreGain`), and the job
    /// it brings closest. Skills that raise no score are left out. Top `first` (1..100)
    /// by jobs unlocked, then score gained, then skill id; when no single skill reaches
    /// the threshold, every `jobsUnlocked` is 0 and the order is by score gained.
    async fn skill_unlocks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Score a job must reach (0..1).", default = 0.7)] threshold: f64,
        #[graphql(desc = "How many skills, 1..100.", default = 10)] first: i32,
    ) -> ApiResult<Vec<SkillUnlock>> {
        let learner = require_my_learner(ctx).await?;
        let threshold = check_score("threshold", threshold)?;
        let n = page_size(Some(first))?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let search = services(ctx)?.search.clone();
        let tax = search.taxonomy();
        let unlocks = with_engine(ctx, "skillUnlocks", move |e| {
            search_index::pathway::unlocks(
                &tax,
                &evidence,
                e.open_jobs().map(|j| (j.id, j.requirements.as_slice())),
                threshold,
                n,
            )
        })
        .await?
        .map_err(|e| ApiError::bad(e.to_string()))?;
        unlocks
            .into_iter()
            .map(|u| {
                Ok(SkillUnlock {
                    skill_id: u.skill,
                    jobs_unlocked: int(u.jobs)?,
                    score_gain: u.score_gain,
                    jobs_improved: int(u.jobs_improved)?,
                    closest: u.closest.map(|c| (c.job_id, c.score)),
                })
            })
            .collect()
    }
}
