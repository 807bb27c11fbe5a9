//! Errors of the engine.

use crate::scoring::ScoringError;

/// The error a source of documents for a rebuild may return.
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Another writer holds the index directory (tantivy's `LockBusy`, or the engine's own
    /// directory lock). Only one engine may write an index directory at a time.
    #[error("the index at {0} is locked by another writer")]
    Locked(String),
    /// A document or query has an invalid level or weight.
    #[error("invalid input: {0}")]
    Invalid(#[from] ScoringError),
    /// A document or query is invalid for another reason (message says which).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The text query does not parse.
    #[error("invalid text query: {0}")]
    Query(String),
    /// A pagination cursor does not decode.
    #[error("invalid cursor")]
    Cursor,
    /// The index content is unreadable (stored document, payload).
    #[error("index content unreadable: {0}")]
    Corrupt(String),
    /// The rebuild source failed.
    #[error("rebuild source failed: {0}")]
    Source(SourceError),
    /// tantivy failed.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Filesystem error.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
