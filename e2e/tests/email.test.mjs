// Email as a patient meets it, against a real SMTP server on loopback: a new address confirmed
// by the code sent to it (the old one told), and a new result announced by an email that says
// nothing of it.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signInAsAnn } from '../lib/pages.mjs';
import { load, thyroidResult } from '../lib/load.mjs';
import { mailsTo } from '../lib/mail.mjs';

async function openAccount(page) {
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
}

function codeIn(mail) {
  const line = mail.split(/\r?\n/).map((l) => l.trim()).find((l) => /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(l));
  assert.ok(line, `the email holds a code: ${mail}`);
  return line;
}

test('a new email address takes the code sent to it, and the old address is told', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openAccount(page);
  await page.getByText('We send emails to ann.carter@example.org.').waitFor();
  await page.getByRole('button', { name: 'Change your email address' }).click();
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByRole('link', { name: 'Enter your new email address' }).waitFor();
  await page.getByLabel('Your new email address').fill('ann@new.example');
  await page.getByLabel('Your password').fill('not my password');
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByRole('link', { name: 'Your password is not right' }).waitFor();
  assert.equal(await page.getByLabel('Your new email address').inputValue(), 'ann@new.example', 'the address typed is kept');
  assert.equal((await mailsTo(portal, 'ann@new.example', 1, 0)).length, 0, 'nothing sent without the password');
  await page.getByLabel('Your password').fill('carefront-demo');
  await page.getByRole('button', { name: 'Send the code' }).click();
  await page.getByText('We have sent a code to ann@new.example').waitFor();
  await screen(page, 'account-email-code');

  const [sent] = await mailsTo(portal, 'ann@new.example');
  const code = codeIn(sent);
  await page.getByLabel('The code from the email').fill('AAAA-AAAA-AAAA');
  await page.getByRole('button', { name: 'Confirm my new address' }).click();
  await page.getByRole('link', { name: /That code is not right/ }).waitFor();
  // Reloaded (or come back to later): the change still waits for its code.
  await page.reload();
  await page.getByText('We have sent a code to ann@new.example').waitFor();
  await page.getByLabel('The code from the email').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Confirm my new address' }).click();
  await page.getByText('Your email address is now ann@new.example. We have told your old address about the change.').waitFor();
  await page.getByText('We send emails to ann@new.example.').waitFor();

  const [told] = await mailsTo(portal, 'ann.carter@example.org');
  assert.match(told, /^Subject: The email address for your .* has changed/m);
  assert.match(told, /0300 555 0182/, 'with the help desk, for someone who did not do it');
  assert.ok(!told.includes('ann@new.example'), 'the old address is not told the new one');
}, { portal: { smtp: true } });

/// Writes a bundle of these resources and loads it with the portal's `load` command, as a
/// hospital's feed would bring them.
test('a new result is emailed as "something new", and the email says nothing of it', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openAccount(page);
  const kinds = page.getByRole('group', { name: 'Email me when I have a new:' });
  for (const kind of ['Test result', 'Letter', 'Appointment']) {
    assert.equal(await kinds.getByLabel(kind, { exact: true }).isChecked(), true, kind);
  }
  await page.getByText('It never says what it is, because anyone who can read your email could see it.').waitFor();
  await kinds.getByLabel('Appointment', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save my email choices' }).click();
  await page.getByText('Your email choices are saved.').waitFor();
  await screen(page, 'account-notifications');
  await page.reload();
  await page.getByRole('group', { name: 'Email me when I have a new:' }).getByLabel('Appointment', { exact: true }).waitFor();
  assert.equal(await page.getByRole('group', { name: 'Email me when I have a new:' }).getByLabel('Appointment', { exact: true }).isChecked(), false, 'the choice is kept');

  // New information arrives through `load`: an appointment (turned off), then a result.
  load(portal, [{ resourceType: 'Appointment', id: 'e2e-appointment', status: 'booked', description: 'Oncology review',
    start: '2027-01-10T09:30:00Z', participant: [{ actor: { reference: 'Patient/demo-ann' }, status: 'accepted' }] }]);
  await new Promise((r) => setTimeout(r, 7000));
  assert.equal((await mailsTo(portal, 'ann.carter@example.org', 1, 0)).length, 0, 'appointments were turned off');
  load(portal, [thyroidResult('e2e-tsh', 'demo-ann')]);
  const [mail] = await mailsTo(portal, 'ann.carter@example.org');
  assert.ok(mail, 'the email arrived');
  assert.match(mail, /^Subject: There is something new in the .* patient portal/m);
  assert.ok(mail.includes(`sign in at ${portal.url}/`), `the email says where to sign in: ${mail}`);
  for (const health of ['Thyroid', 'TSH', '9.7', 'mU/L', 'result', 'Oncology', 'laboratory']) {
    assert.ok(!mail.includes(health), `the email says ${health}`);
  }
  // The link leads to the record, where the result is.
  await page.goto('/record/demo-ann/results');
  await page.getByText('Thyroid stimulating hormone').first().waitFor();
}, { portal: { smtp: true } });

test('a carer asks to hear about the person they act for, and hears of a new result for them', async ({ page, portal }) => {
  await page.goto('/');
  await signIn(page, 'david');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('link', { name: /Margaret Price/ }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Margaret Price\u2019s health record' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  const kinds = page.getByRole('group', { name: 'Email me when someone I act for has a new:' });
  await kinds.waitFor();
  for (const kind of ['Test result', 'Letter', 'Appointment']) {
    assert.equal(await kinds.getByLabel(kind, { exact: true }).isChecked(), false, `${kind}: a carer is emailed only once they ask`);
  }
  await kinds.getByLabel('Test result', { exact: true }).check();
  await page.getByRole('button', { name: 'Save my email choices' }).click();
  await page.getByText('Your email choices are saved.').waitFor();
  await screen(page, 'account-notifications-carer');

  load(portal, [thyroidResult('e2e-margaret-tsh', 'demo-margaret')]);
  const [mail] = await mailsTo(portal, 'david.price@example.org');
  assert.ok(mail, 'the carer is told');
  assert.match(mail, /^Subject: There is something new in the .* patient portal/m);
  for (const private_ of ['Margaret', 'Thyroid', '9.7', 'mother']) assert.ok(!mail.includes(private_), `the email says ${private_}`);
}, { portal: { smtp: true } });
