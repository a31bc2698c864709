//! Typed configuration, read once from the environment.
//!
//! Every setting has a documented default, so that the service runs with no configuration at
//! all: an SQLite file under `DATA_DIR`, seeded with the sample catalogue, served on
//! `127.0.0.1:8000`. A value that does not parse stops start-up with a message naming the
//! variable. Secrets (the password in `DATABASE_URL`) are never printed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The whole configuration of the service.
#[derive(Clone, Debug)]
pub struct Config {
    /// `BIND`: the address the HTTP server listens on. Default `127.0.0.1:8000`; port 0 picks a
    /// free port.
    pub bind: SocketAddr,
    pub database: DatabaseConfig,
    /// `MIGRATE_ON_START`: apply pending migrations at start. Default `true`.
    pub migrate_on_start: bool,
    /// `SEED_SAMPLE`: load the sample catalogue at start when the database has no publication.
    /// Default `true` for the embedded SQLite database, `false` when `DATABASE_URL` is set.
    pub seed_sample: bool,
    /// `GRAPHIQL`: serve GraphiQL to browsers at `GET /graphql`. Default `true`.
    pub graphiql: bool,
    /// `SHUTDOWN_GRACE_SECS`: on SIGTERM or Ctrl-C, how long in-flight requests may take to
    /// finish before the server stops anyway. Default 30.
    pub shutdown_grace: Duration,
    /// `CORS_ALLOWED_ORIGINS`: the browser origins (`https://lab.example.org`) allowed to call
    /// the API cross-origin, comma-separated, or `*` for any origin. Default: none, so only
    /// pages served from the API's own origin may call it from a browser.
    pub cors_allowed_origins: CorsOrigins,
    /// `FEED_RETENTION_HOURS`: how long the change feed keeps a revision, which bounds how
    /// far back a subscriber can resume with `sinceRevision`. Default 168 (a week).
    pub feed_retention: Duration,
    /// `INDEX_DIR`: where the read index is kept; `:memory:` keeps it in memory only (rebuilt
    /// at every start). Default `DATA_DIR/index`.
    pub index_dir: Option<PathBuf>,
    /// `INDEX_WAIT_MS`: how long a request waits for this instance's read index to reach the
    /// catalogue's revision (after another instance's edit, or while it is built) before it
    /// fails with SERVICE_UNAVAILABLE. Default 5000.
    pub index_wait: Duration,
    pub limits: Limits,
}

/// Which browser origins may call the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    List(Vec<String>),
}

impl std::str::FromStr for CorsOrigins {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.trim() == "*" {
            return Ok(Self::Any);
        }
        let mut origins = Vec::new();
        for origin in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (scheme, host) = origin.split_once("://").ok_or_else(|| {
                format!("{origin:?} is not an origin like https://lab.example.org")
            })?;
            let well_formed = matches!(scheme, "http" | "https")
                && !host.is_empty()
                && !host.contains('/')
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
            if !well_formed {
                return Err(format!(
                    "{origin:?} is not an origin like https://lab.example.org (scheme and host, no path)"
                ));
            }
            origins.push(origin.to_owned());
        }
        Ok(Self::List(origins))
    }
}

