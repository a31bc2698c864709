//! Who is calling: anonymous, or a token's name and role.

use async_graphql::{Context, Enum, Object};
use entity::api_token::Role;

use crate::service::Audience;
use crate::service::edit::Actor;

/// The caller of a request, from its `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    Token { name: String, role: Role },
}

impl Caller {
    pub fn audience(&self) -> Audience {
        match self {
            Self::Anonymous => Audience::Public,
            Self::Token { .. } => Audience::Editor,
        }
    }

    /// The name the history records for the caller's changes.
    pub fn actor(&self) -> Option<Actor> {
        match self {
            Self::Anonymous => None,
            Self::Token { name, .. } => Some(Actor(name.clone())),
        }
    }
}

/// Identifies the client of a request for rate limits (its network address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKey(pub String);

/// What a token may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::api_token::Role")]
pub enum ViewerRole {
    /// Runs every mutation.
    Editor,
    /// Runs every mutation; reserved for destructive tools.
    Admin,
}

/// Who is calling, as the server sees it.
pub struct Viewer(Caller);

/// Who is calling, as the server sees it.
#[Object]
impl Viewer {
    /// Whether the request carried a valid token.
    async fn is_authenticated(&self) -> bool {
        self.0 != Caller::Anonymous
    }

    /// The token's name; null for anonymous callers.
    async fn name(&self) -> Option<&str> {
        match &self.0 {
            Caller::Anonymous => None,
            Caller::Token { name, .. } => Some(name),
        }
    }

    /// The token's role; null for anonymous callers.
    async fn role(&self) -> Option<ViewerRole> {
        match &self.0 {
            Caller::Anonymous => None,
            Caller::Token { role, .. } => Some((*role).into()),
        }
    }

    /// Whether the caller may run editor mutations and see drafts and archived entries.
    async fn can_edit(&self) -> bool {
        self.0 != Caller::Anonymous
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who is calling: anonymous, or the name and role of the request's token.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Viewer> {
        Ok(Viewer(ctx.data::<Caller>()?.clone()))
    }
}
