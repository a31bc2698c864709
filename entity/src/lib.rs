//! sea-orm entities of the publications catalogue.
//!
//! One module per table. The database holds the constraints (foreign keys, unique and check
//! constraints); these types only mirror the columns. Enumerations are stored as lower-case
//! text with a check constraint, so the same schema works on Postgres and SQLite.

pub mod api_token;
pub mod author;
pub mod author_name_variant;
pub mod history;
pub mod publication;
pub mod publication_author;
pub mod publication_topic;
pub mod submission;
pub mod topic;
pub mod venue;

pub mod prelude {
    pub use super::api_token::Entity as ApiToken;
    pub use super::author::Entity as Author;
    pub use super::author_name_variant::Entity as AuthorNameVariant;
    pub use super::history::Entity as History;
    pub use super::publication::Entity as Publication;
    pub use super::publication_author::Entity as PublicationAuthor;
    pub use super::publication_topic::Entity as PublicationTopic;
    pub use super::submission::Entity as Submission;
    pub use super::topic::Entity as Topic;
    pub use super::venue::Entity as Venue;
}
