//! The recipes of `docs/frontend.md`, run so that they cannot rot.
//!
//! - Each Node.js check of `tests/frontend/checks` runs against a server of its own on
//!   SQLite: Apollo Client's paged cache, live updates through Apollo's WebSocket link,
//!   urql, persisted queries over GET with HTTP caching, and the errors each client sees.
//!   GraphQL Code Generator types an operation from `schema.graphql` and `tsc` checks code
//!   that relies on the scalar mapping. These need Node.js and `npm ci` in `tests/frontend`,
//!   which `.ci/run` provides; so they are ignored by default and run with `--run-ignored
//!   only`.
//! - CORS for a local dev server is checked from Rust, as a browser's preflight asks it.
//! - The guide itself: every code block that names a file of `tests/frontend` is a verbatim
//!   part of that file, every `npm install` line names the versions `tests/frontend` pins,
//!   and its table of error codes holds exactly the codes of the README's.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use catalogue_tests::{Backend, TestApp, spawn_app, spawn_app_with};
use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::process::Command;

const PROJECT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/frontend");
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Longer than a check's own limit (40 s), so that its message is the one seen.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `tests/frontend/checks/<name>.mjs` against `app`; its line of success.
async fn check(app: &TestApp, name: &str, token: Option<&str>) -> String {
    let mut node = Command::new("node");
    node.args([
        "--import",
        "./support/bundler-resolution.mjs",
        &format!("checks/{name}.mjs"),
    ])
    .current_dir(PROJECT)
    .env("SERVER_URL", &app.address)
    .env_remove("TOKEN")
    .stdin(Stdio::null())
    .kill_on_drop(true);
    if let Some(token) = token {
        node.env("TOKEN", token);
    }
    // The server runs on this test's runtime: node is awaited, never waited for.
    let output = tokio::time::timeout(LIMIT, node.output())
        .await
        .expect("node finishes within the limit")
        .expect("node runs (install Node.js, then `npm ci` in tests/frontend)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "checks/{name}.mjs failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

#[tokio::test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
async fn apollo_client_merges_pages_of_publications_in_one_cached_list() {
    let app = spawn_app(Backend::Sqlite).await;
    let stdout = check(&app, "apollo-pagination", None).await;
    assert!(
        stdout.contains("4 edges in order from 2 pages, no duplicate"),
        "{stdout}"
    );
}

#[tokio::test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
async fn apollo_client_applies_live_updates_from_its_websocket_link() {
    let app = spawn_app(Backend::Sqlite).await;
    let token = app.editor_token("frontend-live-editor").await;
    let stdout = check(&app, "apollo-live", Some(&token)).await;
    assert!(
        stdout.contains("CREATED (list read again), UPDATED (cache updated in place), DELETED"),
        "{stdout}"
    );
}

#[tokio::test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
async fn urql_reads_the_publications_page_over_get_and_caches_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let stdout = check(&app, "urql", None).await;
    assert!(
        stdout.contains("3 publications over GET, the repeat from the cache"),
        "{stdout}"
    );
}

#[tokio::test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
async fn persisted_queries_run_over_get_with_the_hash_alone_and_revalidate() {
    let app = spawn_app_with(Backend::Sqlite, &[("HTTP_CACHE_MAX_AGE_SECS", "60")]).await;
    let stdout = check(&app, "persisted-queries", None).await;
    assert!(
        stdout.contains("then GET (hash) alone; public, max-age=60, ETag revalidates to 304"),
        "{stdout}"
    );
}

#[tokio::test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
async fn apollo_and_urql_see_each_error_with_its_code() {
    let app = spawn_app_with(Backend::Sqlite, &[("SUBMISSIONS_PER_HOUR", "1")]).await;
    let stdout = check(&app, "errors", None).await;
    assert!(
        stdout.contains("RATE_LIMITED (429, retryAfterSeconds)"),
        "{stdout}"
    );
}

#[test]
#[ignore = "needs node and tests/frontend/node_modules; .ci/run provides them"]
fn graphql_code_generator_maps_the_scalars_as_the_guide_says() {
    for script in ["codegen", "typecheck"] {
        let output = std::process::Command::new("npm")
            .args(["run", "--silent", script])
            .current_dir(PROJECT)
            .stdin(Stdio::null())
            .output()
            .expect("npm runs (install Node.js, then `npm ci` in tests/frontend)");
        assert!(
            output.status.success(),
            "`npm run {script}` in tests/frontend failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A preflight as a browser sends it before a cross-origin POST with a token.
async fn preflight(app: &TestApp, origin: &str, headers: &str) -> (u16, HeaderMap) {
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", headers)
        .send()
        .await
        .expect("the server answers");
    (response.status().as_u16(), response.headers().clone())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The comma-separated names of a header, lower-cased.
fn names(headers: &HeaderMap, name: &str) -> BTreeSet<String> {
    header(headers, name)
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

#[tokio::test]
async fn cors_lets_the_configured_dev_server_in_and_no_other_origin() {
    const DEV: &str = "http://localhost:5173";
    let app = spawn_app_with(Backend::Sqlite, &[("CORS_ALLOWED_ORIGINS", DEV)]).await;

    let (status, headers) = preflight(&app, DEV, "content-type,authorization").await;
    assert_eq!(status, 200, "{headers:?}");
    assert_eq!(header(&headers, "access-control-allow-origin"), DEV);
    let methods = names(&headers, "access-control-allow-methods");
    assert!(
        methods.contains("post") && methods.contains("get"),
        "{headers:?}"
    );
    let allowed = names(&headers, "access-control-allow-headers");
    for name in ["content-type", "authorization", "accept", "x-request-id"] {
        assert!(allowed.contains(name), "{name} is not allowed: {headers:?}");
    }
    assert_eq!(header(&headers, "access-control-max-age"), "3600");
    assert!(
        headers.get("access-control-allow-credentials").is_none(),
        "{headers:?}"
    );

    // The request itself: the browser may read the answer and its X-Request-Id.
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .header("origin", DEV)
        .json(&serde_json::json!({ "query": "{ revision }" }))
        .send()
        .await
        .expect("the server answers");
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), DEV);
    assert!(
        names(headers, "access-control-expose-headers").contains("x-request-id"),
        "{headers:?}"
    );

    // Apollo Client's naming headers and W3C trace context pass.
    let (status, headers) = preflight(
        &app,
        DEV,
        "content-type,apollographql-client-name,apollographql-client-version,traceparent,tracestate",
    )
    .await;
    assert_eq!(
        header(&headers, "access-control-allow-origin"),
        DEV,
        "{status} {headers:?}"
    );

    // Another origin gets no permission, and neither does a header outside the list.
    for (origin, request_headers) in [
        ("http://localhost:3000", "content-type,authorization"),
        (DEV, "content-type,sentry-trace"),
    ] {
        let (status, headers) = preflight(&app, origin, request_headers).await;
        assert!(
            headers.get("access-control-allow-origin").is_none(),
            "{origin} asking for {request_headers}: {status} {headers:?}"
        );
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The first cells of the table that follows `heading` in `markdown`, without backticks.
fn first_column(markdown: &str, heading: &str) -> Vec<String> {
    let section = markdown
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading:?}"))
        .1;
    section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .filter_map(|row| row.split('|').nth(1))
        .map(|cell| cell.trim().trim_matches('`').to_owned())
        .collect()
}

#[test]
fn the_guide_says_what_to_do_for_every_error_code_of_the_readme_and_no_other() {
    let documented: BTreeSet<String> = first_column(&read("README.md"), "### Error codes")
        .into_iter()
        .collect();
    assert!(documented.contains("REVISION_EXPIRED"), "{documented:?}");
    let guide = first_column(&read("docs/frontend.md"), "## Errors");
    let named: BTreeSet<String> = guide.iter().cloned().collect();
    assert_eq!(
        named.len(),
        guide.len(),
        "a code is listed twice: {guide:?}"
    );
    let unknown: Vec<_> = named.difference(&documented).collect();
    assert!(
        unknown.is_empty(),
        "docs/frontend.md names codes that README's \"Error codes\" table does not have: {unknown:?}"
    );
    let missing: Vec<_> = documented.difference(&named).collect();
    assert!(
        missing.is_empty(),
        "docs/frontend.md does not say what a client should do with {missing:?}"
    );
}

/// Every `name@version` of an `npm install` line is the version tests/frontend pins.
fn pinned_as_tested(block: &str, line: usize) {
    let manifest: serde_json::Value =
        serde_json::from_str(&read("tests/frontend/package.json")).expect("package.json is JSON");
    for command in block
        .lines()
        .filter(|l| l.trim_start().starts_with("npm install"))
    {
        for word in command.split_whitespace().filter(|w| !w.starts_with('-')) {
            // `@scope/name@1.2.3` or `name@1.2.3`: the last `@` that is not the first character.
            let Some(at) = word.rfind('@').filter(|&at| at > 0) else {
                continue;
            };
            let (name, version) = (&word[..at], &word[at + 1..]);
            let pinned = ["dependencies", "devDependencies"]
                .iter()
                .find_map(|group| manifest[group][name].as_str());
            assert_eq!(
                pinned,
                Some(version),
                "docs/frontend.md:{line}: {name}@{version} is not the version tests/frontend/package.json pins"
            );
        }
    }
}

/// Blocks in these languages show code, which must be a part of a file of tests/frontend.
const CODE: [&str; 4] = ["js", "ts", "graphql", "json"];

#[test]
fn every_code_block_of_the_guide_is_a_verbatim_part_of_a_tested_file() {
    let guide = read("docs/frontend.md");
    let lines: Vec<&str> = guide.lines().collect();
    let mut checked = 0;
    let mut i = 0;
    while i < lines.len() {
        let Some(language) = lines[i].strip_prefix("```") else {
            i += 1;
            continue;
        };
        let start = i;
        let end = (start + 1..lines.len())
            .find(|&j| lines[j] == "```")
            .unwrap_or_else(|| panic!("docs/frontend.md:{}: a block is not closed", start + 1));
        let block = lines[start + 1..end].join("\n");
        i = end + 1;
        if language == "sh" {
            pinned_as_tested(&block, start + 1);
        }
        if !CODE.contains(&language) {
            continue;
        }
        // The line before it says where it comes from: "From [path](../path):".
        let source = lines[..start]
            .iter()
            .rev()
            .find(|line| !line.trim().is_empty())
            .and_then(|line| line.trim().strip_suffix("):"))
            .and_then(|line| line.rsplit_once("](../"))
            .map(|(_, path)| path)
            .unwrap_or_else(|| {
                panic!(
                    "docs/frontend.md:{}: a {language} block is not introduced by \"From [file](../tests/frontend/...):\"",
                    start + 1
                )
            });
        assert!(
            source.starts_with("tests/frontend/"),
            "docs/frontend.md:{}: {source} is not run by tests/frontend",
            start + 1
        );
        let file = read(source);
        assert!(
            file.contains(&block),
            "docs/frontend.md:{}: the block is not a verbatim part of {source}:\n{block}",
            start + 1
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} blocks were checked");
}
