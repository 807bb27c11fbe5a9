//! Every document at one outbox sequence, streamed: what the search index is rebuilt
//! from.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;
use search_index::engine::{Document, Snapshot, SourceError};
use tokio::sync::mpsc;

use super::{LEARNER_RANGE, SNAPSHOT_PAGE, job_docs, learner_docs_in_range, microcredential_docs};
use crate::db::{Db, DbResult};
use crate::repo;

/// Batches the snapshot reader may be ahead of the build.
const STREAM_DEPTH: usize = 4;

/// One message from the snapshot reader to the index build.
enum Batch {
    Docs(Vec<Document>),
    Done,
    Failed(crate::db::DbError),
}

/// How many documents of each kind a [`DocStream`] has yielded so far.
#[derive(Debug, Default)]
pub struct StreamCounts {
    /// Learner documents.
    pub learners: AtomicUsize,
    /// Job documents.
    pub jobs: AtomicUsize,
    /// Microcredential documents.
    pub microcredentials: AtomicUsize,
}

/// The documents of a snapshot, read from the database while the index consumes them:
/// background tasks read batches of learners (two halves at once when the pool allows,
/// see `read_all`), then jobs, then microcredentials, at most [`STREAM_DEPTH`] batches
/// ahead of the build, so reading and indexing overlap and the snapshot is never held
/// in memory whole.
///
/// A database error, or a reader that stops without saying it finished, is yielded as
/// an `Err` item, which makes the engine abandon the build before committing anything
/// ([`search_index::engine::SnapshotItem`]): a partial snapshot is never taken for a
/// whole one. Must be consumed off the async runtime's worker threads (it blocks
/// waiting for the next batch); the engine builds on a blocking thread anyway.
pub struct DocStream {
    rx: mpsc::Receiver<Batch>,
    buf: std::vec::IntoIter<Document>,
    finished: bool,
    counts: Arc<StreamCounts>,
}

impl DocStream {
    /// The running counts (shared: still readable after the stream is consumed).
    pub fn counts(&self) -> Arc<StreamCounts> {
        self.counts.clone()
    }
}

impl Iterator for DocStream {
    type Item = Result<Document, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(d) = self.buf.next() {
                let counter = match &d {
                    Document::Learner(_) => &self.counts.learners,
                    Document::Job(_) => &self.counts.jobs,
                    Document::Microcredential(_) => &self.counts.microcredentials,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                return Some(Ok(d));
            }
            if self.finished {
                return None;
            }
            match self.rx.blocking_recv() {
                Some(Batch::Docs(docs)) => self.buf = docs.into_iter(),
                Some(Batch::Done) => self.finished = true,
                Some(Batch::Failed(e)) => {
                    self.finished = true;
                    return Some(Err(Box::new(e)));
                }
                None => {
                    self.finished = true;
                    return Some(Err("the snapshot reader stopped before the end".into()));
                }
            }
        }
    }
}

/// Every document, for a rebuild. Reads the outbox head FIRST, then starts reading
/// every document in the background (paging by id; see [`DocStream`]); the snapshot's
/// `applied_seq` is that head. A change committed while the snapshot is read may or may
/// not be in it, but its outbox row is after the head, so it is replayed; replaying is
/// idempotent because an upsert re-reads current rows.
pub async fn snapshot(db: &Db) -> DbResult<Snapshot<DocStream>> {
    let head = {
        let mut p = db.conn().await?;
        repo::outbox::head(&mut p.conn()).await?
    };
    let (tx, rx) = mpsc::channel(STREAM_DEPTH);
    let db = db.clone();
    tokio::spawn(async move {
        let last = match read_all(&db, &tx).await {
            Ok(()) => Batch::Done,
            Err(e) => Batch::Failed(e),
        };
        // Fails only when the build stopped listening: nothing left to tell.
        let _ = tx.send(last).await;
    });
    Ok(Snapshot {
        applied_seq: u64::try_from(head).unwrap_or(0),
        docs: DocStream {
            rx,
            buf: Vec::new().into_iter(),
            finished: false,
            counts: Arc::default(),
        },
    })
}

/// Reads every document into `tx`: the learners as two halves of the id range read at
/// once on two connections when the pool has a second one to spare (so that reading
/// keeps up with the build on two cores; one connection reads them all otherwise), then
/// the jobs and the microcredentials. Stops early (Ok) when the receiver is gone.
async fn read_all(db: &Db, tx: &mpsc::Sender<Batch>) -> DbResult<()> {
    let now = repo::now();
    let mut first = db.conn().await?;
    let bounds = repo::learners::id_bounds(&mut first.conn()).await?;
    if let Some((lo, hi)) = bounds {
        // A small pool may have no second connection free: never wait for one.
        let second = tokio::time::timeout(std::time::Duration::from_millis(200), db.conn())
            .await
            .ok()
            .and_then(Result::ok);
        let parts = match second {
            Some(second) => {
                let mid = lo + (hi - lo) / 2;
                vec![(first, i64::MIN, mid), (second, mid, i64::MAX)]
            }
            None => vec![(first, i64::MIN, i64::MAX)],
        };
        let readers: Vec<_> = parts
            .into_iter()
            .map(|(conn, after, upto)| {
                let tx = tx.clone();
                tokio::spawn(async move { read_learners(conn, &tx, after, upto, now).await })
            })
            .collect();
        let mut listening = true;
        for reader in readers {
            let read = reader
                .await
                .map_err(|e| crate::db::DbError::Unavailable(format!("snapshot reader: {e}")))?;
            listening &= read?;
        }
        if !listening {
            return Ok(());
        }
    } else {
        drop(first);
    }
    let mut p = db.conn().await?;
    let conn = &mut p.conn();
    let send = |docs: Vec<Document>| tx.send(Batch::Docs(docs));
    let mut after = i64::MIN;
    loop {
        let ids = repo::jobs::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let docs = job_docs(conn, &ids).await?;
        if send(docs.into_iter().map(Document::Job).collect())
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    let mut after = i64::MIN;
    loop {
        let ids = repo::microcredentials::ids_after(conn, after, SNAPSHOT_PAGE).await?;
        let Some(&last) = ids.last() else { break };
        after = last;
        let docs = microcredential_docs(conn, &ids).await?;
        if send(docs.into_iter().map(Document::Microcredential).collect())
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    Ok(())
}

/// The learners with ids in `after+1..=upto`, [`LEARNER_RANGE`] at a time, into `tx`;
/// Ok(false) when the receiver is gone.
async fn read_learners(
    mut pooled: crate::db::Pooled,
    tx: &mpsc::Sender<Batch>,
    mut after: i64,
    upto: i64,
    now: NaiveDateTime,
) -> DbResult<bool> {
    let conn = &mut pooled.conn();
    loop {
        let mut ids = repo::learners::ids_after(conn, after, LEARNER_RANGE).await?;
        ids.retain(|&id| id <= upto);
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Ok(true);
        };
        after = last;
        let docs = learner_docs_in_range(conn, first, last, now).await?;
        let batch = Batch::Docs(docs.into_iter().map(Document::Learner).collect());
        if tx.send(batch).await.is_err() {
            return Ok(false);
        }
    }
}
