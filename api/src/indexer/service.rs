//! [`SearchService`]: the node's index replica, its start-up and its handle.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use anyhow::Context;
use search_index::engine::{EngineError, EngineOptions, SourceError};
use search_index::{Engine, Taxonomy};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;

use super::shared::Shared;

/// A value with the time it took (see [`SearchService::read_blocking`]).
#[derive(Debug, Clone, Copy)]
pub struct Timed<R> {
    /// The value.
    pub value: R,
    /// How long the work waited for a thread.
    pub waited: Duration,
    /// How long the work ran.
    pub ran: Duration,
}
use super::{tail, taxonomy};
use crate::db::Db;
use crate::documents;
use crate::readiness::{IndexState, Readiness};
use crate::repo;

/// Tuning of the indexer. [`Default`] is what `talent serve` uses.
#[derive(Debug, Clone)]
pub struct IndexerOptions {
    /// The engine's own knobs. By default, [`EngineOptions::default`].
    pub engine: EngineOptions,
    /// How often the tail task looks for new outbox rows when not poked. By default,
    /// 200 ms.
    pub poll_interval: Duration,
    /// Outbox rows read, loaded and committed at a time. By default, 1000.
    pub batch_size: i64,
    /// Longest time between two expiry sweeps. By default, 10 minutes.
    pub sweep_interval: Duration,
    /// Shortest time between two expiry sweeps (each scans the credentials table),
    /// however close together credentials expire. By default, 10 s.
    pub sweep_min_gap: Duration,
    /// After failing for this long without progress the index reports itself
    /// `Building` (not ready) until the next successful step. By default, 30 s.
    pub stall_timeout: Duration,
    /// Longest pause between retries after an error (they start at `poll_interval` and
    /// double). By default, 5 s.
    pub max_backoff: Duration,
}

