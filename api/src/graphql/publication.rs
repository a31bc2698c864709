//! The `Publication` type, its author list, and the `publication`/`publications` root fields.

use async_graphql::connection::{Connection, ConnectionNameType, Edge, EdgeNameType};
use async_graphql::{Context, Enum, ErrorExtensions as _, ID, Object, OutputType, SimpleObject};
use chrono::Datelike;
use entity::publication;
use sea_orm::DatabaseConnection;
use serde_json::json;

use super::author::Author;
use super::filters::{PublicationFilterInput, PublicationOrder};
use super::ids::{GlobalId, NodeKind};
use super::loaders::{
    AuthorCountOf, Loaders, PublicationById, PublicationHistoryOf, TopicsOf, VenueById,
};
use super::scalars::{Json, PartialDate, Timestamp};
use super::topic::Topic;
use super::venue::Venue;
use crate::error::{ApiError, ApiResultExt as _};
use crate::index::collect::{PageSpec, Position};
use crate::service::listing::PublicationFilter;
use crate::service::pagination::{Cursor, Direction, MAX_PAGE_SIZE, Page, PageRequest};
use crate::service::publication::{AuthorWindow, Owner};
use crate::service::{self, Audience};

/// What kind of work a publication is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::publication::Kind")]
pub enum PublicationKind {
    /// A paper in a conference's main proceedings.
    ConferencePaper,
    /// A paper at a workshop.
    WorkshopPaper,
    /// An article in a journal.
    JournalArticle,
    /// A preprint, not (yet) peer reviewed.
    Preprint,
    /// A technical report.
    TechnicalReport,
    /// A thesis.
    Thesis,
    /// A chapter of a book.
    BookChapter,
    /// Anything else.
    Other,
}

/// Where a publication stands in the editorial workflow.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::publication::Status")]
pub enum PublicationStatus {
    /// Being prepared; visible to editors only.
    Draft,
    /// Visible to everyone.
    Published,
    /// Withdrawn from the public catalogue; visible to editors only.
    Archived,
}

/// How much of a publication date is known.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::publication::DatePrecision")]
pub enum DatePrecision {
    /// Only the year: "2022".
    Year,
    /// The month: "April 2022".
    Month,
    /// The day: "12 April 2022".
    Day,
}

/// One entry of the catalogue: a paper, preprint, report, thesis or chapter.
#[derive(Clone, Debug)]
pub struct Publication(pub publication::Model);

/// Names the connection of a publication's authors, whose edges carry positions.
pub struct PublicationAuthorConnectionName;

impl ConnectionNameType for PublicationAuthorConnectionName {
    fn type_name<T: OutputType>() -> String {
        "PublicationAuthorConnection".into()
    }
}

pub struct PublicationAuthorEdgeName;

impl EdgeNameType for PublicationAuthorEdgeName {
    fn type_name<T: OutputType>() -> String {
        "PublicationAuthorEdge".into()
    }
}

/// Where an author stands in a publication's author list.
#[derive(SimpleObject)]
pub struct AuthorPosition {
    /// 1 for the first author, n for the last.
    position: i32,
}

/// Fields of a publication's author list besides its page.
#[derive(SimpleObject)]
pub struct PublicationAuthorListFields {
    /// How many authors the publication has, across all pages: the same number as
    /// `Publication.authorCount`.
    total_count: i64,
}

pub(crate) type PublicationAuthorConnection = Connection<
    String,
    Author,
    PublicationAuthorListFields,
    AuthorPosition,
    PublicationAuthorConnectionName,
    PublicationAuthorEdgeName,
>;

const AUTHOR_ORDERING: &str = "position";

/// The byline position an author-list cursor stands at (1 or more).
fn position_of(argument: &'static str, cursor: Option<&Cursor>) -> Result<Option<i32>, ApiError> {
    cursor
        .map(|cursor| {
            cursor
                .key
                .first()
                .and_then(serde_json::Value::as_i64)
                .and_then(|position| i32::try_from(position).ok())
                .filter(|position| *position >= 1)
                .ok_or_else(|| ApiError::InvalidCursor {
                    argument,
                    message: "not a cursor of an author list".into(),
                })
        })
        .transpose()
}

