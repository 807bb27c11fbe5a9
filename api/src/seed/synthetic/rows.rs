//! The rows of the synthetic population, one struct per table: the single description
//! of which columns the bulk writer fills (see [`super::bulk`]). Columns left out take
//! their default (`users.organization_id`, `learners.contact_opt_in`).

use chrono::NaiveDateTime;

use super::bulk::bulk_rows;

bulk_rows! {
    /// A learner's user account.
    pub struct UserRow in users {
        id: i64,
        subject: String,
        role: &'static str,
        created_at: NaiveDateTime,
    }

    /// A learner profile.
    pub struct LearnerRow in learners {
        id: i64,
        user_id: i64,
        display_name: String,
        headline: Option<String>,
        bio: Option<String>,
        location: Option<String>,
        remote_preference: &'static str,
        visibility: &'static str,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }

    /// An occupation a learner aims for.
    pub struct AspirationRow in learner_aspirations {
        learner_id: i64,
        occupation_id: i64,
    }

    /// A self-asserted skill.
    pub struct LearnerSkillRow in learner_skills {
        learner_id: i64,
        skill_id: i64,
        level: i32,
        updated_at: NaiveDateTime,
    }

    /// A credential: imported (verified) or entered by the learner (unverified).
    pub struct CredentialRow in credentials {
        id: i64,
        learner_id: i64,
        title: String,
        issuer: String,
        issued_at: NaiveDateTime,
        expires_at: Option<NaiveDateTime>,
        status: &'static str,
        source: &'static str,
        microcredential_id: Option<i64>,
        created_at: NaiveDateTime,
    }

    /// A skill a credential evidences.
    pub struct CredentialSkillRow in credential_skills {
        credential_id: i64,
        learner_id: i64,
        skill_id: i64,
        level: i32,
    }

    /// A job posting.
    pub struct JobRow in jobs {
        id: i64,
        employer_id: i64,
        title: String,
        description: String,
        location: Option<String>,
        remote: bool,
        status: &'static str,
        posted_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }

    /// A skill a job asks for.
    pub struct JobRequirementRow in job_requirements {
        job_id: i64,
        skill_id: i64,
        min_level: i32,
        weight: f64,
        required: bool,
    }

    /// A microcredential (no slug: the curated ones have slugs, generated ones none).
    pub struct MicrocredentialRow in microcredentials {
        id: i64,
        slug: Option<String>,
        provider_id: i64,
        title: String,
        description: String,
        hours: f64,
        cost_cents: i64,
        currency: &'static str,
        active: bool,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    }

    /// A skill a microcredential teaches.
    pub struct TaughtRow in microcredential_skills {
        microcredential_id: i64,
        skill_id: i64,
        level: i32,
    }

    /// A skill a microcredential expects beforehand.
    pub struct PrerequisiteRow in microcredential_prerequisites {
        microcredential_id: i64,
        skill_id: i64,
        level: i32,
    }

    /// A change for the search indexer to pick up.
    pub struct OutboxRow in outbox {
        seq: i64,
        entity_kind: &'static str,
        entity_id: i64,
        operation: &'static str,
        created_at: NaiveDateTime,
    }
}
