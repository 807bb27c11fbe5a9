//! Match scores, credits and explanations exactly as ../shared/MATCHING.md defines them.
