//! GraphQL over WebSocket at `/graphql`: the `graphql-transport-ws` protocol of the graphql-ws
//! library (Apollo Client, urql, Relay and GraphiQL speak it), mostly for subscriptions.
//!
//! A connection is bounded like a request: frames no larger than `MAX_BODY_BYTES`, each
//! document read within the same bounds (`graphql::prepare`), `connection_init` within
//! `WS_INIT_TIMEOUT_SECS`, a ping every `WS_KEEPALIVE_SECS`, at most
//! `SUBSCRIPTIONS_PER_CONNECTION` subscriptions, and at most `WS_SEND_BUFFER_BYTES` of results
//! queued for its client: past that, operations wait for the client to read (a revision of
//! any size reaches a client that keeps reading), and a client that reads nothing for
//! `WS_SEND_PATIENCE_SECS` is closed (1013, "try again later") rather than buffered without
//! bound; it resumes with `sinceRevision`. A connection that authenticated with a token checks
//! it again every [`TOKEN_RECHECK`]: a revoked or changed token closes it (4403).
//! Close codes are the library's where it has one, and the README lists them all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::parser::types::OperationType;
use futures_util::StreamExt as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

use super::AppState;
use super::graphql::{
    Early, Prepared, Refusal, Transport, answer, params_from_json, prepare, request_id,
};
use crate::error::ErrorCode;
use crate::graphql::viewer::{Caller, ClientKey};

/// The subprotocol this endpoint speaks.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// The longest reason a close frame can carry (RFC 6455: 125 bytes with the code).
const MAX_CLOSE_REASON: usize = 123;
/// How long a close frame may wait behind the messages a client has not read.
const CLOSE_GRACE: Duration = Duration::from_secs(5);
/// The longest subscription id a client may choose.
const MAX_ID_BYTES: usize = 128;
/// How often a connection that authenticated with a token checks it again (through the
/// instance's token cache, so a revoked token ends the connection within seconds).
pub const TOKEN_RECHECK: Duration = Duration::from_secs(2);
/// Protocol messages (acknowledgements, pings, pongs, errors) queued for a client that does
/// not read them; they are small, and a client that lets this many pile up is closed.
const CONTROL_QUEUE: usize = 1024;

/// Close codes, as the README's table lists them.
mod close {
    pub const BAD_MESSAGE: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    pub const SILENT: u16 = 4504;
    /// RFC 6455 "try again later": a client that does not read fast enough.
    pub const TOO_SLOW: u16 = 1013;
    /// RFC 6455 "going away": the instance is shutting down.
    pub const GOING_AWAY: u16 = 1001;
}

/// `GET /graphql` with `Upgrade: websocket`.
pub async fn upgrade(
    state: web::Data<AppState>,
    http: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let offered = http
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|protocol| protocol.trim() == PROTOCOL);
    if !offered {
        return HttpResponse::BadRequest().json(json!({
            "errors": [{
                "message": "WebSocket connections to /graphql speak graphql-transport-ws (the protocol of the graphql-ws library): offer it in Sec-WebSocket-Protocol. The older subscriptions-transport-ws protocol (`graphql-ws`) is not supported.",
                "extensions": { "code": ErrorCode::BadRequest.as_str() }
            }]
        }));
    }
    let (mut response, session, stream) = match actix_ws::handle(&http, body) {
        Ok(parts) => parts,
        Err(err) => return err.error_response(),
    };
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        header::HeaderValue::from_static(PROTOCOL),
    );
    let limit = state.limits.max_body_bytes;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    let client = http
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |address| address.ip().to_string());
    let connection_id = request_id(&http);
    actix_web::rt::spawn(serve(state, session, stream, client, connection_id));
    response
}

/// A message from the client.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: Map<String, Value>,
    },
    Complete {
        id: String,
    },
}

/// A message on its way to the client, holding its share of the connection's byte budget
/// until the client has read it.
struct Outgoing {
    text: String,
    budget: Option<Held>,
}

/// A result's share of its connection's byte budget and of the instance's.
struct Held {
    _connection: OwnedSemaphorePermit,
    _instance: OwnedSemaphorePermit,
}

