//! Test support: the real server on a free port, over a fresh database of either kind.
//!
//! Postgres tests create their own database on the server at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and drop it afterwards; SQLite tests use a
//! file in a temporary directory. Tests therefore run in parallel without sharing rows.
//!
//! Migrating and seeding from nothing costs more than most tests, so it happens once per
//! build of the test binary, into a template (a Postgres database, an SQLite file), and each
//! test gets a copy: `CREATE DATABASE ... TEMPLATE` on Postgres, a file copy on SQLite.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use api::config::Config;
use api::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub mod ws;

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Runs each named `async fn(Backend)` once on Postgres and once on SQLite, as
/// `<name>::on_postgres` and `<name>::on_sqlite`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn on_postgres() {
                super::$name($crate::Backend::Postgres).await
            }

            #[tokio::test]
            async fn on_sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
        }
    )*};
}

/// A database that exists for one test only.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Postgres {
        admin_url: String,
        name: String,
    },
    Sqlite(
        #[expect(
            dead_code,
            reason = "held so that the directory lives as long as the test"
        )]
        tempfile::TempDir,
    ),
}

/// A database name no other test uses.
pub fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "catalogue_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// What a template database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// Every migration applied, no rows.
    Migrated,
    /// Migrated, with the sample catalogue.
    Seeded,
}

impl Template {
    fn label(self) -> &'static str {
        match self {
            Self::Migrated => "migrated",
            Self::Seeded => "seeded",
        }
    }

    /// Migrates (and seeds) the database at `url`.
    async fn fill(self, url: &str) {
        let db = Database::connect(url)
            .await
            .unwrap_or_else(|err| panic!("failed to open the template at {url}: {err}"));
        api::db::migrate(&db).await.expect("the template migrates");
        if self == Self::Seeded {
            api::service::seed::load(&db, api::service::seed::SAMPLE_CATALOGUE)
                .await
                .expect("the template takes the sample catalogue");
        }
        let _ = db.close().await;
    }
}

/// Names this build of the test binary: a template is made again whenever the binary (and
/// so the migrations or the sample catalogue it holds) changes.
fn build_fingerprint() -> String {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    if let Ok(exe) = std::env::current_exe() {
        exe.hash(&mut hasher);
        if let Ok(meta) = std::fs::metadata(&exe) {
            meta.len().hash(&mut hasher);
            meta.modified().ok().hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

/// The Postgres server tests create their databases on (`TEST_DATABASE_URL`).
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// The name of the Postgres template for this build, made under an advisory lock the first
/// time a test asks for it (tests run as parallel processes); older builds' templates go.
async fn postgres_template(
    admin: &DatabaseConnection,
    admin_url: &str,
    template: Template,
) -> String {
    use sea_orm::{DbBackend, Statement};
    let name = format!(
        "catalogue_template_{}_{}",
        template.label(),
        build_fingerprint()
    );
    // One lock for every template: making one takes a second or two, once per build.
    admin
        .execute_unprepared("SELECT pg_advisory_lock(20261201)")
        .await
        .expect("the template lock");
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.clone().into()],
        ))
        .await
        .expect("a look-up of the template")
        .is_some();
    if !exists {
        let stale = admin
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT datname FROM pg_database WHERE datname LIKE $1",
                [format!("catalogue_template_{}_%", template.label()).into()],
            ))
            .await
            .expect("the old templates");
        for row in stale {
            if let Ok(old) = row.try_get::<String>("", "datname") {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"))
                    .await;
            }
        }
        let building = format!("{name}_building");
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .await
            .expect("no half-made template");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {building}"))
            .await
            .expect("a template database");
        template.fill(&with_database(admin_url, &building)).await;
        admin
            .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .await
            .expect("the template, named");
    }
    admin
        .execute_unprepared("SELECT pg_advisory_unlock(20261201)")
        .await
        .expect("the template lock, released");
    name
}

