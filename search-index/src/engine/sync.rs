//! The engine's lifecycle: open or rebuild, apply ordered changes, commit, swap.
//!
//! # Directory layout
//! ```text
//! <root>/engine.lock     held by the one engine writing this root (non-blocking lock)
//! <root>/CURRENT         the name of the live generation, replaced atomically (rename)
//! <root>/gen-000001/     a tantivy index (one generation)
//! ```
//! Every commit carries a JSON payload `{"schema_version": N, "applied_seq": S}`. On
//! open, the live generation is read back; a missing generation, an unreadable one, or
//! one with another [`SCHEMA_VERSION`] is rebuilt from the caller's source into a fresh
//! generation directory, committed, and only then made live by renaming `CURRENT.tmp`
//! over `CURRENT`. Leftover generations (a crash mid-rebuild) are deleted on open.
//!
//! # Visibility of changes
//! [`Engine::apply`] stages changes in the tantivy writer; nothing is searchable until
//! [`Engine::commit`], which makes the tantivy commit durable first and then applies the
//! same changes to the in-memory forward index. A crash between the two loses only the
//! staged changes, which the caller replays from [`Engine::applied_seq`]; changes at or
//! below the applied sequence are skipped, and upserts replace by id, so replay is
//! idempotent.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, DirectoryLock, Lock, MmapDirectory};
use tantivy::schema::Value;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError};

use crate::engine::catalog::{JobStore, McStore};
use crate::engine::docs::{self, Change, ChangeOp, Document};
use crate::engine::error::{EngineError, SourceError};
use crate::engine::forward::{LearnerStore, SKILL_MASK};
use crate::engine::schema::{self, Fields, SCHEMA_VERSION};
use crate::taxonomy::Taxonomy;

/// Most evidence entries per learner.
pub const MAX_EVIDENCE: usize = 10_000;
/// Longest location, in bytes.
pub const MAX_LOCATION_BYTES: usize = 1_000;

/// Tuning knobs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// tantivy indexing threads. By default, 2.
    pub writer_threads: usize,
    /// tantivy indexing memory budget, in bytes, over all threads. By default, 128 MiB.
    pub writer_memory_bytes: usize,
    /// Threads a candidate search uses to score slot ranges. By default, 1.
    pub search_threads: usize,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            writer_threads: 2,
            writer_memory_bytes: 128 << 20,
            search_threads: 1,
        }
    }
}

/// Everything needed to rebuild the index: every document, and the outbox sequence they
/// reflect (the engine reports it as applied, and replay continues after it).
#[derive(Debug)]
pub struct Snapshot<I> {
    /// The outbox sequence the documents reflect.
    pub applied_seq: u64,
    /// All documents.
    pub docs: I,
}

/// An item of a [`Snapshot`]: a [`Document`], or a `Result` of one when the source can
/// fail while it is being read (a snapshot streamed from a database). An `Err` item
/// stops the build before anything is committed or swapped in, and is returned as
/// [`EngineError::Source`].
pub trait SnapshotItem {
    /// The document, or why the source failed.
    fn into_document(self) -> Result<Document, SourceError>;
}

impl SnapshotItem for Document {
    fn into_document(self) -> Result<Document, SourceError> {
        Ok(self)
    }
}

impl SnapshotItem for Result<Document, SourceError> {
    fn into_document(self) -> Result<Document, SourceError> {
        self
    }
}

/// What [`Engine::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The last outbox sequence the index reflects: replay the outbox after it.
    pub applied_seq: u64,
    /// `Some(reason)` when the index was rebuilt from the source.
    pub rebuilt: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    schema_version: u32,
    applied_seq: u64,
}

enum Location {
    Ram,
    Dir {
        root: PathBuf,
        generation: String,
        _lock: DirectoryLock,
    },
}

pub(crate) struct Handle {
    pub(crate) index: Index,
    writer: IndexWriter,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
}

