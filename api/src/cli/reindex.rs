//! `talent reindex`.

use crate::config::StorageConfig;
use crate::db::{self, migrations};

/// Connects (migrating if needed), rebuilds `<data-dir>/index` with
/// [`crate::indexer::reindex`] and prints the counts and the time taken.
pub(super) async fn run(storage: &StorageConfig) -> anyhow::Result<()> {
    storage.prepare_data_dir()?;
    let db = db::connect(storage).await?;
    migrations::run_pending(&db).await?;
    let r = crate::indexer::reindex(&db, &storage.index_dir()).await?;
    println!(
        "reindexed {} learners, {} jobs, {} microcredentials (outbox sequence {}) into {} in {:.2}s",
        r.learners,
        r.jobs,
        r.microcredentials,
        r.applied_seq,
        r.path.display(),
        r.elapsed.as_secs_f64()
    );
    Ok(())
}
