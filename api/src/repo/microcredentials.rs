//! Microcredentials an institution publishes: skills taught (with levels) and
//! prerequisites. Every change writes a MICROCREDENTIAL outbox row.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{
    EntityKind, Operation, Page, PageRequest, check_level, contains_pattern, lower, now, outbox,
};
use crate::db::schema::{microcredential_prerequisites, microcredential_skills, microcredentials};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A microcredential.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = microcredentials)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Microcredential {
    /// Id.
    pub id: i64,
    /// Stable slug (seeded catalogue) or none.
    pub slug: Option<String>,
    /// The institution that publishes it.
    pub provider_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Study hours, > 0.
    pub hours: f64,
    /// Price in the currency's minor unit, >= 0.
    pub cost_cents: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Offered now.
    pub active: bool,
}

/// A microcredential to create (or the new state of one).
#[derive(Debug, Clone, PartialEq)]
pub struct NewMicrocredential {
    /// Stable slug, optional.
    pub slug: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Hours.
    pub hours: f64,
    /// Cost.
    pub cost_cents: i64,
    /// Currency.
    pub currency: String,
    /// Skills taught as (skill id, level).
    pub skills: Vec<(i64, i32)>,
    /// Prerequisites as (skill id, level).
    pub prerequisites: Vec<(i64, i32)>,
}

fn check(new: &NewMicrocredential) -> DbResult<()> {
    if !(new.hours.is_finite() && new.hours > 0.0) {
        return Err(DbError::Invalid(format!("hours {} must be > 0", new.hours)));
    }
    if new.cost_cents < 0 {
        return Err(DbError::Invalid(format!(
            "cost {} must be >= 0",
            new.cost_cents
        )));
    }
    if new.currency.len() != 3 || !new.currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DbError::Invalid(format!(
            "currency {:?} is not an ISO 4217 code",
            new.currency
        )));
    }
    if new.skills.is_empty() {
        return Err(DbError::Invalid(
            "a microcredential teaches at least one skill".into(),
        ));
    }
    for list in [&new.skills, &new.prerequisites] {
        let mut seen = std::collections::HashSet::new();
        for (skill, level) in list {
            check_level(*level)?;
            if !seen.insert(*skill) {
                return Err(DbError::Invalid(format!("skill {skill} is listed twice")));
            }
        }
    }
    Ok(())
}

async fn write_skills(conn: &mut DbConn<'_>, id: i64, new: &NewMicrocredential) -> DbResult<()> {
    with_conn!(conn, |c| diesel::delete(
        microcredential_skills::table.filter(microcredential_skills::microcredential_id.eq(id))
    )
    .execute(c)
    .await)?;
    with_conn!(conn, |c| diesel::delete(
        microcredential_prerequisites::table
            .filter(microcredential_prerequisites::microcredential_id.eq(id))
    )
    .execute(c)
    .await)?;
    for (skill_id, level) in &new.skills {
        let v = (
            microcredential_skills::microcredential_id.eq(id),
            microcredential_skills::skill_id.eq(*skill_id),
            microcredential_skills::level.eq(*level),
        );
        with_conn!(conn, |c| diesel::insert_into(microcredential_skills::table)
            .values(v)
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "microcredential skill"))?;
    }
    for (skill_id, level) in &new.prerequisites {
        let v = (
            microcredential_prerequisites::microcredential_id.eq(id),
            microcredential_prerequisites::skill_id.eq(*skill_id),
            microcredential_prerequisites::level.eq(*level),
        );
        with_conn!(conn, |c| diesel::insert_into(
            microcredential_prerequisites::table
        )
        .values(v)
        .execute(c)
        .await)
        .map_err(|e| DbError::classify(e, "microcredential prerequisite"))?;
    }
    Ok(())
}

/// Publishes a microcredential of `provider_id`.
pub async fn create(
    conn: &mut DbConn<'_>,
    provider_id: i64,
    new: &NewMicrocredential,
) -> DbResult<Microcredential> {
    check(new)?;
    let id = crate::transaction!(conn, |tx| {
        let t = now();
        let values = (
            microcredentials::slug.eq(&new.slug),
            microcredentials::provider_id.eq(provider_id),
            microcredentials::title.eq(&new.title),
            microcredentials::description.eq(&new.description),
            microcredentials::hours.eq(new.hours),
            microcredentials::cost_cents.eq(new.cost_cents),
            microcredentials::currency.eq(&new.currency),
            microcredentials::active.eq(true),
            microcredentials::created_at.eq(t),
            microcredentials::updated_at.eq(t),
        );
        let id: i64 = with_conn!(tx, |c| diesel::insert_into(microcredentials::table)
            .values(values)
            .returning(microcredentials::id)
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "microcredential"))?;
        write_skills(tx, id, new).await?;
        outbox::record(tx, EntityKind::Microcredential, id, Operation::Upsert).await?;
        Ok(id)
    })?;
    get(conn, id).await
}

/// Replaces a microcredential's content (provider unchanged).
pub async fn update(
    conn: &mut DbConn<'_>,
    id: i64,
    new: &NewMicrocredential,
) -> DbResult<Microcredential> {
    check(new)?;
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::update(microcredentials::table.find(id))
            .set((
                microcredentials::title.eq(&new.title),
                microcredentials::description.eq(&new.description),
                microcredentials::hours.eq(new.hours),
                microcredentials::cost_cents.eq(new.cost_cents),
                microcredentials::currency.eq(&new.currency),
                microcredentials::updated_at.eq(now()),
            ))
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "microcredential"))?;
        if n == 0 {
            return Err(DbError::NotFound("microcredential"));
        }
        write_skills(tx, id, new).await?;
        outbox::record(tx, EntityKind::Microcredential, id, Operation::Upsert).await?;
        Ok(())
    })?;
    get(conn, id).await
}

