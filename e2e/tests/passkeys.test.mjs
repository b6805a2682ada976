// Passkeys as a patient meets them, with Chromium's virtual authenticator (a platform
// authenticator that verifies its user, over the DevTools protocol): added from "Your account"
// and named, used to sign in without a username or code (picked from the username box's
// suggestions, or with the button where a browser makes no such suggestions), refused once
// removed or when the device cannot verify who is using it.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signOut } from '../lib/pages.mjs';
import { DEMO_PASSWORD } from '../lib/totp.mjs';

/// A fingerprint reader on this "device": resident keys, user verification that succeeds.
async function fingerprintReader(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

/// A browser that does not suggest passkeys in the username box (conditional mediation), as
/// older ones do not: the passkey button is the way in.
async function withoutSuggestions(page) {
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
}

/// Ann signed in (terms accepted) at the portal as passkeys know it, localhost, since browsers
/// take no IP address as a relying party; her account page open.
async function annsAccountAtLocalhost(page, portal) {
  await page.goto(`${portal.url.replace('127.0.0.1', 'localhost')}/`);
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
}

/// Adds a passkey on this device with Ann's password.
async function addPasskey(page) {
  await page.getByLabel('Your password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
}

/// Removes the passkey whose button is named `button`, with Ann's password.
async function removePasskey(page, button, { look = false } = {}) {
  await page.getByRole('button', { name: button }).click();
  if (look) await screen(page, 'account-passkey-remove');
  await page.locator('#password-to-remove-passkey').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Remove the passkey' }).click();
}

test('a patient adds a passkey, signs in with it alone, and it stops working once removed', async ({ page, portal }) => {
  await withoutSuggestions(page);
  const { cdp, authenticatorId } = await fingerprintReader(page);
  await annsAccountAtLocalhost(page, portal);
  await page.getByRole('heading', { name: 'Passkeys' }).waitFor();
  await page.getByText('You have not added a passkey yet.').waitFor();
  const name = page.getByLabel('A name for the passkey on this device');
  assert.equal(await name.inputValue(), 'Passkey on Linux');
  await name.fill('My laptop');
  // The password first: a passkey signs in on its own.
  await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
  await page.getByText('Enter your password').first().waitFor();
  await page.getByLabel('Your password').fill('not-my-password');
  await page.getByRole('button', { name: 'Add a passkey on this device' }).click();
  await page.getByText('Your password is not right').first().waitFor();
  await screen(page, 'account-passkey-password');
  assert.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 0,
    'no passkey is made before the password is right');
  await addPasskey(page);
  await page.getByText('Your passkey “My laptop” is added.').waitFor();
  await page.locator('.passkey-card').getByText('My laptop').waitFor();
  await page.getByText(/^Added .*\. Not used yet\.$/).waitFor();
  await screen(page, 'account-passkeys');
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  assert.equal(credentials[0].isResidentCredential, true);

  // Signing in: no username, no password, no code.
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
  await screen(page, 'sign-in-with-passkey');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByText('Signed in as Ann Carter').waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByText(/^Added .*\. Last used .*\.$/).waitFor();

  // Removed, after the password: the device still holds it, but the portal no longer takes it.
  await removePasskey(page, 'Remove My laptop', { look: true });
  await page.getByText('The passkey “My laptop” is removed.').waitFor();
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByText('That passkey could not sign you in.').first().waitFor();
  assert.ok(page.url().includes('/sign-in'), page.url());
});

test('a passkey from a device that cannot check who is using it does not sign in', async ({ page, portal }) => {
  await withoutSuggestions(page);
  const { cdp, authenticatorId } = await fingerprintReader(page);
  await annsAccountAtLocalhost(page, portal);
  await addPasskey(page);
  await page.getByText(/is added\./).waitFor();
  await signOut(page);
  // The fingerprint no longer matches: the browser is told the user is not verified.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.locator('.error-summary').waitFor();
  assert.ok(page.url().includes('/sign-in'), page.url());
  assert.equal(await page.getByText('Signed in as').count(), 0);
});

test('the username box suggests the passkey, and picking it signs in with nothing typed', async ({ page, portal }) => {
  // Signing in with the password while the box is waiting for a passkey works as ever (there is
  // no passkey on this device yet, so the suggestion waits).
  const { cdp, authenticatorId } = await fingerprintReader(page);
  await annsAccountAtLocalhost(page, portal);
  await addPasskey(page);
  await page.getByText(/is added\./).waitFor();
  // Chromium's virtual authenticator picks the suggestion the moment it is offered, as a person
  // would by tapping it under the username box.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByText('Signed in as Ann Carter').waitFor();
  const used = await page.evaluate(async () => (await fetch('/api/v1/account/passkeys', { headers: { 'X-Carefront': '1' } })).json());
  assert.ok(used.passkeys[0].lastUsedAt, 'the passkey was used');

  // A passkey the portal no longer takes is said plainly, and the password still works.
  await page.getByRole('link', { name: 'Your account' }).click();
  await removePasskey(page, /^Remove /);
  await page.getByText(/is removed\./).waitFor();
  await signOut(page);
  await page.getByText('That passkey could not sign you in.').first().waitFor();
  assert.equal(await page.getByLabel('Username').getAttribute('autocomplete'), 'username webauthn');
  await signIn(page, 'ann');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1, 'the device still holds it');
});
