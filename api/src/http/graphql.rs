//! `POST /graphql` and `GET /graphql`, as the GraphQL-over-HTTP specification reads.
//!
//! - POST bodies must be `application/json` (415 otherwise): a `text/plain` POST, which a
//!   browser sends cross-site without a CORS preflight, never runs.
//! - GET runs queries only; a mutation over GET is 405 with `Allow: POST` and is not run.
//! - Bodies over the limit are refused with 413 after reading at most the limit.
//! - Batches (a JSON array) are refused.
//! - The response media type follows `Accept`. With `application/graphql-response+json`, a
//!   request error (the document does not parse or validate, variables do not coerce) is 400
//!   without `data`; with `application/json` it is 200 with `errors`, as older clients expect.
//! - Every error carries `extensions.code`; unexpected ones carry the request id instead of
//!   their cause, which is logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError, Variables};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use super::AppState;
use super::apq::ApqError;
use super::media::{self, ResponseMedia};
use super::preflight;
use super::request_id::RequestId;
use crate::error::ErrorCode;
use crate::graphql;
use crate::graphql::viewer::{Caller, ClientKey};
use crate::metrics::Outcome;

/// The parameters of a GraphQL request, however it arrived.
#[derive(Debug)]
pub(super) struct Params {
    /// Absent when a persisted query's hash stands for it.
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<Map<String, Value>>,
    pub(super) extensions: Option<Map<String, Value>>,
}

/// A request the transport refuses before GraphQL sees it; its code decides its status.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(super) code: ErrorCode,
    pub(super) message: String,
}

impl Refusal {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        self.code
            .refusal_status()
            .unwrap_or(StatusCode::BAD_REQUEST)
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    fn into_response(self, media: ResponseMedia) -> HttpResponse {
        HttpResponse::build(self.status())
            .content_type(media.content_type())
            .json(json!({
                "errors": [{ "message": self.message, "extensions": { "code": self.code.as_str() } }]
            }))
    }
}

pub async fn post(
    state: web::Data<AppState>,
    http: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let started = Instant::now();
    let Some(media) = media::negotiate(&http) else {
        return refused(
            &state,
            started,
            not_acceptable_refusal(),
            ResponseMedia::Json,
        );
    };
    match read_post(&state, &http, payload).await {
        Ok(params) => execute(&state, &http, media, params, false, started).await,
        Err(refusal) => refused(&state, started, refusal, media),
    }
}

/// Answers a refused request, counting it.
/// What a 503 asks the client to wait before trying again, in seconds.
const RETRY_AFTER_SECS: &str = "1";

fn refused(
    state: &AppState,
    started: Instant,
    refusal: Refusal,
    media: ResponseMedia,
) -> HttpResponse {
    state.metrics.record_request(
        None,
        Outcome::Refused,
        started.elapsed(),
        0,
        &[refusal.code.as_str()],
    );
    let unauthorized = refusal.code == ErrorCode::Unauthenticated;
    let mut response = refusal.into_response(media);
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECS),
        );
    }
    if unauthorized {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

/// Whether `caller` may run every root field of the selected operation: the decision is
/// [`graphql::may_run`]'s, made here before the document runs so that a refusal is a 401.
fn may_run_all(doc: &ExecutableDocument, name: Option<&str>, caller: &Caller) -> bool {
    fn root_fields<'d>(
        doc: &'d ExecutableDocument,
        set: &'d SelectionSet,
        names: &mut Vec<&'d str>,
        depth: usize,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => names.push(field.node.name.node.as_str()),
                Selection::InlineFragment(fragment) => {
                    root_fields(doc, &fragment.node.selection_set.node, names, depth);
                }
                Selection::FragmentSpread(spread) => {
                    // Fragments may spread each other; validation refuses cycles later.
                    if depth < 16
                        && let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node)
                    {
                        root_fields(doc, &fragment.node.selection_set.node, names, depth + 1);
                    }
                }
            }
        }
    }
    let mut operations = doc.operations.iter();
    let operation = match name {
        Some(name) => operations.find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => operations.next(),
    };
    let Some((_, operation)) = operation else {
        return false;
    };
    let mut names = Vec::new();
    root_fields(doc, &operation.node.selection_set.node, &mut names, 0);
    names.iter().all(|name| graphql::may_run(caller, name))
}

