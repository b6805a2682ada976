// Share codes as a patient, a parent and a clinician meet them: making a share, reading its code
// and QR codes, opening it in another browser with the date of birth, the patient seeing the
// view and stopping it while the clinician looks; wrong dates of birth and the lock; the end of a
// share on the clinician's screen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { test, screen } from '../lib/harness.mjs';
import { codeSentTo, invite, signIn, signInAsAnn } from '../lib/pages.mjs';

/// What a QR code on the page holds, read from its pixels as a phone camera would.
async function qrText(locator) {
  const shot = await locator.screenshot();
  const png = PNG.sync.read(shot);
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) fs.writeFileSync(path.join(process.env.CAREFRONT_E2E_OUTPUT || 'e2e/output', 'unreadable-qr.png'), shot);
  assert.ok(found, 'the QR code can be read');
  return found.data;
}

/// Makes a share from the form: these sections only, the rest left as they are.
async function makeShare(page, { keep, label, hours, email }) {
  await page.getByRole('button', { name: 'Share the record' }).click();
  const boxes = page.getByRole('group', { name: 'What do you want to share?' }).getByRole('checkbox');
  for (const box of await boxes.all()) {
    const name = await box.evaluate((b) => b.labels[0].innerText);
    if (!keep.includes(name)) await box.uncheck();
  }
  if (hours) await page.getByLabel(hours, { exact: true }).check();
  if (label) await page.getByLabel('A label, if you want one (optional)').fill(label);
  if (email) {
    await page.getByLabel('Email the link to the person you are sharing with').check();
    await page.getByLabel('Their email address').fill(email);
  }
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Check your answers' }).waitFor();
}

/// Ann signs in and shares these sections: the code and the address she is given.
async function annShares(page, choices) {
  await signInAsAnn(page);
  await page.getByRole('link', { name: 'Share my record' }).click();
  await makeShare(page, choices);
  await page.getByRole('button', { name: 'Confirm and share' }).click();
  return {
    code: (await page.locator('.code-large').innerText()).trim(),
    address: (await page.locator('.share-address').innerText()).trim(),
  };
}

/// The clinician opens Ann's share from its address, on a clock the test moves (from `time`, if
/// given, rather than now).
async function openOnFakeClock(clinician, address, time) {
  await clinician.clock.install(time ? { time } : {});
  await clinician.goto(address);
  await openWith(clinician, { day: '12', month: '3', year: '1954' });
  await clinician.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();
}

/// A second browser, as the clinician's: no cookies of the patient's.
async function clinicianBrowser(context, portal) {
  const other = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  return { other, page: await other.newPage() };
}

async function openWith(page, { day, month, year, name = 'Dr Ada Jones', organisation = 'Leeds Clinic' }) {
  await page.getByRole('group', { name: /date of birth/ }).getByLabel('Day').fill(day);
  await page.getByRole('group', { name: /date of birth/ }).getByLabel('Month').fill(month);
  await page.getByRole('group', { name: /date of birth/ }).getByLabel('Year').fill(year);
  await page.getByLabel('Your full name').fill(name);
  await page.getByLabel('Your organisation').fill(organisation);
  await page.getByRole('button', { name: 'View the record' }).click();
}