/// Messages for the client. The connection's own (acknowledgement, pings, pongs) are queued
/// at once and go first; an operation's messages are paced by the client's reading, in
/// order: each takes its size from the connection's byte budget, and gives it back once the
/// client has read it. The socket's own queues take whole batches of messages without
/// looking at their size, so "read" is learnt from the client itself: after a run of results
/// the writer sends a WebSocket ping carrying a sequence number, and the client's pong (which
/// every WebSocket client sends as it reads the ping, after what came before it) gives back
/// the budget of everything sent before that ping.
#[derive(Clone)]
struct Outbox {
    control: mpsc::Sender<Outgoing>,
    results: mpsc::UnboundedSender<Outgoing>,
    budget: Arc<Semaphore>,
    budget_bytes: u32,
    /// The instance's budget, shared by all its connections.
    instance: Arc<Semaphore>,
    patience: Duration,
    /// Told when the client has read nothing for too long: the connection closes.
    overflowed: Arc<Notify>,
}

impl Outbox {
    fn new(
        control: mpsc::Sender<Outgoing>,
        results: mpsc::UnboundedSender<Outgoing>,
        limits: &crate::config::Limits,
        instance: Arc<Semaphore>,
    ) -> Self {
        let budget_bytes = u32::try_from(limits.ws_send_buffer_bytes)
            .unwrap_or(u32::MAX)
            .min(u32::try_from(limits.ws_send_buffer_total_bytes).unwrap_or(u32::MAX));
        Self {
            control,
            results,
            budget: Arc::new(Semaphore::new(budget_bytes as usize)),
            budget_bytes,
            instance,
            patience: limits.ws_send_patience,
            overflowed: Arc::new(Notify::new()),
        }
    }

    /// Queues a message of the connection's own without waiting; false when the queue is
    /// full (the connection is then closing) or closed.
    fn send(&self, message: &Value) -> bool {
        let message = Outgoing {
            text: message.to_string(),
            budget: None,
        };
        match self.control.try_send(message) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.overflowed.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Queues an operation's message once the connection's byte budget and the instance's
    /// have room for it (a message larger than the connection's whole budget waits for all
    /// of it); false when the connection is closing, or when the results waited for the
    /// patience (the client read nothing), which closes it.
    async fn deliver(&self, message: &Value) -> bool {
        let text = message.to_string();
        let wanted = u32::try_from(text.len())
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget_bytes);
        let budget = async {
            let connection = Arc::clone(&self.budget).acquire_many_owned(wanted).await?;
            let instance = Arc::clone(&self.instance)
                .acquire_many_owned(wanted)
                .await?;
            Ok::<_, tokio::sync::AcquireError>(Held {
                _connection: connection,
                _instance: instance,
            })
        };
        match tokio::time::timeout(self.patience, budget).await {
            Ok(Ok(budget)) => self
                .results
                .send(Outgoing {
                    text,
                    budget: Some(budget),
                })
                .is_ok(),
            Ok(Err(_)) => false,
            Err(_) => {
                self.overflowed.notify_one();
                false
            }
        }
    }
}

