//! Content negotiation for GraphQL over HTTP.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The media type of a GraphQL response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseMedia {
    /// `application/graphql-response+json`: request errors get 4xx status codes.
    GraphqlResponse,
    /// `application/json`: every well-formed request gets 200, as older clients expect.
    Json,
}

impl ResponseMedia {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// Picks the response media type from `Accept`: the supported type with the highest
/// quality, `application/graphql-response+json` on a tie; `application/json` for `*/*`,
/// `application/*` or no `Accept` at all. `None` when the client accepts neither.
pub fn negotiate(request: &HttpRequest) -> Option<ResponseMedia> {
    let accept = request
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    negotiate_accept(&accept)
}

fn negotiate_accept(accept: &str) -> Option<ResponseMedia> {
    if accept.trim().is_empty() {
        return Some(ResponseMedia::Json);
    }
    let mut best: Option<(f32, ResponseMedia)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let candidate = match media.as_str() {
            "application/graphql-response+json" => ResponseMedia::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => ResponseMedia::Json,
            _ => continue,
        };
        if quality <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((q, current)) => {
                quality > q
                    || (quality == q
                        && candidate == ResponseMedia::GraphqlResponse
                        && current != ResponseMedia::GraphqlResponse)
            }
        };
        if better {
            best = Some((quality, candidate));
        }
    }
    best.map(|(_, media)| media)
}

/// Whether the request body is declared as JSON (`application/json`, any parameters).
pub fn is_json_body(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Whether a browser is asking for a page rather than data.
pub fn wants_html(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResponseMedia::{GraphqlResponse, Json};

    #[test]
    fn the_graphql_response_type_is_preferred_and_json_honoured() {
        assert_eq!(
            negotiate_accept("application/graphql-response+json"),
            Some(GraphqlResponse)
        );
        assert_eq!(negotiate_accept("application/json"), Some(Json));
        assert_eq!(
            negotiate_accept("application/json, application/graphql-response+json"),
            Some(GraphqlResponse)
        );
        assert_eq!(
            negotiate_accept("application/graphql-response+json;q=0.5, application/json"),
            Some(Json)
        );
    }

    #[test]
    fn wildcards_and_a_missing_accept_get_json() {
        assert_eq!(negotiate_accept(""), Some(Json));
        assert_eq!(negotiate_accept("*/*"), Some(Json));
        assert_eq!(negotiate_accept("text/html, */*;q=0.8"), Some(Json));
    }

    #[test]
    fn unsupported_types_are_not_acceptable() {
        assert_eq!(negotiate_accept("text/html"), None);
        assert_eq!(
            negotiate_accept("application/xml, application/json;q=0"),
            None
        );
    }
}
