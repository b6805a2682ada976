// Two-step sign-in as a patient meets it: set up from their account by scanning the QR code
// (decoded here from the page's pixels, as a phone camera would), the recovery codes kept, then
// signing in with the app's code and with a recovery code (once); new codes and turning it off
// after the password; and a portal that requires it leading a new sign-in through set-up first.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signInAsAnn, signOut } from '../lib/pages.mjs';
import { totp, BEN_SECRET, DEMO_PASSWORD } from '../lib/totp.mjs';

/// The otpauth address in the set-up QR code, read from its pixels.
async function scanQr(page) {
  const shot = await page.locator('svg.qr').screenshot();
  const png = PNG.sync.read(shot);
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(found, 'the QR code can be read');
  return new URL(found.data);
}

/// From "Start" to the recovery codes: scans the code, enters a wrong then the right code. From
/// the account page the password comes first (a wrong one is said on its box); a sign-in led
/// here has just given it, and is not asked.
async function setUp(page, name, { required = false } = {}) {
  const password = page.getByLabel('Your password');
  if (required) {
    assert.equal(await password.count(), 0, 'a required set-up does not ask for the password again');
  } else {
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText('Enter your password').first().waitFor();
    await password.fill('not-my-password');
    await page.getByRole('button', { name: 'Start' }).click();
    await page.getByText('Your password is not right').first().waitFor();
    await screen(page, `${name}-password`);
    await password.fill(DEMO_PASSWORD);
  }
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByRole('heading', { name: '1. Add this portal to your app' }).waitFor();
  const uri = await scanQr(page);
  assert.equal(uri.protocol, 'otpauth:');
  const secret = uri.searchParams.get('secret');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(uri.searchParams.get('issuer'), 'Riverside General Hospital');
  assert.equal(uri.searchParams.get('digits'), '6');
  const key = await page.locator('.setup-key').innerText();
  assert.equal(key.replace(/\s/g, ''), secret, 'the key to type is the one in the QR code');
  await screen(page, `${name}-scan`);
  await page.getByLabel('Security code').fill('000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await page.getByText('That code is not right').first().waitFor();
  await page.getByLabel('Security code').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  const codes = await page.locator('.recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  codes.forEach((c) => assert.match(c, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/));
  return { secret, codes };
}

/// Keeps the codes: the box must be ticked before going on.
async function keepCodes(page) {
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Tick the box once you have saved').first().waitFor();
  await page.getByLabel('I have saved, printed or written down my recovery codes').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('a patient sets up two-step sign-in, then signs in with the app and with a recovery code once', async ({ page }) => {
  await signInAsAnn(page);
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByText('Two-step sign-in is off.').waitFor();
  await page.getByRole('link', { name: 'Set up two-step sign-in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' }).waitFor();
  await screen(page, 'two-step-intro');
  const { secret, codes } = await setUp(page, 'two-step');
  await screen(page, 'two-step-codes');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download as a file' }).click(),
  ]);
  const file = fs.readFileSync(await download.path(), 'utf8');
  assert.match(file, /^Recovery codes for the Riverside General Hospital patient portal\r\nUsername: ann\r\n/);
  codes.forEach((c) => assert.ok(file.includes(c), c));
  await keepCodes(page);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.getByText(/^Two-step sign-in has been on since .*\. You have 10 recovery codes left\.$/).waitFor();

  // Signing in now asks for the app's code (the next one: the one that turned it on is used).
  await signOut(page);
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('heading', { name: 'Enter your security code' }).waitFor();
  await page.getByLabel('Security code').fill(totp(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();

  // Without the phone: a recovery code, typed loosely, once.
  await signOut(page);
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'I cannot use my phone: use a recovery code' }).click();
  await page.getByRole('heading', { level: 1, name: 'Enter a recovery code' }).waitFor();
  await page.getByLabel('Recovery code').fill('12345');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Enter a recovery code: 12 letters and numbers').first().waitFor();
  await screen(page, 'sign-in-recovery-code');
  await page.getByLabel('Recovery code').fill(codes[0].toLowerCase().replace('-', ' '));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByText('You signed in with a recovery code. That code will not work again. You have 9 recovery codes left.').waitFor();
  await screen(page, 'recovery-code-notice');
  await page.getByRole('button', { name: 'Hide this message' }).click();
  assert.equal(await page.getByText('You signed in with a recovery code').count(), 0);

  await signOut(page);
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'I cannot use my phone: use a recovery code' }).click();
  await page.getByLabel('Recovery code').fill(codes[0]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('That recovery code is not right, or has been used.').first().waitFor();
});

test('new recovery codes and turning two-step sign-in off each ask for the password', async ({ page }) => {
  await page.goto('/');
  await signIn(page, 'ben');
  await page.getByLabel('Security code').fill(totp(BEN_SECRET));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByText('You have no recovery codes left: make new ones now').waitFor();
  await screen(page, 'account-two-step-on');

  await page.getByRole('button', { name: 'Make new recovery codes' }).click();
  await page.getByLabel('Your password', { exact: true }).fill('not my password');
  await page.locator('form.account-form').getByRole('button', { name: 'Make new recovery codes' }).click();
  await page.getByText('Your password is not right').first().waitFor();
  await page.getByLabel('Your password', { exact: true }).fill('carefront-demo');
  await page.locator('form.account-form').getByRole('button', { name: 'Make new recovery codes' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  assert.equal(await page.locator('.recovery-codes code').count(), 10);
  await keepCodes(page);
  await page.getByText('Your new recovery codes are ready to use.').waitFor();
  await page.getByText('You have 10 recovery codes left.').waitFor();

  await page.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await page.getByText('anyone who knows your password can sign in as you').first().waitFor();
  await screen(page, 'account-two-step-off-confirm');
  await page.getByLabel('Your password', { exact: true }).fill('carefront-demo');
  await page.locator('form.account-form').getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await page.getByText('Two-step sign-in is off.', { exact: true }).waitFor();
  await signOut(page);
  await page.goto('/');
  await signIn(page, 'ben');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
});

test('a portal that requires a second factor leads a new sign-in through setting one up first', async ({ page }) => {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' }).waitFor();
  await page.getByText('Your hospital asks everyone to use two-step sign-in.').waitFor();
  assert.equal(await page.getByText('If you have added a passkey').count(), 0, 'no passkeys at an IP address');
  await screen(page, 'two-step-required');
  // Nothing else opens until it is set up.
  await page.goto('/record/demo-ann/allergies');
  await page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' }).waitFor();
  assert.ok(page.url().endsWith('/account/two-step'), page.url());
  await setUp(page, 'two-step-required', { required: true });
  await keepCodes(page);
  // Signed in now: the terms, then the record.
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByText('so it cannot be turned off').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Turn off two-step sign-in' }).count(), 0);
}, { portal: { requireSecondFactor: true } });

test('the two-step screens fit a phone', async ({ page }) => {
  await signInAsAnn(page);
  await page.goto('/account/two-step');
  await page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' }).waitFor();
  const { codes } = await setUp(page, 'two-step-phone');
  assert.equal(codes.length, 10);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
}, { viewport: { width: 375, height: 740 } });

test('where passkeys work, a required set-up says a passkey can be used instead', async ({ page, portal }) => {
  await page.goto(`${portal.url.replace('127.0.0.1', 'localhost')}/`);
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Set up two-step sign-in' }).waitFor();
  await page.getByText('If you have added a passkey to your account, you can sign out and choose \u201cSign in with a passkey\u201d instead.').waitFor();
}, { portal: { requireSecondFactor: true } });
