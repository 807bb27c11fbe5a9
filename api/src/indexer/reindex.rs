//! Rebuilding the index from the database into a fresh generation and swapping it in
//! (what `talent reindex` runs).

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context;
use search_index::Engine;
use search_index::engine::{EngineError, EngineOptions};

use super::taxonomy;
use crate::db::Db;
use crate::documents;

/// What a reindex did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReindexReport {
    /// Learner documents written.
    pub learners: usize,
    /// Job documents written.
    pub jobs: usize,
    /// Microcredential documents written.
    pub microcredentials: usize,
    /// The outbox sequence the new index reflects.
    pub applied_seq: u64,
    /// The live generation's directory.
    pub path: PathBuf,
    /// How long it took.
    pub elapsed: Duration,
}

/// Rebuilds the index under `index_dir` from the database: locks the index directory
/// (which fails when a server holds it), then builds a fresh generation from a streamed
/// snapshot (read and indexed at the same time, see [`documents::DocStream`]) and swaps it in
/// atomically, without reading the old one. A server started afterwards replays the
/// outbox after the snapshot's sequence. On any error the old generation stays live.
pub async fn reindex(db: &Db, index_dir: &Path) -> anyhow::Result<ReindexReport> {
    let started = Instant::now();
    let tax = {
        let mut p = db.conn().await?;
        std::sync::Arc::new(taxonomy::load(&mut p.conn()).await?)
    };
    let snapshot = documents::snapshot(db)
        .await
        .context("reading the database")?;
    let counts = snapshot.docs.counts();
    let applied_seq = snapshot.applied_seq;
    let dir = index_dir.to_path_buf();
    let built = tokio::task::spawn_blocking(move || -> Result<PathBuf, EngineError> {
        let (engine, _) = Engine::rebuild_at(&dir, tax, EngineOptions::default(), snapshot)?;
        Ok(engine.index_path().unwrap_or(dir))
    })
    .await
    .context("reindex task")?;
    let path = match built {
        Ok(p) => p,
        Err(e @ EngineError::Locked(_)) => {
            return Err(anyhow::Error::new(e).context(format!(
                "cannot reindex {}: the index is in use (stop `talent serve` on this data dir first)",
                index_dir.display()
            )));
        }
        Err(EngineError::Source(e)) => {
            return Err(anyhow::anyhow!("{e}").context(format!(
                "reading the database for {} (the old index is still in place)",
                index_dir.display()
            )));
        }
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("cannot rebuild the index {}", index_dir.display())));
        }
    };
    Ok(ReindexReport {
        learners: counts.learners.load(Ordering::Relaxed),
        jobs: counts.jobs.load(Ordering::Relaxed),
        microcredentials: counts.microcredentials.load(Ordering::Relaxed),
        applied_seq,
        path,
        elapsed: started.elapsed(),
    })
}
