//! Who is asking (the [`Viewer`]) and the access rules every path goes through.
//!
//! Visibility of a learner ([`can_see_learner`]):
//! - PRIVATE: the learner themself and admins only;
//! - RECRUITERS: also recruiters and institutions (signed-in organization users);
//! - PUBLIC: also other signed-in learners.
//! Anonymous callers never see a learner. A learner that may not be seen is reported
//! as NOT_FOUND (never FORBIDDEN), so existence does not leak.

use std::sync::Arc;

use crate::repo::jobs::Job;
use crate::repo::learners::Learner;
use crate::repo::microcredentials::Microcredential;
use crate::repo::organizations::Organization;
use crate::repo::users::User;
use crate::repo::{JobStatus, Role, Visibility};

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The user row.
    pub user: User,
    /// Their organization (recruiters, institutions).
    pub organization: Option<Organization>,
}

/// Who is asking. In each request's data.
#[derive(Debug, Clone)]
pub enum Viewer {
    /// No token.
    Anonymous,
    /// A valid token.
    User(Arc<SignedIn>),
}

impl Viewer {
    /// The signed-in user, if any.
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Viewer::Anonymous => None,
            Viewer::User(u) => Some(u),
        }
    }

    /// The role, if signed in.
    pub fn role(&self) -> Option<Role> {
        self.signed_in().map(|s| s.user.role)
    }

    /// Whether the viewer is an admin.
    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The viewer's organization id.
    pub fn organization_id(&self) -> Option<i64> {
        self.signed_in()
            .and_then(|s| s.organization.as_ref().map(|o| o.id))
    }
}

/// The visibility rule (see the module docs).
pub fn can_see_learner(viewer: &Viewer, learner: &Learner) -> bool {
    let Some(s) = viewer.signed_in() else {
        return false;
    };
    if s.user.role == Role::Admin || learner.user_id == s.user.id {
        return true;
    }
    match learner.visibility {
        Visibility::Private => false,
        Visibility::Recruiters => matches!(s.user.role, Role::Recruiter | Role::Institution),
        Visibility::Public => true,
    }
}

/// Open jobs are public; closed ones are visible to their employer's recruiters and
/// admins.
pub fn can_see_job(viewer: &Viewer, job: &Job) -> bool {
    job.status == JobStatus::Open
        || viewer.is_admin()
        || viewer.organization_id() == Some(job.employer_id)
}

/// May the viewer change this job? Its employer's recruiters and admins.
pub fn can_manage_job(viewer: &Viewer, job: &Job) -> bool {
    viewer.is_admin()
        || (viewer.role() == Some(Role::Recruiter)
            && viewer.organization_id() == Some(job.employer_id))
}

/// Active microcredentials are public; inactive ones only to their provider and admins.
pub fn can_see_microcredential(viewer: &Viewer, m: &Microcredential) -> bool {
    m.active || viewer.is_admin() || viewer.organization_id() == Some(m.provider_id)
}