impl Publication {
    /// Every author's name in order, and the venue: what a citation needs.
    async fn citation_parts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<(Vec<String>, Option<entity::venue::Model>)> {
        let loaders = ctx.data::<Loaders>()?;
        let window = AuthorWindow {
            publication_id: self.0.id,
            after: 0,
            first: i32::MAX,
            from_end: false,
        };
        let authors = loaders.load_one(window).await.gql()?.unwrap_or_default();
        let venue = match self.0.venue_id {
            Some(id) => loaders.load_one(VenueById(id)).await.gql()?,
            None => None,
        };
        Ok((authors.into_iter().map(|a| a.author.name).collect(), venue))
    }
}

/// One entry of the catalogue: a paper, preprint, report, thesis or chapter.
#[Object]
impl Publication {
    /// The publication's opaque global id.
    pub async fn id(&self) -> ID {
        GlobalId::new(NodeKind::Publication, self.0.id).encode()
    }

    /// A URL-safe identifier made from the title, unique among publications.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// The full title, as the page shows it (1 to 1,000 characters).
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// A summary of the work.
    async fn r#abstract(&self) -> Option<&str> {
        self.0.r#abstract.as_deref()
    }

    /// What kind of work this is, such as CONFERENCE_PAPER or PREPRINT.
    async fn kind(&self) -> PublicationKind {
        self.0.kind.into()
    }

    /// Drafts and archived entries are visible to editors only.
    async fn status(&self) -> PublicationStatus {
        self.0.status.into()
    }

    /// When the work was published: the first day of the year or month when only that much
    /// is known (see `publishedOnPrecision`). Null when unknown.
    async fn published_on(&self) -> Option<PartialDate> {
        self.0
            .published_on
            .map(|date| PartialDate::stored(date, self.0.published_on_precision))
    }

    /// How much of `publishedOn` is known.
    async fn published_on_precision(&self) -> Option<DatePrecision> {
        self.0.published_on_precision.map(Into::into)
    }

    /// The publication date as a page shows it: "2022", "April 2022" or "12 April 2022".
    async fn published_on_display(&self) -> Option<String> {
        service::publication::display_date(&self.0)
    }

    /// The year of publication.
    async fn year(&self) -> Option<i32> {
        self.0.published_on.map(|date| date.year())
    }

    /// Where the work appeared.
    async fn venue(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Venue>> {
        let Some(venue_id) = self.0.venue_id else {
            return Ok(None);
        };
        let venue = ctx
            .data::<Loaders>()?
            .load_one(VenueById(venue_id))
            .await
            .gql()?;
        Ok(venue.map(Venue))
    }

    /// The authors in the order of the byline. Each edge carries the author's `position`.
    /// Page forwards with `first`/`after` or backwards with `last`/`before`, as any
    /// connection; `totalCount` is the number of authors.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many authors to return from the start, 0 to 100; default 20.")]
        first: Option<i32>,
        #[graphql(desc = "An `endCursor` of this connection: return the authors after it.")]
        after: Option<String>,
        #[graphql(
            desc = "How many authors to return from the end (the last authors of the byline, or those just before `before`), 0 to 100. Not with `first`."
        )]
        last: Option<i32>,
        #[graphql(desc = "A `startCursor` of this connection: return the authors before it.")]
        before: Option<String>,
    ) -> async_graphql::Result<PublicationAuthorConnection> {
        let request = PageRequest::parse(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            AUTHOR_ORDERING,
        )
        .gql()?;
        let after = position_of("after", request.after.as_ref()).gql()?;
        let before = position_of("before", request.before.as_ref()).gql()?;
        // At most MAX_PAGE_SIZE, which PageRequest checked.
        let size = i32::try_from(request.size).unwrap_or(MAX_PAGE_SIZE as i32);
        let low = after.unwrap_or(0);
        let window = match (request.direction, before) {
            (Direction::Forward, _) => AuthorWindow {
                publication_id: self.0.id,
                after: low,
                first: size,
                from_end: false,
            },
            (Direction::Backward, Some(before)) => {
                let start = low.max(before.saturating_sub(1).saturating_sub(size));
                AuthorWindow {
                    publication_id: self.0.id,
                    after: start,
                    first: (before - 1 - start).max(0),
                    from_end: false,
                }
            }
            (Direction::Backward, None) => AuthorWindow {
                publication_id: self.0.id,
                after: 0,
                first: size,
                from_end: true,
            },
        };
        let loaders = ctx.data::<Loaders>()?;
        let (authors, total) = tokio::join!(
            loaders.load_one(window),
            loaders.load_one(AuthorCountOf(self.0.id)),
        );
        let total = total.gql()?.unwrap_or_default();
        let authors: Vec<_> = authors
            .gql()?
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.position > low && before.is_none_or(|before| a.position < before))
            .collect();
        let (low, total_i64) = (i64::from(low), total);
        // Positions run 1..total without gaps; the bounds are what the cursors leave open.
        let high = before.map_or(total_i64, |before| total_i64.min(i64::from(before) - 1));
        let (has_previous_page, has_next_page) = match request.direction {
            Direction::Forward => (after.is_some(), low + i64::from(size) < high),
            Direction::Backward => {
                let start = if window.from_end {
                    low.max(total_i64 - i64::from(size))
                } else {
                    i64::from(window.after)
                };
                (low < start.min(total_i64), before.is_some())
            }
        };
        let mut connection = PublicationAuthorConnection::with_additional_fields(
            has_previous_page,
            has_next_page,
            PublicationAuthorListFields { total_count: total },
        );
        connection.edges = authors
            .into_iter()
            .map(|positioned| {
                let cursor = Cursor::new(AUTHOR_ORDERING, vec![json!(positioned.position)]);
                Edge::with_additional_fields(
                    cursor.encode(),
                    Author(positioned.author),
                    AuthorPosition {
                        position: positioned.position,
                    },
                )
            })
            .collect();
        Ok(connection)
    }

    /// How many authors the publication has (the page shows "and 300+ authors").
    async fn author_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let count = ctx
            .data::<Loaders>()?
            .load_one(AuthorCountOf(self.0.id))
            .await
            .gql()?;
        Ok(count.unwrap_or_default())
    }

    /// The topics the publication is filed under, by name.
    async fn topics(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Topic>> {
        let topics = ctx
            .data::<Loaders>()?
            .load_one(TopicsOf(self.0.id))
            .await
            .gql()?;
        Ok(topics.unwrap_or_default().into_iter().map(Topic).collect())
    }

    /// The Digital Object Identifier, lower-cased, such as "10.18653/v1/2022.bigscience-1.8".
    async fn doi(&self) -> Option<&str> {
        self.0.doi.as_deref()
    }

    /// The arXiv identifier without version, such as "2206.15342".
    async fn arxiv_id(&self) -> Option<&str> {
        self.0.arxiv_id.as_deref()
    }

    /// The publication's landing page.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }

    /// A direct link to the full text.
    async fn pdf_url(&self) -> Option<&str> {
        self.0.pdf_url.as_deref()
    }

    /// When the entry was added to the catalogue.
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }

    /// When the entry last changed.
    async fn updated_at(&self) -> Timestamp {
        Timestamp(self.0.updated_at)
    }

    /// Increases with every change; updates and deletes pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The publication as a CSL-JSON item (Zotero, Pandoc, citeproc-js), for a "Cite" button.
    async fn csl_json(&self, ctx: &Context<'_>) -> async_graphql::Result<Json> {
        let (names, venue) = self.citation_parts(ctx).await?;
        Ok(Json(crate::service::csl::item_of(
            &self.0,
            &names,
            venue.as_ref(),
        )))
    }

    /// The publication as a BibTeX entry, for a "Cite" button; importing it again matches
    /// this publication.
    async fn bibtex(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let (names, venue) = self.citation_parts(ctx).await?;
        Ok(crate::service::bibtex::entry_of(
            &self.0,
            &names,
            venue.as_ref(),
        ))
    }

    /// Who changed what and when, oldest first. Editors only: null for anonymous callers,
    /// with an UNAUTHENTICATED error at this path.
    // Nullable so that a page which asks for it without a token loses this field and not
    // the publication (nor, by null propagation, the whole list); an empty list would say
    // "never changed", which is not what the caller was told.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<Change>>> {
        if *ctx.data::<Audience>()? != Audience::Editor {
            return Err(crate::error::ApiError::Unauthenticated(
                "the history is for editors: send Authorization: Bearer <token>",
            )
            .extend());
        }
        let rows = ctx
            .data::<Loaders>()?
            .load_one(PublicationHistoryOf(self.0.id))
            .await
            .gql()?;
        Ok(Some(
            rows.unwrap_or_default().into_iter().map(Change).collect(),
        ))
    }
}

