//! The background worker that keeps institutions' insights computed, and the cache the
//! resolvers read. Resolvers never cluster: they get what was computed, or `Pending`
//! while the first computation for what they asked (a new k) runs.
//!
//! # When things are computed
//! - At start-up, the data is read and the default segmentation (k chosen by
//!   silhouette) is computed.
//! - A request for a k not in the cache queues it (at most [`MAX_CACHED_K`] fixed k are
//!   kept; the least recently asked one is dropped) and the worker computes it.
//! - Every `check_interval` the worker counts outbox rows written since the data was
//!   read; when they reach `refresh_fraction` of learners + jobs (at least one row), or
//!   the data is older than `max_age` (credentials expire with time), everything is
//!   recomputed from a fresh read.
//! - An admin may ask for a recompute at once ([`InsightsService::request_recompute`]).
//!
//! Clustering and summaries run on a blocking thread. A failed computation is logged and
//! kept as `last_error`; the previous results stay served.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use search_index::Taxonomy;
use search_index::segments::{
    FitOptions, KChoice, SegmentModel, Segmentation, SummaryOptions, fit, summarize,
};
use tokio::sync::Notify;

use super::data::{self, InsightsData};
use crate::db::Db;
use crate::repo;

/// Fixed k values kept in the cache besides the default.
pub const MAX_CACHED_K: usize = 8;
/// Largest k a caller may ask for.
pub const MAX_K: usize = 30;
/// Smallest k.
pub const MIN_K: usize = 2;

/// Tuning of the worker.
#[derive(Debug, Clone)]
pub struct InsightsOptions {
    /// How often the worker checks whether the data changed enough.
    pub check_interval: Duration,
    /// Recompute when outbox rows since the read reach this share of learners + jobs.
    pub refresh_fraction: f64,
    /// Recompute when the data is older than this.
    pub max_age: Duration,
    /// Segments smaller than this are never shown.
    pub min_cohort: usize,
    /// k range of the default segmentation (best silhouette).
    pub auto_k: (usize, usize),
    /// Seed of k-means++ and of the samples.
    pub seed: u64,
    /// Compute at start-up (the server); otherwise only once something is asked for
    /// (tests that count statements).
    pub eager: bool,
}

impl Default for InsightsOptions {
    fn default() -> Self {
        InsightsOptions {
            check_interval: Duration::from_secs(60),
            refresh_fraction: 0.05,
            max_age: Duration::from_secs(6 * 3600),
            min_cohort: 10,
            auto_k: (4, 12),
            seed: 42,
            eager: true,
        }
    }
}

impl InsightsOptions {
    /// From `TALENT_INSIGHTS_CHECK_SECS` (check interval, default 60),
    /// `TALENT_INSIGHTS_REFRESH_FRACTION` (0 < f <= 1, default 0.05),
    /// `TALENT_INSIGHTS_MAX_AGE_SECS` (default 21600) and `TALENT_SEGMENT_MIN_COHORT`
    /// (>= 2, default 10), `TALENT_INSIGHTS_EAGER` (1: compute at start-up, the default;
    /// 0: only once an insight is asked for).
    ///
    /// # Errors
    /// A value that does not parse or is out of range, naming the variable.
    pub fn from_env() -> anyhow::Result<InsightsOptions> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`InsightsOptions::from_env`], reading variables through `lookup`.
    ///
    /// # Errors
    /// As [`InsightsOptions::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<InsightsOptions> {
        let d = InsightsOptions::default();
        let int = |name: &str, min: u64| -> anyhow::Result<Option<u64>> {
            match lookup(name) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n >= min => Ok(Some(n)),
                    _ => anyhow::bail!("{name} must be a whole number >= {min}, got {v:?}"),
                },
            }
        };
        let refresh_fraction = match lookup("TALENT_INSIGHTS_REFRESH_FRACTION") {
            None => d.refresh_fraction,
            Some(v) => match v.trim().parse::<f64>() {
                Ok(f) if f > 0.0 && f <= 1.0 => f,
                _ => anyhow::bail!(
                    "TALENT_INSIGHTS_REFRESH_FRACTION must be a number in (0, 1], got {v:?}"
                ),
            },
        };
        Ok(InsightsOptions {
            check_interval: int("TALENT_INSIGHTS_CHECK_SECS", 1)?
                .map_or(d.check_interval, Duration::from_secs),
            refresh_fraction,
            max_age: int("TALENT_INSIGHTS_MAX_AGE_SECS", 60)?
                .map_or(d.max_age, Duration::from_secs),
            min_cohort: int("TALENT_SEGMENT_MIN_COHORT", 2)?.map_or(d.min_cohort, |n| n as usize),
            eager: match lookup("TALENT_INSIGHTS_EAGER").as_deref().map(str::trim) {
                None | Some("1" | "true") => true,
                Some("0" | "false") => false,
                Some(v) => anyhow::bail!("TALENT_INSIGHTS_EAGER must be 1 or 0, got {v:?}"),
            },
            ..d
        })
    }
}

