use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc rather than the system's allocator: it returns freed memory to the system, so the
/// memory of a burst does not stay with the process (and it is faster for a server's many
/// small allocations).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    // Held to the end: dropping it writes the log lines still queued.
    let _log = match api::telemetry::init() {
        Ok(guard) => guard,
        Err(message) => {
            api::telemetry::say(&format!("error: {message}"));
            return ExitCode::FAILURE;
        }
    };
    let cli = api::cli::Cli::parse();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, outermost context first: "failed to connect to ...: <cause>".
            api::telemetry::say(&format!("error: {}", api::error::one_line(&err)));
            ExitCode::FAILURE
        }
    }
}
