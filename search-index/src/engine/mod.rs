//! Indexes (tantivy), retrieval, exact ranking and crash-safe sync.
