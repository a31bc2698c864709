//! The service under test: a release `api` process this tool starts on a free loopback port,
//! or one already running at a URL; and what its `/metrics` say.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::process::{Child, ChildStderr, Command};

/// Where the started server's standard error goes.
pub enum Log {
    /// Appended to this file.
    File(PathBuf),
    /// Piped back to the caller.
    Piped,
}

/// A server this tool started; killed when stopped or dropped.
pub struct Server {
    child: Child,
    pub base_url: String,
    pub pid: Option<u32>,
}

impl Server {
    /// Starts `bin` on 127.0.0.1 with a free port (the environment, `DATABASE_URL`
    /// included, passes through; `env` adds to it) and waits until `/readyz` answers 200.
    pub async fn start(
        bin: &Path,
        env: &[(&str, &str)],
        log: Log,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Self, Option<ChildStderr>)> {
        let port = free_port()?;
        let mut command = Command::new(bin);
        command
            .arg("serve")
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("SEED_SAMPLE", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        match &log {
            Log::File(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("failed to open the server log {}", path.display()))?;
                command.stderr(file);
            }
            Log::Piped => {
                command.stderr(Stdio::piped());
            }
        }
        let mut child = command.spawn().with_context(|| {
            format!(
                "failed to start {} (build it with `cargo build --release -p api`, or pass --api-bin)",
                bin.display()
            )
        })?;
        let stderr = child.stderr.take();
        let mut server = Self {
            pid: child.id(),
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready(client, &log).await?;
        Ok((server, stderr))
    }

    async fn wait_ready(&mut self, client: &reqwest::Client, log: &Log) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = format!("{}/readyz", self.base_url);
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .context("failed to watch the server")?
            {
                let hint = match log {
                    Log::File(path) => format!("; its log is {}", path.display()),
                    Log::Piped => String::new(),
                };
                bail!("the server exited with {status} before it was ready{hint}");
            }
            if let Ok(response) = client.get(&url).send().await
                && response.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server was not ready within 120 s ({url})");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The most memory the process has held (VmHWM), in bytes.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").context("failed to find a free port")?;
    Ok(listener
        .local_addr()
        .context("failed to read the free port")?
        .port())
}

/// The samples of `/metrics` this tool reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scrape {
    pub statements_sum: f64,
    pub statements_count: f64,
    pub resident_bytes: Option<f64>,
    /// `graphql_subscriptions`: subscriptions the instance holds now.
    pub subscriptions: Option<f64>,
    /// `feed_lag_revisions`: revisions committed that the instance has not handed to its
    /// subscribers yet.
    pub feed_lag: Option<f64>,
}

/// The value of the sample named exactly `name` (no labels).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(name)?
            .strip_prefix(' ')?
            .split(' ')
            .next()?
            .parse()
            .ok()
    })
}

pub async fn scrape(client: &reqwest::Client, base_url: &str) -> anyhow::Result<Scrape> {
    let text = client
        .get(format!("{base_url}/metrics"))
        .send()
        .await
        .context("failed to read /metrics")?
        .error_for_status()
        .context("failed to read /metrics")?
        .text()
        .await
        .context("failed to read /metrics")?;
    Ok(Scrape {
        statements_sum: sample(&text, "graphql_sql_statements_per_request_sum").unwrap_or(0.0),
        statements_count: sample(&text, "graphql_sql_statements_per_request_count").unwrap_or(0.0),
        resident_bytes: sample(&text, "process_resident_memory_bytes"),
        subscriptions: sample(&text, "graphql_subscriptions"),
        feed_lag: sample(&text, "feed_lag_revisions"),
    })
}

/// SQL statements per GraphQL request between two scrapes.
pub fn statements_per_request(before: &Scrape, after: &Scrape) -> Option<f64> {
    let requests = after.statements_count - before.statements_count;
    (requests > 0.0).then(|| (after.statements_sum - before.statements_sum) / requests)
}
