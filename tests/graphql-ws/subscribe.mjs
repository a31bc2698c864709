// Follows `publicationEvents` with the graphql-ws client (the one Apollo Client, urql and
// GraphiQL use) against a running server, makes changes over HTTP, and checks what arrives:
// CREATED, UPDATED and DELETED for the list's filter and nothing for other entries; then,
// after the client is closed and more changes are made, a new client subscribes from the
// last revision seen and receives exactly the missed changes, in order, then live ones,
// without a repeat.
//
// SERVER_URL: the server's address (http://127.0.0.1:PORT); TOKEN: an editor's token, for
// the mutations. Prints one line and exits 0 when everything matched; otherwise prints what
// was expected and what arrived, and exits 1.

import { createClient } from "graphql-ws";
import WebSocket from "ws";

const SERVER_URL = process.env.SERVER_URL;
const TOKEN = process.env.TOKEN;
if (!SERVER_URL || !TOKEN) {
  console.error("SERVER_URL and TOKEN must be set");
  process.exit(2);
}
const HTTP_URL = `${SERVER_URL.replace(/\/$/, "")}/graphql`;
const WS_URL = HTTP_URL.replace(/^http/, "ws");

/** How long any one wait lasts before the run fails. */
const PATIENCE_MS = 10_000;
/** How long nothing must arrive for "no event" to hold. */
const QUIET_MS = 500;

// Whatever happens, the run ends.
setTimeout(() => fail("the whole run took more than 60 s"), 60_000).unref();

const EVENTS = `subscription($filter: PublicationFilter, $since: Int) {
  publicationEvents(filter: $filter, sinceRevision: $since) {
    revision kind publicationId publication { id title } changedAt
  }
}`;
const CREATE = `mutation($input: CreatePublicationInput!) {
  createPublication(input: $input) { publication { id version } userErrors { field message } }
}`;
const UPDATE = `mutation($input: UpdatePublicationInput!) {
  updatePublication(input: $input) { publication { id version } userErrors { field message } }
}`;
const DELETE = `mutation($input: DeletePublicationInput!) {
  deletePublication(input: $input) { userErrors { field message } }
}`;
const REPORTS = { kinds: ["TECHNICAL_REPORT"] };

function show(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value && typeof value === "object" && "code" in value && "reason" in value) {
    return `close ${value.code} ${JSON.stringify(value.reason)}`;
  }
  return JSON.stringify(value);
}

function fail(message, expected, received) {
  console.error(`graphql-ws check failed: ${message}`);
  if (expected !== undefined) console.error(`  expected: ${show(expected)}`);
  if (received !== undefined) console.error(`  received: ${show(received)}`);
  process.exit(1);
}

/** POSTs a GraphQL request (as the editor when `token` is given); its `data`. */
async function graphql(query, variables, token) {
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

async function revision() {
  return (await graphql("{ revision }")).revision;
}

/** Creates a published entry of `kind`; its id and version. */
async function create(title, kind) {
  const input = { title, kind, status: "PUBLISHED", authors: [{ new: { name: "Ada Live" } }] };
  const { createPublication: answer } = await graphql(CREATE, { input }, TOKEN);
  if (answer.userErrors.length || !answer.publication) {
    fail(`creating "${title}"`, "a publication", answer);
  }
  return answer.publication;
}

async function retitle({ id, version }, title) {
  const input = { id, expectedVersion: version, title };
  const { updatePublication: answer } = await graphql(UPDATE, { input }, TOKEN);
  if (answer.userErrors.length || !answer.publication) {
    fail(`retitling ${id}`, "a publication", answer);
  }
  return answer.publication;
}

async function remove({ id, version }) {
  const input = { id, expectedVersion: version };
  const { deletePublication: answer } = await graphql(DELETE, { input }, TOKEN);
  if (answer.userErrors.length) fail(`deleting ${id}`, "no user errors", answer);
}

/** A graphql-ws client on an anonymous connection, connected. */
async function connect(label) {
  let connected;
  const ready = new Promise((resolve) => (connected = resolve));
  const client = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: (error) => fail(`${label}: the connection failed`, "connection_ack", error),
    on: { connected: () => connected() },
  });
  await within(ready, `${label}: connection_ack`);
  return client;
}

