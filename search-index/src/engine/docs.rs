//! The documents the engine indexes, and the ordered changes that keep it in sync.

use serde::{Deserialize, Serialize};

use crate::scoring::{Evidence, Requirement, ScoringError};
use crate::taxonomy::SkillId;

/// Who may see a learner. Recruiter-facing search admits only `Recruiters` and `Public`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Visibility {
    /// Only the learner (and admins). The default for every new learner.
    Private,
    /// Visible to recruiters.
    Recruiters,
    /// Visible to everyone.
    Public,
}

impl Visibility {
    /// Whether recruiters may see a learner with this visibility.
    pub fn visible_to_recruiters(self) -> bool {
        matches!(self, Visibility::Recruiters | Visibility::Public)
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            Visibility::Private => 0,
            Visibility::Recruiters => 1,
            Visibility::Public => 2,
        }
    }

    pub(crate) fn token(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Recruiters => "recruiters",
            Visibility::Public => "public",
        }
    }
}

/// Where a learner wants to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RemotePreference {
    /// On site only.
    OnSite,
    /// Either.
    Hybrid,
    /// Remote only.
    Remote,
}

impl RemotePreference {
    /// Willing to work remotely (`Hybrid` or `Remote`).
    pub fn accepts_remote(self) -> bool {
        !matches!(self, RemotePreference::OnSite)
    }
    /// Willing to work on site (`OnSite` or `Hybrid`).
    pub fn accepts_on_site(self) -> bool {
        !matches!(self, RemotePreference::Remote)
    }
    pub(crate) fn code(self) -> u8 {
        match self {
            RemotePreference::OnSite => 0,
            RemotePreference::Hybrid => 1,
            RemotePreference::Remote => 2,
        }
    }
}

/// A learner as the engine sees it: visibility, place, text and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerDoc {
    /// Database id.
    pub id: i64,
    /// Who may see this learner.
    pub visibility: Visibility,
    /// Location (matched case-insensitively, trimmed), if given.
    pub location: Option<String>,
    /// Remote preference.
    pub remote_preference: RemotePreference,
    /// Headline (searchable text).
    pub headline: String,
    /// Bio (searchable text).
    pub bio: String,
    /// Titles of the learner's credentials (searchable text).
    pub credential_titles: Vec<String>,
    /// Evidence (revoked credentials left out). Levels 1..=5.
    pub evidence: Vec<Evidence>,
}

/// A job posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobDoc {
    /// Database id.
    pub id: i64,
    /// Requirements (levels 1..=5, weights > 0).
    pub requirements: Vec<Requirement>,
    /// Title (searchable text).
    pub title: String,
    /// Description (searchable text).
    pub description: String,
    /// The employer's id.
    pub employer_id: i64,
    /// Location, if any.
    pub location: Option<String>,
    /// Whether the job can be done remotely.
    pub remote: bool,
    /// Only open jobs are ranked for learners.
    pub open: bool,
}

/// A microcredential in the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MicrocredentialDoc {
    /// Database id.
    pub id: i64,
    /// The institution offering it.
    pub provider_id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Learning hours (finite, >= 0).
    pub hours: f64,
    /// Cost in cents (>= 0).
    pub cost_cents: i64,
    /// Skills taught, with the level reached (1..=5).
    pub skills: Vec<(SkillId, u8)>,
    /// Prerequisites as (skill, level).
    pub prerequisites: Vec<(SkillId, u8)>,
    /// Only active microcredentials are returned by lookups.
    pub active: bool,
}

impl From<MicrocredentialDoc> for crate::pathway::Microcredential {
    /// What the pathway optimiser needs of an indexed microcredential.
    fn from(m: MicrocredentialDoc) -> Self {
        crate::pathway::Microcredential {
            id: m.id,
            hours: m.hours,
            cost_cents: m.cost_cents,
            skills: m.skills,
            prerequisites: m.prerequisites,
            active: m.active,
        }
    }
}

/// Any indexed document (used by rebuild sources).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Document {
    /// A learner.
    Learner(LearnerDoc),
    /// A job.
    Job(JobDoc),
    /// A microcredential.
    Microcredential(MicrocredentialDoc),
}

/// One change to the index, from the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChangeOp {
    /// Insert or replace a document (by kind and id).
    Upsert(Document),
    /// Remove a learner, if present.
    DeleteLearner(i64),
    /// Remove a job, if present.
    DeleteJob(i64),
    /// Remove a microcredential, if present.
    DeleteMicrocredential(i64),
}

/// A change with its outbox sequence number. Sequences are applied in increasing order;
/// a change whose sequence is not above the last applied one is skipped (idempotent
/// replay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Outbox sequence number.
    pub seq: u64,
    /// What changes.
    pub op: ChangeOp,
}

/// Checks the levels and weights of a document (see [`crate::scoring`]).
pub(crate) fn validate(doc: &Document) -> Result<(), ScoringError> {
    match doc {
        Document::Learner(l) => l.evidence.iter().try_for_each(Evidence::validate),
        Document::Job(j) => j.requirements.iter().try_for_each(Requirement::validate),
        Document::Microcredential(m) => {
            for &(skill, level) in m.skills.iter().chain(&m.prerequisites) {
                Evidence {
                    skill,
                    level,
                    kind: crate::scoring::EvidenceKind::VerifiedCredential,
                    expired: false,
                    credential_id: None,
                }
                .validate()?;
            }
            Ok(())
        }
    }
}

/// Location key: trimmed and lower-cased, `None` when empty.
pub(crate) fn location_key(loc: Option<&str>) -> Option<String> {
    loc.map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
}
