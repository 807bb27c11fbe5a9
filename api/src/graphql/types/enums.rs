//! GraphQL enumerations and their conversions to the stored ones.

use async_graphql::Enum;

use crate::repo;

/// What a user may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A job seeker: their own profile, credentials, matches, gaps and pathways.
    Learner,
    /// Searches candidates and manages the jobs of their organization.
    Recruiter,
    /// Publishes microcredentials and issues credentials for them.
    Institution,
    /// Everything.
    Admin,
}

impl From<repo::Role> for Role {
    fn from(r: repo::Role) -> Self {
        match r {
            repo::Role::Learner => Role::Learner,
            repo::Role::Recruiter => Role::Recruiter,
            repo::Role::Institution => Role::Institution,
            repo::Role::Admin => Role::Admin,
        }
    }
}

/// Who may see a learner.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the learner and admins (the default).
    Private,
    /// Also recruiters and institutions: the learner appears in candidate search.
    Recruiters,
    /// Also every signed-in user. Never anonymous callers.
    Public,
}

impl From<repo::Visibility> for Visibility {
    fn from(v: repo::Visibility) -> Self {
        match v {
            repo::Visibility::Private => Visibility::Private,
            repo::Visibility::Recruiters => Visibility::Recruiters,
            repo::Visibility::Public => Visibility::Public,
        }
    }
}

impl From<Visibility> for repo::Visibility {
    fn from(v: Visibility) -> Self {
        match v {
            Visibility::Private => repo::Visibility::Private,
            Visibility::Recruiters => repo::Visibility::Recruiters,
            Visibility::Public => repo::Visibility::Public,
        }
    }
}

/// Where a piece of evidence comes from, with its confidence (MATCHING.md).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    /// A verified credential (issued here, or imported and verified): confidence 1.0.
    VerifiedCredential,
    /// A credential the learner entered: confidence 0.7.
    UnverifiedCredential,
    /// A self-asserted skill: confidence 0.4.
    SelfAsserted,
}

impl From<search_index::EvidenceKind> for EvidenceKind {
    fn from(k: search_index::EvidenceKind) -> Self {
        match k {
            search_index::EvidenceKind::VerifiedCredential => EvidenceKind::VerifiedCredential,
            search_index::EvidenceKind::UnverifiedCredential => EvidenceKind::UnverifiedCredential,
            search_index::EvidenceKind::SelfAsserted => EvidenceKind::SelfAsserted,
        }
    }
}

/// A credential's state. EXPIRED is computed from `expiresAt`; an expired credential
/// counts at half its confidence, a revoked one not at all.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    /// Verified by its issuer.
    Verified,
    /// Entered by the learner, not verified.
    Unverified,
    /// Past its expiry date.
    Expired,
    /// Withdrawn by its issuer.
    Revoked,
}

/// How the skill of the evidence used relates to the required skill (MATCHING.md).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillRelation {
    /// The same skill (factor 1.0).
    Same,
    /// A descendant of the required skill (0.9): knows PostgreSQL, asked for SQL.
    Descendant,
    /// The parent of the required skill (0.5): knows SQL, asked for PostgreSQL.
    Parent,
    /// A sibling under the same family (0.3).
    Sibling,
}

impl From<search_index::Relation> for SkillRelation {
    fn from(r: search_index::Relation) -> Self {
        match r {
            search_index::Relation::Same => SkillRelation::Same,
            search_index::Relation::Descendant => SkillRelation::Descendant,
            search_index::Relation::Parent => SkillRelation::Parent,
            search_index::Relation::Sibling => SkillRelation::Sibling,
        }
    }
}

/// A job's state.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Accepting candidates; visible to everyone.
    Open,
    /// Closed; visible to its employer and admins only.
    Closed,
}

impl From<repo::JobStatus> for JobStatus {
    fn from(s: repo::JobStatus) -> Self {
        match s {
            repo::JobStatus::Open => JobStatus::Open,
            repo::JobStatus::Closed => JobStatus::Closed,
        }
    }
}

/// Employer or institution.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationKind {
    /// Posts jobs.
    Employer,
    /// Publishes microcredentials and issues credentials.
    Institution,
}

impl From<repo::OrganizationKind> for OrganizationKind {
    fn from(k: repo::OrganizationKind) -> Self {
        match k {
            repo::OrganizationKind::Employer => OrganizationKind::Employer,
            repo::OrganizationKind::Institution => OrganizationKind::Institution,
        }
    }
}

/// What a learning pathway minimises.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathwayObjective {
    /// Total cost, then hours, then number of steps.
    #[default]
    Cost,
    /// Total hours, then cost, then number of steps.
    Hours,
}

/// Where a learner wants to work.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RemotePreference {
    /// Remote only.
    Remote,
    /// A mix.
    Hybrid,
    /// On site only.
    Onsite,
    /// No preference.
    #[default]
    Any,
}

impl From<repo::RemotePreference> for RemotePreference {
    fn from(r: repo::RemotePreference) -> Self {
        match r {
            repo::RemotePreference::Remote => RemotePreference::Remote,
            repo::RemotePreference::Hybrid => RemotePreference::Hybrid,
            repo::RemotePreference::Onsite => RemotePreference::Onsite,
            repo::RemotePreference::Any => RemotePreference::Any,
        }
    }
}

impl From<RemotePreference> for repo::RemotePreference {
    fn from(r: RemotePreference) -> Self {
        match r {
            RemotePreference::Remote => repo::RemotePreference::Remote,
            RemotePreference::Hybrid => repo::RemotePreference::Hybrid,
            RemotePreference::Onsite => repo::RemotePreference::Onsite,
            RemotePreference::Any => repo::RemotePreference::Any,
        }
    }
}
