//! The scenarios: what a page of the catalogue asks the API, prepared once (ids, cursors,
//! prefixes, a token) and then replayed under load.

use std::sync::Arc;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::load::{Api, Edited, Outcome};

/// The scenarios, in the order they run. `editor` comes last of the default ones: its edits
/// move the catalogue revision, which empties the count caches the others rely on.
/// `hostile`, `subscriptions`, `chaos` and `storm` run only when asked for (see
/// [`Scenario::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    Listing,
    Filtered,
    Search,
    /// The same broad search, each request spelt differently (an excluded word that no
    /// publication holds), so that the instance's cache of answers never has it.
    SearchUncached,
    Deep,
    Author,
    /// The author page with each card as the publications page shows it.
    AuthorCards,
    Facets,
    /// A filter never asked before on every request, with the page's facets.
    Varied,
    Suggest,
    Editor,
    /// Attackers sending the worst requests known while a bystander measures `/healthz` and
    /// a plain listing: see [`crate::hostile`].
    Hostile,
    /// Subscribers on two instances reading the events of steady edits: see
    /// [`crate::subscriptions`].
    Subscriptions,
    /// Two instances on a fresh database under load while connections drop, an instance is
    /// killed and an index directory stops taking writes; then what clients rely on is
    /// checked: see [`crate::chaos`].
    Chaos,
    /// One instance on a fresh database under storms of WebSockets, each holding many
    /// subscriptions with filters never seen before that replay the change feed, while an
    /// editor and a reader measure the service; then its memory and subscriptions are
    /// checked: see [`crate::storm`].
    Storm,
}

impl Scenario {
    /// The scenarios run when none is named. `hostile` is not among them: its attackers
    /// load the server (CPU, memory, the pool) far beyond the others, and what they leave
    /// behind would disturb the figures of whatever ran after them. Nor is `subscriptions`,
    /// which starts a second instance and edits a publication per mutation.
    pub const ALL: [Self; 11] = [
        Self::Listing,
        Self::Filtered,
        Self::Search,
        Self::SearchUncached,
        Self::Deep,
        Self::Author,
        Self::AuthorCards,
        Self::Facets,
        Self::Varied,
        Self::Suggest,
        Self::Editor,
    ];

    /// Every scenario, in the order they run when several are named.
    pub const EVERY: [Self; 15] = [
        Self::Listing,
        Self::Filtered,
        Self::Search,
        Self::SearchUncached,
        Self::Deep,
        Self::Author,
        Self::AuthorCards,
        Self::Facets,
        Self::Varied,
        Self::Suggest,
        Self::Editor,
        Self::Hostile,
        Self::Subscriptions,
        Self::Chaos,
        Self::Storm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Filtered => "filtered",
            Self::Search => "search",
            Self::SearchUncached => "search-uncached",
            Self::Deep => "deep",
            Self::Author => "author",
            Self::AuthorCards => "author-cards",
            Self::Facets => "facets",
            Self::Varied => "varied",
            Self::Suggest => "suggest",
            Self::Editor => "editor",
            Self::Hostile => "hostile",
            Self::Subscriptions => "subscriptions",
            Self::Chaos => "chaos",
            Self::Storm => "storm",
        }
    }
}

/// What the tasks of a scenario send.
pub enum Requests {
    /// These JSON bodies, in turn.
    Cycle(Vec<String>),
    /// `updatePublication` on random publications of the pool, with the version last seen.
    Edit { pool: Vec<Edited>, token: String },
}

/// A scenario ready to run.
pub struct Prepared {
    pub scenario: Scenario,
    pub requests: Requests,
    /// What was chosen while preparing (a topic, a cursor's depth...), for the report.
    pub note: String,
}

/// What preparing needs.
pub struct Context<'a> {
    pub api: &'a Api,
    pub db: &'a DatabaseConnection,
    /// The editor token, for the `editor` scenario.
    pub token: Option<&'a str>,
}