/// Who is calling, from `Authorization: Bearer <token>`. A header that is present but
/// malformed, or a token that is unknown or revoked, is refused rather than served as
/// anonymous, so that an editor is never shown less than they expect without being told.
async fn caller(state: &AppState, http: &HttpRequest) -> Result<Caller, Refusal> {
    let value = http
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or("a value that is not text"));
    caller_of(state, value).await
}

/// Who is calling, from the value of an `Authorization` header (or of the same key in a
/// WebSocket's `connection_init`).
pub(super) async fn caller_of(state: &AppState, value: Option<&str>) -> Result<Caller, Refusal> {
    let Some(value) = value else {
        return Ok(Caller::Anonymous);
    };
    let unauthenticated = |message: &str| Refusal::new(ErrorCode::Unauthenticated, message);
    let secret = Some(value)
        .and_then(|value| {
            let (scheme, secret) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
        })
        .filter(|secret| !secret.is_empty())
        .ok_or_else(|| unauthenticated("the Authorization header must be `Bearer <token>`"))?;
    match state.tokens.authenticate(&state.db, secret).await {
        Ok(Some(token)) => Ok(Caller::Token {
            name: token.name,
            role: token.role,
        }),
        Ok(None) => Err(unauthenticated("the token is unknown or revoked")),
        Err(err) => {
            tracing::error!(error = %crate::error::error_chain(&err), "failed to check a token");
            Err(Refusal::new(
                ErrorCode::ServiceUnavailable,
                "the catalogue database is unavailable; try again shortly",
            ))
        }
    }
}

async fn read_post(
    state: &AppState,
    http: &HttpRequest,
    payload: web::Payload,
) -> Result<Params, Refusal> {
    if !media::is_json_body(http) {
        return Err(Refusal::new(
            ErrorCode::UnsupportedMediaType,
            "a GraphQL POST body must be application/json",
        ));
    }
    let limit = state.limits.max_body_bytes;
    let too_large = || {
        Refusal::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let declared = http
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    let body = payload
        .to_bytes_limited(limit)
        .await
        .map_err(|_| too_large())?
        .map_err(|_| Refusal::bad_request("the request body could not be read"))?;
    let value: Value = serde_json::from_slice(&body).map_err(|err| {
        Refusal::bad_request(format!("the request body is not valid JSON: {err}"))
    })?;
    match value {
        Value::Object(object) => params_from_json(object),
        Value::Array(_) => Err(Refusal::new(
            ErrorCode::BatchNotSupported,
            "batched requests are not supported; send one operation per request",
        )),
        _ => Err(Refusal::bad_request(
            "the request body must be a JSON object",
        )),
    }
}

pub(super) fn params_from_json(mut object: Map<String, Value>) -> Result<Params, Refusal> {
    let query = match object.remove("query") {
        Some(Value::String(query)) => Some(query),
        None | Some(Value::Null) => None,
        Some(_) => return Err(Refusal::bad_request("query: must be a string")),
    };
    let operation_name = match object.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err(Refusal::bad_request("operationName: must be a string")),
    };
    let variables = match object.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(variables)) => Some(variables),
        Some(_) => return Err(Refusal::bad_request("variables: must be an object")),
    };
    let extensions = match object.remove("extensions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(extensions)) => Some(extensions),
        Some(_) => return Err(Refusal::bad_request("extensions: must be an object")),
    };
    Ok(Params {
        query,
        operation_name,
        variables,
        extensions,
    })
}

#[derive(Debug, Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// A browser asking for a page gets GraphiQL; anything else is a GraphQL GET request.
pub async fn get(state: web::Data<AppState>, http: HttpRequest) -> HttpResponse {
    if state.graphiql && media::wants_html(&http) && http.query_string().is_empty() {
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(super::graphiql::page());
    }
    let started = Instant::now();
    let Some(media) = media::negotiate(&http) else {
        return refused(
            &state,
            started,
            not_acceptable_refusal(),
            ResponseMedia::Json,
        );
    };
    match read_get(&http) {
        Ok(params) => execute(&state, &http, media, params, true, started).await,
        Err(refusal) => refused(&state, started, refusal, media),
    }
}