/// What a change did.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::history::Action")]
pub enum ChangeAction {
    /// The entry was created by an editor's mutation.
    Create,
    /// Fields of the entry changed; `fields` lists them.
    Update,
    /// The entry was deleted.
    Delete,
    /// `mergeAuthors` folded duplicate authors into one.
    Merge,
    /// The entry was created by `importBibtex`.
    Import,
    /// The entry arrived through the public submission form (`submitPublication`).
    Submit,
}

/// One change in an entry's history.
pub struct Change(entity::history::Model);

/// One change in an entry's history: what was done, by whom, to which fields, and when.
#[Object]
impl Change {
    /// What the change did.
    async fn action(&self) -> ChangeAction {
        self.0.action.into()
    }

    /// The name of the token that made the change, or "submission" for the public form.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// The fields whose value changed, by their GraphQL names.
    async fn fields(&self) -> async_graphql::Result<Vec<String>> {
        // A row the service did not write (hand-edited, or from a future version) is an
        // error at this field, logged, rather than a change that seems to change nothing.
        serde_json::from_str(&self.0.fields).map_err(|err| {
            tracing::error!(change = self.0.id, error = %err, "a history row's fields do not decode");
            crate::error::ApiError::Internal(std::sync::Arc::new(sea_orm::DbErr::Json(
                err.to_string(),
            )))
            .extend()
        })
    }

