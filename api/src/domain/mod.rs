//! Domain types that can only be built by parsing, so that no bad value reaches a service.
//!
//! GraphQL inputs and seed files hold raw strings; `parse` turns them into these types or
//! says what is wrong, in words an editor can act on.

mod arxiv_id;
mod doi;
mod email;
mod orcid;
mod partial_date;
mod slug;
mod text;
mod web_url;

pub use arxiv_id::ArxivId;
pub use doi::Doi;
pub use email::Email;
pub use orcid::Orcid;
pub use partial_date::PartialDate;
pub use slug::Slug;
pub use text::{Name, Title};
pub use web_url::WebUrl;

/// Why a raw value was refused. The message completes "<field>: ...".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
