//! [`apply_limits`]: depth and complexity limits plus the guard extension, which
//!
//! - refuses documents with more aliased fields than allowed, `__typename` included
//!   (async-graphql's depth and complexity limits do not count `__typename`), after
//!   parsing and before validation, so no resolver runs;
//! - codes parse errors `GRAPHQL_PARSE_FAILED`, validation and limit errors
//!   `GRAPHQL_VALIDATION_FAILED` and other pre-execution errors `BAD_REQUEST`;
//! - masks execution errors without `extensions.code` as `internal error` / `INTERNAL`
//!   with the request id (the original is logged with tracing); coded errors pass;
//! - catches panics of resolvers and turns them into masked `INTERNAL` field errors;
//! - counts every error by code in [`Metrics`].

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{ExecutableDocument, SelectionSet};
use async_graphql::{
    Response, SchemaBuilder, ServerError, ServerResult, ValidationResult, Variables,
};
use futures::{FutureExt as _, StreamExt as _};

use super::config::HttpConfig;
use super::errors::{self, RequestId};
use super::metrics::Metrics;

/// Applies the limits of `cfg` to `builder`: `limit_depth(max_depth)`,
/// `limit_complexity(max_complexity)` and the guard extension (alias limit, error
/// coding and masking, panic catching, error metrics; see the module docs).
pub fn apply_limits<Q, M, S>(
    builder: SchemaBuilder<Q, M, S>,
    cfg: &HttpConfig,
    metrics: Arc<Metrics>,
) -> SchemaBuilder<Q, M, S> {
    builder
        .limit_depth(cfg.max_depth)
        .limit_complexity(cfg.max_complexity)
        .extension(Guard {
            max_aliases: cfg.max_aliases,
            metrics,
        })
}

/// What the HTTP handler learns from the guard about one request, shared through the
/// request's context data.
#[derive(Debug, Default)]
pub(crate) struct RequestState {
    executed: AtomicBool,
    operation: Mutex<Option<String>>,
}

impl RequestState {
    /// Whether execution started (errors are then field errors, not request errors).
    pub(crate) fn executed(&self) -> bool {
        self.executed.load(Ordering::SeqCst)
    }

    /// The name of the executed operation, if it has one.
    pub(crate) fn operation(&self) -> Option<String> {
        self.operation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn mark_executed(&self, operation: Option<&str>) {
        *self.operation.lock().unwrap_or_else(|e| e.into_inner()) = operation.map(str::to_string);
        self.executed.store(true, Ordering::SeqCst);
    }
}

/// The extension factory and the extension itself (it holds no per-request state).
#[derive(Clone)]
struct Guard {
    max_aliases: usize,
    metrics: Arc<Metrics>,
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

fn request_id<'a>(ctx: &ExtensionContext<'a>) -> Option<&'a str> {
    ctx.data_opt::<RequestId>().map(|r| r.0.as_str())
}

#[async_graphql::async_trait::async_trait]
impl Extension for Guard {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        // Errors still without a code here were raised before execution (e.g. an
        // unknown operation name): they are request errors, not internal ones.
        resp.errors = std::mem::take(&mut resp.errors)
            .into_iter()
            .map(|e| errors::code_if_missing(e, errors::BAD_REQUEST))
            .collect();
        count_errors(&self.metrics, &resp.errors);
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let metrics = self.metrics.clone();
        let request_id = request_id(ctx).map(str::to_string);
        next.run(ctx, stream)
            .map(move |mut resp| {
                errors::mask_uncoded(&mut resp.errors, request_id.as_deref());
                count_errors(&metrics, &resp.errors);
                resp
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| errors::code_if_missing(e, errors::GRAPHQL_PARSE_FAILED))?;
        let aliases = alias_count(&doc);
        if aliases > self.max_aliases {
            return Err(errors::code_if_missing(
                ServerError::new(
                    format!(
                        "The query has {aliases} aliased fields; at most {} are allowed (`__typename` included).",
                        self.max_aliases
                    ),
                    None,
                ),
                errors::GRAPHQL_VALIDATION_FAILED,
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errs| {
            errs.into_iter()
                .map(|e| errors::code_if_missing(e, errors::GRAPHQL_VALIDATION_FAILED))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(state) = ctx.data_opt::<Arc<RequestState>>() {
            state.mark_executed(operation_name);
        }
        let mut resp = next.run(ctx, operation_name).await;
        errors::mask_uncoded(&mut resp.errors, request_id(ctx));
        resp
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<async_graphql::Value>> {
        let path_node = info.path_node;
        match AssertUnwindSafe(next.run(ctx, info)).catch_unwind().await {
            Ok(result) => result,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "<non-string panic payload>".to_string());
                let request_id = request_id(ctx);
                tracing::error!(
                    request_id = request_id.unwrap_or("-"),
                    path = %path_node,
                    panic = %message,
                    "resolver panicked (masked)"
                );
                let mut err = errors::internal_error(request_id);
                err.path = serde_json::to_value(path_node)
                    .and_then(serde_json::from_value)
                    .unwrap_or_default();
                Err(err)
            }
        }
    }
}

fn count_errors(metrics: &Metrics, errors: &[ServerError]) {
    for e in errors {
        metrics.count_error(errors::code_of(e).unwrap_or(errors::INTERNAL));
    }
}

/// The number of aliased fields (any field, `__typename` included) of the document's
/// largest operation, with fragment spreads expanded where they are used. Fragment
/// cycles count once (validation refuses them anyway).
pub(crate) fn alias_count(doc: &ExecutableDocument) -> usize {
    let mut counter = AliasCounter {
        doc,
        memo: HashMap::new(),
        visiting: HashSet::new(),
    };
    doc.operations
        .iter()
        .map(|(_, op)| counter.selection_set(&op.node.selection_set.node))
        .max()
        .unwrap_or(0)
}

struct AliasCounter<'d> {
    doc: &'d ExecutableDocument,
    memo: HashMap<&'d str, usize>,
    visiting: HashSet<&'d str>,
}

impl<'d> AliasCounter<'d> {
    fn selection_set(&mut self, set: &'d SelectionSet) -> usize {
        use async_graphql::parser::types::Selection;
        let mut n = 0usize;
        for selection in &set.items {
            let here = match &selection.node {
                Selection::Field(field) => usize::from(field.node.alias.is_some())
                    .saturating_add(self.selection_set(&field.node.selection_set.node)),
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some(&count) = self.memo.get(name.as_str()) {
                        count
                    } else if let Some(fragment) = self.doc.fragments.get(name) {
                        if self.visiting.insert(name.as_str()) {
                            let count = self.selection_set(&fragment.node.selection_set.node);
                            self.visiting.remove(name.as_str());
                            self.memo.insert(name.as_str(), count);
                            count
                        } else {
                            0
                        }
                    } else {
                        0
                    }
                }
            };
            n = n.saturating_add(here);
        }
        n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn count(q: &str) -> usize {
        alias_count(&async_graphql::parser::parse_query(q).unwrap())
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
}
