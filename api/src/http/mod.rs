//! The HTTP transport: GraphQL over HTTP, GraphiQL, the SDL and the health probes.
//!
//! The transport is thin: it reads and checks the request, hands it to the schema and maps
//! the outcome to a status code. It follows the GraphQL-over-HTTP specification.

mod graphql;
mod media;
pub mod request_id;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::config::Limits;
use crate::graphql::AppSchema;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub graphiql: bool,
    pub limits: Limits,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/graphql")
                .route(web::post().to(graphql::post))
                .route(web::get().to(graphql::get))
                .default_service(web::to(graphql::method_not_allowed)),
        )
        .route("/schema.graphql", web::get().to(schema_sdl))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/", web::get().to(root));
}

async fn schema_sdl(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(state.schema.sdl())
}

/// The process is up. It says nothing of the database: that is `/readyz`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The service can answer queries: the database answers and its schema is current.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match crate::db::readiness(&state.db).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ready" })),
        Err(reason) => HttpResponse::ServiceUnavailable().json(json!({
            "status": "unavailable",
            "reason": reason,
        })),
    }
}

async fn root() -> HttpResponse {
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, "/graphql"))
        .finish()
}
