//! Insights for institutions (issue 7): learner segments, skill supply against demand,
//! and what to teach next.
//!
//! - [`data`]: one consistent read of everything the insights need.
//! - [`supply`]: supply and demand per skill, teaching opportunities (definitions there).
//! - [`service`]: the background worker and the cache resolvers read; clustering itself
//!   is `search_index::segments`.
//!
//! Privacy: everything leaving this module is an aggregate. Segments smaller than the
//! minimum cohort are merged or suppressed by `search_index::segments::summarize`; the
//! only reach figure is the number of consenting learners in a segment.

pub mod data;
pub mod service;
pub mod supply;

pub use data::{InsightsData, load};
pub use service::{InsightsOptions, InsightsService, Lookup};
pub use supply::{SupplyDemandFilter, supply_demand, teaching_opportunities};
