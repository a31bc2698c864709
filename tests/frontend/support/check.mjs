// What every check script shares: the server's address from the environment, a deadline
// for the whole run, waits with a limit, and failing with a clear message and exit code 1.
//
// SERVER_URL: the server's address (http://127.0.0.1:PORT); TOKEN: an editor's token, for
// the checks that change the catalogue.

/** How long any one wait lasts before the run fails. */
export const PATIENCE_MS = 10_000;

export const SERVER_URL = (process.env.SERVER_URL ?? "").replace(/\/$/, "");
export const TOKEN = process.env.TOKEN ?? "";
if (!SERVER_URL) {
  console.error("SERVER_URL must be set (http://127.0.0.1:PORT of a running server)");
  process.exit(2);
}
export const HTTP_URL = `${SERVER_URL}/graphql`;
export const WS_URL = HTTP_URL.replace(/^http/, "ws");

let label = "check";
/** What the libraries warned of: a recipe must run without a warning (a deprecation, ...). */
const warnings = [];

/**
 * Names the run in its messages, ends it after `seconds` whatever happens, and records the
 * libraries' warnings, which fail the run at its end.
 */
export function start(name, seconds = 40) {
  label = name;
  setTimeout(() => fail(`the whole run took more than ${seconds} s`), seconds * 1000).unref();
  for (const level of ["warn", "error"]) {
    console[level] = (...args) => warnings.push(`console.${level}: ${args.map(String).join(" ")}`);
  }
}

function show(value) {
  if (value instanceof Error) {
    const more = value.graphQLErrors?.length ? ` ${JSON.stringify(value.graphQLErrors)}` : "";
    return `${value.name}: ${value.message}${more}`;
  }
  return JSON.stringify(value);
}

export function fail(message, expected, received) {
  const lines = [`${label} failed: ${message}`];
  if (expected !== undefined) lines.push(`  expected: ${show(expected)}`);
  if (received !== undefined) lines.push(`  received: ${show(received)}`);
  lines.push(...warnings.map((warning) => `  ${warning}`));
  process.stderr.write(`${lines.join("\n")}\n`);
  process.exit(1);
}

/** Fails unless `condition` holds. */
export function expect(condition, message, expected, received) {
  if (!condition) fail(message, expected, received);
}

/** Fails unless `received` and `expected` are the same JSON. */
export function expectSame(received, expected, message) {
  if (JSON.stringify(received) !== JSON.stringify(expected)) fail(message, expected, received);
}

/** `promise`, or a failure naming `what` when it does not settle within the patience. */
export async function within(promise, what, ms = PATIENCE_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    fail(`waiting for ${what}`, what, error);
  } finally {
    clearTimeout(timer);
  }
}

/** How `promise` settles, `{ value }` or `{ error }`; a failure when it does not in time. */
export function settled(promise, what, ms = PATIENCE_MS) {
  return within(
    promise.then(
      (value) => ({ value }),
      (error) => ({ error }),
    ),
    what,
    ms,
  );
}

/** POSTs a GraphQL request with plain fetch (as the editor when `token` is given); its `data`. */
export async function post(query, variables = {}, token = undefined) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  let answer;
  try {
    const response = await fetch(HTTP_URL, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(PATIENCE_MS),
    });
    answer = await response.json();
  } catch (error) {
    fail(`POST ${HTTP_URL}`, "an answer", error);
  }
  if (answer.errors || !answer.data) fail("a request was refused", "data, no errors", answer);
  return answer.data;
}

/**
 * Records the HTTP requests the clients make: each client looks up the global `fetch` when
 * it sends, so a wrapper sees them all. Returns the list it fills.
 */
export function recordRequests() {
  const requests = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    const response = await realFetch(input, init);
    const answer = await response
      .clone()
      .json()
      .catch(() => undefined);
    requests.push({ method, url, body, status: response.status, answer });
    return response;
  };
  return requests;
}

/** The first complete result of an Apollo `watchQuery`, which stays watched (active). */
export function loaded(observable) {
  return new Promise((resolve, reject) => {
    observable.subscribe({
      next: (result) => {
        if (!result.loading) resolve(result);
      },
      error: reject,
    });
  });
}

/** Ends the run with its one line of success (open sockets would keep node alive). */
export function done(summary) {
  if (warnings.length) fail("the libraries warned (below)");
  console.log(`${label}: ${summary}`);
  process.exit(0);
}
