// The portal in front of the hospital's own FHIR server (the gateway pass only): what a patient
// meets when that server or its authorization server goes away, what it does not share, the
// tokens the portal reads with, and new information it is told of.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signInAsAnn, openSection, bodyText } from '../lib/pages.mjs';
import { thyroidResult } from '../lib/load.mjs';
import { mailsTo } from '../lib/mail.mjs';

test('with the hospital\u2019s record system away, the record says so and everything else works', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openSection(page, 'Allergies', 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
  await portal.helios.stop();

  // A section not read moments ago (the summary's are kept for seconds, and still shown).
  await openSection(page, 'Vaccinations', 'Vaccinations');
  const said = page.getByRole('alert').filter({ hasText: 'The hospital\u2019s record system is not answering just now' });
  await said.waitFor();
  assert.match(await said.innerText(), /The rest of the portal still works/);
  await screen(page, 'gateway-record-system-away');
  // Her account, her privacy choices and who can see her record do not need it.
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
  await page.goBack();
  await page.getByRole('link', { name: 'Who can see my record' }).click();
  await page.getByRole('heading', { level: 1, name: 'Who can see your record' }).waitFor();
  assert.doesNotMatch(await bodyText(page), /could not load/);
});

test('a section the hospital\u2019s record system does not share says so, never an empty list', async ({ page }) => {
  // Helios shares every type; the portal's description is changed on its way to the app as a
  // record server without vaccinations and problems would have it said.
  await page.route('**/api/v1/portal', async (route) => {
    const answer = await route.fetch();
    const info = await answer.json();
    info.recordSystem = { notShared: ['Immunization', 'Condition'] };
    await route.fulfill({ response: answer, json: info });
  });
  const asked = [];
  page.on('request', (r) => asked.push(r.url()));
  await signInAsAnn(page);
  // The summary's card says so too, and does not ask.
  const problems = page.locator('.summary-card').filter({ has: page.getByRole('heading', { name: 'Health problems' }) });
  await problems.getByText('Riverside General Hospital\u2019s record system does not share health problems with this portal').waitFor();
  await page.getByText('Penicillin').first().waitFor();
  await screen(page, 'gateway-summary-not-shared');
  assert.ok(!asked.some((u) => u.includes('/fhir/Condition')), 'no search for what is not shared');
  await openSection(page, 'Vaccinations', 'Vaccinations');
  await page.getByText('Riverside General Hospital\u2019s record system does not share vaccinations with this portal').waitFor();
  assert.doesNotMatch(await bodyText(page), /No vaccinations are recorded/);
  await screen(page, 'gateway-not-shared');
  await openSection(page, 'Allergies', 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
});

/// The tokens the hospital's authorization server gave the portal to read with.
const readTokens = (portal) => portal.helios.authorization.issued.filter((t) => t.client === 'carefront-portal' && t.scope === 'system/*.rs');

test('the portal reads the record with one token from the hospital\u2019s authorization server, kept while it lasts', async ({ page, portal }) => {
  // Helios takes nothing without a token from the authorization server.
  assert.equal((await fetch(`${portal.helios.url}/AllergyIntolerance?patient=demo-ann`)).status, 401);
  await signInAsAnn(page);
  for (const [section, seen] of [['Allergies', 'Penicillin'], ['Medicines', 'Metformin'], ['Test results', 'Normal range']]) {
    await openSection(page, section);
    await page.getByText(seen).first().waitFor();
  }
  assert.equal(readTokens(portal).length, 1, JSON.stringify(portal.helios.authorization.issued));
});

test('a token about to run out is renewed before it does, and the record goes on being read', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openSection(page, 'Allergies', 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
  const first = readTokens(portal).length;
  // Tokens here live 4 seconds: renewed at half their life, so one is not used past 2.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  // A section not read yet: asked of the record server, not of what the portal kept moments ago.
  await openSection(page, 'Vaccinations');
  assert.equal(readTokens(portal).length, first + 1);
}, { portal: { recordTokenSeconds: 4 } });

test('with the hospital\u2019s authorization server away, what needs a new token waits and says so', async ({ page, portal }) => {
  await signInAsAnn(page);
  await openSection(page, 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
  await portal.helios.authorization.stop();
  // The token in hand is renewed at half its 4 seconds, and no new one can be had.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await openSection(page, 'Vaccinations');
  await page.getByRole('alert').filter({ hasText: 'The hospital\u2019s record system is not answering just now' }).waitFor();
  await page.getByRole('link', { name: 'Your account' }).click();
  await page.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
}, { portal: { recordTokenSeconds: 4 } });

test('a result added on the hospital\u2019s record system is emailed within seconds, and the email says nothing of it', async ({ portal }) => {
  // The portal subscribes as it starts (FHIR Subscriptions, R4 Backport); Helios then shakes hands.
  const deadline = Date.now() + 20000;
  const active = async () => (await portal.helios.search('Subscription')).entry?.some((e) => e.resource.status === 'active');
  while (!(await active())) {
    assert.ok(Date.now() < deadline, 'the portal\u2019s Subscription became active');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await portal.helios.put(thyroidResult('gateway-tsh', 'demo-ann'));
  const [mail] = await mailsTo(portal, 'ann.carter@example.org');
  assert.ok(mail, 'the email arrived');
  assert.match(mail, /^Subject: There is something new in the .* patient portal/m);
  for (const health of ['Thyroid', 'TSH', '9.7', 'mU/L', 'laboratory']) {
    assert.ok(!mail.includes(health), `the email says ${health}`);
  }
  // A notification without the secret the portal gave its Subscription is refused.
  const forged = await fetch(`${portal.url}/record-system/notifications`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: 'Bearer guessed' },
    body: '{"resourceType":"Bundle","type":"history","entry":[]}',
  });
  assert.equal(forged.status, 401);
}, { portal: { recordsTopic: true } });
