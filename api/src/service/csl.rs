//! CSL-JSON, the citation format of Zotero, Pandoc and citeproc-js, for "Cite" buttons.

use chrono::Datelike;
use entity::publication::{self, DatePrecision, Kind};
use entity::venue;
use serde_json::{Value, json};

/// The CSL-JSON item of `row`, its authors in order and its venue.
pub fn item_of(
    row: &publication::Model,
    authors: &[String],
    venue: Option<&venue::Model>,
) -> Value {
    let csl_type = match row.kind {
        Kind::JournalArticle => "article-journal",
        Kind::ConferencePaper | Kind::WorkshopPaper => "paper-conference",
        Kind::TechnicalReport => "report",
        Kind::Thesis => "thesis",
        Kind::BookChapter => "chapter",
        Kind::Preprint | Kind::Other => "article",
    };
    let mut item = json!({
        "id": row.slug,
        "type": csl_type,
        "title": row.title,
        "author": authors
            .iter()
            .map(|name| match name.rsplit_once(' ') {
                Some((given, family)) => json!({ "family": family, "given": given }),
                None => json!({ "literal": name }),
            })
            .collect::<Vec<_>>(),
    });
    let fields = [
        ("abstract", row.r#abstract.clone()),
        ("container-title", venue.map(|v| v.name.clone())),
        ("DOI", row.doi.clone()),
        ("URL", row.url.clone()),
        (
            "number",
            row.arxiv_id.as_ref().map(|id| format!("arXiv:{id}")),
        ),
    ];
    for (field, value) in fields {
        if let Some(value) = value {
            item[field] = json!(value);
        }
    }
    if let Some(date) = row.published_on {
        let parts = match row.published_on_precision.unwrap_or(DatePrecision::Day) {
            DatePrecision::Year => json!([date.year()]),
            DatePrecision::Month => json!([date.year(), date.month()]),
            DatePrecision::Day => json!([date.year(), date.month(), date.day()]),
        };
        item["issued"] = json!({ "date-parts": [parts] });
    }
    item
}
