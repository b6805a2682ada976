// Acting for someone else as a parent, a carer and a young person meet it: switching records,
// the banner, what is not shown and why, a young person's agreement, and access stopped while
// the proxy is looking.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, screen } from '../lib/harness.mjs';
import { codeSentTo, invite, signInAs, switchTo } from '../lib/pages.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Words only each person's record holds (from the demo data).
const ONLY_IN = {
  'demo-claire': ['Hay fever', 'Cetirizine', 'Smear test'],
  'demo-leo': ['Leo Hughes', 'Asthma', 'Children\u2019s asthma clinic', "Children's asthma clinic", 'MMR vaccine'],
  'demo-maya': ['Maya Hughes', 'Eczema', 'Orthodontic review', 'HPV vaccine'],
};
/// What Maya's parents must never see, not even as a count or a label.
const MAYA_PRIVATE = ['Anxiety', 'Desogestrel', 'Young people', 'PSY', 'SEX'];

/// Fails if the page holds anything of these people's records anywhere in its DOM.
async function holdsNothingOf(page, patients) {
  const html = await page.evaluate(() => document.documentElement.outerHTML);
  for (const patient of patients) {
    for (const word of ONLY_IN[patient]) {
      assert.ok(!html.includes(word), `${word} (${patient}) is still in the page`);
    }
  }
}

async function summaryLoaded(page) {
  await page.waitForFunction(() => !document.body.innerText.match(/Loading|Opening/));
}

test('a parent moves between three records and back: the banner after every switch, nothing of the last one left', async ({ page }) => {
  await signInAs(page, 'claire');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await summaryLoaded(page);
  assert.equal(await page.locator('.acting-for').count(), 0, 'no banner on your own record');
  await holdsNothingOf(page, ['demo-leo', 'demo-maya']);

  await switchTo(page, 'Leo Hughes');
  await page.getByRole('heading', { level: 1, name: 'Before you see Leo Hughes\u2019s record' }).waitFor();
  await holdsNothingOf(page, ['demo-claire']);
  await screen(page, 'proxy-terms');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Leo Hughes\u2019s health record' }).waitFor();
  assert.match(await page.locator('.acting-for').innerText(), /Acting for Leo Hughes \(born \d+ \w+ \d{4}\), your son/);
  assert.match(page.url(), /\/record\/demo-leo\/summary$/, 'the address names whose record it is');
  await summaryLoaded(page);
  await holdsNothingOf(page, ['demo-claire', 'demo-maya']);
  await screen(page, 'proxy-summary-child');

  await switchTo(page, 'Maya Hughes');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maya Hughes\u2019s health record' }).waitFor();
  assert.match(await page.locator('.acting-for').innerText(), /Acting for Maya Hughes .*, your daughter/);
  assert.match(await page.locator('.info-callout').innerText(), /Because Maya Hughes is 14, some of their record is private between them and their doctors and nurses/);
  await summaryLoaded(page);
  await holdsNothingOf(page, ['demo-claire', 'demo-leo']);
  // Her mother is never told nothing is recorded: only that she sees none, and why.
  const summary = await page.locator('main').innerText();
  assert.ok(!/are recorded in this portal/.test(summary), summary);
  assert.match(summary, /No current medicines that you can see\. Some of this record is not shown to you/);
  await screen(page, 'proxy-summary-young-person');
  for (const section of ['Medicines', 'Health problems', 'Appointments']) {
    await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: section, exact: true }).first().click();
    await page.getByRole('heading', { level: 1, name: section }).waitFor();
    await summaryLoaded(page);
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    for (const word of MAYA_PRIVATE) assert.ok(!html.includes(word), `${section}: ${word} is shown to a parent`);
  }
  assert.match(await page.locator('.acting-for').innerText(), /Maya Hughes/, 'the banner stays on every section');
  // The download is what the parent may see, and nothing more.
  await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: 'Summary', exact: true }).first().click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download their record' }).click();
  const saved = fs.readFileSync(await (await download).path(), 'utf8');
  assert.match(saved, /Eczema/);
  for (const word of MAYA_PRIVATE) assert.ok(!saved.includes(word), `the download holds ${word}`);

  await page.locator('.acting-for').getByRole('link', { name: 'Back to your record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await summaryLoaded(page);
  assert.equal(await page.locator('.acting-for').count(), 0);
  await holdsNothingOf(page, ['demo-leo', 'demo-maya']);
  // A second visit needs no terms again.
  await switchTo(page, 'Leo Hughes');
  await page.getByRole('heading', { level: 1, name: 'Leo Hughes\u2019s health record' }).waitFor();
});

