use std::process::ExitCode;

use clap::Parser as _;

#[actix_web::main]
async fn main() -> ExitCode {
    if let Err(message) = api::telemetry::init() {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let cli = api::cli::Cli::parse();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, outermost context first: "failed to connect to ...: <cause>".
            eprintln!("error: {}", api::error::one_line(&err));
            ExitCode::FAILURE
        }
    }
}
