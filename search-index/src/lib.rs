//! Skill taxonomy, indexes and explainable ranking for the talent marketplace.
//!
//! No database and no HTTP: the crate takes documents and returns ranked, explained
//! results. The numbers are defined in `docs/MATCHING.md`; [`scoring`] implements
//! them once, and everything else calls it.
//!
//! - [`taxonomy`]: the skill tree ([`Taxonomy`]), relations between skills
//!   ([`Relation`]), normalisation and extraction of skills from text.
//! - [`text`]: the [`text::Lexicon`] behind normalisation and extraction.
//! - [`scoring`]: credits, match scores, explanations and gaps.
//! - [`engine`]: the [`Engine`]: tantivy index (durable, text search) plus an in-memory
//!   forward index for exact scores; candidate search for recruiters (visibility always
//!   enforced), jobs for a learner, microcredential lookup; crash-safe sync from an
//!   ordered change log.
//! - [`pathway`]: gap closing learning pathways, projected scores and unlocks.
//! - [`segments`]: learner segments for institutions: k-means++ (linfa) over skill families
//!   and aspirations, k by silhouette, privacy-floored summaries, course recommendations.
//!
//! See `ARCHITECTURE.md` in the crate for the index layout and the scoring path.
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use search_index::{
//!     CandidateQuery, Change, ChangeOp, Document, Engine, EngineOptions, Evidence,
//!     EvidenceKind, LearnerDoc, RemotePreference, Requirement, SkillDef, Taxonomy,
//!     Visibility,
//! };
//!
//! let skill = |id, name: &str, parent| SkillDef {
//!     id,
//!     slug: name.to_lowercase(),
//!     name: name.into(),
//!     category: "software".into(),
//!     parent,
//!     aliases: vec![],
//!     ambiguous: false,
//! };
//! // Databases (a broad area) > SQL (a family) > PostgreSQL, MySQL
//! let tax = Arc::new(Taxonomy::new(vec![
//!     skill(1, "Databases", None),
//!     skill(2, "SQL", Some(1)),
//!     skill(3, "PostgreSQL", Some(2)),
//!     skill(4, "MySQL", Some(2)),
//! ])?);
//! assert_eq!(tax.normalize(" postgresql "), Some(3));
//!
//! let learner = |id, visibility, skill, kind| LearnerDoc {
//!     id,
//!     visibility,
//!     location: Some("Toronto".into()),
//!     remote_preference: RemotePreference::Hybrid,
//!     headline: "Data engineer".into(),
//!     bio: String::new(),
//!     credential_titles: vec![],
//!     evidence: vec![Evidence { skill, level: 4, kind, expired: false, credential_id: None }],
//! };
//! let mut engine = Engine::in_memory(Arc::clone(&tax), EngineOptions::default())?;
//! let upsert = |seq, l| Change { seq, op: ChangeOp::Upsert(Document::Learner(l)) };
//! engine.apply(&[
//!     upsert(1, learner(10, Visibility::Recruiters, 3, EvidenceKind::VerifiedCredential)),
//!     upsert(2, learner(11, Visibility::Public, 4, EvidenceKind::VerifiedCredential)),
//!     upsert(3, learner(12, Visibility::Private, 3, EvidenceKind::VerifiedCredential)),
//! ])?;
//! assert_eq!(engine.commit()?, 3); // searchable from here on
//!
//! // A recruiter asks for SQL at level 3.
//! let sql = Requirement { skill: 2, min_level: 3, weight: 1.0, required: true };
//! let page = engine.search_candidates(&CandidateQuery::new(vec![sql]))?;
//! let ranked: Vec<(i64, f64)> = page.hits.iter().map(|h| (h.learner_id, h.score)).collect();
//! // PostgreSQL and MySQL are both descendants of SQL: 0.9 each, ties by id. Learner 12
//! // is private: never a candidate.
//! assert_eq!(ranked, vec![(10, 0.9), (11, 0.9)]);
//! let why = &page.hits[0].explanation.contributions[0];
//! assert_eq!(why.evidence_used.map(|e| e.skill), Some(3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod engine;
pub mod pathway;
pub mod scoring;
pub mod segments;
pub mod taxonomy;
pub mod text;

pub use engine::{
    CandidateFilters, CandidateHit, CandidateQuery, Change, ChangeOp, Cursor, Document, Engine,
    EngineError, EngineOptions, JobDoc, JobFilters, JobHit, JobQuery, LearnerDoc,
    MicrocredentialDoc, OpenReport, Page, RankedCandidate, RemotePreference, Snapshot, Visibility,
};
pub use scoring::{
    Contribution, Evidence, EvidenceKind, EvidenceStatus, Explanation, Gap, GapReason, Requirement,
    ScoringError,
};
pub use segments::{
    FitOptions, KChoice, RecommendBy, Segment, SegmentCourse, SegmentError, SegmentLearner,
    SegmentModel, SegmentOccupation, Segmentation, SummaryOptions,
};
pub use taxonomy::{Relation, SkillDef, SkillId, Taxonomy, TaxonomyError};
