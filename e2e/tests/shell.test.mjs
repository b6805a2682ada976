import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';

test('the emergency notice is in the raw HTML, before any code runs', async ({ page }) => {
  const response = await page.request.get('/');
  const html = await response.text();
  assert.match(html, /class="emergency"/);
  assert.match(html, /emergency/i);
  assert.match(html, /999/);
  assert.match(html, /Loading your patient portal/);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(response.headers()['cache-control'], 'no-cache');

  // With scripts off, a patient still sees the notice and is told why nothing else appears.
  assert.match(html, /<noscript>[^<]*<p>This patient portal needs JavaScript/);
});

test('the app replaces the notice with the hospital wording and passes axe', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  const notice = await page.locator('#emergency-text').innerText();
  assert.match(notice, /call 999 now/);
  await screen(page, 'sign-in');
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
