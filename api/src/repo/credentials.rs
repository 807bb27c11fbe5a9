//! Credentials a learner holds, with the skills (and levels) each one evidences.
//! Adding or removing one changes the learner's evidence, so it writes a LEARNER
//! outbox row in the same transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{
    CredentialSource, CredentialStatus, EntityKind, LearnerSet, Operation, Page, PageRequest,
    check_level, now, outbox, parse_stored,
};
use crate::db::schema::{credential_skills, credentials};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// Id.
    pub id: i64,
    /// Holder.
    pub learner_id: i64,
    /// Title.
    pub title: String,
    /// Issuer (an institution's name or an external issuer).
    pub issuer: String,
    /// Issued.
    pub issued_at: chrono::NaiveDateTime,
    /// Expires, if it does.
    pub expires_at: Option<chrono::NaiveDateTime>,
    /// Recorded verification state.
    pub status: CredentialStatus,
    /// Where it came from.
    pub source: CredentialSource,
    /// The microcredential it certifies, when issued here.
    pub microcredential_id: Option<i64>,
}

impl Credential {
    /// Whether it has expired at `at` (a revoked credential is revoked, not expired).
    pub fn is_expired_at(&self, at: chrono::NaiveDateTime) -> bool {
        self.status != CredentialStatus::Revoked && self.expires_at.is_some_and(|e| e <= at)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = credentials)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    learner_id: i64,
    title: String,
    issuer: String,
    issued_at: chrono::NaiveDateTime,
    expires_at: Option<chrono::NaiveDateTime>,
    status: String,
    source: String,
    microcredential_id: Option<i64>,
}

fn to_model(r: Row) -> DbResult<Credential> {
    Ok(Credential {
        id: r.id,
        learner_id: r.learner_id,
        title: r.title,
        issuer: r.issuer,
        issued_at: r.issued_at,
        expires_at: r.expires_at,
        status: parse_stored(&r.status)?,
        source: parse_stored(&r.source)?,
        microcredential_id: r.microcredential_id,
    })
}

/// A credential to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCredential {
    /// Title.
    pub title: String,
    /// Issuer.
    pub issuer: String,
    /// Issued.
    pub issued_at: chrono::NaiveDateTime,
    /// Expires.
    pub expires_at: Option<chrono::NaiveDateTime>,
    /// Verification state.
    pub status: CredentialStatus,
    /// Source.
    pub source: CredentialSource,
    /// Microcredential certified.
    pub microcredential_id: Option<i64>,
    /// Skills evidenced, as (skill id, level).
    pub skills: Vec<(i64, i32)>,
}

/// Adds a credential with its skills.
pub async fn add(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    new: &NewCredential,
) -> DbResult<Credential> {
    let mut seen = std::collections::HashSet::new();
    for (skill, level) in &new.skills {
        check_level(*level)?;
        if !seen.insert(*skill) {
            return Err(DbError::Invalid(format!("skill {skill} is listed twice")));
        }
    }
    if new.expires_at.is_some_and(|e| e <= new.issued_at) {
        return Err(DbError::Invalid("expiresAt must be after issuedAt".into()));
    }
    let id = crate::transaction!(conn, |tx| {
        let values = (
            credentials::learner_id.eq(learner_id),
            credentials::title.eq(&new.title),
            credentials::issuer.eq(&new.issuer),
            credentials::issued_at.eq(new.issued_at),
            credentials::expires_at.eq(new.expires_at),
            credentials::status.eq(new.status.as_str()),
            credentials::source.eq(new.source.as_str()),
            credentials::microcredential_id.eq(new.microcredential_id),
            credentials::created_at.eq(now()),
        );
        let id: i64 = with_conn!(tx, |c| diesel::insert_into(credentials::table)
            .values(values)
            .returning(credentials::id)
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "credential"))?;
        for (skill_id, level) in &new.skills {
            let v = (
                credential_skills::credential_id.eq(id),
                credential_skills::learner_id.eq(learner_id),
                credential_skills::skill_id.eq(*skill_id),
                credential_skills::level.eq(*level),
            );
            with_conn!(tx, |c| diesel::insert_into(credential_skills::table)
                .values(v)
                .execute(c)
                .await)
            .map_err(|e| DbError::classify(e, "credential skill"))?;
        }
        outbox::record(tx, EntityKind::Learner, learner_id, Operation::Upsert).await?;
        Ok(id)
    })?;
    get(conn, id).await
}

