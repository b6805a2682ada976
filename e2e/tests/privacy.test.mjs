// The privacy centre as a patient, a parent and another organisation's system meet it: who has
// looked at the record, in words, filtered and downloaded; choices about sharing made, checked
// and withdrawn, each kind; a professional's read through the command-line client refused
// after a choice, allowed in an emergency, and both in the log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, screen } from '../lib/harness.mjs';
import { signIn, signInAsAnn, switchTo } from '../lib/pages.mjs';

async function openPrivacy(page) {
  await page.locator('.patient-links, .own-record-links').getByRole('link', { name: /^(Privacy|.*\u2019s privacy)$/ }).click();
  await page.getByRole('heading', { level: 1, name: /privacy/i }).waitFor();
}

async function openLog(page, whose = 'your') {
  await page.getByRole('link', { name: `Who has looked at ${whose} record` }).click();
  await page.getByRole('heading', { level: 1, name: `Who has looked at ${whose} record` }).waitFor();
  await page.locator('.log-count, p:has-text("Only ")').first().waitFor();
}

async function openChoices(page, whose = 'your') {
  await page.getByRole('link', { name: `Who may see ${whose} record` }).click();
  await page.getByRole('heading', { level: 1, name: `Who may see ${whose} record` }).waitFor();
  await page.getByRole('heading', { level: 2, name: /choices/i }).first().waitFor();
}

/// The log's entries as their text, one string each, one line to a line of the entry.
async function entries(page) {
  await page.locator('.log-count').waitFor();
  return (await page.locator('.log-entry').allInnerTexts()).map((t) => t.replace(/\n+/g, '\n').trim());
}

async function downloaded(page, button) {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  return fs.readFileSync(await (await download).path(), 'utf8');
}

/// Makes a choice through the form: the kind, then its target (by its label), then confirms.
async function choose(page, kind, target, { consequence } = {}) {
  await page.getByRole('button', { name: 'Make a new choice' }).click();
  await page.getByRole('group', { name: 'What do you not want other organisations to see?' }).getByLabel(kind, { exact: true }).check();
  if (target) {
    // Visits, letters and results load from the record first.
    await page.getByText(/^Which .*\?$/).first().waitFor();
    const select = page.locator('select#target');
    if (await select.count()) {
      const value = await select.locator('option', { hasText: target }).first().getAttribute('value');
      await select.selectOption(value);
    } else {
      await page.getByRole('group', { name: /^Which/ }).getByRole('radio', { name: target }).check();
    }
  }
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Before you confirm' }).waitFor();
  if (consequence) assert.match(await page.locator('.check-panel').innerText(), consequence);
  await page.getByRole('button', { name: 'Confirm my choice' }).click();
  await page.getByText('Your choice is saved. It applies from now.').waitFor();
}