    /// When the change was made.
    async fn at(&self) -> Timestamp {
        Timestamp(self.0.occurred_at)
    }
}

/// Fields of a publication list besides its page.
pub struct PublicationListFields {
    audience: Audience,
    filter: PublicationFilter,
    /// Counted by the index while it read the page.
    total: u64,
}

#[Object]
impl PublicationListFields {
    /// How many publications the whole list holds, across all pages.
    async fn total_count(&self) -> u64 {
        self.total
    }

    /// Counts by year, kind, venue kind, venue and topic for a sidebar; computed only when
    /// asked for.
    async fn facets(&self) -> super::facets::PublicationFacets {
        super::facets::PublicationFacets {
            audience: self.audience,
            filter: self.filter.clone(),
        }
    }
}

pub type PublicationConnection =
    Connection<String, Publication, PublicationListFields, PublicationEdgeFields>;

/// A piece of text, and whether a search term matched it: render matched pieces highlighted
/// (as `<mark>`), the rest as plain text.
#[derive(SimpleObject, Clone, Debug)]
pub struct TextFragment {
    /// The text of the piece, as it appears in the original (HTML-escape it before rendering).
    pub text: String,
    /// Whether a search term matched this piece: render it highlighted.
    pub matched: bool,
}

/// Where the list's search matched a publication.
#[derive(SimpleObject, Clone, Debug)]
pub struct SearchMatch {
    /// The whole title in fragments; null when the search did not match it.
    pub title: Option<Vec<TextFragment>>,
    /// The part of the abstract around the first match; null when it did not match.
    #[graphql(name = "abstract")]
    pub r#abstract: Option<Vec<TextFragment>>,
}

/// What a list's edge says about its publication besides the cursor.
#[derive(SimpleObject, Clone, Debug)]
pub struct PublicationEdgeFields {
    /// Where `filter.search` matched, for highlighted snippets; null without a search, and
    /// for matches on authors or venue only.
    pub highlights: Option<SearchMatch>,
}

