//! Synthetic data at any scale, deterministic from a seed: `talent seed --synthetic`.
//!
//! Realistic shape rather than uniform noise: occupations are drawn with a Zipf-like
//! skew (a few are common); a learner holds most core skills of their occupation at
//! levels around the requirement, plus skills drawn from a global popularity skew;
//! evidence is split between imported (verified) credentials, learner-entered
//! credentials (some expired) and self-assertions. Each learner also aspires to 1-2
//! target occupations, mostly their own. The `generate` module states the
//! distributions.
//!
//! - [`Population`]: the rows, generated from (spec, catalogue ids, seed, first free
//!   ids) with no I/O;
//! - [`rows`]: one struct per table, the single description from which the bulk
//!   statements of both backends are built (the `bulk` module);
//! - [`load_synthetic`]: generation on a thread while the previous batch is written.

mod bulk;
mod generate;
mod load;
mod model;
mod population;
pub mod rows;
#[cfg(test)]
mod tests;

pub use generate::subject;
pub use load::{SyntheticReport, load_synthetic};
pub use model::IncompleteCatalogue;
pub use population::{BATCH, Batch, NextIds, Population, SyntheticSpec};
