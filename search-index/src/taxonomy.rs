//! The skill taxonomy: skills, aliases, the parent tree and relations between skills.
//!
//! A [`Taxonomy`] is built once from a list of [`SkillDef`]s (as stored in the database)
//! and validated: ids and slugs are unique, every parent exists and the parent links form
//! a forest (no cycles). Skills are identified externally by their database id
//! ([`SkillId`], a plain `i64` alias so rows can be passed through without wrapping);
//! internally every skill gets a dense `u32` index (its position in the input order),
//! which the engine uses for flat arrays.
//!
//! # Relations
//! [`Taxonomy::relation`] implements the relation of MATCHING.md between the skill of a
//! piece of evidence and the skill a requirement asks for:
//! - [`Relation::Same`]: the same skill;
//! - [`Relation::Descendant`]: the evidence skill lies anywhere below the required skill
//!   (knows PostgreSQL, asked for SQL; also knows "PostGIS" under PostgreSQL, asked for SQL);
//! - [`Relation::Parent`]: the evidence skill is the *direct* parent of the required skill
//!   (knows SQL, asked for PostgreSQL). Grandparents do not count;
//! - [`Relation::Sibling`]: both skills have the same parent and that parent is a
//!   *family*. The convention here: a root of the tree (a skill without parent) is a broad
//!   area ("Software development"), never a family; every non-root skill with children is
//!   a family ("Relational databases"). So two children of a root are not siblings.
//!
//!
//! # Text
//! [`Taxonomy::normalize`] and [`Taxonomy::extract`] map free text to skill ids through a
//! [`Lexicon`] built from each skill's display name and aliases (keyed by dense index).
//! Slugs are identifiers, not prose: look them up with [`Taxonomy::by_slug`]; as a last
//! resort `normalize` also accepts an exact slug.

use std::collections::HashMap;

use crate::text::{Hit, Lexicon, LexiconEntry, LexiconError};

/// The external (database) id of a skill. A plain alias of `i64` so that rows and GraphQL
/// ids pass through without conversion.
pub type SkillId = i64;

/// Sentinel for "no parent" in the dense parent array.
const NONE: u32 = u32::MAX;

/// One skill as stored in the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkillDef {
    /// External id ([`SkillId`]).
    pub id: SkillId,
    /// Stable, unique slug, e.g. `postgresql`.
    pub slug: String,
    /// Display name, e.g. `PostgreSQL`.
    pub name: String,
    /// Category, e.g. `Databases`.
    pub category: String,
    /// The parent skill's id, `None` for a root.
    pub parent: Option<SkillId>,
    /// Aliases and abbreviations (`Postgres`, `psql`).
    pub aliases: Vec<String>,
    /// Whether the name is ambiguous in prose ("R", "Go", "Excel"): extraction then only
    /// accepts it in a skill-like context.
    pub ambiguous: bool,
}

/// How the skill of a piece of evidence relates to a required skill (MATCHING.md).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Relation {
    /// The same skill (factor 1.0).
    Same,
    /// The evidence skill is a descendant, at any depth, of the required skill (0.9).
    Descendant,
    /// The evidence skill is the direct parent of the required skill (0.5).
    Parent,
    /// Same parent, and that parent is a family, i.e. not a root (0.3).
    Sibling,
}

/// Why a list of [`SkillDef`]s is not a valid taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxonomyError {
    /// Two skills share an id.
    #[error("duplicate skill id {0}")]
    DuplicateId(SkillId),
    /// Two skills share a slug.
    #[error("duplicate skill slug {0:?}")]
    DuplicateSlug(String),
    /// A parent id does not name a skill in the list.
    #[error("skill {skill} has unknown parent {parent}")]
    UnknownParent {
        /// The child.
        skill: SkillId,
        /// The missing parent.
        parent: SkillId,
    },
    /// Following parent links from this skill comes back to it.
    #[error("parent cycle through skill {0}")]
    Cycle(SkillId),
    /// More skills than dense `u32` indices can address.
    #[error("too many skills")]
    TooMany,
    /// Names or aliases cannot be told apart (two skills' names fold alike) or fold to
    /// nothing.
    #[error("skill names: {0}")]
    Names(#[from] LexiconError),
}

