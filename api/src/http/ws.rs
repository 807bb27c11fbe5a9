//! `GET /graphql/ws`: GraphQL subscriptions (and queries) over WebSocket with the
//! graphql-transport-ws protocol (the legacy `graphql-ws` subprotocol is also accepted).
//!
//! The caller is authenticated once per connection from the `connection_init` payload,
//! `{"Authorization": "Bearer <token>"}` or `{"token": "<token>"}` (neither = anonymous),
//! through the [`ContextProvider`](super::ContextProvider). A refused caller gets close
//! code 4403 (Forbidden) for `UNAUTHENTICATED` / `FORBIDDEN` and 4500 for any other
//! rejection code, and no operation runs. A client that sends no `connection_init`
//! within the request timeout is closed with 4408, as graphql-transport-ws specifies.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use async_graphql::Executor;
use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, WebSocketProtocols, WsMessage};
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt as _, StreamExt as _};

use super::context::bearer_from_init_payload;
use super::errors::{self, RequestId};
use super::router::App;

/// Close code for a refused caller (graphql-transport-ws: Forbidden).
pub const CLOSE_FORBIDDEN: u16 = 4403;
/// Close code when the context could not be built for another reason.
pub const CLOSE_INTERNAL: u16 = 4500;
/// Close code when no `connection_init` arrived in time.
pub const CLOSE_INIT_TIMEOUT: u16 = 4408;

/// `GET /graphql/ws`.
pub(crate) async fn graphql_ws<E: Executor>(
    State(app): State<Arc<App<E>>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|list| {
            list.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "Sec-WebSocket-Protocol must offer graphql-transport-ws",
        )
            .into_response();
    };
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| connection(app, socket, protocol, request_id))
}

async fn connection<E: Executor>(
    app: Arc<App<E>>,
    socket: WebSocket,
    protocol: WebSocketProtocols,
    request_id: Option<String>,
) {
    app.metrics.add_ws_connections(1);
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|r| futures::future::ready(r.is_ok()))
        .filter_map(|r| {
            futures::future::ready(match r {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });

    // The close code chosen by a refusal in `on_connection_init` (0 = none).
    let refusal = Arc::new(AtomicU16::new(0));
    let on_init = {
        let provider = app.provider.clone();
        let metrics = app.metrics.clone();
        let refusal = refusal.clone();
        let request_id = request_id.clone();
        move |payload: serde_json::Value| async move {
            let outcome = match bearer_from_init_payload(&payload) {
                Ok(bearer) => provider.context(bearer).await,
                Err(rejection) => Err(rejection),
            };
            match outcome {
                Ok(mut data) => {
                    if let Some(id) = request_id {
                        data.insert(RequestId(id));
                    }
                    Ok(data)
                }
                Err(rejection) => {
                    metrics.count_error(rejection.code);
                    tracing::debug!(
                        code = rejection.code,
                        reason = %rejection.message,
                        request_id = request_id.as_deref().unwrap_or("-"),
                        "WebSocket connection_init refused"
                    );
                    let code = match rejection.code {
                        errors::UNAUTHENTICATED | "FORBIDDEN" => CLOSE_FORBIDDEN,
                        _ => CLOSE_INTERNAL,
                    };
                    refusal.store(code, Ordering::SeqCst);
                    Err(async_graphql::Error::new(rejection.message))
                }
            }
        }
    };

    let executor = app.executor.for_connection(request_id.as_deref());
    let output =
        async_graphql::http::WebSocket::new(executor, input, protocol).on_connection_init(on_init);
    futures::pin_mut!(output);
    let init_deadline = tokio::time::sleep(app.cfg.request_timeout);
    futures::pin_mut!(init_deadline);
    let mut acked = false;
    loop {
        let message = tokio::select! {
            item = output.next() => match item {
                Some(m) => m,
                None => break,
            },
            () = &mut init_deadline, if !acked => {
                WsMessage::Close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout".into())
            }
        };
        let message = match message {
            WsMessage::Text(text) => {
                if !acked && is_ack(&text) {
                    acked = true;
                }
                Message::Text(text.into())
            }
            WsMessage::Close(code, reason) => {
                let code = match refusal.load(Ordering::SeqCst) {
                    0 => code,
                    refused => refused,
                };
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code,
                        reason: truncate(&reason, 120).into(),
                    })))
                    .await;
                break;
            }
        };
        if sink.send(message).await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
    app.metrics.add_ws_connections(-1);
}

fn is_ack(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("connection_ack"))
}

/// `s` cut to at most `max` bytes at a character boundary (close reasons are limited to
/// 123 bytes).
fn truncate(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
