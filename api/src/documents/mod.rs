//! The read model: the learners, jobs and microcredentials as the engine reads them.
//! The search index is built from these documents ([`crate::indexer`]), insights are
//! computed from them ([`crate::insights::data`]), and GraphQL scores a learner's
//! current evidence with them, so a skill means the same thing everywhere.
//!
//! Documents are read a batch of ids at a time (a fixed number of queries per batch,
//! whatever its size: no N+1), or all at once as a [`snapshot`].
//!
//! # Mapping (MATCHING.md "Levels and evidence")
//! - A credential's skills are evidence: status VERIFIED -> [`EvidenceKind::VerifiedCredential`]
//!   (confidence 1.0), UNVERIFIED -> [`EvidenceKind::UnverifiedCredential`] (0.7); a
//!   credential whose `expires_at <= now` is [`EvidenceStatus::Expired`] (half its
//!   confidence; the database compares, see [`repo::credentials::CredentialEvidence`]);
//!   REVOKED is left out (counts not at all), and so is its title from the searchable
//!   text.
//! - Self-asserted skills are [`EvidenceKind::SelfAsserted`] (0.4), never expired.
//! - Text: headline, bio and the titles of the credentials that are not revoked.
//! - Remote preference: REMOTE -> Remote, ONSITE -> OnSite, HYBRID and ANY -> Hybrid
//!   (both mean "either").
//! - A job's or an occupation's requirements go through [`engine_requirement`].
//! - Levels outside 1..=5 (impossible: the schema's CHECK) and locations longer than
//!   [`MAX_LOCATION_BYTES`] are dropped/truncated with a warning rather than making the
//!   engine refuse the whole document.
//!
//! Expiry depends on `now`: see [`crate::indexer::expiry`] for how documents indexed
//! before a credential expired are refreshed.

mod requirement;
mod snapshot;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use search_index::engine::{
    JobDoc, LearnerDoc, MicrocredentialDoc, RemotePreference as EngineRemote,
    Visibility as EngineVisibility,
};
use search_index::{Evidence, EvidenceKind, EvidenceStatus, Requirement};

use crate::db::{DbConn, DbResult};
use crate::repo::credentials::CredentialEvidence;
use crate::repo::learners::{AssertedSkill, IndexedProfile};
use crate::repo::{self, CredentialStatus, JobStatus, LearnerSet, RemotePreference, Visibility};

pub use requirement::{InvalidRequirement, RequirementOwner, engine_requirement};
pub use snapshot::{DocStream, StreamCounts, snapshot};

/// Jobs and microcredentials read per batch while taking a snapshot.
pub const SNAPSHOT_PAGE: i64 = 500;
/// Learners read per batch while taking a snapshot (four range scans each).
pub const LEARNER_RANGE: i64 = 5_000;
/// Longest location kept in a learner document, in bytes (the engine's own limit).
pub const MAX_LOCATION_BYTES: usize = 1_000;

/// The engine's visibility for a stored one.
pub fn visibility(v: Visibility) -> EngineVisibility {
    match v {
        Visibility::Private => EngineVisibility::Private,
        Visibility::Recruiters => EngineVisibility::Recruiters,
        Visibility::Public => EngineVisibility::Public,
    }
}

/// The engine's remote preference for a stored one (HYBRID and ANY both mean "either").
pub fn remote_preference(r: RemotePreference) -> EngineRemote {
    match r {
        RemotePreference::Remote => EngineRemote::Remote,
        RemotePreference::Onsite => EngineRemote::OnSite,
        RemotePreference::Hybrid | RemotePreference::Any => EngineRemote::Hybrid,
    }
}

fn level(entity: &str, id: i64, skill: i64, level: i32) -> Option<u8> {
    match u8::try_from(level) {
        Ok(l) if (1..=5).contains(&l) => Some(l),
        _ => {
            tracing::warn!(
                entity,
                id,
                skill,
                level,
                "level outside 1..=5 left out of the index"
            );
            None
        }
    }
}

fn truncate_location(id: i64, loc: Option<String>) -> Option<String> {
    let mut loc = loc?;
    if loc.len() > MAX_LOCATION_BYTES {
        tracing::warn!(
            learner = id,
            len = loc.len(),
            "location truncated for the index"
        );
        let mut end = MAX_LOCATION_BYTES;
        while !loc.is_char_boundary(end) {
            end -= 1;
        }
        loc.truncate(end);
    }
    Some(loc)
}

/// A credential with the skills it evidences, as (skill id, level).
pub type CredentialWithSkills = (CredentialEvidence, Vec<(i64, i32)>);

