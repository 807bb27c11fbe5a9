//! The limits on a GraphQL document, checked on the parsed document before validation,
//! so no resolver runs for a refused one:
//!
//! - nesting of selection sets at most [`RECURSION_LIMIT`] (fragments count one level):
//!   beyond it the document is refused as `GRAPHQL_PARSE_FAILED`, as async-graphql's
//!   own recursion check would;
//! - field depth at most `max_depth` (`TALENT_MAX_DEPTH`). Inside introspection
//!   (`__schema`, `__type`) an `ofType` field does not count: a chain of them follows
//!   one type's wrappers (`[Skill!]!` is three links), so it cannot fan out, and the
//!   standard introspection query of graphql-js (`getIntrospectionQuery`, which
//!   GraphiQL, graphql-codegen and Apollo send) nests nine of them in its `TypeRef`
//!   fragment. Its depth is then 6 and it runs at the default limit, while nesting
//!   that does fan out (`fields { type { fields ... } }`) still counts in full;
//! - aliased fields at most `max_aliases` (`TALENT_MAX_ALIASES`), `__typename` included
//!   (async-graphql's depth and complexity limits do not count `__typename`).
//!
//! The complexity limit is async-graphql's own ([`apply_limits`]), computed during
//! validation. Fragment spreads are expanded where they are used, each fragment's
//! figures computed once, so a fan-out of fragments costs no more than their number.

use std::collections::{HashMap, HashSet};

use async_graphql::SchemaBuilder;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use super::config::HttpConfig;

/// The deepest nesting of selection sets a document may have (async-graphql's default
/// `limit_recursive_depth`, set explicitly by [`apply_limits`]).
pub const RECURSION_LIMIT: usize = 32;

/// Applies the schema-level limits of `cfg` to `builder`: `limit_complexity(max_complexity)`
/// and `limit_recursive_depth(`[`RECURSION_LIMIT`]`)`. The depth and alias limits are
/// checked by [`graphql_router`](super::graphql_router) on every document before it
/// reaches the schema; no schema extension is installed, so resolving a field costs
/// no more than async-graphql's own resolution.
pub fn apply_limits<Q, M, S>(
    builder: SchemaBuilder<Q, M, S>,
    cfg: &HttpConfig,
) -> SchemaBuilder<Q, M, S> {
    builder
        .limit_complexity(cfg.max_complexity)
        .limit_recursive_depth(RECURSION_LIMIT)
}

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Selection sets nest deeper than [`RECURSION_LIMIT`].
    Recursion,
    /// Fields nest deeper than allowed: the depth found.
    Depth(usize),
    /// More aliased fields than allowed: the count found.
    Aliases(usize),
}

/// Checks `doc` against the limits (see the module docs), every operation of it.
pub(crate) fn check(
    doc: &ExecutableDocument,
    max_depth: usize,
    max_aliases: usize,
) -> Result<(), Refusal> {
    let worst = figures(doc);
    if worst.nesting > RECURSION_LIMIT {
        return Err(Refusal::Recursion);
    }
    if worst.depth > max_depth {
        return Err(Refusal::Depth(worst.depth));
    }
    if worst.aliases > max_aliases {
        return Err(Refusal::Aliases(worst.aliases));
    }
    Ok(())
}

/// The worst figures of `doc`'s operations.
fn figures(doc: &ExecutableDocument) -> Figures {
    let mut walk = Walk {
        doc,
        memo: HashMap::new(),
        visiting: HashSet::new(),
    };
    let mut worst = Figures::default();
    for (_, op) in doc.operations.iter() {
        worst = worst.max(walk.selection_set(&op.node.selection_set.node, false));
    }
    worst
}

/// The figures of a selection set, fragments expanded.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Figures {
    /// Nesting of selection sets below this one (async-graphql's recursion depth:
    /// a field with a selection set, an inline fragment and a spread each add one).
    nesting: usize,
    /// Field depth: the longest chain of nested fields, this set's fields being 1.
    depth: usize,
    /// Aliased fields in the expansion.
    aliases: usize,
}

impl Figures {
    /// The worst of two operations (each figure its maximum).
    fn max(self, other: Figures) -> Figures {
        Figures {
            nesting: self.nesting.max(other.nesting),
            depth: self.depth.max(other.depth),
            aliases: self.aliases.max(other.aliases),
        }
    }
}

