//! The compact in-memory forward index of learners (CSR arrays) and per-skill postings.
//!
//! Learners live in *slots*. Slots are append-only: an upsert tombstones the learner's
//! old slot and appends a new one, so every per-skill posting list stays sorted by slot
//! simply by appending. When more than half the slots are dead, [`LearnerStore::compact`]
//! rewrites the arrays keeping the order of the live slots.
//!
//! Evidence is packed into one `u32` per entry: skill dense index (bits 0..20, with
//! [`UNKNOWN_SKILL`] for a skill the taxonomy does not know), level (bits 20..23) and a
//! confidence code `kind * 2 + expired` (bits 23..26).

use std::collections::HashMap;

use crate::engine::docs::{LearnerDoc, location_key};
use crate::scoring::EvidenceKind;
use crate::taxonomy::Taxonomy;

/// Skill bits of a packed evidence entry.
pub(crate) const SKILL_MASK: u32 = (1 << 20) - 1;
/// Packed skill value for a skill the taxonomy does not know.
pub(crate) const UNKNOWN_SKILL: u32 = SKILL_MASK;
/// No location.
pub(crate) const NO_LOCATION: u32 = u32::MAX;
/// Compaction waits for at least this many dead slots (and more dead than live).
#[cfg(not(test))]
const COMPACT_MIN_DEAD: usize = 1024;
#[cfg(test)]
const COMPACT_MIN_DEAD: usize = 4;

/// Packs one evidence entry.
pub(crate) fn pack(skill: u32, level: u8, kind: EvidenceKind, expired: bool) -> u32 {
    let conf = u32::from(kind.code()) * 2 + u32::from(expired);
    (skill & SKILL_MASK) | (u32::from(level & 7) << 20) | (conf << 23)
}

/// `(skill dense, level, confidence code)` of a packed entry.
#[inline]
pub(crate) fn unpack(e: u32) -> (u32, u8, u8) {
    (e & SKILL_MASK, ((e >> 20) & 7) as u8, ((e >> 23) & 7) as u8)
}

/// The posting list of a packed entry with a known skill.
#[inline]
pub(crate) fn posting_index(skill: u32, e: u32) -> usize {
    ((skill as usize) << 6) | ((e >> 20) & 63) as usize
}

/// A fixed-size bitset over slots.
#[derive(Debug, Clone, Default)]
pub(crate) struct BitSet {
    pub(crate) words: Vec<u64>,
}

impl BitSet {
    pub(crate) fn new(len: usize) -> BitSet {
        BitSet {
            words: vec![0; len.div_ceil(64)],
        }
    }
    #[inline]
    pub(crate) fn insert(&mut self, i: u32) {
        self.words[(i >> 6) as usize] |= 1u64 << (i & 63);
    }
    #[inline]
    pub(crate) fn contains(&self, i: u32) -> bool {
        self.words
            .get((i >> 6) as usize)
            .is_some_and(|w| w & (1u64 << (i & 63)) != 0)
    }
    pub(crate) fn remove(&mut self, i: u32) {
        if let Some(w) = self.words.get_mut((i >> 6) as usize) {
            *w &= !(1u64 << (i & 63));
        }
    }
    pub(crate) fn grow(&mut self, len: usize) {
        self.words.resize(len.div_ceil(64), 0);
    }
    /// Calls `f` for every set bit with index in `[from, to)`, in order.
    #[inline]
    pub(crate) fn for_each_in(&self, from: u32, to: u32, mut f: impl FnMut(u32)) {
        let (wa, wb) = (
            (from >> 6) as usize,
            (to as usize).div_ceil(64).min(self.words.len()),
        );
        for wi in wa..wb {
            let mut w = self.words[wi];
            if wi == wa {
                w &= u64::MAX << (from & 63);
            }
            while w != 0 {
                let i = (wi as u32) << 6 | w.trailing_zeros();
                if i >= to {
                    return;
                }
                f(i);
                w &= w - 1;
            }
        }
    }
}