/// The document of one learner from its rows: `credentials` with their skills as
/// (skill id, level) and expiry already judged, `asserted` its self-asserted skills.
/// Pure; see the module docs.
pub fn learner_doc(
    learner: IndexedProfile,
    credentials: &[CredentialWithSkills],
    asserted: &[AssertedSkill],
) -> LearnerDoc {
    let mut evidence = Vec::new();
    let mut titles = Vec::new();
    for (cred, skills) in credentials {
        let kind = match cred.status {
            CredentialStatus::Verified => EvidenceKind::VerifiedCredential,
            CredentialStatus::Unverified => EvidenceKind::UnverifiedCredential,
            CredentialStatus::Revoked => continue,
        };
        let status = if cred.expired {
            EvidenceStatus::Expired
        } else {
            EvidenceStatus::Active
        };
        titles.push(cred.title.clone());
        for &(skill, lvl) in skills {
            let Some(lvl) = level("credential", cred.id, skill, lvl) else {
                continue;
            };
            evidence.extend(Evidence::from_status(
                skill,
                lvl,
                kind,
                status,
                Some(cred.id),
            ));
        }
    }
    for a in asserted {
        let Some(lvl) = level("learner", a.learner_id, a.skill_id, a.level) else {
            continue;
        };
        evidence.extend(Evidence::from_status(
            a.skill_id,
            lvl,
            EvidenceKind::SelfAsserted,
            EvidenceStatus::Active,
            None,
        ));
    }
    LearnerDoc {
        id: learner.id,
        visibility: visibility(learner.visibility),
        location: truncate_location(learner.id, learner.location),
        remote_preference: remote_preference(learner.remote_preference),
        headline: learner.headline.unwrap_or_default(),
        bio: learner.bio.unwrap_or_default(),
        credential_titles: titles,
        evidence,
    }
}

/// The documents of the learners with these ids that exist, in id order, with expiry
/// judged at `now`. Four queries.
pub async fn learner_docs(
    conn: &mut DbConn<'_>,
    ids: &[i64],
    now: NaiveDateTime,
) -> DbResult<Vec<LearnerDoc>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    learner_docs_of(conn, LearnerSet::Ids(ids), now).await
}

/// The documents of every learner with an id in `lo..=hi`, in id order: as
/// [`learner_docs`], with range scans (for snapshots).
pub async fn learner_docs_in_range(
    conn: &mut DbConn<'_>,
    lo: i64,
    hi: i64,
    now: NaiveDateTime,
) -> DbResult<Vec<LearnerDoc>> {
    learner_docs_of(conn, LearnerSet::Range(lo, hi), now).await
}

async fn learner_docs_of(
    conn: &mut DbConn<'_>,
    set: LearnerSet<'_>,
    now: NaiveDateTime,
) -> DbResult<Vec<LearnerDoc>> {
    let learners = repo::learners::indexed_profiles(conn, set).await?;
    let credentials = repo::credentials::evidence(conn, set, now).await?;
    let skills = repo::credentials::evidence_skills(conn, set).await?;
    let asserted = repo::learners::asserted_skills(conn, set).await?;
    Ok(assemble(learners, credentials, skills, asserted))
}

/// Groups rows by learner into documents (see [`learner_doc`]).
fn assemble(
    learners: Vec<IndexedProfile>,
    credentials: Vec<CredentialEvidence>,
    skills: Vec<(i64, i64, i32)>,
    asserted: Vec<AssertedSkill>,
) -> Vec<LearnerDoc> {
    let mut cred_skills: HashMap<i64, Vec<(i64, i32)>> = HashMap::new();
    for (cred, skill, lvl) in skills {
        cred_skills.entry(cred).or_default().push((skill, lvl));
    }
    let mut creds_of: HashMap<i64, Vec<CredentialWithSkills>> = HashMap::new();
    for c in credentials {
        let skills = cred_skills.remove(&c.id).unwrap_or_default();
        creds_of.entry(c.learner_id).or_default().push((c, skills));
    }
    let mut asserted_of: HashMap<i64, Vec<AssertedSkill>> = HashMap::new();
    for a in asserted {
        asserted_of.entry(a.learner_id).or_default().push(a);
    }
    learners
        .into_iter()
        .map(|l| {
            let creds = creds_of.remove(&l.id).unwrap_or_default();
            let asserted = asserted_of.remove(&l.id).unwrap_or_default();
            learner_doc(l, &creds, &asserted)
        })
        .collect()
}

/// The documents of the jobs with these ids that exist, in id order (`open` = OPEN).
pub async fn job_docs(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<JobDoc>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let jobs = repo::jobs::get_many(conn, ids).await?;
    let mut reqs_of: HashMap<i64, Vec<Requirement>> = HashMap::new();
    for (job, r) in repo::jobs::requirements_of(conn, ids).await? {
        match engine_requirement(RequirementOwner::Job(job), &r) {
            Ok(req) => reqs_of.entry(job).or_default().push(req),
            Err(e) => tracing::warn!(error = %e, "requirement left out of the index"),
        }
    }
    Ok(jobs
        .into_iter()
        .map(|j| JobDoc {
            id: j.id,
            requirements: reqs_of.remove(&j.id).unwrap_or_default(),
            title: j.title,
            description: j.description,
            employer_id: j.employer_id,
            location: j.location,
            remote: j.remote,
            open: j.status == JobStatus::Open,
        })
        .collect())
}

