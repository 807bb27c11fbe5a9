//! The talent marketplace server: configuration, persistence over PostgreSQL or
//! SQLite, seeds, the HTTP server and the `talent` CLI.

pub mod db;
pub mod repo;
pub mod testing;
