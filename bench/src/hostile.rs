//! The hostile scenario: attacker clients send, in a closed loop, the worst requests known
//! (filters nested hundreds of levels deep, exponential fragment chains, wide author
//! intersections, thousands of directives, NUL characters, tampered cursors and impossible
//! dates), while one bystander client measures `GET /healthz` and a plain listing in turn.
//! The question is not how fast the attacks are answered but whether everyone else is still
//! served: the bystander's p99 against [`TARGET_P99_MS`], and no 5xx among the answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::load::{self, Api, Outcome, Tally};
use crate::scenarios::{contains, global_id, rows};

/// The bystander's latency target: both its requests answered within this at the 99th
/// percentile while the attack goes on.
pub const TARGET_P99_MS: f64 = 100.0;

/// The bystander's listing: a plain page, as a visitor's first request would be.
pub const BYSTANDER_LISTING: &str = "{ publications(first: 10) { totalCount nodes { id title } } }";

/// Levels of `not` in the first filter: well past any sane nesting limit, yet small enough
/// to be parsed by a naive recursive parser.
pub const NOT_DEPTH: usize = 600;
/// Levels of `not` in the second filter: deep enough to overflow a recursive parser's or
/// coercer's stack if nothing stops it first.
pub const DEEP_NOT_DEPTH: usize = 5_000;
/// Levels of `and: [ ... ]`: lists nested in objects, another route through coercion.
pub const AND_DEPTH: usize = 600;
/// Fragments in the chain, each spreading the next twice: 2^30 copies of the last one once
/// expanded, which only a check on the fragment graph (or on the expansion) refuses cheaply.
pub const FRAGMENTS: usize = 30;
/// Aliases of the wide author intersection in one request.
pub const ALIASES: usize = 10;
/// Author ids per alias in `allOf`.
pub const IDS_PER_ALIAS: usize = 20;
/// Author ids in the single widest `allOf`.
pub const WIDE_ALL_OF: usize = 200;
/// `@include` directives on one inline fragment.
pub const DIRECTIVES: usize = 10_000;

/// Searches in each `or` of the heaviest search attack: as many as one filter may hold.
pub const SEARCHES_PER_FILTER: usize = 4;

/// In an attack's body, replaced by a number of its own at each request (as many digits), so
/// that the service cannot answer the same search from the answers it keeps.
pub const VARY: &str = "vary0000";

/// A search as heavy as the service accepts: about 490 characters of long words (each could
/// forgive a typo), a word that differs at each request, and a three-letter prefix at the end
/// (which expands to many words).
fn heavy_search() -> String {
    let words: String = (0..60)
        .map(|n| format!("sequencing{n:02} "))
        .collect::<String>()
        .chars()
        .take(476)
        .collect();
    format!("{} {VARY} pro", words.trim_end())
}

/// The innermost filter of the nested ones: valid, so that only the nesting is at fault.
const LEAF_FILTER: &str = "{kinds: [JOURNAL_ARTICLE]}";

/// One attack: a name for the report and the POST body, prepared once.
#[derive(Debug, Clone)]
pub struct Attack {
    pub name: &'static str,
    pub body: String,
}

fn attack(name: &'static str, query: &str) -> Attack {
    Attack {
        name,
        body: json!({ "query": query }).to_string(),
    }
}

/// `{not: {not: ... LEAF ...}}`, `depth` levels.
fn nested_not(depth: usize) -> String {
    format!(
        "{}{LEAF_FILTER}{}",
        "{not: ".repeat(depth),
        "}".repeat(depth)
    )
}

/// `{and: [{and: [ ... LEAF ... ]}]}`, `depth` levels.
fn nested_and(depth: usize) -> String {
    format!(
        "{}{LEAF_FILTER}{}",
        "{and: [".repeat(depth),
        "]}".repeat(depth)
    )
}

fn filtered_count(filter: &str) -> String {
    format!("{{ publications(first: 1, filter: {filter}) {{ totalCount }} }}")
}

/// `publications(first: 20)` of what every one of `ids` wrote, with a page of nodes.
fn all_of(ids: &[String]) -> String {
    let ids = ids
        .iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "publications(first: 20, filter: {{authors: {{allOf: [{ids}]}}}}) \
         {{ totalCount nodes {{ id title }} }}"
    )
}

