//! Jobs an employer posts, with their skill requirements. Every change writes a JOB
//! outbox row in the same transaction.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::occupations::{Requirement, RequirementRow, check_requirements, owned_requirements};
use super::{
    EntityKind, JobStatus, Operation, Page, PageRequest, contains_pattern, lower, now, outbox,
    parse_stored,
};
use crate::db::id_list::id_in;
use crate::db::schema::{job_requirements, jobs};
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A job posting.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// The employer.
    pub employer_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Location, free text.
    pub location: Option<String>,
    /// Remote allowed.
    pub remote: bool,
    /// Open or closed.
    pub status: JobStatus,
    /// Posted.
    pub posted_at: chrono::NaiveDateTime,
    /// Last changed.
    pub updated_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = jobs)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    employer_id: i64,
    title: String,
    description: String,
    location: Option<String>,
    remote: bool,
    status: String,
    posted_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
}

fn to_model(r: Row) -> DbResult<Job> {
    Ok(Job {
        id: r.id,
        employer_id: r.employer_id,
        title: r.title,
        description: r.description,
        location: r.location,
        remote: r.remote,
        status: parse_stored(&r.status)?,
        posted_at: r.posted_at,
        updated_at: r.updated_at,
    })
}

/// The content of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Location.
    pub location: Option<String>,
    /// Remote allowed.
    pub remote: bool,
    /// Requirements.
    pub requirements: Vec<Requirement>,
    /// When posted; now if None (seeds backdate postings).
    pub posted_at: Option<chrono::NaiveDateTime>,
}

async fn write_requirements(
    conn: &mut DbConn<'_>,
    job_id: i64,
    reqs: &[Requirement],
) -> DbResult<()> {
    with_conn!(conn, |c| diesel::delete(
        job_requirements::table.filter(job_requirements::job_id.eq(job_id))
    )
    .execute(c)
    .await)?;
    for r in reqs {
        let v = (
            job_requirements::job_id.eq(job_id),
            job_requirements::skill_id.eq(r.skill_id),
            job_requirements::min_level.eq(r.min_level),
            job_requirements::weight.eq(r.weight),
            job_requirements::required.eq(r.required),
        );
        with_conn!(conn, |c| diesel::insert_into(job_requirements::table)
            .values(v)
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "job requirement"))?;
    }
    Ok(())
}

/// Posts a job for `employer_id` (OPEN).
pub async fn create(conn: &mut DbConn<'_>, employer_id: i64, new: &NewJob) -> DbResult<Job> {
    check_requirements(&new.requirements)?;
    let id = crate::transaction!(conn, |tx| {
        let t = now();
        let values = (
            jobs::employer_id.eq(employer_id),
            jobs::title.eq(&new.title),
            jobs::description.eq(&new.description),
            jobs::location.eq(&new.location),
            jobs::remote.eq(new.remote),
            jobs::status.eq(JobStatus::Open.as_str()),
            jobs::posted_at.eq(new.posted_at.unwrap_or(t)),
            jobs::updated_at.eq(t),
        );
        let id: i64 = with_conn!(tx, |c| diesel::insert_into(jobs::table)
            .values(values)
            .returning(jobs::id)
            .get_result(c)
            .await)
        .map_err(|e| DbError::classify(e, "job"))?;
        write_requirements(tx, id, &new.requirements).await?;
        outbox::record(tx, EntityKind::Job, id, Operation::Upsert).await?;
        Ok(id)
    })?;
    get(conn, id).await
}

/// Replaces a job's content (employer and status unchanged).
pub async fn update(conn: &mut DbConn<'_>, id: i64, new: &NewJob) -> DbResult<Job> {
    check_requirements(&new.requirements)?;
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::update(jobs::table.find(id))
            .set((
                jobs::title.eq(&new.title),
                jobs::description.eq(&new.description),
                jobs::location.eq(&new.location),
                jobs::remote.eq(new.remote),
                jobs::updated_at.eq(now()),
            ))
            .execute(c)
            .await)
        .map_err(|e| DbError::classify(e, "job"))?;
        if n == 0 {
            return Err(DbError::NotFound("job"));
        }
        write_requirements(tx, id, &new.requirements).await?;
        outbox::record(tx, EntityKind::Job, id, Operation::Upsert).await?;
        Ok(())
    })?;
    get(conn, id).await
}

