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
const banner = document.getElementById('viewer');
const endpoint = container.dataset.endpoint || '/graphql';
// Subscriptions go over a WebSocket to the same path; the Headers pane's Authorization goes
// in its connection_init.
const socket = new URL(endpoint, window.location.href);
socket.protocol = socket.protocol === 'https:' ? 'wss:' : 'ws:';
const tabFetcher = GraphiQL.createFetcher({ url: endpoint, subscriptionUrl: socket.href });
// GraphiQL keeps headers per tab; the last headers typed apply to every tab, so that the
// token is put in once. A tab's own headers win.
let sharedHeaders = {};
const fetcher = (params, options) =>
  tabFetcher(params, Object.assign({}, options, {
    headers: Object.assign({}, sharedHeaders, options && options.headers),
  }));
const explorer = GraphiQLPluginExplorer.explorerPlugin();
// Tabs, queries and (when "Persist headers" is on in the settings) the headers are kept for
// this browser tab's session only: closing the tab forgets the token.
const storage = window.sessionStorage;

const post = async (query, variables, headers) => {
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json' }, headers),
    body: JSON.stringify({ query, variables }),
  });
  return answer.json();
};

// Says on the page who the Headers pane's token belongs to, or that there is none.
let checking = 0;
const showViewer = async (text) => {
  const mine = ++checking;
  let headers = {};
  try {
    // A tab without headers (switching to it empties the pane) keeps the shared ones; `{}`
    // signs out.
    headers = text && text.trim() ? JSON.parse(text) : sharedHeaders;
    sharedHeaders = headers;
  } catch (error) {
    banner.textContent = 'Headers: not JSON yet, as {"Authorization": "Bearer pcat_..."}';
    banner.className = 'refused';
    return;
  }
  let answer;
  try {
    answer = await post('{ viewer { isAuthenticated name role canEdit } }', {}, headers);
  } catch (error) {
    answer = { errors: [{ message: 'the service did not answer' }] };
  }
  if (mine !== checking) return;
  const viewer = answer.data && answer.data.viewer;
  if (viewer && viewer.isAuthenticated) {
    banner.textContent = `Signed in as ${viewer.name} (${viewer.role.toLowerCase()}), in every tab: drafts are shown and mutations run.`;
    banner.className = 'editor';
  } else if (viewer) {
    banner.textContent = 'Anonymous: published entries only, and mutations are refused. Put {"Authorization": "Bearer pcat_..."} in the Headers pane below.';
    banner.className = 'anonymous';
  } else {
    banner.textContent = `Headers refused: ${answer.errors ? answer.errors[0].message : 'unknown error'}`;
    banner.className = 'refused';
  }
};
let pending;
const onEditHeaders = (text) => {
  clearTimeout(pending);
  pending = setTimeout(() => showViewer(text), 300);
};

