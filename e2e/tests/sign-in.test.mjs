import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, expectText } from '../lib/pages.mjs';
import { totp, BEN_SECRET } from '../lib/totp.mjs';

test('empty fields are named in an error summary linked to the fields', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
  await expectText(summary, /Enter your username/);
  await expectText(summary, /Enter your password/);
  await screen(page, 'sign-in-missing-fields');
  await summary.getByRole('link', { name: 'Enter your password' }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
});

test('a wrong password is explained, the username is kept, the password cleared', async ({ page }) => {
  await page.goto('/sign-in');
  await signIn(page, 'ann', 'not my password');
  await expectText(page.getByRole('alert'), /username or password is not right/);
  assert.equal(await page.getByLabel('Username').inputValue(), 'ann');
  assert.equal(await page.getByLabel('Password').inputValue(), '');
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  await screen(page, 'sign-in-wrong-password');
});

test('too many wrong passwords lock this network for a while, with how long to wait', async ({ page }) => {
  await page.goto('/sign-in');
  for (let i = 0; i < 5; i += 1) {
    await signIn(page, 'ann', `wrong ${i}`);
    await page.getByRole('alert').first().waitFor();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  }
  // The first lock is short (30 seconds, rounded up to a minute), growing with each further guess.
  await expectText(page.getByRole('alert'), /Your account is locked after too many wrong tries. Try again in 1 minute,/);
});

test('offline and server-down failures each say what happened, and nothing typed is lost', async ({ page, context }) => {
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  await context.setOffline(true);
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /You seem to be offline/);
  assert.equal(await page.getByLabel('Username').inputValue(), 'ann');
  await context.setOffline(false);

  await page.route('**/api/v1/session', (route) => route.abort('connectionrefused'));
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /cannot reach the portal/);
  await page.unroute('**/api/v1/session');

  await page.route('**/api/v1/session', (route) => route.fulfill({ status: 503, body: 'maintenance' }));
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /not available at the moment/);
  await page.unroute('**/api/v1/session');

  await page.route('**/api/v1/session', (route) => route.fulfill({ status: 500, contentType: 'application/problem+json', body: '{"status":500}' }));
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /Something went wrong on our side/);
});

test('a browser that drops the session cookie is told cookies are needed', async ({ page, context }) => {
  await page.route('**/api/v1/session', async (route) => {
    const response = await route.fetch();
    // route.fetch() stores cookies in the context itself: take them back out, as a blocking browser would.
    await context.clearCookies();
    const headers = { ...response.headers() };
    delete headers['set-cookie'];
    await route.fulfill({ response, headers });
  });
  await page.goto('/sign-in');
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /blocking cookies/);
});

test('second factor: a wrong code is refused, the right one signs in', async ({ page }) => {
  await page.goto('/sign-in');
  await signIn(page, 'ben');
  await page.getByRole('heading', { name: 'Enter your security code' }).waitFor();
  await screen(page, 'second-factor');
  await page.getByLabel('Security code').fill('12345');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectText(page.getByRole('alert'), /Enter the 6-digit security code/);
  const right = totp(BEN_SECRET);
  const wrong = right === '000000' ? '111111' : '000000';
  await page.getByLabel('Security code').fill(wrong);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectText(page.getByRole('alert'), /security code is not right/);
  await screen(page, 'second-factor-wrong-code');
  // A reload between the password and the code carries on at the code.
  await page.reload();
  await page.getByRole('heading', { name: 'Enter your security code' }).waitFor();
  await page.getByLabel('Security code').fill(totp(BEN_SECRET));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).waitFor();
});

test('the whole sign-in works from the keyboard alone, with focus visible', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByRole('heading', { name: 'Sign in to your patient portal' }).waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to main content');
  let guard = 0;
  while ((await page.evaluate(() => document.activeElement.id)) !== 'username' && guard++ < 10) {
    await page.keyboard.press('Tab');
  }
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focused field shows a focus outline');
  await page.keyboard.type('ann');
  await page.keyboard.press('Tab');
  await page.keyboard.type('carefront-demo');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Accept and continue' }).waitFor();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.tagName);
  assert.ok(['A', 'BUTTON'].includes(focused), `Tab reaches a control, got ${focused}`);
});