/// The search engine: tantivy for durability and text, a forward index for exact scores.
///
/// Searches take `&self`; changes take `&mut self`. Share it behind a `RwLock` (many
/// searchers, one indexer).
pub struct Engine {
    pub(crate) tax: Arc<Taxonomy>,
    pub(crate) learners: LearnerStore,
    pub(crate) jobs: JobStore,
    pub(crate) mcs: McStore,
    pub(crate) handle: Handle,
    location: Location,
    pending: Vec<ChangeOp>,
    staged_seq: u64,
    applied_seq: u64,
    pub(crate) options: EngineOptions,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("learners", &self.learners.len())
            .field("jobs", &self.jobs.jobs.len())
            .field("microcredentials", &self.mcs.mcs.len())
            .field("applied_seq", &self.applied_seq)
            .finish_non_exhaustive()
    }
}

fn map_lock(e: TantivyError, what: &Path) -> EngineError {
    match e {
        TantivyError::LockFailure(LockError::LockBusy, _) => {
            EngineError::Locked(what.display().to_string())
        }
        e => EngineError::Tantivy(e),
    }
}

fn check_taxonomy(tax: &Taxonomy) -> Result<(), EngineError> {
    if tax.len() >= SKILL_MASK as usize {
        return Err(EngineError::InvalidInput(
            "taxonomy too large for the index".into(),
        ));
    }
    Ok(())
}

fn new_handle(index: Index, options: &EngineOptions, path: &Path) -> Result<Handle, EngineError> {
    let (expected, fields) = schema::build_schema();
    let found =
        serde_json::to_string(&index.schema()).map_err(|e| EngineError::Corrupt(e.to_string()))?;
    let want = serde_json::to_string(&expected).map_err(|e| EngineError::Corrupt(e.to_string()))?;
    if found != want {
        return Err(EngineError::Corrupt("schema differs".into()));
    }
    let writer = index
        .writer_with_num_threads(options.writer_threads.max(1), options.writer_memory_bytes)
        .map_err(|e| map_lock(e, path))?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok(Handle {
        index,
        writer,
        reader,
        fields,
    })
}

/// In-memory state built from documents.
struct State {
    learners: LearnerStore,
    jobs: JobStore,
    mcs: McStore,
}

impl State {
    fn new(tax: &Taxonomy) -> State {
        State {
            learners: LearnerStore::new(tax.len()),
            jobs: JobStore::default(),
            mcs: McStore::default(),
        }
    }
    /// Applies an upsert during a bulk load (learner postings deferred to the final
    /// compaction).
    fn load_doc(&mut self, tax: &Taxonomy, doc: Document) {
        match doc {
            Document::Learner(l) => self.learners.upsert_deferred(tax, &l),
            other => self.apply(tax, ChangeOp::Upsert(other)),
        }
    }

    fn apply(&mut self, tax: &Taxonomy, op: ChangeOp) {
        match op {
            ChangeOp::Upsert(Document::Learner(l)) => self.learners.upsert(tax, &l),
            ChangeOp::Upsert(Document::Job(j)) => self.jobs.upsert(tax, j),
            ChangeOp::Upsert(Document::Microcredential(m)) => self.mcs.upsert(tax, m),
            ChangeOp::DeleteLearner(id) => self.learners.delete(id),
            ChangeOp::DeleteJob(id) => self.jobs.delete(id),
            ChangeOp::DeleteMicrocredential(id) => self.mcs.delete(tax, id),
        }
    }
}

fn validate_doc(doc: &Document) -> Result<(), EngineError> {
    docs::validate(doc)?;
    if let Document::Learner(l) = doc
        && (l.evidence.len() > MAX_EVIDENCE
            || l.location
                .as_ref()
                .is_some_and(|x| x.len() > MAX_LOCATION_BYTES))
    {
        return Err(EngineError::InvalidInput(format!(
            "learner {}: at most {MAX_EVIDENCE} evidence and {MAX_LOCATION_BYTES}-byte locations",
            l.id
        )));
    }
    if let Document::Microcredential(m) = doc
        && !(m.hours.is_finite() && m.hours >= 0.0 && m.cost_cents >= 0)
    {
        return Err(EngineError::InvalidInput(format!(
            "microcredential {}: hours and cost must be >= 0",
            m.id
        )));
    }
    Ok(())
}

