//! The HTTP transport: a thin layer that hands GraphQL requests to the schema.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::http::GraphiQLSource;
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::graphql::{self, AppSchema};
use crate::service::Audience;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub graphiql: bool,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql_get))
        .route("/schema.graphql", web::get().to(schema_sdl))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/", web::get().to(root));
}

async fn graphql(state: web::Data<AppState>, request: GraphQLRequest) -> GraphQLResponse {
    let request = graphql::request_data(request.into_inner(), &state.db, Audience::Public);
    state.schema.execute(request).await.into()
}

/// A browser asking for a page gets GraphiQL; anything else is a GraphQL GET request.
async fn graphql_get(
    state: web::Data<AppState>,
    http: HttpRequest,
    request: GraphQLRequest,
) -> HttpResponse {
    let wants_html = http
        .headers()
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if state.graphiql && wants_html && http.query_string().is_empty() {
        return HttpResponse::Ok()
            .content_type(ContentType::html())
            .body(graphiql_page());
    }
    let request = graphql::request_data(request.into_inner(), &state.db, Audience::Public);
    let response: GraphQLResponse = state.schema.execute(request).await.into();
    actix_web::Responder::respond_to(response, &http).map_into_boxed_body()
}

fn graphiql_page() -> String {
    GraphiQLSource::build()
        .endpoint("/graphql")
        .title("Publications catalogue · GraphiQL")
        .finish()
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