// Example operations, one tab each, for the sample catalogue; on another catalogue, put your
// own slugs and ids in the Variables pane.
const RITA = 'rita-a-study-on-scaling-up-generative-protein-sequence-models';
const PAGNOL = 'pagnol-an-extra-large-french-generative-model';
const DFA = 'direct-feedback-alignment-scales-to-modern-deep-learning-tasks-and-architectures';
const tab = (query, variables) => ({ query, variables: JSON.stringify(variables, null, 2) });
const examples = (rita, pagnol) => [
  tab(`# Find a publication by the slug in its page's URL (or by doi, or arxivId), with what an
# edit needs: its version, and its authors' ids in byline order.
query FindPublication($slug: String!) {
  publication(slug: $slug) {
    id
    title
    status
    version
    authors(first: 100) { nodes { id name } }
  }
}
`, { slug: RITA }),
  tab(`# Fix a title. expectedVersion is the version the entry had when you looked it up (the
# first tab): if someone changed it since, the answer is a CONFLICT and nothing is written.
mutation FixTitle($slug: String!, $version: Int!) {
  updatePublication(input: {
    find: { slug: $slug }
    expectedVersion: $version
    title: "RITA: A Study on Scaling Up Generative Protein Sequence Models"
  }) {
    publication { title version }
    userErrors { field message code }
  }
}
`, { slug: RITA, version: rita ? rita.version : 1 }),
  tab(`# Reorder the authors: the whole byline, in its new order (ids from the first tab).
mutation ReorderAuthors($slug: String!, $version: Int!, $authors: [AuthorRefInput!]!) {
  setPublicationAuthors(input: { find: { slug: $slug }, expectedVersion: $version, authors: $authors }) {
    publication { authors(first: 100) { nodes { name } } version }
    userErrors { field message code }
  }
}
`, {
    slug: PAGNOL,
    version: pagnol ? pagnol.version : 1,
    // The last author moves first.
    authors: pagnol
      ? [...pagnol.authors.nodes.slice(-1), ...pagnol.authors.nodes.slice(0, -1)].map((a) => ({ id: a.id }))
      : [{ id: '<an author id>' }],
  }),
  tab(`# Merge an author entered twice into the one to keep: the duplicate's publications move
# to it, in the same byline places, and its name becomes a name variant. Find both ids with
# authors(filter: { search: "Le Scao" }) { nodes { id name publicationCount } }.
mutation MergeAuthors($duplicate: ID!, $keep: ID!) {
  mergeAuthors(input: { sourceIds: [$duplicate], targetId: $keep }) {
    author { name nameVariants publicationCount }
    userErrors { field message code }
  }
}
`, { duplicate: '<id of the duplicate>', keep: '<id of the author to keep>' }),
  tab(`# Import BibTeX: each entry is created (as a DRAFT unless status says otherwise), or
# matched to the publication that has its DOI or arXiv id.
mutation ImportBibtex($bibtex: String!) {
  importBibtex(input: { bibtex: $bibtex }) {
    createdCount
    matchedCount
    entries { key outcome reason publication { slug status } }
  }
}
`, {
    bibtex: '@inproceedings{launay2020dfa,\n  title = {Direct Feedback Alignment Scales to Modern Deep Learning Tasks and Architectures},\n  author = {Launay, Julien and Poli, Iacopo and Boniface, Fran{\\c{c}}ois and Krzakala, Florent},\n  booktitle = {Advances in Neural Information Processing Systems},\n  year = {2020},\n  eprint = {2006.12878}\n}',
  }),
  tab(`# Publish a draft (a submission, or an import): anonymous readers see it from now on.
# Drafts waiting: publications(filter: { statuses: [DRAFT] }) { nodes { slug title version } }
mutation PublishDraft($slug: String!, $version: Int!) {
  updatePublication(input: { find: { slug: $slug }, expectedVersion: $version, status: PUBLISHED }) {
    publication { title status version }
    userErrors { field message code }
  }
}
`, { slug: DFA, version: 1 }),
];

const start = async () => {
  let sample = {};
  try {
    const query = `query Sample($rita: String!, $pagnol: String!) {
      rita: publication(slug: $rita) { version }
      pagnol: publication(slug: $pagnol) { version authors(first: 100) { nodes { id } } }
    }`;
    sample = (await post(query, { rita: RITA, pagnol: PAGNOL }, {})).data || {};
  } catch (error) {
    sample = {};
  }
  const root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      storage,
      plugins: [explorer],
      visiblePlugin: explorer,
      defaultTabs: examples(sample.rita, sample.pagnol),
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      defaultQuery: '# A new tab: tick fields in the Explorer on the left, or type a query here.\n',
      onEditHeaders,
    }),
  );
  showViewer(storage.getItem('graphiql:headers') || '');
};
start();
"#;

/// The page's own style: a line saying who the headers authenticate, and GraphiQL below it.
const PAGE_CSS: &str =
    "body { margin: 0; height: 100vh; display: flex; flex-direction: column; overflow: hidden; }
#viewer { padding: 0.4em 1em; font: 14px system-ui, sans-serif; }
#viewer.editor { background: #e6f4ea; } #viewer.anonymous { background: #eef2f7; }
#viewer.refused { background: #fce8e6; }
#graphiql { flex: 1; min-height: 0; } #graphiql > .graphiql-container { height: 100%; }
";

const ASSETS: [Asset; 8] = [
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
        name: "plugin-explorer.umd.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/plugin-explorer.umd.js"),
    },
    Asset {
        name: "plugin-explorer.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../vendor/graphiql/plugin-explorer.css"),
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
    <link rel="stylesheet" href="/graphiql/plugin-explorer.css" />
    <link rel="stylesheet" href="/graphiql/page.css" />
  </head>
  <body>
    <div id="viewer" class="anonymous">Checking the headers…</div>
    <div id="graphiql" data-endpoint="/graphql">Loading GraphiQL…</div>
    <script src="/graphiql/react.production.min.js"></script>
    <script src="/graphiql/react-dom.production.min.js"></script>
    <script src="/graphiql/graphiql.min.js"></script>
    <script src="/graphiql/plugin-explorer.umd.js"></script>
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
        assert_eq!(page.matches("<script").count(), 5, "{page}");
        assert_eq!(
            page.matches("<script src=\"/graphiql/").count(),
            5,
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