fn commit_with(writer: &mut IndexWriter, seq: u64) -> Result<(), EngineError> {
    let payload = serde_json::to_string(&Payload {
        schema_version: SCHEMA_VERSION,
        applied_seq: seq,
    })
    .map_err(|e| EngineError::Corrupt(e.to_string()))?;
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&payload);
    prepared.commit()?;
    Ok(())
}

/// Indexes every document into a fresh handle and builds the in-memory state.
fn build<I>(
    handle: &mut Handle,
    tax: &Taxonomy,
    snapshot: Snapshot<I>,
) -> Result<State, EngineError>
where
    I: IntoIterator,
    I::Item: SnapshotItem,
{
    let mut state = State::new(tax);
    // The index is fresh: a delete is only needed for a key already loaded.
    for item in snapshot.docs {
        let doc = item.into_document().map_err(EngineError::Source)?;
        validate_doc(&doc)?;
        let (prefix, id) = schema::key_prefix(&doc);
        let present = match &doc {
            Document::Learner(_) => state.learners.slot_of.contains_key(&id),
            Document::Job(_) => state.jobs.jobs.contains_key(&id),
            Document::Microcredential(_) => state.mcs.mcs.contains_key(&id),
        };
        if present {
            handle
                .writer
                .delete_term(schema::key_term(&handle.fields, prefix, id));
        }
        handle
            .writer
            .add_document(schema::to_tantivy(&handle.fields, &doc)?)?;
        state.load_doc(tax, doc);
    }
    // Build the in-memory postings (compaction) while tantivy finishes indexing and
    // writes its segments: both cores stay busy.
    let writer = &mut handle.writer;
    let committed = std::thread::scope(|sc| {
        let compaction = sc.spawn(|| {
            state.learners.compact(tax);
            state.jobs.refresh();
        });
        let committed = commit_with(writer, snapshot.applied_seq);
        compaction
            .join()
            .map_err(|_| EngineError::Corrupt("compaction failed".into()))
            .and(committed)
    });
    committed?;
    handle.reader.reload()?;
    Ok(state)
}

/// Reads the payload and every stored document of a committed index.
fn load(handle: &Handle, tax: &Taxonomy) -> Result<(State, u64), EngineError> {
    let metas = handle.index.load_metas()?;
    let payload: Payload = metas
        .payload
        .as_deref()
        .ok_or_else(|| EngineError::Corrupt("no commit payload".into()))
        .and_then(|p| serde_json::from_str(p).map_err(|e| EngineError::Corrupt(e.to_string())))?;
    if payload.schema_version != SCHEMA_VERSION {
        return Err(EngineError::Corrupt(format!(
            "schema version {} (expected {SCHEMA_VERSION})",
            payload.schema_version
        )));
    }
    let mut state = State::new(tax);
    let searcher = handle.reader.searcher();
    for seg in searcher.segment_readers() {
        let store = seg.get_store_reader(64)?;
        for doc in store.iter::<TantivyDocument>(seg.alive_bitset()) {
            let doc = doc?;
            let bytes = doc
                .get_first(handle.fields.doc)
                .and_then(|v| v.as_bytes())
                .ok_or_else(|| EngineError::Corrupt("document without source".into()))?;
            let parsed = schema::decode_stored(bytes)?;
            state.load_doc(tax, parsed);
        }
    }
    state.learners.compact(tax);
    state.jobs.refresh();
    Ok((state, payload.applied_seq))
}

/// Creates `root` if needed and takes its engine lock (one engine per directory).
fn lock_root(root: &Path) -> Result<DirectoryLock, EngineError> {
    std::fs::create_dir_all(root)?;
    let dir = MmapDirectory::open(root)
        .map_err(|e| EngineError::Io(std::io::Error::other(e.to_string())))?;
    dir.acquire_lock(&Lock {
        filepath: PathBuf::from("engine.lock"),
        is_blocking: false,
    })
    .map_err(|e| match e {
        LockError::LockBusy => EngineError::Locked(root.display().to_string()),
        LockError::IoError(io) => EngineError::Io(std::io::Error::other(io.to_string())),
    })
}

fn generation_number(name: &str) -> Option<u64> {
    name.strip_prefix("gen-")?.parse().ok()
}

