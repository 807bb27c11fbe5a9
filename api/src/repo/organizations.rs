//! Organizations: employers and institutions.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{OrganizationKind, parse_stored};
use crate::db::schema::organizations;
use crate::db::{DbConn, DbError, DbResult};
use crate::with_conn;

/// An employer or an institution.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// Id.
    pub id: i64,
    /// Stable short name, unique.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Employer or institution.
    pub kind: OrganizationKind,
    /// Headquarters, free text.
    pub location: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = organizations)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct Row {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    location: Option<String>,
}

fn to_model(r: Row) -> DbResult<Organization> {
    Ok(Organization {
        id: r.id,
        slug: r.slug,
        name: r.name,
        kind: parse_stored(&r.kind)?,
        location: r.location,
    })
}

/// A new organization.
#[derive(Debug, Clone)]
pub struct NewOrganization<'a> {
    /// Unique slug.
    pub slug: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Kind.
    pub kind: OrganizationKind,
    /// Location.
    pub location: Option<&'a str>,
}

/// Inserts an organization; a taken slug is a [`DbError::Conflict`].
pub async fn create(conn: &mut DbConn<'_>, new: &NewOrganization<'_>) -> DbResult<Organization> {
    let values = (
        organizations::slug.eq(new.slug),
        organizations::name.eq(new.name),
        organizations::kind.eq(new.kind.as_str()),
        organizations::location.eq(new.location),
        organizations::created_at.eq(super::now()),
    );
    let row: Row = with_conn!(conn, |c| diesel::insert_into(organizations::table)
        .values(values)
        .returning(Row::as_returning())
        .get_result(c)
        .await)
    .map_err(|e| DbError::classify(e, "organization"))?;
    to_model(row)
}

/// The organization with this slug, if any.
pub async fn find_by_slug(conn: &mut DbConn<'_>, slug: &str) -> DbResult<Option<Organization>> {
    let row: Option<Row> = with_conn!(conn, |c| organizations::table
        .filter(organizations::slug.eq(slug))
        .select(Row::as_select())
        .first(c)
        .await
        .optional())?;
    row.map(to_model).transpose()
}

/// The organizations with these ids (missing ids are left out), in id order.
pub async fn get_many(conn: &mut DbConn<'_>, ids: &[i64]) -> DbResult<Vec<Organization>> {
    let rows: Vec<Row> = with_conn!(conn, |c| organizations::table
        .filter(organizations::id.eq_any(ids))
        .order(organizations::id.asc())
        .select(Row::as_select())
        .load(c)
        .await)?;
    rows.into_iter().map(to_model).collect()
}

/// Every organization of a kind (or all), in id order.
pub async fn list(
    conn: &mut DbConn<'_>,
    kind: Option<OrganizationKind>,
) -> DbResult<Vec<Organization>> {
    let rows: Vec<Row> = with_conn!(conn, |c| {
        let mut q = organizations::table
            .select(Row::as_select())
            .order(organizations::id.asc())
            .into_boxed();
        if let Some(k) = kind {
            q = q.filter(organizations::kind.eq(k.as_str()));
        }
        q.load(c).await
    })?;
    rows.into_iter().map(to_model).collect()
}
