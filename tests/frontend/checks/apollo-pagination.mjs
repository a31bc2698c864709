// Apollo Client pages through `publications` (src/apollo-client.mjs,
// src/publications-page.mjs): the first page and the next one, fetched with `fetchMore`,
// sit in one cached list, in order, without a duplicate, even when a page is fetched twice;
// a filtered list is cached apart; `node(id:)` with an inline fragment reads a publication;
// and the cache's `possibleTypes` name every type that implements `Node` in schema.graphql.

import { readFile } from "node:fs/promises";

import { buildSchema } from "graphql";
import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev";
import WebSocket from "ws";

import { createApolloClient } from "../src/apollo-client.mjs";
import { NODE, PUBLICATIONS, fetchNextPage } from "../src/publications-page.mjs";
import {
  HTTP_URL,
  WS_URL,
  done,
  expect,
  expectSame,
  loaded,
  post,
  start,
  within,
} from "../support/check.mjs";

start("Apollo Client pagination");
loadDevMessages();
loadErrorMessages();

const client = createApolloClient({ httpUrl: HTTP_URL, wsUrl: WS_URL, webSocketImpl: WebSocket });

// possibleTypes holds what the schema says.
const sdl = await readFile(new URL("../../../schema.graphql", import.meta.url), "utf8");
const schema = buildSchema(sdl);
const implementers = schema
  .getPossibleTypes(schema.getType("Node"))
  .map((type) => type.name)
  .sort();
expectSame(
  [...client.cache.config.possibleTypes.Node].sort(),
  implementers,
  "possibleTypes.Node does not list the types that implement Node in schema.graphql",
);

// What the server lists first, in one request, to compare the merged pages with.
const expected = (
  await post("{ publications(first: 4) { edges { node { id } } } }")
).publications.edges.map((edge) => edge.node.id);
expect(expected.length === 4, "the sample catalogue has at least 4 publications", 4, expected);

const ids = (connection) => connection.edges.map((edge) => edge.node.id);

// The first page, then the next one.
const list = client.watchQuery({ query: PUBLICATIONS, variables: { first: 2 } });
const { data } = await within(loaded(list), "the first page");
await within(fetchNextPage(list), "the second page");

const merged = list.getCurrentResult().data.publications;
expectSame(ids(merged), expected, "the cached list is not the first two pages, in order");
expect(
  merged.pageInfo.hasNextPage,
  "the merged list says there is a next page",
  true,
  merged.pageInfo,
);
const cached = client.readQuery({ query: PUBLICATIONS, variables: { first: 2 } }).publications;
expectSame(ids(cached), expected, "readQuery does not give the merged list");

// The second page again (a double click on "More"): spliced at its cursor, not appended.
await within(
  list.fetchMore({ variables: { after: data.publications.pageInfo.endCursor } }),
  "the second page, again",
);
const again = list.getCurrentResult().data.publications;
expectSame(ids(again), expected, "fetching a page twice duplicated its edges");
expect(
  new Set(ids(again)).size === ids(again).length,
  "no publication appears twice",
  "unique ids",
  ids(again),
);

// Another filter is another cached list; the first one is untouched.
const preprints = await within(
  client.query({
    query: PUBLICATIONS,
    variables: { first: 2, filter: { kinds: ["PREPRINT"] } },
  }),
  "the preprints",
);
expect(
  preprints.data.publications.edges.length > 0,
  "the preprints list is empty",
  "at least one preprint",
  preprints.data.publications,
);
const unfiltered = client.readQuery({ query: PUBLICATIONS, variables: { first: 2 } }).publications;
expectSame(ids(unfiltered), expected, "a filtered list overwrote the unfiltered one");

// Scalars arrive as the generated types say (docs/frontend.md, GraphQL Code Generator).
for (const edge of merged.edges) {
  const { publishedOn } = edge.node;
  expect(
    publishedOn === null || /^\d{4}(-\d{2}(-\d{2})?)?$/.test(publishedOn),
    "publishedOn is not null or a PartialDate string",
    "null, YYYY, YYYY-MM or YYYY-MM-DD",
    publishedOn,
  );
}

// Any object again by its global id, with an inline fragment per type.
const first = merged.edges[0].node;
const { data: byId } = await within(
  client.query({ query: NODE, variables: { id: first.id } }),
  "node(id:)",
);
expect(
  byId.node?.__typename === "Publication" && byId.node.title === first.title,
  "node(id:) did not read the publication",
  { __typename: "Publication", id: first.id, title: first.title },
  byId.node,
);
// One normalized object behind both queries.
const identity = client.cache.identify(byId.node);
expect(
  identity === `Publication:${first.id}`,
  "the cache does not identify the publication by its global id",
  `Publication:${first.id}`,
  identity,
);

done(
  `${merged.edges.length} edges in order from 2 pages, no duplicate after a repeated fetchMore; filtered list cached apart; node(id:) read ${identity}`,
);
