//! The read index against plain SQL. A generated catalogue of a few thousand publications,
//! random edits through the API, then hundreds of random lists (filters, orderings,
//! audiences, page walks) whose pages, `totalCount`, `pageInfo` and facets the service
//! serves from its index and the test computes again from the tables: the matching rows by
//! a SQL condition built from the same filter, their order by the documented rules, the
//! facets by `GROUP BY`.
//!
//! Everything random follows one seed (`READ_INDEX_SEED=<n>` tries another); a mismatch names
//! the seed and the case, with the filter, the ordering, the SQL and both answers.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use api::graphql::{GlobalId, NodeKind};
use catalogue_tests::{Backend, TestApp, on_both_databases, spawn_app_with};
use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use entity::{author, publication, publication_author, publication_topic, topic, venue};
use rand::seq::IndexedRandom as _;
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveEnum as _, ActiveModelTrait as _, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel as _, Iterable as _, Statement, TransactionTrait as _,
};
use serde_json::{Map, Value, json};

on_both_databases!(the_read_index_agrees_with_sql_on_random_lists);

/// The seed of every random choice, unless `READ_INDEX_SEED` names another.
const SEED: u64 = 20_261_201;
const PUBLICATIONS: i64 = 2500;
const AUTHORS: i64 = 300;
const VENUES: i64 = 30;
/// Edits made through the API once the catalogue is loaded.
const EDITS: usize = 40;
/// Random lists compared.
const CASES: usize = 320;