fn highlights(
    search: Option<&crate::index::text::Probes>,
    row: &publication::Model,
) -> PublicationEdgeFields {
    use crate::service::search::{Fragment, highlight};
    let fragments = |found: Option<Vec<Fragment>>| {
        found.map(|list| {
            list.into_iter()
                .map(|f| TextFragment {
                    text: f.text,
                    matched: f.matched,
                })
                .collect()
        })
    };
    let found = search.map(|query| SearchMatch {
        title: fragments(highlight(&row.title, &query.marks(&row.title), None)),
        r#abstract: fragments(
            row.r#abstract
                .as_deref()
                .and_then(|text| highlight(text, &query.marks(text), Some(60))),
        ),
    });
    PublicationEdgeFields {
        highlights: found.filter(|m| m.title.is_some() || m.r#abstract.is_some()),
    }
}

/// The arguments of a publication list.
pub struct ListArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    pub filter: Option<PublicationFilterInput>,
    pub order_by: Option<Vec<PublicationOrder>>,
}

/// The publications of one author, venue or topic, as a filter.
pub fn scope(owner: crate::service::publication::Owner, id: i64) -> PublicationFilter {
    use crate::service::listing::IdSet;
    use crate::service::publication::Owner;
    let set = Some(IdSet {
        any_of: Some(vec![id]),
        ..IdSet::default()
    });
    match owner {
        Owner::Author => PublicationFilter {
            authors: set,
            ..PublicationFilter::default()
        },
        Owner::Venue => PublicationFilter {
            venues: set,
            ..PublicationFilter::default()
        },
        Owner::Topic => PublicationFilter {
            topics: set,
            ..PublicationFilter::default()
        },
    }
}

/// A page of publications: the root list, or an author's, venue's or topic's (`owner`).
pub async fn publication_connection(
    ctx: &Context<'_>,
    args: ListArgs,
    owner: Option<(Owner, i64)>,
) -> async_graphql::Result<PublicationConnection> {
    let mut filter = args
        .filter
        .map(|f| f.parse("filter"))
        .transpose()
        .gql()?
        .unwrap_or_default();
    if let Some((kind, id)) = owner {
        filter.and.push(scope(kind, id));
    }
    let ordering = super::filters::ordering(args.order_by, filter.search.clone());
    let tag = ordering.tag(&filter.digest());
    let request = PageRequest::parse(
        args.first,
        args.after.as_deref(),
        args.last,
        args.before.as_deref(),
        &tag,
    )
    .gql()?;
    let audience = *ctx.data::<Audience>()?;
    let position = |cursor: &Option<crate::service::pagination::Cursor>, argument: &'static str| {
        cursor
            .as_ref()
            .map(|cursor| {
                Position::parse(ordering.keys(), &cursor.key).ok_or_else(|| {
                    ApiError::InvalidCursor {
                        argument,
                        message: "not a cursor this server made; pass back an endCursor or startCursor unchanged".into(),
                    }
                })
            })
            .transpose()
    };
    let spec = PageSpec {
        keys: ordering.keys().to_vec(),
        id_descending: ordering.id_descending(),
        backward: request.direction == Direction::Backward,
        after: position(&request.after, "after").gql()?,
        before: position(&request.before, "before").gql()?,
        limit: usize::try_from(request.size + 1).unwrap_or(usize::MAX),
    };
    let snapshot = super::index_snapshot(ctx).await?;
    let found = snapshot.page(audience, &filter, spec).await.gql()?;
    // The rows by primary key, with every other list of the request.
    let rows = ctx
        .data::<Loaders>()?
        .load_many(found.hits.iter().map(|hit| PublicationById(hit.id)))
        .await
        .gql()?;
    let page = Page::from_overfetch(found.hits.clone(), &request);
    let mut connection = PublicationConnection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        PublicationListFields {
            audience,
            filter,
            total: found.total,
        },
    );
    let probes = connection
        .additional_fields
        .filter
        .search
        .as_ref()
        .map(crate::index::text::Probes::of);
    connection.edges = page
        .rows
        .into_iter()
        .filter_map(|hit| {
            // A row deleted since the index was read is left out.
            let row = rows.get(&PublicationById(hit.id))?.clone();
            let extra = highlights(probes.as_ref(), &row);
            Some(Edge::with_additional_fields(
                Cursor::new(&tag, hit.cursor).encode(),
                Publication(row),
                extra,
            ))
        })
        .collect();
    Ok(connection)
}

