//! Outbox rows -> ordered engine changes.
//!
//! Outbox rows carry no payload. An UPSERT re-reads the entity's current rows (so
//! replaying a row twice, or a row older than the snapshot, is harmless); if the entity
//! no longer exists it becomes a delete. A DELETE is a delete. Within a batch only the
//! last row of each entity counts (its sequence number is kept), so a learner edited 50
//! times is loaded once; the last row of the batch always survives, so the changes end
//! at the batch's highest sequence number and the engine's applied sequence reaches it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use search_index::engine::{Change, ChangeOp, Document};

use crate::db::{DbConn, DbResult};
use crate::documents;
use crate::repo::outbox::OutboxEntry;
use crate::repo::{EntityKind, Operation};

/// The changes for a batch of outbox rows (in sequence order), in increasing sequence
/// order. Learner documents judge expiry at `now`.
pub async fn load(
    conn: &mut DbConn<'_>,
    entries: &[OutboxEntry],
    now: NaiveDateTime,
) -> DbResult<Vec<Change>> {
    let mut last: HashMap<(EntityKind, i64), (i64, Operation)> = HashMap::new();
    for e in entries {
        last.insert((e.entity_kind, e.entity_id), (e.seq, e.operation));
    }
    let upserts = |kind: EntityKind| -> Vec<i64> {
        let mut ids: Vec<i64> = last
            .iter()
            .filter(|((k, _), (_, op))| *k == kind && *op == Operation::Upsert)
            .map(|((_, id), _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    };
    let mut found: HashMap<(EntityKind, i64), Document> = HashMap::new();
    for d in documents::learner_docs(conn, &upserts(EntityKind::Learner), now).await? {
        found.insert((EntityKind::Learner, d.id), Document::Learner(d));
    }
    for d in documents::job_docs(conn, &upserts(EntityKind::Job)).await? {
        found.insert((EntityKind::Job, d.id), Document::Job(d));
    }
    for d in documents::microcredential_docs(conn, &upserts(EntityKind::Microcredential)).await? {
        found.insert(
            (EntityKind::Microcredential, d.id),
            Document::Microcredential(d),
        );
    }
    let mut changes: Vec<Change> = last
        .into_iter()
        .map(|((kind, id), (seq, op))| {
            let doc = match op {
                Operation::Upsert => found.remove(&(kind, id)),
                Operation::Delete => None,
            };
            let op = match (doc, kind) {
                (Some(doc), _) => ChangeOp::Upsert(doc),
                (None, EntityKind::Learner) => ChangeOp::DeleteLearner(id),
                (None, EntityKind::Job) => ChangeOp::DeleteJob(id),
                (None, EntityKind::Microcredential) => ChangeOp::DeleteMicrocredential(id),
            };
            Change {
                seq: u64::try_from(seq).unwrap_or(0),
                op,
            }
        })
        .collect();
    changes.sort_unstable_by_key(|c| c.seq);
    Ok(changes)
}

/// The ids of open jobs upserted by these changes (for job alerts).
pub fn open_jobs(changes: &[Change]) -> Vec<i64> {
    let mut seen = HashSet::new();
    changes
        .iter()
        .filter_map(|c| match &c.op {
            ChangeOp::Upsert(Document::Job(j)) if j.open && seen.insert(j.id) => Some(j.id),
            _ => None,
        })
        .collect()
}

/// The same change turned into a delete of its entity (for a document the engine
/// refuses).
pub fn as_delete(c: &Change) -> Change {
    let op = match &c.op {
        ChangeOp::Upsert(Document::Learner(d)) => ChangeOp::DeleteLearner(d.id),
        ChangeOp::Upsert(Document::Job(d)) => ChangeOp::DeleteJob(d.id),
        ChangeOp::Upsert(Document::Microcredential(d)) => ChangeOp::DeleteMicrocredential(d.id),
        other => other.clone(),
    };
    Change { seq: c.seq, op }
}
