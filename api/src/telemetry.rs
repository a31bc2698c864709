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
    let mut silent = None;
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            let filter = EnvFilter::builder().parse(value.trim()).map_err(|err| {
                format!(
                    "invalid RUST_LOG={value:?}: {err}; for example RUST_LOG=info or RUST_LOG=info,api=debug"
                )
            })?;
            if !logs_the_service(&value) {
                silent = Some(value);
            }
            filter
        }
        _ => EnvFilter::new(DEFAULT_FILTER),
    };
    if let Some(value) = silent {
        // Valid, and silent: `verbose` names a target, not a level. Said before logging
        // starts, since the filter would hide it.
        eprintln!(
            "warning: RUST_LOG={value:?} enables no line of the service's own (a bare word names a target; levels are error, warn, info, debug, trace); for example RUST_LOG=info"
        );
    }
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

/// Whether a `RUST_LOG` value lets some of the service's own lines through: a directive that
/// is a bare level other than `off`, or one for the `api` target (or a span filter, which is
/// left to the operator).
fn logs_the_service(value: &str) -> bool {
    value.split(',').map(str::trim).any(|directive| {
        let target = directive.split('=').next().unwrap_or("");
        matches!(
            directive.to_ascii_lowercase().as_str(),
            "error" | "warn" | "info" | "debug" | "trace"
        ) || target == "api"
            || target.starts_with("api::")
            || directive.contains('[')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_that_names_no_level_and_not_the_service_is_told_apart() {
        for logs in [
            "info",
            "debug,sqlx=warn",
            "api=debug",
            "sqlx=debug,api::http=trace",
            "WARN",
        ] {
            assert!(logs_the_service(logs), "{logs}");
        }
        for silent in ["verbose", "sqlx=debug", "off", "actix_web=info"] {
            assert!(!logs_the_service(silent), "{silent}");
        }
    }
}