/// What one request may ask of the service.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `MAX_BODY_BYTES`: the largest request body read; a larger one is refused with 413 after
    /// reading at most this much. Default 1 MiB.
    pub max_body_bytes: usize,
    /// `REQUEST_TIMEOUT_SECS`: how long one GraphQL request may run. Default 30.
    pub request_timeout: Duration,
    /// `QUERY_MAX_DEPTH`: how deeply selections may nest. Default 15.
    pub max_depth: usize,
    /// `QUERY_MAX_COMPLEXITY`: the cost a query may reach, where each field costs 1 and a
    /// connection multiplies the cost of its selection by its page size. Default 25,000.
    pub max_complexity: usize,
    /// `QUERY_MAX_ALIASES`: how many aliases a document may use. Default 30.
    pub max_aliases: usize,
    /// `QUERY_MAX_DIRECTIVES`: how many directives one field may carry. Default 10.
    pub max_directives: usize,
    /// `GRAPHQL_SUGGESTIONS`: add "Did you mean ...?" to validation errors. Default `false`,
    /// so that a public endpoint does not spell out its schema to a probe.
    pub suggestions: bool,
    /// `PERSISTED_QUERIES`: how many automatic persisted queries each instance keeps
    /// (least recently used go first); 0 turns them off. Default 1,000.
    pub persisted_queries: usize,
    /// `PERSISTED_QUERIES_MAX_BYTES`: how many bytes of documents those queries may take
    /// together (least recently used go first), so that a few large documents cannot fill
    /// memory; a single document over 64 KiB runs but is not kept. Default 16 MiB.
    pub persisted_queries_max_bytes: usize,
    /// `SUBMISSIONS_PER_HOUR`: how many `submitPublication` calls one client address may make
    /// in an hour. Default 5.
    pub submissions_per_hour: u64,
    /// `HTTP_CACHE_MAX_AGE_SECS`: `Cache-Control: max-age` of successful anonymous GET
    /// queries; they also get an `ETag`, so a client revalidates cheaply. Default 0.
    pub cache_max_age_secs: u64,
    /// `WS_INIT_TIMEOUT_SECS`: how long a WebSocket may stay open without `connection_init`
    /// before it is closed (4408). Default 10.
    pub ws_init_timeout: Duration,
    /// `WS_KEEPALIVE_SECS`: the server pings each WebSocket this often and closes one that
    /// has sent nothing (not even a pong) for three times as long (4504). Default 15.
    pub ws_keepalive: Duration,
    /// `SUBSCRIPTIONS_PER_CONNECTION`: subscriptions one WebSocket may hold at once; one more
    /// is answered with a `TOO_MANY_SUBSCRIPTIONS` error. Default 20.
    pub subscriptions_per_connection: usize,
    /// `SUBSCRIPTIONS_PER_INSTANCE`: subscriptions one instance holds at once over all its
    /// connections; past it, new ones get `TOO_MANY_SUBSCRIPTIONS`. Default 10,000.
    pub subscriptions_per_instance: usize,
    /// `WS_SEND_BUFFER_BYTES`: bytes of results queued for one WebSocket that its client has
    /// not read yet. When they are full, the connection's operations wait for the client
    /// (delivery is paced by the reader, whatever the size of a revision). Default 256 KiB.
    pub ws_send_buffer_bytes: usize,
    /// `WS_SEND_BUFFER_TOTAL_BYTES`: the same, for all the instance's WebSockets together,
    /// so that many slow clients cannot hold more memory than this. Default 64 MiB.
    pub ws_send_buffer_total_bytes: usize,
    /// `WS_SEND_PATIENCE_SECS`: how long results may wait for a client that reads none of
    /// them; then the connection is closed (1013) and the client resumes with
    /// `sinceRevision` from the last event it read. Default 30.
    pub ws_send_patience: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_depth: 15,
            max_complexity: 25_000,
            max_aliases: 30,
            max_directives: 10,
            suggestions: false,
            persisted_queries: 1000,
            persisted_queries_max_bytes: 16 * 1024 * 1024,
            submissions_per_hour: 5,
            cache_max_age_secs: 0,
            ws_init_timeout: Duration::from_secs(10),
            ws_keepalive: Duration::from_secs(15),
            subscriptions_per_connection: 20,
            subscriptions_per_instance: 10_000,
            ws_send_buffer_bytes: 256 * 1024,
            ws_send_buffer_total_bytes: 64 * 1024 * 1024,
            ws_send_patience: Duration::from_secs(30),
        }
    }
}

