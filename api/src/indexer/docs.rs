//! Database rows -> engine documents, a batch of ids at a time (a fixed number of queries
//! per batch, whatever its size: no N+1).
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
//! - Levels outside 1..=5 (impossible: the schema's CHECK) and locations longer than
//!   [`MAX_LOCATION_BYTES`] are dropped/truncated with a warning rather than making the
//!   engine refuse the whole document.
//!
//! Expiry depends on `now`: see [`super::expiry`] for how documents indexed before a
//! credential expired are refreshed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;
use search_index::engine::{
    Document, JobDoc, LearnerDoc, MicrocredentialDoc, RemotePreference as EngineRemote, Snapshot,
    SourceError, Visibility as EngineVisibility,
};
use search_index::{Evidence, EvidenceKind, EvidenceStatus, Requirement};

use tokio::sync::mpsc;

use crate::db::{Db, DbConn, DbResult};
use crate::repo::credentials::CredentialEvidence;
use crate::repo::learners::{AssertedSkill, IndexedProfile};
use crate::repo::{self, CredentialStatus, JobStatus, LearnerSet, RemotePreference, Visibility};

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
        let Some(min_level) = level("job", job, r.skill_id, r.min_level) else {
            continue;
        };
        reqs_of.entry(job).or_default().push(Requirement {
            skill: r.skill_id,
            min_level,
            weight: r.weight,
            required: r.required,
        });
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

/// Batches the snapshot reader may be ahead of the build.
const STREAM_DEPTH: usize = 4;

/// One message from the snapshot reader to the index build.
enum Batch {
    Docs(Vec<Document>),
    Done,
    Failed(crate::db::DbError),
}

/// How many documents of each kind a [`DocStream`] has yielded so far.
#[derive(Debug, Default)]
pub struct StreamCounts {
    /// Learner documents.
    pub learners: AtomicUsize,
    /// Job documents.
    pub jobs: AtomicUsize,
    /// Microcredential documents.
    pub microcredentials: AtomicUsize,
}

/// The documents of a snapshot, read from the database while the index consumes them:
/// background tasks read batches of learners (two halves at once when the pool allows,
/// see `read_all`), then jobs, then microcredentials, at most [`STREAM_DEPTH`] batches
/// ahead of the build, so reading and indexing overlap and the snapshot is never held
/// in memory whole.
///
/// A database error, or a reader that stops without saying it finished, is yielded as
/// an `Err` item, which makes the engine abandon the build before committing anything
/// ([`search_index::engine::SnapshotItem`]): a partial snapshot is never taken for a
/// whole one. Must be consumed off the async runtime's worker threads (it blocks
/// waiting for the next batch); the engine builds on a blocking thread anyway.
pub struct DocStream {
    rx: mpsc::Receiver<Batch>,
    buf: std::vec::IntoIter<Document>,
    finished: bool,
    counts: Arc<StreamCounts>,
}

impl DocStream {
    /// The running counts (shared: still readable after the stream is consumed).
    pub fn counts(&self) -> Arc<StreamCounts> {
        self.counts.clone()
    }
}

impl Iterator for DocStream {
    type Item = Result<Document, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.buf.next() {
                let counter = match &d {
                    Document::Learner(_) => &self.counts.learners,
                    Document::Job(_) => &self.counts.jobs,
                    Document::Microcredential(_) => &self.counts.microcredentials,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                return Some(Ok(d));
            }
            if self.finished {
                return None;
            }
            match self.rx.blocking_recv() {
                Some(Batch::Docs(docs)) => self.buf = docs.into_iter(),
                Some(Batch::Done) => self.finished = true,
                Some(Batch::Failed(e)) => {
                    self.finished = true;
                    return Some(Err(Box::new(e)));
                }
                None => {
                    self.finished = true;
                    return Some(Err("the snapshot reader stopped before the end".into()));
                }
            }
        }
    }
}