/// The learners: forward arrays, postings and filters, by slot.
#[derive(Debug, Clone, Default)]
pub(crate) struct LearnerStore {
    pub(crate) ids: Vec<i64>,
    pub(crate) alive: BitSet,
    /// Visibility code per slot (see `Visibility::code`).
    pub(crate) visibility: Vec<u8>,
    pub(crate) location: Vec<u32>,
    pub(crate) remote: Vec<u8>,
    /// CSR: evidence of slot `s` is `ev[ev_off[s]..ev_off[s + 1]]`.
    pub(crate) ev_off: Vec<u32>,
    pub(crate) ev: Vec<u32>,
    /// Per (skill dense index, evidence class): the slots holding such evidence,
    /// ascending, no repeats. Index `skill << 6 | class` with class `(conf << 3) | level`
    /// (bits 20..26 of the packed entry), so every list has one exact credit per
    /// requirement.
    pub(crate) postings: Vec<Vec<u32>>,
    pub(crate) slot_of: HashMap<i64, u32>,
    pub(crate) locations: HashMap<String, u32>,
    /// Location text as written -> code (a cache in front of `locations`).
    raw_locations: HashMap<String, u32>,
    pub(crate) dead: usize,
}

impl LearnerStore {
    pub(crate) fn new(num_skills: usize) -> LearnerStore {
        LearnerStore {
            ev_off: vec![0],
            postings: vec![Vec::new(); num_skills << 6],
            ..LearnerStore::default()
        }
    }

    /// Number of slots (live or dead).
    pub(crate) fn num_slots(&self) -> u32 {
        self.ids.len() as u32
    }

    /// Number of live learners.
    pub(crate) fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub(crate) fn location_code(&self, loc: Option<&str>) -> Option<u32> {
        match location_key(loc) {
            None => Some(NO_LOCATION),
            Some(k) => self.locations.get(&k).copied(),
        }
    }

    #[inline]
    pub(crate) fn evidence(&self, slot: u32) -> &[u32] {
        &self.ev[self.ev_off[slot as usize] as usize..self.ev_off[slot as usize + 1] as usize]
    }

    /// Inserts or replaces a learner.
    pub(crate) fn upsert(&mut self, tax: &Taxonomy, doc: &LearnerDoc) {
        self.upsert_with(tax, doc, true);
    }

    /// [`LearnerStore::upsert`] without updating the postings, for bulk loads that end
    /// with [`LearnerStore::compact`] (which rebuilds every posting list). The store must
    /// not be searched in between.
    pub(crate) fn upsert_deferred(&mut self, tax: &Taxonomy, doc: &LearnerDoc) {
        self.upsert_with(tax, doc, false);
    }

    fn upsert_with(&mut self, tax: &Taxonomy, doc: &LearnerDoc, postings: bool) {
        self.delete(doc.id);
        let slot = self.ids.len() as u32;
        self.ids.push(doc.id);
        self.alive.grow(self.ids.len());
        self.alive.insert(slot);
        self.visibility.push(doc.visibility.code());
        let loc = match doc.location.as_deref() {
            None => NO_LOCATION,
            // Most locations repeat verbatim: look the raw text up without allocating.
            Some(raw) => match self.raw_locations.get(raw) {
                Some(&code) => code,
                None => {
                    let code = match location_key(Some(raw)) {
                        None => NO_LOCATION,
                        Some(k) => {
                            let next = self.locations.len() as u32;
                            *self.locations.entry(k).or_insert(next)
                        }
                    };
                    if self.raw_locations.len() < 100_000 {
                        self.raw_locations.insert(raw.to_string(), code);
                    }
                    code
                }
            },
        };
        self.location.push(loc);
        self.remote.push(doc.remote_preference.code());
        for e in &doc.evidence {
            let skill = tax.dense(e.skill).unwrap_or(UNKNOWN_SKILL);
            self.ev.push(pack(skill, e.level, e.kind, e.expired));
            if postings && skill != UNKNOWN_SKILL {
                let p = &mut self.postings[posting_index(skill, self.ev[self.ev.len() - 1])];
                if p.last() != Some(&slot) {
                    p.push(slot);
                }
            }
        }
        self.ev_off.push(self.ev.len() as u32);
        self.slot_of.insert(doc.id, slot);
    }

    /// Removes a learner if present.
    pub(crate) fn delete(&mut self, id: i64) {
        if let Some(slot) = self.slot_of.remove(&id) {
            self.alive.remove(slot);
            self.dead += 1;
        }
    }

