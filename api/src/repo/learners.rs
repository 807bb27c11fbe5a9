//! Learners: profiles, visibility, aspirations and self-asserted skills.
//! Every change writes a LEARNER outbox row in its transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::outbox;
use super::{
    EntityKind, LearnerSet, Operation, RemotePreference, Visibility, check_level, now, parse_stored,
};
use crate::db::id_list::id_in;
use crate::db::schema::{learner_aspirations, learner_skills, learners};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A learner's profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Learner {
    /// Id.
    pub id: i64,
    /// The user this profile belongs to.
    pub user_id: i64,
    /// Name shown to others.
    pub display_name: String,
    /// One-line summary.
    pub headline: Option<String>,
    /// Longer free text.
    pub bio: Option<String>,
    /// Where they are.
    pub location: Option<String>,
    /// Where they want to work.
    pub remote_preference: RemotePreference,
    /// Who may see them; PRIVATE by default.
    pub visibility: Visibility,
    /// Created.
    pub created_at: chrono::NaiveDateTime,
    /// Last changed.
    pub updated_at: chrono::NaiveDateTime,
    /// Consented to hear from institutions (off by default). Only ever counted in
    /// aggregate (a segment's reach); never shown to anyone but the learner and admins.
    pub contact_opt_in: bool,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = learners)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    user_id: i64,
    display_name: String,
    headline: Option<String>,
    bio: Option<String>,
    location: Option<String>,
    remote_preference: String,
    visibility: String,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    contact_opt_in: bool,
}

fn to_model(r: Row) -> DbResult<Learner> {
    Ok(Learner {
        id: r.id,
        user_id: r.user_id,
        display_name: r.display_name,
        headline: r.headline,
        bio: r.bio,
        location: r.location,
        remote_preference: parse_stored(&r.remote_preference)?,
        visibility: parse_stored(&r.visibility)?,
        created_at: r.created_at,
        updated_at: r.updated_at,
        contact_opt_in: r.contact_opt_in,
    })
}

/// The editable part of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Name shown to others (1..200 characters).
    pub display_name: String,
    /// One-line summary.
    pub headline: Option<String>,
    /// Longer free text.
    pub bio: Option<String>,
    /// Where they are.
    pub location: Option<String>,
    /// Where they want to work.
    pub remote_preference: RemotePreference,
    /// Target occupations; `None` leaves them as they are, `Some` replaces them.
    pub aspiration_ids: Option<Vec<i64>>,
}

/// A self-asserted skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssertedSkill {
    /// The learner.
    pub learner_id: i64,
    /// The skill.
    pub skill_id: i64,
    /// Level claimed, 1..=5.
    pub level: i32,
}

async fn touch(conn: &mut DbConn<'_>, learner_id: i64) -> DbResult<()> {
    let n: usize = with_conn!(conn, |c| diesel::update(learners::table.find(learner_id))
        .set(learners::updated_at.eq(now()))
        .execute(c)
        .await)?;
    if n == 0 {
        return Err(DbError::NotFound("learner"));
    }
    outbox::record(conn, EntityKind::Learner, learner_id, Operation::Upsert).await?;
    Ok(())
}

/// Creates the user's learner profile, or updates it; visibility is untouched (PRIVATE
/// for a new profile). Writes the outbox row in the same transaction.
pub async fn upsert_profile(
    conn: &mut DbConn<'_>,
    user_id: i64,
    profile: &Profile,
) -> DbResult<Learner> {
    let id = crate::transaction!(conn, |tx| {
        let existing = find_by_user(tx, user_id).await?;
        let t = now();
        let id = match existing {
            Some(l) => {
                with_conn!(tx, |c| diesel::update(learners::table.find(l.id))
                    .set((
                        learners::display_name.eq(&profile.display_name),
                        learners::headline.eq(&profile.headline),
                        learners::bio.eq(&profile.bio),
                        learners::location.eq(&profile.location),
                        learners::remote_preference.eq(profile.remote_preference.as_str()),
                        learners::updated_at.eq(t),
                    ))
                    .execute(c)
                    .await)
                .map_err(|e| DbError::classify(e, "learner"))?;
                l.id
            }
            None => {
                let values = (
                    learners::user_id.eq(user_id),
                    learners::display_name.eq(&profile.display_name),
                    learners::headline.eq(&profile.headline),
                    learners::bio.eq(&profile.bio),
                    learners::location.eq(&profile.location),
                    learners::remote_preference.eq(profile.remote_preference.as_str()),
                    learners::visibility.eq(Visibility::Private.as_str()),
                    learners::created_at.eq(t),
                    learners::updated_at.eq(t),
                );
                with_conn!(tx, |c| diesel::insert_into(learners::table)
                    .values(values)
                    .returning(learners::id)
                    .get_result::<i64>(c)
                    .await)
                .map_err(|e| DbError::classify(e, "learner"))?
            }
        };
        if let Some(aspirations) = &profile.aspiration_ids {
            set_aspirations(tx, id, aspirations).await?;
        }
        outbox::record(tx, EntityKind::Learner, id, Operation::Upsert).await?;
        Ok(id)
    })?;
    get(conn, id).await
}

