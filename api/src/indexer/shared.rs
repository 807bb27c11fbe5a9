//! State shared by [`super::SearchService`] and the tail task: one step of the tail
//! (read, load, apply, commit, publish) and one expiry sweep.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use anyhow::Context;
use search_index::engine::{Change, EngineError};
use search_index::{Engine, Taxonomy};
use tokio::sync::{Notify, broadcast, watch};

use super::IndexerOptions;
use super::{changes, expiry};
use crate::db::Db;
use crate::readiness::Readiness;
use crate::repo;

/// State shared by the handle and the tail task.
pub(super) struct Shared {
    pub(super) db: Db,
    pub(super) engine: RwLock<Engine>,
    pub(super) tax: Arc<Taxonomy>,
    pub(super) applied: AtomicI64,
    pub(super) applied_tx: watch::Sender<i64>,
    pub(super) known_head: AtomicI64,
    pub(super) poke: Notify,
    pub(super) jobs_tx: broadcast::Sender<i64>,
    pub(super) readiness: Arc<Readiness>,
    pub(super) options: IndexerOptions,
}

/// The result of one tail step.
pub(super) struct Step {
    /// Outbox rows read.
    pub(super) rows: usize,
}

/// The result of an expiry sweep.
#[derive(Debug, Clone, Copy)]
pub(super) struct Swept {
    /// The time the sweep looked up to.
    pub(super) until: chrono::NaiveDateTime,
    /// Learners given an outbox row.
    pub(super) refreshed: usize,
    /// The next expiry after `until`, if any.
    pub(super) next_expiry: Option<chrono::NaiveDateTime>,
}

impl Shared {
    pub(super) fn read<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        let guard = self.engine.read().unwrap_or_else(PoisonError::into_inner);
        f(&guard)
    }

    pub(super) async fn head(&self) -> crate::db::DbResult<i64> {
        let mut p = self.db.conn().await?;
        let head = repo::outbox::head(&mut p.conn()).await?;
        self.known_head.fetch_max(head, Ordering::SeqCst);
        Ok(head)
    }

    /// Steps until a batch comes back short of `batch_size`.
    pub(super) async fn catch_up(self: &Arc<Self>) -> anyhow::Result<()> {
        while self.step().await?.rows as i64 >= self.options.batch_size {}
        Ok(())
    }

    /// Reads up to `batch_size` outbox rows after the applied sequence, loads their
    /// documents, applies and commits them, then publishes the new applied sequence and
    /// the open jobs changed.
    pub(super) async fn step(self: &Arc<Self>) -> anyhow::Result<Step> {
        let after = self.applied.load(Ordering::SeqCst);
        let (entries, changes) = {
            let mut p = self.db.conn().await?;
            let conn = &mut p.conn();
            let entries = repo::outbox::read_after(conn, after, self.options.batch_size).await?;
            if entries.is_empty() {
                return Ok(Step { rows: 0 });
            }
            let changes = changes::load(conn, &entries, repo::now()).await?;
            (entries, changes)
        };
        let this = self.clone();
        let (seq, changes) =
            tokio::task::spawn_blocking(move || this.apply_commit(&changes).map(|s| (s, changes)))
                .await
                .context("index commit task")??;
        let seq = i64::try_from(seq).unwrap_or(i64::MAX);
        // Alerts first, so that whoever waits for the sequence also finds them sent.
        for job in changes::open_jobs(&changes) {
            let _ = self.jobs_tx.send(job);
        }
        self.applied.store(seq, Ordering::SeqCst);
        self.known_head.fetch_max(seq, Ordering::SeqCst);
        self.applied_tx.send_replace(seq);
        tracing::debug!(
            rows = entries.len(),
            changes = changes.len(),
            applied_seq = seq,
            "index batch applied"
        );
        Ok(Step {
            rows: entries.len(),
        })
    }

    /// Applies and commits under the write lock. A document the engine refuses (invalid
    /// input) is logged and its entity removed from the index instead, so that one bad
    /// row cannot stop the indexer; any other error rolls back and is returned.
    fn apply_commit(&self, changes: &[Change]) -> Result<u64, EngineError> {
        let mut engine = self.engine.write().unwrap_or_else(PoisonError::into_inner);
        let result = match engine.apply(changes) {
            Err(EngineError::Invalid(_) | EngineError::InvalidInput(_)) => {
                engine.rollback().and_then(|()| {
                    for c in changes {
                        match engine.apply(std::slice::from_ref(c)) {
                            Err(e @ (EngineError::Invalid(_) | EngineError::InvalidInput(_))) => {
                                tracing::error!(seq = c.seq, error = %e, "document refused by the index: removed from it");
                                engine.apply(&[changes::as_delete(c)])?;
                            }
                            other => {
                                other?;
                            }
                        }
                    }
                    Ok(())
                })
            }
            other => other.map(|_| ()),
        }
        .and_then(|()| engine.commit());
        if result.is_err() {
            let _ = engine.rollback();
        }
        result
    }

    /// Writes outbox rows for learners whose indexed documents count a credential that
    /// has expired since `since` (`None`: ever) as unexpired. See [`expiry`].
    pub(super) async fn sweep(
        &self,
        since: Option<chrono::NaiveDateTime>,
    ) -> anyhow::Result<Swept> {
        let until = repo::now();
        let mut p = self.db.conn().await?;
        let conn = &mut p.conn();
        let expired = expiry::expired_between(conn, since, until).await?;
        let stale = self.read(|e| expiry::stale_learners(e, &expired));
        expiry::record_refresh(conn, &stale).await?;
        let next_expiry = expiry::next_expiry(conn, until).await?;
        if !stale.is_empty() {
            tracing::info!(
                learners = stale.len(),
                "credentials expired: learners queued for re-indexing"
            );
            self.poke.notify_one();
        }
        Ok(Swept {
            until,
            refreshed: stale.len(),
            next_expiry,
        })
    }
}
