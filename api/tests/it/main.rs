//! The api crate's integration suite, one binary: repositories on both backends, the
//! seeds, and the `talent` binary itself.

mod cli;
mod repository;
mod repository_model;
mod seeds;
