//! Benchmarks of the catalogue service: `catalogue-gen` fills a database with a realistic
//! catalogue, `catalogue-bench` measures the service under load. See docs/performance.md.

pub mod baseline;
pub mod chaos;
pub mod generate;
pub mod hostile;
pub mod load;
pub mod scenarios;
pub mod server;
pub mod storm;
pub mod subscriptions;
mod words;

/// Writes a line to standard output; these tools report on it.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
