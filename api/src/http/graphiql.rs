//! GraphiQL for editors, served with its assets from the binary: no CDN is needed, so it
//! works on closed networks and in CI. The headers pane takes an editor's
//! `{"Authorization": "Bearer ..."}`.
//!
//! The page has no inline script or style of its own (they are the assets `init.js` and
//! `page.css`), so that the Content-Security-Policy sent with it (see `startup`) can allow
//! scripts from this origin only: a script injected into the page would not run.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

/// The page's own script: GraphiQL mounted on `#graphiql`, talking to the endpoint the page
/// names in `data-endpoint`, over HTTP and, for subscriptions, over a WebSocket.
const INIT_JS: &str = r#"'use strict';
const container = document.getElementById('graphiql');
const endpoint = container.dataset.endpoint || '/graphql';
// Subscriptions go over a WebSocket to the same path; the Headers pane's Authorization goes
// in its connection_init.
const socket = new URL(endpoint, window.location.href);
socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
const fetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket.href });
const root = ReactDOM.createRoot(container);
root.render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    defaultQuery: '# The publications page: newest first.\n# Editors: put {"Authorization": "Bearer <token>"} in the Headers pane below.\n{\n  publications(first: 10) {\n    totalCount\n    nodes { title publishedOnDisplay authorCount venue { name } }\n  }\n}\n',
  }),
);
"#;

/// The page's own style: GraphiQL fills the window.
const PAGE_CSS: &str = "body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }\n";

const ASSETS: [Asset; 6] = [
    Asset {
        name: "init.js",
        content_type: "text/javascript; charset=utf-8",
        body: INIT_JS.as_bytes(),
    },
    Asset {
        name: "page.css",
        content_type: "text/css; charset=utf-8",
        body: PAGE_CSS.as_bytes(),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/graphiql.min.css"),
    },
    Asset {
        name: "react.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/react-dom.production.min.js"),
    },
];

/// The GraphiQL page.
pub fn page() -> &'static str {
    r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Publications catalogue · GraphiQL</title>
    <link rel="stylesheet" href="/graphiql/graphiql.min.css" />
    <link rel="stylesheet" href="/graphiql/page.css" />
  </head>
  <body>
    <div id="graphiql" data-endpoint="/graphql">Loading GraphiQL…</div>
    <script src="/graphiql/react.production.min.js"></script>
    <script src="/graphiql/react-dom.production.min.js"></script>
    <script src="/graphiql/graphiql.min.js"></script>
    <script src="/graphiql/init.js"></script>
  </body>
</html>
"#
}

/// `GET /graphiql/{file}`: the page's scripts and styles, cached for a day.
pub async fn asset(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|asset| asset.name == name.as_str()) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .body(asset.body),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let page = page();
        assert_eq!(page.matches("<script").count(), 4, "{page}");
        assert_eq!(
            page.matches("<script src=\"/graphiql/").count(),
            4,
            "{page}"
        );
        assert!(!page.contains("<style"), "{page}");
        assert!(!page.contains(" style=") && !page.contains(" on"), "{page}");
    }

    #[test]
    fn every_asset_the_page_names_is_served() {
        let page = page();
        for name in page
            .split("/graphiql/")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
        {
            assert!(
                ASSETS.iter().any(|asset| asset.name == name),
                "{name} is not served"
            );
        }
    }
}