impl Engine {
    fn from_parts(
        tax: Arc<Taxonomy>,
        handle: Handle,
        location: Location,
        state: State,
        seq: u64,
        options: EngineOptions,
    ) -> Engine {
        Engine {
            tax,
            learners: state.learners,
            jobs: state.jobs,
            mcs: state.mcs,
            handle,
            location,
            pending: Vec::new(),
            staged_seq: seq,
            applied_seq: seq,
            options,
        }
    }

    /// An engine over an in-memory (RAM) index, empty, applied sequence 0. For tests,
    /// examples and ephemeral nodes.
    pub fn in_memory(tax: Arc<Taxonomy>, options: EngineOptions) -> Result<Engine, EngineError> {
        Engine::in_memory_from(
            tax,
            options,
            Snapshot {
                applied_seq: 0,
                docs: Vec::<Document>::new(),
            },
        )
    }

    /// An in-memory engine built from a snapshot.
    pub fn in_memory_from<I>(
        tax: Arc<Taxonomy>,
        options: EngineOptions,
        snapshot: Snapshot<I>,
    ) -> Result<Engine, EngineError>
    where
        I: IntoIterator,
        I::Item: SnapshotItem,
    {
        check_taxonomy(&tax)?;
        let mut handle = new_handle(
            Index::create_in_ram(schema::build_schema().0),
            &options,
            Path::new("<ram>"),
        )?;
        let state = build(&mut handle, &tax, snapshot)?;
        let seq = handle_seq(&handle)?;
        Ok(Engine::from_parts(
            tax,
            handle,
            Location::Ram,
            state,
            seq,
            options,
        ))
    }

