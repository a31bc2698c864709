// Persisted queries through Apollo's link (src/persisted-queries.mjs): the first run of a
// query is a GET with the hash alone (PERSISTED_QUERY_NOT_FOUND), then a POST with the query;
// the second run is one GET with the hash alone, and its answer carries `Cache-Control` and
// an `ETag` that `If-None-Match` turns into a 304. The server runs with
// HTTP_CACHE_MAX_AGE_SECS=60 (tests/api/frontend.rs).

import { createHash } from "node:crypto";

import { gql } from "@apollo/client/core";
import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev";

import { createPersistedQueryClient } from "../src/persisted-queries.mjs";
import {
  HTTP_URL,
  PATIENCE_MS,
  done,
  expect,
  expectSame,
  post,
  recordRequests,
  start,
  within,
} from "../support/check.mjs";

start("persisted queries");
loadDevMessages();
loadErrorMessages();

const LATEST = gql`
  query Latest {
    publications(first: 3) {
      nodes {
        id
        title
      }
    }
  }
`;
const expected = await post("{ publications(first: 3) { nodes { id title } } }");

const requests = recordRequests();
const client = createPersistedQueryClient({ httpUrl: HTTP_URL });
const run = async (what) => {
  const { data } = await within(client.query({ query: LATEST, fetchPolicy: "network-only" }), what);
  expectSame(
    data.publications.nodes.map(({ id, title }) => ({ id, title })),
    expected.publications.nodes,
    `${what}: the data is not what the server lists`,
  );
};
// The hash of the text Apollo sends (its cache adds __typename), as node:crypto computes it.
let hash;
const hashOnly = (request) => {
  const extensions = JSON.parse(request.url.searchParams.get("extensions") ?? "{}");
  return (
    request.method === "GET" &&
    !request.url.searchParams.has("query") &&
    extensions.persistedQuery?.sha256Hash === hash
  );
};
await run("the first run");
hash = createHash("sha256")
  .update(requests[1]?.body?.query ?? "")
  .digest("hex");
expect(
  requests.length === 2 &&
    hashOnly(requests[0]) &&
    requests[0].answer?.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND" &&
    requests[1].method === "POST" &&
    requests[1].body?.query &&
    requests[1].body?.extensions?.persistedQuery?.sha256Hash === hash,
  "the first run is not a GET with the hash alone, then a POST with the query",
  "GET ?extensions={persistedQuery:{sha256Hash}}, then POST { query, extensions }",
  requests.map(({ method, url, body, answer }) => ({ method, url: url.search, body, answer })),
);

await run("the second run");
expect(
  requests.length === 3 && hashOnly(requests[2]) && requests[2].status === 200,
  "the second run is not one GET with the hash alone",
  "GET ?extensions={persistedQuery:{sha256Hash}} answered 200",
  requests.slice(2).map(({ method, url, status }) => ({ method, url: url.search, status })),
);

// The GET answer is cacheable and revalidates.
const url = requests[2].url;
const answer = await fetch(url, { signal: AbortSignal.timeout(PATIENCE_MS) });
const etag = answer.headers.get("etag");
expectSame(
  { status: answer.status, cacheControl: answer.headers.get("cache-control"), etag: Boolean(etag) },
  { status: 200, cacheControl: "public, max-age=60", etag: true },
  "the GET answer's cache headers",
);
const revalidated = await fetch(url, {
  headers: { "if-none-match": etag },
  signal: AbortSignal.timeout(PATIENCE_MS),
});
expect(
  revalidated.status === 304,
  "If-None-Match with the ETag is not a 304",
  304,
  revalidated.status,
);

done(
  `GET (hash) -> PERSISTED_QUERY_NOT_FOUND -> POST (query), then GET (hash) alone; ${answer.headers.get("cache-control")}, ETag revalidates to 304`,
);