pub(crate) fn global_id(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn body(query: &str, variables: Value) -> String {
    json!({ "query": query, "variables": variables }).to_string()
}

/// The listing page: 20 publications with their first three authors, venue and topics, and
/// how many there are.
pub fn listing_query(operation: &str) -> String {
    format!(
        "query {operation}($first: Int!, $after: String, $filter: PublicationFilter) {{ \
         publications(first: $first, after: $after, filter: $filter) {{ totalCount \
         pageInfo {{ endCursor hasNextPage }} \
         nodes {{ id title year authorCount \
         authors(first: 3) {{ edges {{ position node {{ name }} }} }} \
         venue {{ name }} topics {{ name }} }} }} }}"
    )
}

/// The body of the listing scenario, which the baseline replays too.
pub fn listing_body() -> String {
    body(&listing_query("Listing"), json!({ "first": 20 }))
}

/// The largest page the API serves (`first` is 0 to 100; see schema.graphql).
const MAX_PAGE: i64 = 100;
/// How deep the `deep` scenario reads.
const DEEP_OFFSET: i64 = 50_000;
/// A two-word search that many generated abstracts match.
pub const SEARCH: &str = "protein sequence";
/// How many spellings of the search `search-uncached` cycles through: more than the answers
/// an instance keeps (`ANSWERS_KEPT` in api/src/index/mod.rs, 2,000), so none is kept.
const UNCACHED_SEARCHES: usize = 4_000;

/// The share of the catalogue the search scenario's search must match to be a broad one.
pub const BROAD_SEARCH_SHARE: f64 = 0.30;

/// A page of search results: 20 cards as the listing shows them, each with where the
/// search matched its title and abstract, and how many match in all.
pub fn search_query() -> &'static str {
    "query Search($first: Int!, $filter: PublicationFilter) { \
     publications(first: $first, filter: $filter) { totalCount \
     pageInfo { endCursor hasNextPage } \
     edges { highlights { title { text matched } abstract { text matched } } \
     node { id title year authorCount \
     authors(first: 3) { edges { position node { name } } } \
     venue { name } topics { name } } } } }"
}

/// How many publications `filter` matches of how many there are, as an anonymous caller
/// sees them.
async fn share(api: &Api, filter: Value) -> anyhow::Result<(i64, i64)> {
    let query = "query Share($filter: PublicationFilter) { \
                 all: publications(first: 0) { totalCount } \
                 matched: publications(first: 0, filter: $filter) { totalCount } }";
    let data = api
        .query(
            &json!({ "query": query, "variables": { "filter": filter } }),
            None,
        )
        .await
        .context("failed to count the search's matches")?;
    Ok((
        data["matched"]["totalCount"].as_i64().unwrap_or(0),
        data["all"]["totalCount"].as_i64().unwrap_or(0),
    ))
}

pub(crate) async fn rows(
    db: &DatabaseConnection,
    sql: &str,
) -> anyhow::Result<Vec<sea_orm::QueryResult>> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .with_context(|| format!("failed to run {sql}"))
}

async fn first_id(db: &DatabaseConnection, sql: &str) -> anyhow::Result<(i64, String)> {
    let row = rows(db, sql)
        .await?
        .into_iter()
        .next()
        .with_context(|| format!("no row from {sql}; is the catalogue loaded?"))?;
    Ok((
        row.try_get_by_index(0).context("id")?,
        row.try_get_by_index(1).context("name")?,
    ))
}

/// The author of the most publications.
async fn most_prolific_author(db: &DatabaseConnection) -> anyhow::Result<(i64, String)> {
    first_id(
        db,
        "SELECT a.id, a.name FROM author a JOIN \
         (SELECT author_id, COUNT(*) AS n FROM publication_author GROUP BY author_id \
          ORDER BY n DESC, author_id LIMIT 1) top ON top.author_id = a.id",
    )
    .await
}

/// The five facets of a publications page.
const FACETS: &str = "facets { years { year count } kinds { kind count } \
                      venueKinds { kind count } venues(first: 10) { venue { name } count } \
                      topics(first: 10) { topic { name } count } }";

/// The topic with subtopics that files the most publications.
async fn parent_topic(db: &DatabaseConnection) -> anyhow::Result<(i64, String)> {
    first_id(
        db,
        "SELECT t.id, t.name FROM topic t \
         WHERE EXISTS (SELECT 1 FROM topic c WHERE c.parent_id = t.id) \
         ORDER BY (SELECT COUNT(*) FROM publication_topic pt WHERE pt.topic_id = t.id) DESC, t.id \
         LIMIT 1",
    )
    .await
}

