//! `suggest`: prefix autocomplete over author names (and their variants), venues and topics.
//!
//! A prefix matches the start of a name or of any word in it ("lau" finds "Julien Launay"),
//! case-insensitively. Matches at the start of the name rank first.
//!
//! Author names and name variants are looked up by index, so that a keystroke costs the
//! same however many authors the catalogue holds (see `author_names`).

use super::directory::{escape_like, lower_like};
use entity::{author, topic, venue};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, Order};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};

/// Topics whose name matches a prefix that are looked at before the audience's visibility
/// narrows them (a catalogue has tens of topics, rarely hundreds).
const TOPICS_CONSIDERED: u64 = 200;

/// What a suggestion points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Author,
    Venue,
    Topic,
}

/// One suggestion: what matched, and the entry it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub kind: Kind,
    pub id: i64,
    /// The name (or name variant) that matched.
    pub label: String,
    /// The entry itself, so that showing it costs no further lookup.
    pub entry: Entry,
}

/// The entry a suggestion points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Author(author::Model),
    Venue(venue::Model),
    Topic(topic::Model),
}

/// `LIKE` patterns for a prefix at the start of the text or of a word in it.
fn patterns(prefix: &str) -> (String, String) {
    let escaped = escape_like(prefix);
    (format!("{escaped}%"), format!("% {escaped}%"))
}

fn matches<C: ColumnTrait + Copy>(column: C, prefix: &str) -> Condition {
    let (start, word) = patterns(prefix);
    Condition::any()
        .add(lower_like(column, start))
        .add(lower_like(column, word))
}

/// The words of a prefix as a Postgres prefix query (`'julien':* & 'la':*`); only letters
/// and digits reach it, so no quoting is needed. `None` when it holds no word.
fn prefix_tsquery(prefix: &str) -> Option<String> {
    let words: Vec<String> = prefix
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("'{}':*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

/// True where the name starts with `prefix`, to rank those first.
fn starts_with<C: ColumnTrait>(column: C, prefix: &str) -> Expr {
    let (start, _) = patterns(prefix);
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(start).escape('\\'))
}

/// Where author names are looked up: the names themselves, or their variants.
#[derive(Clone, Copy)]
enum NameTable {
    Author,
    Variant,
}

impl NameTable {
    fn table(self) -> &'static str {
        match self {
            Self::Author => "author",
            Self::Variant => "author_name_variant",
        }
    }

    fn author_id(self) -> &'static str {
        match self {
            Self::Author => "id",
            Self::Variant => "author_id",
        }
    }
}

/// Authors (id, matched name) whose name or variant in `table` starts with `prefix`
/// (`at_start`), or has a later word starting with it, sorted by name, at most `limit`.
///
/// Start-of-name matches read a range of the index on `lower(name)` in order and stop at
/// `limit`; on Postgres the index is in byte order (`COLLATE "C"`), which a range of one
/// prefix needs. Later-word matches use the GIN index on the name's words on Postgres, and a
/// scan on SQLite.
async fn author_names(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    table: NameTable,
    prefix: &str,
    at_start: bool,
    limit: u64,
) -> Result<Vec<(author::Model, String)>, DbErr> {
    let backend = conn.get_database_backend();
    let postgres = backend == DbBackend::Postgres;
    let (name, id) = (table.table(), table.author_id());
    let key = if postgres {
        r#"(lower(t.name) COLLATE "C")"#
    } else {
        "lower(t.name)"
    };
    let lower = prefix.to_lowercase();
    let mut values: Vec<Value> = Vec::new();
    let mut param = |value: Value| {
        values.push(value);
        // Numbered, since the SQL below does not name them in the order they are made.
        if postgres {
            format!("${}", values.len())
        } else {
            format!("?{}", values.len())
        }
    };
    let (from, to) = (
        param(lower.clone().into()),
        param(format!("{lower}{}", char::MAX).into()),
    );
    let starts = format!("{key} >= {from} AND {key} < {to}");
    let (condition, order) = if at_start {
        (starts, key.to_owned())
    } else {
        let word = if postgres {
            match prefix_tsquery(prefix) {
                Some(query) => format!(
                    "to_tsvector('simple', t.name) @@ to_tsquery('simple', {})",
                    param(query.into())
                ),
                None => return Ok(Vec::new()),
            }
        } else {
            let (_, word) = patterns(prefix);
            format!("lower(t.name) LIKE {} ESCAPE '\\'", param(word.into()))
        };
        (format!("{word} AND NOT ({starts})"), "t.name".to_owned())
    };
    let visible = match audience {
        super::Audience::Editor => String::new(),
        super::Audience::Public => format!(
            " AND EXISTS (SELECT 1 FROM publication_author pa JOIN publication p ON p.id = \
             pa.publication_id WHERE pa.author_id = t.{id} AND p.status = 'published')"
        ),
    };
    let from = match table {
        NameTable::Author => "author t".to_owned(),
        NameTable::Variant => format!("{name} t JOIN author a ON a.id = t.{id}"),
    };
    let author = match table {
        NameTable::Author => "t",
        NameTable::Variant => "a",
    };
    let sql = format!(
        "SELECT {author}.*, t.name AS matched_name FROM {from} WHERE {condition}{visible} \
         ORDER BY {order}, t.{id} LIMIT {limit}"
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                author::Model::from_query_result(row, "")?,
                row.try_get("", "matched_name")?,
            ))
        })
        .collect()
}

