import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, screen } from '../lib/harness.mjs';
import { signInAsAnn, openSection, bodyText } from '../lib/pages.mjs';

test('the summary shows the newest of each section, each linking to it', async ({ page }) => {
  const searches = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/fhir/') && r.url().includes('?')) searches.push(new URL(r.url())); });
  await signInAsAnn(page);
  await page.waitForFunction(() => !document.body.innerText.includes('Loading…'));
  // Typed searches: no parameter is ever sent twice (another FHIR server may take the first).
  assert.ok(searches.length >= 6);
  for (const url of searches) {
    const names = [...url.searchParams.keys()];
    assert.equal(new Set(names).size, names.length, `repeated parameter in ${url.search}`);
  }
  const upcoming = searches.find((u) => u.pathname.endsWith('/Appointment'));
  assert.equal(upcoming.searchParams.get('_sort'), 'date');
  assert.match(upcoming.searchParams.get('date'), /^ge\d{4}-\d{2}-\d{2}$/);
  const text = await bodyText(page);
  assert.match(text, /Allergies[\s\S]*Peanut \(high risk\)/);
  assert.match(text, /Next appointment[\s\S]*Diabetes review/);
  assert.match(text, /Medicines[\s\S]*Metformin 500 mg tablets/);
  assert.match(text, /Health problems[\s\S]*Type 2 diabetes/);
  assert.match(text, /Latest test results[\s\S]*Blood tests/);
  assert.doesNotMatch(text, /Clarithromycin/, 'past medicines are not in the summary');
  await screen(page, 'summary');
  await page.getByRole('link', { name: 'Medicines', exact: true }).last().click();
  await page.getByRole('heading', { level: 1, name: 'Medicines' }).waitFor();
});

test('test results: always the review notice, newest first, flags in words, searchable', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Test results');
  const text = await bodyText(page);
  assert.match(text, /Results may be shown to you before your clinician has reviewed them/);
  assert.match(text, /Normal range: 20 to 48 mmol\/mol/);
  assert.match(text, /\b(High|Low)\b/);
  const dates = await page.locator('.result-card .meta time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  assert.ok(dates.length >= 10);
  assert.deepEqual([...dates].sort().reverse(), dates, 'newest first');
  await screen(page, 'results');
  const status = page.locator('.result-count');
  const before = await status.innerText();
  assert.match(before, /Showing 25 of \d+ sets of results/);
  await page.getByLabel('Search these results').fill('potassium');
  await page.waitForFunction(() => document.querySelector('.result-count').innerText.includes('match'));
  await page.getByLabel('Search these results').fill('no such test');
  await page.getByText('No results match your search.').waitFor();
  await page.getByLabel('Search these results').fill('');
  assert.equal(await page.locator('.result-card').count(), 25);
  await page.getByRole('button', { name: 'Show more results' }).click();
  await page.waitForFunction(() => document.querySelectorAll('.result-card').length > 25);
});

test('trends: a chart with the normal range, the same numbers as a table, blood pressure as two lines', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Trends');
  const choose = async (name) => {
    const value = await page.locator('#analyte option').evaluateAll((os, n) => os.find((o) => o.textContent.startsWith(n)).value, name);
    await page.getByLabel('Choose a measurement').selectOption(value);
  };
  await choose('HbA1c');
  await page.waitForURL(/analyte=/);
  await page.getByRole('heading', { level: 2, name: /HbA1c/ }).waitFor();
  const chart = page.getByRole('img', { name: /HbA1c: \d+ measurements from \d{4} to \d{4}/ });
  await chart.waitFor();
  assert.equal(await chart.locator('path.chart-line').count(), 1);
  assert.equal(await chart.locator('rect.chart-band').count(), 1);
  await page.getByText('Show the numbers as a table').click();
  const rows = await page.locator('table tbody tr').count();
  assert.equal(rows, await chart.locator('circle').count(), 'every point is in the table');
  await screen(page, 'trends-hba1c');
  const deepLink = page.url();

  await choose('Blood pressure');
  await page.getByRole('heading', { level: 2, name: /Blood pressure/ }).waitFor();
  assert.equal(await page.locator('svg.chart path.chart-line').count(), 2);
  assert.deepEqual(await page.locator('.legend li').allInnerTexts(), ['Systolic blood pressure', 'Diastolic blood pressure']);
  await page.getByText('Show the numbers as a table').click();
  assert.equal(await page.locator('table thead th').count(), 3, 'date, systolic, diastolic');
  await screen(page, 'trends-blood-pressure');

  await page.goto(deepLink);
  await page.getByRole('heading', { level: 2, name: /HbA1c/ }).waitFor();
});

test('medicines, problems and vaccinations separate current from past', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Medicines');
  let text = await bodyText(page);
  assert.match(text, /Current medicines[\s\S]*Metformin 500 mg tablets[\s\S]*Take one tablet twice a day with food/);
  assert.match(text, /Past medicines[\s\S]*Clarithromycin 500 mg tablets/);
  await screen(page, 'medicines');

  await openSection(page, 'Health problems');
  text = await bodyText(page);
  assert.match(text, /Current problems[\s\S]*Type 2 diabetes/);
  assert.match(text, /Past problems[\s\S]*Pneumonia[\s\S]*Resolved/);
  await screen(page, 'problems');

  await openSection(page, 'Vaccinations');
  text = await bodyText(page);
  assert.match(text, /COVID-19 vaccine[\s\S]*Dose 3/);
  assert.match(text, /Not given[\s\S]*Patient was unwell on the day/);
  await screen(page, 'vaccinations');
});