/// The path of the SQLite template for this build, made under a file lock the first time a
/// test asks for it.
async fn sqlite_template(template: Template) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("catalogue-test-templates");
    std::fs::create_dir_all(&dir).expect("a directory for SQLite templates");
    let path = dir.join(format!(
        "{}-{}.sqlite",
        template.label(),
        build_fingerprint()
    ));
    let lock =
        std::fs::File::create(dir.join(format!("{}.lock", template.label()))).expect("a lock file");
    lock.lock().expect("the template lock");
    if !path.exists() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let old = entry.path();
            let is_old_template = old.extension().is_some_and(|ext| ext == "sqlite")
                && old
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with(template.label()));
            if is_old_template {
                let _ = std::fs::remove_file(old);
            }
        }
        let building = tempfile::tempdir().expect("a directory to build the template in");
        let source = building.path().join("catalogue.sqlite");
        template
            .fill(&format!("sqlite://{}?mode=rwc", source.display()))
            .await;
        // VACUUM INTO writes one self-contained file, whatever the journal mode left behind.
        let db = Database::connect(format!("sqlite://{}", source.display()))
            .await
            .expect("the built template");
        db.execute_unprepared(&format!("VACUUM INTO '{}'", path.display()))
            .await
            .expect("the template, written");
        let _ = db.close().await;
    }
    let _ = lock.unlock();
    path
}

impl TestDatabase {
    /// A fresh, empty database (not migrated).
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => {
                let admin_url = admin_url();
                let admin = connect_admin(&admin_url).await;
                let name = unique_name();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|err| {
                        panic!("failed to create the test database {name}: {err}")
                    });
                let _ = admin.close().await;
                Self {
                    url: with_database(&admin_url, &name),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary directory for SQLite");
                Self {
                    url: format!(
                        "sqlite://{}?mode=rwc",
                        dir.path().join("catalogue.sqlite").display()
                    ),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
        }
    }

