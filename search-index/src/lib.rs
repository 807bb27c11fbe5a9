//! Skill taxonomy, indexes and explainable ranking for the talent marketplace.
#![warn(missing_docs)]
