//! The Relay `Node` interface.

use async_graphql::{ID, Interface};

use super::catalog::{Microcredential, Occupation, Organization, Skill};
use super::job::Job;
use super::learner::{Credential, Learner};

/// An object with a global ID, fetchable with `node(id)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global ID."))]
pub enum Node {
    /// A skill.
    Skill(Skill),
    /// An organization.
    Organization(Organization),
    /// An occupation.
    Occupation(Occupation),
    /// A learner.
    Learner(Learner),
    /// A credential.
    Credential(Credential),
    /// A microcredential.
    Microcredential(Microcredential),
    /// A job.
    Job(Job),
}
