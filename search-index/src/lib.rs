//! Skill taxonomy, indexes and explainable ranking for the talent marketplace.
//!
//! (Crate overview to be written by the engine work: see ARCHITECTURE.md.)
#![warn(missing_docs)]

pub mod engine;
pub mod pathway;
pub mod scoring;
pub mod taxonomy;
pub mod text;

pub use engine::{
    CandidateFilters, CandidateHit, CandidateQuery, Change, ChangeOp, Cursor, Document, Engine,
    EngineError, EngineOptions, JobDoc, JobFilters, JobHit, JobQuery, LearnerDoc,
    MicrocredentialDoc, OpenReport, Page, RemotePreference, Snapshot, Visibility,
};
pub use scoring::{
    Contribution, Evidence, EvidenceKind, EvidenceStatus, Explanation, Gap, Requirement,
    ScoringError,
};
pub use taxonomy::{Relation, SkillDef, SkillId, Taxonomy, TaxonomyError};