/// The attack bodies, in the order the attackers cycle through them. `author_ids` are global
/// ids of real authors (see [`author_ids`]); fewer than [`WIDE_ALL_OF`] are repeated.
pub fn attacks(author_ids: &[String]) -> anyhow::Result<Vec<Attack>> {
    if author_ids.is_empty() {
        bail!("the hostile scenario needs author ids; is the catalogue loaded?");
    }
    let ids: Vec<String> = author_ids
        .iter()
        .cycle()
        .take(WIDE_ALL_OF.max(ALIASES * IDS_PER_ALIAS))
        .cloned()
        .collect();

    let mut fragments = String::from("query { viewer { ...F0 } }");
    for n in 0..FRAGMENTS {
        let next = n + 1;
        fragments.push_str(&format!(
            " fragment F{n} on Viewer {{ ...F{next} ...F{next} }}"
        ));
    }
    fragments.push_str(&format!(" fragment F{FRAGMENTS} on Viewer {{ name }}"));

    let aliased = (0..ALIASES)
        .map(|n| {
            let chunk = &ids[n * IDS_PER_ALIAS..(n + 1) * IDS_PER_ALIAS];
            format!("a{n}: {}", all_of(chunk))
        })
        .collect::<Vec<_>>()
        .join(" ");

    let heavy = heavy_search();
    let heavy_or = (0..SEARCHES_PER_FILTER)
        .map(|_| format!("{{search: {}}}", json!(heavy)))
        .collect::<Vec<_>>()
        .join(", ");
    let heavy_list = |alias: &str| {
        format!(
            "{alias}: publications(first: 20, filter: {{or: [{heavy_or}]}})              {{ totalCount facets {{ years {{ year count }} topics {{ count }} }}              edges {{ highlights {{ title {{ text }} }} node {{ id title }} }} }}"
        )
    };
    Ok(vec![
        // As many of the heaviest searches as one document may hold: two lists of four.
        attack(
            "search-2x4-heavy",
            &format!("{{ {} {} }}", heavy_list("a"), heavy_list("b")),
        ),
        attack(
            "search-heavy",
            &format!(
                "{{ publications(first: 20, filter: {{search: {}}}) {{ totalCount nodes {{ id }} }} }}",
                json!(heavy)
            ),
        ),
        attack("not-600", &filtered_count(&nested_not(NOT_DEPTH))),
        attack("not-5000", &filtered_count(&nested_not(DEEP_NOT_DEPTH))),
        attack("and-600", &filtered_count(&nested_and(AND_DEPTH))),
        attack("fragments-2^30", &fragments),
        attack("allOf-10x20", &format!("{{ {aliased} }}")),
        attack("allOf-200", &format!("{{ {} }}", all_of(&ids[..WIDE_ALL_OF]))),
        attack(
            "directives-10k",
            &format!(
                "{{ ... {} {{ __typename }} }}",
                ["@include(if: true)"; DIRECTIVES].join(" ")
            ),
        ),
        // The NUL reaches the service twice over: as a GraphQL string escape in the query
        // text here, and as a JSON escape in a variable below.
        attack(
            "search-nul",
            "{ publications(first: 20, filter: {search: \"protein\\u0000sequence\"}) \
             { totalCount nodes { id title } } }",
        ),
        Attack {
            name: "suggest-nul",
            body: json!({
                "query": "query Suggest($prefix: String!) { suggest(prefix: $prefix) { kind label } }",
                "variables": { "prefix": "pro\u{0}tein" },
            })
            .to_string(),
        },
        attack(
            "cursor-garbage",
            "{ publications(first: 10, after: \"garbage\") { totalCount nodes { id } } }",
        ),
        attack(
            "date-2022-02-30",
            "{ publications(first: 10, filter: {publishedOn: {from: \"2022-02-30\"}}) \
             { totalCount nodes { id } } }",
        ),
    ])
}

/// Global ids of the most prolific authors, most prolific first: intersecting their
/// publication lists is the costliest `allOf` the catalogue allows.
pub async fn author_ids(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let sql = format!(
        "SELECT author_id FROM publication_author GROUP BY author_id \
         ORDER BY COUNT(*) DESC, author_id LIMIT {WIDE_ALL_OF}"
    );
    let mut ids = Vec::new();
    for row in rows(db, &sql).await? {
        let id: i64 = row.try_get_by_index(0).context("author id")?;
        ids.push(global_id("Author", id));
    }
    Ok(ids)
}