fn read_get(http: &HttpRequest) -> Result<Params, Refusal> {
    let raw = web::Query::<GetParams>::from_query(http.query_string())
        .map_err(|err| Refusal::bad_request(format!("the query string is malformed: {err}")))?
        .into_inner();
    let json_object =
        |name: &str, text: Option<String>| -> Result<Option<Map<String, Value>>, Refusal> {
            match text.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => match serde_json::from_str(text) {
                    Ok(Value::Object(object)) => Ok(Some(object)),
                    Ok(Value::Null) => Ok(None),
                    _ => Err(Refusal::bad_request(format!(
                        "{name}: must be a JSON object"
                    ))),
                },
            }
        };
    Ok(Params {
        query: raw.query,
        operation_name: raw.operation_name.filter(|name| !name.is_empty()),
        variables: json_object("variables", raw.variables)?,
        extensions: json_object("extensions", raw.extensions)?,
    })
}

pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .content_type(ResponseMedia::Json.content_type())
        .json(json!({
            "errors": [{
                "message": "use GET for queries and POST for queries and mutations",
                "extensions": { "code": ErrorCode::MethodNotAllowed.as_str() }
            }]
        }))
}

fn not_acceptable_refusal() -> Refusal {
    Refusal::new(
        ErrorCode::NotAcceptable,
        "accept application/graphql-response+json or application/json",
    )
}

/// The type of the operation the request selects, when the document makes that clear.
fn selected_operation(doc: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    let mut operations = doc.operations.iter();
    match name {
        Some(name) => operations
            .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| op.node.ty),
        None => match (operations.next(), operations.next()) {
            (Some((_, op)), None) => Some(op.node.ty),
            _ => None,
        },
    }
}

