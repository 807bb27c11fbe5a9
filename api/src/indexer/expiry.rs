//! Credential expiry over time.
//!
//! Whether a credential counts in full or at half depends on the clock: a learner
//! document indexed before one of its credentials expired goes stale the moment it
//! expires, with no write to the database and so no outbox row. The indexer therefore
//! sweeps: at start-up over every credential expired by then, and afterwards every
//! [`super::IndexerOptions::sweep_interval`] (10 minutes by default) and one second
//! after the next known expiry when sooner (at most every
//! [`super::IndexerOptions::sweep_min_gap`], 10 s), over the credentials whose
//! `expires_at` fell in `(last sweep - SWEEP_OVERLAP, now]`. For those credentials it asks the local index
//! whether the learner's document still counts the credential as unexpired, and for
//! each such learner writes an UPSERT outbox row (in one transaction per chunk).
//!
//! Going through the outbox (rather than patching the local index) keeps one rule: the
//! index changes only by applying outbox rows in order, so every node converges and the
//! applied sequence stays meaningful across restarts. Nodes that sweep the same window
//! at the same moment may each write a row for the same learner; a row applied twice is
//! harmless, and once one node's row is applied everywhere the others find nothing
//! stale. The credentials table has no index on `expires_at`, so a sweep scans it; that
//! is cheap at the sizes this serves and happens rarely.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use search_index::Engine;

use crate::db::schema::credentials;
use crate::db::{DbConn, DbResult};
use crate::repo::{self, CredentialStatus, EntityKind, Operation};
use crate::with_conn;

/// How far back a periodic sweep looks before the previous one (clock steps, a
/// credential committed just as the previous sweep read).
pub const SWEEP_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// Outbox rows written per transaction by a sweep.
const CHUNK: usize = 500;

/// (credential id, learner id) of every credential not revoked whose `expires_at` lies
/// in `(since, until]` (`since = None`: any time up to `until`).
pub async fn expired_between(
    conn: &mut DbConn<'_>,
    since: Option<NaiveDateTime>,
    until: NaiveDateTime,
) -> DbResult<Vec<(i64, i64)>> {
    macro_rules! query {
        () => {{
            let mut q = credentials::table
                .filter(credentials::status.ne(CredentialStatus::Revoked.as_str()))
                .filter(credentials::expires_at.le(until))
                .into_boxed();
            if let Some(since) = since {
                q = q.filter(credentials::expires_at.gt(since));
            }
            q.order(credentials::id.asc())
                .select((credentials::id, credentials::learner_id))
        }};
    }
    Ok(with_conn!(conn, |c| query!().load(c).await)?)
}

/// The earliest `expires_at` after `at` of a credential not revoked, if any.
pub async fn next_expiry(
    conn: &mut DbConn<'_>,
    at: NaiveDateTime,
) -> DbResult<Option<NaiveDateTime>> {
    Ok(with_conn!(conn, |c| credentials::table
        .filter(credentials::status.ne(CredentialStatus::Revoked.as_str()))
        .filter(credentials::expires_at.gt(at))
        .select(diesel::dsl::min(credentials::expires_at))
        .first(c)
        .await)?)
}

/// The learners whose indexed document still counts one of these (expired)
/// credentials as unexpired, ascending.
pub fn stale_learners(engine: &Engine, expired: &[(i64, i64)]) -> Vec<i64> {
    let mut by_learner: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for &(credential, learner) in expired {
        by_learner.entry(learner).or_default().insert(credential);
    }
    by_learner
        .into_iter()
        .filter(|(learner, credentials)| match engine.learner_evidence(*learner) {
            Ok(None) => false,
            Ok(Some(evidence)) => evidence.iter().any(|e| {
                !e.expired && e.credential_id.is_some_and(|c| credentials.contains(&c))
            }),
            Err(e) => {
                // Unreadable here: re-indexing it is the safe side.
                tracing::warn!(learner, error = %e, "expiry sweep: indexed evidence unreadable");
                true
            }
        })
        .map(|(learner, _)| learner)
        .collect()
}

/// Writes an UPSERT outbox row for each learner, `CHUNK` per transaction.
pub async fn record_refresh(conn: &mut DbConn<'_>, learners: &[i64]) -> DbResult<()> {
    for chunk in learners.chunks(CHUNK) {
        crate::transaction!(conn, |tx| {
            for &id in chunk {
                repo::outbox::record(tx, EntityKind::Learner, id, Operation::Upsert).await?;
            }
            Ok(())
        })?;
    }
    Ok(())
}