/// Every document, for a rebuild. Reads the outbox head FIRST, then starts reading
/// every document in the background (paging by id; see [`DocStream`]); the snapshot's
/// `applied_seq` is that head. A change committed while the snapshot is read may or may
/// not be in it, but its outbox row is after the head, so it is replayed; replaying is
/// idempotent because an upsert re-reads current rows.
pub async fn snapshot(db: &Db) -> DbResult<Snapshot<DocStream>> {
    let head = {
        let mut p = db.conn().await?;
        repo::outbox::head(&mut p.conn()).await?
    };
    let (tx, rx) = mpsc::channel(STREAM_DEPTH);
    let db = db.clone();
    tokio::spawn(async move {
        let last = match read_all(&db, &tx).await {
            Ok(()) => Batch::Done,
            Err(e) => Batch::Failed(e),
        };
        // Fails only when the build stopped listening: nothing left to tell.
        let _ = tx.send(last).await;
    });
    Ok(Snapshot {
        applied_seq: u64::try_from(head).unwrap_or(0),
        docs: DocStream {
            rx,
            buf: Vec::new().into_iter(),
            finished: false,
            counts: Arc::default(),
        },
    })
}

/// Reads every document into `tx`: the learners as two halves of the id range read at
/// once on two connections when the pool has a second one to spare (so that reading
/// keeps up with the build on two cores; one connection reads them all otherwise), then
/// the jobs and the microcredentials. Stops early (Ok) when the receiver is gone.
async fn read_all(db: &Db, tx: &mpsc::Sender<Batch>) -> DbResult<()> {
    let now = repo::now();
    let mut first = db.conn().await?;
    let bounds = repo::learners::id_bounds(&mut first.conn()).await?;
    if let Some((lo, hi)) = bounds {
        // A small pool may have no second connection free: never wait for one.
        let second = tokio::time::timeout(std::time::Duration::from_millis(200), db.conn())
            .await
            .ok()
            .and_then(Result::ok);
        let parts = match second {
            Some(second) => {
                let mid = lo + (hi - lo) / 2;
                vec![(first, i64::MIN, mid), (second, mid, i64::MAX)]
            }
            None => vec![(first, i64::MIN, i64::MAX)],
        };
        let readers: Vec<_> = parts
            .into_iter()
            .map(|(conn, after, upto)| {
                let tx = tx.clone();
                tokio::spawn(async move { read_learners(conn, &tx, after, upto, now).await })
            })
            .collect();
        let mut listening = true;
        for reader in readers {
            let read = reader
                .await
                .map_err(|e| crate::db::DbError::Unavailable(format!("snapshot reader: {e}")))?;
            listening &= read?;
        }
        if !listening {
            return Ok(());
        }
    } else {
        drop(first);
    }
    let mut p = db.conn().await?;
    let conn = &mut p.conn();
    let send = |docs: Vec<Document>| tx.send(Batch::Docs(docs));
    let mut after = i64::MIN;
    loop {
        let ids = repo::jobs::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let docs = job_docs(conn, &ids).await?;
        if send(docs.into_iter().map(Document::Job).collect())
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    let mut after = i64::MIN;
    loop {
        let ids = repo::microcredentials::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let docs = microcredential_docs(conn, &ids).await?;
        if send(docs.into_iter().map(Document::Microcredential).collect())
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    Ok(())
}

/// The learners with ids in `after+1..=upto`, [`LEARNER_RANGE`] at a time, into `tx`;
/// Ok(false) when the receiver is gone.
async fn read_learners(
    mut pooled: crate::db::Pooled,
    tx: &mpsc::Sender<Batch>,
    mut after: i64,
    upto: i64,
    now: NaiveDateTime,
) -> DbResult<bool> {
    let conn = &mut pooled.conn();
    loop {
        let mut ids = repo::learners::ids_after(conn, after, LEARNER_RANGE).await?;
        ids.retain(|&id| id <= upto);
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Ok(true);
        };
        after = last;
        let docs = learner_docs_in_range(conn, first, last, now).await?;
        let batch = Batch::Docs(docs.into_iter().map(Document::Learner).collect());
        if tx.send(batch).await.is_err() {
            return Ok(false);
        }
    }
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
