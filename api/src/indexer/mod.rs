//! The indexer: the outbox -> the node's local search index (search-index's engine).
//!
//! The database is the truth; the index is derived data (DESIGN.md). Every node runs
//! one [`SearchService`], which owns the index under `<data-dir>/index` (or in memory)
//! and tails the shared outbox, so every node behind a load balancer converges.
//!
//! # Start-up ([`SearchService::start`])
//! 1. Load the taxonomy (skills + aliases) from the database ([`taxonomy`]).
//! 2. Open the engine on a blocking thread. A missing, unreadable or old-schema index is
//!    rebuilt from a [`documents::snapshot`] (outbox head read first, then every document)
//!    into a fresh generation and swapped in. An index whose applied sequence is ahead
//!    of the outbox head (the database was replaced or reset) is rebuilt too. Another
//!    process holding the directory is an error naming it.
//! 3. Replay the outbox after the applied sequence, sweep expired credentials
//!    ([`expiry`]), replay again, then mark the index `Ready` in [`Readiness`].
//!
//! # The tail task
//! - Polls the outbox every 200 ms, and at once when [`SearchService::poke`]d. Reads up
//!   to 1000 rows after the applied sequence, turns them into changes ([`changes`]:
//!   UPSERT re-reads the entity, a vanished entity or DELETE deletes it, last row per
//!   entity wins), applies and commits them under the engine's write lock on a blocking
//!   thread (the commit carries the sequence, so a restart resumes after it), then
//!   publishes the applied sequence (for [`SearchService::wait_caught_up`]) and the open
//!   jobs changed (for [`SearchService::subscribe_job_changes`]). A full batch is
//!   followed by the next one at once.
//! - A document the engine refuses as invalid is logged and removed from the index, so
//!   one bad row cannot halt indexing. Any other error (database down, disk full) is
//!   logged, the staged changes are rolled back and the step is retried with a backoff
//!   doubling from 200 ms to 5 s. The index stays `Ready` through short outages (its
//!   data is merely stale, and /readyz already reports a database that is down); after
//!   30 s of failing steps without progress it reports `Building` (not ready, so a load
//!   balancer can route around this node), and `Ready` again after the next successful
//!   step. It never reports `Failed` after start-up; `Failed` means start-up failed.
//! - Expiry sweeps run every 10 minutes, and one second after the next known
//!   credential expiry when that is sooner (at most every 10 s) ([`expiry`]).
//!
//! # Consistency
//! Read-your-writes on one node: after a mutation commits, [`SearchService::wait_caught_up`]
//! reads the outbox head and waits until it is applied (the API waits at most 2 s).
//! [`SearchService::lag`] is outbox head minus applied sequence, for the metric.
//!
//! # Limits
//! - The taxonomy is loaded at start: skills added to the database later (only seed
//!   commands add skills) are scored as unknown until the next start.
//! - `talent reindex` ([`reindex`]) needs the index directory free (no server on it).
//!
//! [`Readiness`]: crate::readiness::Readiness
//! [`documents::snapshot`]: crate::documents::snapshot

pub mod changes;
pub mod expiry;
pub mod reindex;
mod service;
mod shared;
mod tail;
pub mod taxonomy;

pub use reindex::{ReindexReport, reindex};
pub use service::{IndexerOptions, SearchService, Timed};
