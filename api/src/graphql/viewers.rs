//! A short-lived cache of signed-in viewers by bearer token.
//!
//! Without it every authenticated request verifies its token and then provisions its
//! user (user by subject, organization by slug, organization by id: three statements
//! through the pool) before anything else runs: most of the cost of a small request.
//! With it, a token seen in the last `ttl` (30 s by
//! default, `TALENT_VIEWER_CACHE_SECS`) is served from memory.
//!
//! What a cached entry may and may not do:
//! - it never outlives its token: an entry ends at the token's `exp` (the leeway is not
//!   extended), after which the token goes through full verification again (and is
//!   refused as expired when it is);
//! - the key is the whole token string compared for equality, never a hash of it, so
//!   one token can never be taken for another;
//! - a user's role and organization are the ones of the token the entry was made from
//!   (tokens are self-contained claims); a newer token with other claims is another
//!   key, and provisioning it updates the stored user;
//! - erasing an account forgets its entries at once on this server
//!   ([`ViewerCache::forget_user`]); another replica keeps its own entry for at most
//!   `ttl`, during which that token acts as a user whose rows are gone (reads find
//!   nothing; writes fail on the missing user);
//! - the cache holds at most [`ViewerCache::CAPACITY`] tokens: a full cache first drops
//!   its expired entries and, when that frees nothing, starts empty again (a burst of
//!   distinct tokens costs a re-provisioning each, never unbounded memory).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::context::SignedIn;

/// By default a viewer is cached for 30 seconds.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

struct Entry {
    viewer: Arc<SignedIn>,
    until: Instant,
}

/// Signed-in viewers by token (see the module docs).
pub struct ViewerCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for ViewerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewerCache")
            .field("ttl", &self.ttl)
            .field("len", &self.len())
            .finish()
    }
}

impl Default for ViewerCache {
    fn default() -> Self {
        ViewerCache::new(DEFAULT_TTL)
    }
}

impl ViewerCache {
    /// The most tokens held at once.
    pub const CAPACITY: usize = 4096;

    /// A cache keeping viewers for `ttl`; `Duration::ZERO` caches nothing.
    pub fn new(ttl: Duration) -> ViewerCache {
        ViewerCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The viewer cached for exactly this token, if its entry has not ended.
    pub fn get(&self, token: &str) -> Option<Arc<SignedIn>> {
        if self.ttl.is_zero() {
            return None;
        }
        let now = Instant::now();
        let mut map = self.lock();
        match map.get(token) {
            Some(e) if e.until > now => Some(e.viewer.clone()),
            Some(_) => {
                map.remove(token);
                None
            }
            None => None,
        }
    }

    /// Caches `viewer` for `token`, whose `exp` is `expires_at` (seconds since the
    /// epoch), until the earlier of `ttl` from now and `exp`.
    pub fn insert(&self, token: &str, viewer: Arc<SignedIn>, expires_at: i64) {
        if self.ttl.is_zero() {
            return;
        }
        let now_unix = chrono::Utc::now().timestamp();
        let left = u64::try_from(expires_at.saturating_sub(now_unix)).unwrap_or(0);
        let life = self.ttl.min(Duration::from_secs(left));
        if life.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= Self::CAPACITY && !map.contains_key(token) {
            map.retain(|_, e| e.until > now);
            if map.len() >= Self::CAPACITY {
                map.clear();
            }
        }
        map.insert(
            token.to_owned(),
            Entry {
                viewer,
                until: now + life,
            },
        );
    }

    /// Forgets every token of this user (their account was erased).
    pub fn forget_user(&self, user_id: i64) {
        self.lock().retain(|_, e| e.viewer.user.id != user_id);
    }

    /// Tokens held (expired entries included until they are looked up or evicted).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no token is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::Role;
    use crate::repo::users::User;

    fn viewer(id: i64) -> Arc<SignedIn> {
        Arc::new(SignedIn {
            user: User {
                id,
                subject: format!("u{id}"),
                role: Role::Learner,
                organization_id: None,
            },
            organization: None,
        })
    }

    fn in_an_hour() -> i64 {
        chrono::Utc::now().timestamp() + 3600
    }

    #[test]
    fn a_token_is_found_only_by_itself() {
        let c = ViewerCache::default();
        c.insert("tok-a", viewer(1), in_an_hour());
        assert_eq!(c.get("tok-a").map(|v| v.user.id), Some(1));
        assert!(c.get("tok-b").is_none());
        assert!(c.get("tok-a ").is_none());
        assert!(c.get("tok-").is_none());
    }

    #[test]
    fn entries_end_with_their_ttl_and_never_outlive_the_token() {
        let c = ViewerCache::new(Duration::from_millis(30));
        c.insert("short", viewer(1), in_an_hour());
        assert!(c.get("short").is_some());
        std::thread::sleep(Duration::from_millis(60));
        assert!(c.get("short").is_none(), "past the ttl");
        assert_eq!(c.len(), 0, "an ended entry is dropped when looked up");

        let c = ViewerCache::new(Duration::from_secs(3600));
        // exp already passed (a token accepted within the leeway): not cached at all.
        c.insert("late", viewer(2), chrono::Utc::now().timestamp() - 5);
        assert!(c.get("late").is_none());
        // exp one second ahead: cached for at most that second.
        c.insert("soon", viewer(3), chrono::Utc::now().timestamp() + 1);
        assert!(c.get("soon").is_some());
        std::thread::sleep(Duration::from_millis(1100));
        assert!(c.get("soon").is_none(), "an entry ends at the token's exp");
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let c = ViewerCache::new(Duration::ZERO);
        c.insert("t", viewer(1), in_an_hour());
        assert!(c.get("t").is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn forgetting_a_user_drops_all_their_tokens_and_only_theirs() {
        let c = ViewerCache::default();
        c.insert("a1", viewer(1), in_an_hour());
        c.insert("a2", viewer(1), in_an_hour());
        c.insert("b", viewer(2), in_an_hour());
        c.forget_user(1);
        assert!(c.get("a1").is_none() && c.get("a2").is_none());
        assert_eq!(c.get("b").map(|v| v.user.id), Some(2));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let c = ViewerCache::default();
        for i in 0..(ViewerCache::CAPACITY + 10) {
            c.insert(&format!("t{i}"), viewer(i as i64), in_an_hour());
            assert!(c.len() <= ViewerCache::CAPACITY);
        }
        // The newest token is always held.
        let last = ViewerCache::CAPACITY + 9;
        assert!(c.get(&format!("t{last}")).is_some());
    }
}