impl Default for IndexerOptions {
    fn default() -> Self {
        IndexerOptions {
            engine: EngineOptions::default(),
            poll_interval: Duration::from_millis(200),
            batch_size: 1000,
            sweep_interval: Duration::from_secs(600),
            sweep_min_gap: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// The local search index, kept in step with the outbox by a background task.
///
/// Searches run through [`SearchService::read`] (a shared lock: many at once); the tail
/// task takes the lock exclusively only to apply and commit a batch. See the module docs
/// of [`crate::indexer`] for the tail loop's behaviour.
pub struct SearchService {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchService")
            .field("applied_seq", &self.applied_seq())
            .finish_non_exhaustive()
    }
}

impl SearchService {
    /// Starts the index with the default [`IndexerOptions`]: loads the taxonomy, opens
    /// the engine at `index_dir` (`None`: in memory, for tests) rebuilding it from the
    /// database when missing, unreadable, of an old schema or ahead of the outbox (a
    /// different or reset database), replays the outbox, sweeps expired credentials,
    /// marks the index `Ready` and spawns the tail task. On error the index is marked
    /// `Failed`. Fails with a clear message when another process holds `index_dir`.
    pub async fn start(
        db: Db,
        index_dir: Option<PathBuf>,
        readiness: Arc<Readiness>,
    ) -> anyhow::Result<Arc<SearchService>> {
        Self::start_with(db, index_dir, readiness, IndexerOptions::default()).await
    }

    /// [`SearchService::start`] with explicit options.
    pub async fn start_with(
        db: Db,
        index_dir: Option<PathBuf>,
        readiness: Arc<Readiness>,
        options: IndexerOptions,
    ) -> anyhow::Result<Arc<SearchService>> {
        readiness.set_index(IndexState::Building);
        match start_inner(db, index_dir, readiness.clone(), options).await {
            Ok(s) => Ok(s),
            Err(e) => {
                readiness.set_index(IndexState::Failed);
                Err(e)
            }
        }
    }

    /// Runs `f` over the engine under a shared lock (searches, lookups). It may wait
    /// while the tail task commits a batch (milliseconds); keep `f` short.
    pub fn read<R>(&self, f: impl FnOnce(&Engine) -> R) -> R {
        self.shared.read(f)
    }

    /// [`SearchService::read`] on a blocking thread (searches are CPU work): `f`'s
    /// result with how long the hand-off to the blocking pool waited and how long `f`
    /// ran (with any wait for the read lock).
    pub async fn read_blocking<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Engine) -> R + Send + 'static,
    ) -> Result<Timed<R>, tokio::task::JoinError> {
        let this = self.clone();
        let sent = std::time::Instant::now();
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            let value = this.read(f);
            Timed {
                value,
                waited: started.duration_since(sent),
                ran: started.elapsed(),
            }
        })
        .await
    }

    /// The taxonomy the index scores with (loaded at start).
    pub fn taxonomy(&self) -> Arc<Taxonomy> {
        self.shared.tax.clone()
    }

    /// The last outbox sequence applied and searchable.
    pub fn applied_seq(&self) -> i64 {
        self.shared.applied.load(Ordering::SeqCst)
    }

    /// Tells the tail task to look at the outbox now (a mutation committed here).
    pub fn poke(&self) {
        self.shared.poke.notify_one();
    }

    /// Read-your-writes: reads the outbox head as of now, pokes the tail task and waits
    /// until the applied sequence reaches that head, for at most `timeout` overall.
    /// Returns whether it got there (false on timeout or when the head cannot be read).
    pub async fn wait_caught_up(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let head = match tokio::time::timeout_at(deadline, self.shared.head()).await {
            Ok(Ok(h)) => h,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "read-your-writes: cannot read the outbox head");
                return false;
            }
            Err(_) => return false,
        };
        if self.applied_seq() >= head {
            return true;
        }
        self.poke();
        let mut rx = self.shared.applied_tx.subscribe();
        matches!(
            tokio::time::timeout_at(deadline, rx.wait_for(|s| *s >= head)).await,
            Ok(Ok(_))
        )
    }

    /// Index lag for the metric: outbox head minus applied sequence (>= 0). When the
    /// head cannot be read, the last head seen is used.
    pub async fn lag(&self) -> i64 {
        let head = match self.shared.head().await {
            Ok(h) => h,
            Err(e) => {
                tracing::debug!(error = %e, "lag: cannot read the outbox head");
                self.shared.known_head.load(Ordering::SeqCst)
            }
        };
        (head - self.applied_seq()).max(0)
    }

    /// A receiver of the ids of jobs upserted and open, sent after each commit that
    /// includes them (for job alerts). A slow receiver loses the oldest ids (`Lagged`).
    pub fn subscribe_job_changes(&self) -> broadcast::Receiver<i64> {
        self.shared.jobs_tx.subscribe()
    }

    /// Stops the tail task (waiting for a batch in progress) and commits. Idempotent.
    /// The engine (and its directory lock) is released when the service is dropped.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(task) = task
            && let Err(e) = task.await
            && e.is_panic()
        {
            tracing::error!(error = %e, "index tail task panicked");
        }
        let shared = self.shared.clone();
        let committed = tokio::task::spawn_blocking(move || {
            shared
                .engine
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .commit()
        })
        .await;
        match committed {
            Ok(Ok(seq)) => tracing::info!(applied_seq = seq, "search index closed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "search index: final commit failed"),
            Err(e) => tracing::warn!(error = %e, "search index: final commit failed"),
        }
    }
}

impl Drop for SearchService {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            task.abort();
        }
    }
}

