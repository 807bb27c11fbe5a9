//! Institutions' insights: segments, supply and demand, teaching opportunities.
//! INSTITUTION and ADMIN only. Resolvers read the background cache
//! ([`crate::insights::InsightsService`]); nothing is clustered on a request.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};

use crate::graphql::context::{SignedIn, loaders, require_role, services};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::ids::{self, NodeType};
use crate::graphql::input::optional_text;
use crate::graphql::pagination::page_size;
use crate::graphql::types::insights::{
    InsightStatus, LearnerSegmentation, MicrocredentialFit, SegmentFit, SegmentScope,
    SkillSupplyDemand, SkillSupplyDemandConnection, TeachingOpportunities, TeachingOpportunity,
};
use crate::insights::service::{Lookup, MAX_K, MIN_K};
use crate::insights::supply::{self, SupplyDemandFilter as Filter};
use crate::repo::{OrganizationKind, Role};

/// Filters of skill supply and demand.
#[derive(InputObject, Default)]
pub struct SupplyDemandFilter {
    /// Only jobs and learners at this location (case-insensitive, trimmed, exact).
    pub location: Option<String>,
    /// Only remote (true) or only non-remote (false) jobs.
    pub remote: Option<bool>,
    /// Only skills in this area, e.g. "data-ai" (a skill's `category`).
    pub category: Option<String>,
    /// Only jobs posted in the last N days (1..3650, e.g. 30, 90, 365); adds the trend
    /// against the N days before.
    pub period_days: Option<i32>,
    /// Only these skills (at most 100).
    pub skill_ids: Option<Vec<ID>>,
}

/// The institution whose own learners or catalogue are meant: the caller's own, or for
/// admins the one named.
async fn institution_for(
    ctx: &Context<'_>,
    me: &SignedIn,
    institution_id: Option<&ID>,
) -> ApiResult<Option<i64>> {
    match (me.user.role, institution_id) {
        (Role::Admin, Some(id)) => {
            let id = ids::decode(NodeType::Organization, id)?;
            let org = loaders(ctx)?
                .organization
                .load_one(id)
                .await?
                .ok_or(ApiError::NotFound("organization"))?;
            if org.kind != OrganizationKind::Institution {
                return Err(ApiError::bad("institutionId is not an institution"));
            }
            Ok(Some(org.id))
        }
        (Role::Admin, None) => Ok(None),
        (_, Some(_)) => Err(ApiError::forbidden(
            "institutions see their own insights only; institutionId is for admins",
        )),
        (_, None) => Ok(Some(
            me.organization
                .as_ref()
                .map(|o| o.id)
                .ok_or_else(|| ApiError::forbidden("no organization"))?,
        )),
    }
}

fn filter(f: Option<SupplyDemandFilter>) -> ApiResult<Filter> {
    let f = f.unwrap_or_default();
    let period_days = match f.period_days {
        None => None,
        Some(d) if (1..=3650).contains(&d) => Some(d as u32),
        Some(d) => {
            return Err(ApiError::bad(format!(
                "periodDays must be between 1 and 3650, got {d}"
            )));
        }
    };
    let skills = match &f.skill_ids {
        Some(v) if v.len() > 100 => return Err(ApiError::bad("at most 100 skillIds")),
        Some(v) => Some(ids::decode_all(NodeType::Skill, v)?),
        None => None,
    };
    Ok(Filter {
        location: optional_text("location", f.location.as_deref(), 200)?,
        remote: f.remote,
        category: optional_text("category", f.category.as_deref(), 100)?,
        period_days,
        skills,
    })
}

/// Insight queries.
#[derive(Default)]
pub struct InsightsQuery;

