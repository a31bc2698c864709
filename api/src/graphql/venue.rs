//! The `Venue` type.

use async_graphql::{Enum, ID, Object};
use entity::venue;

use super::ids::{GlobalId, NodeKind};

/// What kind of venue a publication appeared at.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::venue::Kind")]
pub enum VenueKind {
    /// A conference's main proceedings.
    Conference,
    /// A workshop, usually held with a conference.
    Workshop,
    /// A journal.
    Journal,
    /// A preprint server such as arXiv or bioRxiv.
    PreprintServer,
    /// A series of technical reports.
    ReportSeries,
    /// Anything else.
    Other,
}

/// Where publications appear: a conference, a workshop, a journal, a preprint server or a
/// report series.
#[derive(Clone, Debug)]
pub struct Venue(pub venue::Model);

#[Object]
impl Venue {
    /// The venue's opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Venue, self.0.id).encode()
    }

    /// A URL-safe identifier made from the name, unique among venues.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The full name, such as "ACL 2022 Workshop BigScience".
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// A short name for tight layouts, such as "LREC".
    async fn short_name(&self) -> Option<&str> {
        self.0.short_name.as_deref()
    }

    async fn kind(&self) -> VenueKind {
        self.0.kind.into()
    }

    /// The year of the edition, for venues that are held once a year.
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    /// The venue's web page.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// When the entry last changed; updates may pass it back as `expectedUpdatedAt`.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.updated_at
    }
}
