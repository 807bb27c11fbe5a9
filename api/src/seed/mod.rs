//! Seeds: the curated files (taxonomy, occupations, catalogue, demo postings) and the
//! deterministic generators built on them.

pub mod demo;
pub mod files;

pub use demo::{SeedReport, load_demo};
pub use files::{Catalog, SeedError, SeedSources};
pub mod synthetic;