/// A running operation, aborted when dropped (the client completed it or went away).
struct Running(tokio::task::JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a connection ends, when it ends with a close frame from the server.
enum Ending {
    /// The server closes it with this code and reason.
    Close(u16, String),
    /// The client closed it with this code: the server answers in kind.
    Echo(u16),
}

/// What the connection knows of its client.
struct Connection {
    state: web::Data<AppState>,
    outbox: Outbox,
    caller: Option<Caller>,
    /// The `Authorization` value the caller authenticated with, checked again now and then.
    authorization: Option<String>,
    init_seen: bool,
    /// Each with the number it was started as, so that a finished one is told apart from a
    /// later one under the same id.
    running: HashMap<String, (u64, Running)>,
    started: u64,
    finished: mpsc::UnboundedSender<(String, u64)>,
    client: String,
    connection_id: String,
}

async fn serve(
    state: web::Data<AppState>,
    session: Session,
    mut stream: AggregatedMessageStream,
    client: String,
    connection_id: String,
) {
    let limits = state.limits.clone();
    let (control, control_out) = mpsc::channel::<Outgoing>(CONTROL_QUEUE);
    let (results, results_out) = mpsc::unbounded_channel::<Outgoing>();
    let outbox = Outbox::new(
        control,
        results,
        &limits,
        Arc::clone(&state.websocket_bytes),
    );
    let overflowed = Arc::clone(&outbox.overflowed);
    let (read_upto, read_upto_seen) = tokio::sync::watch::channel(0u64);
    let writer = actix_web::rt::spawn(write(
        session.clone(),
        control_out,
        results_out,
        read_upto_seen,
        limits.ws_send_buffer_bytes / 4,
    ));
    let (finished, mut finished_ids) = mpsc::unbounded_channel::<(String, u64)>();
    let mut connection = Connection {
        outbox,
        state,
        caller: None,
        authorization: None,
        init_seen: false,
        running: HashMap::new(),
        started: 0,
        finished,
        client,
        connection_id,
    };
    let mut stopping = connection.state.hub.stopped();
    let init_deadline = tokio::time::sleep(limits.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut keepalive = tokio::time::interval(limits.ws_keepalive);
    keepalive.tick().await;
    let mut recheck = tokio::time::interval(TOKEN_RECHECK);
    recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    recheck.tick().await;
    // A client that sends nothing, not even a pong, for three keep-alive intervals is gone.
    let silence = limits.ws_keepalive * 3;
    let mut last_heard = tokio::time::Instant::now();
    let mut pong_session = session.clone();
    let ending: Option<Ending> = loop {
        tokio::select! {
            message = stream.recv() => {
                last_heard = tokio::time::Instant::now();
                match message {
                    None => break None,
                    Some(Ok(AggregatedMessage::Close(reason))) => {
                        // The closing handshake: the client's code goes back to it.
                        break Some(Ending::Echo(reason.map_or(1000, |reason| u16::from(reason.code))));
                    }
                    Some(Err(err)) => break Some(Ending::Close(close::BAD_MESSAGE, format!("unreadable frame: {err}"))),
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        break Some(Ending::Close(close::BAD_MESSAGE, "binary messages are not part of graphql-transport-ws".into()));
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if pong_session.pong(&bytes).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(bytes))) => {
                        // The answer to a pacing ping: the client has read what came before it.
                        if let Ok(sequence) = <[u8; 8]>::try_from(bytes.as_ref()) {
                            let sequence = u64::from_be_bytes(sequence);
                            read_upto.send_if_modified(|upto| {
                                let newer = sequence > *upto;
                                *upto = (*upto).max(sequence);
                                newer
                            });
                        }
                    }
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        if let Some((code, reason)) = connection.receive(&text).await {
                            break Some(Ending::Close(code, reason));
                        }
                    }
                }
            }
            () = &mut init_deadline, if connection.caller.is_none() => {
                break Some(Ending::Close(close::INIT_TIMEOUT, "Connection initialisation timeout".into()));
            }
            () = tokio::time::sleep_until(last_heard + silence) => {
                break Some(Ending::Close(close::SILENT, "the client sent nothing, not even a pong, for too long".into()));
            }
            _ = keepalive.tick() => {
                if connection.caller.is_some() {
                    connection.outbox.send(&json!({ "type": "ping" }));
                }
            }
            _ = recheck.tick(), if matches!(connection.caller, Some(Caller::Token { .. })) => {
                if let Some(reason) = connection.recheck().await {
                    break Some(Ending::Close(close::FORBIDDEN, reason));
                }
            }
            Some((id, number)) = finished_ids.recv() => {
                if connection.running.get(&id).is_some_and(|(n, _)| *n == number) {
                    connection.running.remove(&id);
                }
            }
            () = overflowed.notified() => {
                break Some(Ending::Close(close::TOO_SLOW, "the client read nothing for too long; reconnect and resume with sinceRevision from the last event read".into()));
            }
            _ = stopping.wait_for(|stop| *stop) => {
                break Some(Ending::Close(close::GOING_AWAY, "the server is shutting down; reconnect".into()));
            }
        }
    };
    connection.running.clear();
    writer.abort();
    let reason = match ending {
        None => None,
        Some(Ending::Echo(code)) => Some((code, String::new())),
        Some(Ending::Close(code, mut reason)) => {
            connection.state.metrics.record_ws_close(code);
            // A close frame's reason holds at most 123 bytes; a longer one breaks the frame.
            if reason.len() > MAX_CLOSE_REASON {
                let mut end = MAX_CLOSE_REASON;
                while !reason.is_char_boundary(end) {
                    end -= 1;
                }
                reason.truncate(end);
            }
            Some((code, reason))
        }
    };
    if let Some((code, reason)) = reason {
        let reason = CloseReason {
            code: CloseCode::Other(code),
            description: (!reason.is_empty()).then_some(reason),
        };
        // The close frame queues behind what the client has not read yet; a client that reads
        // nothing within the grace is not told why, and is dropped all the same.
        let _ = tokio::time::timeout(CLOSE_GRACE, session.close(Some(reason))).await;
    }
}

