import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, expectText, bodyText } from '../lib/pages.mjs';

test('terms are shown with their version, safely, and accepting opens the record', async ({ page }) => {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Terms of use' }).waitFor();
  await expectText(page.locator('.terms-text .meta'), /Version 1, in force from 1 January 2026/);
  await page.getByRole('heading', { name: 'Not for emergencies' }).waitFor();
  assert.equal(await page.locator('.terms-text strong').first().innerText(), 'not your full medical record');
  await screen(page, 'terms');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  assert.match(page.url(), /\/record\/demo-ann\/summary$/, 'the address names whose record it is');
});

test('"Your account" chosen while the acceptance is saving is where the patient lands', async ({ page }) => {
  // The answer is held back until the patient has moved on, so the screen that sent it is gone
  // when it arrives: the session must still learn the terms are accepted.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/api/v1/terms/acceptances', async (route) => {
    await held;
    await route.continue();
  });
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('button', { name: 'Saving…' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.waitForURL(/\/terms\?next=%2Faccount$/);
  release();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
});

test('declining the terms signs out and says why', async ({ page, context }) => {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Decline and sign out' }).click();
  await page.getByRole('status').filter({ hasText: /did not accept the terms of use/ }).waitFor();
  assert.match(page.url(), /\/sign-in\?ended=declined-terms$/);
  await screen(page, 'terms-declined');
  const session = await page.request.get('/api/v1/session');
  assert.equal((await session.json()).status, 'signed-out');
  assert.equal((await context.cookies()).filter((c) => c.name === 'carefront-session').length, 0);
  assert.doesNotMatch(await bodyText(page), /Ann Carter/);
});

test('a deep link asked for before signing in is where the patient lands', async ({ page }) => {
  await page.goto('/record/allergies');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  assert.match(page.url(), /\/sign-in\?next=%2Frecord%2Fallergies$/);
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Allergies' }).waitFor();
});