/// Where the catalogue lives and how the pool reaches it.
#[derive(Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`: `postgres://user:password@host/db` or `sqlite://path?mode=rwc`. Default:
    /// the SQLite file `catalogue.sqlite` in `DATA_DIR`.
    pub url: String,
    /// `DATA_DIR`: where the default SQLite file is created. Default `data`.
    pub data_dir: PathBuf,
    /// Whether `url` is the default embedded database (and not set by the operator).
    pub embedded: bool,
    /// `DATABASE_MAX_CONNECTIONS`: the pool's size. Default 10.
    pub max_connections: u32,
    /// `DATABASE_CONNECT_TIMEOUT_SECS`: how long to wait for the database to answer a new
    /// connection, at start and later. Default 5.
    pub connect_timeout: Duration,
    /// `DATABASE_ACQUIRE_TIMEOUT_MS`: how long a request waits for a free pooled connection
    /// before it fails with 503. Default 2000.
    pub acquire_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_MS`: Postgres aborts any statement that runs longer
    /// (`statement_timeout`). 0 turns it off. Default 10000.
    pub statement_timeout: Option<Duration>,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &self.redacted_url())
            .field("data_dir", &self.data_dir)
            .field("embedded", &self.embedded)
            .field("max_connections", &self.max_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .finish()
    }
}

impl DatabaseConfig {
    /// The URL with any password replaced, fit for logs and error messages.
    pub fn redacted_url(&self) -> String {
        redact_password(&self.url)
    }

    /// `text` with every secret of the URL replaced by `***`: a driver's error may quote
    /// the URL, or part of it, in its own words.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in secrets_of(&self.url) {
            text = text.replace(&secret, "***");
        }
        text
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }

    /// The file of a SQLite URL (`sqlite://data/x.sqlite?mode=rwc` gives `data/x.sqlite`);
    /// `None` for Postgres and for an in-memory database.
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        let rest = self.url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let in_memory = path.is_empty()
            || path == ":memory:"
            || query.split('&').any(|pair| pair == "mode=memory");
        (!in_memory).then(|| PathBuf::from(path))
    }
}

