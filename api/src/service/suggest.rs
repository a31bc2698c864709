//! `suggest`: prefix autocomplete over author names (and their variants), venues and topics.
//!
//! A prefix matches the start of a name or of any word in it ("lau" finds "Julien Launay"),
//! case-insensitively. Matches at the start of the name rank first.

use super::directory::{escape_like, lower_like};
use entity::{author, author_name_variant, topic, venue};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

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
    let mut found: Vec<Suggestion> = Vec::new();
    if kinds.contains(&Kind::Author) {
        for row in author::Entity::find()
            .filter(super::author::visible(audience))
            .filter(matches(author::Column::Name, prefix))
            .order_by_asc(author::Column::Name)
            .limit(limit)
            .all(conn)
            .await?
        {
            found.push(Suggestion {
                kind: Kind::Author,
                id: row.id,
                label: row.name,
            });
        }
        let visible_authors = sea_orm::sea_query::Query::select()
            .column(author::Column::Id)
            .from(author::Entity)
            .cond_where(super::author::visible(audience))
            .to_owned();
        for row in author_name_variant::Entity::find()
            .filter(author_name_variant::Column::AuthorId.in_subquery(visible_authors))
            .filter(matches(author_name_variant::Column::Name, prefix))
            .order_by_asc(author_name_variant::Column::Name)
            .limit(limit)
            .all(conn)
            .await?
        {
            if !found
                .iter()
                .any(|s| s.kind == Kind::Author && s.id == row.author_id)
            {
                found.push(Suggestion {
                    kind: Kind::Author,
                    id: row.author_id,
                    label: row.name,
                });
            }
        }
    }
    if kinds.contains(&Kind::Venue) {
        for row in venue::Entity::find()
            .filter(
                Condition::any()
                    .add(matches(venue::Column::Name, prefix))
                    .add(matches(venue::Column::ShortName, prefix)),
            )
            .order_by_asc(venue::Column::Name)
            .limit(limit)
            .all(conn)
            .await?
        {
            found.push(Suggestion {
                kind: Kind::Venue,
                id: row.id,
                label: row.name,
            });
        }
    }
    if kinds.contains(&Kind::Topic) {
        for row in topic::Entity::find()
            .filter(matches(topic::Column::Name, prefix))
            .order_by_asc(topic::Column::Name)
            .limit(limit)
            .all(conn)
            .await?
        {
            found.push(Suggestion {
                kind: Kind::Topic,
                id: row.id,
                label: row.name,
            });
        }
    }
    let lower = prefix.to_lowercase();
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
    fn like_wildcards_in_the_prefix_are_escaped() {
        assert_eq!(patterns("Lau"), ("lau%".to_owned(), "% lau%".to_owned()));
        assert_eq!(
            patterns("50%_"),
            ("50\\%\\_%".to_owned(), "% 50\\%\\_%".to_owned())
        );
    }
}