test('switching away from a record still loading leaves nothing of it behind', async ({ page }) => {
  await signInAs(page, 'claire');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  // Leo's terms, then his results on a slow network.
  await switchTo(page, 'Leo Hughes');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Leo Hughes\u2019s health record' }).waitFor();
  await summaryLoaded(page);
  await page.route('**/api/v1/fhir/**patient=demo-leo**', async (route) => {
    await sleep(2_500);
    await route.continue().catch(() => {});
  });
  // Vaccinations: a list the summary did not already fetch.
  await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: 'Vaccinations', exact: true }).first().click();
  await page.getByText(/Loading/).first().waitFor();
  await switchTo(page, 'Claire Hughes');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  // Leo's answers would have arrived by now.
  await sleep(3_500);
  await summaryLoaded(page);
  await holdsNothingOf(page, ['demo-leo']);
});

test('a level without some sections shows only what it includes and says why', async ({ page }) => {
  await signInAs(page, 'ben');
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await switchTo(page, 'Ann Margaret Carter');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();
  await summaryLoaded(page);
  const sections = await page.getByRole('navigation', { name: 'Record sections' }).first().getByRole('link').allInnerTexts();
  assert.deepEqual(sections, ['Summary', 'Appointments']);
  assert.match(await page.locator('.info-callout').innerText(), /covers appointments only/);
  const cards = await page.locator('.summary-card h2').allInnerTexts();
  assert.deepEqual(cards, ['Next appointment'], 'only what the access includes is on the summary');
  await screen(page, 'proxy-appointments-only');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download their record' }).click();
  const bundle = JSON.parse(fs.readFileSync(await (await download).path(), 'utf8'));
  assert.deepEqual([...new Set(bundle.entry.map((e) => e.resource.resourceType))].sort(), ['Appointment', 'Patient']);
  await page.goto('/record/demo-ann/medicines');
  await page.getByRole('heading', { level: 1, name: 'This part of the record is not shown to you' }).waitFor();
  assert.ok(!(await page.locator('body').innerText()).includes('Metformin'));
  await screen(page, 'proxy-section-not-included');
});

