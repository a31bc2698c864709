//! The service under test: a release `api` process this tool starts on a free loopback port,
//! or one already running at a URL; and what its `/metrics` say.
//!
//! A started server builds its read index before `/readyz` answers 200 (a minute or two at
//! a million publications), in a data directory of its own (`DATA_DIR`, where the index
//! persists as `DATA_DIR/index`): a fresh temporary one unless `DATA_DIR` or `INDEX_DIR` is
//! given, removed when the server stops. [`Server::restart`] starts it again on the same
//! directory, to time a start that opens the persisted index.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use tokio::process::{Child, ChildStderr, Command};

/// How long a started server may take to answer `/readyz` with 200 by default: the read
/// index is built before it does.
pub const READY_TIMEOUT: Duration = Duration::from_secs(600);

/// Where the started server's standard error goes.
#[derive(Debug, Clone)]
pub enum Log {
    /// Appended to this file.
    File(PathBuf),
    /// Piped back to the caller.
    Piped,
}

/// How a server is started.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin: PathBuf,
    /// Added to the environment, which passes through (`DATABASE_URL` included).
    pub env: Vec<(String, String)>,
    pub log: Log,
    /// How long to wait for `/readyz` to answer 200.
    pub ready_timeout: Duration,
    /// The loopback port to listen on; a free one when `None`.
    pub port: Option<u16>,
}

impl Launch {
    pub fn new(bin: &Path, env: &[(&str, &str)], log: Log) -> Self {
        Self {
            bin: bin.to_owned(),
            env: env
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            log,
            ready_timeout: READY_TIMEOUT,
            port: None,
        }
    }

    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    fn sets(&self, name: &str) -> bool {
        self.env.iter().any(|(n, _)| n == name) || std::env::var_os(name).is_some()
    }
}

/// The data directory of a started server.
#[derive(Debug, Clone)]
struct DataDir {
    /// `None` when `DATA_DIR` or `INDEX_DIR` came from the caller.
    path: Option<PathBuf>,
    /// Made here, so removed when the server stops for good.
    ours: bool,
}

