// Live updates through Apollo Client (src/apollo-client.mjs, src/live-updates.mjs): the list
// is read with its `revision`, `publicationEvents` is followed from it over the WebSocket
// link, and changes made over HTTP with the editor's TOKEN arrive and are applied to the
// cache: CREATED (the list is read again and starts with the new entry), UPDATED (the cached
// title changes with no request) and DELETED (the entry leaves the cached list). After the
// WebSocket drops, the replay from the list's revision is applied again without harm. A
// subscription the server refuses reaches `onError` with its code.

import { loadDevMessages, loadErrorMessages } from "@apollo/client/dev";
import WebSocket from "ws";

import { createApolloClient } from "../src/apollo-client.mjs";
import { apolloErrorCodes } from "../src/error-codes.mjs";
import { RECENT_PUBLICATIONS, applyEvent, followPublications } from "../src/live-updates.mjs";
import {
  HTTP_URL,
  TOKEN,
  WS_URL,
  done,
  expect,
  expectSame,
  fail,
  loaded,
  post,
  start,
  within,
} from "../support/check.mjs";

start("Apollo Client live updates");
loadDevMessages();
loadErrorMessages();
if (!TOKEN) fail("TOKEN must be set: an editor's token, to change the catalogue");

const CREATE = `mutation($input: CreatePublicationInput!) {
  createPublication(input: $input) { publication { id version } userErrors { field message } }
}`;
const UPDATE = `mutation($input: UpdatePublicationInput!) {
  updatePublication(input: $input) { publication { id version } userErrors { field message } }
}`;
const DELETE = `mutation($input: DeletePublicationInput!) {
  deletePublication(input: $input) { userErrors { field message } }
}`;

const client = createApolloClient({ httpUrl: HTTP_URL, wsUrl: WS_URL, webSocketImpl: WebSocket });

// Events arrive in a queue; `nextEvent` takes the next one, or fails after the patience.
const events = [];
let waiting = null;
function arrived(event) {
  if (waiting) {
    waiting(event);
    waiting = null;
  } else {
    events.push(event);
  }
}
function nextEvent(what) {
  const next = events.length
    ? Promise.resolve(events.shift())
    : new Promise((resolve) => (waiting = resolve));
  return within(next, what);
}
function expectEvent(event, kind, publicationId, title) {
  expectSame(
    {
      kind: event.kind,
      publicationId: event.publicationId,
      title: event.publication?.title ?? null,
    },
    { kind, publicationId, title },
    `the ${kind} event does not match`,
  );
}
const cachedList = () =>
  client.readQuery({ query: RECENT_PUBLICATIONS, variables: { first: 5 } }).publications.edges;

// 1. The list, with the revision it was read at; then the events after that revision.
const list = client.watchQuery({ query: RECENT_PUBLICATIONS, variables: { first: 5 } });
const { data } = await within(loaded(list), "the list and its revision");
expect(Number.isInteger(data.revision), "the list came without its revision", "an Int", data);
const following = followPublications(client, data.revision, {
  onEvent: arrived,
  onError: (error) => fail("the subscription failed", "events", error),
});

// 2. Created over HTTP by an editor: the event arrives even if it was committed before the
// WebSocket was open, since the subscription starts from the list's revision.
const title = "Live report over Apollo Client";
const input = {
  title,
  kind: "TECHNICAL_REPORT",
  status: "PUBLISHED",
  authors: [{ new: { name: "Ada Apollo" } }],
};
const created = (await post(CREATE, { input }, TOKEN)).createPublication;
expect(
  created.publication && !created.userErrors.length,
  "the publication was not created",
  "a publication",
  created,
);
const { id } = created.publication;

const createdEvent = await nextEvent("the CREATED event");
expectEvent(createdEvent, "CREATED", id, title);
expect(
  createdEvent.revision > data.revision,
  "the event's revision is not after the list's",
  `> ${data.revision}`,
  createdEvent,
);
await within(applyEvent(client, createdEvent), "the list read again");
expect(
  cachedList()[0]?.node.id === id,
  "the new publication does not start the list",
  id,
  cachedList(),
);

// 3. Retitled: the cached list shows the new title without a request.
const retitled = (
  await post(
    UPDATE,
    { input: { id, expectedVersion: created.publication.version, title: `${title}, revised` } },
    TOKEN,
  )
).updatePublication;
expect(
  retitled.publication && !retitled.userErrors.length,
  "the publication was not retitled",
  "a publication",
  retitled,
);
const updatedEvent = await nextEvent("the UPDATED event");
expectEvent(updatedEvent, "UPDATED", id, `${title}, revised`);
await applyEvent(client, updatedEvent);
expect(
  cachedList()[0]?.node.title === `${title}, revised`,
  "the cached list does not show the new title",
  `${title}, revised`,
  cachedList()[0],
);

// 4. Deleted: the entry leaves the cached list.
const deleted = (
  await post(DELETE, { input: { id, expectedVersion: retitled.publication.version } }, TOKEN)
).deletePublication;
expect(!deleted.userErrors.length, "the publication was not deleted", "no user errors", deleted);
const deletedEvent = await nextEvent("the DELETED event");
expectEvent(deletedEvent, "DELETED", id, null);
await applyEvent(client, deletedEvent);
expect(
  !cachedList().some((edge) => edge.node.id === id),
  "the deleted publication is still in the cached list",
  "not there",
  cachedList(),
);

// 5. The WebSocket drops: graphql-ws reconnects and subscribes again with the same variables,
// so the server replays from the list's revision. What was applied comes again, in revision
// order, ending with the deletion; applied in order, the replay leaves the deleted entry out.
client.link.left.client.terminate();
const before = cachedList();
const replay = [];
for (;;) {
  const event = await nextEvent("the replay after a reconnect");
  replay.push(event);
  await applyEvent(client, event);
  if (event.kind === "DELETED" || replay.length > 5) break;
}
const replayed = replay[replay.length - 1];
expect(
  replayed.kind === "DELETED" &&
    replayed.publicationId === id &&
    replayed.revision === deletedEvent.revision &&
    replay.every((event, i) => event.publicationId === id && (i === 0 || event.revision >= replay[i - 1].revision)),
  "the replay after a reconnect is not the publication's changes, in order, ending with its deletion",
  { last: { kind: "DELETED", publicationId: id, revision: deletedEvent.revision } },
  replay,
);
// (A replayed CREATED reads the list again, which may fill the page further.)
const after = cachedList().map((edge) => edge.node.id);
expect(
  !after.includes(id) && before.every((edge) => after.includes(edge.node.id)),
  "applying the replayed events brought the deleted publication back or lost another",
  { without: id, keeping: before.map((edge) => edge.node.id) },
  after,
);
following.stop();

// 6. A subscription the server refuses (a revision from the future) reaches onError.
const refused = await within(
  new Promise((resolve) => {
    followPublications(client, createdEvent.revision + 1_000_000, {
      onEvent: (event) => fail("a refused subscription sent an event", "an error", event),
      onError: resolve,
    });
  }),
  "the refusal of sinceRevision from the future",
);
expectSame(apolloErrorCodes(refused), ["BAD_USER_INPUT"], "the refusal's code");

done(
  `CREATED (list read again), UPDATED (cache updated in place), DELETED (evicted) through the WebSocket link; replayed (${replay.map((e) => e.kind).join(', ')}) after a reconnect, harmlessly; a refused subscription reached onError with BAD_USER_INPUT`,
);
