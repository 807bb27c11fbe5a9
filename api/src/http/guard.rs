//! [`Guarded`]: the schema as the HTTP and WebSocket handlers run it. Everything here
//! happens once per operation, around async-graphql's execution, never per field: no
//! schema extension is installed, so async-graphql resolves each field without building
//! a `ResolveInfo` or running extension hooks (its `resolver_utils/container.rs` takes
//! that path only when the schema's extension list is empty and the field has no
//! directive).
//!
//! Before execution ([`Guarded::prepare`], then [`Guarded::run`]):
//! - the document is parsed once (the parsed document is handed to async-graphql, which
//!   does not parse it again); a parse error is coded `GRAPHQL_PARSE_FAILED`;
//! - the operation is chosen as async-graphql would; an unknown `operationName` or a
//!   document of several operations without one is `BAD_REQUEST`;
//! - the limits of [`limits`](super::limits) are checked (`GRAPHQL_PARSE_FAILED` past
//!   the recursion limit, `GRAPHQL_VALIDATION_FAILED` past the depth or alias limit);
//! - the variables are checked against the operation's definitions
//!   ([`variables`](super::variables)): a required one missing or null, or a value that
//!   does not fit a built-in scalar type, is `GRAPHQL_VALIDATION_FAILED` naming the
//!   variable.
//!
//! After execution:
//! - a response without data whose errors have no path is a request error: nothing ran
//!   (async-graphql's validation, complexity limit included, refused the document), and
//!   its errors are coded `GRAPHQL_VALIDATION_FAILED`. Errors raised while executing
//!   always carry the path of their field;
//! - the keys of every object of the data are put in selection order
//!   ([`order`](super::order));
//! - errors without `extensions.code` raised while executing are logged and masked as
//!   `internal error` / `INTERNAL` with the request id; coded errors pass;
//! - a panic anywhere in execution is caught once, around the whole execution (around
//!   each item for a subscription), logged, and answered with one masked `INTERNAL`
//!   error: the data of that response is lost;
//! - every error is counted by code in [`Metrics`].

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Data, Executor, Request, Response, ServerError, Value};
use futures::stream::BoxStream;
use futures::{FutureExt as _, Stream, StreamExt as _};

use super::errors::{self, code_if_missing};
use super::limits::{self, Refusal};
use super::metrics::Metrics;
use super::order::ResponseOrder;
use super::variables;

/// The limits a [`Guarded`] executor applies, shared by its clones.
pub(crate) struct Limits {
    pub(crate) max_depth: usize,
    pub(crate) max_aliases: usize,
    pub(crate) metrics: Arc<Metrics>,
}

/// An executor run with the checks and error handling of the module docs.
pub(crate) struct Guarded<E> {
    inner: E,
    limits: Arc<Limits>,
    /// The request id of the WebSocket connection this clone serves (HTTP requests pass
    /// theirs to [`Guarded::run`]).
    request_id: Option<Arc<str>>,
}

