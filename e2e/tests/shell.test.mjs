import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn } from '../lib/pages.mjs';

test('the emergency notice is in the raw HTML, before any code runs', async ({ page }) => {
  const response = await page.request.get('/');
  const html = await response.text();
  assert.match(html, /class="?emergency/);
  assert.match(html, /emergency/i);
  assert.match(html, /999/);
  assert.match(html, /Loading your patient portal/);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers()['cache-control'], 'no-cache');

  // With scripts off, a patient still sees the notice and is told why nothing else appears.
  assert.match(html, /<noscript>[^<]*<p>This patient portal needs JavaScript/);

  // The page is minified, and the app arrives compressed, in the best form the browser takes.
  assert.doesNotMatch(html, /<!--/);
  const wasm = html.match(/\/carefront-[0-9a-f]{8,16}_bg\.wasm/)[0];
  const br = await page.request.get(wasm, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(br.headers()['content-encoding'], 'br');
  assert.equal(br.headers()['vary'], 'accept-encoding');
  const gz = await page.request.get(wasm, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers()['content-encoding'], 'gzip');
  const js = await (await page.request.get(html.match(/\/carefront-[0-9a-f]{8,16}\.js/)[0])).text();
  assert.ok(js.split('\n').length < 20, `the JS loader is minified (${js.split('\n').length} lines)`);
  assert.doesNotMatch(js, /^\s*\/\/ /m, 'no comments left');
});

test('the app replaces the notice with the hospital wording and passes axe', async ({ page }) => {
  // A signed-out visit leaves nothing red in the console (no 401 for "am I signed in?").
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  const notice = await page.locator('#emergency-text').innerText();
  assert.match(notice, /call 999 now/);
  // The stylesheet is inlined: it applies only if the policy's style hash matches what was served.
  const red = await page.locator('.emergency').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(red, 'rgb(213, 40, 27)');
  await screen(page, 'sign-in');
  assert.deepEqual(errors, []);
});

test('unknown addresses get a plain not-found screen', async ({ page }) => {
  await page.goto('/no/such/page');
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await screen(page, 'not-found');
});

test('a portal that cannot be reached at start-up says so and can be retried', async ({ page }) => {
  let fail = true;
  await page.route('**/api/v1/portal', (route) => (fail ? route.abort('connectionrefused') : route.continue()));
  await page.goto('/');
  await page.getByRole('heading', { name: 'The patient portal is not available' }).waitFor();
  await page.getByText('We cannot reach the portal right now').waitFor();
  await screen(page, 'start-up-unreachable');
  fail = false;
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
});

const STELLA = {
  organization: { name: 'St Stella Children’s Hospital', logoUrl: null, website: null },
  theme: { primaryColour: '#330072', onPrimaryColour: '#ffffff' },
  locale: 'en-US',
  timeZone: 'America/Chicago',
  emergency: { number: '911', text: 'Not for emergencies: call 911 if your child is seriously ill.' },
  disclaimer: 'Information here is provided as is.',
  notFullRecord: 'This is only part of your child’s record.',
  recordErrors: 'Seen a mistake? Let us know.',
  recordErrorsUrl: 'https://stella.example/record-correction',
  helpDesk: { phone: '(555) 010-2000', hours: 'every day, 7am to 7pm', email: 'portal@stella.example' },
  features: { proxy: false, share: false, linking: false },
};

test('a hospital’s own name, colours, wording, help desk and error page drive every screen', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  assert.equal(await page.locator('#emergency-text').innerText(), STELLA.emergency.text);
  assert.match(await page.title(), /St Stella Children’s Hospital patient portal/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en-US');
  const brand = await page.locator('.site-header').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(brand, 'rgb(51, 0, 114)');
  const footer = await page.locator('footer').innerText();
  assert.match(footer, /\(555\) 010-2000 \(every day, 7am to 7pm\)/);
  assert.match(footer, /portal@stella\.example/);
  assert.match(footer, /Information here is provided as is\./);
  await page.getByLabel('Username').fill('ann');
  await page.getByLabel('Password').fill('carefront-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByText('This is only part of your child’s record.').waitFor();
  await expectBornInUsStyle(page);
  const report = page.getByRole('link', { name: 'Tell us about an error in your record' });
  assert.equal(await report.getAttribute('href'), STELLA.recordErrorsUrl);
  await screen(page, 'branded-summary');
}, { portal: { config: STELLA } });

async function expectBornInUsStyle(page) {
  assert.match(await page.locator('.patient-born').innerText(), /Born March 12, 1954/);
}

test('the portal description and the session are asked for once each, at once, while the app downloads', async ({ page }) => {
  const log = [];
  page.on('request', (r) => log.push({ url: new URL(r.url()).pathname, at: 'start' }));
  page.on('requestfinished', (r) => log.push({ url: new URL(r.url()).pathname, at: 'end' }));
  // A slow app download, so there is no doubt what is asked for before it arrives.
  await page.route(/_bg\.wasm$/, async (route) => {
    await new Promise((r) => setTimeout(r, 600));
    await route.continue();
  });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  const index = (url, at) => log.findIndex((e) => e.url === url && e.at === at);
  const wasmDone = index(log.find((e) => e.url.endsWith('_bg.wasm'))?.url, 'end');
  assert.ok(wasmDone > 0, 'the app was downloaded');
  for (const api of ['/api/v1/portal', '/api/v1/session']) {
    assert.equal(log.filter((e) => e.url === api && e.at === 'start').length, 1, `${api} asked for once`);
    assert.ok(index(api, 'start') < wasmDone, `${api} asked for before the app arrived`);
  }
});

test('the record is a separate download; if it fails, the patient is told and can try again', async ({ page }) => {
  let tries = 0;
  const parts = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) parts.push(new URL(r.url()).pathname); });
  await page.route(/\/split_record-[0-9a-f]+\.wasm$/, (route) => {
    tries += 1;
    return tries === 1 ? route.abort('connectionreset') : route.continue();
  });
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  assert.equal(parts.filter((p) => p.includes('split_')).length, 0, 'signing in does not download the record');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'This part of the portal did not download' });
  await failure.waitFor();
  await screen(page, 'part-failed');
  await failure.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  assert.equal(tries, 2);
});
