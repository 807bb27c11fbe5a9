//! Indexes (tantivy), retrieval, exact ranking and crash-safe sync.
//!
//! - [`docs`]: the documents (learners, jobs, microcredentials) and ordered changes;
//! - [`sync`]: the [`Engine`]: open/rebuild/swap, apply, commit;
//! - [`search`]: candidate search, jobs for a learner, microcredential lookup;
//! - `retrieval`: the candidate retrieval and exact scoring over the forward index;
//! - `forward`: the compact in-memory forward index (CSR) and per-skill postings.

mod catalog;
pub mod docs;
pub mod error;
mod forward;
mod retrieval;
pub mod schema;
pub mod search;
pub mod sync;

pub use docs::{
    Change, ChangeOp, Document, JobDoc, LearnerDoc, MicrocredentialDoc, RemotePreference,
    Visibility,
};
pub use error::{EngineError, SourceError};
pub use schema::SCHEMA_VERSION;
pub use search::{
    CandidateFilters, CandidateHit, CandidateQuery, Cursor, JobFilters, JobHit, JobQuery,
    MAX_LIMIT, MAX_PATHWAY_NEEDS, Page, RankedCandidate,
};
pub use sync::{Engine, EngineOptions, OpenReport, Snapshot, SnapshotItem};

#[cfg(test)]
mod tests;
