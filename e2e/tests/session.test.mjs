import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { openAnnsRecord, expectText, bodyText } from '../lib/pages.mjs';

const IDLE = 12;

test('an idle session warns, can be kept, then ends and clears the screen', async ({ page }) => {
  await openAnnsRecord(page);
  const dialog = page.getByRole('dialog', { name: 'Do you want to stay signed in?' });
  await dialog.waitFor({ timeout: IDLE * 1000 });
  await screen(page, 'idle-warning');
  await dialog.getByRole('button', { name: 'Stay signed in' }).click();
  await dialog.waitFor({ state: 'hidden' });
  assert.match(await bodyText(page), /Penicillin/, 'staying keeps the record open');
  await dialog.waitFor({ timeout: IDLE * 1000 });
  await page.waitForURL(/\/sign-in\?ended=idle$/, { timeout: IDLE * 1000 });
  await page.getByRole('status').filter({ hasText: /We signed you out because you had not used the portal/ }).waitFor();
  const text = await bodyText(page);
  assert.doesNotMatch(text, /Penicillin|Ann Margaret Carter/);
  await screen(page, 'signed-out-idle');
  assert.equal((await (await page.request.get('/api/v1/session')).json()).status, 'signed-out');
}, { portal: { idleTimeout: IDLE } });

test('signing out leaves nothing behind in storage, the page, or the back button', async ({ page, context }) => {
  await openAnnsRecord(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in\?ended=signed-out$/);
  await page.getByRole('status').filter({ hasText: /You have signed out/ }).waitFor();
  const leftovers = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    indexedDb: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
    cookies: document.cookie,
  }));
  assert.deepEqual(leftovers, { local: 0, session: 0, indexedDb: 0, caches: 0, cookies: '' });
  assert.equal((await context.cookies()).filter((c) => c.name === 'carefront-session').length, 0);
  assert.doesNotMatch(await bodyText(page), /Penicillin|Ann Margaret Carter/);
  await screen(page, 'signed-out');
  await page.goBack();
  await page.getByRole('heading', { name: /Sign in|Terms/ }).first().waitFor();
  assert.doesNotMatch(await bodyText(page), /Penicillin|Ann Margaret Carter/);
});

test('a sign-out the portal has not confirmed says so plainly and keeps trying', async ({ page }) => {
  await openAnnsRecord(page);
  let refused = 0;
  await page.route('**/api/v1/session', (route) => {
    if (route.request().method() === 'DELETE' && refused < 2) {
      refused += 1;
      return route.abort('connectionrefused');
    }
    return route.continue();
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  const stuck = page.getByRole('alert').filter({ hasText: 'Signing out did not finish: close this browser window' });
  await stuck.waitFor();
  assert.doesNotMatch(await bodyText(page), /You have signed out|Penicillin|Ann Margaret Carter/);
  await screen(page, 'sign-out-unconfirmed');
  // The third try gets through: only now does the page say the patient has signed out.
  await page.waitForURL(/\/sign-in\?ended=signed-out$/, { timeout: 15_000 });
  await page.getByRole('status').filter({ hasText: /You have signed out/ }).waitFor();
  assert.equal(refused, 2);
  assert.equal((await (await page.request.get('/api/v1/session')).json()).status, 'signed-out');
});

test('a session ended on the server sends the patient to sign in with a reason', async ({ page }) => {
  await page.route('**/api/v1/fhir/**', (route) => route.fulfill({
    status: 401,
    contentType: 'application/fhir+json',
    body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ details: { coding: [{ code: 'session-expired' }] } }] }),
  }));
  await page.goto('/');
  await page.getByLabel('Username').fill('ann');
  await page.getByLabel('Password').fill('carefront-demo');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.waitForURL(/\/sign-in\?ended=expired$/);
  await page.getByRole('status').filter({ hasText: /Your session has ended/ }).waitFor();
  assert.doesNotMatch(await bodyText(page), /Ann Margaret Carter/);
});
