//! Queries, one object per domain, merged.

pub mod catalog;
pub mod insights;
pub mod matching;
pub mod viewer;

/// The root query.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    catalog::CatalogQuery,
    viewer::ViewerQuery,
    matching::MatchingQuery,
    insights::InsightsQuery,
);