/// How many aliases the document uses, across its operations and fragments.
fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some()) + in_set(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => in_set(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let in_operations: usize = doc
        .operations
        .iter()
        .map(|(_, op)| in_set(&op.node.selection_set.node))
        .sum();
    let in_fragments: usize = doc
        .fragments
        .values()
        .map(|fragment| in_set(&fragment.node.selection_set.node))
        .sum();
    in_operations + in_fragments
}

pub(super) fn request_id(http: &HttpRequest) -> String {
    http.extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

/// Runs one GraphQL request in steps, each of which may stop it with an answer: who is
/// calling, which document (a persisted query's hash stands for one), reading the document
/// within bounds, admitting it (method, authorization, aliases), then running it.
async fn execute(
    state: &AppState,
    http: &HttpRequest,
    media: ResponseMedia,
    params: Params,
    over_get: bool,
    started: Instant,
) -> HttpResponse {
    let request_id = request_id(http);
    let mut operation = params.operation_name.clone();
    let extensions = params.extensions.clone();
    let admitted = async {
        let caller = caller(state, http).await.map_err(Early::Refused)?;
        let transport = if over_get {
            Transport::Get
        } else {
            Transport::Post
        };
        let prepared = prepare(state, &caller, params, transport, &request_id).await?;
        operation = prepared.operation;
        Ok((caller, prepared.request, prepared.kind))
    }
    .await;
    let (caller, request, kind) = match admitted {
        Ok(admitted) => admitted,
        Err(early) => {
            return stopped(
                state,
                early,
                media,
                &request_id,
                operation.as_deref(),
                started,
            );
        }
    };
    // Only a request that was admitted is kept: a refused one must not cost memory.
    state
        .persisted_queries
        .remember(&request.query, extensions.as_ref());
    run(
        state,
        http,
        media,
        Admitted {
            request,
            caller,
            kind,
        },
        over_get,
        &request_id,
        operation.as_deref(),
        started,
    )
    .await
}

/// A request that may run, with who asked and what kind of operation it is.
struct Admitted {
    request: Request,
    caller: Caller,
    kind: Option<OperationType>,
}

/// Whether a response failed because a statement's connection was lost.
fn lost_a_connection(response: &Response) -> bool {
    response
        .errors
        .iter()
        .any(|error| error.message == crate::error::LOST_CONNECTION)
}

/// A copy of `request` as it came from the client (text, variables, operation), to run it
/// again. The parsed document is not copied: the copy is parsed again only if it runs, which
/// is rare, and its text already passed the preflight.
fn copy_of(request: &Request) -> Request {
    let mut copy = Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name.clone_from(&request.operation_name);
    copy.extensions = request.extensions.clone();
    copy.introspection_mode = request.introspection_mode;
    copy
}

/// A request ready to run, and the name of its operation (for the metrics and the log).
pub(super) struct Prepared {
    pub(super) request: Request,
    pub(super) operation: Option<String>,
    pub(super) kind: Option<OperationType>,
}

/// The steps before running, whatever the transport: which document (a persisted query's
/// hash stands for one), reading it within bounds, admitting it (method, authorization,
/// aliases) and checking its variables.
pub(super) async fn prepare(
    state: &AppState,
    caller: &Caller,
    params: Params,
    transport: Transport,
    request_id: &str,
) -> Result<Prepared, Early> {
    let mut operation = params.operation_name.clone();
    let query = resolve_query(state, params.query, params.extensions.as_ref())?;
    let (query, variables, document) = read(state, query, params.variables, request_id).await?;
    if operation.is_none() {
        // Clients rarely send operationName with a single named operation.
        let mut operations = document.operations.iter();
        if let (Some((Some(name), _)), None) = (operations.next(), operations.next()) {
            operation = Some(name.to_string());
        }
    }
    let kind = admit(
        state,
        &document,
        params.operation_name.as_deref(),
        caller,
        transport,
    )?;
    preflight::check_required_variables(
        &document,
        params.operation_name.as_deref(),
        variables.as_ref(),
    )
    .and_then(|()| {
        state.input_shapes.check(
            &document,
            params.operation_name.as_deref(),
            variables.as_ref(),
        )
    })
    .map_err(|problem| {
        let code = problem.code();
        Early::Errors(vec![problem.into_error()], code)
    })?;
    let mut request = Request::new(query);
    if let Some(name) = &params.operation_name {
        request = request.operation_name(name);
    }
    request.set_parsed_query(document);
    if let Some(variables) = variables {
        request = request.variables(Variables::from_json(Value::Object(variables)));
    }
    Ok(Prepared {
        request,
        operation,
        kind,
    })
}

/// The document a request names: its `query`, or the persisted query its hash stands for.
fn resolve_query(
    state: &AppState,
    query: Option<String>,
    extensions: Option<&Map<String, Value>>,
) -> Result<String, Early> {
    match state.persisted_queries.lookup(query, extensions) {
        Ok(Some(query)) => Ok(query),
        Ok(None) => Err(Early::Refused(Refusal::bad_request("query: required"))),
        Err(ApqError::Invalid(message)) => Err(Early::Refused(Refusal::bad_request(message))),
        Err(err @ ApqError::NotFound) => Err(Early::Errors(
            vec![ServerError::new(err.message(), None)],
            err.code(),
        )),
    }
}

/// Reads the document within the bounds of [`preflight`]. Reading costs time in proportion
/// to the document's size (up to the body limit), so it happens on the blocking pool, one
/// document per core at a time: a large one never holds a request worker, and `/healthz` and
/// other requests go on meanwhile.
async fn read(
    state: &AppState,
    query: String,
    variables: Option<Map<String, Value>>,
    request_id: &str,
) -> Result<(String, Option<Map<String, Value>>, ExecutableDocument), Early> {
    let max_directives = state.limits.max_directives;
    // Closed only at shutdown, when nothing is read any more.
    let Ok(_permit) = state.document_readers.acquire().await else {
        return Err(Early::Refused(Refusal::new(
            ErrorCode::ServiceUnavailable,
            "the service is shutting down; try again shortly",
        )));
    };
    let read = tokio::task::spawn_blocking(move || {
        let parsed = read_document(&query, variables.as_ref(), max_directives);
        (query, variables, parsed)
    })
    .await;
    match read {
        Ok((query, variables, parsed)) => parsed.map(|document| (query, variables, document)),
        Err(err) => {
            tracing::error!(error = %err, "reading a GraphQL document failed");
            Err(Early::Refused(Refusal::new(
                ErrorCode::InternalServerError,
                format!("internal error; quote request id {request_id} when reporting it"),
            )))
        }
    }
}

/// How a request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Transport {
    Get,
    Post,
    WebSocket,
}

/// Whether the document may run as this request: only queries over GET, subscriptions only
/// over a WebSocket, mutations only as [`graphql::may_run`] allows the caller, and no more
/// aliases than the limit. Returns the type of the operation selected.
fn admit(
    state: &AppState,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    caller: &Caller,
    transport: Transport,
) -> Result<Option<OperationType>, Early> {
    let selected = selected_operation(document, operation_name);
    if selected == Some(OperationType::Subscription) && transport != Transport::WebSocket {
        return Err(Early::Refused(Refusal::bad_request(
            "subscriptions run over a WebSocket to /graphql with the graphql-transport-ws \
             protocol (the graphql-ws library's, which Apollo Client, urql, Relay and GraphiQL use)",
        )));
    }
    if transport == Transport::Get && selected.is_some_and(|ty| ty != OperationType::Query) {
        return Err(Early::Refused(Refusal::new(
            ErrorCode::MethodNotAllowed,
            "only queries run over GET; send mutations with POST",
        )));
    }
    if selected == Some(OperationType::Mutation) && !may_run_all(document, operation_name, caller) {
        return Err(Early::Refused(Refusal::new(
            ErrorCode::Unauthenticated,
            "mutations other than submitPublication need an editor token: send Authorization: Bearer <token>",
        )));
    }
    let aliases = count_aliases(document);
    if aliases > state.limits.max_aliases {
        let message = format!(
            "the document uses {aliases} aliases; the limit is {}",
            state.limits.max_aliases
        );
        return Err(Early::Errors(
            vec![ServerError::new(message, None)],
            ErrorCode::TooManyAliases,
        ));
    }
    Ok(selected)
}

/// Answers a request that stopped before running, counting it; no cache keeps the answer.
fn stopped(
    state: &AppState,
    early: Early,
    media: ResponseMedia,
    request_id: &str,
    operation: Option<&str>,
    started: Instant,
) -> HttpResponse {
    let response = match early {
        Early::Refused(refusal) => {
            let mut response = refused(state, started, refusal, media);
            if response.status() == StatusCode::METHOD_NOT_ALLOWED {
                response
                    .headers_mut()
                    .insert(header::ALLOW, header::HeaderValue::from_static("POST"));
            }
            response
        }
        Early::Errors(errors, code) => {
            let (response, codes) = respond(media, Response::from_errors(errors), request_id, code);
            record(state, operation, started, 0, &codes);
            response
        }
    };
    // A GET refused before it ran (a persisted query's unknown hash, say) must not be kept
    // by a CDN that caches what carries no Cache-Control.
    no_store(response)
}

/// Runs an admitted request within the time limit, counting its SQL statements, and answers
/// it with the caching its method and caller allow.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts, each used once; a struct would only rename them"
)]
async fn run(
    state: &AppState,
    http: &HttpRequest,
    media: ResponseMedia,
    admitted: Admitted,
    over_get: bool,
    request_id: &str,
    operation: Option<&str>,
    started: Instant,
) -> HttpResponse {
    // A handle of our own on the shared pool, so that the statements of this request alone
    // are counted, including those its loaders run on other tasks.
    let statements = Arc::new(AtomicUsize::new(0));
    let mut db = state.db.clone();
    db.set_metric_callback({
        let statements = Arc::clone(&statements);
        move |info| {
            statements.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                target: "api::sql",
                statement = %info.statement,
                elapsed_ms = info.elapsed.as_secs_f64() * 1000.0,
                "sql"
            );
        }
    });
    let client = http
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |address| address.ip().to_string());
    let Admitted {
        request,
        caller,
        kind,
    } = admitted;
    // Editors see drafts: their answers must never sit in a shared cache.
    let shared_cache = caller == Caller::Anonymous;
    // A read whose connection died under it runs once more, on a fresh one (a mutation is
    // not run twice: it answers 503 and the client decides).
    let mut again = (kind == Some(OperationType::Query)).then(|| copy_of(&request));
    let attempt = |request: Request| {
        let request = graphql::request_data(request, db.clone(), caller.clone())
            .data(ClientKey(client.clone()))
            .data(Arc::clone(&state.hub));
        tokio::time::timeout(state.limits.request_timeout, state.schema.execute(request))
    };
    let mut outcome = attempt(request).await;
    if let Ok(response) = &outcome
        && lost_a_connection(response)
        && let Some(request) = again.take()
    {
        tracing::warn!("a read lost its database connection; running it again");
        outcome = attempt(request).await;
    }
    let statements = statements.load(Ordering::Relaxed);
    let Ok(response) = outcome else {
        tracing::warn!(timeout = ?state.limits.request_timeout, "request timed out");
        let refusal = Refusal::new(
            ErrorCode::RequestTimeout,
            format!(
                "the request took longer than {} s; ask for fewer rows",
                state.limits.request_timeout.as_secs()
            ),
        );
        return refused(state, started, refusal, media);
    };
    let (response, codes) = respond(
        media,
        response,
        request_id,
        ErrorCode::GraphqlValidationFailed,
    );
    let response = if over_get {
        cacheable(
            http,
            response,
            codes.is_empty(),
            state.limits.cache_max_age_secs,
            shared_cache,
        )
        .await
    } else {
        no_store(response)
    };
    record(state, operation, started, statements, &codes);
    response
}