async fn set_aspirations(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    occupation_ids: &[i64],
) -> DbResult<()> {
    with_conn!(conn, |c| diesel::delete(
        learner_aspirations::table.filter(learner_aspirations::learner_id.eq(learner_id))
    )
    .execute(c)
    .await)?;
    let mut ids = occupation_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for occupation_id in ids {
        let v = (
            learner_aspirations::learner_id.eq(learner_id),
            learner_aspirations::occupation_id.eq(occupation_id),
        );
        with_conn!(conn, |c| diesel::insert_into(learner_aspirations::table)
            .values(v)
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "aspiration"))?;
    }
    Ok(())
}

/// Sets who may see the learner.
pub async fn set_visibility(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    visibility: Visibility,
) -> DbResult<Learner> {
    crate::transaction!(conn, |tx| {
        with_conn!(tx, |c| diesel::update(learners::table.find(learner_id))
            .set(learners::visibility.eq(visibility.as_str()))
            .execute(c)
            .await)?;
        touch(tx, learner_id).await
    })?;
    get(conn, learner_id).await
}

/// Sets whether the learner consents to hear from institutions.
pub async fn set_contact_opt_in(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    opt_in: bool,
) -> DbResult<Learner> {
    crate::transaction!(conn, |tx| {
        with_conn!(tx, |c| diesel::update(learners::table.find(learner_id))
            .set(learners::contact_opt_in.eq(opt_in))
            .execute(c)
            .await)?;
        touch(tx, learner_id).await
    })?;
    get(conn, learner_id).await
}

/// Consenting learners with ids in `lo..=hi` (ascending).
pub async fn opted_in_range(conn: &mut DbConn<'_>, lo: i64, hi: i64) -> DbResult<Vec<i64>> {
    Ok(crate::load_rows!(
        conn,
        learners::table
            .filter(learners::id.between(lo, hi))
            .filter(learners::contact_opt_in.eq(true))
            .order(learners::id.asc())
            .select(learners::id)
    )?)
}

/// Asserts a skill at a level (replacing an earlier assertion of the same skill).
pub async fn assert_skill(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    skill_id: i64,
    level: i32,
) -> DbResult<()> {
    check_level(level)?;
    crate::transaction!(conn, |tx| {
        let t = now();
        let v = (
            learner_skills::learner_id.eq(learner_id),
            learner_skills::skill_id.eq(skill_id),
            learner_skills::level.eq(level),
            learner_skills::updated_at.eq(t),
        );
        with_conn!(tx, |c| diesel::insert_into(learner_skills::table)
            .values(v)
            .on_conflict((learner_skills::learner_id, learner_skills::skill_id))
            .do_update()
            .set((
                learner_skills::level.eq(level),
                learner_skills::updated_at.eq(t)
            ))
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "learner skill"))?;
        touch(tx, learner_id).await
    })
}

/// Withdraws a self-asserted skill; false when there was none.
pub async fn retract_skill(
    conn: &mut DbConn<'_>,
    learner_id: i64,
    skill_id: i64,
) -> DbResult<bool> {
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::delete(
            learner_skills::table
                .filter(learner_skills::learner_id.eq(learner_id))
                .filter(learner_skills::skill_id.eq(skill_id))
        )
        .execute(c)
        .await)?;
        if n > 0 {
            touch(tx, learner_id).await?;
        }
        Ok(n > 0)
    })
}

/// Deletes a learner and everything under it (credentials, skills, aspirations,
/// applications), recording the deletion for the index. Returns false if absent.
pub async fn delete(conn: &mut DbConn<'_>, learner_id: i64) -> DbResult<bool> {
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::delete(learners::table.find(learner_id))
            .execute(c)
            .await)?;
        if n > 0 {
            outbox::record(tx, EntityKind::Learner, learner_id, Operation::Delete).await?;
        }
        Ok(n > 0)
    })
}

/// One learner.
pub async fn get(conn: &mut DbConn<'_>, id: i64) -> DbResult<Learner> {
    get_many(conn, &[id])
        .await?
        .pop()
        .ok_or(DbError::NotFound("learner"))
}

/// The learners with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Learner>> {
    let rows: Vec<Row> = crate::load_rows!(
        conn,
        learners::table
            .filter(id_in(learners::id, ids))
            .order(learners::id.asc())
            .select(Row::as_select())
    )?;
    rows.into_iter().map(to_model).collect()
}

/// What the search index reads of a profile: neither the name nor the timestamps (the
/// index does not hold them, and decoding them was a visible share of a 1M-learner
/// build).
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedProfile {
    /// Id.
    pub id: i64,
    /// One-line summary.
    pub headline: Option<String>,
    /// Longer free text.
    pub bio: Option<String>,
    /// Where they are.
    pub location: Option<String>,
    /// Where they want to work.
    pub remote_preference: RemotePreference,
    /// Who may see them.
    pub visibility: Visibility,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = learners)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct IndexedRow {
    id: i64,
    headline: Option<String>,
    bio: Option<String>,
    location: Option<String>,
    remote_preference: String,
    visibility: String,
}

