//! The GraphQL API: one module per domain (catalogue, learners, jobs, institutions,
//! matching), merged into one schema. Resolvers read the database (the truth) through
//! per-request DataLoaders and rank with the search-index engine.

pub mod context;
pub mod error;
pub mod ids;
pub mod input;
pub mod loaders;
pub mod mutation;
pub mod pagination;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;
pub mod viewers;

pub use schema::{AppContextProvider, TalentSchema, build, sdl};