    /// A fresh database holding what `template` says: a copy of a template made once per
    /// build of the test binary.
    pub async fn from_template(backend: Backend, template: Template) -> Self {
        match backend {
            Backend::Postgres => {
                let admin_url = admin_url();
                let admin = connect_admin(&admin_url).await;
                let source = postgres_template(&admin, &admin_url, template).await;
                let name = unique_name();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {source}"))
                    .await
                    .unwrap_or_else(|err| {
                        panic!("failed to copy the template {source} into {name}: {err}")
                    });
                let _ = admin.close().await;
                Self {
                    url: with_database(&admin_url, &name),
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            Backend::Sqlite => {
                let source = sqlite_template(template).await;
                let dir = tempfile::tempdir().expect("a temporary directory for SQLite");
                let path = dir.path().join("catalogue.sqlite");
                std::fs::copy(&source, &path).expect("a copy of the SQLite template");
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::Sqlite(dir),
                }
            }
        }
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .unwrap_or_else(|err| panic!("failed to open the test database: {err}"))
    }
}

async fn connect_admin(url: &str) -> DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .connect_timeout(std::time::Duration::from_secs(5))
        .acquire_timeout(std::time::Duration::from_secs(5))
        .sqlx_logging(false);
    match Database::connect(options).await {
        Ok(db) => db,
        Err(err) => panic!(
            "Postgres is not reachable at {url}: {err}.\n\
             The suite needs a Postgres server on which it may create databases. Start one \
             (on this machine: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start), \
             or point TEST_DATABASE_URL at one, e.g. TEST_DATABASE_URL=postgres://user:password@host:5432/postgres"
        ),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async code; a short-lived runtime on its own thread does the
            // clean-up. FORCE ends the connections the server under test still holds.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// The server under test, serving on a free port of 127.0.0.1.
#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    pub database: TestDatabase,
    client: reqwest::Client,
    settings: HashMap<String, String>,
}

/// Starts the server on a fresh, migrated database holding the sample catalogue.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts the server with extra environment settings (`SEED_SAMPLE=false`, ...).
pub async fn spawn_app_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
    let set_to = |name: &str, value: &str| settings.contains(&(name, value));
    let database = if set_to("MIGRATE_ON_START", "false") {
        TestDatabase::create(backend).await
    } else if set_to("SEED_SAMPLE", "false") {
        TestDatabase::from_template(backend, Template::Migrated).await
    } else {
        TestDatabase::from_template(backend, Template::Seeded).await
    };
    let mut vars: HashMap<String, String> = HashMap::from([
        ("BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("DATABASE_URL".to_owned(), database.url.clone()),
        ("SEED_SAMPLE".to_owned(), "true".to_owned()),
        ("DATABASE_MAX_CONNECTIONS".to_owned(), "4".to_owned()),
        // Each instance builds its own read index; a test that restarts one names a directory.
        ("INDEX_DIR".to_owned(), ":memory:".to_owned()),
    ]);
    for (name, value) in settings {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let (address, db) = serve(&vars, true).await;
    TestApp {
        address,
        db,
        database,
        client: reqwest::Client::new(),
        settings: vars,
    }
}

/// Builds and starts a server with these settings; its address and its pool.
async fn serve(
    vars: &HashMap<String, String>,
    wait_for_index: bool,
) -> (String, DatabaseConnection) {
    if std::env::var("TEST_LOG").is_ok() {
        // The log thread lives as long as the test process.
        if let Ok(guard) = api::telemetry::init() {
            std::mem::forget(guard);
        }
    }
    let config =
        Config::from_lookup(|name| vars.get(name).cloned()).expect("a valid test configuration");
    let app = Application::build(&config)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    // Tests start once the instance's read index is usable (a migrated database).
    let ready = (wait_for_index
        && vars.get("MIGRATE_ON_START").map(String::as_str) != Some("false"))
    .then(|| app.read_index());
    tokio::spawn(app.run_until_stopped());
    if let Some(index) = ready {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while index.applied() == api::index::NOT_YET {
            assert!(
                std::time::Instant::now() < deadline,
                "the read index was not ready within 30 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
    (address, db)
}

/// Another instance of the service on the same database (as behind a load balancer).
#[derive(Debug)]
pub struct Instance {
    pub address: String,
    client: reqwest::Client,
}

impl Instance {
    /// POSTs a GraphQL request, with a token if given, and returns the JSON response.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("a JSON answer")
    }
}

impl TestApp {
    /// Starts another instance of the service on this app's database, with its settings.
    pub async fn another_instance(&self) -> Instance {
        let (address, _) = serve(&self.settings, true).await;
        Instance {
            address,
            client: reqwest::Client::new(),
        }
    }

    /// [`Self::another_instance`] without waiting for its read index to be usable (it may
    /// never be).
    pub async fn another_instance_unready(&self) -> Instance {
        let (address, _) = serve(&self.settings, false).await;
        Instance {
            address,
            client: reqwest::Client::new(),
        }
    }

    /// POSTs a GraphQL request and returns the HTTP response, whatever it holds.
    pub async fn post(&self, query: &str, variables: Value) -> reqwest::Response {
        self.client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
    }

    /// A new editor token, as `api token create` makes one.
    pub async fn editor_token(&self, name: &str) -> String {
        let name = api::domain::Name::parse(name).expect("a valid token name");
        let (_, secret) =
            api::service::token::create(&self.db, name, entity::api_token::Role::Editor)
                .await
                .expect("a token");
        secret
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <token>`; returns the response.
    pub async fn post_as(&self, token: &str, query: &str, variables: Value) -> reqwest::Response {
        self.client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the server answers")
    }

    /// POSTs a GraphQL request as the token's editor and returns the JSON response.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.post_as(token, query, variables)
            .await
            .json()
            .await
            .expect("a JSON response")
    }

    /// POSTs a GraphQL request and returns the JSON response, whatever it holds.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        response.json().await.expect("a JSON response")
    }

    /// POSTs a GraphQL request that must succeed, and returns its `data`.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// The SQL statements one request ran, read from `/metrics`, with the count cache warm
    /// (the same request runs once before it is measured); and its `data`.
    pub async fn cost(&self, query: &str, variables: Value) -> (Value, f64) {
        self.query(query, variables.clone()).await;
        let before = self.statements_so_far().await;
        let data = self.query(query, variables).await;
        (data, self.statements_so_far().await - before)
    }

    async fn statements_so_far(&self) -> f64 {
        let text = self
            .get("/metrics", "*/*")
            .await
            .text()
            .await
            .expect("metrics");
        text.lines()
            .find_map(|line| {
                line.strip_prefix("graphql_sql_statements_per_request_sum ")?
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    }

    pub async fn get(&self, path: &str, accept: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .header("accept", accept)
            .send()
            .await
            .expect("the server answers")
    }
}

/// The `extensions.code` of each error of a response; each must be an `ErrorCode`.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    let code = error["extensions"]["code"].as_str().unwrap_or("<none>");
                    // Every code a client can see is one of the documented ones.
                    assert!(
                        api::error::ErrorCode::parse(code).is_some(),
                        "an undocumented error code {code:?}: {error}"
                    );
                    code.to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
