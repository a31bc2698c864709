//! The HTTP transport: GraphQL over HTTP, GraphiQL, the SDL and the health probes.
//!
//! The transport owns what the schema cannot see: media types and methods, body limits,
//! authentication, persisted queries, the bounds a document is read within (`preflight`),
//! who may run a mutation (decided by `graphql::may_run`), the time limit, HTTP caching and
//! the mapping of error codes to statuses (`error::ErrorCode`). It follows the
//! GraphQL-over-HTTP specification; `graphql.rs` runs a request in steps.

mod apq;
mod graphiql;
mod graphql;
pub mod input_fields;
mod media;
mod preflight;
pub mod request_id;
mod ws;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::config::{CorsOrigins, Limits};
use crate::graphql::AppSchema;
use crate::metrics::Metrics;

pub use apq::PersistedQueries;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub metrics: Arc<Metrics>,
    pub persisted_queries: Arc<apq::PersistedQueries>,
    pub graphiql: bool,
    pub limits: Limits,
    /// Documents read at once on the blocking pool (see `graphql::read_document`): as many
    /// as there are cores, so a flood of large documents queues instead of multiplying the
    /// threads and the memory that parse them.
    pub document_readers: Arc<tokio::sync::Semaphore>,
    /// The instance's follower of the change feed, for subscriptions.
    pub hub: Arc<crate::live::Hub>,
    /// The schema's input objects, to name a misspelt field before the document runs.
    pub input_shapes: Arc<input_fields::InputShapes>,
    /// Recent token checks, shared by requests and WebSockets.
    pub tokens: Arc<crate::service::token::TokenCache>,
    /// Bytes of results all the instance's WebSockets may have sent unread
    /// (`WS_SEND_BUFFER_TOTAL_BYTES`).
    pub websocket_bytes: Arc<tokio::sync::Semaphore>,
}

/// The permits of [`AppState::document_readers`]: one per core.
pub fn document_readers() -> Arc<tokio::sync::Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    Arc::new(tokio::sync::Semaphore::new(cores))
}

/// CORS for the configured frontend origins. Credentials are not allowed: the API reads its
/// token from the `Authorization` header, never from cookies.
pub fn cors(origins: &CorsOrigins) -> actix_cors::Cors {
    let cors = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::ACCEPT,
            header::HeaderName::from_static(request_id::HEADER),
            // What clients commonly add: Apollo Client's name and version, W3C trace context.
            header::HeaderName::from_static("apollographql-client-name"),
            header::HeaderName::from_static("apollographql-client-version"),
            header::HeaderName::from_static("traceparent"),
            header::HeaderName::from_static("tracestate"),
        ])
        .expose_headers([header::HeaderName::from_static(request_id::HEADER)])
        .max_age(3600);
    match origins {
        CorsOrigins::Any => cors.allow_any_origin(),
        CorsOrigins::List(list) => list
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/graphql")
                .route(web::get().guard(websocket_upgrade()).to(ws::upgrade))
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(graphql::method_not_allowed)),
        )
        // GET and HEAD alike: load balancers and uptime checkers probe with HEAD, and the
        // server sends HEAD the headers of GET without the body.
        .route("/graphiql/{file}", get_or_head().to(graphiql::asset))
        .route("/schema.graphql", get_or_head().to(schema_sdl))
        .route("/healthz", get_or_head().to(healthz))
        .route("/readyz", get_or_head().to(readyz))
        .route("/metrics", web::get().to(metrics))
        .route("/favicon.ico", get_or_head().to(favicon))
        .route("/", get_or_head().to(root));
}

/// A request to open a WebSocket (`Upgrade: websocket`, in any case).
fn websocket_upgrade() -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(|ctx| {
        ctx.head()
            .headers()
            .get(header::UPGRADE)
            .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"))
    })
}

fn get_or_head() -> actix_web::Route {
    web::route().guard(actix_web::guard::Any(actix_web::guard::Get()).or(actix_web::guard::Head()))
}

/// No icon, said so that browsers stop asking (and stop logging a 404 on every page).
async fn favicon() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=86400",
        ))
        .finish()
}

async fn schema_sdl(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(crate::graphql::sdl_of(&state.schema))
}

/// The process is up. It says nothing of the database: that is `/readyz`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The service can answer queries: the database answers, its schema is current, and the read
/// index is open (503 with the build's progress while it is being built).
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let feed = state.hub.status();
    let feed = json!({
        "revision": feed.applied,
        "lagRevisions": feed.lag(),
        "listening": feed.listening,
        "subscriptions": feed.subscriptions,
    });
    if let Err(reason) = crate::db::readiness(&state.db).await {
        return HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "reason": reason,
            "feed": feed,
        }));
    }
    let index = state.hub.index();
    let progress = index.building();
    let index_status = json!({
        "revision": index.applied(),
        "building": progress,
    });
    // A write that failed, or damage found: the instance repairs it by itself meanwhile.
    if let Some(fault) = index.health().fault() {
        return HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "reason": fault,
            "feed": feed,
            "index": index_status,
        }));
    }
    // The read index answers lists: until it is open (or built), they would wait.
    if index.applied() == crate::index::NOT_YET {
        return HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "reason": match progress {
                Some(p) => format!("building the read index: {} of {} publications", p.indexed, p.total),
                None => "opening the read index".to_owned(),
            },
            "feed": feed,
            "index": index_status,
        }));
    }
    HttpResponse::Ok().json(json!({ "status": "ready", "feed": feed, "index": index_status }))
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(
            state
                .metrics
                .render(&state.db, state.hub.status(), state.hub.index().health()),
        )
}

async fn root() -> HttpResponse {
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, "/graphql"))
        .finish()
}
