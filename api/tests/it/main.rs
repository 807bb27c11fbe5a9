//! The api crate's integration suite, one binary: repositories on both backends, the
//! seeds, the app's assembly, and the `talent` binary itself.

mod app;
mod auth;
mod candidate_search;
mod cli;
mod http;
mod indexer;
mod insights;
mod introspection;
mod repository;
mod repository_model;
mod schema;
mod seeds;