/// How the answers to one kind of request ended, by HTTP status class.
#[derive(Debug, Default)]
pub struct StatusCounts {
    success: AtomicU64,
    /// Of the 2xx, those whose body carries GraphQL `errors`: refused or failed in part.
    success_with_errors: AtomicU64,
    client_error: AtomicU64,
    server_error: AtomicU64,
    /// 1xx and 3xx: not expected from this service at all.
    other: AtomicU64,
    /// No answer: the connection failed or the client's timeout passed.
    no_answer: AtomicU64,
}

impl StatusCounts {
    fn record(&self, status: Option<reqwest::StatusCode>, body: &[u8]) {
        if status.is_some_and(|status| status.is_success()) && contains(body, b"\"errors\"") {
            self.success_with_errors.fetch_add(1, Ordering::Relaxed);
        }
        let counter = match status {
            Some(status) if status.is_success() => &self.success,
            Some(status) if status.is_client_error() => &self.client_error,
            Some(status) if status.is_server_error() => &self.server_error,
            Some(_) => &self.other,
            None => &self.no_answer,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatusClasses {
        StatusClasses {
            success: self.success.load(Ordering::Relaxed),
            success_with_errors: self.success_with_errors.load(Ordering::Relaxed),
            client_error: self.client_error.load(Ordering::Relaxed),
            server_error: self.server_error.load(Ordering::Relaxed),
            other: self.other.load(Ordering::Relaxed),
            no_answer: self.no_answer.load(Ordering::Relaxed),
        }
    }
}

/// Answers by HTTP status class, for the report.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct StatusClasses {
    #[serde(rename = "2xx")]
    pub success: u64,
    /// Of the 2xx, those carrying GraphQL `errors`: the service answers many refusals with
    /// 200, so this tells a refused attack from one that was served.
    #[serde(rename = "2xx_with_errors")]
    pub success_with_errors: u64,
    #[serde(rename = "4xx")]
    pub client_error: u64,
    #[serde(rename = "5xx")]
    pub server_error: u64,
    /// 1xx and 3xx.
    pub other: u64,
    pub no_answer: u64,
}

impl StatusClasses {
    pub fn add(&mut self, other: &Self) {
        self.success += other.success;
        self.success_with_errors += other.success_with_errors;
        self.client_error += other.client_error;
        self.server_error += other.server_error;
        self.other += other.other;
        self.no_answer += other.no_answer;
    }
}

impl std::fmt::Display for StatusClasses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "2xx {} ({} with errors), 4xx {}, 5xx {}",
            self.success, self.success_with_errors, self.client_error, self.server_error
        )?;
        if self.other > 0 {
            write!(f, ", other {}", self.other)?;
        }
        if self.no_answer > 0 {
            write!(f, ", no answer {}", self.no_answer)?;
        }
        Ok(())
    }
}

/// The scenario, prepared once.
#[derive(Debug)]
pub struct Hostile {
    pub attacks: Vec<Attack>,
    listing: String,
}

pub async fn prepare(db: &DatabaseConnection) -> anyhow::Result<Hostile> {
    Ok(Hostile {
        attacks: attacks(&author_ids(db).await?)?,
        listing: json!({ "query": BYSTANDER_LISTING }).to_string(),
    })
}

/// The bystander's two requests, as [`load::run_by_kind`] numbers them.
const HEALTHZ: usize = 0;
const LISTING: usize = 1;

async fn bystander_step(api: &Api, hostile: &Hostile, sent: u64) -> (usize, Outcome) {
    if sent.is_multiple_of(2) {
        let outcome = match api.get("/healthz").await {
            Ok(status) if status.is_success() => Outcome::Ok,
            Ok(status) => Outcome::Error(format!("/healthz: HTTP {status}")),
            Err(err) => Outcome::Error(format!("/healthz: {err}")),
        };
        (HEALTHZ, outcome)
    } else {
        let outcome = match api.post(hostile.listing.clone(), None).await {
            Ok(response) if contains(&response, b"\"errors\"") => Outcome::Error(format!(
                "listing: {}",
                String::from_utf8_lossy(&response[..response.len().min(300)])
            )),
            Ok(_) => Outcome::Ok,
            Err(err) => Outcome::Error(format!("listing: {err}")),
        };
        (LISTING, outcome)
    }
}

