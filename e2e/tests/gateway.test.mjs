// The portal in front of the hospital's own FHIR server (the gateway pass only): what a patient
// meets when that server goes away while they are reading.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { signIn, openSection, bodyText } from '../lib/pages.mjs';

test('with the hospital\u2019s record system away, the record says so and everything else works', async ({ page, portal }) => {
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await openSection(page, 'Allergies', 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
  await portal.helios.stop();

  await openSection(page, 'Test results', 'Test results');
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
  // record server without vaccinations would have it said.
  await page.route('**/api/v1/portal', async (route) => {
    const answer = await route.fetch();
    const info = await answer.json();
    info.recordSystem = { notShared: ['Immunization'] };
    await route.fulfill({ response: answer, json: info });
  });
  await page.goto('/');
  await signIn(page, 'ann');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  await openSection(page, 'Vaccinations', 'Vaccinations');
  await page.getByText('Riverside General Hospital\u2019s record system does not share vaccinations with this portal').waitFor();
  assert.doesNotMatch(await bodyText(page), /No vaccinations are recorded/);
  await screen(page, 'gateway-not-shared');
  await openSection(page, 'Allergies', 'Allergies');
  await page.getByText('Penicillin').first().waitFor();
});
