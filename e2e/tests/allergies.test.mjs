import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, openAnnsRecord, expectText, bodyText } from '../lib/pages.mjs';
import { totp, BEN_SECRET } from '../lib/totp.mjs';

test('allergies come from FHIR, riskiest first, errors hidden, hostile text inert', async ({ page }) => {
  await openAnnsRecord(page);
  const cards = page.locator('.card-list').first().locator('li.card');
  await cards.first().waitFor();
  const titles = await cards.locator('h3').allInnerTexts();
  assert.deepEqual(titles.map((t) => t.split('\n')[0].trim()).slice(0, 2).sort(), ['Peanut', 'Penicillin']);
  const text = await bodyText(page);
  assert.match(text, /Hives and difficulty breathing \(severe\)/);
  assert.match(text, /Codeine/, 'a substance given only as a coding display is shown');
  assert.doesNotMatch(text, /Aspirin/, 'entered-in-error is hidden');
  assert.match(text, /Past allergies[\s\S]*Latex/);
  assert.match(text, /Ann Margaret Carter/);
  assert.match(text, /Born 12 March 1954/);
  assert.match(text, /does not show the full medical record/);
  // The note written with markup is shown as the characters typed, and runs nothing.
  assert.match(text, /<img src=x onerror=/);
  assert.equal(await page.locator('.card img').count(), 0);
  assert.notEqual(await page.title(), 'pwned');
  assert.match(await page.title(), /^Allergies – /);
  await screen(page, 'allergies');
});

test('a patient with no allergies is told none are recorded in this portal', async ({ page }) => {
  await page.goto('/');
  await signIn(page, 'ben');
  await page.getByLabel('Security code').fill(totp(BEN_SECRET));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.getByRole('link', { name: 'Allergies', exact: true }).first().click();
  await page.getByText('No allergies are recorded in this portal.').waitFor();
  await screen(page, 'allergies-empty');
});

test('a server error on the record is explained and can be retried', async ({ page }) => {
  await page.route('**/api/v1/fhir/AllergyIntolerance*', (route) =>
    route.fulfill({ status: 500, contentType: 'application/fhir+json', body: '{"resourceType":"OperationOutcome"}' }));
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await page.goto('/record/allergies');
  await expectText(page.getByRole('alert'), /Something went wrong on our side/);
  await screen(page, 'allergies-error');
  await page.unroute('**/api/v1/fhir/AllergyIntolerance*');
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: /Penicillin/ }).waitFor();
});

test('malformed FHIR is skipped and counted, never a blank screen', async ({ page }) => {
  await page.route('**/api/v1/fhir/AllergyIntolerance*', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/fhir+json',
      body: JSON.stringify({
        resourceType: 'Bundle',
        entry: [
          { resource: { resourceType: 'AllergyIntolerance', code: { coding: [{ display: 'Wasp stings' }] }, reaction: [{ manifestation: 'not an array' }] } },
          { resource: { resourceType: 'Observation' } },
          { resource: 42 },
        ],
      }),
    }));
  await openAnnsRecord(page);
  await page.getByRole('heading', { name: /Wasp stings/ }).waitFor();
  await page.getByText('1 entry could not be shown.').waitFor();

  await page.route('**/api/v1/fhir/AllergyIntolerance*', (route) =>
    route.fulfill({ status: 200, contentType: 'application/fhir+json', body: '<html>not json' }));
  await page.reload();
  await expectText(page.getByRole('alert'), /could not read/);
});
