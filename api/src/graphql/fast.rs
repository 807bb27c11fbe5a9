//! Lighter resolution for the leaf-heavy objects of large pages.
//!
//! A page of 20 candidates with explanations has about 2,400 fields, most of them in the
//! explanation subtree (`contributions`, their requirements and skills), and every
//! resolver there returns at once: the values are in memory or primed in the request's
//! DataLoaders. async-graphql resolves each field of an object as its own boxed future,
//! polled through a `FuturesUnordered`, and with any schema extension installed it also
//! builds a `ResolveInfo` (two registry lookups, and a formatted type name per list
//! item) and runs the extension's `resolve` hook around every field. A profile of
//! candidate search over HTTP put that machinery at about a fifth of the server's CPU
//! (BENCHMARKS.md).
//!
//! [`Fast`] and [`FastList`] wrap an object type and a list: the same GraphQL type
//! (they register their inner type, so the schema does not change), whose fields (or
//! items) are still resolved concurrently, so DataLoader batching is unchanged, but as
//! one `join_all` of unboxed futures, each field through the object's own derived
//! `resolve_field` (arguments, guards, error paths and nested types as usual). Results
//! are what async-graphql's resolution gives, with one documented difference: extension
//! `resolve` hooks do not run for the fields inside. The only extension here is the
//! HTTP guard, whose hook catches panics: a panic inside is caught at the nearest
//! enclosing field resolved the ordinary way, and masked there.
//!
//! [`Ready`] goes one step further for objects whose fields are known without awaiting
//! anything ([`Immediate`]: values in memory, skills the request has already read): when
//! every selected field is immediate, the object's value is built in place, with no
//! future, no per-field context and no DataLoader round; otherwise it resolves as
//! [`Fast`]. Immediate fields cannot fail, so errors and their paths come only from the
//! fallback.
//!
//! Selections this path does not handle (a field with a directive, a response key given
//! twice, a fragment on a type other than the object's own) fall back to async-graphql's
//! `resolve_container` for that object, so every document resolves. The `tests` module
//! checks the equality on fixed and random selections.

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container};
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};
use futures::future::join_all;

/// The type methods of a wrapper `W(T)` whose GraphQL type is `T`'s: it registers `T`,
/// so the schema does not change.
macro_rules! same_type_as_inner {
    () => {
        fn type_name() -> Cow<'static, str> {
            T::type_name()
        }

        fn qualified_type_name() -> String {
            T::qualified_type_name()
        }

        fn introspection_type_name(&self) -> Cow<'static, str> {
            self.0.introspection_type_name()
        }

        fn create_type_info(registry: &mut Registry) -> String {
            T::create_type_info(registry)
        }
    };
}

/// An object whose fields resolve as one future (see the module docs). The GraphQL type
/// is `T`'s.
pub struct Fast<T>(pub T);

impl<T: ContainerType> OutputType for Fast<T> {
    same_type_as_inner!();

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_object(&self.0, ctx).await
    }
}

/// A list whose items resolve as one future (see the module docs). The GraphQL type is
/// `[T]`'s (`Vec<T>`'s).
pub struct FastList<T>(pub Vec<T>);

impl<T: OutputType> OutputType for FastList<T> {
    fn type_name() -> Cow<'static, str> {
        Vec::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Vec::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Vec::<T>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        // As async-graphql's `resolve_list`: each item at its index, the first error
        // fails the list.
        let items = join_all(self.0.iter().enumerate().map(|(idx, item)| async move {
            let ctx_idx = ctx.with_index(idx);
            item.resolve(&ctx_idx, field)
                .await
                .map_err(|err| ctx_idx.set_error_path(err))
        }))
        .await;
        Ok(Value::List(items.into_iter().collect::<ServerResult<_>>()?))
    }
}

impl<T> FromIterator<T> for FastList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        FastList(iter.into_iter().collect())
    }
}

