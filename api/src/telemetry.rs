//! Logging: structured JSON lines for log collectors, readable text in a terminal.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// Sends logs to standard error, filtered by `RUST_LOG` (default `info`). `LOG_FORMAT` picks
/// `json` or `text`; by default text when standard error is a terminal, JSON otherwise.
/// Each request's lines carry its `request_id`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn"));
    let terminal = std::io::stderr().is_terminal();
    let json = match std::env::var("LOG_FORMAT").ok().as_deref().map(str::trim) {
        Some("json") => true,
        Some("text") => false,
        _ => !terminal,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation (as in tests) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.with_ansi(terminal).try_init()
    };
}