/// A validated skill tree with fast lookups and relations. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Taxonomy {
    defs: Vec<SkillDef>,
    by_id: HashMap<SkillId, u32>,
    by_slug: HashMap<String, u32>,
    parent: Vec<u32>,
    /// CSR children lists: children of `i` are `child_list[child_off[i]..child_off[i+1]]`.
    child_off: Vec<u32>,
    child_list: Vec<u32>,
    /// Pre-order number of each skill and the end (exclusive) of its subtree, so that
    /// "`a` is a descendant of `b`" is `pre[b] < pre[a] < end[b]`.
    pre: Vec<u32>,
    end: Vec<u32>,
    /// Skills in pre-order: the subtree of `b` is `preorder[pre[b]..end[b]]`.
    preorder: Vec<u32>,
    lexicon: Lexicon,
}

impl Taxonomy {
    /// Validates `defs` and builds the taxonomy. Dense indices follow the input order.
    pub fn new(defs: Vec<SkillDef>) -> Result<Taxonomy, TaxonomyError> {
        let n = u32::try_from(defs.len()).map_err(|_| TaxonomyError::TooMany)?;
        if n == NONE {
            return Err(TaxonomyError::TooMany);
        }
        let mut by_id = HashMap::with_capacity(defs.len());
        let mut by_slug = HashMap::with_capacity(defs.len());
        for (i, d) in defs.iter().enumerate() {
            if by_id.insert(d.id, i as u32).is_some() {
                return Err(TaxonomyError::DuplicateId(d.id));
            }
            if by_slug.insert(d.slug.clone(), i as u32).is_some() {
                return Err(TaxonomyError::DuplicateSlug(d.slug.clone()));
            }
        }
        let mut parent = vec![NONE; defs.len()];
        for (i, d) in defs.iter().enumerate() {
            if let Some(p) = d.parent {
                let pi = *by_id.get(&p).ok_or(TaxonomyError::UnknownParent {
                    skill: d.id,
                    parent: p,
                })?;
                parent[i] = pi;
            }
        }
        // Cycle check: walk up from each node, with a colour per node
        // (0 unvisited, 1 on the current path, 2 known to reach a root).
        let mut colour = vec![0u8; defs.len()];
        let mut path = Vec::new();
        for start in 0..defs.len() {
            let mut cur = start as u32;
            path.clear();
            while cur != NONE && colour[cur as usize] == 0 {
                colour[cur as usize] = 1;
                path.push(cur);
                cur = parent[cur as usize];
            }
            if cur != NONE && colour[cur as usize] == 1 {
                return Err(TaxonomyError::Cycle(defs[cur as usize].id));
            }
            for &p in &path {
                colour[p as usize] = 2;
            }
        }
        // Children in CSR form, each list in input order.
        let mut child_off = vec![0u32; defs.len() + 1];
        for &p in &parent {
            if p != NONE {
                child_off[p as usize + 1] += 1;
            }
        }
        for i in 0..defs.len() {
            child_off[i + 1] += child_off[i];
        }
        let mut fill = child_off.clone();
        let mut child_list = vec![0u32; child_off[defs.len()] as usize];
        for (i, &p) in parent.iter().enumerate() {
            if p != NONE {
                child_list[fill[p as usize] as usize] = i as u32;
                fill[p as usize] += 1;
            }
        }
        // Pre-order numbering with an explicit stack.
        let mut pre = vec![0u32; defs.len()];
        let mut end = vec![0u32; defs.len()];
        let mut preorder = Vec::with_capacity(defs.len());
        let mut stack: Vec<(u32, bool)> = Vec::new();
        for root in (0..defs.len()).filter(|&i| parent[i] == NONE) {
            stack.push((root as u32, false));
            while let Some((node, done)) = stack.pop() {
                if done {
                    end[node as usize] = preorder.len() as u32;
                    continue;
                }
                pre[node as usize] = preorder.len() as u32;
                preorder.push(node);
                stack.push((node, true));
                let (a, b) = (child_off[node as usize], child_off[node as usize + 1]);
                for &c in child_list[a as usize..b as usize].iter().rev() {
                    stack.push((c, false));
                }
            }
        }
        let lexicon = Lexicon::new(defs.iter().enumerate().map(|(i, d)| {
            LexiconEntry {
                key: i as u32,
                names: std::iter::once(d.name.clone())
                    .chain(d.aliases.iter().cloned())
                    .collect(),
                ambiguous: d.ambiguous,
            }
        }))?;
        Ok(Taxonomy {
            lexicon,
            defs,
            by_id,
            by_slug,
            parent,
            child_off,
            child_list,
            pre,
            end,
            preorder,
        })
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether the taxonomy has no skills.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// All skills, in dense-index order (the input order).
    pub fn skills(&self) -> &[SkillDef] {
        &self.defs
    }

    /// The skill with this id.
    pub fn get(&self, id: SkillId) -> Option<&SkillDef> {
        self.by_id.get(&id).map(|&i| &self.defs[i as usize])
    }

    /// The skill with this slug (exact).
    pub fn by_slug(&self, slug: &str) -> Option<&SkillDef> {
        self.by_slug.get(slug).map(|&i| &self.defs[i as usize])
    }

    /// The parent of a skill; `None` for a root or an unknown id.
    pub fn parent(&self, id: SkillId) -> Option<SkillId> {
        let i = self.dense(id)?;
        let p = self.parent[i as usize];
        (p != NONE).then(|| self.defs[p as usize].id)
    }

    /// The direct children of a skill, in input order (empty for an unknown id).
    pub fn children(&self, id: SkillId) -> Vec<SkillId> {
        self.dense(id)
            .map(|i| {
                self.children_dense(i)
                    .iter()
                    .map(|&c| self.defs[c as usize].id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The ancestors of a skill, nearest first (empty for a root or an unknown id).
    pub fn ancestors(&self, id: SkillId) -> Vec<SkillId> {
        let mut out = Vec::new();
        if let Some(mut i) = self.dense(id) {
            while self.parent[i as usize] != NONE {
                i = self.parent[i as usize];
                out.push(self.defs[i as usize].id);
            }
        }
        out
    }

    /// The descendants of a skill at any depth, in pre-order (empty for an unknown id).
    pub fn descendants(&self, id: SkillId) -> Vec<SkillId> {
        self.dense(id)
            .map(|i| {
                self.subtree_dense(i)[1..]
                    .iter()
                    .map(|&d| self.defs[d as usize].id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How evidence for `evidence_skill` relates to a requirement for `required_skill`;
    /// `None` when unrelated or when either id is unknown.
    pub fn relation(&self, evidence_skill: SkillId, required_skill: SkillId) -> Option<Relation> {
        self.relation_dense(self.dense(evidence_skill)?, self.dense(required_skill)?)
    }

    /// Maps a whole text to a skill ("k8s" -> Kubernetes, " PostgreSQL ", "C#"): names and
    /// aliases folded (NFKC, case, punctuation, whitespace), else an exact slug; `None`
    /// when unknown (never guessed).
    pub fn normalize(&self, text: &str) -> Option<SkillId> {
        self.lexicon
            .normalize(text)
            .map(|k| self.defs[k as usize].id)
            .or_else(|| self.by_slug(text.trim()).map(|d| d.id))
    }

    /// Finds skills mentioned in prose, with byte spans into `text`, in text order:
    /// `(skill id, hit)`. See [`crate::text`] for word boundaries, longest match and
    /// ambiguous names.
    pub fn extract(&self, text: &str) -> Vec<(SkillId, Hit)> {
        self.lexicon
            .extract(text)
            .into_iter()
            .map(|h| (self.defs[h.key as usize].id, h))
            .collect()
    }

    // ----- dense-index API used by the engine -----

    /// The dense index of a skill id.
    pub fn dense(&self, id: SkillId) -> Option<u32> {
        self.by_id.get(&id).copied()
    }

    /// The skill id of a dense index. Panics on an index out of range (internal use only
    /// with indices this taxonomy handed out).
    pub fn id_of(&self, dense: u32) -> SkillId {
        self.defs[dense as usize].id
    }

    /// Dense parent, `None` for a root.
    pub fn parent_dense(&self, i: u32) -> Option<u32> {
        let p = self.parent[i as usize];
        (p != NONE).then_some(p)
    }

    /// Dense direct children.
    pub fn children_dense(&self, i: u32) -> &[u32] {
        let (a, b) = (self.child_off[i as usize], self.child_off[i as usize + 1]);
        &self.child_list[a as usize..b as usize]
    }

    /// The subtree of `i` in pre-order, `i` first.
    pub fn subtree_dense(&self, i: u32) -> &[u32] {
        &self.preorder[self.pre[i as usize] as usize..self.end[i as usize] as usize]
    }

    /// [`Taxonomy::relation`] on dense indices.
    pub fn relation_dense(&self, e: u32, r: u32) -> Option<Relation> {
        if e == r {
            return Some(Relation::Same);
        }
        let (pe, pr) = (self.pre[e as usize], self.pre[r as usize]);
        if pr < pe && pe < self.end[r as usize] {
            return Some(Relation::Descendant);
        }
        let parent_r = self.parent[r as usize];
        if parent_r == e {
            return Some(Relation::Parent);
        }
        if parent_r != NONE
            && self.parent[e as usize] == parent_r
            && self.parent[parent_r as usize] != NONE
        {
            return Some(Relation::Sibling);
        }
        None
    }

    /// Every skill related to `r` with its relation: `r` itself, its descendants, its
    /// direct parent and its siblings (when the parent is a family). Each skill at most
    /// once (the relations are mutually exclusive).
    pub fn relatives_dense(&self, r: u32) -> Vec<(u32, Relation)> {
        let mut out: Vec<(u32, Relation)> = self
            .subtree_dense(r)
            .iter()
            .map(|&d| {
                (
                    d,
                    if d == r {
                        Relation::Same
                    } else {
                        Relation::Descendant
                    },
                )
            })
            .collect();
        if let Some(p) = self.parent_dense(r) {
            out.push((p, Relation::Parent));
            if self.parent_dense(p).is_some() {
                out.extend(
                    self.children_dense(p)
                        .iter()
                        .filter(|&&s| s != r)
                        .map(|&s| (s, Relation::Sibling)),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn def(id: i64, slug: &str, parent: Option<i64>) -> SkillDef {
        SkillDef {
            id,
            slug: slug.to_string(),
            name: format!("{slug} skill"),
            category: "test".to_string(),
            parent,
            aliases: vec![],
            ambiguous: false,
        }
    }

    /// Software (root) > Databases > SQL > {PostgreSQL > PostGIS, MySQL}; Software > Rust.
    fn sample() -> Taxonomy {
        Taxonomy::new(vec![
            def(1, "software", None),
            def(2, "databases", Some(1)),
            def(3, "sql", Some(2)),
            def(4, "postgresql", Some(3)),
            def(5, "mysql", Some(3)),
            def(6, "postgis", Some(4)),
            def(7, "rust", Some(1)),
            def(8, "nosql", Some(2)),
        ])
        .expect("valid")
    }

    #[test]
    fn relations_follow_matching_md() {
        let t = sample();
        assert_eq!(t.relation(4, 4), Some(Relation::Same));
        assert_eq!(t.relation(4, 3), Some(Relation::Descendant)); // knows PostgreSQL, asked SQL
        assert_eq!(t.relation(6, 3), Some(Relation::Descendant)); // any depth
        assert_eq!(t.relation(3, 4), Some(Relation::Parent)); // knows SQL, asked PostgreSQL
        assert_eq!(t.relation(3, 6), None); // grandparent does not count
        assert_eq!(t.relation(5, 4), Some(Relation::Sibling)); // MySQL vs PostgreSQL under SQL
        assert_eq!(t.relation(8, 3), Some(Relation::Sibling)); // under Databases (a family)
        assert_eq!(t.relation(7, 2), None); // Rust vs Databases: both under a root
        assert_eq!(t.relation(99, 2), None);
    }

    #[test]
    fn tree_navigation() {
        let t = sample();
        assert_eq!(t.parent(4), Some(3));
        assert_eq!(t.parent(1), None);
        assert_eq!(t.children(3), vec![4, 5]);
        assert_eq!(t.ancestors(6), vec![4, 3, 2, 1]);
        assert_eq!(t.descendants(3), vec![4, 6, 5]);
        assert_eq!(t.by_slug("mysql").map(|d| d.id), Some(5));
        let rel: Vec<(i64, Relation)> = t
            .relatives_dense(t.dense(4).expect("known"))
            .into_iter()
            .map(|(d, r)| (t.id_of(d), r))
            .collect();
        assert_eq!(
            rel,
            vec![
                (4, Relation::Same),
                (6, Relation::Descendant),
                (3, Relation::Parent),
                (5, Relation::Sibling)
            ]
        );
    }

    #[test]
    fn validation_errors() {
        assert_eq!(
            Taxonomy::new(vec![def(1, "a", None), def(1, "b", None)]).err(),
            Some(TaxonomyError::DuplicateId(1))
        );
        assert_eq!(
            Taxonomy::new(vec![def(1, "a", None), def(2, "a", None)]).err(),
            Some(TaxonomyError::DuplicateSlug("a".into()))
        );
        assert_eq!(
            Taxonomy::new(vec![def(1, "a", Some(9))]).err(),
            Some(TaxonomyError::UnknownParent {
                skill: 1,
                parent: 9
            })
        );
        assert!(matches!(
            Taxonomy::new(vec![
                def(1, "a", Some(2)),
                def(2, "b", Some(1)),
                def(3, "c", None)
            ]),
            Err(TaxonomyError::Cycle(_))
        ));
        assert!(matches!(
            Taxonomy::new(vec![def(1, "a", Some(1))]),
            Err(TaxonomyError::Cycle(1))
        ));
    }

    /// The curated taxonomy in seeds/skills.csv (ids = row numbers here).
    pub(crate) fn seed_taxonomy() -> Taxonomy {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../seeds/skills.csv");
        let mut rows = csv::Reader::from_path(path).expect("seeds/skills.csv");
        let rows: Vec<csv::StringRecord> = rows.records().map(|r| r.expect("row")).collect();
        let id_of: HashMap<String, i64> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r[0].to_string(), i as i64 + 1))
            .collect();
        let defs = rows
            .iter()
            .enumerate()
            .map(|(i, r)| SkillDef {
                id: i as i64 + 1,
                slug: r[0].to_string(),
                name: r[1].to_string(),
                category: r[2].to_string(),
                parent: (!r[3].is_empty()).then(|| id_of[&r[3]]),
                aliases: r[4]
                    .split('|')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
                ambiguous: &r[5] == "true",
            })
            .collect();
        Taxonomy::new(defs).expect("seed taxonomy is valid")
    }

    #[test]
    fn seed_taxonomy_loads_normalises_and_extracts() {
        let t = seed_taxonomy();
        let id = |slug: &str| t.by_slug(slug).expect(slug).id;
        assert_eq!(
            t.relation(id("postgresql"), id("sql")),
            Some(Relation::Descendant)
        );
        assert_eq!(
            t.relation(id("sql"), id("postgresql")),
            Some(Relation::Parent)
        );
        assert_eq!(t.normalize("k8s"), Some(id("kubernetes")));
        assert_eq!(t.normalize("  JS "), Some(id("javascript")));
        assert_eq!(t.normalize("postgresql"), Some(id("postgresql")));
        assert_eq!(t.normalize("no such skill"), None);
        let found: Vec<(i64, String)> = t
            .extract("Five years of Postgres and k8s; some JavaScript.")
            .into_iter()
            .map(|(s, h)| (s, h.text))
            .collect();
        assert_eq!(
            found,
            vec![
                (id("postgresql"), "Postgres".to_string()),
                (id("kubernetes"), "k8s".to_string()),
                (id("javascript"), "JavaScript".to_string())
            ]
        );
    }

    proptest::proptest! {
        /// relation_dense agrees with a definition written from parent links only.
        #[test]
        fn relation_matches_naive(parents in proptest::collection::vec(proptest::option::of(0usize..40), 1..40)) {
            let defs: Vec<SkillDef> = parents.iter().enumerate().map(|(i, p)| {
                // parent must have a smaller index: guarantees a forest
                def(i as i64 + 100, &format!("s{i}"), p.filter(|&p| p < i).map(|p| p as i64 + 100))
            }).collect();
            let t = Taxonomy::new(defs.clone()).expect("forest");
            let par = |i: i64| defs[(i - 100) as usize].parent;
            for e in 0..defs.len() as i64 {
                for r in 0..defs.len() as i64 {
                    let (e, r) = (e + 100, r + 100);
                    let mut anc = par(e);
                    let mut is_desc = false;
                    while let Some(a) = anc { if a == r { is_desc = true; } anc = par(a); }
                    let expected = if e == r { Some(Relation::Same) }
                        else if is_desc { Some(Relation::Descendant) }
                        else if par(r) == Some(e) { Some(Relation::Parent) }
                        else if par(r).is_some() && par(r) == par(e) && par(par(r).unwrap_or(0)).is_some() { Some(Relation::Sibling) }
                        else { None };
                    proptest::prop_assert_eq!(t.relation(e, r), expected);
                }
            }
            // relatives_dense lists exactly the skills with a relation, with that relation.
            for r in 0..defs.len() as u32 {
                let mut listed = t.relatives_dense(r);
                listed.sort();
                let mut expected: Vec<(u32, Relation)> = (0..defs.len() as u32)
                    .filter_map(|e| t.relation_dense(e, r).map(|rel| (e, rel)))
                    .collect();
                expected.sort();
                proptest::prop_assert_eq!(listed, expected);
            }
        }
    }
}
