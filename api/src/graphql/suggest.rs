//! `suggest`: autocomplete for search boxes.

use async_graphql::{Context, Enum, Object};
use sea_orm::DatabaseConnection;

use super::author::Author;
use super::node::Node;
use super::topic::Topic;
use super::venue::Venue;
use crate::error::{ApiError, ApiResultExt as _};
use crate::service::suggest::{self, Entry, Kind};

/// What a suggestion points at.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum SuggestionKind {
    /// An author, by name or name variant.
    Author,
    /// A venue, by name.
    Venue,
    /// A topic, by name.
    Topic,
}

impl From<SuggestionKind> for Kind {
    fn from(kind: SuggestionKind) -> Self {
        match kind {
            SuggestionKind::Author => Self::Author,
            SuggestionKind::Venue => Self::Venue,
            SuggestionKind::Topic => Self::Topic,
        }
    }
}

/// An entry whose name starts with (or has a word starting with) the prefix typed.
pub struct Suggestion {
    kind: SuggestionKind,
    label: String,
    node: Node,
}

/// An entry whose name starts with (or has a word starting with) the prefix typed.
#[Object]
impl Suggestion {
    /// Whether `node` is an author, a venue or a topic.
    async fn kind(&self) -> SuggestionKind {
        self.kind
    }

    /// The name that matched: the entry's name, or an author's name variant.
    async fn label(&self) -> &str {
        &self.label
    }

    /// The author, venue or topic.
    async fn node(&self) -> &Node {
        &self.node
    }
}

#[derive(Default)]
pub struct SuggestQuery;

#[Object]
impl SuggestQuery {
    /// Prefix autocomplete over author names and their variants, venues and topics, for
    /// a search box: matches at the start of a name rank first. At most `first` (1 to 10).
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "What the user has typed so far, at most 100 characters; case-insensitive."
        )]
        prefix: String,
        #[graphql(desc = "Which kinds of entries to suggest; all by default.")] kinds: Option<
            Vec<SuggestionKind>,
        >,
        #[graphql(
            default = 10,
            desc = "How many suggestions to return: 1 to 10, default 10."
        )]
        first: i32,
    ) -> async_graphql::Result<Vec<Suggestion>> {
        crate::service::pagination::list_size("first", first, 1..=10).gql()?;
        if prefix.chars().count() > 100 {
            return Err(ApiError::bad_input(
                "prefix",
                "must be at most 100 characters",
            ))
            .gql();
        }
        let kinds: Vec<Kind> = kinds
            .unwrap_or_else(|| {
                vec![
                    SuggestionKind::Author,
                    SuggestionKind::Venue,
                    SuggestionKind::Topic,
                ]
            })
            .into_iter()
            .map(Into::into)
            .collect();
        let db = ctx.data::<DatabaseConnection>()?;
        let audience = *ctx.data::<crate::service::Audience>()?;
        let found = suggest::suggest(
            db,
            audience,
            &prefix,
            &kinds,
            u64::try_from(first).unwrap_or(10),
        )
        .await
        .gql()?;
        Ok(found
            .into_iter()
            .map(|s| {
                let (kind, node) = match s.entry {
                    Entry::Author(row) => (SuggestionKind::Author, Node::Author(Author(row))),
                    Entry::Venue(row) => (SuggestionKind::Venue, Node::Venue(Venue(row))),
                    Entry::Topic(row) => (SuggestionKind::Topic, Node::Topic(Topic(row))),
                };
                Suggestion {
                    kind,
                    label: s.label,
                    node,
                }
            })
            .collect())
    }
}
