// The data layer as a patient meets it: leaving a screen stops its downloads, "Try again" never
// shows an entry twice, and going back to a screen does not download its lists again.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signInAsAnn, openSection } from '../lib/pages.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Every search the page sends (not reads by id), as path and query.
function searchLog(page) {
  const log = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/v1/fhir/') && url.search) log.push({ at: Date.now(), path: url.pathname, query: url.search });
  });
  return log;
}

test('leaving a screen that is still loading stops its downloads', async ({ page }) => {
  const log = searchLog(page);
  const aborted = [];
  page.on('requestfailed', (r) => { if (r.url().includes('/fhir/Observation')) aborted.push(r.failure()?.errorText); });
  // A slow network: every page of results takes a while, so there is a long history still to come.
  await page.route('**/api/v1/fhir/Observation?**', async (route) => {
    await sleep(400);
    await route.continue().catch(() => {});
  });
  await page.goto('/');
  await signIn(page, 'bench');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: 'Test results', exact: true }).first().click();
  await page.getByText('Still loading older entries').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.result-card').length > 0);
  await sleep(900);
  await page.getByRole('navigation', { name: 'Record sections' }).getByRole('link', { name: 'Allergies', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Allergies' }).waitFor();
  // The results screen is gone once the next one is drawn.
  const left = Date.now();
  await sleep(2_500);
  const observationPages = log.filter((r) => r.path.endsWith('/Observation') && !r.query.includes('category=laboratory'));
  const after = observationPages.filter((r) => r.at > left);
  assert.deepEqual(after, [], `no page of results is asked for after the screen is left: ${JSON.stringify(after.map((r) => [r.at - left, r.query]))}`);
  assert.ok(observationPages.length < 25, `the 25-page history was not downloaded (${observationPages.length} pages asked for)`);
  assert.ok(aborted.some((e) => /ABORTED/.test(e || '')), `the page in flight was aborted (${aborted.join(', ') || 'nothing aborted'})`);
}, { portal: { benchReports: 500 } });

test('"Try again" while an earlier load is still running never shows an entry twice', async ({ page }) => {
  await signInAsAnn(page);
  let statements = 0, requests = 0;
  await page.route('**/api/v1/fhir/MedicationStatement?**', async (route) => {
    statements += 1;
    if (statements === 1) return route.fulfill({ status: 500, contentType: 'application/problem+json', body: '{"title":"Server error"}' });
    return route.continue();
  });
  await page.route('**/api/v1/fhir/MedicationRequest?**', async (route) => {
    requests += 1;
    // The first run's prescriptions arrive late, after "Try again" started a second run.
    if (requests === 1) await sleep(2_000);
    await route.continue().catch(() => {});
  });
  // Opened afresh, so nothing is in memory from the summary.
  await page.goto('/record/medicines');
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { level: 2, name: 'Current medicines' }).waitFor();
  await page.waitForFunction(() => !document.body.innerText.match(/Loading .*…|Still loading/));
  await sleep(2_500);
  assert.equal(requests, 2, 'the second run asked for the prescriptions again');
  const cards = await page.locator('.card-list > li').allInnerTexts();
  assert.ok(cards.length >= 3, `medicines are shown (${cards.length})`);
  assert.equal(new Set(cards).size, cards.length, `an entry is shown twice:\n${cards.join('\n---\n')}`);
  const clean = await page.evaluate(async () => {
    const patient = (await (await fetch('/api/v1/patients')).json())[0].id;
    let n = 0;
    for (const type of ['MedicationRequest', 'MedicationStatement']) {
      n += (await (await fetch(`/api/v1/fhir/${type}?patient=${patient}&_count=200`)).json()).entry?.length ?? 0;
    }
    return n;
  });
  assert.ok(cards.length <= clean, `${cards.length} cards for ${clean} medicines`);
});

test('going back to a screen shows its lists again without downloading them again', async ({ page }) => {
  await signInAsAnn(page);
  await page.waitForFunction(() => !document.body.innerText.includes('Loading…'));
  const log = searchLog(page);
  for (const section of ['Allergies', 'Health problems', 'Medicines', 'Summary', 'Allergies', 'Medicines']) {
    await openSection(page, section, section === 'Summary' ? 'Your health record' : section);
  }
  await page.waitForFunction(() => !document.body.innerText.includes('Loading…'));
  const asked = log.map((r) => `${r.path}${r.query}`);
  assert.deepEqual(asked, [], `the summary had already fetched every list these screens show; asked again for:\n${asked.join('\n')}`);
  // A list the summary only had the first page of is fetched in full, once.
  await openSection(page, 'Appointments');
  await openSection(page, 'Summary', 'Your health record');
  await openSection(page, 'Appointments');
  const appointments = log.filter((r) => r.path.endsWith('/Appointment'));
  assert.equal(appointments.length, 1, appointments.map((r) => r.query).join('\n'));
});

test('a summary card that could not load says why and can be tried again on its own', async ({ page }) => {
  let conditions = 0;
  await page.route('**/api/v1/fhir/Condition?**', (route) => {
    conditions += 1;
    if (conditions === 1) return route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>Service unavailable</h1>' });
    return route.continue();
  });
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  const card = page.locator('.summary-card').filter({ hasText: 'Health problems' });
  await card.getByRole('alert').filter({ hasText: /not available at the moment/ }).waitFor();
  // The other cards come in as their own answers do, not held back by the failed one.
  await page.locator('.summary-card').filter({ hasText: 'Allergies' }).getByText('Peanut').waitFor();
  await screen(page, 'summary-card-failed');
  const others = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/fhir/')).length);
  await card.getByRole('button', { name: 'Try again' }).click();
  await card.getByText('Type 2 diabetes').waitFor();
  const after = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/fhir/')).length);
  assert.equal(after - others, 1, 'only the failed card asked again');
});