/// The indexed part of the profiles of `set`, in id order. The bulk readers
/// ([`LearnerSet`]) are what the index is built from: a range scan for a snapshot, an id
/// list for an outbox batch.
pub async fn indexed_profiles(
    conn: &mut DbConn<'_>,
    set: LearnerSet<'_>,
) -> DbResult<Vec<IndexedProfile>> {
    macro_rules! read {
        ($filter:expr) => {
            crate::load_rows!(
                conn,
                learners::table
                    .filter($filter)
                    .order(learners::id.asc())
                    .select(IndexedRow::as_select())
            )
        };
    }
    let rows: Vec<IndexedRow> = match set {
        LearnerSet::Ids(ids) => read!(learners::id.eq_any(ids.to_vec())),
        LearnerSet::Range(lo, hi) => read!(learners::id.between(lo, hi)),
    }?;
    rows.into_iter()
        .map(|r| {
            Ok(IndexedProfile {
                id: r.id,
                headline: r.headline,
                bio: r.bio,
                location: r.location,
                remote_preference: parse_stored(&r.remote_preference)?,
                visibility: parse_stored(&r.visibility)?,
            })
        })
        .collect()
}

/// Self-asserted skills of the learners of `set`, by learner then skill.
pub async fn asserted_skills(
    conn: &mut DbConn<'_>,
    set: LearnerSet<'_>,
) -> DbResult<Vec<AssertedSkill>> {
    macro_rules! read {
        ($filter:expr) => {
            crate::load_rows!(
                conn,
                learner_skills::table
                    .filter($filter)
                    .order((
                        learner_skills::learner_id.asc(),
                        learner_skills::skill_id.asc()
                    ))
                    .select((
                        learner_skills::learner_id,
                        learner_skills::skill_id,
                        learner_skills::level
                    ))
            )
        };
    }
    let rows: Vec<(i64, i64, i32)> = match set {
        LearnerSet::Ids(ids) => read!(learner_skills::learner_id.eq_any(ids.to_vec())),
        LearnerSet::Range(lo, hi) => read!(learner_skills::learner_id.between(lo, hi)),
    }?;
    Ok(rows
        .into_iter()
        .map(|(learner_id, skill_id, level)| AssertedSkill {
            learner_id,
            skill_id,
            level,
        })
        .collect())
}

/// Aspirations of the learners with ids in `lo..=hi` as (learner id, occupation id).
pub async fn aspirations_in_range(
    conn: &mut DbConn<'_>,
    lo: i64,
    hi: i64,
) -> DbResult<Vec<(i64, i64)>> {
    Ok(crate::load_rows!(
        conn,
        learner_aspirations::table
            .filter(learner_aspirations::learner_id.between(lo, hi))
            .order((
                learner_aspirations::learner_id.asc(),
                learner_aspirations::occupation_id.asc()
            ))
            .select((
                learner_aspirations::learner_id,
                learner_aspirations::occupation_id
            ))
    )?)
}

/// The learner profile of a user, if any.
pub async fn find_by_user(conn: &mut DbConn<'_>, user_id: i64) -> DbResult<Option<Learner>> {
    let row: Option<Row> = with_conn!(conn, |c| learners::table
        .filter(learners::user_id.eq(user_id))
        .select(Row::as_select())
        .first(c)
        .await
        .optional())?;
    row.map(to_model).transpose()
}

/// Self-asserted skills of these learners, ordered by learner then skill.
pub async fn asserted_skills_of(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<Vec<AssertedSkill>> {
    asserted_skills(conn, LearnerSet::Ids(ids)).await
}

/// Aspirations (occupation ids) of these learners as (learner id, occupation id).
pub async fn aspirations_of(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<(i64, i64)>> {
    Ok(with_conn!(conn, |c| learner_aspirations::table
        .filter(learner_aspirations::learner_id.eq_any(ids))
        .order((
            learner_aspirations::learner_id.asc(),
            learner_aspirations::occupation_id.asc()
        ))
        .select((
            learner_aspirations::learner_id,
            learner_aspirations::occupation_id
        ))
        .load(c)
        .await)?)
}

/// Up to `limit` learner ids after `after`, ascending (for rebuilding the index).
pub async fn ids_after(conn: &mut DbConn<'_>, after: i64, limit: i64) -> DbResult<Vec<i64>> {
    Ok(with_conn!(conn, |c| learners::table
        .filter(learners::id.gt(after))
        .order(learners::id.asc())
        .limit(limit)
        .select(learners::id)
        .load(c)
        .await)?)
}

/// The smallest and the largest learner id; None without learners.
pub async fn id_bounds(conn: &mut DbConn<'_>) -> DbResult<Option<(i64, i64)>> {
    use diesel::dsl::{max, min};
    let (lo, hi): (Option<i64>, Option<i64>) = with_conn!(conn, |c| learners::table
        .select((min(learners::id), max(learners::id)))
        .first(c)
        .await)?;
    Ok(lo.zip(hi))
}

/// Number of learner profiles.
pub async fn count(conn: &mut DbConn<'_>) -> DbResult<i64> {
    Ok(with_conn!(conn, |c| learners::table
        .count()
        .get_result(c)
        .await)?)
}
