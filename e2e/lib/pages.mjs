// What the tests do on each screen, in the words a user would use.
import assert from 'node:assert/strict';
import { screen } from './harness.mjs';
import { BEN_SECRET, DEMO_PASSWORD, totp } from './totp.mjs';

export async function signIn(page, username, password = DEMO_PASSWORD) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/// Signs in (Ben with his security code) and accepts the terms, waiting until they have gone:
/// a test that goes elsewhere sooner would take the acceptance away with the page (as a person
/// typing an address at that moment would).
export async function signInAs(page, username) {
  await page.goto('/');
  await signIn(page, username);
  if (username === 'ben') {
    await page.getByLabel('Security code').fill(totp(BEN_SECRET));
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).waitFor({ state: 'detached' });
}

/// Signs in as Ann and accepts the terms: the record's summary is open.
export async function signInAsAnn(page) {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
}

/// Goes to a section through the record's navigation, and waits until all of it has loaded.
export async function openSection(page, link, heading = link) {
  await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: link, exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  await page.getByText(/^Loading|Still loading/).first().waitFor({ state: 'detached' }).catch(() => {});
  await page.waitForFunction(() => !document.body.innerText.match(/Loading .*…|Still loading/));
}

/// Ann's allergies, the screen the first slice was built around.
export async function openAnnsRecord(page) {
  await signInAsAnn(page);
  await openSection(page, 'Allergies');
}

export async function expectText(locator, pattern) {
  await locator.first().waitFor();
  const text = await locator.first().innerText();
  assert.match(text, pattern);
}

export async function bodyText(page) {
  return page.locator('body').innerText();
}

/// Opens another record through the header's switcher.
export async function switchTo(page, name) {
  await page.locator('.switcher summary').click();
  await page.locator('.switcher').getByRole('link', { name }).click();
}

/// Signs out from the header and waits for the sign-in page to say so.
export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
}

/// The code in the newest email to this address.
export function codeSentTo(portal, address) {
  const mail = portal.mail().find((m) => m.split(/\r?\n/).includes(`To: ${address}`));
  assert.ok(mail, `an email went to ${address}`);
  return mail.match(/^\s+([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\s*$/m)[1];
}

/// Invites someone to act for the signed-in patient, from "Who can see my record".
export async function invite(page, { name, email, relationship, level }) {
  await page.getByRole('button', { name: 'Invite someone' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
  await screen(page, 'invite-errors');
  await page.getByLabel('Their full name').fill(name);
  await page.getByLabel('Their email address').fill(email);
  await page.getByRole('radio', { name: relationship, exact: true }).check();
  await page.getByRole('radio', { name: level }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Check your answers' }).waitFor();
  await screen(page, 'invite-check');
  await page.getByRole('button', { name: 'Send the invitation' }).click();
  await page.getByRole('status').filter({ hasText: `We have emailed an invitation to ${name}` }).waitFor();
}
