// New information arriving in a portal's database, as the hospital's feed brings it: the portal's
// `load` command with a Bundle of the resources given.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function load(portal, resources) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carefront-load-'));
  const bundle = path.join(dir, 'bundle.json');
  fs.writeFileSync(bundle, JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: resources.map((resource) => ({ resource })) }));
  const loaded = portal.cli('load', bundle);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(loaded.status, 0, loaded.out);
}

export function thyroidResult(id, patient) {
  return { resourceType: 'Observation', id, status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { text: 'Thyroid stimulating hormone' }, subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-12-01', valueQuantity: { value: 9.7, unit: 'mU/L' } };
}
