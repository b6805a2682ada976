// Server data written by an attacker who has read the app: addresses spelled so a text prefix
// test is fooled, and text built to break a phone's layout or reorder what is around it.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signInAsAnn, openSection, bodyText } from '../lib/pages.mjs';


const ODD = {
  organization: { name: 'Riverside', logoUrl: '//evil.example/logo.png', website: null },
  theme: { primaryColour: '#005eb8', onPrimaryColour: '#ffffff' },
  locale: 'en-GB',
  timeZone: 'Europe/London',
  emergency: { number: '999', text: 'Call 999 in an emergency.' },
  disclaimer: 'As is.',
  notFullRecord: 'Not the full record.',
  recordErrors: 'Tell us.',
  // Browsers read a backslash as a slash: this is https://evil.example/report.
  recordErrorsUrl: '/\\evil.example/report',
  helpDesk: { phone: '0300 555 0182', hours: 'weekdays', email: null },
  features: { proxy: false, share: false, linking: false },
};

test('addresses in server data are judged as the browser reads them, by origin', async ({ page, portal }) => {
  const origin = new URL(portal.url).origin;
  const elsewhere = [];
  page.on('request', (r) => { if (new URL(r.url()).origin !== origin) elsewhere.push(r.url()); });
  await page.route('**/api/v1/fhir/AllergyIntolerance?*', (route) => route.fulfill({
    contentType: 'application/fhir+json',
    body: JSON.stringify({
      resourceType: 'Bundle', type: 'searchset', total: 2,
      link: [{ relation: 'next', url: '/\\evil.example/api/v1/fhir/AllergyIntolerance?page=2' }],
      entry: [{ resource: { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/demo-ann' }, code: { text: 'Peanuts' } } }],
    }),
  }));
  await page.route('**/api/v1/fhir/DocumentReference?*', (route) => route.fulfill({
    contentType: 'application/fhir+json',
    body: JSON.stringify({
      resourceType: 'Bundle', type: 'searchset', total: 1,
      entry: [{ resource: { resourceType: 'DocumentReference', id: 'd1', status: 'current', date: '2024-01-01',
        subject: { reference: 'Patient/demo-ann' }, type: { text: 'Letter' },
        content: [{ attachment: { contentType: 'application/pdf', title: 'Letter', url: '/\\evil.example/letter.pdf' } }] } }],
    }),
  }));
  await signInAsAnn(page);
  assert.equal(await page.locator('header img').count(), 0, 'a protocol-relative logo is not loaded');
  assert.equal(await page.getByRole('link', { name: 'Tell us about an error in your record' }).count(), 0);
  assert.match(await bodyText(page), /0300 555 0182/, 'the help desk is given instead');
  await openSection(page, 'Allergies');
  assert.match(await bodyText(page), /Peanuts/);
  await openSection(page, 'Documents');
  assert.equal(await page.getByRole('link', { name: 'Download the document' }).count(), 0);
  assert.match(await bodyText(page), /The document itself is not available in this portal/);
  assert.deepEqual(elsewhere, [], 'nothing was fetched from another origin');
}, { portal: { config: ODD } });

const LONG = 'Hydroxychloroquinesulfate'.repeat(12);
const RLO = '\u202E';

test('long words and direction overrides in server text neither widen a phone nor reorder text', async ({ page }) => {
  await page.route('**/api/v1/fhir/AllergyIntolerance?*', (route) => route.fulfill({
    contentType: 'application/fhir+json',
    body: JSON.stringify({
      resourceType: 'Bundle', type: 'searchset', total: 2,
      entry: [
        { resource: { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/demo-ann' },
          code: { text: `${LONG}` }, criticality: 'high', recordedDate: '2020-01-01',
          reaction: [{ manifestation: [{ text: `${RLO}fdp.exe` }], description: `٢٠٢٤ ${LONG} مرحبا` }] } },
        { resource: { resourceType: 'AllergyIntolerance', id: 'a2', patient: { reference: 'Patient/demo-ann' },
          code: { coding: [{ code: '1'.repeat(300) }] }, note: [{ text: `bell\u0007${LONG}` }] } },
      ],
    }),
  }));
  await signInAsAnn(page);
  await openSection(page, 'Allergies');
  await page.setViewportSize({ width: 375, height: 800 });
  const text = await bodyText(page);
  assert.ok(text.includes('fdp.exe'), 'shown as written, without the override');
  assert.ok(!text.includes(RLO));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  assert.equal(overflow, 0, `the page scrolls sideways by ${overflow}px`);
  await screen(page, 'hostile-text-allergies');
});

// Every human-readable string in every resource the record shows, made hostile: a word longer
// than a phone, a direction override, a control character and right-to-left text around it.
const WORDY = new Set(['text', 'display', 'title', 'family', 'description', 'valueString', 'unit', 'comment',
  'conclusion', 'name', 'given', 'patientInstruction', 'reasonCode', 'series', 'doseNumberString']);
const poison = (s) => `${s} ${LONG}${RLO}fdp.exe\u0007 مرحبا ${'9'.repeat(80)}`;
function poisonAll(value, key = '') {
  if (Array.isArray(value)) return value.map((v) => poisonAll(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poisonAll(v, k)]));
  }
  return typeof value === 'string' && WORDY.has(key) ? poison(value) : value;
}

const SECTIONS = [['summary', 'Your health record'], ['results', 'Test results'], ['trends', 'Trends'],
  ['medicines', 'Medicines'], ['allergies', 'Allergies'], ['problems', 'Health problems'],
  ['vaccinations', 'Vaccinations'], ['appointments', 'Appointments'], ['visits', 'Visits'],
  ['documents', 'Documents']];

test('hostile text in every field of every section never widens a phone or shows an override', async ({ page }) => {
  const poisoned = async (route) => {
    const response = await route.fetch();
    const body = poisonAll(await response.json());
    await route.fulfill({ response, body: JSON.stringify(body) });
  };
  await page.route('**/api/v1/fhir/**', poisoned);
  await page.route('**/api/v1/patients', poisoned);
  await signInAsAnn(page);
  for (const [path, heading] of SECTIONS) {
    await page.goto(`/record/${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForFunction(() => !document.body.innerText.match(/Loading .*…|Still loading/));
    const text = await bodyText(page);
    assert.ok(!text.includes(RLO) && !text.includes('\u0007'), `${path} shows a control character`);
    await screen(page, `hostile-${path}`);
  }
  assert.match(await bodyText(page), /مرحبا/, 'right-to-left text itself is kept');
});