/// How long the writer waits, once no result is queued, before it asks the client (with a
/// ping) what it has read: results that come in a burst share one ping.
const PING_AFTER: Duration = Duration::from_millis(20);

/// Writes the connection's messages to the socket, its own first, and paces results by the
/// client's reading: after `ping_every` bytes of results, or [`PING_AFTER`] once no more
/// wait, a ping with the next sequence number; the budgets of the results sent before it are
/// held until the client's pong for it (`read_upto`) comes back.
async fn write(
    mut session: Session,
    mut control: mpsc::Receiver<Outgoing>,
    mut results: mpsc::UnboundedReceiver<Outgoing>,
    mut read_upto: tokio::sync::watch::Receiver<u64>,
    ping_every: usize,
) {
    let mut unread: std::collections::VecDeque<(u64, Vec<Held>)> =
        std::collections::VecDeque::new();
    let mut since_ping: Vec<Held> = Vec::new();
    let mut bytes_since_ping = 0usize;
    let mut sequence = 0u64;
    let ping_timer = tokio::time::sleep(PING_AFTER);
    tokio::pin!(ping_timer);
    let mut ping_due = false;
    loop {
        let message = tokio::select! {
            biased;
            Some(message) = control.recv() => Some(message),
            Ok(()) = read_upto.changed() => {
                let upto = *read_upto.borrow_and_update();
                while unread.front().is_some_and(|(sent, _)| *sent <= upto) {
                    unread.pop_front();
                }
                continue;
            }
            Some(message) = results.recv() => Some(message),
            () = &mut ping_timer, if ping_due => None,
            else => break,
        };
        if let Some(message) = message {
            let length = message.text.len();
            if session.text(message.text).await.is_err() {
                break;
            }
            if let Some(budget) = message.budget {
                since_ping.push(budget);
                bytes_since_ping += length;
            }
            if since_ping.is_empty() || bytes_since_ping < ping_every {
                if !since_ping.is_empty() && !ping_due {
                    ping_due = true;
                    ping_timer
                        .as_mut()
                        .reset(tokio::time::Instant::now() + PING_AFTER);
                }
                continue;
            }
        }
        ping_due = false;
        if since_ping.is_empty() {
            continue;
        }
        sequence += 1;
        if session.ping(&sequence.to_be_bytes()).await.is_err() {
            break;
        }
        unread.push_back((sequence, std::mem::take(&mut since_ping)));
        bytes_since_ping = 0;
    }
}

impl Connection {
    /// Checks the connection's token again; `Some` (the reason) when it no longer holds: it
    /// was revoked, or now names another caller. A database that cannot answer leaves the
    /// connection as it is until the next check.
    async fn recheck(&mut self) -> Option<String> {
        match super::graphql::caller_of(&self.state, self.authorization.as_deref()).await {
            Ok(caller) if Some(&caller) == self.caller.as_ref() => None,
            Ok(_) => Some("the connection's token changed; reconnect with the token to use".into()),
            Err(Refusal {
                code: ErrorCode::Unauthenticated,
                ..
            }) => Some("the connection's token was revoked; reconnect with a valid token".into()),
            Err(_) => None,
        }
    }