/// Sends task `task`'s `sent`-th attack. A refusal (4xx, or a 2xx carrying errors) is what
/// the attacks should get, so it counts as answered; a 5xx or no answer is an error.
async fn attack_step(
    api: &Api,
    hostile: &Hostile,
    counts: &[StatusCounts],
    clients: usize,
    task: usize,
    sent: u64,
) -> (usize, Outcome) {
    let index = ((task as u64 + sent * clients as u64) % hostile.attacks.len() as u64) as usize;
    let attack = &hostile.attacks[index];
    let body = if attack.body.contains(VARY) {
        let unique = (sent * clients as u64 + task as u64) % 100_000_000;
        attack.body.replace(VARY, &format!("{unique:08}"))
    } else {
        attack.body.clone()
    };
    let outcome = match api.send(body, None).await {
        Ok((status, body)) => {
            counts[index].record(Some(status), &body);
            if status.is_success() || status.is_client_error() {
                Outcome::Ok
            } else {
                Outcome::Error(format!(
                    "{}: HTTP {status}: {}",
                    attack.name,
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                ))
            }
        }
        Err(err) => {
            counts[index].record(None, &[]);
            Outcome::Error(format!("{}: {err}", attack.name))
        }
    };
    (index, outcome)
}

/// Fails unless the bystander's requests work before the attack starts, so that what is
/// measured under attack is the attack's doing.
pub async fn check(bystander: &Api, hostile: &Hostile) -> anyhow::Result<()> {
    for sent in 0..2 {
        if let (_, Outcome::Error(message)) = bystander_step(bystander, hostile, sent).await {
            bail!("the bystander's request does not work: {message}");
        }
    }
    Ok(())
}

/// What one run measured.
#[derive(Debug)]
pub struct Measured {
    /// Per attack, in the order of [`Hostile::attacks`].
    pub attacks: Vec<(Tally, StatusClasses)>,
    pub healthz: Tally,
    pub listing: Tally,
}

impl Measured {
    /// Every attack's latencies and answers together.
    pub fn attackers(&self) -> anyhow::Result<(Tally, StatusClasses)> {
        let mut tally = Tally::new()?;
        let mut statuses = StatusClasses::default();
        for (attack, classes) in &self.attacks {
            tally.merge(attack);
            statuses.add(classes);
        }
        Ok((tally, statuses))
    }
}

/// Runs `clients` attackers (closed loop, on `attackers`) and the bystander (one client, on
/// `bystander`: its own connection, as a separate visitor has) side by side for `duration`.
pub async fn run(
    attackers: &Arc<Api>,
    bystander: &Arc<Api>,
    hostile: &Arc<Hostile>,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Measured> {
    let counts: Arc<Vec<StatusCounts>> = Arc::new(
        hostile
            .attacks
            .iter()
            .map(|_| StatusCounts::default())
            .collect(),
    );
    let attack = {
        let api = Arc::clone(attackers);
        let hostile = Arc::clone(hostile);
        let counts = Arc::clone(&counts);
        move |task: usize, sent: u64| {
            let api = Arc::clone(&api);
            let hostile = Arc::clone(&hostile);
            let counts = Arc::clone(&counts);
            async move { attack_step(&api, &hostile, &counts, clients, task, sent).await }
        }
    };
    let watch = {
        let api = Arc::clone(bystander);
        let hostile = Arc::clone(hostile);
        move |_task: usize, sent: u64| {
            let api = Arc::clone(&api);
            let hostile = Arc::clone(&hostile);
            async move { bystander_step(&api, &hostile, sent).await }
        }
    };
    let (attacked, watched) = tokio::try_join!(
        load::run_by_kind(clients, duration, hostile.attacks.len(), attack),
        load::run_by_kind(1, duration, 2, watch),
    )?;
    let mut watched = watched.into_iter();
    let healthz = watched.next().context("no tally of /healthz")?;
    let listing = watched.next().context("no tally of the listing")?;
    Ok(Measured {
        attacks: attacked
            .into_iter()
            .zip(counts.iter().map(StatusCounts::snapshot))
            .collect(),
        healthz,
        listing,
    })
}