/// Removes a credential; returns its holder's id, or None if it did not exist.
pub async fn remove(conn: &mut DbConn<'_>, id: i64) -> DbResult<Option<i64>> {
    crate::transaction!(conn, |tx| {
        let learner: Option<i64> = with_conn!(tx, |c| credentials::table
            .find(id)
            .select(credentials::learner_id)
            .first(c)
            .await
            .optional())?;
        let Some(learner_id) = learner else {
            return Ok(None);
        };
        with_conn!(tx, |c| diesel::delete(credentials::table.find(id))
            .execute(c)
            .await)?;
        outbox::record(tx, EntityKind::Learner, learner_id, Operation::Upsert).await?;
        Ok(Some(learner_id))
    })
}

/// Sets the recorded verification state (e.g. an institution revokes).
pub async fn set_status(
    conn: &mut DbConn<'_>,
    id: i64,
    status: CredentialStatus,
) -> DbResult<Credential> {
    crate::transaction!(conn, |tx| {
        let learner_id: i64 = with_conn!(tx, |c| diesel::update(credentials::table.find(id))
            .set(credentials::status.eq(status.as_str()))
            .returning(credentials::learner_id)
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "credential"))?;
        outbox::record(tx, EntityKind::Learner, learner_id, Operation::Upsert).await?;
        Ok(())
    })?;
    get(conn, id).await
}

/// One credential.
pub async fn get(conn: &mut DbConn<'_>, id: i64) -> DbResult<Credential> {
    get_many(conn, &[id])
        .await?
        .pop()
        .ok_or(DbError::NotFound("credential"))
}