    /// Handles one text message; `Some` closes the connection with that code and reason.
    async fn receive(&mut self, text: &str) -> Option<(u16, String)> {
        let message: ClientMessage = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(err) => {
                return Some((
                    close::BAD_MESSAGE,
                    format!("Invalid message received: {err}"),
                ));
            }
        };
        match message {
            ClientMessage::ConnectionInit { payload } => {
                if self.init_seen {
                    return Some((
                        close::TOO_MANY_INITS,
                        "Too many initialisation requests".into(),
                    ));
                }
                self.init_seen = true;
                let authorization = payload.as_ref().and_then(authorization);
                match super::graphql::caller_of(&self.state, authorization.as_deref()).await {
                    Ok(caller) => {
                        self.caller = Some(caller);
                        self.authorization = authorization;
                        self.outbox.send(&json!({ "type": "connection_ack" }));
                        None
                    }
                    Err(Refusal {
                        code: ErrorCode::Unauthenticated,
                        message,
                    }) => Some((close::FORBIDDEN, message)),
                    Err(Refusal { message, .. }) => Some((close::TOO_SLOW, message)),
                }
            }
            ClientMessage::Ping {} => {
                self.outbox.send(&json!({ "type": "pong" }));
                None
            }
            ClientMessage::Pong {} => None,
            ClientMessage::Complete { id } => {
                self.running.remove(&id);
                None
            }
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload),
        }
    }

    fn subscribe(&mut self, id: String, payload: Map<String, Value>) -> Option<(u16, String)> {
        let Some(caller) = self.caller.clone() else {
            return Some((close::UNAUTHORIZED, "Unauthorized".into()));
        };
        if id.is_empty() || id.len() > MAX_ID_BYTES {
            return Some((
                close::BAD_MESSAGE,
                format!("a subscription id has 1 to {MAX_ID_BYTES} bytes"),
            ));
        }
        if self.running.contains_key(&id) {
            return Some((
                close::DUPLICATE_ID,
                format!("Subscriber for {id} already exists"),
            ));
        }
        let limit = self.state.limits.subscriptions_per_connection;
        if self.running.len() >= limit {
            self.outbox.send(&error_message(
                &id,
                ErrorCode::TooManySubscriptions,
                &format!("this connection holds {limit} operations, its limit; complete one first"),
            ));
            return None;
        }
        self.started += 1;
        let number = self.started;
        let operation = Operation {
            state: self.state.clone(),
            outbox: self.outbox.clone(),
            caller,
            client: self.client.clone(),
            request_id: format!("{}-{number}", self.connection_id),
            id: id.clone(),
        };
        let finished = self.finished.clone();
        let task = tokio::spawn(async move {
            let id = operation.id.clone();
            operation.run(payload).await;
            // The connection may have closed meanwhile; nothing is left to tidy then.
            let _ = finished.send((id, number));
        });
        self.running.insert(id, (number, Running(task)));
        None
    }
}

/// The token in `connection_init`'s payload: `Authorization` (any case) at its top level or
/// under `headers`, as clients put it.
fn authorization(payload: &Value) -> Option<String> {
    let find = |object: &Map<String, Value>| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("authorization"))
            .map(|(_, value)| {
                value
                    .as_str()
                    .unwrap_or("a value that is not text")
                    .to_owned()
            })
    };
    let object = payload.as_object()?;
    find(object).or_else(|| object.get("headers")?.as_object().and_then(find))
}

fn error_message(id: &str, code: ErrorCode, message: &str) -> Value {
    json!({
        "id": id,
        "type": "error",
        "payload": [{ "message": message, "extensions": { "code": code.as_str() } }],
    })
}

/// One operation of a connection, from its document to its last message.
struct Operation {
    state: web::Data<AppState>,
    outbox: Outbox,
    caller: Caller,
    client: String,
    request_id: String,
    id: String,
}

