// Apollo Client 3 for the catalogue: a cache that merges pages of `publications` and knows
// which types implement `Node`, and a link that sends subscriptions over a WebSocket and
// everything else over HTTP. In a React app, import the same names from "@apollo/client".

import { ApolloClient, HttpLink, InMemoryCache, split } from "@apollo/client/core";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";

export function createCache() {
  return new InMemoryCache({
    // The types that implement `Node` (schema.graphql), for `node(id:)`, `nodes(ids:)`,
    // `Suggestion.node` and fragments on `Node`.
    possibleTypes: { Node: ["Author", "Publication", "Topic", "Venue"] },
    typePolicies: {
      Query: {
        fields: {
          // One cached list per filter and order; `first`, `after`, `last` and `before`
          // only say which page to fetch, and pages are merged in order by their edges.
          publications: relayStylePagination(["filter", "orderBy"]),
        },
      },
    },
  });
}

/**
 * `httpUrl`: "https://catalogue.example.org/graphql"; `wsUrl`: the same with "wss:".
 * `token`: an editor's token, or nothing for the public catalogue. `webSocketImpl`: only
 * outside browsers (Node: the `ws` package); browsers have `WebSocket`.
 */
export function createApolloClient({ httpUrl, wsUrl, token, webSocketImpl }) {
  const authorization = token ? { Authorization: `Bearer ${token}` } : {};
  const httpLink = new HttpLink({ uri: httpUrl, headers: authorization });
  const wsLink = new GraphQLWsLink(
    createClient({
      url: wsUrl,
      webSocketImpl,
      // The token travels in `connection_init`, not in a header.
      connectionParams: () => authorization,
    }),
  );
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    wsLink,
    httpLink,
  );
  return new ApolloClient({ link, cache: createCache() });
}
