//! Closed-loop load: N tasks on one shared HTTP client, each sending its next request as
//! soon as the last one is answered, for a fixed time. Latencies go to HDR histograms.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hdrhistogram::Histogram;
use serde_json::Value;

/// How one request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// An edit refused because another one got there first: expected under concurrency.
    Conflict,
    Error(String),
}

/// Latencies and outcomes of one task, or of all of them merged.
#[derive(Debug, Clone)]
pub struct Tally {
    /// Microseconds.
    pub latency: Histogram<u64>,
    pub ok: u64,
    pub conflicts: u64,
    pub errors: u64,
    pub first_error: Option<String>,
}

impl Tally {
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self {
            latency: Histogram::new_with_bounds(1, 120_000_000, 3)
                .context("failed to make a histogram")?,
            ok: 0,
            conflicts: 0,
            errors: 0,
            first_error: None,
        })
    }

    pub fn record(&mut self, elapsed: Duration, outcome: Outcome) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency.saturating_record(micros.max(1));
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Conflict => self.conflicts += 1,
            Outcome::Error(message) => {
                self.errors += 1;
                self.first_error.get_or_insert(message);
            }
        }
    }

    /// Adds another tally's requests to this one.
    pub fn merge(&mut self, other: &Self) {
        let _ = self.latency.add(&other.latency);
        self.ok += other.ok;
        self.conflicts += other.conflicts;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    pub fn requests(&self) -> u64 {
        self.ok + self.conflicts + self.errors
    }

    /// The latency at quantile `q`, in milliseconds.
    pub fn millis(&self, q: f64) -> f64 {
        self.latency.value_at_quantile(q) as f64 / 1000.0
    }
}

/// Runs `clients` copies of `step` for `duration` and merges what they measured. `step` gets
/// the task's number and how many requests it has sent, and times and classifies one request.
pub async fn run<F, Fut>(clients: usize, duration: Duration, step: F) -> anyhow::Result<Tally>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let tallies = run_by_kind(clients, duration, 1, move |task, sent| {
        let outcome = step(task, sent);
        async move { (0, outcome.await) }
    })
    .await?;
    tallies
        .into_iter()
        .next()
        .context("the load produced no tally")
}

/// Like [`run`], but keeps one tally per kind of request (`kinds` of them), so that a client
/// mixing requests (an attack list, a bystander alternating two pages) reports each apart.
/// `step` says which kind it sent, below `kinds`; a larger number counts as the last kind.
pub async fn run_by_kind<F, Fut>(
    clients: usize,
    duration: Duration,
    kinds: usize,
    step: F,
) -> anyhow::Result<Vec<Tally>>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = (usize, Outcome)> + Send,
{
    let kinds = kinds.max(1);
    let step = Arc::new(step);
    let until = Instant::now() + duration;
    let mut tasks = Vec::with_capacity(clients);
    for task in 0..clients {
        let step = Arc::clone(&step);
        tasks.push(tokio::spawn(async move {
            let mut tallies = (0..kinds)
                .map(|_| Tally::new())
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut sent = 0;
            while Instant::now() < until {
                let started = Instant::now();
                let (kind, outcome) = step(task, sent).await;
                tallies[kind.min(kinds - 1)].record(started.elapsed(), outcome);
                sent += 1;
            }
            anyhow::Ok(tallies)
        }));
    }
    let mut total = (0..kinds)
        .map(|_| Tally::new())
        .collect::<anyhow::Result<Vec<_>>>()?;
    for task in tasks {
        let tallies = task.await.context("a load task failed")??;
        for (total, tally) in total.iter_mut().zip(&tallies) {
            total.merge(tally);
        }
    }
    Ok(total)
}

/// The GraphQL endpoint, shared by every task.
#[derive(Debug, Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base_url: String,
    pub graphql_url: String,
}

impl Api {
    pub fn new(client: reqwest::Client, base_url: &str) -> Self {
        Self {
            client,
            base_url: base_url.to_owned(),
            graphql_url: format!("{base_url}/graphql"),
        }
    }

    /// Sends one prepared JSON body; the response body when the answer is 200.
    pub async fn post(&self, body: String, token: Option<&str>) -> Result<Vec<u8>, String> {
        let (status, body) = self.send(body, token).await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(300)])
            ))
        }
    }

    /// Sends one prepared JSON body and returns the status with the body, whatever the
    /// status: for callers that classify refusals rather than fail on them. `Err` only when
    /// no answer came (connection, timeout).
    pub async fn send(
        &self,
        body: String,
        token: Option<&str>,
    ) -> Result<(reqwest::StatusCode, Vec<u8>), String> {
        let mut request = self
            .client
            .post(&self.graphql_url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|err| format!("HTTP: {err}"))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|err| format!("HTTP body: {err}"))?;
        Ok((status, body.to_vec()))
    }

    /// `GET` of a path of the service (such as `/healthz`): its status, read to the end.
    pub async fn get(&self, path: &str) -> Result<reqwest::StatusCode, String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .map_err(|err| format!("HTTP: {err}"))?;
        let status = response.status();
        response
            .bytes()
            .await
            .map_err(|err| format!("HTTP body: {err}"))?;
        Ok(status)
    }

    /// Sends a query and returns its `data`, failing on any GraphQL error; for setting up.
    pub async fn query(&self, body: &Value, token: Option<&str>) -> anyhow::Result<Value> {
        let response = self
            .post(body.to_string(), token)
            .await
            .map_err(anyhow::Error::msg)?;
        let value: Value = serde_json::from_slice(&response).context("the answer is not JSON")?;
        if let Some(errors) = value.get("errors") {
            anyhow::bail!("the query failed: {errors}");
        }
        value.get("data").cloned().context("the answer has no data")
    }
}

/// A publication an editor edits, with the version last seen.
#[derive(Debug)]
pub struct Edited {
    pub id: String,
    pub version: AtomicI64,
}

impl Edited {
    pub fn new(id: String, version: i64) -> Self {
        Self {
            id,
            version: AtomicI64::new(version),
        }
    }

    pub fn seen(&self, version: i64) {
        self.version.fetch_max(version, Ordering::Relaxed);
    }

    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Relaxed)
    }
}