test('a patient shares two sections; a clinician opens them; the patient sees the view and stops it', async ({ page, context, portal }) => {
  await signInAsAnn(page);
  await page.getByRole('link', { name: 'Share my record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Share your record' }).waitFor();
  await screen(page, 'shares-empty');
  await page.getByRole('button', { name: 'Share the record' }).click();
  // Everything is chosen to begin with; nothing chosen says so.
  const boxes = page.getByRole('group', { name: 'What do you want to share?' }).getByRole('checkbox');
  assert.equal(await boxes.count(), 8);
  for (const box of await boxes.all()) assert.ok(await box.isChecked());
  for (const box of await boxes.all()) await box.uncheck();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('alert').filter({ hasText: 'Select at least one part of your record to share' }).waitFor();
  await screen(page, 'share-form-errors');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await makeShare(page, { keep: ['Test results', 'Medicines'], label: 'For my GP' });
  assert.match(await page.locator('.summary-list').innerText(), /Test results and medicines[\s\S]*1 hour[\s\S]*For my GP/);
  await screen(page, 'share-check');
  await page.getByRole('button', { name: 'Confirm and share' }).click();
  await page.getByRole('heading', { name: 'Your share is ready' }).waitFor();
  await screen(page, 'share-made');

  const code = (await page.locator('.code-large').innerText()).trim();
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  assert.equal(await page.locator('.code-large').getAttribute('aria-label'), code.split('-').map((g) => g.split('').join(' ')).join(', '));
  const address = (await page.locator('.share-address').innerText()).trim();
  assert.equal(address, `${portal.url}/shared#${code}`);
  const link = (await page.locator('.share-shlink').innerText()).trim();
  assert.match(link, /^shlink:\/[A-Za-z0-9_-]+$/);
  const [addressQr, linkQr] = await page.locator('svg.qr').all();
  assert.equal(await qrText(addressQr), address, 'the first QR code opens the address with the code');
  assert.equal(await qrText(linkQr), link, 'the second QR code is the SMART Health Link');
  await page.getByRole('button', { name: 'Copy the code' }).click();
  await page.getByText('Copied').first().waitFor();

  // The clinician, in their own browser, follows the address: the code is filled in, and gone
  // from the address bar.
  const { other, page: clinician } = await clinicianBrowser(context, portal);
  try {
    await clinician.goto(address);
    await clinician.getByRole('heading', { level: 1, name: 'View a shared record' }).waitFor();
    assert.equal(await clinician.getByLabel('Code').inputValue(), code);
    assert.equal(new URL(clinician.url()).hash, '');
    await screen(clinician, 'shared-open');
    await openWith(clinician, { day: '12', month: '3', year: '1954' });
    await clinician.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();
    await clinician.waitForFunction(() => !document.body.innerText.match(/Loading/));
    const banner = await clinician.locator('.shared-banner').innerText();
    assert.match(banner, /Ann Margaret Carter \(born 12 March 1954\)/);
    assert.match(banner, /Shared with you until \d{1,2}:\d\d (today|tomorrow) \(1 hour left\)/);
    assert.match(await clinician.locator('main').innerText(), /This visit is recorded/);
    const nav = await clinician.getByRole('navigation', { name: 'Record sections' }).first().innerText();
    assert.deepEqual(nav.split('\n').map((s) => s.trim()).filter(Boolean), ['Summary', 'Test results', 'Trends', 'Medicines']);
    const shown = await clinician.locator('main').innerText();
    assert.match(shown, /Metformin/);
    for (const hidden of ['Penicillin', 'Type 2 diabetes', 'Download your record']) assert.ok(!shown.includes(hidden), hidden);
    await screen(clinician, 'shared-summary');
    await clinician.getByRole('navigation', { name: 'Record sections' }).first().getByRole('link', { name: 'Medicines' }).click();
    await clinician.getByRole('heading', { level: 1, name: 'Medicines' }).waitFor();
    await screen(clinician, 'shared-medicines');
    // A section not shared is not reachable, even by its address.
    const allergies = clinician.url().replace(/medicines$/, 'allergies');
    await clinician.goto(allergies);
    await clinician.getByRole('heading', { level: 1, name: 'This part of the record is not shared with you' }).waitFor();
    assert.ok(!(await clinician.locator('body').innerText()).includes('Penicillin'));
    await clinician.getByRole('link', { name: 'Go to the summary' }).click();
    await clinician.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();

    // The patient sees who looked.
    await page.getByRole('button', { name: 'Done: see your shares' }).click();
    const card = page.locator('.share-card').first();
    await card.getByText('Dr Ada Jones, Leeds Clinic').waitFor();
    assert.match(await card.innerText(), /For my GP[\s\S]*Can be viewed until[\s\S]*Shares: Test results and medicines[\s\S]*Looked at 1 time[\s\S]*Dr Ada Jones, Leeds Clinic: .*with the code/);
    await screen(page, 'shares-list');

    // Stopping takes one tap, and reaches the clinician's open page.
    await card.getByRole('button', { name: 'Stop sharing' }).click();
    await page.getByText('You stopped sharing \u201cFor my GP\u201d').waitFor();
    await page.getByRole('heading', { name: 'Ended shares' }).waitFor();
    assert.match(await page.locator('.share-card.ended').innerText(), /Stopped/);
    await clinician.getByRole('heading', { name: 'The patient has stopped sharing' }).waitFor({ timeout: 20_000 });
    assert.equal(new URL(clinician.url()).pathname, '/shared');
    const html = await clinician.evaluate(() => document.documentElement.outerHTML);
    for (const word of ['Ann Margaret Carter', 'Metformin', 'HbA1c']) assert.ok(!html.includes(word), `${word} is still in the page`);
    await screen(clinician, 'shared-stopped');
  } finally {
    await other.close();
  }
});

