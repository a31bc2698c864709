// Drives GraphiQL as an editor would: load it from the running server, see the Explorer and
// the line that says who the headers authenticate, put a token in the headers pane, run every
// example tab, run a query and a mutation, follow a subscription (over the WebSocket, with the
// token), and read the results on the page.
// Usage: node graphiql.mjs BASE_URL TOKEN
import { chromium } from 'playwright-core';

const [baseUrl, token] = process.argv.slice(2);
if (!baseUrl || !token) {
  console.error('usage: node graphiql.mjs BASE_URL TOKEN');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const failures = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => failures.push(`page error: ${error.message}`));
  await page.goto(`${baseUrl}/graphql`, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });

  const setEditor = (selector, text) =>
    page.evaluate(([s, t]) => {
      const editors = [...document.querySelectorAll(s)].filter((e) => e.offsetParent !== null);
      editors[0].CodeMirror.setValue(t);
    }, [selector, text]);
  const response = () =>
    page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
  const run = async (expected) => {
    // GraphiQL names the operation to run once it has parsed the document, after a debounce.
    await page.waitForTimeout(1_000);
    await page.click('.graphiql-execute-button');
    try {
      await page.waitForFunction(
        (text) => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes(text),
        expected,
        { timeout: 15_000 },
      );
    } catch (error) {
      await page.screenshot({ path: process.env.SCREENSHOT ?? 'graphiql.png' });
      throw new Error(`no answer containing ${expected}; the response pane shows: ${await response()}`);
    }
    return response();
  };

  const banner = () => page.evaluate(() => document.getElementById('viewer').textContent);
  const bannerSays = async (text) => {
    try {
      await page.waitForFunction((t) => document.getElementById('viewer').textContent.includes(t), text, { timeout: 10_000 });
    } catch (error) {
      failures.push(`the line above GraphiQL says ${JSON.stringify(await banner())}, not ${text}`);
    }
  };
  // The Explorer is open, and the page says the caller is anonymous.
  try {
    // The Explorer draws the schema once GraphiQL has introspected it.
    await page.waitForSelector('.graphiql-explorer-root', { timeout: 15_000 });
  } catch (error) {
    failures.push('no Explorer on the page');
  }
  await bannerSays('Anonymous');

  // The token, in the headers pane: the page says whose it is.
  await page.getByRole('button', { name: 'Headers' }).click();
  // The variables editor stays in the page, hidden; the headers editor is the shown one.
  const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
  await page.waitForFunction(
    (selector) => document.querySelectorAll(selector).length === 1,
    headers,
  );
  await setEditor(headers, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await bannerSays('Signed in as graphiql-editor');

  // Every example tab runs, in order, on the sample catalogue.
  const examples = [
    ['FindPublication', '"version"'],
    ['FixTitle', '"RITA: A Study on Scaling Up'],
    ['ReorderAuthors', '"userErrors": []'],
    ['MergeAuthors', '"code": "INVALID"'],
    ['ImportBibtex', '"createdCount": 1'],
    ['PublishDraft', '"status": "PUBLISHED"'],
  ];
  const tabs = page.locator('.graphiql-tab');
  if ((await tabs.count()) !== examples.length) failures.push(`${await tabs.count()} tabs, not ${examples.length}`);
  for (const [index, [name, expected]] of examples.entries()) {
    await tabs.nth(index).locator('.graphiql-tab-button').click();
    const text = await run(expected);
    if (text.includes('"errors"')) failures.push(`${name}: ${text}`);
    console.log('example answered:', name);
  }

  // A query, in a new tab (the token applies there too).
  await page.click('.graphiql-tab-add');
  await setEditor('.graphiql-query-editor .CodeMirror', '{ publications(first: 3) { totalCount nodes { title } } }');
  const listing = await run('"totalCount"');
  console.log('query answered:', JSON.parse(listing).data.publications.totalCount, 'publications');

  // A mutation, as the editor.
  await setEditor(
    '.graphiql-query-editor .CodeMirror',
    'mutation { createTopic(input: { name: "Added From GraphiQL" }) { topic { name slug } userErrors { code } } }',
  );
  const created = JSON.parse(await run('createTopic'));
  if (created.data?.createTopic?.topic?.slug !== 'added-from-graphiql') {
    failures.push(`unexpected mutation result: ${JSON.stringify(created)}`);
  } else {
    console.log('mutation answered:', created.data.createTopic.topic.name);
  }

  // A subscription, as the editor: a draft created meanwhile arrives, which only an editor
  // sees, so the headers pane's token reached the WebSocket too.
  const post = async (query, variables) => {
    const answer = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return answer.json();
  };
  const { data: { revision } } = await post('{ revision }');
  await setEditor(
    '.graphiql-query-editor .CodeMirror',
    `subscription { publicationEvents(sinceRevision: ${revision}) { kind publication { title status } } }`,
  );
  // GraphiQL picks the WebSocket from the parsed document, which follows the editor's text
  // after a short debounce.
  await page.waitForTimeout(1_000);
  await page.click('.graphiql-execute-button');
  const draft = await post(
    'mutation($input: CreatePublicationInput!) { createPublication(input: $input) { publication { id } } }',
    { input: { title: 'Followed Live From GraphiQL', kind: 'OTHER' } },
  );
  if (!draft.data?.createPublication?.publication) {
    failures.push(`the draft was not created: ${JSON.stringify(draft)}`);
  }
  try {
    await page.waitForFunction(
      (text) => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes(text),
      'Followed Live From GraphiQL',
      { timeout: 15_000 },
    );
    console.log('subscription answered:', JSON.parse(await response()).data.publicationEvents.kind);
  } catch (error) {
    failures.push(`no event in the response pane; it shows: ${await response()}`);
  }
  await page.screenshot({ path: process.env.SCREENSHOT ?? 'graphiql.png' });
} finally {
  await browser.close();
}

if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('GraphiQL works');
