//! Response keys in selection order, as GraphQL requires ("ordered by the order in which
//! they appear in the query").
//!
//! async-graphql 7.2 resolves the fields of an object concurrently and inserts each
//! result when its future completes (`resolver_utils/container.rs`, `do_resolve_container`:
//! a `FuturesUnordered`), so a field that awaits (a DataLoader, the database) lands
//! after the fields that complete at once: `gapAnalysis { gaps { skill { id } credit }
//! score }` came back as `score, gaps [{credit, skill}]`. [`ResponseOrder`] puts every
//! object of an executed response back in the order of its selection set.
//!
//! The order of an object's keys is the order in which the response keys first appear
//! in its selection sets, fragments expanded in place. Type conditions are not known
//! after execution, so fragments on other types are expanded too: their keys are not
//! in the object and do not matter, except when the same key appears both in a
//! fragment on another type and later in this object's own selections (it is then
//! placed at its first appearance). An object already in order is left as it is; the
//! order of each field's selection is worked out once, not once per list item.

use std::cell::OnceCell;

use async_graphql::Value;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};

/// The document of an executed operation, to put its response in order.
pub(crate) struct ResponseOrder {
    doc: ExecutableDocument,
    operation: Option<String>,
}

impl ResponseOrder {
    /// The order of operation `operation` (the only one when `None`) of `doc`.
    pub(crate) fn new(doc: ExecutableDocument, operation: Option<String>) -> Self {
        ResponseOrder { doc, operation }
    }

    /// Puts the keys of every object of `data` in selection order.
    pub(crate) fn apply(&self, data: &mut Value) {
        let op = match (&self.doc.operations, self.operation.as_deref()) {
            (DocumentOperations::Single(op), _) => op,
            (DocumentOperations::Multiple(ops), Some(name)) => match ops.get(name) {
                Some(op) => op,
                None => return,
            },
            (DocumentOperations::Multiple(ops), None) => match ops.values().next() {
                Some(op) => op,
                None => return,
            },
        };
        let plan = Plan::of(&self.doc, &[&op.node.selection_set.node]);
        plan.apply(&self.doc, data);
    }
}

/// The keys of the objects one field (or the root) yields, in order, each with the
/// selection sets of its own sub-objects and their plan, built when first needed.
struct Plan<'d> {
    keys: Vec<Key<'d>>,
}

struct Key<'d> {
    name: &'d str,
    sets: Vec<&'d SelectionSet>,
    plan: OnceCell<Plan<'d>>,
}