/// An object some of whose fields are known at once (see the module docs).
pub trait Immediate: ContainerType {
    /// The value of `field` (one of this type's fields, as async-graphql would resolve
    /// it, never an error) when it is known now; `None` to resolve the object the
    /// usual way.
    fn immediate(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> Option<Value>;
}

/// An object built in place when every selected field is [`Immediate`], else resolved
/// as [`Fast`]. The GraphQL type is `T`'s.
pub struct Ready<T>(pub T);

impl<T: Immediate> OutputType for Ready<T> {
    same_type_as_inner!();

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match resolve_ready(&self.0, ctx) {
            Some(value) => Ok(value),
            None => resolve_object(&self.0, ctx).await,
        }
    }
}

/// `obj`'s value for the selection set of `ctx`, when [`plan`] can flatten the set and
/// every field in it is [`Immediate`]; `None` otherwise.
pub fn resolve_ready<T: Immediate>(obj: &T, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
    let mut fields = Vec::new();
    if !plan::<T>(obj, ctx, &ctx.item.node, &mut fields) {
        return None;
    }
    let mut map: IndexMap<Name, Value> = IndexMap::with_capacity(fields.len());
    for field in fields {
        let value = if field.node.name.node == "__typename" {
            Value::String(obj.introspection_type_name().into_owned())
        } else {
            obj.immediate(ctx, field)?
        };
        map.insert(field.node.response_key().node.clone(), value);
    }
    Some(if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    })
}

/// An object-typed field's value: `obj` for the field's own selection set.
pub fn ready_object<T: Immediate>(
    obj: &T,
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
) -> Option<Value> {
    resolve_ready(obj, &ctx.with_selection_set(&field.node.selection_set))
}

/// A list-of-objects field's value: each item for the field's own selection set.
pub fn ready_list<'i, T: Immediate + 'i>(
    items: impl IntoIterator<Item = &'i T>,
    ctx: &ContextSelectionSet<'_>,
    field: &Positioned<Field>,
) -> Option<Value> {
    let ctx = ctx.with_selection_set(&field.node.selection_set);
    items
        .into_iter()
        .map(|item| resolve_ready(item, &ctx))
        .collect::<Option<Vec<Value>>>()
        .map(Value::List)
}

/// Resolves `obj` for the selection set of `ctx`: as one `join_all` when [`plan`] can
/// flatten the set, else with async-graphql's own `resolve_container`.
pub async fn resolve_object<T: ContainerType>(
    obj: &T,
    ctx: &ContextSelectionSet<'_>,
) -> ServerResult<Value> {
    let mut fields = Vec::new();
    if !plan::<T>(obj, ctx, &ctx.item.node, &mut fields) {
        return resolve_container(ctx, obj).await;
    }
    let results = join_all(fields.iter().map(|&field| async move {
        if field.node.name.node == "__typename" {
            return Ok(Some(Value::String(
                obj.introspection_type_name().into_owned(),
            )));
        }
        obj.resolve_field(&ctx.with_field(field)).await
    }))
    .await;
    let mut map: IndexMap<Name, Value> = IndexMap::with_capacity(fields.len());
    for (field, result) in fields.iter().zip(results) {
        match result {
            Ok(value) => {
                map.insert(
                    field.node.response_key().node.clone(),
                    value.unwrap_or_default(),
                );
            }
            // As async-graphql: the error is recorded and the field left out.
            Err(err) => ctx.add_error(err),
        }
    }
    Ok(if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    })
}

