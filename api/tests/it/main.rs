//! The api crate's integration suite, one binary: repositories on both backends, the
//! seeds, and the `talent` binary itself.

mod auth;
mod cli;
mod http;
mod indexer;
mod insights;
mod introspection;
mod repository;
mod repository_model;
mod schema;
mod seeds;
