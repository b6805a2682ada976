// Real-shaped data no one here wrote: Synthea patients loaded through the portal's `load`
// command, browsed section by section, at phone and desktop widths, with axe on each.
import assert from 'node:assert/strict';
import { test, screen } from '../lib/harness.mjs';
import { syntheaUsers } from '../lib/portal.mjs';
import { signIn, openSection, bodyText } from '../lib/pages.mjs';

const SECTIONS = [
  ['Test results', 'Test results'],
  ['Trends', 'Trends'],
  ['Medicines', 'Medicines'],
  ['Allergies', 'Allergies'],
  ['Health problems', 'Health problems'],
  ['Vaccinations', 'Vaccinations'],
  ['Appointments', 'Appointments'],
  ['Visits', 'Visits'],
  ['Documents', 'Documents'],
];

test('Synthea patients: every section shows their history, with nothing unreadable', async ({ page }) => {
  assert.ok(syntheaUsers.length >= 3, 'three Synthea patients were loaded');
  for (const [n, user] of syntheaUsers.entries()) {
    await page.goto('/sign-in');
    await signIn(page, user.username);
    await page.getByRole('button', { name: 'Accept and continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
    await page.waitForFunction(() => !document.body.innerText.includes('Loading…'));
    if (n === 0) await screen(page, 'synthea-summary');
    let shown = 0;
    for (const [link, heading] of SECTIONS) {
      await openSection(page, link, heading);
      const text = await bodyText(page);
      assert.doesNotMatch(text, /could not be shown|could not load/, `${user.file}: ${heading}`);
      assert.doesNotMatch(text, /Sorry/, `${user.file}: ${heading}`);
      if (!/No .* (are|is) recorded|no trends to show|are available in this portal/.test(text)) shown += 1;
      if (n === 0) await screen(page, `synthea-${heading.toLowerCase().replace(/ /g, '-')}`);
    }
    assert.ok(shown >= 6, `${user.file}: most sections have entries (got ${shown})`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/ended=signed-out/);
  }
}, { portal: { synthea: true } });
