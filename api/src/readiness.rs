//! What /readyz reports besides the database: whether migrations are applied and the
//! state of the local search index. Set by start-up and the indexer, read by the
//! server.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// The state of the local search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum IndexState {
    /// Being built or replayed; not ready.
    Building = 0,
    /// Caught up with the outbox.
    Ready = 1,
    /// Failed; see the logs.
    Failed = 2,
}

impl IndexState {
    /// The state as /readyz names it.
    pub fn as_str(self) -> &'static str {
        match self {
            IndexState::Building => "building",
            IndexState::Ready => "ready",
            IndexState::Failed => "failed",
        }
    }
}

/// What /readyz checks besides the database.
#[derive(Debug)]
pub struct Readiness {
    migrated: AtomicBool,
    index: AtomicU8,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness {
            migrated: AtomicBool::new(false),
            index: AtomicU8::new(IndexState::Building as u8),
        }
    }
}

impl Readiness {
    /// Records that migrations are applied.
    pub fn set_migrated(&self) {
        self.migrated.store(true, Ordering::SeqCst);
    }
    /// Whether migrations are applied.
    pub fn migrated(&self) -> bool {
        self.migrated.load(Ordering::SeqCst)
    }
    /// Records the index state.
    pub fn set_index(&self, s: IndexState) {
        self.index.store(s as u8, Ordering::SeqCst);
    }
    /// The index state.
    pub fn index(&self) -> IndexState {
        match self.index.load(Ordering::SeqCst) {
            1 => IndexState::Ready,
            2 => IndexState::Failed,
            _ => IndexState::Building,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_readiness_is_not_migrated_and_building_and_keeps_what_is_set() {
        let r = Readiness::default();
        assert!(!r.migrated());
        assert_eq!(r.index(), IndexState::Building);
        r.set_migrated();
        assert!(r.migrated());
        for s in [IndexState::Ready, IndexState::Failed, IndexState::Building] {
            r.set_index(s);
            assert_eq!(r.index(), s);
        }
        assert_eq!(
            [IndexState::Building, IndexState::Ready, IndexState::Failed].map(IndexState::as_str),
            ["building", "ready", "failed"]
        );
    }
}