impl DataDir {
    fn fresh(launch: &Launch) -> anyhow::Result<Self> {
        if launch.sets("DATA_DIR") || launch.sets("INDEX_DIR") {
            return Ok(Self {
                path: None,
                ours: false,
            });
        }
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "catalogue-bench-data-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("failed to empty {}", path.display()))?;
        }
        std::fs::create_dir_all(&path)
            .with_context(|| format!("failed to create {}", path.display()))?;
        Ok(Self {
            path: Some(path),
            ours: true,
        })
    }

    fn remove(&self) {
        if self.ours
            && let Some(path) = &self.path
        {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// A server this tool started; killed when stopped or dropped, and its data directory
/// removed then if this tool made it.
pub struct Server {
    child: Child,
    pub base_url: String,
    pub port: u16,
    pub pid: Option<u32>,
    /// From spawning the process to the first 200 of `/readyz`.
    pub ready_in: Duration,
    launch: Launch,
    data_dir: DataDir,
}

impl Server {
    /// Starts `bin` on 127.0.0.1 with a free port (the environment, `DATABASE_URL`
    /// included, passes through; `env` adds to it) and a fresh data directory, and waits
    /// until `/readyz` answers 200.
    pub async fn start(
        bin: &Path,
        env: &[(&str, &str)],
        log: Log,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Self, Option<ChildStderr>)> {
        Self::launch(Launch::new(bin, env, log), client).await
    }

    /// Starts a server as `launch` says, in a fresh data directory.
    pub async fn launch(
        launch: Launch,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Self, Option<ChildStderr>)> {
        let data_dir = DataDir::fresh(&launch)?;
        Self::spawn(launch, data_dir, client).await
    }

    async fn spawn(
        launch: Launch,
        data_dir: DataDir,
        client: &reqwest::Client,
    ) -> anyhow::Result<(Self, Option<ChildStderr>)> {
        let port = match launch.port {
            Some(port) => port,
            None => free_port()?,
        };
        let mut command = Command::new(&launch.bin);
        command
            .arg("serve")
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("SEED_SAMPLE", "false")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .kill_on_drop(true);
        if let Some(path) = &data_dir.path {
            command.env("DATA_DIR", path);
        }
        for (name, value) in &launch.env {
            command.env(name, value);
        }
        match &launch.log {
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
        let spawned = Instant::now();
        let mut child = command.spawn().with_context(|| {
            format!(
                "failed to start {} (build it with `cargo build --release -p api`, or pass --api-bin)",
                launch.bin.display()
            )
        })?;
        let stderr = child.stderr.take();
        let mut server = Self {
            pid: child.id(),
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            ready_in: Duration::ZERO,
            launch,
            data_dir,
        };
        // Dropped on failure: killed, and its directory removed if it was made here.
        server.wait_ready(client).await?;
        server.ready_in = spawned.elapsed();
        Ok((server, stderr))
    }

    async fn wait_ready(&mut self, client: &reqwest::Client) -> anyhow::Result<()> {
        let timeout = self.launch.ready_timeout;
        let deadline = Instant::now() + timeout;
        let url = format!("{}/readyz", self.base_url);
        loop {
            if let Some(status) = self
                .child
                .try_wait()
                .context("failed to watch the server")?
            {
                let hint = match &self.launch.log {
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
                bail!(
                    "the server was not ready within {} s ({url}; --ready-timeout gives it longer)",
                    timeout.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The data directory the server was given, when this tool chose it.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.path.as_deref()
    }

    /// The seconds the server's log says its last read index build took ("built the read
    /// index"), when it logs to a file.
    pub fn index_build_seconds(&self) -> Option<f64> {
        let Log::File(path) = &self.launch.log else {
            return None;
        };
        let text = std::fs::read_to_string(path).ok()?;
        text.lines()
            .rev()
            .find(|line| line.contains("built the read index"))
            .and_then(logged_seconds)
    }

    /// Whether the server's log says the read index was opened (not built) at its last start.
    pub fn opened_index(&self) -> Option<bool> {
        let Log::File(path) = &self.launch.log else {
            return None;
        };
        let text = std::fs::read_to_string(path).ok()?;
        text.lines().rev().find_map(|line| {
            if line.contains("opened the read index") {
                Some(true)
            } else if line.contains("built the read index") {
                Some(false)
            } else {
                None
            }
        })
    }

    /// The most memory the process has held (VmHWM), in bytes.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s) and starts it again on the same
    /// data directory, so that it opens the index it persisted; `ready_in` of the new one is
    /// the restart's time to ready.
    pub async fn restart(mut self, client: &reqwest::Client) -> anyhow::Result<Self> {
        if matches!(self.launch.log, Log::Piped) {
            bail!("a server whose log is piped cannot be restarted");
        }
        self.terminate().await;
        let launch = self.launch.clone();
        let data_dir = self.data_dir.clone();
        // This one is gone; its directory lives on in the next.
        self.data_dir.ours = false;
        let (server, _) = Self::spawn(launch, data_dir, client).await?;
        Ok(server)
    }

    /// Kills the server outright (SIGKILL: no shutdown, nothing flushed) and starts it again
    /// on the same port and data directory, so that clients of the old process find the new
    /// one where they left it and it opens whatever the old one left of its read index.
    pub async fn crash_and_restart(mut self, client: &reqwest::Client) -> anyhow::Result<Self> {
        if matches!(self.launch.log, Log::Piped) {
            bail!("a server whose log is piped cannot be restarted");
        }
        self.child
            .kill()
            .await
            .context("failed to kill the server")?;
        let launch = self.launch.clone().port(self.port);
        let data_dir = self.data_dir.clone();
        // This one is gone; its directory lives on in the next.
        self.data_dir.ours = false;
        let (server, _) = Self::spawn(launch, data_dir, client).await?;
        Ok(server)
    }

    /// SIGTERM, and SIGKILL if it has not exited within 10 s.
    async fn terminate(&mut self) {
        if let Some(pid) = self.pid {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status()
                .await;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
            {
                return;
            }
        }
        let _ = self.child.kill().await;
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        self.data_dir.remove();
    }
}

/// The `seconds` of a log line, JSON (`"seconds":12.3`) or text (`seconds=12.3`).
fn logged_seconds(line: &str) -> Option<f64> {
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(line) {
        return value["fields"]["seconds"]
            .as_f64()
            .or_else(|| value["seconds"].as_f64());
    }
    let rest = &line[line.find("seconds=")? + "seconds=".len()..];
    rest.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()?
        .parse()
        .ok()
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
