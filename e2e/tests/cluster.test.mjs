// Two portals started together on one PostgreSQL database behind nginx, set up as docs/deploy.md
// says: whichever portal answers, a patient, a guesser and the email round meet one portal, and a
// portal or a database that goes away takes nothing with it. Each portal is also asked directly (the browser's
// cookie for 127.0.0.1 goes to any port), so a test knows which one answered.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { postgres } from '../lib/postgres.mjs';
import { signIn, signInAsAnn, openSection, bodyText, expectText } from '../lib/pages.mjs';
import { load, thyroidResult } from '../lib/load.mjs';
import { mailsTo } from '../lib/mail.mjs';
import { DEMO_PASSWORD } from '../lib/totp.mjs';

const CSRF = { 'x-carefront': '1' };

async function sessionAt(page, portal) {
  return (await (await page.request.get(`${portal.url}/api/v1/session`)).json());
}

async function signInAt(request, portal, password) {
  return request.post(`${portal.url}/api/v1/session`, { headers: CSRF, data: { username: 'ann', password } });
}

const wait = (seconds) => new Promise((r) => setTimeout(r, seconds * 1000));

test('cluster: signed in through one portal, read through the other; one dies and the patient carries on with nothing lost', async ({ page, portal }) => {
  const [first, second] = portal.portals;
  await signInAsAnn(page);
  assert.equal((await sessionAt(page, first)).status, 'signed-in');
  assert.equal((await sessionAt(page, second)).status, 'signed-in');
  // A choice saved before the failure, through whichever portal nginx picks.
  await page.getByRole('link', { name: 'Your account' }).click();
  const kinds = page.getByRole('group', { name: 'Email me when I have a new:' });
  await kinds.getByLabel('Letter', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save my email choices' }).click();
  await page.getByText('Your email choices are saved.').waitFor();
  await page.goto('/record/demo-ann');
  await openSection(page, 'Allergies');

  // The first portal dies without a chance to tidy up.
  await first.kill('SIGKILL');
  for (const [section, words] of [['Medicines', /Metformin 500 mg tablets/], ['Test results', /Blood tests/], ['Allergies', /Peanut/]]) {
    await openSection(page, section);
    assert.match(await bodyText(page), words, section);
  }
  assert.equal((await sessionAt(page, second)).status, 'signed-in');
  // A fresh load of the app: still signed in, the terms still accepted, the choice kept.
  await page.goto('/account');
  const kept = page.getByRole('group', { name: 'Email me when I have a new:' });
  await kept.getByLabel('Letter', { exact: true }).waitFor();
  assert.equal(await kept.getByLabel('Letter', { exact: true }).isChecked(), false);
  assert.equal(await kept.getByLabel('Test result', { exact: true }).isChecked(), true);
}, { portal: { cluster: true } });

test('cluster: wrong passwords through both portals count as one account\u2019s, and lock it at either', async ({ page, portal }) => {
  const [first, second] = portal.portals;
  for (const at of [first, second, first, second]) {
    assert.equal((await signInAt(page.request, at, 'not the password')).status(), 401);
  }
  // The fifth wrong password, wherever it lands, is the fifth: the account waits.
  assert.equal((await signInAt(page.request, portal, 'not the password')).status(), 423);
  for (const at of [first, second]) {
    assert.equal((await signInAt(page.request, at, DEMO_PASSWORD)).status(), 423, 'even the right password waits, at either portal');
  }
  await page.goto('/sign-in');
  await signIn(page, 'ann');
  await expectText(page.getByRole('alert'), /Your account is locked after too many wrong tries. Try again in 1 minute,/);
}, { portal: { cluster: true } });

test('cluster: five wrong share tries split across both portals lock the share', async ({ page, portal }) => {
  const [first, second] = portal.portals;
  await signInAsAnn(page);
  const made = await page.request.post('/api/v1/shares', { headers: CSRF,
    data: { patient: 'demo-ann', sections: ['results'], hours: 1, label: 'For my GP' } });
  assert.equal(made.status(), 201);
  const { code } = await made.json();
  // A stranger's tries, with no cookie of the patient's.
  const open = (at, birthDate) => fetch(`${at.url}/api/v1/shared/session`, { method: 'POST',
    headers: { ...CSRF, 'content-type': 'application/json' },
    body: JSON.stringify({ code, birthDate, name: 'Dr Ada Jones', organisation: 'Leeds Clinic' }) });
  for (const at of [first, second, first, second, first]) {
    assert.equal((await open(at, '1954-03-13')).status, 401);
  }
  for (const at of [second, first]) {
    const locked = await open(at, '1954-03-12');
    assert.equal(locked.status, 410, 'the right details are too late, at either portal');
    assert.equal((await locked.json()).why, 'locked');
  }
  await page.getByRole('link', { name: 'Share my record' }).click();
  await page.getByText(/Locked after 5 wrong tries/).waitFor();
}, { portal: { cluster: true } });

test('cluster: a result loaded once is emailed once, though both portals look for news', async ({ portal }) => {
  load(portal, [thyroidResult('cluster-tsh', 'demo-ann')]);
  const [mail] = await mailsTo(portal, 'ann.carter@example.org');
  assert.ok(mail, 'the email arrived');
  assert.match(mail, /^Subject: There is something new in the .* patient portal/m);
  // Each portal looks every 5 seconds: three rounds each.
  await wait(15);
  assert.equal((await mailsTo(portal, 'ann.carter@example.org', 2, 0)).length, 1, 'one email, not one per portal');
}, { portal: { cluster: true, smtp: true } });

test('cluster: the idle timeout holds across both portals', async ({ page, portal }) => {
  const [first, second] = portal.portals;
  assert.equal((await signInAt(page.request, first, DEMO_PASSWORD)).status(), 200);
  // Each request, at either portal, starts the one idle clock again.
  for (const at of [second, first, second]) {
    await wait(4);
    assert.equal((await sessionAt(page, at)).status, 'signed-in');
  }
  await wait(8);
  assert.deepEqual(await sessionAt(page, first), { status: 'signed-out', ended: true });
  assert.equal((await sessionAt(page, second)).status, 'signed-out');
}, { portal: { cluster: true, idleTimeout: 6 } });

test('cluster: the database stops while a patient reads and saves; they are told in words, lose nothing, and both portals carry on once it is back', async ({ page, portal }) => {
  const database = await postgres();
  const away = 'The portal cannot reach your records just now. Nothing was changed. Try again in a moment.';
  await signInAsAnn(page);
  await openSection(page, 'Allergies');
  await database.stopServer();
  try {
    // A section the summary did not bring: it must come from the portal.
    await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: 'Vaccinations', exact: true }).first().click();
    await page.getByRole('alert').filter({ hasText: away }).waitFor();
    await screen(page, 'database-away');
  } finally {
    await database.startServer();
  }
  // Neither portal was restarted: they take new connections by themselves.
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByText('COVID-19 vaccine').first().waitFor();

  // A change saved while the database is away is refused whole, and stays on the screen to save again.
  await page.getByRole('link', { name: 'Your account' }).click();
  const kinds = page.getByRole('group', { name: 'Email me when I have a new:' });
  await kinds.getByLabel('Letter', { exact: true }).uncheck();
  await database.stopServer();
  try {
    await page.getByRole('button', { name: 'Save my email choices' }).click();
    await page.getByRole('alert').filter({ hasText: away }).waitFor();
    assert.equal(await kinds.getByLabel('Letter', { exact: true }).isChecked(), false, 'the choice is still there');
  } finally {
    await database.startServer();
  }
  await page.getByRole('button', { name: 'Save my email choices' }).click();
  await page.getByText('Your email choices are saved.').waitFor();
  for (const at of portal.portals) {
    assert.equal((await sessionAt(page, at)).status, 'signed-in');
    const { choices } = await (await page.request.get(`${at.url}/api/v1/account/notifications`)).json();
    assert.equal(choices.letters, false, 'saved once, read back at each portal');
    assert.equal(choices.results, true);
  }
}, { portal: { cluster: true } });
