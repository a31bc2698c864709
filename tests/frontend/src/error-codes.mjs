// The `extensions.code` of the errors an operation failed with, wherever the client put them.

/**
 * Apollo Client 3: errors in a 200 answer (and over the WebSocket) are in `graphQLErrors`;
 * an answer with another status (401 UNAUTHENTICATED, 429 RATE_LIMITED, 503, ...) is a
 * `networkError` whose `result` holds the same `errors`.
 */
export function apolloErrorCodes(error) {
  const errors = [...(error.graphQLErrors ?? []), ...(error.networkError?.result?.errors ?? [])];
  return errors.map((e) => e.extensions?.code).filter(Boolean);
}

/** urql: a `CombinedError` carries the answer's errors, whatever its status. */
export function urqlErrorCodes(error) {
  return (error.graphQLErrors ?? []).map((e) => e.extensions?.code).filter(Boolean);
}
