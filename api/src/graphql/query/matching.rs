//! Ranking, gaps, pathways and unlocks: the search-index engine over the database's
//! truth. The learner's own evidence is always read from the database (not the index),
//! so a learner sees the effect of their last change immediately.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::{
    can_see_job, can_see_learner, loaders, require_my_learner, require_role, services, viewer,
};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::fast::Ready;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::{
    SkillRequirementInput, check_optional_len, check_score, decode_requirements, engine_requirement,
};
use crate::graphql::loaders::{LearnerSelection, fetch};
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

/// Most skills a candidate search reads ahead of its explanations (a requirement on a
/// broad skill can have hundreds of relatives; those are read once the explanations
/// name the few used).
const MAX_PREFETCHED_SKILLS: usize = 256;

/// Hands a candidate search's progress to the request's early reads (see
/// `search_candidates`): each sender is used at most once.
struct Progress {
    skills: Option<tokio::sync::oneshot::Sender<Vec<i64>>>,
    ranked: Option<tokio::sync::oneshot::Sender<Vec<i64>>>,
}

impl search_index::CandidateProgress for Progress {
    fn creditable_skills(&mut self, skills: &[i64]) {
        if let Some(tx) = self.skills.take() {
            // A dropped receiver means the request is gone: nothing to do.
            let _ = tx.send(skills.to_vec());
        }
    }

    fn ranked(&mut self, learners: &[i64]) {
        if let Some(tx) = self.ranked.take() {
            let _ = tx.send(learners.to_vec());
        }
    }
}

/// Runs `f` against the engine on a blocking thread (searches are CPU work), and records
/// in the server's metrics, under `operation`, how long `f` ran (with any wait for the
/// index's read lock while the tail task commits a batch) and how long the hand-off to
/// the blocking pool waited before it started (`talent_search_*_seconds`).
async fn with_engine<R: Send + 'static>(
    ctx: &Context<'_>,
    operation: &'static str,
    f: impl FnOnce(&search_index::Engine) -> R + Send + 'static,
) -> ApiResult<R> {
    let s = services(ctx)?.search.clone();
    let metrics = ctx.data_opt::<Arc<Metrics>>().cloned();
    let sent = Instant::now();
    let (r, started, ran) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let r = s.read(f);
        (r, started, started.elapsed())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(m) = metrics {
        m.observe_search(operation, started.duration_since(sent), ran);
    }
    Ok(r)
}