impl<E: Clone> Clone for Guarded<E> {
    fn clone(&self) -> Self {
        Guarded {
            inner: self.inner.clone(),
            limits: self.limits.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// A request whose document parsed and names a runnable operation.
pub(crate) struct Prepared {
    request: Request,
    doc: ExecutableDocument,
    /// The type of the chosen operation.
    pub(crate) ty: OperationType,
    /// The name of the chosen operation, if it has one.
    pub(crate) name: Option<String>,
}

impl Prepared {
    /// The context data the operation runs with.
    pub(crate) fn data_mut(&mut self) -> &mut Data {
        &mut self.request.data
    }
}

/// The response to one operation and what the handler needs to know about it.
pub(crate) struct Executed {
    pub(crate) response: Response,
    /// Nothing executed: the response has errors and no data.
    pub(crate) request_error: bool,
    /// The executed operation's name (`None` when anonymous or not executed).
    pub(crate) operation: Option<String>,
}

impl<E: Executor> Guarded<E> {
    pub(crate) fn new(inner: E, limits: Limits) -> Self {
        Guarded {
            inner,
            limits: Arc::new(limits),
            request_id: None,
        }
    }

    /// This executor for one WebSocket connection, whose errors carry `request_id`.
    pub(crate) fn for_connection(&self, request_id: Option<&str>) -> Self {
        Guarded {
            request_id: request_id.map(Arc::from),
            ..self.clone()
        }
    }

    /// Parses the document of `request` and chooses its operation, or the request error
    /// that answers it.
    pub(crate) fn prepare(&self, request: Request) -> Result<Prepared, Box<Executed>> {
        let doc = match async_graphql::parser::parse_query(&request.query) {
            Ok(doc) => doc,
            Err(e) => {
                let err = ServerError::from(e);
                return Err(Box::new(self.refuse(err, errors::GRAPHQL_PARSE_FAILED)));
            }
        };
        let chosen = match (&doc.operations, request.operation_name.as_deref()) {
            (DocumentOperations::Single(op), None) => Ok((op.node.ty, None)),
            (DocumentOperations::Multiple(ops), Some(name)) => ops
                .get(name)
                .map(|op| (op.node.ty, Some(name.to_string())))
                .ok_or_else(|| format!("Unknown operation named \"{name}\".")),
            (DocumentOperations::Single(_), Some(name)) => Err(format!(
                "Unknown operation named \"{name}\": the document has one anonymous operation."
            )),
            (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => Ok(ops
                .iter()
                .next()
                .map(|(name, op)| (op.node.ty, Some(name.to_string())))
                .unwrap_or((OperationType::Query, None))),
            (DocumentOperations::Multiple(ops), None) => Err(format!(
                "The document has {} operations: name the one to run with `operationName`.",
                ops.len()
            )),
        };
        match chosen {
            Ok((ty, name)) => Ok(Prepared {
                request,
                doc,
                ty,
                name,
            }),
            Err(message) => Err(Box::new(
                self.refuse(ServerError::new(message, None), errors::BAD_REQUEST),
            )),
        }
    }

    /// Checks the limits of a prepared request, executes it with panics caught, and
    /// codes, masks and counts its errors (see the module docs).
    pub(crate) async fn run(&self, prepared: Prepared, request_id: Option<&str>) -> Executed {
        let (request, operation, order) = match self.check(prepared) {
            Ok(ready) => ready,
            Err(refused) => return *refused,
        };
        match AssertUnwindSafe(self.inner.execute(request))
            .catch_unwind()
            .await
        {
            Ok(response) => self.finish(response, operation, &order, request_id),
            Err(panic) => {
                log_panic(&*panic, request_id);
                self.limits.metrics.count_error(errors::INTERNAL);
                Executed {
                    response: Response::from_errors(vec![errors::internal_error(request_id)]),
                    request_error: false,
                    operation,
                }
            }
        }
    }

    /// The limits of the module docs; the request ready to execute with its document
    /// (parsed once), the operation's name and the order of its response.
    fn check(
        &self,
        prepared: Prepared,
    ) -> Result<(Request, Option<String>, ResponseOrder), Box<Executed>> {
        let Prepared {
            mut request,
            mut doc,
            name,
            ..
        } = prepared;
        if let Err(refusal) = limits::check(&doc, self.limits.max_depth, self.limits.max_aliases) {
            let (message, code) = match refusal {
                Refusal::Recursion => (
                    format!(
                        "The query nests selections deeper than {} levels.",
                        limits::RECURSION_LIMIT
                    ),
                    errors::GRAPHQL_PARSE_FAILED,
                ),
                Refusal::Depth(depth) => (
                    format!(
                        "The query is nested too deep: {depth} levels of fields; at most {} are allowed.",
                        self.limits.max_depth
                    ),
                    errors::GRAPHQL_VALIDATION_FAILED,
                ),
                Refusal::Aliases(aliases) => (
                    format!(
                        "The query has {aliases} aliased fields; at most {} are allowed (`__typename` included).",
                        self.limits.max_aliases
                    ),
                    errors::GRAPHQL_VALIDATION_FAILED,
                ),
            };
            return Err(Box::new(self.refuse(ServerError::new(message, None), code)));
        }
        if let Err(message) = variables::check(&mut doc, name.as_deref(), &request.variables) {
            return Err(Box::new(self.refuse(
                ServerError::new(message, None),
                errors::GRAPHQL_VALIDATION_FAILED,
            )));
        }
        let order = ResponseOrder::new(doc.clone(), name.clone());
        request.set_parsed_query(doc);
        Ok((request, name, order))
    }

    /// A request error coded `code` (unless it has a code), counted.
    fn refuse(&self, err: ServerError, code: &str) -> Executed {
        let err = code_if_missing(err, code);
        tracing::debug!(code = errors::code_of(&err).unwrap_or(code), reason = %err.message, "GraphQL request refused");
        self.limits.metrics.count_error(code);
        Executed {
            response: Response::from_errors(vec![err]),
            request_error: true,
            operation: None,
        }
    }

    /// Codes, masks and counts the errors of an executed (or validated) response.
    fn finish(
        &self,
        mut response: Response,
        operation: Option<String>,
        order: &ResponseOrder,
        request_id: Option<&str>,
    ) -> Executed {
        let request_error = is_request_error(&response);
        if request_error {
            for err in &mut response.errors {
                errors::set_code_if_missing(err, errors::GRAPHQL_VALIDATION_FAILED);
                tracing::debug!(reason = %err.message, "GraphQL request refused by validation");
            }
        } else {
            errors::mask_uncoded(&mut response.errors, request_id);
            order.apply(&mut response.data);
        }
        for err in &response.errors {
            self.limits
                .metrics
                .count_error(errors::code_of(err).unwrap_or(errors::INTERNAL));
        }
        Executed {
            response,
            request_error,
            operation: if request_error { None } else { operation },
        }
    }
}

/// Whether async-graphql answered without executing: errors, no data, and no error
/// raised at a field (those always carry a path).
fn is_request_error(response: &Response) -> bool {
    !response.errors.is_empty()
        && matches!(response.data, Value::Null)
        && response.errors.iter().all(|e| e.path.is_empty())
}

fn log_panic(panic: &(dyn std::any::Any + Send), request_id: Option<&str>) {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<non-string panic payload>".to_string());
    tracing::error!(
        request_id = request_id.unwrap_or("-"),
        panic = %message,
        "GraphQL execution panicked (masked)"
    );
}

impl<E: Executor> Executor for Guarded<E> {
    async fn execute(&self, request: Request) -> Response {
        let request_id = self.request_id.clone();
        match self.prepare(request) {
            Ok(prepared) => self.run(prepared, request_id.as_deref()).await.response,
            Err(refused) => refused.response,
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let ready = self
            .prepare(request)
            .and_then(|prepared| self.check(prepared));
        let (request, operation, order) = match ready {
            Ok(ready) => ready,
            Err(refused) => return futures::stream::once(async move { refused.response }).boxed(),
        };
        let this = self.clone();
        CatchUnwind {
            inner: Some(self.inner.execute_stream(request, session_data)),
            request_id: self.request_id.clone(),
        }
        .map(move |response| {
            this.finish(
                response,
                operation.clone(),
                &order,
                this.request_id.as_deref(),
            )
            .response
        })
        .boxed()
    }
}

/// A stream whose panics end it with one masked `INTERNAL` response.
struct CatchUnwind {
    inner: Option<BoxStream<'static, Response>>,
    request_id: Option<Arc<str>>,
}

impl Stream for CatchUnwind {
    type Item = Response;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Response>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll_next_unpin(cx))) {
            Ok(poll) => poll,
            Err(panic) => {
                self.inner = None;
                let request_id = self.request_id.as_deref();
                log_panic(&*panic, request_id);
                Poll::Ready(Some(Response::from_errors(vec![errors::internal_error(
                    request_id,
                )])))
            }
        }
    }
}