#[Object]
impl InsightsQuery {
    /// Learner segments (k-means over evidenced skills and aspirations; see `method`).
    /// Without k, k is chosen by silhouette. A k not computed yet answers COMPUTING and is
    /// computed in the background: ask again. Scope ALL_LEARNERS describes every learner
    /// in aggregate; OWN_LEARNERS the institution's own (admins name the institution).
    /// INSTITUTION and ADMIN only.
    async fn learner_segments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of segments, 2..30; omitted: chosen by silhouette.")] k: Option<
            i32,
        >,
        #[graphql(desc = "Whose learners. By default ALL_LEARNERS.")] scope: Option<SegmentScope>,
        #[graphql(desc = "Admins only, with OWN_LEARNERS: the institution.")]
        institution_id: Option<ID>,
    ) -> ApiResult<LearnerSegmentation> {
        let me = require_role(ctx, &[Role::Institution, Role::Admin])?;
        let k = match k {
            None => None,
            Some(k) if (MIN_K as i32..=MAX_K as i32).contains(&k) => Some(k as usize),
            Some(k) => {
                return Err(ApiError::bad(format!(
                    "k must be between {MIN_K} and {MAX_K}, got {k}"
                )));
            }
        };
        let scope = scope.unwrap_or_default();
        let institution = institution_for(ctx, me, institution_id.as_ref()).await?;
        let own = match (scope, institution) {
            (SegmentScope::OwnLearners, None) => {
                return Err(ApiError::bad(
                    "admins give institutionId with scope OWN_LEARNERS",
                ));
            }
            (SegmentScope::OwnLearners, Some(i)) => Some(i),
            (SegmentScope::AllLearners, _) => None,
        };
        let svc = &services(ctx)?.insights;
        let min_cohort = svc.options().min_cohort;
        let pending = |status, message| LearnerSegmentation {
            status,
            message,
            scope,
            min_cohort,
            computed_at: None,
            model: None,
        };
        match svc.segments(k) {
            Lookup::Pending => Ok(pending(InsightStatus::Computing, None)),
            Lookup::Failed(why) => Ok(pending(InsightStatus::Unavailable, Some(why))),
            Lookup::Ready((_, entry)) => {
                let segmentation = match own {
                    None => Arc::clone(&entry.all),
                    Some(i) => match entry.by_institution.get(&i) {
                        Some(s) => Arc::clone(s),
                        None => Arc::new(search_index::segments::Segmentation {
                            k: entry.model.k,
                            silhouette: entry.model.silhouette,
                            segments: Vec::new(),
                            learners_in_scope: 0,
                            suppressed_segments: 0,
                            unassigned_in_scope: 0,
                            method: entry.model.method.clone(),
                        }),
                    },
                };
                Ok(LearnerSegmentation {
                    status: InsightStatus::Ready,
                    message: None,
                    scope,
                    min_cohort,
                    computed_at: Some(entry.computed_at),
                    model: Some((Arc::clone(&entry.model), segmentation)),
                })
            }
        }
    }

    /// Per skill: demand (open jobs requiring it, weighted, by level) against supply
    /// (learners holding it, by level and evidence), their ratio and, with a period, the
    /// trend. Ordered by weighted demand, then demanding jobs, then supply, then skill.
    /// Figures are as of the last background read (`computedAt` of learnerSegments);
    /// SERVICE_UNAVAILABLE before the first. INSTITUTION and ADMIN only.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn skill_supply_demand(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<SupplyDemandFilter>,
        #[graphql(desc = "Page size, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the item to start after.")] after: Option<String>,
    ) -> ApiResult<SkillSupplyDemandConnection> {
        require_role(ctx, &[Role::Institution, Role::Admin])?;
        let f = self::filter(filter)?;
        let first = page_size(first)?;
        let start = match &after {
            Some(c) => usize::try_from(ids::decode_cursor(c)?)
                .map_err(|_| ApiError::bad("invalid cursor"))?,
            None => 0,
        };
        let svc = &services(ctx)?.insights;
        let computed = svc.computed().ok_or(ApiError::Unavailable(
            "insights are being computed; try again shortly".into(),
        ))?;
        let all = supply::supply_demand(&computed.data, svc.taxonomy(), &f);
        let total = all.len() as i64;
        let items: Vec<(SkillSupplyDemand, String)> = all
            .into_iter()
            .enumerate()
            .skip(start)
            .take(first)
            .map(|(i, s)| (SkillSupplyDemand(s), ids::cursor(i as i64 + 1)))
            .collect();
        let has_next = start + items.len() < total as usize;
        Ok(SkillSupplyDemandConnection::new(
            items,
            has_next,
            after.is_some(),
            total,
        ))
    }

    /// What the institution could teach next: skills with the highest unmet demand that
    /// none of its active microcredentials teaches, and for each of its active
    /// microcredentials the segments (of all learners, default k) it fits best.
    /// INSTITUTION and ADMIN (admins name the institution) only.
    async fn teaching_opportunities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many skills, 1..100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Admins only: the institution.")] institution_id: Option<ID>,
    ) -> ApiResult<TeachingOpportunities> {
        let me = require_role(ctx, &[Role::Institution, Role::Admin])?;
        let first = page_size(first)?;
        let institution = institution_for(ctx, me, institution_id.as_ref())
            .await?
            .ok_or_else(|| ApiError::bad("admins give institutionId"))?;
        let svc = &services(ctx)?.insights;
        let tax = svc.taxonomy();
        let Some(computed) = svc.computed() else {
            return Ok(TeachingOpportunities {
                status: InsightStatus::Computing,
                computed_at: None,
                skills: Vec::new(),
                microcredential_fit: Vec::new(),
            });
        };
        let skills = supply::teaching_opportunities(&computed.data, tax, institution, first)
            .into_iter()
            .map(TeachingOpportunity)
            .collect();
        let mut microcredential_fit = Vec::new();
        if let Lookup::Ready((_, entry)) = svc.segments(None) {
            for c in computed
                .data
                .courses
                .iter()
                .filter(|c| c.course.provider_id == institution)
            {
                let fits = search_index::segments::course_fit(&entry.all, tax, &c.course);
                let segments = fits
                    .into_iter()
                    .take(3)
                    .filter_map(|(key, fit)| {
                        let s = entry.all.segments.iter().find(|s| s.key == key)?;
                        Some(SegmentFit {
                            segment_key: key as i32,
                            segment_label: s.label.clone(),
                            segment_size: s.size as i32,
                            fit,
                        })
                    })
                    .collect();
                microcredential_fit.push(MicrocredentialFit {
                    microcredential_id: c.course.id,
                    segments,
                });
            }
        }
        Ok(TeachingOpportunities {
            status: InsightStatus::Ready,
            computed_at: Some(computed.read_at),
            skills,
            microcredential_fit,
        })
    }
}