/// A setting that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}={value:?}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub problem: String,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        let data_dir: PathBuf = env.parse("DATA_DIR", || PathBuf::from("data"))?;
        let (url, embedded) = match env.get("DATABASE_URL") {
            Some(url) => (check_database_url(url)?, false),
            None => (
                format!(
                    "sqlite://{}?mode=rwc",
                    data_dir.join("catalogue.sqlite").display()
                ),
                true,
            ),
        };
        let max_connections = env.parse("DATABASE_MAX_CONNECTIONS", || 10u32)?;
        if max_connections == 0 {
            return Err(ConfigError {
                variable: "DATABASE_MAX_CONNECTIONS",
                value: "0".into(),
                problem: "the pool needs at least one connection".into(),
            });
        }
        Ok(Self {
            bind: bind_address(env.get("BIND"))?,
            database: DatabaseConfig {
                url,
                data_dir: data_dir.clone(),
                embedded,
                max_connections,
                connect_timeout: Duration::from_secs(
                    env.parse("DATABASE_CONNECT_TIMEOUT_SECS", || 5u64)?,
                ),
                acquire_timeout: Duration::from_millis(
                    env.parse("DATABASE_ACQUIRE_TIMEOUT_MS", || 2000u64)?,
                ),
                statement_timeout: Some(Duration::from_millis(
                    env.parse("DATABASE_STATEMENT_TIMEOUT_MS", || 10_000u64)?,
                ))
                .filter(|timeout| !timeout.is_zero()),
            },
            migrate_on_start: env.parse_bool("MIGRATE_ON_START", true)?,
            seed_sample: env.parse_bool("SEED_SAMPLE", embedded)?,
            graphiql: env.parse_bool("GRAPHIQL", true)?,
            shutdown_grace: Duration::from_secs(env.parse("SHUTDOWN_GRACE_SECS", || 30u64)?),
            cors_allowed_origins: env
                .parse("CORS_ALLOWED_ORIGINS", || CorsOrigins::List(Vec::new()))?,
            feed_retention: Duration::from_secs(
                env.parse("FEED_RETENTION_HOURS", || 168u64)?
                    .max(1)
                    .saturating_mul(3600),
            ),
            index_dir: match env.get("INDEX_DIR") {
                Some(dir) if dir == ":memory:" => None,
                Some(dir) => Some(PathBuf::from(dir)),
                None => Some(data_dir.join("index")),
            },
            index_wait: Duration::from_millis(env.parse("INDEX_WAIT_MS", || 5000u64)?),
            limits: {
                let default = Limits::default();
                Limits {
                    max_body_bytes: env.parse("MAX_BODY_BYTES", || default.max_body_bytes)?,
                    request_timeout: Duration::from_secs(
                        env.parse("REQUEST_TIMEOUT_SECS", || default.request_timeout.as_secs())?,
                    ),
                    max_depth: env.parse("QUERY_MAX_DEPTH", || default.max_depth)?,
                    max_complexity: env.parse("QUERY_MAX_COMPLEXITY", || default.max_complexity)?,
                    max_aliases: env.parse("QUERY_MAX_ALIASES", || default.max_aliases)?,
                    max_directives: env.parse("QUERY_MAX_DIRECTIVES", || default.max_directives)?,
                    suggestions: env.parse_bool("GRAPHQL_SUGGESTIONS", default.suggestions)?,
                    persisted_queries: env
                        .parse("PERSISTED_QUERIES", || default.persisted_queries)?,
                    persisted_queries_max_bytes: env
                        .parse("PERSISTED_QUERIES_MAX_BYTES", || {
                            default.persisted_queries_max_bytes
                        })?,
                    submissions_per_hour: env
                        .parse("SUBMISSIONS_PER_HOUR", || default.submissions_per_hour)?,
                    cache_max_age_secs: env
                        .parse("HTTP_CACHE_MAX_AGE_SECS", || default.cache_max_age_secs)?,
                    ws_init_timeout: Duration::from_secs(
                        env.parse("WS_INIT_TIMEOUT_SECS", || default.ws_init_timeout.as_secs())?,
                    ),
                    ws_keepalive: Duration::from_secs(
                        env.parse("WS_KEEPALIVE_SECS", || default.ws_keepalive.as_secs())?
                            .max(1),
                    ),
                    subscriptions_per_connection: env
                        .parse("SUBSCRIPTIONS_PER_CONNECTION", || {
                            default.subscriptions_per_connection
                        })?,
                    subscriptions_per_instance: env.parse("SUBSCRIPTIONS_PER_INSTANCE", || {
                        default.subscriptions_per_instance
                    })?,
                    ws_send_buffer_bytes: env
                        .parse("WS_SEND_BUFFER_BYTES", || default.ws_send_buffer_bytes)?
                        .max(1),
                    ws_send_buffer_total_bytes: env
                        .parse("WS_SEND_BUFFER_TOTAL_BYTES", || {
                            default.ws_send_buffer_total_bytes
                        })?
                        .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
                    ws_send_patience: Duration::from_secs(
                        env.parse("WS_SEND_PATIENCE_SECS", || {
                            default.ws_send_patience.as_secs()
                        })?
                        .max(1),
                    ),
                }
            },
        })
    }
}

struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// The variable's value; set but empty counts as unset, as most shells make it easy to
    /// write `DATABASE_URL= api`.
    fn get(&self, variable: &str) -> Option<String> {
        (self.0)(variable).filter(|value| !value.trim().is_empty())
    }

    fn parse<T>(
        &self,
        variable: &'static str,
        default: impl FnOnce() -> T,
    ) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.get(variable) {
            None => Ok(default()),
            Some(value) => value.trim().parse().map_err(|err: T::Err| ConfigError {
                variable,
                problem: err.to_string(),
                value,
            }),
        }
    }

    fn parse_bool(&self, variable: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(variable) {
            None => Ok(default),
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError {
                    variable,
                    value,
                    problem: "expected true or false".into(),
                }),
            },
        }
    }
}

fn check_database_url(url: String) -> Result<String, ConfigError> {
    let known = ["postgres://", "postgresql://", "sqlite:"];
    if known.iter().any(|scheme| url.starts_with(scheme)) {
        Ok(url)
    } else {
        Err(ConfigError {
            variable: "DATABASE_URL",
            value: redact_password(&url),
            problem: "expected a postgres:// or sqlite: URL".into(),
        })
    }
}