async fn start_inner(
    db: Db,
    index_dir: Option<PathBuf>,
    readiness: Arc<Readiness>,
    options: IndexerOptions,
) -> anyhow::Result<Arc<SearchService>> {
    let started = std::time::Instant::now();
    let tax = {
        let mut p = db.conn().await?;
        Arc::new(taxonomy::load(&mut p.conn()).await?)
    };
    let mut engine =
        open_engine(&db, index_dir.clone(), tax.clone(), options.engine.clone()).await?;
    let head = {
        let mut p = db.conn().await?;
        repo::outbox::head(&mut p.conn()).await?
    };
    if engine.applied_seq() > u64::try_from(head).unwrap_or(0) {
        tracing::warn!(
            index_seq = engine.applied_seq(),
            outbox_head = head,
            "the index is ahead of the outbox (another or a reset database): rebuilding"
        );
        let snapshot = documents::snapshot(&db).await?;
        engine = tokio::task::spawn_blocking(move || engine.rebuild(snapshot).map(|()| engine))
            .await
            .context("index rebuild task")??;
    }
    let applied = i64::try_from(engine.applied_seq()).unwrap_or(i64::MAX);
    let (applied_tx, _) = watch::channel(applied);
    let (jobs_tx, _) = broadcast::channel(1024);
    let shared = Arc::new(Shared {
        db,
        engine: RwLock::new(engine),
        tax,
        applied: AtomicI64::new(applied),
        applied_tx,
        known_head: AtomicI64::new(head),
        poke: Notify::new(),
        jobs_tx,
        readiness: readiness.clone(),
        options,
    });
    shared.catch_up().await.context("replaying the outbox")?;
    let swept = shared
        .sweep(None)
        .await
        .context("sweeping expired credentials")?;
    shared.catch_up().await.context("replaying the outbox")?;
    readiness.set_index(IndexState::Ready);
    let engine = shared.read(|e| format!("{e:?}"));
    tracing::info!(
        %engine,
        refreshed_for_expiry = swept.refreshed,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "search index ready"
    );
    let (stop, stop_rx) = watch::channel(false);
    let task = tokio::spawn(tail::run(shared.clone(), stop_rx, swept));
    Ok(Arc::new(SearchService {
        shared,
        stop,
        task: Mutex::new(Some(task)),
    }))
}

/// Opens (or rebuilds) the engine on a blocking thread. The rebuild source runs there
/// too, driving the async snapshot with `Handle::block_on` (allowed on a blocking-pool
/// thread; the runtime's workers stay free to drive the database I/O).
async fn open_engine(
    db: &Db,
    index_dir: Option<PathBuf>,
    tax: Arc<Taxonomy>,
    options: EngineOptions,
) -> anyhow::Result<Engine> {
    match index_dir {
        None => {
            let snapshot = documents::snapshot(db).await?;
            let engine =
                tokio::task::spawn_blocking(move || Engine::in_memory_from(tax, options, snapshot))
                    .await
                    .context("index build task")??;
            Ok(engine)
        }
        Some(dir) => {
            let handle = tokio::runtime::Handle::current();
            let db = db.clone();
            let path = dir.clone();
            let opened = tokio::task::spawn_blocking(move || {
                Engine::open(&path, tax, options, || {
                    handle
                        .block_on(documents::snapshot(&db))
                        .map_err(|e| Box::new(e) as SourceError)
                })
            })
            .await
            .context("index open task")?;
            match opened {
                Ok((engine, report)) => {
                    match &report.rebuilt {
                        Some(reason) => tracing::info!(
                            path = %dir.display(), %reason, applied_seq = report.applied_seq,
                            "search index rebuilt from the database"
                        ),
                        None => tracing::info!(
                            path = %dir.display(), applied_seq = report.applied_seq,
                            "search index opened"
                        ),
                    }
                    Ok(engine)
                }
                Err(e @ EngineError::Locked(_)) => Err(anyhow::Error::new(e).context(format!(
                    "the search index {} is in use by another process (another `talent serve` or `talent reindex` on this data dir?)",
                    dir.display()
                ))),
                Err(e) => Err(anyhow::Error::new(e)
                    .context(format!("cannot open the search index {}", dir.display()))),
            }
        }
    }
}