fn seed() -> u64 {
    std::env::var("READ_INDEX_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(SEED)
}

async fn the_read_index_agrees_with_sql_on_random_lists(backend: Backend) {
    let seed = seed();
    let app = spawn_app_with(backend, &[("SEED_SAMPLE", "false")]).await;
    load_catalogue(&app, &mut ChaCha8Rng::seed_from_u64(seed)).await;
    let token = app.editor_token("differential").await;
    edit_through_the_api(&app, &token, &mut ChaCha8Rng::seed_from_u64(seed ^ 0xed17)).await;

    let catalogue = Catalogue::read(&app.db).await;
    // First the ends of the whole list in every ordering, a row at a time: there cursors
    // stand beyond every key of the index's older segments (the edits' outlying titles).
    let mut number = 0;
    for (field, _) in FIELDS {
        for (descending, forward) in [(false, true), (false, false), (true, true), (true, false)] {
            let case = Case {
                filter: Filter::default(),
                order: Some(vec![(field, descending)]),
                editor: true,
                owner: None,
                forward,
                size: 1,
                pages: 3,
            };
            compare(&app, &token, &catalogue, seed, number, &case).await;
            number += 1;
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xca5e);
    let mut non_empty = 0;
    for _ in 0..CASES {
        let case = Case::random(&mut rng, &catalogue);
        if compare(&app, &token, &catalogue, seed, number, &case).await {
            non_empty += 1;
        }
        number += 1;
    }
    // Lists that are all empty would agree without proving anything.
    assert!(
        non_empty >= CASES / 3,
        "seed {seed}: only {non_empty} of {CASES} random lists held a publication"
    );
}

// ---------------------------------------------------------------------------------------
// The catalogue, generated and bulk-loaded.

/// Words of generated titles: accents, Greek, digits, punctuation, a dotted capital I (whose
/// lower case is longer), so that case-insensitive ordering meets more than ASCII.
const WORDS: [&str; 32] = [
    "Scaling",
    "laws",
    "for",
    "multilingual",
    "language",
    "models",
    "BLOOM",
    "attention",
    "is",
    "all",
    "you",
    "need",
    "über",
    "Évaluation",
    "zero-shot",
    "data",
    "Zebra",
    "αβ-Decoding",
    "3D",
    "the",
    "of",
    "a",
    "benchmark",
    "tokenizers",
    "French",
    "biology",
    "(Re)thinking",
    "Ärzte",
    "İzmir",
    "_under",
    "~tilde",
    "Ωmega",
];

/// A title from the pool, as is or with its case changed: titles repeat, and some differ
/// only by case.
fn title(rng: &mut ChaCha8Rng, pool: &[String]) -> String {
    let base = pool.choose(rng).expect("a title pool");
    match rng.random_range(0..10) {
        0 | 1 => base.to_lowercase(),
        2 => base.to_uppercase(),
        3 => {
            let mut chars = base.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            format!("{}{}", first.unwrap_or_default(), chars.as_str())
        }
        _ => base.clone(),
    }
}

/// Beginnings of edited titles that sort before ("!") or after ("ﬁ", "🦀") every title
/// of the generated catalogue: a cursor can then stand beyond every title of a segment.
const OUTLYING: [&str; 3] = ["!", "\u{fb01}nal", "\u{1f980}"];

/// A title for an edit: from the pool, or (always when `outlying`, else now and then) one
/// outside its range.
fn edited_title(rng: &mut ChaCha8Rng, pool: &[String], outlying: bool) -> String {
    let title = title(rng, pool);
    if outlying || rng.random_bool(0.3) {
        format!("{} {title}", OUTLYING.choose(rng).expect("outlying words"))
    } else {
        title
    }
}

/// Titles of one to five words: a thousand, so that titles both repeat and spread widely.
fn title_pool(rng: &mut ChaCha8Rng) -> Vec<String> {
    (0..1000)
        .map(|_| {
            let words = rng.random_range(1..=5);
            (0..words)
                .map(|_| *WORDS.choose(rng).expect("words"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A date known to the year, the month or the day, as the API writes it.
#[derive(Debug, Clone, Copy)]
enum PartialDate {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    fn random(rng: &mut ChaCha8Rng, years: std::ops::RangeInclusive<i32>) -> Self {
        let year = rng.random_range(years);
        let month = rng.random_range(1..=12);
        match rng.random_range(0..3) {
            0 => Self::Year(year),
            1 => Self::Month(year, month),
            _ => Self::Day(
                NaiveDate::from_ymd_opt(year, month, rng.random_range(1..=28)).expect("a date"),
            ),
        }
    }

    fn text(self) -> String {
        match self {
            Self::Year(year) => format!("{year}"),
            Self::Month(year, month) => format!("{year}-{month:02}"),
            Self::Day(date) => date.to_string(),
        }
    }

    /// The first day of the period.
    fn first(self) -> NaiveDate {
        match self {
            Self::Year(year) => NaiveDate::from_ymd_opt(year, 1, 1).expect("a year"),
            Self::Month(year, month) => NaiveDate::from_ymd_opt(year, month, 1).expect("a month"),
            Self::Day(date) => date,
        }
    }

    /// The last day of the period.
    fn last(self) -> NaiveDate {
        match self {
            Self::Year(year) => NaiveDate::from_ymd_opt(year, 12, 31).expect("a year"),
            Self::Month(year, month) => {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).expect("a month") - Duration::days(1)
            }
            Self::Day(date) => date,
        }
    }

    fn precision(self) -> publication::DatePrecision {
        match self {
            Self::Year(_) => publication::DatePrecision::Year,
            Self::Month(..) => publication::DatePrecision::Month,
            Self::Day(_) => publication::DatePrecision::Day,
        }
    }
}

/// An author id, most often one of the first few: some authors have hundreds of
/// publications, so that author filters match more than a handful.
fn popular_author(rng: &mut ChaCha8Rng) -> i64 {
    let share: f64 = rng.random();
    1 + ((share * share * share) * AUTHORS as f64) as i64
}

/// `count` different authors, the popular ones most often.
fn distinct_authors(rng: &mut ChaCha8Rng, count: usize) -> Vec<i64> {
    let mut chosen: Vec<i64> = Vec::with_capacity(count);
    while chosen.len() < count {
        let id = popular_author(rng);
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    chosen
}

/// Topics three levels deep: roots, their children, and grandchildren under some children.
fn topic_tree(rng: &mut ChaCha8Rng) -> Vec<(i64, Option<i64>)> {
    let mut topics = Vec::new();
    let mut next = 0;
    let mut new_id = || {
        next += 1;
        next
    };
    for _ in 0..5 {
        let root = new_id();
        topics.push((root, None));
        for _ in 0..3 {
            let child = new_id();
            topics.push((child, Some(root)));
            for _ in 0..rng.random_range(0..=2) {
                topics.push((new_id(), Some(child)));
            }
        }
    }
    topics
}

/// Inserts the generated catalogue in one transaction, then gives it a revision so that the
/// instance's index applies it like any change.
async fn load_catalogue(app: &TestApp, rng: &mut ChaCha8Rng) {
    let epoch = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .expect("a time");
    let venue_kinds: Vec<venue::Kind> = venue::Kind::iter().collect();
    let kinds: Vec<publication::Kind> = publication::Kind::iter().collect();

    let topics: Vec<topic::ActiveModel> = topic_tree(rng)
        .into_iter()
        .map(|(id, parent_id)| {
            topic::Model {
                id,
                slug: format!("topic-{id}"),
                name: format!("Topic {id}"),
                description: None,
                parent_id,
                created_at: epoch,
                updated_at: epoch,
                version: 1,
            }
            .into_active_model()
            .reset_all()
        })
        .collect();
    let venues: Vec<venue::ActiveModel> = (1..=VENUES)
        .map(|id| {
            venue::Model {
                id,
                slug: format!("venue-{id}"),
                name: format!("Venue {id}"),
                short_name: rng.random_bool(0.5).then(|| format!("V{id}")),
                kind: *venue_kinds.choose(rng).expect("venue kinds"),
                year: rng.random_bool(0.5).then(|| 2000 + (id as i32) % 25),
                url: None,
                created_at: epoch,
                updated_at: epoch,
                version: 1,
            }
            .into_active_model()
            .reset_all()
        })
        .collect();
    let authors: Vec<author::ActiveModel> = (1..=AUTHORS)
        .map(|id| {
            author::Model {
                id,
                slug: format!("author-{id}"),
                name: format!("Author {id}"),
                orcid: None,
                affiliation: None,
                url: None,
                created_at: epoch,
                updated_at: epoch,
                version: 1,
            }
            .into_active_model()
            .reset_all()
        })
        .collect();

    let pool = title_pool(rng);
    let topic_count = topics.len() as i64;
    let mut publications = Vec::new();
    let mut bylines = Vec::new();
    let mut filed = Vec::new();
    for id in 1..=PUBLICATIONS {
        let status = match rng.random_range(0..20) {
            0..=11 => publication::Status::Published,
            12..=16 => publication::Status::Draft,
            _ => publication::Status::Archived,
        };
        let date = rng
            .random_bool(0.88)
            .then(|| PartialDate::random(rng, 1995..=2025));
        // Few distinct timestamps, so that orderings on them meet ties the id must break.
        let created_at = epoch
            + Duration::minutes(rng.random_range(0..300))
            + Duration::microseconds(rng.random_range(0..2));
        let updated_at = created_at + Duration::hours(rng.random_range(0..3));
        publications.push(
            publication::Model {
                id,
                slug: format!("generated-{id}"),
                title: title(rng, &pool),
                r#abstract: None,
                kind: *kinds.choose(rng).expect("kinds"),
                status,
                published_on: date.map(PartialDate::first),
                published_on_precision: date.map(PartialDate::precision),
                venue_id: rng.random_bool(0.8).then(|| rng.random_range(1..=VENUES)),
                doi: rng
                    .random_bool(0.4)
                    .then(|| format!("10.5555/generated.{id}")),
                arxiv_id: rng.random_bool(0.25).then(|| format!("2401.{id:05}")),
                url: None,
                pdf_url: rng
                    .random_bool(0.4)
                    .then(|| format!("https://example.org/{id}.pdf")),
                created_at,
                updated_at,
                version: 1,
            }
            .into_active_model()
            .reset_all(),
        );
        // Only a draft may be without authors.
        let least = usize::from(status != publication::Status::Draft);
        let count = rng.random_range(least..=6);
        let byline = distinct_authors(rng, count);
        for (position, author_id) in (1..).zip(byline) {
            bylines.push(publication_author::ActiveModel {
                publication_id: sea_orm::Set(id),
                author_id: sea_orm::Set(author_id),
                position: sea_orm::Set(position),
            });
        }
        let mut topic_ids: Vec<i64> = (0..rng.random_range(0..=3))
            .map(|_| rng.random_range(1..=topic_count))
            .collect();
        topic_ids.sort_unstable();
        topic_ids.dedup();
        for topic_id in topic_ids {
            filed.push(publication_topic::ActiveModel {
                publication_id: sea_orm::Set(id),
                topic_id: sea_orm::Set(topic_id),
            });
        }
    }

    let txn = app.db.begin().await.expect("a transaction");
    // Parents come before their children, so the tree's foreign key holds row by row.
    for chunk in topics.chunks(200) {
        topic::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("topics");
    }
    venue::Entity::insert_many(venues)
        .exec_without_returning(&txn)
        .await
        .expect("venues");
    author::Entity::insert_many(authors)
        .exec_without_returning(&txn)
        .await
        .expect("authors");
    for chunk in publications.chunks(200) {
        publication::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("publications");
    }
    for chunk in bylines.chunks(1000) {
        publication_author::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("author lists");
    }
    for chunk in filed.chunks(1000) {
        publication_topic::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await
            .expect("topic links");
    }
    if app.db.get_database_backend() == DbBackend::Postgres {
        // The ids were given: the sequences continue after them, for the rows edits create.
        for table in ["topic", "venue", "author", "publication"] {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await
            .expect("a sequence moved past the generated ids");
        }
    }
    api::service::feed::record(&txn, "test")
        .await
        .expect("a revision for the load");
    txn.commit().await.expect("the catalogue, committed");
}

// ---------------------------------------------------------------------------------------
// Edits through the API.

fn global_id(kind: NodeKind, id: i64) -> String {
    GlobalId::new(kind, id).encode().0
}

fn database_id(global: &Value) -> i64 {
    let text = global.as_str().expect("an id");
    GlobalId::decode("id", text)
        .expect("an id this server made")
        .id
}

/// The GraphQL name of an enum's database value ("preprint_server" is PREPRINT_SERVER).
fn graphql_enum(value: &str) -> String {
    value.to_uppercase()
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    row.try_get_by_index::<i64>(0)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

async fn version(app: &TestApp, table: &str, id: i64) -> i64 {
    scalar(
        &app.db,
        &format!("SELECT CAST(version AS BIGINT) FROM {table} WHERE id = {id}"),
    )
    .await
}

/// Runs a mutation as the editor and asserts that it took effect; returns its payload.
async fn mutate(
    app: &TestApp,
    token: &str,
    mutation: &str,
    selection: &str,
    input: Value,
) -> Value {
    let input_type = format!("{}{}Input", mutation[..1].to_uppercase(), &mutation[1..]);
    let query = format!(
        "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {selection} userErrors {{ field code message }} }} }}"
    );
    let response = app
        .graphql_as(token, &query, json!({ "input": input }))
        .await;
    assert!(
        response.get("errors").is_none(),
        "{mutation} failed: {response:#}\ninput: {input:#}"
    );
    let payload = response["data"][mutation].clone();
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{mutation} was refused; input: {input:#}"
    );
    payload
}

/// POSTs a GraphQL request, as the token's editor if there is one. A server that drops the
/// connection or answers with something other than JSON is an `Err` saying so, for the
/// caller to report with the case at hand.
async fn ask(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|err| format!("no answer (did the server panic?): {err}"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    serde_json::from_str(&body).map_err(|_| format!("HTTP {status}, not a JSON answer: {body:?}"))
}

/// What the random edits do, each at least once.
#[derive(Debug, Clone, Copy)]
enum Edit {
    UpdatePublication,
    SetAuthors,
    DeletePublication,
    CreatePublication,
    ChangeVenueKind,
    MoveTopic,
    RenameAuthor,
}

const EVERY_EDIT: [Edit; 7] = [
    Edit::UpdatePublication,
    Edit::SetAuthors,
    Edit::DeletePublication,
    Edit::CreatePublication,
    Edit::ChangeVenueKind,
    Edit::MoveTopic,
    Edit::RenameAuthor,
];

fn random_topic_refs(rng: &mut ChaCha8Rng, topics: &[i64]) -> Value {
    let count = rng.random_range(0..=3);
    Value::Array(
        topics
            .choose_multiple(rng, count)
            .map(|id| json!({ "id": global_id(NodeKind::Topic, *id) }))
            .collect(),
    )
}

fn author_refs(ids: &[i64]) -> Value {
    Value::Array(
        ids.iter()
            .map(|id| json!({ "id": global_id(NodeKind::Author, *id) }))
            .collect(),
    )
}

async fn edit_through_the_api(app: &TestApp, token: &str, rng: &mut ChaCha8Rng) {
    let pool = title_pool(rng);
    let statuses: Vec<String> = publication::Status::iter().map(|s| s.to_value()).collect();
    let kinds: Vec<String> = publication::Kind::iter().map(|k| k.to_value()).collect();
    let venue_kinds: Vec<String> = venue::Kind::iter().map(|k| k.to_value()).collect();
    let mut live: Vec<i64> = (1..=PUBLICATIONS).collect();
    for n in 0..EDITS {
        let edit = EVERY_EDIT
            .get(n)
            .copied()
            .unwrap_or_else(|| *EVERY_EDIT.choose(rng).expect("edits"));
        // The first round makes every kind of edit, with titles outside the pool's range.
        let first_round = n < EVERY_EDIT.len();
        let tree = Tree::of(&topic::Entity::find().all(&app.db).await.expect("topics"));
        let topics: Vec<i64> = tree.ids();
        match edit {
            Edit::UpdatePublication => {
                let id = *live.choose(rng).expect("publications");
                let has_authors = scalar(
                    &app.db,
                    &format!("SELECT COUNT(*) FROM publication_author WHERE publication_id = {id}"),
                )
                .await
                    > 0;
                let mut input = json!({
                    "id": global_id(NodeKind::Publication, id),
                    "expectedVersion": version(app, "publication", id).await,
                });
                if first_round || rng.random_bool(0.5) {
                    input["title"] = json!(edited_title(rng, &pool, first_round));
                }
                let status = statuses.choose(rng).expect("statuses");
                // Only a draft may be without authors.
                if rng.random_bool(0.4) && (status == "draft" || has_authors) {
                    input["status"] = json!(graphql_enum(status));
                }
                if rng.random_bool(0.35) {
                    input["kind"] = json!(graphql_enum(kinds.choose(rng).expect("kinds")));
                }
                if rng.random_bool(0.4) {
                    input["publishedOn"] = if rng.random_bool(0.2) {
                        Value::Null
                    } else {
                        json!(PartialDate::random(rng, 1995..=2025).text())
                    };
                }
                if rng.random_bool(0.35) {
                    input["venue"] = if rng.random_bool(0.2) {
                        Value::Null
                    } else {
                        json!({ "id": global_id(NodeKind::Venue, rng.random_range(1..=VENUES)) })
                    };
                }
                if rng.random_bool(0.35) {
                    input["topics"] = random_topic_refs(rng, &topics);
                }
                if rng.random_bool(0.25) {
                    input["pdfUrl"] = if rng.random_bool(0.5) {
                        Value::Null
                    } else {
                        json!(format!("https://example.org/edited-{n}.pdf"))
                    };
                }
                mutate(app, token, "updatePublication", "", input).await;
            }
            Edit::SetAuthors => {
                let id = *live.choose(rng).expect("publications");
                let count = rng.random_range(1..=4);
                let input = json!({
                    "id": global_id(NodeKind::Publication, id),
                    "expectedVersion": version(app, "publication", id).await,
                    "authors": author_refs(&distinct_authors(rng, count)),
                });
                mutate(app, token, "setPublicationAuthors", "", input).await;
            }
            Edit::DeletePublication => {
                let at = rng.random_range(0..live.len());
                let id = live.swap_remove(at);
                let input = json!({
                    "id": global_id(NodeKind::Publication, id),
                    "expectedVersion": version(app, "publication", id).await,
                });
                mutate(app, token, "deletePublication", "", input).await;
            }
            Edit::CreatePublication => {
                let status = statuses.choose(rng).expect("statuses").clone();
                let least = usize::from(status != "draft");
                let count = rng.random_range(least..=4);
                let mut input = json!({
                    "title": edited_title(rng, &pool, first_round),
                    "kind": graphql_enum(kinds.choose(rng).expect("kinds")),
                    "status": graphql_enum(&status),
                    "authors": author_refs(&distinct_authors(rng, count)),
                    "topics": random_topic_refs(rng, &topics),
                });
                if rng.random_bool(0.8) {
                    input["publishedOn"] = json!(PartialDate::random(rng, 1995..=2025).text());
                }
                if rng.random_bool(0.7) {
                    input["venue"] =
                        json!({ "id": global_id(NodeKind::Venue, rng.random_range(1..=VENUES)) });
                }
                if rng.random_bool(0.5) {
                    input["pdfUrl"] = json!(format!("https://example.org/created-{n}.pdf"));
                }
                let payload =
                    mutate(app, token, "createPublication", "publication { id }", input).await;
                live.push(database_id(&payload["publication"]["id"]));
            }
            Edit::ChangeVenueKind => {
                let id = rng.random_range(1..=VENUES);
                let input = json!({
                    "id": global_id(NodeKind::Venue, id),
                    "expectedVersion": version(app, "venue", id).await,
                    "kind": graphql_enum(venue_kinds.choose(rng).expect("venue kinds")),
                });
                mutate(app, token, "updateVenue", "", input).await;
            }
            Edit::MoveTopic => {
                let id = *topics.choose(rng).expect("topics");
                let below = tree.subtree(id);
                let elsewhere: Vec<i64> = topics
                    .iter()
                    .copied()
                    .filter(|t| !below.contains(t))
                    .collect();
                let parent = match elsewhere.choose(rng) {
                    Some(parent) if rng.random_bool(0.8) => {
                        json!(global_id(NodeKind::Topic, *parent))
                    }
                    _ => Value::Null,
                };
                let input = json!({
                    "id": global_id(NodeKind::Topic, id),
                    "expectedVersion": version(app, "topic", id).await,
                    "parentId": parent,
                });
                mutate(app, token, "updateTopic", "", input).await;
            }
            Edit::RenameAuthor => {
                let id = popular_author(rng);
                let input = json!({
                    "id": global_id(NodeKind::Author, id),
                    "expectedVersion": version(app, "author", id).await,
                    "name": format!("Renamed Author {id} ({n})"),
                });
                mutate(app, token, "updateAuthor", "", input).await;
            }
        }
    }
    // The last edit gives a publication a title above every other: the newest part of the
    // index then holds the list's last title, beyond every title of the older parts.
    let id = *live.choose(rng).expect("publications");
    let input = json!({
        "id": global_id(NodeKind::Publication, id),
        "expectedVersion": version(app, "publication", id).await,
        "title": format!("{0}{0} {1}", OUTLYING[2], title(rng, &pool)),
    });
    mutate(app, token, "updatePublication", "", input).await;
}

// ---------------------------------------------------------------------------------------
// What the tables hold once the edits are made: what the expected answers are computed from.

/// The topic tree, read from the topic table.
#[derive(Debug, Default)]
struct Tree {
    parents: HashMap<i64, Option<i64>>,
    children: HashMap<i64, Vec<i64>>,
}

impl Tree {
    fn of(rows: &[topic::Model]) -> Self {
        let mut tree = Self::default();
        for row in rows {
            tree.parents.insert(row.id, row.parent_id);
            if let Some(parent) = row.parent_id {
                tree.children.entry(parent).or_default().push(row.id);
            }
        }
        tree
    }

    fn ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.parents.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The topic and every topic below it.
    fn subtree(&self, id: i64) -> Vec<i64> {
        let mut found = vec![id];
        let mut next = 0;
        while let Some(topic) = found.get(next).copied() {
            for child in self.children.get(&topic).into_iter().flatten() {
                if !found.contains(child) {
                    found.push(*child);
                }
            }
            next += 1;
        }
        found
    }

    /// The topic and every topic above it.
    fn ancestry(&self, id: i64) -> Vec<i64> {
        let mut found = vec![id];
        let mut at = id;
        while let Some(Some(parent)) = self.parents.get(&at) {
            if found.contains(parent) {
                break;
            }
            found.push(*parent);
            at = *parent;
        }
        found
    }
}

/// What the orderings sort on, per publication.
#[derive(Debug)]
struct Row {
    title_key: String,
    published_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    author_count: usize,
    topics: Vec<i64>,
}

#[derive(Debug)]
struct Catalogue {
    rows: HashMap<i64, Row>,
    tree: Tree,
    authors: Vec<i64>,
    venues: Vec<i64>,
    backend: DbBackend,
}

impl Catalogue {
    async fn read(db: &sea_orm::DatabaseConnection) -> Self {
        let mut author_counts: HashMap<i64, usize> = HashMap::new();
        for link in publication_author::Entity::find()
            .all(db)
            .await
            .expect("author lists")
        {
            *author_counts.entry(link.publication_id).or_default() += 1;
        }
        let mut topics: HashMap<i64, Vec<i64>> = HashMap::new();
        for link in publication_topic::Entity::find()
            .all(db)
            .await
            .expect("topic links")
        {
            topics
                .entry(link.publication_id)
                .or_default()
                .push(link.topic_id);
        }
        let rows = publication::Entity::find()
            .all(db)
            .await
            .expect("publications")
            .into_iter()
            .map(|row| {
                let id = row.id;
                (
                    id,
                    Row {
                        title_key: row.title.to_lowercase(),
                        published_on: row.published_on,
                        created_at: row.created_at,
                        updated_at: row.updated_at,
                        author_count: author_counts.get(&id).copied().unwrap_or(0),
                        topics: topics.remove(&id).unwrap_or_default(),
                    },
                )
            })
            .collect();
        let mut authors: Vec<i64> = author::Entity::find()
            .all(db)
            .await
            .expect("authors")
            .iter()
            .map(|a| a.id)
            .collect();
        authors.sort_unstable();
        let mut venues: Vec<i64> = venue::Entity::find()
            .all(db)
            .await
            .expect("venues")
            .iter()
            .map(|v| v.id)
            .collect();
        venues.sort_unstable();
        Self {
            rows,
            tree: Tree::of(&topic::Entity::find().all(db).await.expect("topics")),
            authors,
            venues,
            backend: db.get_database_backend(),
        }
    }

    async fn ids(&self, db: &impl ConnectionTrait, sql: &str) -> Vec<i64> {
        db.query_all_raw(Statement::from_string(self.backend, sql))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .iter()
            .map(|row| {
                row.try_get_by_index::<i64>(0)
                    .unwrap_or_else(|err| panic!("{sql}: {err}"))
            })
            .collect()
    }

    /// (value, count) rows of a `GROUP BY`, the value as text.
    async fn groups(&self, db: &impl ConnectionTrait, sql: &str) -> BTreeMap<String, i64> {
        db.query_all_raw(Statement::from_string(self.backend, sql))
            .await
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .iter()
            .map(|row| {
                let value = row
                    .try_get_by_index::<String>(0)
                    .unwrap_or_else(|err| panic!("{sql}: {err}"));
                let count = row
                    .try_get_by_index::<i64>(1)
                    .unwrap_or_else(|err| panic!("{sql}: {err}"));
                (value, count)
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Filters: as the API takes them, and as a SQL condition on `publication p`.

/// Ids to match: any of them, all of them, none of them.
#[derive(Debug, Clone, Default)]
struct IdSet {
    any_of: Option<Vec<i64>>,
    all_of: Option<Vec<i64>>,
    none_of: Option<Vec<i64>>,
}

impl IdSet {
    fn json(&self, kind: NodeKind) -> Value {
        let ids = |ids: &Vec<i64>| -> Value {
            ids.iter().map(|id| json!(global_id(kind, *id))).collect()
        };
        let mut set = Map::new();
        for (name, part) in [
            ("anyOf", &self.any_of),
            ("allOf", &self.all_of),
            ("noneOf", &self.none_of),
        ] {
            if let Some(part) = part {
                set.insert(name.into(), ids(part));
            }
        }
        Value::Object(set)
    }

    /// The conditions of the set, given the condition "linked to one of these ids".
    fn sql(&self, linked: impl Fn(&[i64]) -> String) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(any) = &self.any_of {
            parts.push(linked(any));
        }
        for one in self.all_of.iter().flatten() {
            parts.push(linked(&[*one]));
        }
        if let Some(none) = &self.none_of {
            parts.push(format!("NOT {}", linked(none)));
        }
        parts
    }
}

/// `column IN (...)`; an empty list matches nothing.
fn sql_in<T: std::fmt::Display>(column: &str, values: &[T], quoted: bool) -> String {
    if values.is_empty() {
        return "(1 = 0)".into();
    }
    let list: Vec<String> = values
        .iter()
        .map(|v| {
            if quoted {
                format!("'{v}'")
            } else {
                v.to_string()
            }
        })
        .collect();
    format!("{column} IN ({})", list.join(", "))
}

/// A publication filter. Every SQL condition it makes is true or false, never NULL, so that
/// `NOT` means "not this filter" whatever columns are NULL.
#[derive(Debug, Clone, Default)]
struct Filter {
    /// Database values ("conference_paper").
    kinds: Option<Vec<String>>,
    statuses: Option<Vec<String>>,
    year: Option<(Option<i32>, Option<i32>)>,
    published_on: Option<(Option<PartialDate>, Option<PartialDate>)>,
    authors: Option<IdSet>,
    topics: Option<IdSet>,
    venues: Option<IdSet>,
    venue_kinds: Option<Vec<String>>,
    has_pdf: Option<bool>,
    and: Vec<Filter>,
    or: Vec<Filter>,
    not: Option<Box<Filter>>,
}

/// A facet dimension, which its facet counts without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Year,
    Kind,
    VenueKind,
    Venue,
    Topic,
}

impl Filter {
    fn json(&self) -> Value {
        let mut filter = Map::new();
        let enums = |values: &Vec<String>| -> Value {
            values.iter().map(|v| json!(graphql_enum(v))).collect()
        };
        if let Some(kinds) = &self.kinds {
            filter.insert("kinds".into(), enums(kinds));
        }
        if let Some(statuses) = &self.statuses {
            filter.insert("statuses".into(), enums(statuses));
        }
        if let Some((from, to)) = self.year {
            filter.insert("year".into(), json!({ "from": from, "to": to }));
        }
        if let Some((from, to)) = self.published_on {
            filter.insert(
                "publishedOn".into(),
                json!({ "from": from.map(PartialDate::text), "to": to.map(PartialDate::text) }),
            );
        }
        if let Some(set) = &self.authors {
            filter.insert("authors".into(), set.json(NodeKind::Author));
        }
        if let Some(set) = &self.topics {
            filter.insert("topics".into(), set.json(NodeKind::Topic));
        }
        if let Some(set) = &self.venues {
            filter.insert("venues".into(), set.json(NodeKind::Venue));
        }
        if let Some(kinds) = &self.venue_kinds {
            filter.insert("venueKinds".into(), enums(kinds));
        }
        if let Some(has_pdf) = self.has_pdf {
            filter.insert("hasPdf".into(), json!(has_pdf));
        }
        if !self.and.is_empty() {
            filter.insert("and".into(), self.and.iter().map(Filter::json).collect());
        }
        if !self.or.is_empty() {
            filter.insert("or".into(), self.or.iter().map(Filter::json).collect());
        }
        if let Some(not) = &self.not {
            filter.insert("not".into(), not.json());
        }
        Value::Object(filter)
    }

    /// The filter as a condition on `publication p`; topics include their subtopics.
    fn sql(&self, tree: &Tree) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(kinds) = &self.kinds {
            parts.push(sql_in("p.kind", kinds, true));
        }
        if let Some(statuses) = &self.statuses {
            parts.push(sql_in("p.status", statuses, true));
        }
        let mut from = Vec::new();
        let mut to = Vec::new();
        if let Some((first, last)) = self.year {
            from.extend(first.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1)));
            to.extend(last.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31)));
        }
        if let Some((first, last)) = self.published_on {
            from.extend(first.map(PartialDate::first));
            to.extend(last.map(PartialDate::last));
        }
        for date in from {
            parts.push(format!(
                "(p.published_on IS NOT NULL AND p.published_on >= '{date}')"
            ));
        }
        for date in to {
            parts.push(format!(
                "(p.published_on IS NOT NULL AND p.published_on <= '{date}')"
            ));
        }
        if let Some(set) = &self.authors {
            parts.extend(set.sql(|ids| {
                format!(
                    "EXISTS (SELECT 1 FROM publication_author pa WHERE pa.publication_id = p.id AND {})",
                    sql_in("pa.author_id", ids, false)
                )
            }));
        }
        if let Some(set) = &self.topics {
            parts.extend(set.sql(|ids| {
                let below: Vec<i64> = ids.iter().flat_map(|id| tree.subtree(*id)).collect();
                format!(
                    "EXISTS (SELECT 1 FROM publication_topic pt WHERE pt.publication_id = p.id AND {})",
                    sql_in("pt.topic_id", &below, false)
                )
            }));
        }
        if let Some(set) = &self.venues {
            parts.extend(set.sql(|ids| {
                format!(
                    "(p.venue_id IS NOT NULL AND {})",
                    sql_in("p.venue_id", ids, false)
                )
            }));
        }
        if let Some(kinds) = &self.venue_kinds {
            parts.push(format!(
                "EXISTS (SELECT 1 FROM venue v WHERE v.id = p.venue_id AND {})",
                sql_in("v.kind", kinds, true)
            ));
        }
        match self.has_pdf {
            Some(true) => parts.push("p.pdf_url IS NOT NULL".into()),
            Some(false) => parts.push("p.pdf_url IS NULL".into()),
            None => {}
        }
        parts.extend(self.and.iter().map(|nested| nested.sql(tree)));
        if !self.or.is_empty() {
            let any: Vec<String> = self.or.iter().map(|nested| nested.sql(tree)).collect();
            parts.push(format!("({})", any.join(" OR ")));
        }
        if let Some(not) = &self.not {
            parts.push(format!("NOT {}", not.sql(tree)));
        }
        if parts.is_empty() {
            return "(1 = 1)".into();
        }
        format!("({})", parts.join(" AND "))
    }

    /// The filter without its top-level part on `dimension`, as the facet of that dimension
    /// counts.
    fn without(&self, dimension: Dimension) -> Self {
        let mut filter = self.clone();
        match dimension {
            Dimension::Year => {
                filter.year = None;
                filter.published_on = None;
            }
            Dimension::Kind => filter.kinds = None,
            Dimension::VenueKind => filter.venue_kinds = None,
            Dimension::Venue => filter.venues = None,
            Dimension::Topic => filter.topics = None,
        }
        filter
    }

    fn random(rng: &mut ChaCha8Rng, catalogue: &Catalogue, depth: usize) -> Self {
        let mut filter = Self::default();
        let parts = if depth == 0 {
            rng.random_range(0..=3)
        } else {
            rng.random_range(1..=2)
        };
        for _ in 0..parts {
            let nests = depth < 2;
            match rng.random_range(0..if nests { 13 } else { 10 }) {
                0 => filter.kinds = Some(some_values(rng, publication::Kind::iter())),
                1 => filter.statuses = Some(some_values(rng, publication::Status::iter())),
                2 => {
                    let from = rng.random_bool(0.7).then(|| rng.random_range(1994..=2026));
                    let to = (from.is_none() || rng.random_bool(0.6))
                        .then(|| rng.random_range(1994..=2026));
                    filter.year = Some((from, to));
                }
                3 => {
                    let from = rng
                        .random_bool(0.7)
                        .then(|| PartialDate::random(rng, 1994..=2026));
                    let to = (from.is_none() || rng.random_bool(0.6))
                        .then(|| PartialDate::random(rng, 1994..=2026));
                    filter.published_on = Some((from, to));
                }
                4 => {
                    // The first authors are the prolific ones; an unknown id matches nothing.
                    let known: Vec<i64> = catalogue.authors.iter().copied().take(40).collect();
                    filter.authors = Some(random_set(rng, &known, AUTHORS + 7));
                }
                5 => {
                    let known = catalogue.tree.ids();
                    filter.topics = Some(random_set(rng, &known, 9999));
                }
                6 => filter.venues = Some(random_set(rng, &catalogue.venues, VENUES + 3)),
                7 => filter.venue_kinds = Some(some_values(rng, venue::Kind::iter())),
                8 | 9 => filter.has_pdf = Some(rng.random_bool(0.5)),
                10 => {
                    filter.and = (0..rng.random_range(1..=2))
                        .map(|_| Self::random(rng, catalogue, depth + 1))
                        .collect();
                }
                11 => {
                    filter.or = (0..rng.random_range(1..=3))
                        .map(|_| Self::random(rng, catalogue, depth + 1))
                        .collect();
                }
                _ => filter.not = Some(Box::new(Self::random(rng, catalogue, depth + 1))),
            }
        }
        filter
    }
}

impl Filter {
    /// Replaces one top-level id set with a long `anyOf` or `noneOf` (the index matches a
    /// long list otherwise than a short one), within the API's limit of ids per filter.
    fn add_long_set(&mut self, rng: &mut ChaCha8Rng, catalogue: &Catalogue) {
        let topics = catalogue.tree.ids();
        let (known, slot) = match rng.random_range(0..3) {
            0 => (&catalogue.authors, &mut self.authors),
            1 => (&topics, &mut self.topics),
            _ => (&catalogue.venues, &mut self.venues),
        };
        let count = rng.random_range(17..=40).min(known.len());
        let ids: Vec<i64> = known.choose_multiple(rng, count).copied().collect();
        *slot = Some(if rng.random_bool(0.5) {
            IdSet {
                any_of: Some(ids),
                ..IdSet::default()
            }
        } else {
            IdSet {
                none_of: Some(ids),
                ..IdSet::default()
            }
        });
    }
}

/// One to three of an enum's database values; now and then none (which matches nothing).
fn some_values<E: sea_orm::ActiveEnum<Value = String>>(
    rng: &mut ChaCha8Rng,
    values: impl Iterator<Item = E>,
) -> Vec<String> {
    let all: Vec<String> = values.map(|v| v.to_value()).collect();
    let count = if rng.random_bool(0.03) {
        0
    } else {
        rng.random_range(1..=3)
    };
    all.choose_multiple(rng, count).cloned().collect()
}

/// A random id set over `known`, with now and then an id nothing has and an empty list.
fn random_set(rng: &mut ChaCha8Rng, known: &[i64], unknown: i64) -> IdSet {
    let ids = |rng: &mut ChaCha8Rng, most: usize| -> Vec<i64> {
        let count = if rng.random_bool(0.04) {
            0
        } else {
            rng.random_range(1..=most)
        };
        let mut ids: Vec<i64> = known.choose_multiple(rng, count).copied().collect();
        if rng.random_bool(0.05) {
            ids.push(unknown);
        }
        if rng.random_bool(0.05)
            && let Some(first) = ids.first().copied()
        {
            ids.push(first);
        }
        ids
    };
    loop {
        let set = IdSet {
            any_of: rng.random_bool(0.5).then(|| ids(rng, 4)),
            all_of: rng.random_bool(0.3).then(|| ids(rng, 2)),
            none_of: rng.random_bool(0.4).then(|| ids(rng, 3)),
        };
        if set.any_of.is_some() || set.all_of.is_some() || set.none_of.is_some() {
            return set;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Orderings.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    PublishedOn,
    Title,
    CreatedAt,
    UpdatedAt,
    AuthorCount,
}

const FIELDS: [(Field, &str); 5] = [
    (Field::PublishedOn, "PUBLISHED_ON"),
    (Field::Title, "TITLE"),
    (Field::CreatedAt, "CREATED_AT"),
    (Field::UpdatedAt, "UPDATED_AT"),
    (Field::AuthorCount, "AUTHOR_COUNT"),
];

/// Sort keys: the field and whether it is descending.
type Order = Vec<(Field, bool)>;

fn order_json(order: Option<&Order>) -> Value {
    match order {
        None => Value::Null,
        Some(keys) => keys
            .iter()
            .map(|(field, descending)| {
                let name = FIELDS
                    .iter()
                    .find(|(f, _)| f == field)
                    .map(|(_, name)| *name)
                    .expect("a field");
                json!({ "field": name, "direction": if *descending { "DESC" } else { "ASC" } })
            })
            .collect(),
    }
}

/// The documented order: each key in its direction (undated entries last either way;
/// titles by their lower case), then the id in the direction of the last key.
fn sort(ids: &mut [i64], rows: &HashMap<i64, Row>, order: &Order) {
    let directed = |ordering: Ordering, descending: bool| {
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    };
    let id_descending = order.last().is_some_and(|(_, descending)| *descending);
    ids.sort_by(|a, b| {
        let (x, y) = (&rows[a], &rows[b]);
        for (field, descending) in order {
            let step = match field {
                Field::PublishedOn => match (x.published_on, y.published_on) {
                    (Some(x), Some(y)) => directed(x.cmp(&y), *descending),
                    (x, y) => x.is_none().cmp(&y.is_none()),
                },
                Field::Title => directed(x.title_key.cmp(&y.title_key), *descending),
                Field::CreatedAt => directed(x.created_at.cmp(&y.created_at), *descending),
                Field::UpdatedAt => directed(x.updated_at.cmp(&y.updated_at), *descending),
                Field::AuthorCount => directed(x.author_count.cmp(&y.author_count), *descending),
            };
            if step != Ordering::Equal {
                return step;
            }
        }
        directed(a.cmp(b), id_descending)
    });
}

// ---------------------------------------------------------------------------------------
// One case: a list, who asks for it, and how its pages are walked.

/// Whose publications a list holds: the root list's, or one entry's.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Author(i64),
    Venue(i64),
    Topic(i64),
}

impl Owner {
    fn field(self) -> &'static str {
        match self {
            Self::Author(_) => "author",
            Self::Venue(_) => "venue",
            Self::Topic(_) => "topic",
        }
    }

    fn global_id(self) -> String {
        match self {
            Self::Author(id) => global_id(NodeKind::Author, id),
            Self::Venue(id) => global_id(NodeKind::Venue, id),
            Self::Topic(id) => global_id(NodeKind::Topic, id),
        }
    }

    /// The owner's list as a filter.
    fn filter(self) -> Filter {
        let set = |id| {
            Some(IdSet {
                any_of: Some(vec![id]),
                ..IdSet::default()
            })
        };
        match self {
            Self::Author(id) => Filter {
                authors: set(id),
                ..Filter::default()
            },
            Self::Venue(id) => Filter {
                venues: set(id),
                ..Filter::default()
            },
            Self::Topic(id) => Filter {
                topics: set(id),
                ..Filter::default()
            },
        }
    }
}

#[derive(Debug)]
struct Case {
    filter: Filter,
    /// `None`: the default order.
    order: Option<Order>,
    /// With the editor's token; anonymous callers see published entries only.
    editor: bool,
    /// `None`: the root list.
    owner: Option<Owner>,
    /// From the start with `first`/`after`, or from the end with `last`/`before`.
    forward: bool,
    /// Publications per page.
    size: usize,
    /// Pages asked for, the walk stopping early at the list's end.
    pages: usize,
}

impl Case {
    fn random(rng: &mut ChaCha8Rng, catalogue: &Catalogue) -> Self {
        let order = rng.random_bool(0.9).then(|| {
            let count = rng.random_range(1..=2);
            FIELDS
                .choose_multiple(rng, count)
                .map(|(field, _)| (*field, rng.random_bool(0.5)))
                .collect()
        });
        let owner = match rng.random_range(0..10) {
            0 => Some(Owner::Author(rng.random_range(1..=20))),
            1 => Some(Owner::Venue(rng.random_range(1..=VENUES))),
            2 => Some(Owner::Topic(
                *catalogue.tree.ids().choose(rng).expect("topics"),
            )),
            _ => None,
        };
        let mut filter = Filter::random(rng, catalogue, 0);
        if rng.random_bool(0.15) {
            filter.add_long_set(rng, catalogue);
        }
        Self {
            filter,
            order,
            editor: rng.random_bool(0.5),
            owner,
            forward: rng.random_bool(0.5),
            size: rng.random_range(1..=25),
            pages: rng.random_range(2..=4),
        }
    }

    /// The condition of the list under `filter`: the owner's publications, those the
    /// audience may see.
    fn condition(&self, filter: &Filter, tree: &Tree) -> String {
        let mut condition = filter.sql(tree);
        if let Some(owner) = self.owner {
            condition = format!("{condition} AND {}", owner.filter().sql(tree));
        }
        if !self.editor {
            condition = format!("{condition} AND p.status = 'published'");
        }
        condition
    }

    fn query(&self, facets: bool) -> String {
        let facets = if facets {
            "facets { years { year count } kinds { kind count } venueKinds { kind count } \
             venues(first: 100) { venue { id } count } topics(first: 100) { topic { id } count } }"
        } else {
            ""
        };
        let list = format!(
            "publications(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {{ \
             totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} nodes {{ id }} {facets} }}"
        );
        let (owner, body) = match self.owner {
            None => (String::new(), list),
            Some(owner) => (
                ", $owner: ID!".to_owned(),
                format!("{}(id: $owner) {{ {list} }}", owner.field()),
            ),
        };
        format!(
            "query List($first: Int, $after: String, $last: Int, $before: String, $filter: PublicationFilter, $orderBy: [PublicationOrder!]{owner}) {{ {body} }}"
        )
    }

    fn describe(&self, seed: u64, number: usize, backend: DbBackend, condition: &str) -> String {
        format!(
            "seed {seed} (READ_INDEX_SEED), case {number}, {backend:?}\n  audience: {}\n  list: {}\n  filter: {}\n  orderBy: {}\n  walk: {} {} per page, {} pages\n  SQL: WHERE {condition}",
            if self.editor { "editor" } else { "anonymous" },
            match self.owner {
                None => "publications".to_owned(),
                Some(owner) => format!("{owner:?}.publications"),
            },
            self.filter.json(),
            order_json(self.order.as_ref()),
            if self.forward { "first" } else { "last" },
            self.size,
            self.pages,
        )
    }
}

/// Facet counts: by year, kind, venue kind (GraphQL names), venue and topic (database ids).
#[derive(Debug, Default, PartialEq, Eq)]
struct Facets {
    years: BTreeMap<i64, i64>,
    kinds: BTreeMap<String, i64>,
    venue_kinds: BTreeMap<String, i64>,
    venues: BTreeMap<i64, i64>,
    topics: BTreeMap<i64, i64>,
}

/// The facets the test computes: each dimension under the filter without its own part.
async fn expected_facets(app: &TestApp, catalogue: &Catalogue, case: &Case) -> Facets {
    let db = &app.db;
    let tree = &catalogue.tree;
    let under = |dimension| case.condition(&case.filter.without(dimension), tree);
    let year = match catalogue.backend {
        DbBackend::Postgres => "CAST(EXTRACT(YEAR FROM p.published_on) AS TEXT)",
        _ => "CAST(CAST(substr(p.published_on, 1, 4) AS INTEGER) AS TEXT)",
    };
    let number = |groups: BTreeMap<String, i64>| -> BTreeMap<i64, i64> {
        groups
            .into_iter()
            .map(|(value, count)| (value.parse().expect("a number"), count))
            .collect()
    };
    let upper = |groups: BTreeMap<String, i64>| -> BTreeMap<String, i64> {
        groups
            .into_iter()
            .map(|(value, count)| (graphql_enum(&value), count))
            .collect()
    };
    let years = catalogue
        .groups(
            db,
            &format!(
                "SELECT {year}, COUNT(*) FROM publication p \
                 WHERE p.published_on IS NOT NULL AND {} GROUP BY {year}",
                under(Dimension::Year)
            ),
        )
        .await;
    let kinds = catalogue
        .groups(
            db,
            &format!(
                "SELECT p.kind, COUNT(*) FROM publication p WHERE {} GROUP BY p.kind",
                under(Dimension::Kind)
            ),
        )
        .await;
    let venue_kinds = catalogue
        .groups(
            db,
            &format!(
                "SELECT v.kind, COUNT(*) FROM publication p JOIN venue v ON v.id = p.venue_id \
                 WHERE {} GROUP BY v.kind",
                under(Dimension::VenueKind)
            ),
        )
        .await;
    let venues = catalogue
        .groups(
            db,
            &format!(
                "SELECT CAST(p.venue_id AS TEXT), COUNT(*) FROM publication p \
                 WHERE p.venue_id IS NOT NULL AND {} GROUP BY p.venue_id",
                under(Dimension::Venue)
            ),
        )
        .await;
    // A topic counts each publication filed under it or under a topic below it once.
    let mut topics: BTreeMap<i64, i64> = BTreeMap::new();
    let filed = catalogue
        .ids(
            db,
            &format!(
                "SELECT p.id FROM publication p WHERE {}",
                under(Dimension::Topic)
            ),
        )
        .await;
    for id in filed {
        let above: HashSet<i64> = catalogue.rows[&id]
            .topics
            .iter()
            .flat_map(|topic| tree.ancestry(*topic))
            .collect();
        for topic in above {
            *topics.entry(topic).or_default() += 1;
        }
    }
    Facets {
        years: number(years),
        kinds: upper(kinds),
        venue_kinds: upper(venue_kinds),
        venues: number(venues),
        topics,
    }
}

/// The facets the service answered, each list checked for its documented order.
fn served_facets(facets: &Value, context: &str) -> Facets {
    let list = |name: &str| facets[name].as_array().cloned().unwrap_or_default();
    let count = |entry: &Value| entry["count"].as_i64().expect("a count");
    let years: Vec<(i64, i64)> = list("years")
        .iter()
        .map(|e| (e["year"].as_i64().expect("a year"), count(e)))
        .collect();
    assert!(
        years.windows(2).all(|w| w[0].0 > w[1].0),
        "{context}\n  facets.years are not newest first: {years:?}"
    );
    let kinds = |name: &str| -> Vec<(String, i64)> {
        list(name)
            .iter()
            .map(|e| (e["kind"].as_str().expect("a kind").to_owned(), count(e)))
            .collect()
    };
    let (kinds, venue_kinds) = (kinds("kinds"), kinds("venueKinds"));
    for (name, counts) in [("kinds", &kinds), ("venueKinds", &venue_kinds)] {
        assert!(
            counts.windows(2).all(|w| w[0].1 >= w[1].1),
            "{context}\n  facets.{name} are not most first: {counts:?}"
        );
    }
    let by_id = |name: &str, node: &str| -> Vec<(i64, i64)> {
        list(name)
            .iter()
            .map(|e| (database_id(&e[node]["id"]), count(e)))
            .collect()
    };
    let (venues, topics) = (by_id("venues", "venue"), by_id("topics", "topic"));
    for (name, counts) in [("venues", &venues), ("topics", &topics)] {
        assert!(
            counts
                .windows(2)
                .all(|w| (-w[0].1, w[0].0) < (-w[1].1, w[1].0)),
            "{context}\n  facets.{name} are not most first, then by id: {counts:?}"
        );
    }
    Facets {
        years: years.into_iter().collect(),
        kinds: kinds.into_iter().collect(),
        venue_kinds: venue_kinds.into_iter().collect(),
        venues: venues.into_iter().collect(),
        topics: topics.into_iter().collect(),
    }
}

/// Runs one case against the service and against SQL; returns whether its list held any
/// publication.
async fn compare(
    app: &TestApp,
    token: &str,
    catalogue: &Catalogue,
    seed: u64,
    number: usize,
    case: &Case,
) -> bool {
    let condition = case.condition(&case.filter, &catalogue.tree);
    let context = case.describe(seed, number, catalogue.backend, &condition);
    let mut expected = catalogue
        .ids(
            &app.db,
            &format!("SELECT p.id FROM publication p WHERE {condition}"),
        )
        .await;
    let total = scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM publication p WHERE {condition}"),
    )
    .await;
    assert_eq!(
        usize::try_from(total).ok(),
        Some(expected.len()),
        "{context}\n  SQL's count and rows disagree"
    );
    let order = case
        .order
        .clone()
        .unwrap_or_else(|| vec![(Field::PublishedOn, true)]);
    sort(&mut expected, &catalogue.rows, &order);

    let facets = expected_facets(app, catalogue, case).await;
    let mut cursor = Value::Null;
    // The rows not walked yet: `expected[start..end]`.
    let (mut start, mut end) = (0, expected.len());
    for page_number in 0..case.pages {
        let first_page = page_number == 0;
        let mut variables = json!({
            "filter": case.filter.json(),
            "orderBy": order_json(case.order.as_ref()),
        });
        if case.forward {
            variables["first"] = json!(case.size);
            variables["after"] = cursor.clone();
        } else {
            variables["last"] = json!(case.size);
            variables["before"] = cursor.clone();
        }
        if let Some(owner) = case.owner {
            variables["owner"] = json!(owner.global_id());
        }
        let query = case.query(first_page);
        let response = ask(app, case.editor.then_some(token), &query, variables)
            .await
            .unwrap_or_else(|problem| panic!("{context}\n  page {page_number}: {problem}"));
        assert!(
            response.get("errors").is_none(),
            "{context}\n  page {page_number}: errors {response:#}"
        );
        let list = match case.owner {
            None => &response["data"]["publications"],
            Some(owner) => &response["data"][owner.field()]["publications"],
        };
        let got: Vec<i64> = list["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|node| database_id(&node["id"]))
            .collect();
        let (page, has_next, has_previous) = if case.forward {
            let stop = (start + case.size).min(end);
            (&expected[start..stop], stop < end, !first_page)
        } else {
            let from = end.saturating_sub(case.size).max(start);
            (&expected[from..end], !first_page, from > start)
        };
        let at = format!("{context}\n  page {page_number}");
        assert_eq!(
            got, page,
            "{at}: the publications (left: the service, right: SQL)"
        );
        assert_eq!(
            list["totalCount"].as_i64(),
            Some(total),
            "{at}: totalCount (left: the service, right: SQL)"
        );
        assert_eq!(
            (
                list["pageInfo"]["hasNextPage"].as_bool(),
                list["pageInfo"]["hasPreviousPage"].as_bool()
            ),
            (Some(has_next), Some(has_previous)),
            "{at}: (hasNextPage, hasPreviousPage) (left: the service, right: expected)"
        );
        if first_page {
            let served = served_facets(&list["facets"], &at);
            assert_eq!(
                served, facets,
                "{at}: the facets (left: the service, right: SQL)"
            );
        }
        if case.forward {
            start += page.len();
            cursor = list["pageInfo"]["endCursor"].clone();
        } else {
            end -= page.len();
            cursor = list["pageInfo"]["startCursor"].clone();
        }
        if cursor.is_null() {
            break;
        }
    }
    !expected.is_empty()
}