    /// Releases spare capacity (after a bulk load).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.visibility.shrink_to_fit();
        self.location.shrink_to_fit();
        self.remote.shrink_to_fit();
        self.ev_off.shrink_to_fit();
        self.ev.shrink_to_fit();
        self.postings.iter_mut().for_each(Vec::shrink_to_fit);
        self.slot_of.shrink_to_fit();
    }

    /// Whether compaction is worthwhile.
    pub(crate) fn needs_compaction(&self) -> bool {
        self.dead > COMPACT_MIN_DEAD && self.dead * 2 > self.ids.len()
    }

    /// Rewrites the arrays without dead slots, live learners ordered by *cluster*: their
    /// most frequent skill family, then their second, then the previous order. Learners
    /// of one occupation then sit next to each other, so the candidates of a query are
    /// dense in a few slot ranges and scoring them reads memory nearly sequentially.
    pub(crate) fn compact(&mut self, tax: &Taxonomy) {
        let mut keyed: Vec<(u32, u32, u32)> = Vec::with_capacity(self.len());
        let mut counts: Vec<(u32, u32)> = Vec::new();
        for slot in 0..self.num_slots() {
            if !self.alive.contains(slot) {
                continue;
            }
            counts.clear();
            for &e in self.evidence(slot) {
                let (skill, _, _) = unpack(e);
                if skill == UNKNOWN_SKILL || skill as usize >= tax.len() {
                    continue;
                }
                let family = tax.parent_dense(skill).unwrap_or(skill);
                match counts.iter_mut().find(|(f, _)| *f == family) {
                    Some((_, c)) => *c += 1,
                    None => counts.push((family, 1)),
                }
            }
            // most frequent first, ties by family index
            counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let k1 = counts.first().map_or(u32::MAX, |c| c.0);
            let k2 = counts.get(1).map_or(u32::MAX, |c| c.0);
            keyed.push((k1, k2, slot));
        }
        keyed.sort_unstable();
        let num_skills = self.postings.len() >> 6;
        // Postings are rebuilt from the evidence: free the old ones first.
        self.postings = Vec::new();
        let mut out = LearnerStore::new(num_skills);
        out.locations = std::mem::take(&mut self.locations);
        out.raw_locations = std::mem::take(&mut self.raw_locations);
        out.ids.reserve(keyed.len());
        out.ev.reserve(self.ev.len());
        for &(_, _, slot) in &keyed {
            let new = out.ids.len() as u32;
            let s = slot as usize;
            out.ids.push(self.ids[s]);
            out.visibility.push(self.visibility[s]);
            out.location.push(self.location[s]);
            out.remote.push(self.remote[s]);
            let (a, b) = (self.ev_off[s] as usize, self.ev_off[s + 1] as usize);
            for &e in &self.ev[a..b] {
                let skill = e & SKILL_MASK;
                if skill != UNKNOWN_SKILL {
                    let p = &mut out.postings[posting_index(skill, e)];
                    if p.last() != Some(&new) {
                        p.push(new);
                    }
                }
            }
            out.ev.extend_from_slice(&self.ev[a..b]);
            out.ev_off.push(out.ev.len() as u32);
            out.slot_of.insert(self.ids[s], new);
        }
        out.alive = BitSet::new(out.ids.len());
        for s in 0..out.num_slots() {
            out.alive.insert(s);
        }
        out.shrink_to_fit();
        *self = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_roundtrip() {
        let e = pack(12345, 5, EvidenceKind::SelfAsserted, true);
        assert_eq!(unpack(e), (12345, 5, 5));
        let e = pack(0, 1, EvidenceKind::VerifiedCredential, false);
        assert_eq!(unpack(e), (0, 1, 0));
    }

    #[test]
    fn bitset_iteration() {
        let mut b = BitSet::new(300);
        for i in [0, 3, 63, 64, 65, 200, 299] {
            b.insert(i);
        }
        let mut got = vec![];
        b.for_each_in(3, 201, |i| got.push(i));
        assert_eq!(got, vec![3, 63, 64, 65, 200]);
        b.remove(64);
        assert!(!b.contains(64));
        assert!(b.contains(65));
    }
}