test('appointments: upcoming soonest first in the hospital time zone, past with their outcome', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Appointments');
  const text = await bodyText(page);
  assert.match(text, /Upcoming appointments[\s\S]*Diabetes review[\s\S]*Eye screening[\s\S]*Knee clinic follow-up/);
  assert.match(text, /Past appointments[\s\S]*Blood test[\s\S]*Attended/);
  assert.match(text, /Podiatry[\s\S]*Cancelled/);
  assert.match(text, /Missed/);
  // 10:30 UTC in late November is 10:30 in London; the weekday is spelled out.
  assert.match(text, /(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),? \d{1,2} \w+ \d{4} at \d{1,2}:\d{2}\b(?! GMT| BST)/);
  assert.match(text, /Where[\s\S]*Diabetes Centre/);
  await screen(page, 'appointments');
  await openSection(page, 'Visits');
  assert.match(await bodyText(page), /Outpatient appointment[\s\S]*Diabetes and blood pressure review/);
  await screen(page, 'visits');
});

test('a patient whose device is in another time zone is told which zone appointment times are in', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Appointments');
  const when = await page.locator('.card time').first().innerText();
  assert.match(when, /\d{1,2}:\d{2} (GMT|BST|UTC[+-]?\d*)$/, `hospital zone named: ${when}`);
}, { timezoneId: 'America/New_York' });

test('documents: text is shown as text; HTML is only ever offered as a download', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Documents');
  await page.getByRole('button', { name: 'Read the document' }).first().click();
  await page.locator('pre.document-text').waitFor();
  assert.match(await page.locator('pre.document-text').innerText(), /Dear Mrs Carter/);
  await screen(page, 'documents');

  const html = '<h1>Letter</h1><img src=x onerror="document.title=\'pwned\'">';
  await page.route('**/api/v1/fhir/DocumentReference*', (route) => route.fulfill({
    status: 200,
    contentType: 'application/fhir+json',
    body: JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: {
      resourceType: 'DocumentReference', id: 'h', status: 'current', type: { text: 'Web letter' }, date: '2026-01-01',
      content: [{ attachment: { contentType: 'text/html', data: Buffer.from(html).toString('base64') } }],
    } }] }),
  }));
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Web letter' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Read the document' }).count(), 0);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the document' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /\.html$/);
  assert.notEqual(await page.title(), 'pwned');
  assert.equal(await page.locator('main img').count(), 0);
});

test('download my record gives one FHIR Bundle of everything', async ({ page }) => {
  await signInAsAnn(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download my record' }).click();
  const file = await download;
  const bundle = JSON.parse(fs.readFileSync(await file.path(), 'utf8'));
  assert.equal(bundle.resourceType, 'Bundle');
  assert.equal(bundle.type, 'collection');
  const types = new Set(bundle.entry.map((e) => e.resource.resourceType));
  for (const t of ['Patient', 'AllergyIntolerance', 'Condition', 'Observation', 'DiagnosticReport', 'MedicationRequest', 'Immunization', 'Encounter', 'Appointment', 'DocumentReference']) {
    assert.ok(types.has(t), `the file has ${t}`);
  }
  assert.ok(bundle.entry.length > 500, `years of history, got ${bundle.entry.length}`);
  await page.getByText(/Your file is ready: \d+ entries/).waitFor();
});

test('on a phone, the sections are one menu that opens, moves and closes', async ({ page }) => {
  await signInAsAnn(page);
  const menu = page.locator('.record-nav-narrow summary');
  await menu.waitFor();
  assert.match(await menu.innerText(), /Section:\s*Summary/);
  await screen(page, 'summary-phone');
  await menu.click();
  await page.locator('.record-nav-narrow').getByRole('link', { name: 'Vaccinations' }).click();
  await page.getByRole('heading', { level: 1, name: 'Vaccinations' }).waitFor();
  assert.match(await menu.innerText(), /Section:\s*Vaccinations/);
  assert.equal(await page.locator('.record-nav-narrow details').getAttribute('open'), null, 'the menu closed');
}, { viewport: { width: 375, height: 800 } });

test('printing a section keeps the record, the name, the date and the disclaimer, and drops the controls', async ({ page }) => {
  await signInAsAnn(page);
  await openSection(page, 'Allergies');
  await page.emulateMedia({ media: 'print' });
  const visible = async (selector) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).display !== 'none');
  assert.equal(await visible('.print-only'), true);
  assert.match(await page.locator('.print-only').innerText(), /Printed on \d{1,2} \w+ \d{4} from the Riverside General Hospital patient portal/);
  assert.equal(await visible('.patient-banner'), true);
  assert.equal(await visible('.disclaimer'), true);
  assert.equal(await visible('.record-nav'), false);
  assert.equal(await visible('.site-header .account'), false);
  assert.equal(await visible('.no-print'), false);
  await page.pdf({ path: `${process.env.CAREFRONT_E2E_OUTPUT || 'e2e/output'}/screens/allergies-print.pdf` });
});

test('an address naming no section of the record is not found, and the record stays one tap away', async ({ page }) => {
  await signInAsAnn(page);
  await page.goto('/record/demo-ann/nonsense');
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  await screen(page, 'record-section-not-found');
  await page.getByRole('navigation', { name: 'Record sections' }).first().getByRole('link', { name: 'Medicines' }).click();
  await page.getByRole('heading', { level: 1, name: 'Medicines' }).waitFor();
});