/// `url` with the password of its user part and the value of any password parameter of its
/// query string (`?password=...`, `sslpassword=...`) replaced by `***`.
fn redact_password(url: &str) -> String {
    let (before_query, query) = match url.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (url, None),
    };
    let mut redacted = match before_query.split_once("://") {
        Some((scheme, rest)) => {
            // The user part ends at the last '@' of the authority (before the path).
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((credentials, host)) => match credentials.split_once(':') {
                    Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
                    None => before_query.to_owned(),
                },
                None => before_query.to_owned(),
            }
        }
        None => before_query.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _value)) if is_secret_parameter(key) => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        redacted.push('?');
        redacted.push_str(&pairs.join("&"));
    }
    redacted
}

fn is_secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key == "pass" || key == "pwd"
}

/// The secret values of `url` (the user part's password, password parameters), as written
/// and percent-decoded, so that an error text quoting them can be scrubbed.
fn secrets_of(url: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    let (before_query, query) = url.split_once('?').unwrap_or((url, ""));
    if let Some((_, rest)) = before_query.split_once("://") {
        let authority = rest.split('/').next().unwrap_or(rest);
        if let Some((credentials, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = credentials.split_once(':')
        {
            secrets.push(password.to_owned());
        }
    }
    for pair in query.split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && is_secret_parameter(key)
        {
            secrets.push(value.to_owned());
        }
    }
    let decoded: Vec<String> = secrets.iter().map(|s| percent_decoded(s)).collect();
    secrets.extend(decoded);
    secrets.retain(|secret| !secret.is_empty());
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    secrets.dedup();
    secrets
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `BIND`: an address and port (`127.0.0.1:8000`, `[::1]:8000`, `0.0.0.0:8000`), or a host
/// name and port (`localhost:8000`), which is resolved once, at start-up.
fn bind_address(value: Option<String>) -> Result<SocketAddr, ConfigError> {
    use std::net::ToSocketAddrs as _;
    let Some(value) = value else {
        return Ok(SocketAddr::from(([127, 0, 0, 1], 8000)));
    };
    let text = value.trim();
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    let problem = |why: &str| ConfigError {
        variable: "BIND",
        value: value.clone(),
        problem: format!(
            "{why}; give an address and a port, such as 127.0.0.1:8000, 0.0.0.0:8000 or localhost:8000"
        ),
    };
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(problem("no port"));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| problem("the port is not a number from 0 to 65535"))?;
    (host, port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| problem("the host name does not resolve"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(move |name| map.get(name).cloned())
    }

    #[test]
    fn no_configuration_serves_a_seeded_sqlite_file_on_port_8000() {
        let config = config(&[]).expect("defaults are valid");
        assert_eq!(config.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(
            config.database.url,
            "sqlite://data/catalogue.sqlite?mode=rwc"
        );
        assert!(config.database.embedded && config.seed_sample && config.migrate_on_start);
    }

    #[test]
    fn a_postgres_url_is_not_seeded_unless_asked() {
        let plain = config(&[("DATABASE_URL", "postgres://u:p@h/db")]).expect("valid");
        assert!(!plain.seed_sample && !plain.database.embedded);
        let seeded =
            config(&[("DATABASE_URL", "postgres://h/db"), ("SEED_SAMPLE", "yes")]).expect("valid");
        assert!(seeded.seed_sample);
    }

    #[test]
    fn bind_takes_an_address_or_a_host_name_with_a_port() {
        let local = config(&[("BIND", "localhost:8123")]).expect("a host name and a port");
        assert_eq!(local.bind.port(), 8123);
        assert!(local.bind.ip().is_loopback());
        let any = config(&[("BIND", "0.0.0.0:80")]).expect("an address");
        assert_eq!(any.bind, SocketAddr::from(([0, 0, 0, 0], 80)));
        for bad in [
            "localhost",
            "8000",
            "localhost:http",
            "no-such-host.invalid:80",
        ] {
            let err = config(&[("BIND", bad)]).expect_err(bad);
            assert!(err.to_string().contains("127.0.0.1:8000"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        let err = config(&[("BIND", "localhost")]).expect_err("not a socket address");
        assert_eq!(err.variable, "BIND");
        assert!(
            err.to_string().starts_with("invalid BIND=\"localhost\""),
            "{err}"
        );

        let err = config(&[("DATABASE_MAX_CONNECTIONS", "many")]).expect_err("not a number");
        assert_eq!(err.variable, "DATABASE_MAX_CONNECTIONS");

        let err = config(&[("GRAPHIQL", "perhaps")]).expect_err("not a boolean");
        assert_eq!(err.variable, "GRAPHIQL");
    }

    #[test]
    fn cors_origins_are_a_list_of_scheme_and_host_or_a_star() {
        let list = config(&[(
            "CORS_ALLOWED_ORIGINS",
            "https://lab.example.org, http://localhost:3000",
        )])
        .expect("valid");
        assert_eq!(
            list.cors_allowed_origins,
            CorsOrigins::List(vec![
                "https://lab.example.org".into(),
                "http://localhost:3000".into()
            ])
        );
        let any = config(&[("CORS_ALLOWED_ORIGINS", "*")]).expect("valid");
        assert_eq!(any.cors_allowed_origins, CorsOrigins::Any);
        for bad in ["lab.example.org", "https://lab.example.org/page", "ftp://x"] {
            let err = config(&[("CORS_ALLOWED_ORIGINS", bad)]).expect_err("not an origin");
            assert_eq!(err.variable, "CORS_ALLOWED_ORIGINS", "{bad}");
        }
    }

    #[test]
    fn an_unknown_database_scheme_is_refused_without_printing_the_password() {
        let err = config(&[("DATABASE_URL", "mysql://me:secret@db/x")]).expect_err("unsupported");
        assert_eq!(err.variable, "DATABASE_URL");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn the_password_is_redacted_from_the_debug_output() {
        let config = config(&[("DATABASE_URL", "postgres://me:secret@db/x")]).expect("valid");
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("secret") && printed.contains("me:***@db/x"),
            "{printed}"
        );
    }

    #[test]
    fn a_password_in_the_query_string_is_redacted_too() {
        let config = config(&[(
            "DATABASE_URL",
            "postgres://me@db:5432/x?sslmode=require&password=s3cr%40t&application_name=api",
        )])
        .expect("valid");

        let redacted = config.database.redacted_url();
        let scrubbed = config
            .database
            .scrub("error connecting with password s3cr@t (s3cr%40t)");

        assert_eq!(
            redacted,
            "postgres://me@db:5432/x?sslmode=require&password=***&application_name=api"
        );
        assert!(!format!("{config:?}").contains("s3cr"), "{config:?}");
        assert_eq!(scrubbed, "error connecting with password *** (***)");
    }

    #[test]
    fn an_at_sign_in_the_query_string_is_not_taken_for_a_user_part() {
        assert_eq!(
            redact_password("postgres://db/x?password=a@b:c"),
            "postgres://db/x?password=***"
        );
        assert_eq!(
            redact_password("postgres://me:p%40ss@db/x"),
            "postgres://me:***@db/x"
        );
    }

    #[test]
    fn the_persisted_queries_byte_budget_is_configurable() {
        assert_eq!(
            config(&[])
                .expect("valid")
                .limits
                .persisted_queries_max_bytes,
            16 * 1024 * 1024
        );
        let set = config(&[("PERSISTED_QUERIES_MAX_BYTES", "1048576")]).expect("valid");
        assert_eq!(set.limits.persisted_queries_max_bytes, 1_048_576);
        let err = config(&[("PERSISTED_QUERIES_MAX_BYTES", "lots")]).expect_err("not a number");
        assert_eq!(err.variable, "PERSISTED_QUERIES_MAX_BYTES");
    }
}
