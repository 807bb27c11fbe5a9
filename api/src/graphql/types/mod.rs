//! GraphQL object types.

pub mod catalog;
pub mod enums;
pub mod insights;
pub mod job;
pub mod learner;
pub mod matching;
pub mod node;