/// Parses `query` within the bounds of [`preflight`]: its nesting is checked on the text
/// first, then its size, fragments, directives and values on the syntax tree.
fn read_document(
    query: &str,
    variables: Option<&Map<String, Value>>,
    max_directives: usize,
) -> Result<ExecutableDocument, Early> {
    let refused = |problem: preflight::Problem| {
        let code = problem.code();
        Early::Errors(vec![problem.into_error()], code)
    };
    preflight::nesting(query, preflight::MAX_NESTING).map_err(refused)?;
    let doc = async_graphql::parser::parse_query(query)
        .map_err(|err| Early::Errors(vec![err.into()], ErrorCode::GraphqlParseFailed))?;
    preflight::check_document(&doc, max_directives)
        .and_then(|()| preflight::check_values(&doc, variables))
        .map_err(refused)?;
    Ok(doc)
}

/// What the transport decides before running a document.
pub(super) enum Early {
    Refused(Refusal),
    Errors(Vec<ServerError>, ErrorCode),
}

pub(super) fn record(
    state: &AppState,
    operation: Option<&str>,
    started: Instant,
    statements: usize,
    codes: &[String],
) {
    let outcome = if codes.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Error
    };
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    state
        .metrics
        .record_request(operation, outcome, started.elapsed(), statements, &codes);
}

