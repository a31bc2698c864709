// urql, the smaller alternative: a document cache (a query's answer is kept whole, and any
// mutation answer that names a type drops the cached answers holding that type) and fetch.

import { Client, cacheExchange, fetchExchange } from "@urql/core";

export function createUrqlClient({ httpUrl, token }) {
  return new Client({
    url: httpUrl,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: () => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
}
