// What the tests do on each screen, in the words a user would use.
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from './totp.mjs';

export async function signIn(page, username, password = DEMO_PASSWORD) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/// Signs in as Ann and accepts the terms: the record's allergies screen is open.
export async function openAnnsRecord(page) {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Allergies' }).waitFor();
}

export async function expectText(locator, pattern) {
  await locator.first().waitFor();
  const text = await locator.first().innerText();
  assert.match(text, pattern);
}

export async function bodyText(page) {
  return page.locator('body').innerText();
}
