// Fragments as a Relay app would write them, over every connection of the schema: the
// Relay compiler must accept them against the exported schema.graphql (`npm run check`).
import { graphql } from "react-relay";


export const query = graphql`
  query CataloguePageQuery($first: Int!, $after: String, $search: String) {
    ...Catalogue_page @arguments(first: $first, after: $after, search: $search)
    authors(first: 10) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...Catalogue_author } }
      nodes { id }
    }
    venues(last: 10) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...Catalogue_venue } }
      nodes { id }
    }
    topics(first: 10, orderBy: [{ field: PUBLICATION_COUNT, direction: DESC }]) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...Catalogue_topic } }
      nodes { id }
    }
  }
`;

export const page = graphql`
  fragment Catalogue_page on Query
  @refetchable(queryName: "CataloguePaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 20 }
    after: { type: "String" }
    search: { type: "String" }
  ) {
    publications(first: $first, after: $after, filter: { search: $search })
      @connection(key: "Catalogue_publications") {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...Catalogue_publication } }
      facets { years { year count } }
    }
  }
`;

export const publication = graphql`
  fragment Catalogue_publication on Publication {
    id
    title
    publishedOn
    publishedOnDisplay
    history { action actor at }
    authors(first: 100) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor position node { id name } }
      nodes { id }
    }
    lastAuthors: authors(last: 3) {
      totalCount
      edges { cursor node { id } }
    }
  }
`;

export const author = graphql`
  fragment Catalogue_author on Author {
    id
    name
    version
    publications(first: 5) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
      nodes { id }
    }
  }
`;

export const venue = graphql`
  fragment Catalogue_venue on Venue {
    id
    name
    publications(last: 5) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
      nodes { id }
    }
  }
`;

export const topic = graphql`
  fragment Catalogue_topic on Topic {
    id
    name
    publications(first: 5) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
      nodes { id }
    }
  }
`;
