// The publications list, paged with `fetchMore`, and any object again by its global id.

import { gql } from "@apollo/client/core";

// Select `edges { cursor node { ... } }`: relayStylePagination merges edges. (`nodes` would
// hold only the last page fetched.)
export const PUBLICATIONS = gql`
  query Publications(
    $first: Int!
    $after: String
    $filter: PublicationFilter
    $orderBy: [PublicationOrder!]
  ) {
    publications(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          title
          publishedOn
          publishedOnDisplay
          authorCount
        }
      }
    }
  }
`;

export const NODE = gql`
  query Node($id: ID!) {
    node(id: $id) {
      id
      ... on Publication {
        title
        authorCount
      }
      ... on Author {
        name
      }
    }
  }
`;

/**
 * Appends the next page to a watched list (`client.watchQuery`; in React, `useQuery` returns
 * the same `fetchMore`). Only `after` changes: the list's filter and order stay, as its
 * cursors require.
 */
export function fetchNextPage(list) {
  const { pageInfo } = list.getCurrentResult().data.publications;
  if (!pageInfo.hasNextPage) return Promise.resolve();
  return list.fetchMore({ variables: { after: pageInfo.endCursor } });
}