impl<'d> Plan<'d> {
    fn of(doc: &'d ExecutableDocument, sets: &[&'d SelectionSet]) -> Plan<'d> {
        let mut plan = Plan { keys: Vec::new() };
        let mut expanded = Vec::new();
        for set in sets {
            plan.collect(doc, set, &mut expanded);
        }
        plan
    }

    /// Adds the response keys of `set` in order; `expanded` holds the fragments being
    /// expanded (a cycle, which validation refuses anyway, stops there).
    fn collect(
        &mut self,
        doc: &'d ExecutableDocument,
        set: &'d SelectionSet,
        expanded: &mut Vec<&'d str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.response_key().node.as_str();
                    let index = match self.keys.iter().position(|k| k.name == name) {
                        Some(i) => i,
                        None => {
                            self.keys.push(Key {
                                name,
                                sets: Vec::new(),
                                plan: OnceCell::new(),
                            });
                            self.keys.len() - 1
                        }
                    };
                    if !field.selection_set.node.items.is_empty() {
                        self.keys[index].sets.push(&field.selection_set.node);
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.collect(doc, &fragment.node.selection_set.node, expanded);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if expanded.contains(&name) {
                        continue;
                    }
                    if let Some(fragment) = doc.fragments.get(name) {
                        expanded.push(name);
                        self.collect(doc, &fragment.node.selection_set.node, expanded);
                        expanded.pop();
                    }
                }
            }
        }
    }

    fn position(&self, key: &str) -> usize {
        self.keys
            .iter()
            .position(|k| k.name == key)
            .unwrap_or(usize::MAX)
    }

    /// Orders `value`'s objects (a list: each item) by this plan, then their fields'.
    fn apply(&self, doc: &'d ExecutableDocument, value: &mut Value) {
        match value {
            Value::List(items) => {
                for item in items {
                    self.apply(doc, item);
                }
            }
            Value::Object(map) => {
                if !self.in_order(map.keys().map(|k| k.as_str())) {
                    map.sort_by_cached_key(|k, _| self.position(k.as_str()));
                }
                for (name, child) in map.iter_mut() {
                    if !matches!(child, Value::Object(_) | Value::List(_)) {
                        continue;
                    }
                    if let Some(key) = self.keys.iter().find(|k| k.name == name.as_str())
                        && !key.sets.is_empty()
                    {
                        key.plan
                            .get_or_init(|| Plan::of(doc, &key.sets))
                            .apply(doc, child);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether `keys` come in this plan's order (keys the plan lacks count as last).
    fn in_order<'k>(&self, keys: impl Iterator<Item = &'k str>) -> bool {
        let mut at = 0;
        for key in keys {
            match self.keys[at.min(self.keys.len())..]
                .iter()
                .position(|k| k.name == key)
            {
                Some(offset) => at += offset + 1,
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// `data` (JSON text, its key order kept) put in the order of `query`, as JSON text.
    fn ordered(query: &str, operation: Option<&str>, data: &str) -> String {
        let doc = async_graphql::parser::parse_query(query).unwrap();
        let mut value: Value = serde_json::from_str(data).unwrap();
        ResponseOrder::new(doc, operation.map(str::to_string)).apply(&mut value);
        serde_json::to_string(&value).unwrap()
    }

    #[test]
    fn nested_objects_and_lists_follow_the_selection() {
        let q = "{ gapAnalysis { gaps { skill { id } credit } score } }";
        let data = r#"{"gapAnalysis":{"score":0.5,"gaps":[
            {"credit":1,"skill":{"id":"a"}},{"credit":2,"skill":{"id":"b"}}]}}"#;
        assert_eq!(
            ordered(q, None, data),
            r#"{"gapAnalysis":{"gaps":[{"skill":{"id":"a"},"credit":1},{"skill":{"id":"b"},"credit":2}],"score":0.5}}"#
        );
    }

    #[test]
    fn aliases_fragments_and_the_chosen_operation() {
        let q = "query A { x } query B { z: a { ...F } b } fragment F on T { ... on T { y } w }";
        let data = r#"{"b":1,"z":{"w":2,"y":3}}"#;
        assert_eq!(ordered(q, Some("B"), data), r#"{"z":{"y":3,"w":2},"b":1}"#);
        // Keys of fragments on other types are absent; the others keep their order.
        let q = "{ node { ... on A { a } ... on B { b } id } }";
        let data = r#"{"node":{"id":1,"b":2}}"#;
        assert_eq!(ordered(q, None, data), r#"{"node":{"b":2,"id":1}}"#);
        // A field selected twice merges its sub-selections in order.
        let q = "{ n { a } n { b } }";
        let data = r#"{"n":{"b":1,"a":2}}"#;
        assert_eq!(ordered(q, None, data), r#"{"n":{"a":2,"b":1}}"#);
    }

    #[test]
    fn in_order_detection() {
        let doc = async_graphql::parser::parse_query("{ a b c }").unwrap();
        let DocumentOperations::Single(op) = &doc.operations else {
            unreachable!()
        };
        let plan = Plan::of(&doc, &[&op.node.selection_set.node]);
        assert!(plan.in_order(["a", "b", "c"].into_iter()));
        assert!(plan.in_order(["a", "c"].into_iter()));
        assert!(!plan.in_order(["b", "a"].into_iter()));
        assert!(!plan.in_order(["a", "x"].into_iter()));
        assert!(!plan.in_order(["c", "c"].into_iter()));
    }
}
