//! `talent migrate`.

use crate::config::StorageConfig;
use crate::db::{self, migrations};

/// Applies the pending migrations, or reverts them all with `revert_all`.
pub(super) async fn run(storage: &StorageConfig, revert_all: bool) -> anyhow::Result<()> {
    let db = db::connect(storage).await?;
    if revert_all {
        let v = migrations::revert_all(&db).await?;
        println!("reverted {} migration(s)", v.len());
    } else {
        let r = migrations::run_pending(&db).await?;
        println!("applied {} migration(s)", r.applied.len());
    }
    Ok(())
}
