// Errors reach the client with their `extensions.code` (src/error-codes.mjs), whatever the
// HTTP status: through Apollo Client, a field error (INVALID_CURSOR), a request error
// (GRAPHQL_VALIDATION_FAILED, 200 for Apollo's `Accept: */*`), a refusal with its own status
// (401 UNAUTHENTICATED; 429 RATE_LIMITED with `retryAfterSeconds`) and partial data kept
// with `errorPolicy: "all"`; through urql, the same request error as a 400 (urql accepts
// application/graphql-response+json). The server runs with SUBMISSIONS_PER_HOUR=1
// (tests/api/frontend.rs).

import { gql } from "@apollo/client/core";
import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev";
import WebSocket from "ws";

import { createApolloClient } from "../src/apollo-client.mjs";
import { apolloErrorCodes, urqlErrorCodes } from "../src/error-codes.mjs";
import { PUBLICATIONS } from "../src/publications-page.mjs";
import { createUrqlClient } from "../src/urql-client.mjs";
import {
  HTTP_URL,
  WS_URL,
  done,
  expect,
  expectSame,
  fail,
  post,
  recordRequests,
  settled,
  start,
  within,
} from "../support/check.mjs";

start("errors");
loadDevMessages();
loadErrorMessages();

const firstPage = await post("{ publications(first: 1) { nodes { slug } } }");
const slug = firstPage.publications.nodes[0].slug;
const requests = recordRequests();
const apollo = createApolloClient({ httpUrl: HTTP_URL, wsUrl: WS_URL, webSocketImpl: WebSocket });

/** The ApolloError an operation fails with, and the status of the answer. */
async function apolloFailure(what, operation) {
  const { value, error } = await settled(operation, what);
  if (!error) fail(`${what}: it succeeded`, "an error", value);
  return { codes: apolloErrorCodes(error), status: requests.at(-1)?.status, error };
}

// A field error: a cursor the server did not make.
const cursor = await apolloFailure(
  "a made-up cursor",
  apollo.query({ query: PUBLICATIONS, variables: { first: 2, after: "not-a-cursor" } }),
);
expectSame([cursor.codes, cursor.status], [["INVALID_CURSOR"], 200], "a made-up cursor");

// A request error: a field the schema does not have.
const NO_SUCH_FIELD = gql`
  query NoSuchField {
    publications(first: 1) {
      noSuchField
    }
  }
`;
const invalid = await apolloFailure("an unknown field", apollo.query({ query: NO_SUCH_FIELD }));
expectSame(
  [invalid.codes, invalid.status],
  [["GRAPHQL_VALIDATION_FAILED"], 200],
  "an unknown field, through Apollo",
);

// Refused before running, with its own status: a mutation without a token.
const DELETE = gql`
  mutation Delete($input: DeletePublicationInput!) {
    deletePublication(input: $input) {
      deletedPublicationId
    }
  }
`;
const anonymous = await apolloFailure(
  "a mutation without a token",
  apollo.mutate({ mutation: DELETE, variables: { input: { id: "x", expectedVersion: 1 } } }),
);
expectSame(
  [anonymous.codes, anonymous.status],
  [["UNAUTHENTICATED"], 401],
  "a mutation without a token",
);

// The public form past its limit (1 an hour here): 429, and when to try again.
const SUBMIT = gql`
  mutation Submit($input: SubmitPublicationInput!) {
    submitPublication(input: $input) {
      received
      userErrors {
        field
        message
        code
      }
    }
  }
`;
const submission = {
  title: "A submitted preprint",
  authors: ["Ada Submitter"],
  submitterName: "Ada Submitter",
  submitterEmail: "ada@example.org",
};
const received = await within(
  apollo.mutate({ mutation: SUBMIT, variables: { input: submission } }),
  "the first submission",
);
expect(
  received.data.submitPublication.received,
  "the first submission was not received",
  true,
  received.data,
);
const limited = await apolloFailure(
  "a submission over the limit",
  apollo.mutate({ mutation: SUBMIT, variables: { input: { ...submission, title: "Another" } } }),
);
expectSame([limited.codes, limited.status], [["RATE_LIMITED"], 429], "a submission over the limit");
const retryAfter = limited.error.networkError?.result?.errors?.[0]?.extensions?.retryAfterSeconds;
expect(
  Number.isInteger(retryAfter) && retryAfter > 0,
  "RATE_LIMITED without retryAfterSeconds",
  "seconds",
  limited.error.networkError?.result,
);

// Partial data: with errorPolicy "all" the publication stays, its history is null.
const WITH_HISTORY = gql`
  query WithHistory($slug: String!) {
    publication(slug: $slug) {
      id
      title
      history {
        action
      }
    }
  }
`;
const partial = await within(
  apollo.query({ query: WITH_HISTORY, variables: { slug }, errorPolicy: "all" }),
  "a publication with its history, anonymously",
);
expect(
  partial.data?.publication?.title && partial.data.publication.history === null,
  "errorPolicy all did not keep the publication",
  "the publication, history null",
  partial.data,
);
expectSame(
  apolloErrorCodes({ graphQLErrors: partial.errors }),
  ["UNAUTHENTICATED"],
  "the history's error",
);

// urql gets the same request error as a 400, and the same code.
const urql = createUrqlClient({ httpUrl: HTTP_URL });
const viaUrql = await within(
  urql.query(NO_SUCH_FIELD, {}).toPromise(),
  "an unknown field, through urql",
);
expect(viaUrql.error, "urql did not report the error", "a CombinedError", viaUrql);
expectSame(
  [urqlErrorCodes(viaUrql.error), requests.at(-1)?.status],
  [["GRAPHQL_VALIDATION_FAILED"], 400],
  "an unknown field, through urql",
);

done(
  "INVALID_CURSOR, GRAPHQL_VALIDATION_FAILED (200), UNAUTHENTICATED (401), RATE_LIMITED (429, retryAfterSeconds) and partial data through Apollo; GRAPHQL_VALIDATION_FAILED (400) through urql",
);