#[derive(Default)]
pub struct PublicationQuery;

#[Object]
impl PublicationQuery {
    /// Fetches one publication by its global id, slug, DOI or arXiv identifier: give exactly
    /// one of them (any other number is a BAD_USER_INPUT error). Null when no publication
    /// matches, or when the match is a draft or archived entry and the caller is not an editor.
    async fn publication(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The publication's global id, as `Publication.id` returns it.")]
        id: Option<ID>,
        #[graphql(desc = "The publication's slug, as in its page's URL.")] slug: Option<String>,
        #[graphql(
            desc = "A DOI, in any case, bare (\"10.18653/v1/2022.bigscience-1.8\") or with a resolver prefix (\"https://doi.org/...\", \"doi:...\"). Not a DOI: a BAD_USER_INPUT error naming `doi`."
        )]
        doi: Option<String>,
        #[graphql(
            desc = "An arXiv identifier, new style (\"2206.15342\") or old (\"hep-th/9901001\"), with or without a version (\"v2\") or an \"arXiv:\" or abs-page URL prefix. Not an arXiv identifier: a BAD_USER_INPUT error naming `arxivId`."
        )]
        arxiv_id: Option<String>,
    ) -> async_graphql::Result<Option<Publication>> {
        use crate::domain::{ArxivId, Doi};
        use crate::service::publication::Lookup;
        let given = [
            id.is_some(),
            slug.is_some(),
            doi.is_some(),
            arxiv_id.is_some(),
        ];
        if given.iter().filter(|given| **given).count() != 1 {
            return Err(ApiError::bad_input(
                "id",
                "give exactly one of id, slug, doi and arxivId",
            ))
            .gql();
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let audience = *ctx.data::<Audience>()?;
        let found = if let Some(id) = id {
            let id = GlobalId::decode_as("id", &id, NodeKind::Publication).gql()?;
            ctx.data::<Loaders>()?
                .load_one(PublicationById(id))
                .await
                .gql()?
        } else if let Some(slug) = slug {
            service::publication::find(db, audience, Lookup::Slug(slug.trim()))
                .await
                .gql()?
        } else if let Some(doi) = doi {
            let doi = Doi::parse(&doi)
                .map_err(|e| ApiError::bad_input("doi", e.0))
                .gql()?;
            service::publication::find(db, audience, Lookup::Doi(&doi))
                .await
                .gql()?
        } else if let Some(arxiv_id) = arxiv_id {
            let arxiv_id = ArxivId::parse(&arxiv_id)
                .map_err(|e| ApiError::bad_input("arxivId", e.0))
                .gql()?;
            service::publication::find(db, audience, Lookup::ArxivId(&arxiv_id))
                .await
                .gql()?
        } else {
            None
        };
        Ok(found.map(Publication))
    }

    /// The publications of the catalogue, newest first by default (undated entries last),
    /// narrowed by `filter` and sorted by `orderBy`. Anonymous callers see published entries
    /// only. Cursors are bound to the filter and the order that made them.
    #[graphql(complexity = "super::page_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection field takes its pagination, filter and order arguments"
    )]
    async fn publications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return the first n publications (0 to 100; default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the publications after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return the last n publications (0 to 100).")] last: Option<i32>,
        #[graphql(desc = "Return the publications before this cursor.")] before: Option<String>,
        #[graphql(desc = "Which publications to list.")] filter: Option<PublicationFilterInput>,
        #[graphql(desc = "Sort keys, in order; the id always ends the order.")] order_by: Option<
            Vec<PublicationOrder>,
        >,
    ) -> async_graphql::Result<PublicationConnection> {
        let args = ListArgs {
            first,
            after,
            last,
            before,
            filter,
            order_by,
        };
        publication_connection(ctx, args, None).await
    }
}