/// The credentials with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Credential>> {
    let rows: Vec<Row> = with_conn!(conn, |c| credentials::table
        .filter(credentials::id.eq_any(ids))
        .order(credentials::id.asc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}

/// Every credential of these learners, ordered by learner then id.
pub async fn of_learners(conn: &mut DbConn<'_>, learner_ids: &[i64]) -> DbResult<Vec<Credential>> {
    let rows: Vec<Row> = with_conn!(conn, |c| credentials::table
        .filter(credentials::learner_id.eq_any(learner_ids))
        .order((credentials::learner_id.asc(), credentials::id.asc()))
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}

/// A credential skill as the readers return it: (credential id, skill id, level).
const SKILL_COLUMNS: (
    credential_skills::credential_id,
    credential_skills::skill_id,
    credential_skills::level,
) = (
    credential_skills::credential_id,
    credential_skills::skill_id,
    credential_skills::level,
);

/// What the search index reads of a credential (MATCHING.md "Levels and evidence"):
/// whether it has expired is judged by the database at the reader's `now`, so no
/// timestamp is decoded (at 1M learners that decoding was a visible share of the build).
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialEvidence {
    /// Id.
    pub id: i64,
    /// Holder.
    pub learner_id: i64,
    /// Title (searchable text unless revoked).
    pub title: String,
    /// Recorded verification state.
    pub status: CredentialStatus,
    /// `expires_at <= now` at the reading's `now`.
    pub expired: bool,
}

/// The credentials of the learners of `set` as evidence, by learner then id, with expiry
/// judged at `now` (see [`CredentialEvidence`]).
pub async fn evidence(
    conn: &mut DbConn<'_>,
    set: LearnerSet<'_>,
    now: chrono::NaiveDateTime,
) -> DbResult<Vec<CredentialEvidence>> {
    macro_rules! read {
        ($filter:expr) => {
            crate::load_rows!(
                conn,
                credentials::table
                    .filter($filter)
                    .order((credentials::learner_id.asc(), credentials::id.asc()))
                    .select((
                        credentials::id,
                        credentials::learner_id,
                        credentials::title,
                        credentials::status,
                        credentials::expires_at.le(now),
                    ))
            )
        };
    }
    let rows: Vec<(i64, i64, String, String, Option<bool>)> = match set {
        LearnerSet::Ids(ids) => read!(credentials::learner_id.eq_any(ids.to_vec())),
        LearnerSet::Range(lo, hi) => read!(credentials::learner_id.between(lo, hi)),
    }?;
    rows.into_iter()
        .map(|(id, learner_id, title, status, expired)| {
            Ok(CredentialEvidence {
                id,
                learner_id,
                title,
                status: parse_stored(&status)?,
                expired: expired == Some(true),
            })
        })
        .collect()
}

/// The skills of the credentials of the learners of `set`, as (credential id, skill id,
/// level), by learner, credential, then skill: read from credential_skills_learner_idx
/// alone (migration 4), with no join and no lookup per credential.
pub async fn evidence_skills(
    conn: &mut DbConn<'_>,
    set: LearnerSet<'_>,
) -> DbResult<Vec<(i64, i64, i32)>> {
    macro_rules! read {
        ($filter:expr) => {
            crate::load_rows!(
                conn,
                credential_skills::table
                    .filter($filter)
                    .order((
                        credential_skills::learner_id.asc(),
                        credential_skills::credential_id.asc(),
                        credential_skills::skill_id.asc()
                    ))
                    .select(SKILL_COLUMNS)
            )
        };
    }
    Ok(match set {
        LearnerSet::Ids(ids) => read!(credential_skills::learner_id.eq_any(ids.to_vec())),
        LearnerSet::Range(lo, hi) => read!(credential_skills::learner_id.between(lo, hi)),
    }?)
}

/// A page of one learner's credentials, in id order.
pub async fn page_of_learner(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    page: &PageRequest,
) -> DbResult<Page<Credential>> {
    let total: i64 = with_conn!(conn, |c| credentials::table
        .filter(credentials::learner_id.eq(learner_id))
        .count()
        .get_result(c)
        .await)?;
    let rows: Vec<Row> = with_conn!(conn, |c| credentials::table
        .filter(credentials::learner_id.eq(learner_id))
        .filter(credentials::id.gt(page.after_id()))
        .order(credentials::id.asc())
        .limit(page.limit())
        .select(Row::as_select())
        .load(c)
        .await)?;
    let items = rows
        .into_iter()
        .map(to_model)
        .collect::<DbResult<Vec<_>>>()?;
    Ok(Page::from_fetched(items, page, total))
}

/// Skills evidenced by these credentials as (credential id, skill id, level).
pub async fn skills_of(
    conn: &mut DbConn<'_>,
    credential_ids: &[i64],
) -> DbResult<Vec<(i64, i64, i32)>> {
    Ok(with_conn!(conn, |c| credential_skills::table
        .filter(credential_skills::credential_id.eq_any(credential_ids))
        .order((
            credential_skills::credential_id.asc(),
            credential_skills::skill_id.asc()
        ))
        .select(SKILL_COLUMNS)
        .load(c)
        .await)?)
}

/// Which institution's learners each learner is: (learner id, provider id) for every
/// credential issued from a provider's microcredential that is not revoked, distinct,
/// ordered by learner then provider.
pub async fn issuers_of_learners(conn: &mut DbConn<'_>) -> DbResult<Vec<(i64, i64)>> {
    use crate::db::schema::microcredentials;
    Ok(with_conn!(conn, |c| credentials::table
        .inner_join(microcredentials::table)
        .filter(credentials::status.ne(CredentialStatus::Revoked.as_str()))
        .select((credentials::learner_id, microcredentials::provider_id))
        .distinct()
        .order((
            credentials::learner_id.asc(),
            microcredentials::provider_id.asc()
        ))
        .load(c)
        .await)?)
}