pub async fn prepare(scenario: Scenario, cx: &Context<'_>) -> anyhow::Result<Prepared> {
    let fixed = |body: String, note: String| Prepared {
        scenario,
        requests: Requests::Cycle(vec![body]),
        note,
    };
    Ok(match scenario {
        Scenario::Listing => fixed(listing_body(), "first 20, no filter".into()),
        Scenario::Filtered => {
            let (topic, name) = parent_topic(cx.db).await?;
            let filter = json!({
                "topics": { "anyOf": [global_id("Topic", topic)] },
                "year": { "from": 2015, "to": 2019 },
            });
            fixed(
                body(
                    &listing_query("Filtered"),
                    json!({ "first": 20, "filter": filter }),
                ),
                format!("topic {name:?} and its subtopics, 2015-2019"),
            )
        }
        Scenario::Search => {
            let filter = json!({ "search": SEARCH });
            let (matched, all) = share(cx.api, filter.clone()).await?;
            let ratio = if all > 0 {
                matched as f64 / all as f64
            } else {
                0.0
            };
            let verdict = if ratio >= BROAD_SEARCH_SHARE {
                "broad"
            } else {
                "NOT broad"
            };
            fixed(
                body(search_query(), json!({ "first": 20, "filter": filter })),
                format!(
                    "search {SEARCH:?} with highlights: matches {matched} of {all} ({:.1}%, {verdict}: >= {:.0}% wanted)",
                    ratio * 100.0,
                    BROAD_SEARCH_SHARE * 100.0
                ),
            )
        }
        Scenario::SearchUncached => {
            // The excluded word first, so that the last word is still typed last (a prefix).
            let spelt = |n: usize| format!("-xq{n:05} {SEARCH}");
            let (matched, all) = share(cx.api, json!({ "search": spelt(0) })).await?;
            let bodies = (0..UNCACHED_SEARCHES)
                .map(|n| {
                    body(
                        search_query(),
                        json!({ "first": 20, "filter": { "search": spelt(n) } }),
                    )
                })
                .collect();
            let ratio = if all > 0 {
                matched as f64 / all as f64
            } else {
                0.0
            };
            Prepared {
                scenario,
                requests: Requests::Cycle(bodies),
                note: format!(
                    "{UNCACHED_SEARCHES} spellings of {:?} with highlights: matches {matched} of {all} ({:.1}%)",
                    spelt(0),
                    ratio * 100.0
                ),
            }
        }
        Scenario::Deep => {
            let (cursor, depth) = walk(cx.api, DEEP_OFFSET).await?;
            fixed(
                body(
                    &listing_query("Deep"),
                    json!({ "first": 20, "after": cursor }),
                ),
                format!("the page after row {depth}"),
            )
        }
        Scenario::Author => {
            let (author, name) = most_prolific_author(cx.db).await?;
            let query = "query AuthorPage($id: ID!) { author(id: $id) { name \
                         publications(first: 20) { totalCount \
                         nodes { title year venue { name } authorCount } } } }";
            fixed(
                body(query, json!({ "id": global_id("Author", author) })),
                format!("most prolific author, {name}"),
            )
        }
        Scenario::AuthorCards => {
            let (author, name) = most_prolific_author(cx.db).await?;
            let query = "query AuthorCards($id: ID!) { author(id: $id) { name \
                         publications(first: 20) { totalCount \
                         nodes { id title year publishedOnDisplay authorCount \
                         authors(first: 3) { nodes { name } } \
                         venue { name kind } topics { name } } } } }";
            fixed(
                body(query, json!({ "id": global_id("Author", author) })),
                format!("most prolific author, {name}, with full cards"),
            )
        }
        Scenario::Varied => {
            let query = format!(
                "query Varied($filter: PublicationFilter) {{ \
                 publications(first: 20, filter: $filter) {{ totalCount \
                 nodes {{ id title year publishedOnDisplay authorCount \
                 authors(first: 3) {{ nodes {{ name }} }} venue {{ name }} topics {{ name }} }} \
                 {FACETS} }} }}"
            );
            let topics = rows(cx.db, "SELECT id FROM topic ORDER BY id").await?;
            let kinds = [
                None,
                Some("JOURNAL_ARTICLE"),
                Some("CONFERENCE_PAPER"),
                Some("PREPRINT"),
                Some("TECHNICAL_REPORT"),
            ];
            let mut bodies = Vec::new();
            // Topic x a three-year window x a kind: thousands of filters, each asked once a
            // cycle, in an order that never repeats a neighbour's filter.
            for from in (1990..2024).step_by(2) {
                for kind in kinds {
                    for row in &topics {
                        let id: i64 = row.try_get_by_index(0).context("topic id")?;
                        let mut filter = json!({
                            "topics": { "anyOf": [global_id("Topic", id)] },
                            "year": { "from": from, "to": from + 2 },
                        });
                        if let Some(kind) = kind {
                            filter["kinds"] = json!([kind]);
                        }
                        bodies.push(body(&query, json!({ "filter": filter })));
                    }
                }
            }
            let note = format!(
                "{} filters (topic x 3-year window x kind), each once a cycle, with facets",
                bodies.len()
            );
            Prepared {
                scenario,
                requests: Requests::Cycle(bodies),
                note,
            }
        }
        Scenario::Facets => {
            let query = format!(
                "query Facets($filter: PublicationFilter) {{ \
                 publications(first: 20, filter: $filter) {{ totalCount \
                 nodes {{ id title year }} {FACETS} }} }}"
            );
            let query = query.as_str();
            let topics = rows(cx.db, "SELECT id FROM topic ORDER BY id").await?;
            let mut bodies = vec![body(query, json!({}))];
            for row in topics {
                let id: i64 = row.try_get_by_index(0).context("topic id")?;
                bodies.push(body(
                    query,
                    json!({ "filter": { "topics": { "anyOf": [global_id("Topic", id)] } } }),
                ));
            }
            let note = format!("no filter, then each of {} topics", bodies.len() - 1);
            Prepared {
                scenario,
                requests: Requests::Cycle(bodies),
                note,
            }
        }
        Scenario::Suggest => {
            let prefixes = prefixes(cx.db).await?;
            let query = "query Suggest($prefix: String!) { suggest(prefix: $prefix) { kind label node { id } } }";
            let note = format!(
                "{} three-letter prefixes of names ({}...)",
                prefixes.len(),
                prefixes
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Prepared {
                scenario,
                requests: Requests::Cycle(
                    prefixes
                        .into_iter()
                        .map(|prefix| body(query, json!({ "prefix": prefix })))
                        .collect(),
                ),
                note,
            }
        }
        Scenario::Editor => {
            let token = cx
                .token
                .context("the editor scenario needs a token")?
                .to_owned();
            let sample = rows(
                cx.db,
                "SELECT id, version FROM publication WHERE id % 37 = 0 ORDER BY id LIMIT 2000",
            )
            .await?;
            let mut pool = Vec::with_capacity(sample.len());
            for row in sample {
                let id: i64 = row.try_get_by_index(0).context("publication id")?;
                let version: i32 = row.try_get_by_index(1).context("publication version")?;
                pool.push(Edited::new(
                    global_id("Publication", id),
                    i64::from(version),
                ));
            }
            if pool.is_empty() {
                bail!("no publication to edit; is the catalogue loaded?");
            }
            let note = format!("updatePublication(url) on {} publications", pool.len());
            Prepared {
                scenario,
                requests: Requests::Edit { pool, token },
                note,
            }
        }
        // Its attackers and bystander need more than a list of bodies for one kind of client.
        Scenario::Hostile => bail!("the hostile scenario is prepared by hostile::prepare"),
        // WebSockets and a ticker of edits, not a list of bodies for closed-loop clients.
        Scenario::Subscriptions => {
            bail!("the subscriptions scenario is prepared by subscriptions::prepare")
        }
        // Instances, faults and checks of its own: see chaos::run.
        Scenario::Chaos => bail!("the chaos scenario runs by chaos::run"),
        Scenario::Storm => bail!("the storm scenario runs by storm::run"),
    })
}

/// Walks the default listing in pages of the largest size to the page after row `offset`
/// (or half the list when it is shorter); its cursor and the depth reached.
async fn walk(api: &Api, offset: i64) -> anyhow::Result<(String, i64)> {
    let query = "query DeepWalk($first: Int!, $after: String) { publications(first: $first, after: $after) { totalCount pageInfo { endCursor hasNextPage } } }";
    let mut after: Option<String> = None;
    let mut depth = 0;
    let mut target = offset;
    while depth < target {
        let first = MAX_PAGE.min(target - depth);
        let data = api
            .query(
                &json!({ "query": query, "variables": { "first": first, "after": after } }),
                None,
            )
            .await
            .context("failed to walk the listing")?;
        let connection = &data["publications"];
        let total = connection["totalCount"].as_i64().unwrap_or(0);
        if total < target + 20 {
            target = total / 2;
        }
        after = connection["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        depth += first;
        if after.is_none() {
            bail!("the listing ended after {depth} rows");
        }
    }
    Ok((after.context("the listing is empty")?, depth))
}

/// Three-letter prefixes of author, venue and topic names, as someone typing would send.
async fn prefixes(db: &DatabaseConnection) -> anyhow::Result<Vec<String>> {
    let mut prefixes = Vec::new();
    for sql in [
        "SELECT name FROM author ORDER BY id LIMIT 400",
        "SELECT name FROM venue ORDER BY id LIMIT 100",
        "SELECT name FROM topic ORDER BY id",
    ] {
        for row in rows(db, sql).await? {
            let name: String = row.try_get_by_index(0).context("name")?;
            for word in name.split_whitespace() {
                let prefix: String = word.chars().take(3).collect();
                if prefix.chars().count() == 3
                    && prefix.chars().all(char::is_alphabetic)
                    && !prefixes.contains(&prefix)
                {
                    prefixes.push(prefix);
                }
            }
        }
    }
    if prefixes.is_empty() {
        bail!("no names to take prefixes from; is the catalogue loaded?");
    }
    // Interleave kinds and letters rather than run through one name list in order.
    let n = prefixes.len();
    let stride = (1..n)
        .rev()
        .find(|s| gcd(*s, n) == 1 && *s < n / 2)
        .unwrap_or(1);
    Ok((0..n).map(|i| prefixes[(i * stride) % n].clone()).collect())
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// A well-mixed 64-bit hash (splitmix64), to pick publications without shared state.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const EDIT: &str = "mutation Edit($input: UpdatePublicationInput!) { updatePublication(input: $input) { publication { version } userErrors { code message } } }";

/// Sends task `task`'s `sent`-th request of `prepared` and says how it went.
pub async fn step(
    api: &Api,
    prepared: &Prepared,
    clients: usize,
    task: usize,
    sent: u64,
) -> Outcome {
    match &prepared.requests {
        Requests::Cycle(bodies) => {
            let index = (task as u64 + sent * clients as u64) % bodies.len() as u64;
            let body = bodies[index as usize].clone();
            match api.post(body, None).await {
                Ok(response) => {
                    if contains(&response, b"\"errors\"") {
                        Outcome::Error(
                            String::from_utf8_lossy(&response[..response.len().min(300)])
                                .into_owned(),
                        )
                    } else {
                        Outcome::Ok
                    }
                }
                Err(err) => Outcome::Error(err),
            }
        }
        Requests::Edit { pool, token } => {
            let index = mix(((task as u64) << 40) ^ sent) % pool.len() as u64;
            let edited = &pool[index as usize];
            let body = body(
                EDIT,
                json!({ "input": {
                    "id": edited.id,
                    "expectedVersion": edited.version(),
                    "url": format!("https://papers.example.org/edited/{task}-{sent}"),
                } }),
            );
            match api.post(body, Some(token)).await {
                Ok(response) => edit_outcome(&response, edited),
                Err(err) => Outcome::Error(err),
            }
        }
    }
}

fn edit_outcome(response: &[u8], edited: &Edited) -> Outcome {
    let Ok(value) = serde_json::from_slice::<Value>(response) else {
        return Outcome::Error("the answer is not JSON".into());
    };
    if let Some(errors) = value.get("errors") {
        return Outcome::Error(errors.to_string());
    }
    let payload = &value["data"]["updatePublication"];
    if let Some(version) = payload["publication"]["version"].as_i64() {
        edited.seen(version);
        return Outcome::Ok;
    }
    match payload["userErrors"][0]["code"].as_str() {
        Some("CONFLICT") => Outcome::Conflict,
        _ => Outcome::Error(payload.to_string()),
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Runs one request of the scenario and fails when it does not succeed, so that a broken
/// query is not measured.
pub async fn check(api: &Api, prepared: &Prepared) -> anyhow::Result<()> {
    match step(api, prepared, 1, 0, 0).await {
        Outcome::Ok | Outcome::Conflict => Ok(()),
        Outcome::Error(message) => bail!("{} does not work: {message}", prepared.scenario.name()),
    }
}

/// Shares a prepared scenario with the load tasks.
pub fn shared(prepared: Prepared) -> Arc<Prepared> {
    Arc::new(prepared)
}
