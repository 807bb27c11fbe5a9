//! The talent marketplace server: configuration, persistence over PostgreSQL or
//! SQLite, seeds, the HTTP server and the `talent` CLI.

pub mod access;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod documents;
pub mod graphql;
pub mod http;
pub mod indexer;
pub mod insights;
pub mod readiness;
pub mod repo;
pub mod seed;
pub mod server;
pub mod services;
#[cfg(feature = "test-support")]
pub mod testing;
