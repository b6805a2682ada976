// "Your account" as a patient meets it: the devices signed in (one signed out from another),
// a new password that signs the others out, and securing an account someone else may be using.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signInAsAnn } from '../lib/pages.mjs';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/// Ann signed in on a second device: an iPhone's browser, with its own cookies.
async function annOnAPhone(context, portal) {
  const phone = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London', userAgent: IPHONE });
  const page = await phone.newPage();
  await signInAsAnn(page);
  return { phone, page };
}

/// Ann signs in again on this device: the terms are already accepted on her other one.
async function annAgain(page) {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
}

/// Whether a page's session still opens the record.
async function stillSignedIn(page) {
  await page.goto('/record/demo-ann/summary');
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  return !page.url().includes('/sign-in');
}

async function openAccount(page) {
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.locator('.device-card').first().waitFor();
}

test('a patient sees where they are signed in and signs another device out', async ({ page, context, portal }) => {
  const { phone, page: iphone } = await annOnAPhone(context, portal);
  await annAgain(page);
  await openAccount(page);
  const devices = (await page.locator('.device-card').allInnerTexts()).map((t) => t.replace(/\n+/g, ' '));
  assert.equal(devices.length, 2, devices.join('\n'));
  assert.ok(devices.some((d) => /^Chrome on Linux This device Signed in /.test(d)), devices.join('\n'));
  assert.ok(devices.some((d) => /^Safari on an iPhone Signed in .* Last used /.test(d)), devices.join('\n'));
  await screen(page, 'account');
  await page.getByRole('button', { name: 'Sign out this device' }).click();
  await page.getByText('That device is signed out.').waitFor();
  // The list is asked for again once the device is signed out: wait for it to come back.
  await page.locator('.device-card').first().waitFor();
  assert.equal(await page.locator('.device-card').count(), 1);
  assert.equal(await stillSignedIn(iphone), false, 'the phone is signed out');
  assert.equal(await stillSignedIn(page), true);
  await phone.close();
});

test('a new password is checked, then signs every other device out and keeps this one', async ({ page, context, portal }) => {
  const { phone, page: iphone } = await annOnAPhone(context, portal);
  await annAgain(page);
  await openAccount(page);
  const form = page.locator('form.account-form').first();
  await form.getByLabel('Your current password').fill('carefront-demo');
  await form.getByLabel('Your new password', { exact: true }).fill('password123');
  await form.getByLabel('Your new password again').fill('password123');
  await form.getByRole('button', { name: 'Change my password' }).click();
  await page.getByRole('link', { name: /too easy to guess/ }).waitFor();
  await form.getByLabel('Your current password').fill('not my password');
  await form.getByLabel('Your new password', { exact: true }).fill('kettle orbit velvet pine');
  await form.getByLabel('Your new password again').fill('kettle orbit velvet pine');
  await form.getByRole('button', { name: 'Change my password' }).click();
  await page.getByRole('link', { name: 'Your current password is not right' }).waitFor();
  await screen(page, 'account-password-errors');
  await form.getByLabel('Your current password').fill('carefront-demo');
  await form.getByRole('button', { name: 'Change my password' }).click();
  await page.getByText('Your password is changed. Every other device is signed out.').waitFor();
  assert.equal(await form.getByLabel('Your current password').inputValue(), '', 'nothing typed is left in the form');
  assert.equal(await stillSignedIn(iphone), false);
  assert.equal(await stillSignedIn(page), true);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: /sign in/i }).first().waitFor();
  await signIn(page, 'ann', 'kettle orbit velvet pine');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await phone.close();
});

test('securing an account someone else may be using signs out everywhere and says what happened', async ({ page, context, portal }) => {
  const { phone, page: iphone } = await annOnAPhone(context, portal);
  await annAgain(page);
  await openAccount(page);
  await page.getByRole('button', { name: 'Secure my account' }).click();
  await page.getByLabel('A new password', { exact: true }).fill('harbour lantern quietly moss');
  await page.getByLabel('The new password again').fill('harbour lantern quietly moss');
  await page.getByRole('button', { name: 'Sign out everywhere and change my password' }).click();
  await page.getByRole('link', { name: 'Enter your current password' }).waitFor();
  await page.getByLabel('Your current password').last().fill('carefront-demo');
  await screen(page, 'account-secure');
  await page.getByRole('button', { name: 'Sign out everywhere and change my password' }).click();
  await page.getByText(/Your account is safe again: your password is changed, every device is signed out, your passkeys are removed, and we have told the help desk/).waitFor();
  assert.equal(await stillSignedIn(iphone), false);
  await signIn(page, 'ann', 'harbour lantern quietly moss');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await phone.close();
});

test('closing the account says what happens, asks for the password, and then sign-in says it is closed', async ({ page }) => {
  await signInAsAnn(page);
  await openAccount(page);
  await page.getByRole('heading', { name: 'Close your account' }).waitFor();
  await page.getByText('does not delete your medical record').waitFor();
  await page.getByRole('button', { name: 'Close my account' }).click();
  await page.getByLabel('Your password', { exact: true }).fill('not my password');
  await page.locator('form.account-form').getByRole('button', { name: 'Close my account' }).click();
  await page.getByText('Your password is not right').first().waitFor();
  await screen(page, 'account-close');
  await page.getByLabel('Your password', { exact: true }).fill('carefront-demo');
  await page.locator('form.account-form').getByRole('button', { name: 'Close my account' }).click();
  await page.getByText('Your account is being closed, and you are signed out on every device.').waitFor();
  assert.ok(page.url().includes('/sign-in?ended=account-closed'), page.url());
  await signIn(page, 'ann');
  await page.getByText('This account is closed, as you asked.').first().waitFor();
  await screen(page, 'sign-in-account-closed');
});

test('leaving the record for "Your account" before the record has downloaded leaves the app working', async ({ page }) => {
  // The record's part is still on its way when the patient moves on: it must not build its
  // screen for a page that has gone (which once stopped the whole app).
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  // On the record's address, whose part is only now asked for.
  await page.waitForURL(/\/record\/demo-ann\/summary$/);
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  await page.waitForTimeout(1500);
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
});