/// The documents of the microcredentials with these ids that exist, in id order.
pub async fn microcredential_docs(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<Vec<MicrocredentialDoc>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mcs = repo::microcredentials::get_many(conn, ids).await?;
    let mut skills_of: HashMap<i64, Vec<(i64, u8)>> = HashMap::new();
    for (mc, skill, lvl) in repo::microcredentials::skills_of(conn, ids).await? {
        if let Some(l) = level("microcredential", mc, skill, lvl) {
            skills_of.entry(mc).or_default().push((skill, l));
        }
    }
    let mut prereqs_of: HashMap<i64, Vec<(i64, u8)>> = HashMap::new();
    for (mc, skill, lvl) in repo::microcredentials::prerequisites_of(conn, ids).await? {
        if let Some(l) = level("microcredential", mc, skill, lvl) {
            prereqs_of.entry(mc).or_default().push((skill, l));
        }
    }
    Ok(mcs
        .into_iter()
        .map(|m| MicrocredentialDoc {
            id: m.id,
            provider_id: m.provider_id,
            title: m.title,
            description: m.description,
            hours: m.hours,
            cost_cents: m.cost_cents,
            skills: skills_of.remove(&m.id).unwrap_or_default(),
            prerequisites: prereqs_of.remove(&m.id).unwrap_or_default(),
            active: m.active,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn learner() -> IndexedProfile {
        IndexedProfile {
            id: 7,
            headline: Some("Data engineer".into()),
            bio: None,
            location: Some("Toronto".into()),
            remote_preference: RemotePreference::Any,
            visibility: Visibility::Recruiters,
        }
    }

    fn cred(id: i64, status: CredentialStatus, expired: bool) -> CredentialEvidence {
        CredentialEvidence {
            id,
            learner_id: 7,
            title: format!("credential {id}"),
            status,
            expired,
        }
    }

    #[test]
    fn evidence_follows_matching_md() {
        let creds = vec![
            (cred(1, CredentialStatus::Verified, false), vec![(100, 3)]),
            (cred(2, CredentialStatus::Unverified, false), vec![(101, 4)]),
            (cred(3, CredentialStatus::Verified, true), vec![(102, 2)]),
            (cred(4, CredentialStatus::Unverified, true), vec![(103, 2)]),
            (cred(5, CredentialStatus::Revoked, true), vec![(104, 5)]),
        ];
        let asserted = vec![AssertedSkill {
            learner_id: 7,
            skill_id: 105,
            level: 1,
        }];
        let doc = learner_doc(learner(), &creds, &asserted);
        let conf: Vec<(i64, f64, Option<i64>)> = doc
            .evidence
            .iter()
            .map(|e| (e.skill, e.confidence(), e.credential_id))
            .collect();
        assert_eq!(
            conf,
            vec![
                (100, 1.0, Some(1)),
                (101, 0.7, Some(2)),
                // expired: half
                (102, 0.5, Some(3)),
                (103, 0.35, Some(4)),
                (105, 0.4, None),
            ]
        );
        assert!(!doc.credential_titles.contains(&"credential 5".to_string()));
        assert_eq!(doc.credential_titles.len(), 4);
        assert_eq!(doc.visibility, EngineVisibility::Recruiters);
        assert_eq!(doc.remote_preference, EngineRemote::Hybrid);
        assert_eq!(doc.headline, "Data engineer");
        assert_eq!(doc.bio, "");
    }

    #[test]
    fn bad_levels_and_long_locations_do_not_poison_the_document() {
        let mut l = learner();
        l.location = Some("é".repeat(MAX_LOCATION_BYTES));
        let creds = vec![(
            cred(1, CredentialStatus::Verified, false),
            vec![(100, 0), (101, 6), (102, 5)],
        )];
        let doc = learner_doc(l, &creds, &[]);
        assert_eq!(doc.evidence.len(), 1);
        let loc = doc.location.expect("location");
        assert!(loc.len() <= MAX_LOCATION_BYTES && loc.chars().all(|c| c == 'é'));
    }

    #[test]
    fn remote_preferences_map_to_the_engines_three() {
        assert_eq!(
            remote_preference(RemotePreference::Remote),
            EngineRemote::Remote
        );
        assert_eq!(
            remote_preference(RemotePreference::Onsite),
            EngineRemote::OnSite
        );
        assert_eq!(
            remote_preference(RemotePreference::Hybrid),
            EngineRemote::Hybrid
        );
        assert_eq!(
            remote_preference(RemotePreference::Any),
            EngineRemote::Hybrid
        );
        assert_eq!(visibility(Visibility::Private), EngineVisibility::Private);
        assert_eq!(visibility(Visibility::Public), EngineVisibility::Public);
    }
}
