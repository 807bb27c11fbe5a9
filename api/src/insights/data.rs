//! The data institutions' insights are computed from: one consistent read of learners
//! (evidence, aspirations, consent, location), jobs with requirements, occupations,
//! active microcredentials and which institution each learner holds credentials from.
//!
//! Loaded in the background (never on a request), a page of ids at a time with a fixed
//! number of queries per page, and held in memory until the next refresh. Learners,
//! microcredentials and requirements are read through the read model
//! ([`crate::documents`]), so a learner's skills and a job's requirements mean the same
//! thing here as in candidate search; a requirement it refuses is left out with a
//! warning.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use search_index::segments::{SegmentCourse, SegmentLearner, SegmentOccupation};
use search_index::{Evidence, Requirement};

use crate::db::{Db, DbConn, DbResult};
use crate::documents::{
    LEARNER_RANGE, RequirementOwner, SNAPSHOT_PAGE, engine_requirement, learner_docs_in_range,
    microcredential_docs,
};
use crate::repo::{self, JobStatus};

/// A job as demand sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandJob {
    /// Id.
    pub id: i64,
    /// Open (counts as current demand) or closed (counts only in posting trends).
    pub open: bool,
    /// When it was posted.
    pub posted_at: NaiveDateTime,
    /// Location folded for comparison ([`fold_location`]).
    pub location: Option<String>,
    /// Remote allowed.
    pub remote: bool,
    /// Requirements.
    pub requirements: Vec<Requirement>,
}

/// A learner as supply and segmentation see it.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightLearner {
    /// Location folded for comparison ([`fold_location`]).
    pub location: Option<String>,
    /// Current evidence per skill ([`held_skills`]).
    pub held: Vec<(i64, u8, search_index::EvidenceKind)>,
    /// Evidence, aspirations and consent.
    pub learner: SegmentLearner,
}

/// An active microcredential with its title (for institutions' views).
#[derive(Debug, Clone, PartialEq)]
pub struct InsightCourse {
    /// Title.
    pub title: String,
    /// What segmentation needs.
    pub course: SegmentCourse,
}

/// Everything insights are computed from, read at one moment.
#[derive(Debug, Clone, Default)]
pub struct InsightsData {
    /// Outbox head read before anything else: every change up to it is included.
    pub seq: i64,
    /// When the read started (expiry of credentials is judged at this time).
    pub loaded_at: NaiveDateTime,
    /// Learners by id (ascending).
    pub learners: Vec<InsightLearner>,
    /// Jobs by id (ascending), open or not.
    pub jobs: Vec<DemandJob>,
    /// Occupations (aspirations) with their requirements.
    pub occupations: Vec<SegmentOccupation>,
    /// Active microcredentials.
    pub courses: Vec<InsightCourse>,
    /// For each institution, the learners holding a credential it issued (a
    /// microcredential it provides, not revoked).
    pub members: BTreeMap<i64, BTreeSet<i64>>,
}

/// Locations compare case-insensitively and trimmed, as in search filters.
pub fn fold_location(s: Option<&str>) -> Option<String> {
    s.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

impl InsightsData {
    /// The segmentation inputs, in id order.
    pub fn segment_learners(&self) -> Vec<SegmentLearner> {
        self.learners.iter().map(|l| l.learner.clone()).collect()
    }

    /// The active courses for segmentation.
    pub fn segment_courses(&self) -> Vec<SegmentCourse> {
        self.courses.iter().map(|c| c.course.clone()).collect()
    }
}

/// Reads everything (see the module docs).
pub async fn load(db: &Db) -> DbResult<InsightsData> {
    let mut p = db.conn().await?;
    let conn = &mut p.conn();
    let seq = repo::outbox::head(conn).await?;
    let now = repo::now();
    let mut data = InsightsData {
        seq,
        loaded_at: now,
        ..InsightsData::default()
    };
    let mut after = i64::MIN;
    loop {
        let ids = repo::learners::ids_after(conn, after, LEARNER_RANGE).await?;
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            break;
        };
        after = last;
        data.learners
            .extend(learner_range(conn, first, last, now).await?);
    }
    let mut after = i64::MIN;
    loop {
        let ids = repo::jobs::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        data.jobs.extend(job_page(conn, &ids).await?);
    }
    data.occupations = occupations(conn).await?;
    let mut after = i64::MIN;
    loop {
        let ids = repo::microcredentials::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let currency: BTreeMap<i64, String> = repo::microcredentials::get_many(conn, &ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m.currency))
            .collect();
        for d in microcredential_docs(conn, &ids).await? {
            if !d.active {
                continue;
            }
            data.courses.push(InsightCourse {
                title: d.title,
                course: SegmentCourse {
                    id: d.id,
                    provider_id: d.provider_id,
                    teaches: d.skills,
                    hours: d.hours,
                    cost_cents: d.cost_cents,
                    currency: currency.get(&d.id).cloned().unwrap_or_default(),
                },
            });
        }
    }
    for (learner, provider) in repo::credentials::issuers_of_learners(conn).await? {
        data.members.entry(provider).or_default().insert(learner);
    }
    Ok(data)
}