/// Authors whose name or a name variant matches `prefix`, at the start of the name
/// (`at_start`) or of a later word, at most `limit` of each table, each author once.
async fn authors(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    prefix: &str,
    at_start: bool,
    limit: u64,
) -> Result<Vec<Suggestion>, DbErr> {
    // Names and variants at once, on two connections of the pool.
    let (names, variants) = tokio::try_join!(
        author_names(conn, audience, NameTable::Author, prefix, at_start, limit),
        author_names(conn, audience, NameTable::Variant, prefix, at_start, limit),
    )?;
    let mut found: Vec<Suggestion> = Vec::new();
    for (row, label) in names.into_iter().chain(variants) {
        if !found.iter().any(|s| s.id == row.id) {
            found.push(Suggestion {
                kind: Kind::Author,
                id: row.id,
                label,
                entry: Entry::Author(row),
            });
        }
    }
    Ok(found)
}

/// Up to `limit` suggestions for `prefix` among `kinds`.
pub async fn suggest(
    conn: &impl ConnectionTrait,
    audience: super::Audience,
    prefix: &str,
    kinds: &[Kind],
    limit: u64,
) -> Result<Vec<Suggestion>, DbErr> {
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return Ok(Vec::new());
    }
    let wanted = |kind: Kind| kinds.contains(&kind);
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    // The three kinds at once, each on a connection of the pool.
    let (mut found, venues, topics) = tokio::try_join!(
        async {
            if wanted(Kind::Author) {
                authors(conn, audience, prefix, true, limit).await
            } else {
                Ok(Vec::new())
            }
        },
        async {
            if !wanted(Kind::Venue) {
                return Ok(Vec::new());
            }
            venue::Entity::find()
                .filter(super::venue::visible(audience))
                .filter(
                    Condition::any()
                        .add(matches(venue::Column::Name, prefix))
                        .add(matches(venue::Column::ShortName, prefix)),
                )
                .order_by(starts_with(venue::Column::Name, prefix), Order::Desc)
                .order_by_asc(venue::Column::Name)
                .limit(limit)
                .all(conn)
                .await
        },
        async {
            if !wanted(Kind::Topic) {
                return Ok(Vec::new());
            }
            // Every topic whose name matches (a small table), then the ones the audience may
            // see, each checked by an index probe rather than a walk of every published
            // publication's topics.
            let matching = topic::Entity::find()
                .filter(matches(topic::Column::Name, prefix))
                .order_by(starts_with(topic::Column::Name, prefix), Order::Desc)
                .order_by_asc(topic::Column::Name)
                .limit(TOPICS_CONSIDERED)
                .all(conn)
                .await?;
            if audience == super::Audience::Editor {
                return Ok(matching.into_iter().take(limit_usize).collect());
            }
            let ids: Vec<i64> = matching.iter().map(|row| row.id).collect();
            let shown = super::topic::by_ids(conn, audience, &ids).await?;
            Ok::<_, DbErr>(
                matching
                    .into_iter()
                    .filter(|row| shown.contains_key(&row.id))
                    .take(limit_usize)
                    .collect(),
            )
        },
    )?;
    found.extend(venues.into_iter().map(|row| Suggestion {
        kind: Kind::Venue,
        id: row.id,
        label: row.name.clone(),
        entry: Entry::Venue(row),
    }));
    found.extend(topics.into_iter().map(|row| Suggestion {
        kind: Kind::Topic,
        id: row.id,
        label: row.name.clone(),
        entry: Entry::Topic(row),
    }));
    let lower = prefix.to_lowercase();
    let starts = |s: &Suggestion| s.label.to_lowercase().starts_with(&lower);
    let wanted_count = usize::try_from(limit).unwrap_or(usize::MAX);
    // Later words rank after every name that starts with the prefix: look at them only when
    // those are too few.
    if wanted(Kind::Author) && found.iter().filter(|s| starts(s)).count() < wanted_count {
        for more in authors(conn, audience, prefix, false, limit).await? {
            if !found
                .iter()
                .any(|s| s.kind == Kind::Author && s.id == more.id)
            {
                found.push(more);
            }
        }
    }
    found.sort_by_key(|s| {
        (
            !s.label.to_lowercase().starts_with(&lower),
            s.label.to_lowercase(),
        )
    });
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_becomes_a_prefix_query_of_its_words() {
        assert_eq!(
            prefix_tsquery("Julien la").as_deref(),
            Some("'julien':* & 'la':*")
        );
        assert_eq!(prefix_tsquery("O'Br").as_deref(), Some("'o':* & 'br':*"));
        assert_eq!(prefix_tsquery(" -- "), None);
    }

    #[test]
    fn like_wildcards_in_the_prefix_are_escaped() {
        assert_eq!(patterns("Lau"), ("lau%".to_owned(), "% lau%".to_owned()));
        assert_eq!(
            patterns("50%_"),
            ("50\\%\\_%".to_owned(), "% 50\\%\\_%".to_owned())
        );
    }
}