/// Answers to POST are never stored by caches.
fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// A successful GET query may be cached and revalidated: it gets `Cache-Control` and an
/// `ETag` of its body, and a matching `If-None-Match` gets 304 without the body. Only
/// anonymous answers are `public`; an editor's (drafts included) is `private`.
async fn cacheable(
    http: &HttpRequest,
    response: HttpResponse,
    ok: bool,
    max_age: u64,
    shared_cache: bool,
) -> HttpResponse {
    if !ok {
        return no_store(response);
    }
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let Ok(body) = actix_web::body::to_bytes(response.into_body()).await else {
        return no_store(HttpResponse::InternalServerError().finish());
    };
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", hex::encode(&digest[..16]));
    let matches = http
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    let mut builder = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::build(status)
    };
    builder
        .insert_header((
            header::CACHE_CONTROL,
            if shared_cache {
                format!("public, max-age={max_age}")
            } else {
                format!("private, max-age={max_age}")
            },
        ))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept, Authorization"));
    if let Some(content_type) = content_type {
        builder.insert_header((header::CONTENT_TYPE, content_type));
    }
    if matches {
        builder.finish()
    } else {
        builder.body(body)
    }
}

/// How many errors one response carries at most; a document can be written to make one
/// error per character, and the answer must not be larger than the question.
const MAX_ERRORS: usize = 20;

/// Drops repeated errors (same message, same path) and keeps the first [`MAX_ERRORS`];
/// returns how many were left out.
fn cap_errors(body: &mut Value) -> usize {
    let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) else {
        return 0;
    };
    let before = errors.len();
    let mut seen = std::collections::HashSet::new();
    errors.retain(|error| {
        seen.len() < MAX_ERRORS
            && seen.insert((
                error.get("message").map(Value::to_string),
                error.get("path").map(Value::to_string),
            ))
    });
    before - errors.len()
}

/// An error's keys in the order the GraphQL specification lists them (`message`,
/// `locations`, `path`, `extensions`), with `code` first among the extensions.
fn in_spec_order(error: Value) -> Value {
    let Value::Object(mut fields) = error else {
        return error;
    };
    let mut ordered = Map::new();
    for key in ["message", "locations", "path"] {
        if let Some(value) = fields.shift_remove(key) {
            ordered.insert(key.to_owned(), value);
        }
    }
    if let Some(Value::Object(mut extensions)) = fields.shift_remove("extensions") {
        let mut sorted = Map::new();
        if let Some(code) = extensions.shift_remove("code") {
            sorted.insert("code".to_owned(), code);
        }
        sorted.append(&mut extensions);
        ordered.insert("extensions".to_owned(), Value::Object(sorted));
    }
    ordered.append(&mut fields);
    Value::Object(ordered)
}

