// Automatic persisted queries (Apollo's APQ protocol): queries go as GET with only the
// SHA-256 of their text; the first time an instance does not know the hash, the link sends
// the query once with it (POST), and from then on the hash alone is enough. Short GET URLs
// are what browser and CDN caches can keep.

import { ApolloClient, HttpLink } from "@apollo/client/core";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries";

import { createCache } from "./apollo-client.mjs";

/** SHA-256 in hex with Web Crypto, which browsers (on https or localhost) and Node have. */
async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function createPersistedQueryClient({ httpUrl }) {
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
    new HttpLink({ uri: httpUrl }),
  );
  return new ApolloClient({ link, cache: createCache() });
}