/// Which segmentation: `None` is the default (k by silhouette).
pub type KKey = Option<usize>;

/// One computed segmentation: the model over all learners and its summaries per scope.
#[derive(Debug)]
pub struct SegmentsEntry {
    /// The clustering.
    pub model: Arc<SegmentModel>,
    /// All learners.
    pub all: Arc<Segmentation>,
    /// Each institution's own learners (institutions without learners are absent).
    pub by_institution: BTreeMap<i64, Arc<Segmentation>>,
    /// When computed.
    pub computed_at: DateTime<Utc>,
}

/// The data read and what was computed from it.
#[derive(Debug)]
pub struct Computed {
    /// The data.
    pub data: Arc<InsightsData>,
    /// When the data was read.
    pub read_at: DateTime<Utc>,
    /// Segmentations by k.
    pub segments: BTreeMap<KKey, Arc<SegmentsEntry>>,
}

/// A cache answer.
#[derive(Debug, Clone)]
pub enum Lookup<T> {
    /// Computed.
    Ready(T),
    /// Being computed; ask again later.
    Pending,
    /// Not possible on the current data (why).
    Failed(String),
}

#[derive(Default)]
struct State {
    computed: Option<Arc<Computed>>,
    /// Fixed k asked for, most recent last.
    wanted: Vec<usize>,
    force: bool,
    computing: bool,
    last_error: Option<String>,
    /// Segmentations the current data cannot support, and why (cleared by a new read).
    failed: BTreeMap<KKey, String>,
}

/// The insights cache and its worker.
pub struct InsightsService {
    db: Db,
    tax: Arc<Taxonomy>,
    options: InsightsOptions,
    state: Mutex<State>,
    wake: Notify,
    stop: Notify,
}