/// Ann shares her results and a clinician opens the share and reads them, over HTTP as the
/// share's viewer would (their own browser is another test's business).
async function aClinicianReadsAShare(page, portal) {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const post = (path, body, headers = {}) => fetch(`${portal.url}/api/v1${path}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'x-carefront': '1', ...headers },
  });
  const made = await (await post('/shares', { patient: 'demo-ann', sections: ['results'], hours: 1 }, { cookie })).json();
  const opened = await post('/shared/session', { code: made.code, birthDate: '1954-03-12', name: 'Dr Ada Jones', organisation: 'Leeds Clinic' });
  assert.equal(opened.status, 201);
  const viewer = opened.headers.get('set-cookie').split(';')[0];
  const read = await fetch(`${portal.url}/api/v1/shared/fhir/Observation?patient=demo-ann`, { headers: { cookie: viewer } });
  assert.equal(read.status, 200);
}

test('the log says who looked, in words, by kind, with emergency access explained, and downloads', async ({ page, portal }) => {
  await signInAsAnn(page);
  await aClinicianReadsAShare(page, portal);
  await openPrivacy(page);
  await page.getByRole('heading', { level: 1, name: 'Your privacy' }).waitFor();
  await screen(page, 'privacy-centre');
  await openLog(page);
  await page.getByLabel('When').selectOption({ label: 'Everything' });
  await page.getByText(/This list goes back to/).waitFor();
  const all = await entries(page);
  assert.ok(all.length > 50, `two years of accesses: ${all.length}`);
  const text = all.join('\n---\n');
  assert.match(text, /Other organisation\nDr Helen Ward, GP, Northgate Surgery\nlooked at your medicines and test results\n\d{1,2}:\d{2}, to care for you/);
  assert.match(text, /Sam Green, care coordinator, Oakfield Care Agency\ntried to look at your medicines but was not allowed, because of a choice not to share with them/);
  assert.match(text, /Dr Priya Shah, diabetes consultant, Riverside General Hospital/);
  assert.match(text, /(^|---\n)You\nlooked at your .*personal details/);
  assert.match(text, /Settings\nYou\nshared your record with a code/);
  assert.match(text, /Share code\nDr Ada Jones, Leeds Clinic\nlooked at your test results/);
  assert.ok(!/\b(TREAT|ETREAT|AuditEvent|Observation|urn:|PAT)\b/.test(text), 'no codes on the page');
  await page.getByText(/We keep each entry for 8 years/).waitFor();

  await page.getByLabel('Who').selectOption({ label: 'Emergency access' });
  const emergency = await entries(page);
  assert.equal(emergency.length, 1);
  assert.match(emergency[0], /Emergency access\nDr Lucy Chen, emergency doctor, St Mary's Hospital\nlooked at your allergies, medicines, health problems and test results\n0?[23]:14, for emergency treatment\nThis was emergency access\.\nYou can ask why\. To ask why someone used emergency access, contact our Data Protection Officer/);
  await screen(page, 'privacy-log-emergency');

  await page.getByLabel('Who').selectOption({ label: 'Everyone' });
  await page.getByLabel('Organisation').selectOption('Kingsway Pharmacy');
  const pharmacy = await entries(page);
  assert.ok(pharmacy.length > 10 && pharmacy.every((e) => e.includes('Amir Khan, pharmacist, Kingsway Pharmacy')));
  const csv = await downloaded(page, 'Download as a spreadsheet (CSV)');
  const rows = csv.trim().split('\r\n');
  assert.equal(rows[0], 'When,Who,Role,Organisation,Kind,What happened,Why,Emergency override');
  assert.equal(rows.length, pharmacy.length + 1);
  assert.match(rows[1], /,Amir Khan,pharmacist,Kingsway Pharmacy,other organisation,looked at your (medicines|allergies)/);
  const bundle = JSON.parse(await downloaded(page, 'Download for other apps (FHIR)'));
  assert.equal(bundle.resourceType, 'Bundle');
  assert.ok(bundle.entry.length >= pharmacy.length);
  assert.ok(bundle.entry.every((e) => e.resource.resourceType === 'AuditEvent'));

  await page.getByLabel('Organisation').selectOption('');
  await page.getByLabel('When').selectOption({ label: 'The last 30 days' });
  await page.getByRole('status').filter({ hasText: /entr/ }).waitFor();
  await screen(page, 'privacy-log');
});

test('choices of each kind are made after seeing what they mean, enforced on a professional, and withdrawn', async ({ page, portal }) => {
  const read = portal.professional('northgate-test-system', 'northgate-surgery', 'Northgate Surgery');
  const asGp = (purpose, what) => read({ name: 'Dr Rhys Evans', role: 'GP', purpose, what });
  assert.equal(asGp('TREAT').status, 0, 'a professional reads before any choice');

  await signInAsAnn(page);
  await openPrivacy(page);
  await openChoices(page);
  // The demo's earlier choice is in force.
  await page.getByText('Oakfield Care Agency may not see your record.').waitFor();
  await screen(page, 'privacy-choices');

  // Nothing chosen says what to do.
  await page.getByRole('button', { name: 'Make a new choice' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('link', { name: 'Choose what you do not want other organisations to see' }).waitFor();
  await page.getByLabel('One organisation', { exact: true }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('link', { name: 'Choose an organisation' }).waitFor();
  await screen(page, 'privacy-choice-errors');
  await page.getByLabel('Northgate Surgery', { exact: true }).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('heading', { name: 'Before you confirm' }).waitFor();
  const check = await page.locator('.check-panel').innerText();
  assert.match(check, /Northgate Surgery may not see your record\./);
  assert.match(check, /Staff at this organisation will not see your record from us/);
  assert.match(check, /When it may not be followed\n[\s\S]*safeguarding/);
  await screen(page, 'privacy-choice-check');
  await page.getByRole('button', { name: 'Confirm my choice' }).click();
  await page.getByText('Your choice is saved. It applies from now.').waitFor();
  await page.getByText('Northgate Surgery may not see your record.').waitFor();

  // The surgery's system is refused, with words it can show; in an emergency it is let through.
  const refused = asGp('TREAT');
  assert.notEqual(refused.status, 0);
  assert.match(refused.out, /403.*asked that their record is not shared with your organisation/);
  assert.equal(asGp('ETREAT', 'Condition').status, 0);
  await page.goto('/privacy/demo-ann/log');
  await page.getByLabel('When').waitFor();
  const log = (await entries(page)).join('\n---\n');
  assert.match(log, /Dr Rhys Evans, GP, Northgate Surgery\ntried to look at your allergies but was not allowed, because of a choice not to share with them/);
  assert.match(log, /Emergency access\nDr Rhys Evans, GP, Northgate Surgery\nlooked at your health problems\n\d{1,2}:\d{2}, for emergency treatment\nThis was emergency access\. It went past a choice not to share with other organisations\./);
  await page.goBack();
  await page.getByText('Northgate Surgery may not see your record.').waitFor();

  // Each other kind, then each withdrawn.
  await choose(page, 'One visit', 'Outpatient appointment', { consequence: /anything recorded at it/ });
  await choose(page, 'One letter, document or test result', 'Diabetes clinic letter');
  await choose(page, 'A kind of sensitive information', 'Mental health');
  await choose(page, 'No other organisation', null, { consequence: /A&E at another hospital/ });
  const inForce = (await page.locator('.choice-card').allInnerTexts()).map((t) => t.replace(/\n+/g, '\n'));
  assert.equal(inForce.length, 6, inForce.join('\n'));
  assert.match(inForce.join('\n'), /No other organisation may see your record\.\nYou chose this on/);
  assert.match(inForce.join('\n'), /Other organisations may not see your visit \(Outpatient appointment, \d+ \w+ \d{4}\) or anything recorded at it\./);
  assert.match(inForce.join('\n'), /Other organisations may not see this from your record: Diabetes clinic letter, \d+ \w+ \d{4}\./);
  assert.match(inForce.join('\n'), /information in your record about mental health/);
  assert.match(asGp('TREAT').out, /403/, 'no other organisation: refused');
  await screen(page, 'privacy-choices-made');

  for (let left = await page.locator('.choice-card').count(); left > 0; left -= 1) {
    const card = page.locator('.choice-card').first();
    await card.getByRole('button', { name: 'Withdraw this choice' }).click();
    await card.getByRole('button', { name: 'Yes, withdraw it' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.choice-card').length === n - 1
      && !document.body.innerText.includes('Loading your choices'), left);
  }
  await page.getByText('Your choice is withdrawn. It applies from now.').waitFor();
  await page.getByText('No choices are in place. Other organisations that give care can see your record.').waitFor();
  const history = (await page.locator('.history-list li').allInnerTexts()).map((t) => t.replace(/\n+/g, ' '));
  assert.equal(history.length, 6);
  assert.ok(history.every((h) => /You chose this on .* You withdrew it on /.test(h)), history.join('\n'));
  assert.equal(asGp('TREAT').status, 0, 'with every choice withdrawn, the surgery reads again');
  await screen(page, 'privacy-choices-history');
});

test('a parent makes any choice for a young child, only hides what they see for a 14-year-old', async ({ page }) => {
  await page.goto('/');
  await signIn(page, 'claire');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Your health record' }).waitFor();
  // Acting for a child's record needs the proxy terms accepted first; the privacy pages say so.
  await page.goto('/privacy/demo-leo/choices');
  await page.getByText(/You need to accept the terms for acting for this person/).waitFor();
  await page.getByRole('link', { name: 'Open the record' }).click();
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Leo Hughes\u2019s health record' }).waitFor();
  await openPrivacy(page);
  await page.getByRole('heading', { level: 1, name: 'Privacy: Leo Hughes' }).waitFor();
  await openChoices(page, 'Leo Hughes\u2019s');
  await page.getByRole('heading', { level: 1, name: 'Who may see Leo Hughes\u2019s record' }).waitFor();
  await page.getByRole('button', { name: 'Make a new choice' }).click();
  const leoKinds = await page.getByRole('group', { name: 'What do you not want other organisations to see?' }).getByRole('radio').count();
  assert.equal(leoKinds, 5);
  await page.getByRole('button', { name: 'Cancel' }).click();

  await switchTo(page, 'Maya Hughes');
  await page.getByRole('button', { name: 'Accept and continue' }).click();
  await page.getByRole('heading', { level: 1, name: 'Maya Hughes\u2019s health record' }).waitFor();
  await openPrivacy(page);
  await openChoices(page, 'Maya Hughes\u2019s');
  await page.getByText(/Other choices about Maya Hughes\u2019s record are for Maya Hughes to make/).waitFor();
  await choose(page, 'One letter, document or test result', 'Orthodontic assessment');
  const kinds = await page.getByRole('button', { name: 'Make a new choice' }).count();
  assert.equal(kinds, 1);
  await page.getByText(/Other organisations may not see this from Maya Hughes\u2019s record: Orthodontic assessment/).waitFor();
  await page.getByText('Claire Hughes chose this on', { exact: false }).waitFor();
  await screen(page, 'privacy-choices-parent');

  // Leo's log shows his mother's reads as someone acting for him.
  await page.goto('/privacy/demo-leo/log');
  const leo = (await entries(page)).join('\n---\n');
  assert.match(leo, /Acting for the patient\nClaire Hughes\nlooked at Leo Hughes\u2019s /);
  await screen(page, 'privacy-log-proxy');

  await page.goto('/privacy/demo-maya/log');
  await page.getByText('Only Maya Hughes, or someone with full access to Maya Hughes\u2019s record, can see who has looked at it.').waitFor();
  await screen(page, 'privacy-log-not-full');
});

test('what other systems say of themselves is shown as text and never runs as a formula', async ({ page, portal }) => {
  const read = portal.professional('odd-system', 'northgate-surgery', 'Northgate Surgery');
  const hostile = { name: '<img src=x onerror="window.pwned=1">', role: '=HYPERLINK("http://evil.example","click")', purpose: 'PATRQT' };
  assert.equal(read(hostile).status, 0);
  await signInAsAnn(page);
  await page.goto('/privacy/demo-ann/log');
  await page.getByLabel('Who').selectOption({ label: 'Staff at other organisations' });
  const first = (await entries(page))[0];
  assert.ok(first.includes('<img src=x onerror="window.pwned=1">, =HYPERLINK('), first);
  assert.match(first, /because you asked them to/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  const csv = await downloaded(page, 'Download as a spreadsheet (CSV)');
  const row = csv.split('\r\n')[1];
  assert.ok(row.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), row);
});
