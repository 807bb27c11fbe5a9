//! Users: one per identity-provider subject, provisioned on first sight of a valid token.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Role, parse_stored};
use crate::db::schema::users;
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// A user known to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: i64,
    /// The token's `sub`, unique.
    pub subject: String,
    /// Role.
    pub role: Role,
    /// For recruiters and institutions: their organization.
    pub organization_id: Option<i64>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    subject: String,
    role: String,
    organization_id: Option<i64>,
}

fn to_model(r: Row) -> DbResult<User> {
    Ok(User {
        id: r.id,
        subject: r.subject,
        role: parse_stored(&r.role)?,
        organization_id: r.organization_id,
    })
}

/// The user with this subject, if any.
pub async fn find_by_subject(conn: &mut DbConn<'_>, subject: &str) -> DbResult<Option<User>> {
    let row: Option<Row> = with_conn!(conn, |c| users::table
        .filter(users::subject.eq(subject))
        .select(Row::as_select())
        .first(c)
        .await
        .optional())?;
    row.map(to_model).transpose()
}

/// The users with these ids, in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<User>> {
    let rows: Vec<Row> = with_conn!(conn, |c| users::table
        .filter(users::id.eq_any(ids))
        .order(users::id.asc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}

/// Returns the user with `subject`, creating it with `role` and `organization_id` when
/// it does not exist. An existing user keeps its stored role and organization. Racing
/// first requests of one subject both end with the same row.
pub async fn provision(
    conn: &mut DbConn<'_>,
    subject: &str,
    role: Role,
    organization_id: Option<i64>,
) -> DbResult<User> {
    if let Some(u) = find_by_subject(conn, subject).await? {
        return Ok(u);
    }
    let values = (
        users::subject.eq(subject),
        users::role.eq(role.as_str()),
        users::organization_id.eq(organization_id),
        users::created_at.eq(super::now()),
    );
    let inserted: usize = with_conn!(conn, |c| diesel::insert_into(users::table)
        .values(values)
        .on_conflict(users::subject)
        .do_nothing()
        .execute(c)
        .await)
    .map_err(|e| DbError::classify(e, "user"))?;
    let _ = inserted;
    find_by_subject(conn, subject)
        .await?
        .ok_or(DbError::NotFound("user"))
}

/// Deletes a user and, through [`learners::delete`](super::learners::delete), their
/// learner profile and everything under it, with the learner's DELETE outbox row (so
/// the index document goes too), in one transaction.
pub async fn delete(conn: &mut DbConn<'_>, id: i64) -> DbResult<bool> {
    crate::transaction!(conn, |tx| {
        if let Some(l) = super::learners::find_by_user(tx, id).await? {
            super::learners::delete(tx, l.id).await?;
        }
        let n: usize = with_conn!(tx, |c| diesel::delete(users::table.find(id))
            .execute(c)
            .await)?;
        Ok(n > 0)
    })
}

/// Sets a user's role and organization (the newest valid token is authoritative).
pub async fn set_role_and_org(
    conn: &mut DbConn<'_>,
    id: i64,
    role: Role,
    organization_id: Option<i64>,
) -> DbResult<User> {
    let row: Row = with_conn!(conn, |c| diesel::update(users::table.find(id))
        .set((
            users::role.eq(role.as_str()),
            users::organization_id.eq(organization_id),
        ))
        .returning(Row::as_returning())
        .get_result(c)
        .await)
    .map_err(|e| DbError::classify(e, "user"))?;
    to_model(row)
}