impl InsightsService {
    /// Starts the worker (it computes the default segmentation at once).
    pub fn start(db: Db, tax: Arc<Taxonomy>, options: InsightsOptions) -> Arc<InsightsService> {
        let svc = Arc::new(InsightsService {
            db,
            tax,
            options,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
            stop: Notify::new(),
        });
        let worker = Arc::clone(&svc);
        tokio::spawn(async move { worker.run().await });
        svc
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The options.
    pub fn options(&self) -> &InsightsOptions {
        &self.options
    }

    /// The taxonomy insights are computed with.
    pub fn taxonomy(&self) -> &Arc<Taxonomy> {
        &self.tax
    }

    /// The last computation, if any (when none, the worker is woken: a lazy service
    /// starts computing).
    pub fn computed(&self) -> Option<Arc<Computed>> {
        let c = self.state().computed.clone();
        if c.is_none() {
            self.wake.notify_one();
        }
        c
    }

    /// Waits until something is computed and no computation runs (tests, tools).
    /// False on timeout.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        self.wake.notify_one();
        loop {
            {
                let st = self.state();
                if st.computed.is_some() && !st.computing && !st.force {
                    return true;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether a computation is running.
    pub fn computing(&self) -> bool {
        self.state().computing
    }

    /// The error of the last failed computation, if the last one failed.
    pub fn last_error(&self) -> Option<String> {
        self.state().last_error.clone()
    }

    /// The segmentation for `k` (`None`: the default), or `Pending` after queueing it.
    pub fn segments(&self, k: KKey) -> Lookup<(Arc<Computed>, Arc<SegmentsEntry>)> {
        let mut st = self.state();
        if let Some(why) = st.failed.get(&k) {
            return Lookup::Failed(why.clone());
        }
        if let Some(k) = k {
            st.wanted.retain(|&w| w != k);
            st.wanted.push(k);
            if st.wanted.len() > MAX_CACHED_K {
                st.wanted.remove(0);
            }
        }
        let found = st
            .computed
            .as_ref()
            .and_then(|c| c.segments.get(&k).map(|e| (Arc::clone(c), Arc::clone(e))));
        drop(st);
        match found {
            Some(f) => Lookup::Ready(f),
            None => {
                self.wake.notify_one();
                Lookup::Pending
            }
        }
    }

    /// Asks for a full recompute from a fresh read, at once.
    pub fn request_recompute(&self) {
        self.state().force = true;
        self.wake.notify_one();
    }

    /// Stops the worker.
    pub fn shutdown(&self) {
        self.stop.notify_one();
    }

    async fn run(self: Arc<Self>) {
        if !self.options.eager {
            tokio::select! {
                () = self.wake.notified() => {}
                () = self.stop.notified() => return,
            }
        }
        loop {
            if let Err(e) = self.step().await {
                tracing::error!(error = %e, "insights computation failed");
                self.state().last_error = Some(e.to_string());
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.options.check_interval) => {}
                () = self.stop.notified() => return,
            }
        }
    }

    async fn stale(&self, c: &Computed) -> anyhow::Result<bool> {
        let age = Utc::now().signed_duration_since(c.read_at);
        if age.to_std().unwrap_or_default() >= self.options.max_age {
            return Ok(true);
        }
        let mut p = self.db.conn().await?;
        let changed = repo::outbox::count_after(&mut p.conn(), c.data.seq).await?;
        let size = (c.data.learners.len() + c.data.jobs.len()) as f64;
        let threshold = (size * self.options.refresh_fraction).ceil().max(1.0) as i64;
        Ok(changed >= threshold)
    }

    async fn step(&self) -> anyhow::Result<()> {
        let (current, force, wanted) = {
            let mut st = self.state();
            let force = std::mem::take(&mut st.force);
            st.computing = true;
            (st.computed.clone(), force, st.wanted.clone())
        };
        let r = self.step_inner(current, force, wanted).await;
        self.state().computing = false;
        r
    }

    async fn step_inner(
        &self,
        current: Option<Arc<Computed>>,
        force: bool,
        wanted: Vec<usize>,
    ) -> anyhow::Result<()> {
        let mut keys: BTreeSet<KKey> = wanted.into_iter().map(Some).collect();
        keys.insert(None);
        let refresh = match &current {
            None => true,
            Some(c) => force || self.stale(c).await?,
        };
        let (data, read_at, mut segments) = match (&current, refresh) {
            (Some(c), false) => {
                let failed = self.state().failed.clone();
                if keys
                    .iter()
                    .all(|k| c.segments.contains_key(k) || failed.contains_key(k))
                {
                    return Ok(());
                }
                (Arc::clone(&c.data), c.read_at, c.segments.clone())
            }
            _ => {
                let started = std::time::Instant::now();
                let d = data::load(&self.db).await?;
                tracing::info!(
                    learners = d.learners.len(),
                    jobs = d.jobs.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "insights data read"
                );
                self.state().failed.clear();
                (Arc::new(d), Utc::now(), BTreeMap::new())
            }
        };
        segments.retain(|k, _| keys.contains(k));
        let failed: BTreeSet<KKey> = self.state().failed.keys().copied().collect();
        let todo: Vec<KKey> = keys
            .iter()
            .copied()
            .filter(|k| !segments.contains_key(k) && !failed.contains(k))
            .collect();
        for k in todo {
            let d = Arc::clone(&data);
            let tax = Arc::clone(&self.tax);
            let opts = self.options.clone();
            let started = std::time::Instant::now();
            let entry = tokio::task::spawn_blocking(move || compute(&d, &tax, &opts, k)).await;
            let entry = match entry {
                Ok(Ok(e)) => e,
                Ok(Err(e)) => {
                    // A k the data cannot support (more clusters than learners) is an
                    // answer, not a failure: keep it out of the queue.
                    tracing::warn!(k, auto_k = k.is_none(), error = %e, "segmentation not possible");
                    let mut st = self.state();
                    if let Some(k) = k {
                        st.wanted.retain(|&w| w != k);
                    }
                    st.failed.insert(k, e.to_string());
                    continue;
                }
                Err(e) => return Err(anyhow::anyhow!("segmentation task failed: {e}")),
            };
            tracing::info!(
                k,
                auto_k = k.is_none(),
                clusters = entry.model.k,
                ms = started.elapsed().as_millis() as u64,
                "learner segments computed"
            );
            segments.insert(k, Arc::new(entry));
            // Publish each segmentation as soon as it is ready.
            let mut st = self.state();
            st.computed = Some(Arc::new(Computed {
                data: Arc::clone(&data),
                read_at,
                segments: segments.clone(),
            }));
            st.last_error = None;
        }
        let mut st = self.state();
        if st
            .computed
            .as_ref()
            .is_none_or(|c| !Arc::ptr_eq(&c.data, &data))
        {
            st.computed = Some(Arc::new(Computed {
                data,
                read_at,
                segments,
            }));
        }
        Ok(())
    }
}

/// The fit options for a k.
pub fn fit_options(opts: &InsightsOptions, k: KKey) -> FitOptions {
    FitOptions {
        k: match k {
            Some(k) => KChoice::Fixed(k),
            None => KChoice::Auto {
                min: opts.auto_k.0,
                max: opts.auto_k.1,
            },
        },
        seed: opts.seed,
        ..FitOptions::default()
    }
}

/// Learners on which k is chosen when it is chosen by silhouette: every k of the range
/// is fitted on this many, then only the chosen k on the full fit sample.
pub const K_SELECTION_SAMPLE: usize = 20_000;

/// [`fit`], choosing k on at most [`K_SELECTION_SAMPLE`] learners.
///
/// # Errors
/// As [`fit`].
pub fn fit_model(
    tax: &Taxonomy,
    learners: &[search_index::segments::SegmentLearner],
    occupations: &[search_index::segments::SegmentOccupation],
    fo: &FitOptions,
) -> Result<SegmentModel, search_index::segments::SegmentError> {
    let KChoice::Auto { min, max } = fo.k else {
        return fit(tax, learners, occupations, fo);
    };
    if learners.len() <= K_SELECTION_SAMPLE || fo.max_fit_sample <= K_SELECTION_SAMPLE {
        return fit(tax, learners, occupations, fo);
    }
    let probe = fit(
        tax,
        learners,
        occupations,
        &FitOptions {
            max_fit_sample: K_SELECTION_SAMPLE,
            ..fo.clone()
        },
    )?;
    let mut model = fit(
        tax,
        learners,
        occupations,
        &FitOptions {
            k: KChoice::Fixed(probe.k),
            ..fo.clone()
        },
    )?;
    model.k_choice = fo.k;
    model.silhouettes = probe.silhouettes;
    model.method = format!(
        "{}; k = {} was chosen in {min}..={max} by the best mean silhouette of k-means fitted on a deterministic sample of {K_SELECTION_SAMPLE} learners",
        model.method, probe.k
    );
    Ok(model)
}

/// The segments in the order they are shown: largest first, ties by key. Sizes are
/// counted within the scope, so a scope's order differs from the clusters' (which are
/// numbered by size over all learners) and the merged bucket takes its place by size.
pub fn largest_first(mut s: Segmentation) -> Segmentation {
    s.segments
        .sort_by_key(|seg| (std::cmp::Reverse(seg.size), seg.key));
    s
}

/// Clusters every learner and summarises all learners and each institution's own, each
/// with its segments [`largest_first`].
pub fn compute(
    data: &InsightsData,
    tax: &Taxonomy,
    opts: &InsightsOptions,
    k: KKey,
) -> anyhow::Result<SegmentsEntry> {
    let learners = data.segment_learners();
    let mut fo = fit_options(opts, k);
    if let KChoice::Auto { min, max } = fo.k {
        // A small population cannot support the whole range; the library caps max at
        // the learners fitted on, but not min.
        let n = learners.len();
        if n < min.max(MIN_K) {
            anyhow::bail!("{n} learners are too few to segment");
        }
        fo.k = KChoice::Auto {
            min,
            max: max.min(n),
        };
    }
    let model = fit_model(tax, &learners, &data.occupations, &fo)?;
    let courses = data.segment_courses();
    let so = SummaryOptions {
        min_cohort: opts.min_cohort,
        ..SummaryOptions::default()
    };
    let all = largest_first(summarize(
        &model,
        tax,
        &learners,
        &|_| true,
        &data.occupations,
        &courses,
        &so,
    ));
    let mut by_institution = BTreeMap::new();
    for (&org, members) in &data.members {
        let s = largest_first(summarize(
            &model,
            tax,
            &learners,
            &|id| members.contains(&id),
            &data.occupations,
            &courses,
            &so,
        ));
        by_institution.insert(org, Arc::new(s));
    }
    Ok(SegmentsEntry {
        model: Arc::new(model),
        all: Arc::new(all),
        by_institution,
        computed_at: Utc::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(vars: &[(&str, &str)]) -> anyhow::Result<InsightsOptions> {
        InsightsOptions::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn options_come_from_the_environment_and_bad_values_are_named() {
        let d = from(&[]).expect("defaults");
        assert_eq!(d.min_cohort, 10);
        assert!(d.eager);
        let o = from(&[
            ("TALENT_SEGMENT_MIN_COHORT", "25"),
            ("TALENT_INSIGHTS_REFRESH_FRACTION", "0.2"),
            ("TALENT_INSIGHTS_CHECK_SECS", "5"),
        ])
        .expect("valid");
        assert_eq!(o.min_cohort, 25);
        assert_eq!(o.refresh_fraction, 0.2);
        assert_eq!(o.check_interval, Duration::from_secs(5));
        assert!(!from(&[("TALENT_INSIGHTS_EAGER", "0")]).expect("lazy").eager);
        for (k, v) in [
            ("TALENT_SEGMENT_MIN_COHORT", "1"),
            ("TALENT_SEGMENT_MIN_COHORT", "ten"),
            ("TALENT_INSIGHTS_REFRESH_FRACTION", "0"),
            ("TALENT_INSIGHTS_REFRESH_FRACTION", "1.5"),
            ("TALENT_INSIGHTS_CHECK_SECS", "0"),
            ("TALENT_INSIGHTS_MAX_AGE_SECS", "-3"),
            ("TALENT_INSIGHTS_EAGER", "maybe"),
        ] {
            let e = from(&[(k, v)]).expect_err(v).to_string();
            assert!(e.contains(k), "{e}");
        }
    }
}
