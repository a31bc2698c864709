//! The sample catalogue: the publications of the page this service began with.
//!
//! It is loaded through the same service functions as any other data, in one transaction,
//! and is idempotent: an entry whose slug exists already is left as it is.

use std::collections::HashMap;

use anyhow::{Context as _, anyhow};
use entity::publication::{Kind, Status};
use entity::venue;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
use serde::Deserialize;

use super::{author, publication, topic, venue as venues};
use crate::domain::{Name, PartialDate, Slug, Title};

/// The sample catalogue shipped with the service.
pub const SAMPLE_CATALOGUE: &str = include_str!("../../seeds/sample-catalogue.json");

/// What a seed run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeedReport {
    pub created: usize,
    pub already_present: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    topics: Vec<SeedTopic>,
    venues: Vec<SeedVenue>,
    publications: Vec<SeedPublication>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTopic {
    name: String,
    description: Option<String>,
    parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SeedVenue {
    name: String,
    short_name: Option<String>,
    kind: venue::Kind,
    year: Option<i32>,
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SeedPublication {
    title: String,
    r#abstract: Option<String>,
    kind: Kind,
    #[serde(default = "published")]
    status: Status,
    published_on: Option<String>,
    venue: Option<String>,
    #[serde(default)]
    topics: Vec<String>,
    authors: Vec<SeedAuthor>,
    url: Option<String>,
}

fn published() -> Status {
    Status::Published
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedAuthor {
    name: String,
    #[serde(default)]
    variants: Vec<String>,
}

/// Whether the catalogue has no publication at all.
pub async fn is_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
    let count = entity::publication::Entity::find()
        .count(db)
        .await
        .context("failed to count publications")?;
    Ok(count == 0)
}

/// Loads `catalogue` (JSON, in the shape of `seeds/sample-catalogue.json`).
pub async fn load(db: &DatabaseConnection, catalogue: &str) -> anyhow::Result<SeedReport> {
    let catalogue: Catalogue =
        serde_json::from_str(catalogue).context("failed to read the seed catalogue")?;
    let txn = db
        .begin()
        .await
        .context("failed to start the seed transaction")?;
    let mut report = SeedReport::default();

    let mut topic_ids: HashMap<String, i64> = HashMap::new();
    for seed in &catalogue.topics {
        let parent_id = match &seed.parent {
            Some(parent) => Some(*topic_ids.get(parent).ok_or_else(|| {
                anyhow!("topic {:?}: parent {parent:?} must come first", seed.name)
            })?),
            None => None,
        };
        let new = topic::NewTopic {
            name: Name::parse(&seed.name).with_context(|| format!("topic {:?}", seed.name))?,
            description: seed.description.clone(),
            parent_id,
        };
        let row = topic::find_or_create(&txn, new).await?;
        topic_ids.insert(seed.name.clone(), row.id);
    }

    let mut venue_ids: HashMap<String, i64> = HashMap::new();
    for seed in &catalogue.venues {
        let context = || format!("venue {:?}", seed.name);
        let new = venues::NewVenue {
            name: Name::parse(&seed.name).with_context(context)?,
            short_name: seed
                .short_name
                .as_deref()
                .map(Name::parse)
                .transpose()
                .with_context(context)?,
            kind: seed.kind,
            year: seed.year,
            url: seed.url.clone(),
        };
        let row = venues::find_or_create(&txn, new).await?;
        venue_ids.insert(seed.name.clone(), row.id);
    }

    for seed in &catalogue.publications {
        let context = || format!("publication {:?}", seed.title);
        let title = Title::parse(&seed.title).with_context(context)?;
        let slug = Slug::from_text(title.as_ref(), "publication");
        if publication::slug_taken(&txn, slug.as_ref().to_owned()).await? {
            report.already_present += 1;
            continue;
        }
        let mut author_ids = Vec::with_capacity(seed.authors.len());
        for author in &seed.authors {
            let new = author::NewAuthor {
                name: Name::parse(&author.name).with_context(context)?,
                orcid: None,
                name_variants: author
                    .variants
                    .iter()
                    .map(|variant| Name::parse(variant))
                    .collect::<Result<_, _>>()
                    .with_context(context)?,
            };
            author_ids.push(author::find_or_create(&txn, new).await?.id);
        }
        let lookup = |names: &HashMap<String, i64>, name: &str, what: &str| {
            names
                .get(name)
                .copied()
                .ok_or_else(|| anyhow!("{}: unknown {what} {name:?}", context()))
        };
        let new = publication::NewPublication {
            title,
            slug,
            r#abstract: seed.r#abstract.clone(),
            kind: seed.kind,
            status: seed.status,
            published: seed
                .published_on
                .as_deref()
                .map(PartialDate::parse)
                .transpose()
                .with_context(context)?,
            venue_id: seed
                .venue
                .as_deref()
                .map(|name| lookup(&venue_ids, name, "venue"))
                .transpose()?,
            doi: None,
            arxiv_id: None,
            url: seed.url.clone(),
            pdf_url: None,
            author_ids,
            topic_ids: seed
                .topics
                .iter()
                .map(|name| lookup(&topic_ids, name, "topic"))
                .collect::<Result<_, _>>()?,
        };
        publication::create(&txn, new).await.with_context(context)?;
        report.created += 1;
    }
    super::feed::record(&txn, "seed")
        .await
        .context("failed to record the seed in the change feed")?;
    txn.commit()
        .await
        .context("failed to commit the seed transaction")?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_catalogue_parses_into_domain_values() {
        let catalogue: Catalogue = serde_json::from_str(SAMPLE_CATALOGUE).expect("valid JSON");
        assert_eq!(catalogue.publications.len(), 6);
        for publication in &catalogue.publications {
            Title::parse(&publication.title).expect("valid title");
            if let Some(date) = &publication.published_on {
                PartialDate::parse(date).expect("valid date");
            }
        }
        let one_million = catalogue
            .publications
            .iter()
            .find(|p| p.title.contains("One Million GPU Hours"))
            .expect("present");
        assert_eq!(one_million.authors.len(), 18);
        assert_eq!(one_million.authors[17].name, "Iz Beltagy");
    }
}
