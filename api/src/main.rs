use std::process::ExitCode;

use clap::Parser as _;

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