/// Flattens `set` (inline fragments and fragment spreads on `T` itself, or without a
/// type condition) into `out`, in selection order. False when the set holds anything
/// resolved differently by async-graphql: a field with a directive, a response key
/// given twice (its selections would be merged), a fragment on another type (an
/// interface), or an unknown fragment.
fn plan<'a, T: ContainerType>(
    obj: &T,
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    out: &mut Vec<&'a Positioned<Field>>,
) -> bool {
    for selection in &set.items {
        let (condition, inner) = match &selection.node {
            Selection::Field(field) => {
                if !field.node.directives.is_empty() {
                    return false;
                }
                let key = field.node.response_key();
                if out.iter().any(|f| f.node.response_key().node == key.node) {
                    return false;
                }
                out.push(field);
                continue;
            }
            Selection::InlineFragment(fragment) => (
                fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map(|c| &c.node.on.node),
                &fragment.node.selection_set.node,
            ),
            Selection::FragmentSpread(spread) => {
                match ctx.query_env.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) => (
                        Some(&fragment.node.type_condition.node.on.node),
                        &fragment.node.selection_set.node,
                    ),
                    None => return false,
                }
            }
        };
        if !selection.node.directives().is_empty() {
            return false;
        }
        let own_type = condition.is_none_or(|c| {
            c.as_str() == T::type_name() && c.as_str() == obj.introspection_type_name()
        });
        if !own_type || !plan::<T>(obj, ctx, inner, out) {
            return false;
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use async_graphql::{
        Context, EmptyMutation, EmptySubscription, Interface, Object, Schema, SimpleObject,
    };
    use proptest::prelude::*;

    use super::*;

    /// A leaf object.
    #[derive(SimpleObject, Clone)]
    struct Leaf {
        name: String,
        level: i32,
    }

    /// An interface the item implements (fragments on it take the fallback).
    #[derive(Interface)]
    #[graphql(field(name = "id", ty = "i32"))]
    enum Named {
        Item(Item),
    }

    /// The object under test: scalars, a nested object, an optional nested object, a
    /// list, an argument, a failing nullable field and a failing non-null field.
    #[derive(Clone)]
    struct Item {
        id: i32,
        score: f64,
        leaf: Leaf,
        maybe: Option<Leaf>,
    }

    #[Object]
    impl Item {
        async fn id(&self) -> i32 {
            self.id
        }
        async fn score(&self) -> f64 {
            self.score
        }
        async fn leaf(&self) -> &Leaf {
            &self.leaf
        }
        async fn fast_leaf(&self) -> Fast<Leaf> {
            Fast(self.leaf.clone())
        }
        async fn maybe(&self) -> Option<Fast<Leaf>> {
            self.maybe.clone().map(Fast)
        }
        async fn leaves(&self) -> FastList<Fast<Leaf>> {
            (0..self.id)
                .map(|i| {
                    Fast(Leaf {
                        name: format!("l{i}"),
                        level: i,
                    })
                })
                .collect()
        }
        async fn times(&self, by: i32) -> i32 {
            self.id * by
        }
        async fn flaky(&self) -> async_graphql::Result<Option<i32>> {
            if self.id % 2 == 0 {
                Err("even".into())
            } else {
                Ok(Some(self.id))
            }
        }
        async fn strict(&self) -> async_graphql::Result<i32> {
            if self.id % 3 == 0 {
                Err("thirds".into())
            } else {
                Ok(self.id)
            }
        }
        async fn data(&self, ctx: &Context<'_>) -> i32 {
            *ctx.data_unchecked::<i32>()
        }
        /// Counts its calls (only `built_in_place_fields_skip_their_resolvers` asks
        /// for it).
        async fn probe(&self) -> i32 {
            PROBES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.id
        }
    }

    static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    impl Immediate for Leaf {
        fn immediate(
            &self,
            _ctx: &ContextSelectionSet<'_>,
            field: &Positioned<Field>,
        ) -> Option<Value> {
            Some(match field.node.name.node.as_str() {
                "name" => Value::String(self.name.clone()),
                "level" => Value::from(self.level),
                _ => return None,
            })
        }
    }

    /// `id`, `score`, `leaf` and `leaves` are immediate; the other fields (arguments,
    /// errors, context data, optional objects) take the fallback.
    impl Immediate for Item {
        fn immediate(
            &self,
            ctx: &ContextSelectionSet<'_>,
            field: &Positioned<Field>,
        ) -> Option<Value> {
            Some(match field.node.name.node.as_str() {
                "id" | "probe" => Value::from(self.id),
                "score" => async_graphql::ScalarType::to_value(&self.score),
                "leaf" => return ready_object(&self.leaf, ctx, field),
                "leaves" => {
                    let leaves: Vec<Leaf> = (0..self.id)
                        .map(|i| Leaf {
                            name: format!("l{i}"),
                            level: i,
                        })
                        .collect();
                    return ready_list(&leaves, ctx, field);
                }
                _ => return None,
            })
        }
    }

    /// Each of `a` and `b` waits for the other: resolves only when the fields of one
    /// object run concurrently.
    struct Pair;
    struct FieldGate(tokio::sync::Barrier);
    struct ItemGate(tokio::sync::Barrier);

    #[Object]
    impl Pair {
        async fn a(&self, ctx: &Context<'_>) -> i32 {
            ctx.data_unchecked::<FieldGate>().0.wait().await;
            1
        }
        async fn b(&self, ctx: &Context<'_>) -> i32 {
            ctx.data_unchecked::<FieldGate>().0.wait().await;
            2
        }
    }

    /// Waits for the other item of its list.
    struct Single;

    #[Object]
    impl Single {
        async fn v(&self, ctx: &Context<'_>) -> i32 {
            ctx.data_unchecked::<ItemGate>().0.wait().await;
            3
        }
    }

    struct Query;

    fn items() -> Vec<Item> {
        (1..=4)
            .map(|id| Item {
                id,
                score: f64::from(id) / 3.0,
                leaf: Leaf {
                    name: format!("n{id}"),
                    level: id,
                },
                maybe: (id % 2 == 1).then(|| Leaf {
                    name: "m".into(),
                    level: 0,
                }),
            })
            .collect()
    }

    #[Object]
    impl Query {
        /// async-graphql's own resolution.
        async fn plain(&self) -> Vec<Item> {
            items()
        }
        /// The lighter resolution (a name as long as `plain`: error locations agree).
        async fn rapid(&self) -> FastList<Fast<Item>> {
            items().into_iter().map(Fast).collect()
        }
        /// Built in place where it can be.
        async fn ready(&self) -> FastList<Ready<Item>> {
            items().into_iter().map(Ready).collect()
        }
        /// Makes `Named` part of the schema.
        async fn named(&self) -> Named {
            Named::Item(items().remove(0))
        }
        async fn pair(&self) -> Fast<Pair> {
            Fast(Pair)
        }
        async fn singles(&self) -> FastList<Fast<Single>> {
            FastList(vec![Fast(Single), Fast(Single)])
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .data(7i32)
            .finish()
    }

    /// Runs `{ plain { SEL } }` and `{ rapid { SEL } }` and returns both responses as
    /// JSON with the root key renamed, so they compare equal when the resolutions agree.
    async fn both(selection: &str, fragments: &str) -> (serde_json::Value, serde_json::Value) {
        let s = schema();
        let run = |root: &'static str| {
            let s = s.clone();
            let q = format!("{{ {root} {{ {selection} }} }} {fragments}");
            async move {
                let r = s.execute(q.as_str()).await;
                let mut v = serde_json::to_value(&r).unwrap();
                let text = v.to_string().replace(&format!("\"{root}\""), "\"root\"");
                v = serde_json::from_str(&text).unwrap();
                v
            }
        };
        let (plain, rapid, ready) = (run("plain").await, run("rapid").await, run("ready").await);
        assert_eq!(plain, ready, "built in place: {selection} {fragments}");
        (plain, rapid)
    }

    #[tokio::test]
    async fn the_light_path_matches_async_graphql_on_these_documents() {
        let cases = [
            ("id score", ""),
            ("__typename id a: id b: score", ""),
            (
                "leaf { name } fastLeaf { name level __typename } maybe { level }",
                "",
            ),
            ("leaves { name level } times(by: 3) data", ""),
            ("flaky strict id", ""),
            ("... on Item { id score } ... { leaf { name } }", ""),
            (
                "...F x: score",
                "fragment F on Item { id fastLeaf { ...L } } fragment L on Leaf { name }",
            ),
            // Fallbacks: an interface fragment, a repeated key, a directive.
            ("... on Named { id } score", ""),
            ("leaf { name } leaf { level }", ""),
            (
                "id score @include(if: true) leaf @skip(if: false) { name }",
                "",
            ),
        ];
        for (selection, fragments) in cases {
            let (plain, fast) = both(selection, fragments).await;
            assert_eq!(plain, fast, "{selection} {fragments}");
            assert!(plain["data"]["root"].is_array(), "{selection}: {plain}");
        }
    }

    #[tokio::test]
    async fn fields_and_items_still_resolve_concurrently() {
        // Sequential resolution would wait forever at the first barrier; DataLoader
        // batching across fields and items relies on this concurrency.
        let s = Schema::build(Query, EmptyMutation, EmptySubscription)
            .data(7i32)
            .data(FieldGate(tokio::sync::Barrier::new(2)))
            .data(ItemGate(tokio::sync::Barrier::new(2)))
            .finish();
        let r = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            s.execute("{ pair { a b } singles { v } }"),
        )
        .await
        .expect("the fields waited for each other: not resolved concurrently");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(
            serde_json::to_value(&r.data).unwrap(),
            serde_json::json!({"pair": {"a": 1, "b": 2}, "singles": [{"v": 3}, {"v": 3}]})
        );
    }

    #[tokio::test]
    async fn built_in_place_fields_skip_their_resolvers() {
        let s = schema();
        let probes = || PROBES.load(std::sync::atomic::Ordering::SeqCst);
        let before = probes();
        let r = s.execute("{ ready { probe leaf { name } } }").await;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(probes(), before, "the ready path ran no resolver");
        // One field that is not immediate: the object falls back, resolvers and all.
        let r = s.execute("{ ready { probe times(by: 2) } }").await;
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(probes(), before + 4);
        assert_eq!(
            serde_json::to_value(&r.data).unwrap()["ready"][3],
            serde_json::json!({"probe": 4, "times": 8})
        );
    }

    #[tokio::test]
    async fn errors_keep_their_paths() {
        let (_, fast) = both("id flaky strict", "").await;
        let errors = fast["errors"].as_array().unwrap();
        // Items 2 and 4 fail `flaky`, item 3 fails `strict`.
        let mut paths: Vec<String> = errors.iter().map(|e| e["path"].to_string()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                r#"["root",1,"flaky"]"#,
                r#"["root",2,"strict"]"#,
                r#"["root",3,"flaky"]"#
            ]
        );
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("id".to_string()),
            Just("score".to_string()),
            Just("__typename".to_string()),
            Just("flaky".to_string()),
            Just("strict".to_string()),
            Just("data".to_string()),
            (1..5i32).prop_map(|n| format!("times(by: {n})")),
            Just("leaf { name level }".to_string()),
            Just("fastLeaf { level __typename }".to_string()),
            Just("maybe { name }".to_string()),
            Just("leaves { name }".to_string()),
        ]
    }

    fn selection() -> impl Strategy<Value = String> {
        prop::collection::vec((field(), prop::option::of(0..6u8), 0..4u8), 1..8).prop_map(|items| {
            items
                .into_iter()
                .map(|(f, alias, wrap)| {
                    let f = match alias {
                        Some(a) => format!("k{a}: {f}"),
                        None => f,
                    };
                    match wrap {
                        0 => format!("... on Item {{ {f} }}"),
                        1 => format!("... {{ {f} }}"),
                        _ => f,
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random selections (aliases, repeated keys, fragments, failing fields) give
        /// the same data and errors as async-graphql's own resolution.
        #[test]
        fn random_selections_match(sel in selection()) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let (plain, fast) = rt.block_on(both(&sel, ""));
            prop_assert_eq!(plain, fast, "{}", sel);
        }
    }
}
