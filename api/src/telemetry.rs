//! Logging: structured JSON lines for log collectors, readable text in a terminal.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";

/// Sends logs to standard error, filtered by `RUST_LOG` (default `info`). `LOG_FORMAT` picks
/// `json` or `text`; by default text when standard error is a terminal, JSON otherwise.
/// Each request's lines carry its `request_id`. A value that does not parse is refused with
/// a line that names it, rather than ignored.
pub fn init() -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => EnvFilter::builder()
            .parse(value.trim())
            .map_err(|err| {
                format!(
                    "invalid RUST_LOG={value:?}: {err}; for example RUST_LOG=info or RUST_LOG=info,api=debug"
                )
            })?,
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    let terminal = std::io::stderr().is_terminal();
    let json = match std::env::var("LOG_FORMAT").ok().as_deref().map(str::trim) {
        None | Some("") => !terminal,
        Some("json") => true,
        Some("text") => false,
        Some(other) => {
            return Err(format!(
                "invalid LOG_FORMAT={other:?}: must be json or text"
            ));
        }
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
    Ok(())
}
