// urql (src/urql-client.mjs) reads the publications page, over GET as it prefers for short
// queries; the same query again comes from its cache without a request; and the operation
// that GraphQL Code Generator types (operations/PublicationCard.graphql) returns the scalars
// in the shapes the generated types promise.

import { readFile } from "node:fs/promises";

import { gql } from "@urql/core";

import { createUrqlClient } from "../src/urql-client.mjs";
import {
  HTTP_URL,
  done,
  expect,
  expectSame,
  post,
  recordRequests,
  start,
  within,
} from "../support/check.mjs";

start("urql");

// urql adds __typename to every selection, for its cache.
const expected = await post(
  "{ publications(first: 3) { totalCount nodes { slug title publishedOnDisplay __typename } __typename } }",
);

const requests = recordRequests();
const client = createUrqlClient({ httpUrl: HTTP_URL });

const PAGE = gql`
  query PublicationsPage($first: Int!) {
    publications(first: $first) {
      totalCount
      nodes {
        slug
        title
        publishedOnDisplay
      }
    }
  }
`;

const result = await within(client.query(PAGE, { first: 3 }).toPromise(), "the page");
expect(!result.error, "the query failed", "data", result.error);
expectSame(result.data, expected, "urql's data is not what the server lists");
expectSame(
  requests.map((request) => request.method),
  ["GET"],
  "urql did not send the short query as one GET",
);

// Asked again: from urql's cache, with no request.
const again = await within(client.query(PAGE, { first: 3 }).toPromise(), "the page again");
expectSame(again.data, expected, "the cached answer differs");
expect(requests.length === 1, "the same query was sent again", "1 request", requests.length);

// The codegen operation, as the generated types describe its answer.
const card = await readFile(
  new URL("../operations/PublicationCard.graphql", import.meta.url),
  "utf8",
);
const slug = expected.publications.nodes[0].slug;
const { data, error } = await within(client.query(card, { slug }).toPromise(), "PublicationCard");
expect(!error && data.publication, "PublicationCard failed", "a publication", error ?? data);
const { publishedOn, updatedAt, cslJson } = data.publication;
expect(
  publishedOn === null || /^\d{4}(-\d{2}(-\d{2})?)?$/.test(publishedOn),
  "publishedOn is not a PartialDate string",
  "YYYY, YYYY-MM or YYYY-MM-DD",
  publishedOn,
);
expect(
  typeof updatedAt === "string" && !Number.isNaN(new Date(updatedAt).getTime()),
  "updatedAt is not RFC 3339 text that Date reads",
  "2024-05-01T09:30:00.123456+00:00",
  updatedAt,
);
expect(
  cslJson !== null && typeof cslJson === "object" && cslJson.title === data.publication.title,
  "cslJson is not a JSON object holding the title",
  { title: data.publication.title },
  cslJson,
);

done(
  `${result.data.publications.nodes.length} publications over ${requests[0].method}, the repeat from the cache; PublicationCard's scalars as typed`,
);