test('a wrong date of birth says so and keeps what was typed; five lock the share for everyone', async ({ page, context, portal }) => {
  const { code } = await annShares(page, { keep: ['Allergies'] });
  const { other, page: clinician } = await clinicianBrowser(context, portal);
  try {
    await clinician.goto('/shared');
    await clinician.getByRole('button', { name: 'View the record' }).click();
    await clinician.getByRole('alert').filter({ hasText: 'Enter the code the patient gave you' }).waitFor();
    await screen(clinician, 'shared-open-errors');
    // Typed the way people type it.
    await clinician.getByLabel('Code').fill(code.toLowerCase().replaceAll('-', ' '));
    for (let i = 1; i <= 5; i += 1) {
      await openWith(clinician, { day: '13', month: '3', year: '1954' });
      await clinician.getByRole('alert').filter({ hasText: 'The code or the date of birth is not right' }).waitFor();
      assert.equal(await clinician.getByLabel('Your full name').inputValue(), 'Dr Ada Jones', 'nothing typed is lost');
      await clinician.getByRole('alert').filter({ hasText: 'The code or the date of birth is not right' }).waitFor({ state: 'visible' });
      if (i === 1) await screen(clinician, 'shared-wrong-birth-date');
      await clinician.getByRole('group', { name: /date of birth/ }).getByLabel('Day').fill('');
    }
    await openWith(clinician, { day: '12', month: '3', year: '1954' });
    await clinician.getByRole('alert').filter({ hasText: 'This share is locked' }).waitFor();
    await page.getByRole('button', { name: 'Done: see your shares' }).click();
    await page.getByText(/Locked after 5 wrong tries/).waitFor();
  } finally {
    await other.close();
  }
});

test('the end of a share closes the clinician\u2019s view, counted on their screen', async ({ page, context, portal }) => {
  const { address } = await annShares(page, { keep: ['Test results'] });
  const { other, page: clinician } = await clinicianBrowser(context, portal);
  try {
    // Half past eleven at night in London: the hour's share ends after midnight, which is said.
    await openOnFakeClock(clinician, address, new Date('2026-12-07T23:30:00Z'));
    assert.match(await clinician.locator('.shared-banner').innerText(), /until 0?0:(29|30) tomorrow \(1 hour left\)/);
    await clinician.clock.fastForward('59:00');
    await clinician.locator('.shared-banner').getByText(/\((1 minute|[0-9]+ seconds) left\)/).waitFor();
    await clinician.clock.fastForward('01:01');
    await clinician.getByRole('heading', { name: 'The share has ended' }).waitFor();
    assert.ok(!(await clinician.locator('body').innerText()).includes('Ann Margaret Carter'));
  } finally {
    await other.close();
  }
}, { portal: { idleTimeout: 7200 } });