/// The signed-in learner's evidence, read from the database now.
async fn my_evidence(ctx: &Context<'_>, learner_id: i64) -> ApiResult<Vec<search_index::Evidence>> {
    let mut p = services(ctx)?.db.conn().await?;
    let docs =
        crate::indexer::docs::learner_docs(&mut p.conn(), &[learner_id], repo::now()).await?;
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
    let reqs = match (job_id, occupation_id) {
        (Some(j), None) => {
            let id = ids::decode(NodeType::Job, j)?;
            let job = l
                .job
                .load_one(id)
                .await?
                .filter(|j| can_see_job(viewer(ctx), j))
                .ok_or(ApiError::NotFound("job"))?;
            l.job_requirements
                .load_one(job.id)
                .await?
                .unwrap_or_default()
        }
        (None, Some(o)) => {
            let id = ids::decode(NodeType::Occupation, o)?;
            l.occupation
                .load_one(id)
                .await?
                .ok_or(ApiError::NotFound("occupation"))?;
            l.occupation_requirements
                .load_one(id)
                .await?
                .unwrap_or_default()
        }
        _ => return Err(ApiError::bad("give exactly one of jobId and occupationId")),
    };
    if reqs.is_empty() {
        return Err(ApiError::bad("the target has no skill requirements"));
    }
    Ok(reqs.iter().map(engine_requirement).collect())
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
    candidates: HashMap<i64, search_index::MicrocredentialDoc>,
    currency: &str,
) -> ApiResult<search_index::pathway::Catalogue> {
    let rows = loaders(ctx)?
        .microcredential
        .load_many(candidates.keys().copied())
        .await?;
    Ok(search_index::pathway::Catalogue::new(
        candidates
            .into_values()
            .filter(|m| rows.get(&m.id).is_some_and(|r| r.currency == currency))
            .map(|m| search_index::pathway::Microcredential {
                id: m.id,
                hours: m.hours,
                cost_cents: m.cost_cents,
                skills: m.skills,
                prerequisites: m.prerequisites,
                active: m.active,
            }),
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
    ) -> ApiResult<Ready<CandidateMatchConnection>> {
        let me = require_role(ctx, &[Role::Recruiter, Role::Admin])?;
        let limit = page_size(first)?;
        check_optional_len("query", query.as_deref(), 500)?;
        // A job's requirements are read from the database, which also says whether the
        // job is the recruiter's; that read runs beside the engine, which starts at once
        // from the index's copy of them (see below).
        let (job, adhoc): (Option<i64>, Vec<search_index::Requirement>) =
            match (&job_id, &requirements) {
                (Some(j), None) => (Some(ids::decode(NodeType::Job, j)?), Vec::new()),
                (None, Some(r)) => (
                    None,
                    decode_requirements(r)?
                        .iter()
                        .map(engine_requirement)
                        .collect(),
                ),
                _ => return Err(ApiError::bad("give exactly one of jobId and requirements")),
            };
        let filter = filter.unwrap_or_default();
        check_optional_len("location", filter.location.as_deref(), 200)?;
        let min_score = filter
            .min_score
            .map(|s| check_score("minScore", s))
            .transpose()?
            .unwrap_or(0.0);
        let after = after
            .as_deref()
            .map(search_index::Cursor::decode)
            .transpose()
            .map_err(|_| ApiError::bad("invalid cursor"))?;
        let mut q = search_index::CandidateQuery {
            requirements: adhoc,
            text: query.filter(|t| !t.trim().is_empty()),
            filters: search_index::CandidateFilters {
                location: filter.location.filter(|l| !l.trim().is_empty()),
                remote: filter.remote,
                must_have_all: filter.must_have_all,
                min_score,
            },
            limit,
            after: after.clone(),
            count_total: ctx.look_ahead().field("totalCount").exists(),
        };
        // The learners, what the page shows of them and the skills the explanations
        // may name are read while the engine works: the skills as soon as it has
        // compiled the requirements, the learners as soon as it has ranked them (it
        // then still reads each one's stored evidence to explain them). On two cores
        // at low load this takes those reads off the request's path.
        let l = loaders(ctx)?;
        let node = ctx.look_ahead().field("edges").field("node");
        let explain = node.field("explanation").exists();
        let selection = LearnerSelection::of(&node.field("learner"));
        let (skills_tx, skills_rx) = tokio::sync::oneshot::channel();
        let (ranked_tx, ranked_rx) = tokio::sync::oneshot::channel();
        let mut progress = Progress {
            skills: explain.then_some(skills_tx),
            ranked: Some(ranked_tx),
        };
        // For a job, the engine starts from the index's copy of its requirements while
        // the database says what they are and whose job it is. The page is kept only
        // when the two agree (they differ for the moment the index lags an edit); a job
        // the index does not hold yet is searched once its requirements are read.
        //
        // The early start is only for a job the index says is the recruiter's
        // organization's (any job for an admin): another organization's job is refused
        // without a search, so the time of a refusal does not tell whether it exists.
        let speculative = q.clone();
        let is_admin = me.user.role == Role::Admin;
        let my_org = me.organization.as_ref().map(|o| o.id);
        let search = with_engine(ctx, "searchCandidates", move |e| {
            let mut q = speculative;
            if let Some(id) = job {
                match e.job(id) {
                    Some(doc) if is_admin || my_org == Some(doc.employer_id) => {
                        q.requirements = doc.requirements.clone();
                    }
                    _ => return (q.requirements, None),
                }
            }
            let page = e.search_candidates_with(&q, &mut progress);
            (q.requirements, Some(page))
        });
        let checked = async {
            let Some(id) = job else {
                return Ok(None);
            };
            // Both at once (the requirements are used only once the job is seen to be
            // the viewer's).
            let (mut found, mut reqs) =
                futures::try_join!(fetch(&l.job, [id]), fetch(&l.job_requirements, [id]))?;
            let found = found
                .remove(&id)
                .filter(|j| can_see_job(viewer(ctx), j))
                .ok_or(ApiError::NotFound("job"))?;
            if !is_admin && my_org != Some(found.employer_id) {
                return Err(ApiError::forbidden(
                    "recruiters search candidates for their own organization's jobs",
                ));
            }
            Ok::<_, ApiError>(Some(
                reqs.remove(&found.id)
                    .unwrap_or_default()
                    .iter()
                    .map(engine_requirement)
                    .collect::<Vec<_>>(),
            ))
        };
        let prefetch_skills = async {
            match skills_rx.await {
                Ok(skills) if skills.len() <= MAX_PREFETCHED_SKILLS => {
                    l.fetch_ready_skills(skills.iter().copied()).await?;
                    Ok::<_, ApiError>(skills)
                }
                // Too many to read on speculation, or no explanation asked for.
                Ok(_) | Err(_) => Ok(Vec::new()),
            }
        };
        // The page's learners and what the page shows of them. A learner row that
        // vanished in between only leaves a primed relation unused.
        let read_learners = |ids: Vec<i64>| async move {
            let (learners, ()) = futures::try_join!(
                fetch(&l.learner, ids.iter().copied()),
                l.prime_learners(&ids, &[], selection),
            )?;
            Ok::<_, ApiError>(learners)
        };
        let hydrate = async {
            match ranked_rx.await {
                Ok(ids) => read_learners(ids).await.map(Some),
                // The search failed before ranking or did not run: see below.
                Err(_) => Ok(None),
            }
        };
        let (searched, checked, prefetched, learners) =
            futures::join!(search, checked, prefetch_skills, hydrate);
        let (searched_for, page) = searched?;
        // The job's checks come first: a caller who may not search it learns nothing else.
        let checked = checked?;
        let (prefetched, mut learners) = (prefetched?, learners?);
        let page = match checked {
            Some(reqs) if page.is_none() || reqs != searched_for => {
                // Searched for other requirements, or not yet: search for the database's.
                q.requirements = reqs;
                let page = with_engine(ctx, "searchCandidates", move |e| e.search_candidates(&q))
                    .await??;
                learners = None;
                page
            }
            _ => {
                page.ok_or_else(|| ApiError::Internal("a candidate search did not run".into()))??
            }
        };
        let learners = match learners {
            Some(learners) => learners,
            None => read_learners(page.hits.iter().map(|h| h.learner_id).collect()).await?,
        };
        if explain {
            // Skills an explanation names that were not read on speculation (a
            // requirement's skill the index's taxonomy does not know yet, or too many
            // relatives to read ahead): one more read, as before.
            let rest: Vec<i64> = page
                .hits
                .iter()
                .flat_map(|h| h.explanation.contributions.iter())
                .flat_map(|c| [Some(c.requirement.skill), c.evidence_used.map(|e| e.skill)])
                .flatten()
                .filter(|s| prefetched.binary_search(s).is_err())
                .collect();
            if !rest.is_empty() {
                l.fetch_ready_skills(rest).await?;
            }
        }
        // Hydrated above; visibility is re-checked against the database (the index may
        // lag a visibility change by a moment: never show a learner who just went
        // private).
        let v = viewer(ctx);
        let items = page
            .hits
            .into_iter()
            .filter_map(|h| {
                let l = learners.get(&h.learner_id)?.clone();
                can_see_learner(v, &l).then(|| {
                    (
                        CandidateMatch {
                            learner: Learner(l),
                            explanation: h.explanation,
                        },
                        h.cursor.encode(),
                    )
                })
            })
            .collect();
        let total = page.total.map(|t| t as i64).unwrap_or(-1);
        // Built in place when the selection allows (see `Immediate for CandidateMatch`).
        Ok(Ready(CandidateMatchConnection::new(
            items,
            page.has_next_page,
            after.is_some(),
            total,
        )))
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
        check_optional_len("location", filter.location.as_deref(), 200)?;
        let min_score = min_score
            .map(|s| check_score("minScore", s))
            .transpose()?
            .unwrap_or(0.0);
        let after = after
            .as_deref()
            .map(search_index::Cursor::decode)
            .transpose()
            .map_err(|_| ApiError::bad("invalid cursor"))?;
        let evidence = my_evidence(ctx, learner.id).await?;
        let q = search_index::JobQuery {
            filters: search_index::JobFilters {
                location: filter.location.filter(|l| !l.trim().is_empty()),
                remote: filter.remote,
                employer_id: filter
                    .employer_id
                    .as_deref()
                    .map(|i| ids::decode(NodeType::Organization, i))
                    .transpose()?,
                must_have_all: false,
                min_score,
            },
            limit,
            after: after.clone(),
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
        // Candidates from the microcredential index: courses teaching a gap skill (or a
        // descendant) and, transitively, courses teaching their unmet prerequisites.
        let gaps = search_index::pathway::gap_analysis(&tax, &reqs, &evidence)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let gap_needs: Vec<(i64, u8)> = gaps
            .iter()
            .map(|g| (g.requirement.skill, g.requirement.min_level))
            .collect();
        let held = search_index::pathway::held_facts(&evidence);
        let candidates = with_engine(ctx, "learningPathway", move |e| {
            let mut out: HashMap<i64, search_index::MicrocredentialDoc> = HashMap::new();
            let mut needs: Vec<(i64, u8)> = gap_needs;
            let mut seen: BTreeSet<(i64, u8)> = BTreeSet::new();
            while let Some((skill, level)) = needs.pop() {
                if !seen.insert((skill, level)) || seen.len() > 10_000 {
                    continue;
                }
                for m in e.microcredentials_teaching(skill, level) {
                    if out.contains_key(&m.id) {
                        continue;
                    }
                    for &(ps, pl) in &m.prerequisites {
                        if !held.iter().any(|f| f.skill == ps && f.level >= pl) {
                            needs.push((ps, pl));
                        }
                    }
                    out.insert(m.id, m.clone());
                }
            }
            out
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
            let mut out: HashMap<i64, search_index::MicrocredentialDoc> = HashMap::new();
            for (skill, level) in needs {
                for m in e.microcredentials_teaching(skill, level) {
                    out.entry(m.id).or_insert_with(|| m.clone());
                }
            }
            out
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
