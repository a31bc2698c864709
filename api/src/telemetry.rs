//! Logging: structured JSON lines for log collectors, readable text in a terminal.

use std::io::{IsTerminal as _, Write as _};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// The filter when `RUST_LOG` is not set.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn";
/// Log lines waiting for standard error; past this, new lines are dropped (and counted)
/// rather than make a worker wait for a stalled log collector.
const LOG_QUEUE_LINES: usize = 16_384;

/// Lines standard error refused (a closed or broken log pipe): dropped and counted.
static FAILED_LINES: AtomicU64 = AtomicU64::new(0);
/// Lines dropped because the queue to standard error was full.
static QUEUE: OnceLock<ErrorCounter> = OnceLock::new();

/// Log lines lost so far: dropped while standard error was not taking them fast enough, or
/// refused by it (its pipe closed). For `/metrics`.
pub fn lost_lines() -> u64 {
    let dropped = QUEUE
        .get()
        .map_or(0, |counter| counter.dropped_lines() as u64);
    FAILED_LINES.load(Ordering::Relaxed) + dropped
}

/// Standard error as the log thread writes to it: a line it refuses is counted and dropped,
/// never an error (an error would make the logging library report it on standard error,
/// which panics when that is what failed).
struct Stderr;

impl std::io::Write for Stderr {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        if std::io::stderr().write_all(line).is_err() {
            FAILED_LINES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A line for standard error outside the log (before logging starts, or as the process
/// exits with an error); a closed standard error loses it rather than panic.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Sends logs to standard error, filtered by `RUST_LOG` (default `info`). `LOG_FORMAT` picks
/// `json` or `text`; by default text when standard error is a terminal, JSON otherwise.
/// Each request's lines carry its `request_id`. A value that does not parse is refused with
/// a line that names it, rather than ignored.
///
/// Lines are written by a thread of their own: a log pipe that stalls or closes never blocks
/// a worker nor the shutdown; lines it cannot take are dropped and counted
/// ([`lost_lines`]). Keep the guard until the process ends: dropping it writes what is
/// queued.
pub fn init() -> Result<WorkerGuard, String> {
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
        say(&format!(
            "warning: RUST_LOG={value:?} enables no line of the service's own (a bare word names a target; levels are error, warn, info, debug, trace); for example RUST_LOG=info"
        ));
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
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("log-writer")
        .finish(Stderr);
    let _ = QUEUE.set(writer.error_counter());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
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
    Ok(guard)
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
