//! Occupations and their skill requirements.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Page, PageRequest, check_level, contains_pattern, lower};
use crate::db::schema::{occupation_requirements, occupations};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// An occupation (a target role a learner may aspire to).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = occupations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Occupation {
    /// Id.
    pub id: i64,
    /// Stable unique slug.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
}

/// A skill requirement of an occupation or a job.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// The skill.
    pub skill_id: i64,
    /// Minimum level, 1..=5.
    pub min_level: i32,
    /// Weight, in (0, 100].
    pub weight: f64,
    /// Must-have.
    pub required: bool,
}

/// A requirement row as selected from `occupation_requirements` or `job_requirements`:
/// (owner id, skill id, min level, weight, required).
pub type RequirementRow = (i64, i64, i32, f64, bool);

/// Requirement rows as (owner id, requirement) pairs.
pub fn owned_requirements(rows: Vec<RequirementRow>) -> Vec<(i64, Requirement)> {
    rows.into_iter()
        .map(|(owner, skill_id, min_level, weight, required)| {
            (
                owner,
                Requirement {
                    skill_id,
                    min_level,
                    weight,
                    required,
                },
            )
        })
        .collect()
}

/// Validates a requirement list: levels 1..5, weights in (0, 100], no skill twice.
pub fn check_requirements(reqs: &[Requirement]) -> DbResult<()> {
    let mut seen = std::collections::HashSet::new();
    for r in reqs {
        check_level(r.min_level)?;
        if !(r.weight > 0.0 && r.weight <= 100.0) {
            return Err(DbError::Invalid(format!(
                "weight {} is outside (0, 100]",
                r.weight
            )));
        }
        if !seen.insert(r.skill_id) {
            return Err(DbError::Invalid(format!(
                "skill {} is required twice",
                r.skill_id
            )));
        }
    }
    Ok(())
}

/// Inserts an occupation with its requirements.
pub async fn create(
    conn: &mut DbConn<'_>,
    slug: &str,
    title: &str,
    description: &str,
    reqs: &[Requirement],
) -> DbResult<Occupation> {
    check_requirements(reqs)?;
    crate::transaction!(conn, |tx| {
        let values = (
            occupations::slug.eq(slug),
            occupations::title.eq(title),
            occupations::description.eq(description),
        );
        let occ: Occupation = with_conn!(tx, |c| diesel::insert_into(occupations::table)
            .values(values)
            .returning(Occupation::as_returning())
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "occupation"))?;
        for r in reqs {
            let v = (
                occupation_requirements::occupation_id.eq(occ.id),
                occupation_requirements::skill_id.eq(r.skill_id),
                occupation_requirements::min_level.eq(r.min_level),
                occupation_requirements::weight.eq(r.weight),
                occupation_requirements::required.eq(r.required),
            );
            with_conn!(tx, |c| diesel::insert_into(occupation_requirements::table)
                .values(v)
                .execute(c)
                .await)
            .map_err(|e| DbError::classify(e, "occupation requirement"))?;
        }
        Ok(occ)
    })
}

/// The occupations with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Occupation>> {
    Ok(with_conn!(conn, |c| occupations::table
        .filter(occupations::id.eq_any(ids))
        .order(occupations::id.asc())
        .select(Occupation::as_select())
        .load(c)
        .await)?)
}

/// The occupation with this slug, if any.
pub async fn find_by_slug(conn: &mut DbConn<'_>, slug: &str) -> DbResult<Option<Occupation>> {
    Ok(with_conn!(conn, |c| occupations::table
        .filter(occupations::slug.eq(slug))
        .select(Occupation::as_select())
        .first(c)
        .await
        .optional())?)
}

/// Requirements of these occupations as (occupation id, requirement), ordered by
/// occupation then skill.
pub async fn requirements_of(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<Vec<(i64, Requirement)>> {
    let rows: Vec<RequirementRow> = with_conn!(conn, |c| occupation_requirements::table
        .filter(occupation_requirements::occupation_id.eq_any(ids))
        .order((
            occupation_requirements::occupation_id.asc(),
            occupation_requirements::skill_id.asc()
        ))
        .select((
            occupation_requirements::occupation_id,
            occupation_requirements::skill_id,
            occupation_requirements::min_level,
            occupation_requirements::weight,
            occupation_requirements::required,
        ))
        .load(c)
        .await)?;
    Ok(owned_requirements(rows))
}

/// A page of occupations whose title contains `query` (case-insensitive), in id order.
pub async fn search(
    conn: &mut DbConn<'_>,
    query: Option<&str>,
    page: &PageRequest,
) -> DbResult<Page<Occupation>> {
    let pattern = query.map(contains_pattern);
    macro_rules! filtered {
        () => {{
            let mut q = occupations::table.into_boxed();
            if let Some(p) = &pattern {
                q = q.filter(lower(occupations::title).like(p.clone()).escape('\\'));
            }
            q
        }};
    }
    let total: i64 = with_conn!(conn, |c| filtered!().count().get_result(c).await)?;
    let items: Vec<Occupation> = with_conn!(conn, |c| filtered!()
        .filter(occupations::id.gt(page.after_id()))
        .order(occupations::id.asc())
        .limit(page.limit())
        .select(Occupation::as_select())
        .load(c)
        .await)?;
    Ok(Page::from_fetched(items, page, total))
}

/// Every occupation, in id order.
pub async fn all(conn: &mut DbConn<'_>) -> DbResult<Vec<Occupation>> {
    Ok(with_conn!(conn, |c| occupations::table
        .order(occupations::id.asc())
        .select(Occupation::as_select())
        .load(c)
        .await)?)
}