/// Whether `message` is one of async-graphql's own errors about a value the client sent,
/// raised while a field's arguments are read (they carry no code): a value that does not
/// coerce to its input type, or a variable the operation does not define.
fn library_input_error(message: &str) -> bool {
    [
        "Failed to parse ",
        "Invalid value for argument",
        "Variable ",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

/// Serialises a GraphQL response with the status code its outcome calls for.
/// `request_error_code` is the code for errors raised before execution that carry none.
fn respond(
    media: ResponseMedia,
    response: Response,
    request_id: &str,
    request_error_code: ErrorCode,
) -> (HttpResponse, Vec<String>) {
    let answer = answer(response, request_id, request_error_code);
    let status = if let Some(status) = answer.overriding {
        status
    } else if answer.request_error && media == ResponseMedia::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut response = HttpResponse::build(status);
    response.content_type(media.content_type());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECS));
    }
    (response.body(answer.body.to_string()), answer.codes)
}

/// A GraphQL response as the client receives it, whatever the transport.
pub(super) struct Answer {
    pub(super) body: Value,
    /// The `extensions.code` of each error.
    pub(super) codes: Vec<String>,
    /// No data and errors without a path: the request did not run.
    pub(super) request_error: bool,
    /// The status one of the errors asks for (503, 429).
    overriding: Option<StatusCode>,
}

/// Gives every error of `response` its code (unexpected ones a request id instead of their
/// message), in the specification's key order, at most a bounded number of them.
pub(super) fn answer(
    response: Response,
    request_id: &str,
    request_error_code: ErrorCode,
) -> Answer {
    // Field errors have a path; errors without data and without any path are request errors.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_else(|_| json!({}));
    let omitted = cap_errors(&mut body);
    let mut overriding: Option<StatusCode> = None;
    let mut codes = Vec::new();
    if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            let code = error
                .pointer("/extensions/code")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
                    let code = if request_error {
                        request_error_code
                    } else if library_input_error(message) {
                        ErrorCode::BadUserInput
                    } else {
                        tracing::error!(request_id, error = %message, "a field failed without a code");
                        ErrorCode::InternalServerError
                    };
                    code.as_str().to_owned()
                });
            let known = ErrorCode::parse(&code);
            // A 503 (retry later) wins over a 429, which wins over the answer's own status.
            if let Some(status) = known.and_then(ErrorCode::response_status)
                && overriding.is_none_or(|current| status > current)
            {
                overriding = Some(status);
            }
            if known == Some(ErrorCode::InternalServerError) {
                error["message"] = json!(format!(
                    "internal error; quote request id {request_id} when reporting it"
                ));
                error["extensions"]["requestId"] = json!(request_id);
            }
            error["extensions"]["code"] = json!(code);
            *error = in_spec_order(std::mem::take(error));
            codes.push(code);
        }
    }
    if let Some(object) = body.as_object_mut() {
        if request_error {
            object.remove("data");
        }
        if omitted > 0 {
            object.insert("extensions".to_owned(), json!({ "omittedErrors": omitted }));
        }
    }
    Answer {
        body,
        codes,
        request_error,
        overriding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn aliases_are_counted_in_operations_and_fragments() {
        let doc = parse_query(
            "{ a: node(id: 1) { id } ...F } fragment F on Query { b: node(id: 2) { c: id } }",
        )
        .expect("valid");
        assert_eq!(count_aliases(&doc), 3);
    }

    #[test]
    fn the_selected_operation_is_found_by_name_or_alone() {
        let doc = parse_query("query A { x } mutation B { y }").expect("valid");
        assert_eq!(
            selected_operation(&doc, Some("B")),
            Some(OperationType::Mutation)
        );
        assert_eq!(
            selected_operation(&doc, Some("A")),
            Some(OperationType::Query)
        );
        assert_eq!(selected_operation(&doc, None), None);
        let single = parse_query("mutation { y }").expect("valid");
        assert_eq!(
            selected_operation(&single, None),
            Some(OperationType::Mutation)
        );
    }

    #[test]
    fn json_bodies_of_the_wrong_shape_are_bad_requests() {
        let object = |v: Value| v.as_object().cloned().expect("object");
        assert!(params_from_json(object(json!({ "query": "{ x }" }))).is_ok());
        for bad in [
            json!({ "query": 1 }),
            json!({ "query": "{ x }", "variables": "[]" }),
            json!({ "query": "{ x }", "operationName": 3 }),
            json!({ "query": "{ x }", "extensions": [] }),
        ] {
            let refusal = params_from_json(object(bad.clone())).expect_err("refused");
            assert_eq!(refusal.status(), StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