/// Offers or withdraws a microcredential.
pub async fn set_active(conn: &mut DbConn<'_>, id: i64, active: bool) -> DbResult<Microcredential> {
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::update(microcredentials::table.find(id))
            .set((
                microcredentials::active.eq(active),
                microcredentials::updated_at.eq(now())
            ))
            .execute(c)
            .await)?;
        if n == 0 {
            return Err(DbError::NotFound("microcredential"));
        }
        outbox::record(tx, EntityKind::Microcredential, id, Operation::Upsert).await?;
        Ok(())
    })?;
    get(conn, id).await
}

/// One microcredential.
pub async fn get(conn: &mut DbConn<'_>, id: i64) -> DbResult<Microcredential> {
    get_many(conn, &[id])
        .await?
        .pop()
        .ok_or(DbError::NotFound("microcredential"))
}

/// The microcredentials with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Microcredential>> {
    Ok(with_conn!(conn, |c| microcredentials::table
        .filter(microcredentials::id.eq_any(ids))
        .order(microcredentials::id.asc())
        .select(Microcredential::as_select())
        .load(c)
        .await)?)
}

/// The microcredential with this slug, if any.
pub async fn find_by_slug(conn: &mut DbConn<'_>, slug: &str) -> DbResult<Option<Microcredential>> {
    Ok(with_conn!(conn, |c| microcredentials::table
        .filter(microcredentials::slug.eq(slug))
        .select(Microcredential::as_select())
        .first(c)
        .await
        .optional())?)
}

/// Skills taught by these microcredentials as (microcredential id, skill id, level).
pub async fn skills_of(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<(i64, i64, i32)>> {
    Ok(with_conn!(conn, |c| microcredential_skills::table
        .filter(microcredential_skills::microcredential_id.eq_any(ids))
        .order((
            microcredential_skills::microcredential_id.asc(),
            microcredential_skills::skill_id.asc()
        ))
        .select((
            microcredential_skills::microcredential_id,
            microcredential_skills::skill_id,
            microcredential_skills::level,
        ))
        .load(c)
        .await)?)
}

/// Prerequisites of these microcredentials as (microcredential id, skill id, level).
pub async fn prerequisites_of(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<Vec<(i64, i64, i32)>> {
    Ok(with_conn!(conn, |c| microcredential_prerequisites::table
        .filter(microcredential_prerequisites::microcredential_id.eq_any(ids))
        .order((
            microcredential_prerequisites::microcredential_id.asc(),
            microcredential_prerequisites::skill_id.asc(),
        ))
        .select((
            microcredential_prerequisites::microcredential_id,
            microcredential_prerequisites::skill_id,
            microcredential_prerequisites::level,
        ))
        .load(c)
        .await)?)
}

/// A page of active microcredentials whose title contains `query` and that teach any
/// of `skill_ids` (when given), in id order.
pub async fn search(
    conn: &mut DbConn<'_>,
    query: Option<&str>,
    skill_ids: Option<&[i64]>,
    page: &PageRequest,
) -> DbResult<Page<Microcredential>> {
    let pattern = query.map(contains_pattern);
    macro_rules! filtered {
        () => {{
            let mut q = microcredentials::table
                .filter(microcredentials::active.eq(true))
                .into_boxed();
            if let Some(p) = &pattern {
                q = q.filter(lower(microcredentials::title).like(p.clone()).escape('\\'));
            }
            if let Some(ids) = skill_ids {
                q = q.filter(
                    microcredentials::id.eq_any(
                        microcredential_skills::table
                            .filter(microcredential_skills::skill_id.eq_any(ids.to_vec()))
                            .select(microcredential_skills::microcredential_id),
                    ),
                );
            }
            q
        }};
    }
    let total: i64 = with_conn!(conn, |c| filtered!().count().get_result(c).await)?;
    let items: Vec<Microcredential> = with_conn!(conn, |c| filtered!()
        .filter(microcredentials::id.gt(page.after_id()))
        .order(microcredentials::id.asc())
        .limit(page.limit())
        .select(Microcredential::as_select())
        .load(c)
        .await)?;
    Ok(Page::from_fetched(items, page, total))
}

/// Up to `limit` microcredential ids after `after`, ascending (index rebuilds).
pub async fn ids_after(conn: &mut DbConn<'_>, after: i64, limit: i64) -> DbResult<Vec<i64>> {
    Ok(with_conn!(conn, |c| microcredentials::table
        .filter(microcredentials::id.gt(after))
        .order(microcredentials::id.asc())
        .limit(limit)
        .select(microcredentials::id)
        .load(c)
        .await)?)
}

/// (slug, id) of every microcredential that has a slug.
pub async fn slugs(conn: &mut DbConn<'_>) -> DbResult<Vec<(String, i64)>> {
    let rows: Vec<(Option<String>, i64)> = with_conn!(conn, |c| microcredentials::table
        .filter(microcredentials::slug.is_not_null())
        .select((microcredentials::slug, microcredentials::id))
        .load(c)
        .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(s, id)| s.map(|s| (s, id)))
        .collect())
}