test('a clinician who stops using the shared record is warned, can stay, then it closes', async ({ page, context, portal }) => {
  const { address } = await annShares(page, { keep: ['Test results'], hours: '4 hours' });
  const { other, page: clinician } = await clinicianBrowser(context, portal);
  try {
    await openOnFakeClock(clinician, address);
    await clinician.clock.fastForward('13:30');
    const dialog = clinician.getByRole('dialog', { name: 'Are you still looking at the record?' });
    await dialog.waitFor();
    await screen(clinician, 'shared-idle-warning');
    await dialog.getByRole('button', { name: 'Keep looking' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await clinician.clock.fastForward('15:01');
    await clinician.getByRole('heading', { name: 'We closed the shared record' }).waitFor();
    assert.ok(!(await clinician.locator('body').innerText()).includes('Ann Margaret Carter'));
  } finally {
    await other.close();
  }
});

test('a parent shares their young child\u2019s record; leaving the view forgets it', async ({ page, context, portal }) => {
  await page.goto('/');
  await signIn(page, 'claire');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  const people = await (await page.request.get('/api/v1/patients')).json();
  const leo = people.find((p) => p.id === 'demo-leo');
  await page.goto('/record/demo-leo/summary');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('link', { name: 'Share Leo Hughes\u2019s record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Share Leo Hughes\u2019s record' }).waitFor();
  await makeShare(page, { keep: ['Vaccinations'], hours: '1 day' });
  assert.match(await page.locator('main').innerText(), /Leo Hughes\u2019s date of birth/);
  await page.getByRole('button', { name: 'Confirm and share' }).click();
  const code = (await page.locator('.code-large').innerText()).trim();
  await screen(page, 'share-made-for-child');
  // Maya is 14: her record is not her parent's to share.
  await page.goto('/record/demo-maya/summary');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maya Hughes\u2019s health record' }).waitFor();
  assert.equal(await page.getByRole('link', { name: /Share Maya/ }).count(), 0, 'no way to share is offered');
  await page.goto('/shares/demo-maya');
  await page.getByText('Your access to this record does not include sharing it').waitFor();

  const { other, page: nurse } = await clinicianBrowser(context, portal);
  try {
    await nurse.goto('/shared');
    await nurse.getByLabel('Code').fill(code);
    const [year, month, day] = leo.birthDate.split('-');
    await openWith(nurse, { day, month, year, name: 'Sam Patel', organisation: 'School nurse service' });
    await nurse.getByRole('heading', { level: 1, name: 'Leo Hughes\u2019s health record' }).waitFor();
    await nurse.getByRole('navigation', { name: 'Record sections' }).first().getByRole('link', { name: 'Vaccinations' }).click();
    await nurse.getByText('MMR vaccine').first().waitFor();
    assert.ok(!(await nurse.locator('body').innerText()).includes('Salbutamol'));
    await nurse.getByRole('button', { name: 'Leave the record' }).click();
    await nurse.getByRole('heading', { name: 'You have left the shared record' }).waitFor();
    await nurse.goBack();
    await nurse.waitForTimeout(500);
    assert.ok(!(await nurse.locator('body').innerText()).includes('MMR vaccine'), 'back does not bring it back');
  } finally {
    await other.close();
  }
  await page.goto('/shares/demo-leo');
  await page.getByText('Sam Patel, School nurse service').waitFor();
});

test('a son with full access emails a share of his mother\u2019s record; she sees it in her shares and stops it', async ({ page, context, portal }) => {
  await signInAsAnn(page);
  await page.getByRole('link', { name: 'Who can see my record' }).click();
  await invite(page, { name: 'Sam Reid', email: 'sam@example.org', relationship: 'Son', level: 'Full access' });
  const invitation = codeSentTo(portal, 'sam@example.org');

  const samsBrowser = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  const { other, page: clinician } = await clinicianBrowser(context, portal);
  try {
    const sam = await samsBrowser.newPage();
    await sam.goto('/sign-in');
    await sam.getByRole('link', { name: 'Accept an invitation' }).click();
    await sam.getByLabel('Invitation code').fill(invitation);
    await sam.getByRole('button', { name: 'No, make a sign-in' }).click();
    await sam.getByLabel('Your full name').fill('Sam Reid');
    await sam.getByLabel('Choose a username').fill('samreid');
    await sam.getByLabel('Choose a password').fill('three plain words');
    await sam.getByRole('button', { name: 'Make my sign-in and accept' }).click();
    await sam.getByRole('button', { name: 'Accept and continue' }).click();
    await sam.getByRole('heading', { level: 1, name: 'Before you see Ann Margaret Carter\u2019s record' }).waitFor();
    await sam.getByRole('button', { name: 'Accept and continue' }).click();
    await sam.getByRole('link', { name: 'Share Ann Margaret Carter\u2019s record' }).click();
    await sam.getByRole('heading', { level: 1, name: 'Share Ann Margaret Carter\u2019s record' }).waitFor();
    await makeShare(sam, { keep: ['Medicines'], email: 'gp@example.org' });
    await sam.getByRole('button', { name: 'Confirm and share' }).click();
    await sam.getByRole('heading', { name: 'Your share is ready' }).waitFor();
    assert.match(
      await sam.locator('main').innerText(),
      /We have emailed the link to gp@example\.org\. The code is in the link, so they need only Ann Margaret Carter\u2019s date of birth from you\./,
    );
    await screen(sam, 'share-emailed-by-proxy');

    // The GP opens the emailed link: it names no one, and the code in it is enough with the date of birth.
    const letter = portal.mail().find((m) => m.split(/\r?\n/).includes('To: gp@example.org'));
    assert.ok(letter, 'the share was emailed');
    for (const word of ['Ann', 'Carter', 'Metformin', 'Sam']) assert.ok(!letter.includes(word), `the email says ${word}`);
    await clinician.goto(letter.match(/^\s+(http\S+)\s*$/m)[1]);
    await openWith(clinician, { day: '12', month: '3', year: '1954' });
    await clinician.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();

    // Ann sees who made it and for whom, and stops it; the GP's open view ends.
    await page.getByRole('link', { name: 'Back to your record' }).click();
    await page.getByRole('link', { name: 'Share my record' }).click();
    const card = page.locator('.share-card').filter({ hasText: 'Made by Sam Reid' });
    assert.match(await card.innerText(), /Shares: Medicines[\s\S]*Made by Sam Reid[\s\S]*Sent by email to gp@example\.org/);
    await screen(page, 'shares-made-by-proxy');
    await card.getByRole('button', { name: 'Stop sharing' }).click();
    await page.getByRole('heading', { name: 'Ended shares' }).waitFor();
    await clinician.getByRole('heading', { name: 'The patient has stopped sharing' }).waitFor({ timeout: 20_000 });
    assert.ok(!(await clinician.locator('body').innerText()).includes('Ann Margaret Carter'));
  } finally {
    await samsBrowser.close();
    await other.close();
  }
});