/// Opens or closes a job.
pub async fn set_status(conn: &mut DbConn<'_>, id: i64, status: JobStatus) -> DbResult<Job> {
    crate::transaction!(conn, |tx| {
        let n: usize = with_conn!(tx, |c| diesel::update(jobs::table.find(id))
            .set((jobs::status.eq(status.as_str()), jobs::updated_at.eq(now())))
            .execute(c)
            .await)?;
        if n == 0 {
            return Err(DbError::NotFound("job"));
        }
        outbox::record(tx, EntityKind::Job, id, Operation::Upsert).await?;
        Ok(())
    })?;
    get(conn, id).await
}

/// One job.
pub async fn get(conn: &mut DbConn<'_>, id: i64) -> DbResult<Job> {
    get_many(conn, &[id])
        .await?
        .pop()
        .ok_or(DbError::NotFound("job"))
}

/// The jobs with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Job>> {
    let rows: Vec<Row> = crate::load_rows!(
        conn,
        jobs::table
            .filter(id_in(jobs::id, ids))
            .order(jobs::id.asc())
            .select(Row::as_select())
    )?;
    rows.into_iter().map(to_model).collect()
}

/// Requirements of these jobs as (job id, requirement), by job then skill.
pub async fn requirements_of(
    conn: &mut DbConn<'_>,
    ids: &[i64],
) -> DbResult<Vec<(i64, Requirement)>> {
    let rows: Vec<RequirementRow> = crate::load_rows!(
        conn,
        job_requirements::table
            .filter(id_in(job_requirements::job_id, ids))
            .order((
                job_requirements::job_id.asc(),
                job_requirements::skill_id.asc()
            ))
            .select((
                job_requirements::job_id,
                job_requirements::skill_id,
                job_requirements::min_level,
                job_requirements::weight,
                job_requirements::required,
            ))
    )?;
    Ok(owned_requirements(rows))
}

/// Filters for listing jobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobListFilter {
    /// Title contains this (case-insensitive).
    pub query: Option<String>,
    /// Location contains this (case-insensitive).
    pub location: Option<String>,
    /// Remote or not.
    pub remote: Option<bool>,
    /// Posted by this employer.
    pub employer_id: Option<i64>,
    /// In this state (None: any).
    pub status: Option<JobStatus>,
}

/// A page of jobs matching the filter, in id order.
pub async fn search(
    conn: &mut DbConn<'_>,
    filter: &JobListFilter,
    page: &PageRequest,
) -> DbResult<Page<Job>> {
    let title = filter.query.as_deref().map(contains_pattern);
    let location = filter.location.as_deref().map(contains_pattern);
    macro_rules! filtered {
        () => {{
            let mut q = jobs::table.into_boxed();
            if let Some(p) = &title {
                q = q.filter(lower(jobs::title).like(p.clone()).escape('\\'));
            }
            if let Some(p) = &location {
                q = q.filter(
                    lower(jobs::location.assume_not_null())
                        .like(p.clone())
                        .escape('\\'),
                );
            }
            if let Some(r) = filter.remote {
                q = q.filter(jobs::remote.eq(r));
            }
            if let Some(e) = filter.employer_id {
                q = q.filter(jobs::employer_id.eq(e));
            }
            if let Some(s) = filter.status {
                q = q.filter(jobs::status.eq(s.as_str()));
            }
            q
        }};
    }
    let total: i64 = with_conn!(conn, |c| filtered!().count().get_result(c).await)?;
    let rows: Vec<Row> = with_conn!(conn, |c| filtered!()
        .filter(jobs::id.gt(page.after_id()))
        .order(jobs::id.asc())
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

/// Up to `limit` job ids after `after`, ascending (index rebuilds).
pub async fn ids_after(conn: &mut DbConn<'_>, after: i64, limit: i64) -> DbResult<Vec<i64>> {
    Ok(with_conn!(conn, |c| jobs::table
        .filter(jobs::id.gt(after))
        .order(jobs::id.asc())
        .limit(limit)
        .select(jobs::id)
        .load(c)
        .await)?)
}

/// Whether the employer has a job with this title posted at this instant (seeding
/// uses it to stay idempotent).
pub async fn exists(
    conn: &mut DbConn<'_>,
    employer_id: i64,
    title: &str,
    posted_at: chrono::NaiveDateTime,
) -> DbResult<bool> {
    let n: i64 = with_conn!(conn, |c| jobs::table
        .filter(jobs::employer_id.eq(employer_id))
        .filter(jobs::title.eq(title))
        .filter(jobs::posted_at.eq(posted_at))
        .count()
        .get_result(c)
        .await)?;
    Ok(n > 0)
}