/// Walks selection sets; `introspection` says whether the walk is inside `__schema` or
/// `__type` (a fragment is memoised separately for each case).
struct Walk<'d> {
    doc: &'d ExecutableDocument,
    memo: HashMap<(&'d str, bool), Figures>,
    visiting: HashSet<(&'d str, bool)>,
}

impl<'d> Walk<'d> {
    fn selection_set(&mut self, set: &'d SelectionSet, introspection: bool) -> Figures {
        let mut out = Figures::default();
        for selection in &set.items {
            let (nesting, depth, aliases) = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    // Names starting with `__` are reserved: these are the entry points.
                    let inside = introspection || name == "__schema" || name == "__type";
                    let inner = self.selection_set(&field.selection_set.node, inside);
                    let nesting = if field.selection_set.node.items.is_empty() {
                        0
                    } else {
                        inner.nesting.saturating_add(1)
                    };
                    let aliases = usize::from(field.alias.is_some()).saturating_add(inner.aliases);
                    let own = usize::from(!(introspection && name == "ofType"));
                    (nesting, inner.depth.saturating_add(own), aliases)
                }
                Selection::InlineFragment(fragment) => {
                    let inner =
                        self.selection_set(&fragment.node.selection_set.node, introspection);
                    (inner.nesting.saturating_add(1), inner.depth, inner.aliases)
                }
                Selection::FragmentSpread(spread) => {
                    let inner =
                        self.fragment(spread.node.fragment_name.node.as_str(), introspection);
                    (inner.nesting.saturating_add(1), inner.depth, inner.aliases)
                }
            };
            out.nesting = out.nesting.max(nesting);
            out.depth = out.depth.max(depth);
            out.aliases = out.aliases.saturating_add(aliases);
        }
        out
    }

    /// A fragment's figures, computed once. An unknown fragment or a cycle counts as
    /// empty (validation refuses both later).
    fn fragment(&mut self, name: &'d str, introspection: bool) -> Figures {
        if let Some(&figures) = self.memo.get(&(name, introspection)) {
            return figures;
        }
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Figures::default();
        };
        let key = (key.as_str(), introspection);
        if !self.visiting.insert(key) {
            return Figures::default();
        }
        let figures = self.selection_set(&fragment.node.selection_set.node, introspection);
        self.visiting.remove(&key);
        self.memo.insert(key, figures);
        figures
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn figures(q: &str) -> Figures {
        super::figures(&async_graphql::parser::parse_query(q).unwrap())
    }

    fn count(q: &str) -> usize {
        figures(q).aliases
    }

    #[test]
    fn counts_aliases_including_typename_and_expanded_fragments() {
        assert_eq!(count("{ a }"), 0);
        assert_eq!(count("{ x: __typename y: __typename __typename }"), 2);
        assert_eq!(count("{ a { b: c d: e { f: g } } }"), 3);
        assert_eq!(count("{ ... on Query { a: __typename } }"), 1);
        assert_eq!(
            count(
                "query { ...F x: a { ...F } } fragment F on Query { p: __typename q: __typename }"
            ),
            5
        );
        // The largest operation counts.
        assert_eq!(count("query A { a: x } query B { a: x b: x c: x }"), 3);
        // A cycle does not loop (validation refuses it later).
        assert_eq!(count("{ ...F } fragment F on Query { a: x ...F }"), 1);
        // Unknown fragment: nothing to count (validation refuses it later).
        assert_eq!(count("{ ...Nope }"), 0);
    }

    #[test]
    fn nested_fragment_fan_out_is_multiplied() {
        // F2 uses F1 twice, F3 uses F2 twice: 2 * 2 * 2 aliases, computed with the memo.
        let q = "{ ...F3 } fragment F1 on Q { a: x b: x } \
                 fragment F2 on Q { u: y { ...F1 } v: y { ...F1 } } \
                 fragment F3 on Q { s: z { ...F2 } t: z { ...F2 } }";
        // F1 = 2, F2 = 2 + 2*2 = 6, F3 = 2 + 2*6 = 14.
        assert_eq!(count(q), 14);
    }

    #[test]
    fn depth_counts_fields_and_sees_through_fragments() {
        assert_eq!(figures("{ a }").depth, 1);
        assert_eq!(figures("{ a { b { c } } d }").depth, 3);
        assert_eq!(
            figures("{ a { ...F } } fragment F on A { b { c } }").depth,
            3
        );
        assert_eq!(figures("{ a { ... on A { b { c } } } }").depth, 3);
        assert_eq!(figures("query A { a } query B { a { b } }").depth, 2);
    }

    #[test]
    fn of_type_links_inside_introspection_do_not_count() {
        let chain = "ofType { ofType { ofType { ofType { ofType { name } } } } }";
        assert_eq!(
            figures(&format!("{{ __type(name: \"A\") {{ {chain} }} }}")).depth,
            2
        );
        assert_eq!(
            figures(&format!(
                "{{ __schema {{ types {{ ...T }} }} }} fragment T on __Type {{ {chain} }}"
            ))
            .depth,
            3
        );
        // Fan-out inside introspection counts in full.
        assert_eq!(
            figures("{ __schema { types { fields { type { fields { name } } } } } }").depth,
            6
        );
        // Outside introspection `ofType` is an ordinary field; a fragment used in both
        // places is measured for each.
        assert_eq!(figures(&format!("{{ {chain} }}")).depth, 6);
        assert_eq!(
            figures(&format!(
                "{{ a {{ ...T }} __type(name: \"A\") {{ ...T }} }} fragment T on X {{ {chain} }}"
            ))
            .depth,
            7
        );
    }

    #[test]
    fn nesting_is_async_graphqls_recursion_depth() {
        // A field with a selection set, an inline fragment and a spread each add one.
        assert_eq!(figures("{ a }").nesting, 0);
        assert_eq!(figures("{ a { b } }").nesting, 1);
        assert_eq!(figures("{ ... on Q { a { b } } }").nesting, 2);
        assert_eq!(figures("{ ...F } fragment F on Q { a { b } }").nesting, 2);
    }

    #[test]
    fn check_reports_the_first_limit_exceeded() {
        let doc = |q: &str| async_graphql::parser::parse_query(q).unwrap();
        assert_eq!(check(&doc("{ a { b { c } } }"), 3, 0), Ok(()));
        assert_eq!(
            check(&doc("{ a { b { c } } }"), 2, 0),
            Err(Refusal::Depth(3))
        );
        assert_eq!(check(&doc("{ x: a y: a }"), 5, 1), Err(Refusal::Aliases(2)));
        let mut deep = "x".to_string();
        for _ in 0..=RECURSION_LIMIT {
            deep = format!("a {{ {deep} }}");
        }
        assert_eq!(
            check(&doc(&format!("{{ {deep} }}")), 100, 0),
            Err(Refusal::Recursion)
        );
    }
}