async fn learner_range(
    conn: &mut DbConn<'_>,
    lo: i64,
    hi: i64,
    now: NaiveDateTime,
) -> DbResult<Vec<InsightLearner>> {
    let docs = learner_docs_in_range(conn, lo, hi, now).await?;
    let mut aspirations: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (l, o) in repo::learners::aspirations_in_range(conn, lo, hi).await? {
        aspirations.entry(l).or_default().push(o);
    }
    let opted: BTreeSet<i64> = repo::learners::opted_in_range(conn, lo, hi)
        .await?
        .into_iter()
        .collect();
    Ok(docs
        .into_iter()
        .map(|d| InsightLearner {
            location: fold_location(d.location.as_deref()),
            held: held_skills(&d.evidence),
            learner: SegmentLearner {
                id: d.id,
                evidence: d.evidence,
                aspirations: aspirations.remove(&d.id).unwrap_or_default(),
                contact_opt_in: opted.contains(&d.id),
            },
        })
        .collect())
}

async fn job_page(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<DemandJob>> {
    let jobs = repo::jobs::get_many(conn, ids).await?;
    let mut reqs: BTreeMap<i64, Vec<Requirement>> = BTreeMap::new();
    for (job, r) in repo::jobs::requirements_of(conn, ids).await? {
        match engine_requirement(RequirementOwner::Job(job), &r) {
            Ok(req) => reqs.entry(job).or_default().push(req),
            Err(e) => tracing::warn!(error = %e, "requirement left out of insights"),
        }
    }
    Ok(jobs
        .into_iter()
        .map(|j| DemandJob {
            id: j.id,
            open: j.status == JobStatus::Open,
            posted_at: j.posted_at,
            location: fold_location(j.location.as_deref()),
            remote: j.remote,
            requirements: reqs.remove(&j.id).unwrap_or_default(),
        })
        .collect())
}

async fn occupations(conn: &mut DbConn<'_>) -> DbResult<Vec<SegmentOccupation>> {
    let occ = repo::occupations::all(conn).await?;
    let ids: Vec<i64> = occ.iter().map(|o| o.id).collect();
    let mut reqs: BTreeMap<i64, Vec<Requirement>> = BTreeMap::new();
    for (o, r) in repo::occupations::requirements_of(conn, &ids).await? {
        match engine_requirement(RequirementOwner::Occupation(o), &r) {
            Ok(req) => reqs.entry(o).or_default().push(req),
            Err(e) => tracing::warn!(error = %e, "requirement left out of insights"),
        }
    }
    Ok(occ
        .into_iter()
        .map(|o| SegmentOccupation {
            requirements: reqs.remove(&o.id).unwrap_or_default(),
            id: o.id,
            title: o.title,
        })
        .collect())
}

/// The strongest current evidence of a learner per skill: (skill, max level, best
/// kind), expired credentials left out. Sorted by skill.
pub fn held_skills(evidence: &[Evidence]) -> Vec<(i64, u8, search_index::EvidenceKind)> {
    let mut best: BTreeMap<i64, (u8, search_index::EvidenceKind)> = BTreeMap::new();
    for e in evidence.iter().filter(|e| !e.expired) {
        best.entry(e.skill)
            .and_modify(|(l, k)| {
                *l = (*l).max(e.level);
                // EvidenceKind orders Verified < Unverified < SelfAsserted: smaller is stronger.
                *k = (*k).min(e.kind);
            })
            .or_insert((e.level, e.kind));
    }
    best.into_iter().map(|(s, (l, k))| (s, l, k)).collect()
}
