//! Microcredentials as the pathway code sees them, and a skill -> microcredential index.
//!
//! The engine keeps its own microcredential store (not public yet when this was
//! written); this is the small, read-only index the pathway code needs (who teaches skill
//! s at which level), built once from the catalogue and shared. Inactive
//! microcredentials are left out.

use std::collections::HashMap;

use crate::taxonomy::SkillId;

/// A microcredential in the catalogue (the fields of the engine's microcredential
/// document that pathways use).
#[derive(Debug, Clone, PartialEq)]
pub struct Microcredential {
    /// Database id.
    pub id: i64,
    /// Learning hours (finite, `>= 0`).
    pub hours: f64,
    /// Cost in cents (`>= 0`).
    pub cost_cents: i64,
    /// Skills taught, with the level reached (1..=5).
    pub skills: Vec<(SkillId, u8)>,
    /// Prerequisites as (skill, level): the same skill held at that level or above.
    pub prerequisites: Vec<(SkillId, u8)>,
    /// Only active microcredentials are indexed.
    pub active: bool,
}

/// Active microcredentials indexed by the skills they teach.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    docs: Vec<Microcredential>,
    /// Skill -> (index into `docs`, level taught), by ascending doc index.
    teaching: HashMap<SkillId, Vec<(u32, u8)>>,
}

impl Catalogue {
    /// Indexes the active microcredentials of `docs` (inactive ones are skipped).
    pub fn new(docs: impl IntoIterator<Item = Microcredential>) -> Self {
        let docs: Vec<Microcredential> = docs.into_iter().filter(|d| d.active).collect();
        let mut teaching: HashMap<SkillId, Vec<(u32, u8)>> = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            for &(skill, level) in &d.skills {
                let list = teaching.entry(skill).or_default();
                // A doc teaching a skill twice is indexed once, at the higher level.
                match list.last_mut() {
                    Some(last) if last.0 == i as u32 => last.1 = last.1.max(level),
                    _ => list.push((i as u32, level)),
                }
            }
        }
        Self { docs, teaching }
    }

    /// The active microcredentials, in input order.
    pub fn docs(&self) -> &[Microcredential] {
        &self.docs
    }

    /// Number of active microcredentials.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Indices (into [`Catalogue::docs`]) of the microcredentials teaching exactly `skill`
    /// at `min_level` or above.
    pub fn teaching(&self, skill: SkillId, min_level: u8) -> impl Iterator<Item = usize> + '_ {
        self.teaching
            .get(&skill)
            .into_iter()
            .flatten()
            .filter(move |&&(_, l)| l >= min_level)
            .map(|&(i, _)| i as usize)
    }
}
