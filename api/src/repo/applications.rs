//! Applications: a learner applies to a job; the employer moves it through states.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{ApplicationStatus, now, parse_stored};
use crate::db::schema::applications;
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// An application.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// Id.
    pub id: i64,
    /// Applicant.
    pub learner_id: i64,
    /// Job.
    pub job_id: i64,
    /// State.
    pub status: ApplicationStatus,
    /// Created.
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = applications)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    learner_id: i64,
    job_id: i64,
    status: String,
    created_at: chrono::NaiveDateTime,
}

fn to_model(r: Row) -> DbResult<Application> {
    Ok(Application {
        id: r.id,
        learner_id: r.learner_id,
        job_id: r.job_id,
        status: parse_stored(&r.status)?,
        created_at: r.created_at,
    })
}

/// Applies to a job; applying twice is a [`DbError::Conflict`].
pub async fn apply(conn: &mut DbConn<'_>, learner_id: i64, job_id: i64) -> DbResult<Application> {
    let t = now();
    let values = (
        applications::learner_id.eq(learner_id),
        applications::job_id.eq(job_id),
        applications::status.eq(ApplicationStatus::Applied.as_str()),
        applications::created_at.eq(t),
        applications::updated_at.eq(t),
    );
    let row: Row = with_conn!(conn, |c| diesel::insert_into(applications::table)
        .values(values)
        .returning(Row::as_returning())
        .get_result(c)
        .await)
    .map_err(|e| DbError::classify(e, "application"))?;
    to_model(row)
}

/// Moves an application to a new state.
pub async fn set_status(
    conn: &mut DbConn<'_>,
    id: i64,
    status: ApplicationStatus,
) -> DbResult<Application> {
    let row: Row = with_conn!(conn, |c| diesel::update(applications::table.find(id))
        .set((
            applications::status.eq(status.as_str()),
            applications::updated_at.eq(now())
        ))
        .returning(Row::as_returning())
        .get_result(c)
        .await)
    .map_err(|e| DbError::classify(e, "application"))?;
    to_model(row)
}

/// A learner's applications, newest first.
pub async fn of_learner(conn: &mut DbConn<'_>, learner_id: i64) -> DbResult<Vec<Application>> {
    let rows: Vec<Row> = with_conn!(conn, |c| applications::table
        .filter(applications::learner_id.eq(learner_id))
        .order(applications::id.desc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}

/// A job's applications, oldest first.
pub async fn of_job(conn: &mut DbConn<'_>, job_id: i64) -> DbResult<Vec<Application>> {
    let rows: Vec<Row> = with_conn!(conn, |c| applications::table
        .filter(applications::job_id.eq(job_id))
        .order(applications::id.asc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}