async function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${PATIENCE_MS} ms`)), PATIENCE_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    fail(`waiting for ${what}`, what, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Subscribes to `publicationEvents`; what arrives is queued and read with `next`. */
function follow(client, label, variables) {
  const queue = [];
  let waiter = null;
  const push = (item) => {
    if (waiter) waiter(item);
    else queue.push(item);
  };
  const unsubscribe = client.subscribe(
    { query: EVENTS, variables },
    {
      next: (result) => push({ result }),
      error: (error) => push({ error }),
      complete: () => push({ complete: true }),
    },
  );
  /** The next thing to arrive, or `{ timeout: true }` after `ms`. */
  const next = (ms) => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = null;
        resolve({ timeout: true });
      }, ms);
      waiter = (item) => {
        waiter = null;
        clearTimeout(timer);
        resolve(item);
      };
    });
  };
  return {
    unsubscribe,
    /** The next event, which must match `expected` (kind, publicationId, title). */
    async event(expected) {
      const item = await next(PATIENCE_MS);
      const event = item.result?.data?.publicationEvents;
      if (!event || item.result.errors) {
        fail(`${label}: waiting for an event`, expected, item.timeout ? "nothing" : item);
      }
      const title = event.publication?.title ?? null;
      if (
        event.kind !== expected.kind ||
        event.publicationId !== expected.publicationId ||
        title !== (expected.title ?? null) ||
        !Number.isInteger(event.revision)
      ) {
        fail(`${label}: an event did not match`, expected, event);
      }
      return event;
    },
    /** Nothing arrives for a short while. */
    async quiet() {
      const item = await next(QUIET_MS);
      if (!item.timeout) fail(`${label}: something arrived`, "nothing", item);
    },
  };
}

function increasing(label, before, event) {
  if (!(event.revision > before)) {
    fail(`${label}: the revision did not increase`, `a revision above ${before}`, event);
  }
  return event.revision;
}

// 1. Live events for a filter.
const start = await revision();
const first = await connect("first client");
const reports = follow(first, "first client", { filter: REPORTS, since: start });

const report = await create("Report over graphql-ws", "TECHNICAL_REPORT");
let seen = increasing(
  "created",
  start,
  await reports.event({ kind: "CREATED", publicationId: report.id, title: "Report over graphql-ws" }),
);

// Another kind: not in the list, so the next event is the update.
await create("Preprint over graphql-ws", "PREPRINT");
const retitled = await retitle(report, "Report over graphql-ws, revised");
seen = increasing(
  "updated",
  seen,
  await reports.event({
    kind: "UPDATED",
    publicationId: report.id,
    title: "Report over graphql-ws, revised",
  }),
);

await remove(retitled);
seen = increasing(
  "deleted",
  seen,
  await reports.event({ kind: "DELETED", publicationId: report.id }),
);
await reports.quiet();

// 2. Changes made while no client is connected arrive on the next one, from the last
// revision seen, then live changes follow without a repeat.
reports.unsubscribe();
await first.dispose();

const missedA = await create("Missed report A", "TECHNICAL_REPORT");
await create("Missed preprint", "PREPRINT");
const missedB = await create("Missed report B", "TECHNICAL_REPORT");

const second = await connect("second client");
const resumed = follow(second, "second client", { filter: REPORTS, since: seen });
seen = increasing(
  "replayed A",
  seen,
  await resumed.event({ kind: "CREATED", publicationId: missedA.id, title: "Missed report A" }),
);
seen = increasing(
  "replayed B",
  seen,
  await resumed.event({ kind: "CREATED", publicationId: missedB.id, title: "Missed report B" }),
);

const live = await create("Live report C", "TECHNICAL_REPORT");
seen = increasing(
  "live C",
  seen,
  await resumed.event({ kind: "CREATED", publicationId: live.id, title: "Live report C" }),
);
await resumed.quiet();

resumed.unsubscribe();
await second.dispose();
console.log(
  `graphql-ws: CREATED, UPDATED, DELETED live; 2 missed changes replayed after a reconnect, then 1 live, no repeats (revisions ${start}..${seen})`,
);
// Both clients are closed: nothing keeps the process alive, and it exits with 0.