test('a carer with no record of their own chooses whose record, and a paused one says why', async ({ page }) => {
  await signInAs(page, 'david');
  await page.getByRole('heading', { level: 1, name: 'Whose record do you want to see?' }).waitFor();
  await screen(page, 'proxy-choose-record');
  await page.getByRole('link', { name: /Jordan Price/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Jordan Price needs to agree first' }).waitFor();
  assert.match(await page.locator('main').innerText(), /Jordan Price is 17/);
  await screen(page, 'proxy-needs-agreement');
  await page.getByRole('link', { name: 'Choose another record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Whose record do you want to see?' }).waitFor();
  await page.getByRole('link', { name: /Margaret Price/ }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Margaret Price\u2019s health record' }).waitFor();
  assert.match(await page.locator('.warning-callout').first().innerText(), /Your access to Margaret Price\u2019s record ends on \d+ \w+ \d{4}\./);
  assert.match(await page.locator('.acting-for').getByRole('link').innerText(), /Choose a record/);
});

test('a young person lets their parent see their record, and the parent then can', async ({ page, context, portal }) => {
  await signInAs(page, 'jordan');
  await page.getByRole('link', { name: 'Who can see my record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Who can see your record' }).waitFor();
  assert.match(await page.locator('.person-card').innerText(), /David Price, your father[\s\S]*cannot see your record unless you agree/);
  await screen(page, 'people-agreement-asked');
  await page.getByRole('button', { name: 'Let David Price see my record' }).click();
  await page.getByRole('status').filter({ hasText: 'David Price can now see your record.' }).waitFor();
  await page.getByRole('button', { name: 'Stop letting David Price see my record' }).waitFor();

  const father = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  const david = await father.newPage();
  await signInAs(david, 'david');
  await david.getByRole('link', { name: /Jordan Price/ }).click();
  await david.getByRole('button', { name: 'Accept and continue' }).click();
  await david.getByRole('heading', { level: 1, name: 'Jordan Price\u2019s health record' }).waitFor();
  await father.close();
});

test('stopping access takes effect in the proxy\u2019s open session, and they are told why', async ({ page, context, portal }) => {
  const neighbourContext = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  const ben = await neighbourContext.newPage();
  await signInAs(ben, 'ben');
  await switchTo(ben, 'Ann Margaret Carter');
  await ben.getByRole('button', { name: 'Accept and continue' }).click();
  await ben.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();

  await signInAs(page, 'ann');
  await page.getByRole('link', { name: 'Who can see my record' }).click();
  const card = page.locator('.person-card').filter({ hasText: 'Ben Okafor, your neighbour' });
  await card.getByRole('button', { name: 'Stop access' }).click();
  await screen(page, 'people-stop-confirm');
  await card.getByRole('button', { name: 'Yes, stop access' }).click();
  await page.getByRole('status').filter({ hasText: 'Ben Okafor can no longer see your record.' }).waitFor();
  assert.match(await card.innerText(), /You stopped this access/);
  await screen(page, 'people-stopped');

  // Ben, still on Ann's record, opens her appointments: refused, and told plainly.
  await ben.getByRole('navigation', { name: 'Record sections' }).first().getByRole('link', { name: 'Appointments' }).click();
  await ben.getByText(/You do not have access to this record/).first().waitFor();
  await ben.goto('/record/demo-ann/summary');
  await ben.getByRole('heading', { level: 1, name: 'Your access to Ann Margaret Carter\u2019s record has ended' }).waitFor();
  assert.match(await ben.locator('main').innerText(), /Ann Margaret Carter stopped your access/);
  await neighbourContext.close();
});

test('a patient invites someone without a sign-in, who makes one and then acts for them', async ({ page, context, portal }) => {
  await signInAs(page, 'ann');
  await page.getByRole('link', { name: 'Who can see my record' }).click();
  await invite(page, { name: 'Sam Reid', email: 'sam@example.org', relationship: 'Son', level: 'Limited access' });
  assert.match(await page.locator('.pending-invitation').innerText(), /Sam Reid \(son\)[\s\S]*Not accepted yet/);
  await screen(page, 'invite-sent');
  const mail = portal.mail().join('\n');
  for (const health of ['Penicillin', 'diabetes', 'Metformin']) assert.ok(!mail.includes(health), `the email says ${health}`);
  const code = codeSentTo(portal, 'sam@example.org');

  const elsewhere = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  const sam = await elsewhere.newPage();
  await sam.goto('/sign-in');
  await sam.getByRole('link', { name: 'Accept an invitation' }).click();
  await sam.getByLabel('Invitation code').fill(code.toLowerCase().replaceAll('-', ' '));
  await sam.getByRole('button', { name: 'No, make a sign-in' }).click();
  await sam.getByLabel('Your full name').fill('Sam Reid');
  await sam.getByLabel('Choose a username').fill('samreid');
  await sam.getByLabel('Choose a password').fill('short');
  await sam.getByRole('button', { name: 'Make my sign-in and accept' }).click();
  await sam.getByText('Choose a password of at least 10 characters').first().waitFor();
  assert.equal(await sam.getByLabel('Your full name').inputValue(), 'Sam Reid', 'nothing typed is lost');
  await screen(sam, 'invitation-new-sign-in');
  // The same rules as every other password: one of the commonest is refused by the portal.
  await sam.getByLabel('Choose a password').fill('password123');
  await sam.getByRole('button', { name: 'Make my sign-in and accept' }).click();
  await sam.getByText('This password would be too easy to guess').first().waitFor();
  await sam.getByLabel('Choose a password').fill('three plain words');
  await sam.getByRole('button', { name: 'Make my sign-in and accept' }).click();
  await sam.getByRole('button', { name: 'Accept and continue' }).click();
  await sam.getByRole('heading', { level: 1, name: 'Before you see Ann Margaret Carter\u2019s record' }).waitFor();
  await sam.getByRole('button', { name: 'Accept and continue' }).click();
  await sam.getByRole('heading', { level: 1, name: 'Ann Margaret Carter\u2019s health record' }).waitFor();
  assert.match(await sam.locator('.acting-for').innerText(), /your mother/);
  await elsewhere.close();

  await page.reload();
  assert.match(await page.locator('.person-card').filter({ hasText: 'Sam Reid' }).innerText(), /Sam Reid, your son[\s\S]*Limited access/);
});

test('someone signed in accepts an invitation with its code, and a wrong code says what to do', async ({ page, context, portal }) => {
  const inviter = await context.browser().newContext({ baseURL: portal.url, locale: 'en-GB', timezoneId: 'Europe/London' });
  const ann = await inviter.newPage();
  await signInAs(ann, 'ann');
  await ann.getByRole('link', { name: 'Who can see my record' }).click();
  await invite(ann, { name: 'Claire Hughes', email: 'claire@example.org', relationship: 'Friend', level: 'Appointments only' });
  const code = codeSentTo(portal, 'claire@example.org');
  await inviter.close();

  await signInAs(page, 'claire');
  await page.goto('/invitation');
  await page.getByLabel('Invitation code').fill('ABCD-EFGH-JKMN');
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.getByText(/That code is not right/).first().waitFor();
  await screen(page, 'invitation-wrong-code');
  await page.getByLabel('Invitation code').fill(code);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.getByRole('heading', { level: 1, name: 'Before you see Ann Margaret Carter\u2019s record' }).waitFor();
});
