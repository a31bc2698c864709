//! Test support: the real server on a free port, over a fresh database of either kind.
//!
//! Postgres tests create their own database on the server at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and drop it afterwards; SQLite tests use a
//! file in a temporary directory. Tests therefore run in parallel without sharing rows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use api::config::Config;
use api::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

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

fn unique_name() -> String {
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

impl TestDatabase {
    /// A fresh, empty database (not migrated).
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL")
                    .ok()
                    .filter(|url| !url.is_empty())
                    .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.to_owned());
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
}

/// Starts the server on a fresh, migrated database holding the sample catalogue.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts the server with extra environment settings (`SEED_SAMPLE=false`, ...).
pub async fn spawn_app_with(backend: Backend, settings: &[(&str, &str)]) -> TestApp {
    let database = TestDatabase::create(backend).await;
    let mut vars: HashMap<String, String> = HashMap::from([
        ("BIND".to_owned(), "127.0.0.1:0".to_owned()),
        ("DATABASE_URL".to_owned(), database.url.clone()),
        ("SEED_SAMPLE".to_owned(), "true".to_owned()),
        ("DATABASE_MAX_CONNECTIONS".to_owned(), "4".to_owned()),
    ]);
    for (name, value) in settings {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let config =
        Config::from_lookup(|name| vars.get(name).cloned()).expect("a valid test configuration");
    let app = Application::build(&config)
        .await
        .expect("the application starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        database,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
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

    pub async fn get(&self, path: &str, accept: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .header("accept", accept)
            .send()
            .await
            .expect("the server answers")
    }
}

/// The `extensions.code` of each error of a response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|error| {
                    error["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
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
