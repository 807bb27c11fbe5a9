//! Services: plain async functions over the repositories and the search engine, which
//! resolvers call once they have parsed their arguments. They know nothing of GraphQL.

pub mod candidate_search;

pub use candidate_search::{
    Candidate, CandidatePage, CandidateSearch, CandidateSearchError, CandidateSearchRequest,
    EngineObserver, Target,
};
