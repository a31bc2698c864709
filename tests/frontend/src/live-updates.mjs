// Live updates without a gap: read `revision` with the list, subscribe from it, and apply
// each event to Apollo's cache.

import { gql } from "@apollo/client/core";

export const RECENT_PUBLICATIONS = gql`
  query RecentPublications($first: Int!, $after: String) {
    revision
    publications(first: $first, after: $after, orderBy: [{ field: CREATED_AT, direction: DESC }]) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          title
        }
      }
    }
  }
`;

// Select in `publication` the fields the page shows: an UPDATED event then refreshes every
// query that shows the publication, through the normalized cache.
export const PUBLICATION_EVENTS = gql`
  subscription PublicationEvents($sinceRevision: Int) {
    publicationEvents(sinceRevision: $sinceRevision) {
      revision
      kind
      publicationId
      publication {
        id
        title
      }
    }
  }
`;

/**
 * Follows the catalogue's changes after `revision` (read with the list). `onError` gets an
 * ApolloError; after REVISION_EXPIRED, read the list again and follow from its revision.
 */
export function followPublications(client, revision, { onEvent, onError }) {
  const subscription = client
    .subscribe({ query: PUBLICATION_EVENTS, variables: { sinceRevision: revision } })
    .subscribe({ next: ({ data }) => onEvent(data.publicationEvents), error: onError });
  return { stop: () => subscription.unsubscribe() };
}

export async function applyEvent(client, event) {
  switch (event.kind) {
    case "UPDATED":
      // Already in the cache: the event's `publication` was written over the old one.
      return;
    case "CREATED":
      // Where it goes depends on the list's order: read the first page again.
      await client.refetchQueries({ include: [RECENT_PUBLICATIONS] });
      return;
    case "DELETED":
    case "REMOVED":
      // Gone from the (unfiltered) list: drop it, and every edge that points at it.
      client.cache.evict({
        id: client.cache.identify({ __typename: "Publication", id: event.publicationId }),
      });
      client.cache.gc();
      return;
  }
}