impl Operation {
    async fn run(self, payload: Map<String, Value>) {
        let started = Instant::now();
        let prepared = match params_from_json(payload) {
            Ok(params) => {
                let extensions = params.extensions.clone();
                let prepared = prepare(
                    &self.state,
                    &self.caller,
                    params,
                    Transport::WebSocket,
                    &self.request_id,
                )
                .await;
                if let Ok(prepared) = &prepared {
                    self.state
                        .persisted_queries
                        .remember(&prepared.request.query, extensions.as_ref());
                }
                prepared
            }
            Err(refusal) => Err(Early::Refused(refusal)),
        };
        let Prepared {
            request,
            operation,
            kind,
        } = match prepared {
            Ok(prepared) => prepared,
            Err(Early::Refused(Refusal { code, message })) => {
                self.outbox
                    .deliver(&error_message(&self.id, code, &message))
                    .await;
                self.record(None, started, &[code.as_str().to_owned()]);
                return;
            }
            Err(Early::Errors(errors, code)) => {
                let response = async_graphql::Response::from_errors(errors);
                let answer = answer(response, &self.request_id, code);
                self.record(None, started, &answer.codes);
                self.send_errors(answer.body).await;
                return;
            }
        };
        let state = &self.state;
        let db = state.db.clone();
        let request = if kind == Some(OperationType::Subscription) {
            crate::graphql::subscription_data(request, db, self.caller.clone())
        } else {
            crate::graphql::request_data(request, db, self.caller.clone())
        }
        .data(ClientKey(self.client.clone()))
        .data(Arc::clone(&state.hub));
        let mut responses = state.schema.execute_stream(request);
        let mut first = true;
        loop {
            let next = if kind == Some(OperationType::Subscription) {
                responses.next().await
            } else {
                match tokio::time::timeout(state.limits.request_timeout, responses.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.outbox
                            .deliver(&error_message(
                                &self.id,
                                ErrorCode::RequestTimeout,
                                &format!(
                                    "the operation took longer than {} s",
                                    state.limits.request_timeout.as_secs()
                                ),
                            ))
                            .await;
                        return;
                    }
                }
            };
            let Some(response) = next else { break };
            let answer = answer(
                response,
                &self.request_id,
                ErrorCode::GraphqlValidationFailed,
            );
            if first {
                self.record(operation.as_deref(), started, &answer.codes);
            }
            if first && answer.request_error {
                // It never ran (validation): `error`, and no `complete` after it.
                self.send_errors(answer.body).await;
                return;
            }
            first = false;
            if !self
                .outbox
                .deliver(&json!({ "id": self.id, "type": "next", "payload": answer.body }))
                .await
            {
                return;
            }
            state.metrics.record_subscription_event();
        }
        self.outbox
            .deliver(&json!({ "id": self.id, "type": "complete" }))
            .await;
    }

    async fn send_errors(&self, mut body: Value) {
        let errors = body
            .get_mut("errors")
            .map(Value::take)
            .unwrap_or_else(|| json!([]));
        self.outbox
            .deliver(&json!({ "id": self.id, "type": "error", "payload": errors }))
            .await;
    }

    fn record(&self, operation: Option<&str>, started: Instant, codes: &[String]) {
        super::graphql::record(&self.state, operation, started, 0, codes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_where_clients_put_it() {
        let top = json!({ "Authorization": "Bearer a" });
        let lower = json!({ "authorization": "Bearer b" });
        let headers = json!({ "headers": { "Authorization": "Bearer c" } });
        assert_eq!(authorization(&top).as_deref(), Some("Bearer a"));
        assert_eq!(authorization(&lower).as_deref(), Some("Bearer b"));
        assert_eq!(authorization(&headers).as_deref(), Some("Bearer c"));
        assert_eq!(authorization(&json!({})), None);
        assert_eq!(authorization(&json!("text")), None);
    }

    #[test]
    fn client_messages_of_the_protocol_parse_and_others_do_not() {
        let subscribe: ClientMessage = serde_json::from_str(
            r#"{"type":"subscribe","id":"1","payload":{"query":"subscription { x }"}}"#,
        )
        .expect("a subscribe message");
        assert!(matches!(subscribe, ClientMessage::Subscribe { id, .. } if id == "1"));
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"ping"}"#).is_ok());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"start","id":"1"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"subscribe"}"#).is_err());
    }
}