    /// Opens the index under `root` (created if missing). A missing, unreadable or
    /// old-schema index is rebuilt from `rebuild()` into a fresh generation and swapped in
    /// atomically; `rebuild` is called only then. Fails with [`EngineError::Locked`] when
    /// another engine holds the directory.
    pub fn open<F, I>(
        root: &Path,
        tax: Arc<Taxonomy>,
        options: EngineOptions,
        rebuild: F,
    ) -> Result<(Engine, OpenReport), EngineError>
    where
        F: FnOnce() -> Result<Snapshot<I>, SourceError>,
        I: IntoIterator,
        I::Item: SnapshotItem,
    {
        check_taxonomy(&tax)?;
        let lock = lock_root(root)?;
        let current = match std::fs::read_to_string(root.join("CURRENT")) {
            Ok(s) => Some(s.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let reason = match &current {
            None => "no index".to_string(),
            Some(generation) => {
                let path = root.join(generation);
                let attempt = Index::open_in_dir(&path)
                    .map_err(EngineError::from)
                    .and_then(|index| new_handle(index, &options, &path))
                    .and_then(|handle| load(&handle, &tax).map(|loaded| (handle, loaded)));
                match attempt {
                    Ok((handle, (state, seq))) => {
                        remove_other_generations(root, generation);
                        let location = Location::Dir {
                            root: root.to_path_buf(),
                            generation: generation.clone(),
                            _lock: lock,
                        };
                        let engine = Engine::from_parts(tax, handle, location, state, seq, options);
                        return Ok((
                            engine,
                            OpenReport {
                                applied_seq: seq,
                                rebuilt: None,
                            },
                        ));
                    }
                    Err(e @ EngineError::Locked(_)) => return Err(e),
                    Err(e) => format!("index unreadable: {e}"),
                }
            }
        };
        let snapshot = rebuild().map_err(EngineError::Source)?;
        Engine::fresh_generation(root, lock, tax, options, snapshot, reason)
    }

    /// Builds a fresh generation under `root` from `snapshot` and swaps it in, without
    /// reading the current one (what `open` would do first): for an explicit reindex.
    /// Locks `root` as [`Engine::open`] does ([`EngineError::Locked`] when another engine
    /// holds it); on error the current generation stays live.
    pub fn rebuild_at<I>(
        root: &Path,
        tax: Arc<Taxonomy>,
        options: EngineOptions,
        snapshot: Snapshot<I>,
    ) -> Result<(Engine, OpenReport), EngineError>
    where
        I: IntoIterator,
        I::Item: SnapshotItem,
    {
        check_taxonomy(&tax)?;
        let lock = lock_root(root)?;
        let reason = "rebuild requested".to_string();
        Engine::fresh_generation(root, lock, tax, options, snapshot, reason)
    }

    /// Builds a new generation under the locked `root` from `snapshot`, swaps it in,
    /// removes the others, and returns the engine over it (`reason` in the report).
    fn fresh_generation<I>(
        root: &Path,
        lock: DirectoryLock,
        tax: Arc<Taxonomy>,
        options: EngineOptions,
        snapshot: Snapshot<I>,
        reason: String,
    ) -> Result<(Engine, OpenReport), EngineError>
    where
        I: IntoIterator,
        I::Item: SnapshotItem,
    {
        let (handle, generation, state) = build_generation(root, &tax, &options, snapshot)?;
        remove_other_generations(root, &generation);
        let seq = handle_seq(&handle)?;
        let location = Location::Dir {
            root: root.to_path_buf(),
            generation,
            _lock: lock,
        };
        Ok((
            Engine::from_parts(tax, handle, location, state, seq, options),
            OpenReport {
                applied_seq: seq,
                rebuilt: Some(reason),
            },
        ))
    }

    /// Rebuilds from a snapshot into a fresh index and swaps it in (atomically on disk);
    /// staged, uncommitted changes are dropped. On error the current index stays live.
    pub fn rebuild<I>(&mut self, snapshot: Snapshot<I>) -> Result<(), EngineError>
    where
        I: IntoIterator,
        I::Item: SnapshotItem,
    {
        match &mut self.location {
            Location::Ram => {
                let mut handle = new_handle(
                    Index::create_in_ram(schema::build_schema().0),
                    &self.options,
                    Path::new("<ram>"),
                )?;
                let state = build(&mut handle, &self.tax, snapshot)?;
                self.install(handle, state)
            }
            Location::Dir {
                root, generation, ..
            } => {
                let root = root.clone();
                let (handle, new_gen, state) =
                    build_generation(&root, &self.tax, &self.options, snapshot)?;
                let old = std::mem::replace(generation, new_gen.clone());
                self.install(handle, state)?;
                let _ = std::fs::remove_dir_all(root.join(old));
                Ok(())
            }
        }
    }

    fn install(&mut self, handle: Handle, state: State) -> Result<(), EngineError> {
        let seq = handle_seq(&handle)?;
        self.handle = handle;
        self.learners = state.learners;
        self.jobs = state.jobs;
        self.mcs = state.mcs;
        self.pending.clear();
        self.staged_seq = seq;
        self.applied_seq = seq;
        Ok(())
    }

    /// The last committed (durable and searchable) outbox sequence.
    pub fn applied_seq(&self) -> u64 {
        self.applied_seq
    }

    /// The last staged sequence (applied but not yet committed).
    pub fn staged_seq(&self) -> u64 {
        self.staged_seq
    }

    /// Stages changes in order. Changes with `seq <= staged_seq()` are skipped (replay is
    /// idempotent). The batch is validated first: an invalid document or a sequence going
    /// backwards stages nothing and returns an error. Returns how many were staged. Not
    /// searchable before [`Engine::commit`].
    pub fn apply(&mut self, changes: &[Change]) -> Result<usize, EngineError> {
        let mut last = self.staged_seq;
        let mut fresh = Vec::new();
        for c in changes {
            if c.seq <= last {
                if c.seq > self.staged_seq {
                    return Err(EngineError::InvalidInput(format!(
                        "sequence {} after {last}: changes must be in increasing order",
                        c.seq
                    )));
                }
                continue;
            }
            if let ChangeOp::Upsert(doc) = &c.op {
                validate_doc(doc)?;
            }
            last = c.seq;
            fresh.push(c);
        }
        let fields = self.handle.fields;
        for c in &fresh {
            let (prefix, id, doc) = match &c.op {
                ChangeOp::Upsert(doc) => {
                    let (p, id) = schema::key_prefix(doc);
                    (p, id, Some(doc))
                }
                ChangeOp::DeleteLearner(id) => ('l', *id, None),
                ChangeOp::DeleteJob(id) => ('j', *id, None),
                ChangeOp::DeleteMicrocredential(id) => ('m', *id, None),
            };
            self.handle
                .writer
                .delete_term(schema::key_term(&fields, prefix, id));
            if let Some(doc) = doc {
                self.handle
                    .writer
                    .add_document(schema::to_tantivy(&fields, doc)?)?;
            }
            self.pending.push(c.op.clone());
            self.staged_seq = c.seq;
        }
        Ok(fresh.len())
    }

    /// Makes staged changes durable (tantivy commit with the sequence in its payload) and
    /// then searchable. Returns the applied sequence.
    pub fn commit(&mut self) -> Result<u64, EngineError> {
        if self.pending.is_empty() && self.staged_seq == self.applied_seq {
            return Ok(self.applied_seq);
        }
        commit_with(&mut self.handle.writer, self.staged_seq)?;
        self.handle.reader.reload()?;
        let tax = Arc::clone(&self.tax);
        let mut state = State {
            learners: std::mem::take(&mut self.learners),
            jobs: std::mem::take(&mut self.jobs),
            mcs: std::mem::take(&mut self.mcs),
        };
        for op in self.pending.drain(..) {
            state.apply(&tax, op);
        }
        if state.learners.needs_compaction() {
            state.learners.compact(&tax);
        }
        state.jobs.refresh();
        self.learners = state.learners;
        self.jobs = state.jobs;
        self.mcs = state.mcs;
        self.applied_seq = self.staged_seq;
        Ok(self.applied_seq)
    }

    /// Drops staged, uncommitted changes.
    pub fn rollback(&mut self) -> Result<(), EngineError> {
        self.handle.writer.rollback()?;
        self.pending.clear();
        self.staged_seq = self.applied_seq;
        Ok(())
    }

    /// The directory of the live generation (`None` for an in-memory engine).
    pub fn index_path(&self) -> Option<PathBuf> {
        match &self.location {
            Location::Ram => None,
            Location::Dir {
                root, generation, ..
            } => Some(root.join(generation)),
        }
    }

    /// The taxonomy the engine scores with.
    pub fn taxonomy(&self) -> &Arc<Taxonomy> {
        &self.tax
    }
}

fn handle_seq(handle: &Handle) -> Result<u64, EngineError> {
    let metas = handle.index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str::<Payload>(p).ok())
        .map_or(0, |p| p.applied_seq))
}

