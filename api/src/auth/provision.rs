//! Users are provisioned on first sight of a valid token, and the newest valid token is
//! authoritative for their role and organization.

use super::verify::VerifiedClaims;
use crate::db::{DbConn, DbError};
use crate::repo::{self, OrganizationKind, Role, users::User};

/// Why a verified token could not be turned into a user.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// `org` names no organization, or one of the wrong kind for the role (recruiters
    /// belong to an EMPLOYER, institutions to an INSTITUTION). Client-safe.
    #[error("unknown organization")]
    UnknownOrganization,
    /// The database failed; details for logs only.
    #[error("database error")]
    Db(#[from] DbError),
}

impl ProvisionError {
    /// The GraphQL `extensions.code`: `UNAUTHENTICATED` for an unknown organization,
    /// `SERVICE_UNAVAILABLE` when the database cannot be reached, else `INTERNAL`.
    pub fn code(&self) -> &'static str {
        match self {
            ProvisionError::UnknownOrganization => "UNAUTHENTICATED",
            ProvisionError::Db(DbError::Unavailable(_)) => "SERVICE_UNAVAILABLE",
            ProvisionError::Db(_) => "INTERNAL",
        }
    }
}

/// The organization kind a role belongs to, if it belongs to one.
pub fn organization_kind_for(role: Role) -> Option<OrganizationKind> {
    match role {
        Role::Recruiter => Some(OrganizationKind::Employer),
        Role::Institution => Some(OrganizationKind::Institution),
        Role::Learner | Role::Admin => None,
    }
}

/// The user of a verified token: created on first sight; when the stored role or
/// organization differs from the token's, the stored user is updated to match.
pub async fn provision(
    conn: &mut DbConn<'_>,
    claims: &VerifiedClaims,
) -> Result<User, ProvisionError> {
    let organization_id = match organization_kind_for(claims.role) {
        Some(kind) => {
            let slug = claims
                .org
                .as_deref()
                .ok_or(ProvisionError::UnknownOrganization)?;
            let org = repo::organizations::find_by_slug(conn, slug)
                .await?
                .filter(|o| o.kind == kind)
                .ok_or(ProvisionError::UnknownOrganization)?;
            Some(org.id)
        }
        None => None,
    };
    let user = repo::users::provision(conn, &claims.subject, claims.role, organization_id).await?;
    if user.role == claims.role && user.organization_id == organization_id {
        return Ok(user);
    }
    tracing::info!(
        user = user.id,
        from = %user.role,
        to = %claims.role,
        "a newer token changes the user's role or organization"
    );
    Ok(repo::users::set_role_and_org(conn, user.id, claims.role, organization_id).await?)
}
