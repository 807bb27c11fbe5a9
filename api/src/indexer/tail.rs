//! The tail task: follows the outbox, sweeps expiries, reports stalls.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::expiry::SWEEP_OVERLAP;
use super::shared::{Shared, Swept};
use crate::readiness::IndexState;

/// How soon after a failed sweep the next one is tried.
const SWEEP_RETRY: Duration = Duration::from_secs(60);

/// When the next sweep is due after `swept`: the sweep interval, or just after the next
/// known expiry if that comes sooner, but not before `min_gap`.
fn next_sweep(swept: &Swept, interval: Duration, min_gap: Duration) -> Instant {
    let mut wait = interval;
    if let Some(next) = swept.next_expiry {
        let until_next = (next - crate::repo::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            + Duration::from_secs(1);
        wait = wait.min(until_next.max(min_gap));
    }
    Instant::now() + wait
}

/// Runs until `stop` turns true. See [`crate::indexer`] for the behaviour.
pub(super) async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>, swept: Swept) {
    let opts = shared.options.clone();
    let mut last_sweep = swept.until;
    let mut sweep_at = next_sweep(&swept, opts.sweep_interval, opts.sweep_min_gap);
    let mut backoff = opts.poll_interval;
    // Since when steps have failed without progress, and whether that made us report
    // the index as not ready.
    let mut failing_since: Option<Instant> = None;
    let mut demoted = false;
    loop {
        if *stop.borrow() {
            break;
        }
        let pause = match shared.step().await {
            Ok(step) => {
                backoff = opts.poll_interval;
                failing_since = None;
                if demoted {
                    demoted = false;
                    shared.readiness.set_index(IndexState::Ready);
                    tracing::info!("search index making progress again: ready");
                }
                if step.rows as i64 >= opts.batch_size {
                    // More rows are waiting: go on at once (but let others run).
                    tokio::task::yield_now().await;
                    continue;
                }
                opts.poll_interval
            }
            Err(e) => {
                let since = *failing_since.get_or_insert_with(Instant::now);
                tracing::warn!(
                    error = format!("{e:#}"),
                    retry_in_ms = backoff.as_millis() as u64,
                    "search index: step failed"
                );
                if !demoted && since.elapsed() >= opts.stall_timeout {
                    demoted = true;
                    shared.readiness.set_index(IndexState::Building);
                    tracing::error!(
                        stalled_s = since.elapsed().as_secs(),
                        "search index cannot make progress: reporting not ready"
                    );
                }
                let pause = backoff;
                backoff = (backoff * 2).min(opts.max_backoff);
                pause
            }
        };
        if Instant::now() >= sweep_at {
            match shared.sweep(Some(last_sweep - SWEEP_OVERLAP)).await {
                Ok(swept) => {
                    last_sweep = swept.until;
                    sweep_at = next_sweep(&swept, opts.sweep_interval, opts.sweep_min_gap);
                }
                Err(e) => {
                    tracing::warn!(
                        error = format!("{e:#}"),
                        "search index: expiry sweep failed"
                    );
                    sweep_at = Instant::now() + SWEEP_RETRY;
                }
            }
        }
        let poked = failing_since.is_none();
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            () = shared.poke.notified(), if poked => {}
            () = tokio::time::sleep(pause) => {}
            () = tokio::time::sleep_until(sweep_at) => {}
        }
    }
    tracing::debug!("index tail task stopped");
}
