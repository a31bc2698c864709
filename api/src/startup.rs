//! Builds the application once, the same way for `main` and for tests.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::http::{self, AppState};
use crate::service::seed;
use crate::{db, graphql};

/// A built, bound server that has not started serving yet.
pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    hub: std::sync::Arc<crate::live::Hub>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Connects to the database, migrates and seeds it as configured, and binds the port.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let db = db::connect(&config.database).await?;
        if config.migrate_on_start {
            db::migrate(&db).await?;
        }
        if config.seed_sample && seed::is_empty(&db).await? {
            let report = seed::load(&db, seed::SAMPLE_CATALOGUE).await?;
            tracing::info!(created = report.created, "loaded the sample catalogue");
        }
        let listener = TcpListener::bind(config.bind)
            .with_context(|| format!("failed to listen on {} (set BIND)", config.bind))?;
        let port = listener
            .local_addr()
            .context("failed to read the bound port")?
            .port();
        let index = crate::index::ReadIndex::new(crate::index::IndexConfig::of(config));
        let hub = crate::live::Hub::start(
            db.clone(),
            index,
            crate::live::Hub::listen_url_for(&db, &config.database.url),
            config.feed_retention,
            config.limits.subscriptions_per_instance,
        )
        .await;
        let schema = graphql::build_schema(&config.limits);
        let state = AppState {
            hub: std::sync::Arc::clone(&hub),
            input_shapes: std::sync::Arc::new(http::input_fields::InputShapes::from_sdl(
                &graphql::sdl_of(&schema),
                config.limits.suggestions,
            )),
            schema,
            db: db.clone(),
            metrics: std::sync::Arc::new(crate::metrics::Metrics::new()),
            persisted_queries: std::sync::Arc::new(http::PersistedQueries::with_limits(
                config.limits.persisted_queries,
                config.limits.persisted_queries_max_bytes,
            )),
            graphiql: config.graphiql,
            limits: config.limits.clone(),
            document_readers: http::document_readers(),
            tokens: std::sync::Arc::default(),
            websocket_bytes: std::sync::Arc::new(tokio::sync::Semaphore::new(
                config.limits.ws_send_buffer_total_bytes,
            )),
        };
        let origins = config.cors_allowed_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(http::cors(&origins))
                .wrap(browser_protection())
                .wrap(actix_web::middleware::Compress::default())
                .wrap(actix_web::middleware::from_fn(http::request_id::assign))
                .app_data(web::Data::new(state.clone()))
                .configure(http::routes)
        })
        // SIGTERM and Ctrl-C (SIGINT) stop accepting at once and let in-flight requests
        // finish (`run_until_stopped`): actix's own handling would force SIGINT.
        .disable_signals()
        .shutdown_timeout(config.shutdown_grace.as_secs())
        .listen(listener)
        .context("failed to start the HTTP server")?
        .run();
        Ok(Self {
            port,
            server,
            db,
            hub,
        })
    }

    /// The port the server listens on (useful with `BIND=127.0.0.1:0`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The instance's read index.
    pub fn read_index(&self) -> std::sync::Arc<crate::index::ReadIndex> {
        std::sync::Arc::clone(self.hub.index())
    }

    /// The pool the application uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until the process is asked to stop (SIGINT or SIGTERM), letting in-flight
    /// requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let hub = std::sync::Arc::clone(&self.hub);
        let signals = tokio::spawn(async move {
            let signal = stop_signal().await;
            tracing::info!(
                signal,
                "stopping: no new connections; in-flight requests may finish"
            );
            // WebSockets are told to reconnect (to another instance) rather than held open.
            hub.stop();
            handle.stop(true).await;
        });
        let result = self.server.await;
        signals.abort();
        self.hub.stop();
        if let Err(err) = self.db.close().await {
            tracing::warn!(error = %err, "failed to close the database pool cleanly");
        }
        result
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM and names it.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
        }
    }
    // Without a SIGTERM handler, Ctrl-C still stops the server gracefully.
    match tokio::signal::ctrl_c().await {
        Ok(()) => "SIGINT",
        Err(_) => std::future::pending().await,
    }
}

/// What GraphiQL's page (`GET /graphql` for a browser) may load: its scripts and styles from
/// this origin only (the page has no inline script; GraphiQL's own components set styles at
/// run time, hence `'unsafe-inline'` for styles alone), requests to this origin, and no
/// framing (clickjacking an editor's session). JSON answers carry it too, harmlessly: a
/// document opened from one could run nothing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// Headers that keep a browser from misusing any answer: no framing, no MIME sniffing, no
/// referrer (a URL may carry a query), and the policy above. A handler's own value wins.
fn browser_protection() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Frame-Options", "DENY"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
}