fn build_generation<I>(
    root: &Path,
    tax: &Taxonomy,
    options: &EngineOptions,
    snapshot: Snapshot<I>,
) -> Result<(Handle, String, State), EngineError>
where
    I: IntoIterator,
    I::Item: SnapshotItem,
{
    let next = std::fs::read_dir(root)?
        .filter_map(|e| e.ok())
        .filter_map(|e| generation_number(&e.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0)
        + 1;
    let generation = format!("gen-{next:06}");
    let path = root.join(&generation);
    std::fs::create_dir_all(&path)?;
    let index = Index::create_in_dir(&path, schema::build_schema().0)?;
    let mut handle = new_handle(index, options, &path)?;
    let state = match build(&mut handle, tax, snapshot) {
        Ok(state) => state,
        Err(e) => {
            // Never swapped in: remove the partial generation now (best effort; a
            // leftover is removed by the next open or rebuild anyway).
            drop(handle);
            let _ = std::fs::remove_dir_all(&path);
            return Err(e);
        }
    };
    // Swap: write CURRENT.tmp, sync it, rename over CURRENT (atomic on POSIX).
    let tmp = root.join("CURRENT.tmp");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(generation.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, root.join("CURRENT"))?;
    if let Ok(d) = std::fs::File::open(root) {
        let _ = d.sync_all();
    }
    Ok((handle, generation, state))
}

/// Deletes generation directories other than `keep` (leftovers of an interrupted rebuild
/// or of a swap). Best effort.
fn remove_other_generations(root: &Path, keep: &str) {
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != keep && generation_number(&name).is_some() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}
