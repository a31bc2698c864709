//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sea_orm::{DatabaseConnection, DbBackend};

/// How a GraphQL request ended.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
pub enum Outcome {
    /// Answered without errors.
    Ok,
    /// Answered with errors (field errors, validation errors).
    Error,
    /// Refused by the transport before GraphQL ran (bad media type, too large, timed out).
    Refused,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: Outcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ErrorLabels {
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CloseLabels {
    code: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// Operation names are chosen by clients; past this many distinct names, new ones are
/// counted as "other" so that a client cannot grow the metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The service's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    errors: Family<ErrorLabels, Counter>,
    statements: Histogram,
    pool: Family<PoolLabels, Gauge>,
    feed_revision: Gauge,
    feed_lag: Gauge,
    feed_listening: Gauge,
    subscriptions: Gauge,
    subscription_events: Counter,
    ws_closes: Family<CloseLabels, Counter>,
    log_lines_lost: Counter,
    index_faults: Counter,
    index_healthy: Gauge,
    operations: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            // 1 ms to about 16 s.
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        let errors = Family::<ErrorLabels, Counter>::default();
        let statements = Histogram::new([0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0]);
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests by operation name and outcome",
            requests.clone(),
        );
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name and outcome",
            latency.clone(),
        );
        registry.register(
            "graphql_errors",
            "GraphQL errors by extensions.code",
            errors.clone(),
        );
        registry.register(
            "graphql_sql_statements_per_request",
            "SQL statements run to answer one GraphQL request",
            statements.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database pool connections by state (in_use, idle)",
            pool.clone(),
        );
        let feed_revision = Gauge::default();
        let feed_lag = Gauge::default();
        let feed_listening = Gauge::default();
        let subscriptions = Gauge::default();
        let subscription_events = Counter::default();
        let ws_closes = Family::<CloseLabels, Counter>::default();
        registry.register(
            "feed_revision",
            "The newest catalogue revision this instance has handed to its subscribers",
            feed_revision.clone(),
        );
        registry.register(
            "feed_lag_revisions",
            "Revisions committed that this instance has not read from the change feed yet",
            feed_lag.clone(),
        );
        registry.register(
            "feed_listening",
            "1 while the instance listens for changes (its LISTEN connection is up), else 0",
            feed_listening.clone(),
        );
        registry.register(
            "graphql_subscriptions",
            "Subscriptions this instance holds",
            subscriptions.clone(),
        );
        registry.register(
            "graphql_subscription_messages",
            "Messages (events) sent to subscribers",
            subscription_events.clone(),
        );
        registry.register(
            "websocket_closes",
            "WebSockets the server closed, by close code",
            ws_closes.clone(),
        );
        let log_lines_lost = Counter::default();
        registry.register(
            "log_lines_lost",
            "Log lines dropped because standard error did not take them (a stalled or closed log pipe)",
            log_lines_lost.clone(),
        );
        let index_faults = Counter::default();
        let index_healthy = Gauge::default();
        registry.register(
            "read_index_faults",
            "Faults of the read index: writes that failed, damage found",
            index_faults.clone(),
        );
        registry.register(
            "read_index_healthy",
            "1 while the read index has no fault, else 0 (and /readyz answers 503)",
            index_healthy.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            errors,
            statements,
            pool,
            feed_revision,
            feed_lag,
            feed_listening,
            subscriptions,
            subscription_events,
            ws_closes,
            log_lines_lost,
            index_faults,
            index_healthy,
            operations: Mutex::new(HashSet::new()),
        }
    }

    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name
            .filter(|n| n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        else {
            return if name.is_some() { "other" } else { "anonymous" }.to_owned();
        };
        let Ok(mut known) = self.operations.lock() else {
            return "other".to_owned();
        };
        if known.contains(name) || known.len() < MAX_OPERATION_NAMES {
            known.insert(name.to_owned());
            name.to_owned()
        } else {
            "other".to_owned()
        }
    }

    /// Records one GraphQL request.
    pub fn record_request(
        &self,
        operation: Option<&str>,
        outcome: Outcome,
        elapsed: Duration,
        statements: usize,
        error_codes: &[&str],
    ) {
        let labels = RequestLabels {
            operation: self.operation_label(operation),
            outcome,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
        self.statements.observe(statements as f64);
        for code in error_codes {
            self.errors
                .get_or_create(&ErrorLabels {
                    code: (*code).to_owned(),
                })
                .inc();
        }
    }

    /// One message sent to a subscriber.
    pub fn record_subscription_event(&self) {
        self.subscription_events.inc();
    }

    /// A WebSocket the server closed with `code`.
    pub fn record_ws_close(&self, code: u16) {
        self.ws_closes.get_or_create(&CloseLabels { code }).inc();
    }

    /// The metrics in the OpenMetrics text format, with the pool and the feed read now.
    pub fn render(
        &self,
        db: &DatabaseConnection,
        feed: crate::live::FeedStatus,
        index: &crate::index::Health,
    ) -> String {
        let faults = index.faults();
        let counted = self.index_faults.get();
        if faults > counted {
            self.index_faults.inc_by(faults - counted);
        }
        self.index_healthy.set(i64::from(index.fault().is_none()));
        self.feed_revision.set(feed.applied);
        self.feed_lag.set(feed.lag());
        self.feed_listening.set(i64::from(feed.listening));
        self.subscriptions
            .set(i64::try_from(feed.subscriptions).unwrap_or(i64::MAX));
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let lost = crate::telemetry::lost_lines();
        let counted = self.log_lines_lost.get();
        if lost > counted {
            self.log_lines_lost.inc_by(lost - counted);
        }
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(idle);
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(i64::from(size) - idle);
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            tracing::error!("failed to encode the metrics");
        }
        text
    }
}
