// A share's SMART Health Link followed as an outside receiving application would, step by step
// from the specification, with an independent JOSE library (npm jose); and a share's email
// received by a real SMTP server on loopback.
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { test } from '../lib/harness.mjs';

/// Ann, signed in over the API with the terms accepted: a function that calls it as her.
async function signedInAnn(base) {
  const call = async (method, path, body, cookie) => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', 'x-carefront': '1', ...(cookie ? { cookie } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return res;
  };
  const signIn = await call('POST', '/api/v1/session', { username: 'ann', password: 'carefront-demo' });
  assert.equal(signIn.status, 200);
  const cookie = signIn.headers.get('set-cookie').split(';')[0];
  const terms = await (await fetch(`${base}/api/v1/terms`)).json();
  const accepted = await call('POST', '/api/v1/terms/acceptances', { document: 'patient', version: terms.patient.version }, cookie);
  assert.equal(accepted.status, 204);
  return (method, path, body) => call(method, path, body, cookie);
}

test('a share\u2019s SMART Health Link opens with an outside JOSE library, the spec\u2019s way', async ({ portal }) => {
  const ann = await signedInAnn(portal.url);
  const made = await ann('POST', '/api/v1/shares', { patient: 'demo-ann', sections: ['results', 'medicines'], hours: 1, label: 'For my GP' });
  assert.equal(made.status, 201);
  const { link, code } = await made.json();

  // 1. Decode the payload.
  assert.match(link, /^shlink:\/[A-Za-z0-9_-]+$/);
  const payload = JSON.parse(Buffer.from(link.slice('shlink:/'.length), 'base64url').toString('utf8'));
  assert.equal(payload.flag, 'P');
  assert.equal(payload.label, 'Shared health record', 'the patient\'s own label never travels in the link');
  assert.ok(payload.url.length <= 128);
  assert.ok(payload.exp * 1000 > Date.now());
  const key = jose.base64url.decode(payload.key);
  assert.equal(key.length, 32);

  // 2. The manifest request: a wrong passcode first, then the right one, from another origin.
  const manifest = (passcode) => fetch(payload.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'https://viewer.example' },
    body: JSON.stringify({ recipient: 'Dr Ada Jones, Leeds Clinic', passcode }),
  });
  const wrong = await manifest('0000-0000-0000');
  assert.equal(wrong.status, 401);
  assert.deepEqual(await wrong.json(), { remainingAttempts: 4 });
  const right = await manifest(code);
  assert.equal(right.status, 200);
  assert.equal(right.headers.get('access-control-allow-origin'), '*');
  const { files } = await right.json();
  assert.equal(files.length, 2);

  // 3. Each file: fetched once from its location, decrypted with the link's key.
  const types = new Set();
  for (const file of files) {
    assert.equal(file.contentType, 'application/fhir+json');
    const got = await fetch(file.location);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/jose');
    const { plaintext, protectedHeader } = await jose.compactDecrypt(await got.text(), key);
    assert.deepEqual(protectedHeader, { alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' });
    const bundle = JSON.parse(new TextDecoder().decode(plaintext));
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'collection');
    assert.equal(bundle.entry[0].resource.resourceType, 'Patient');
    assert.equal(bundle.entry[0].resource.id, 'demo-ann');
    for (const e of bundle.entry.slice(1)) types.add(e.resource.resourceType);
    assert.equal((await fetch(file.location)).status, 404, 'a location works once');
  }
  for (const t of types) assert.ok(['Observation', 'DiagnosticReport', 'MedicationRequest', 'MedicationStatement', 'Medication'].includes(t), t);
  assert.ok(types.has('Observation') && types.has('MedicationRequest'));

  // 4. The patient sees the view, named as the receiver named itself.
  const listed = await (await ann('GET', '/api/v1/shares?patient=demo-ann')).json();
  assert.deepEqual(listed.shares[0].views.map((v) => [v.how, v.name]), [['link', 'Dr Ada Jones, Leeds Clinic']]);
  assert.equal(listed.shares[0].attemptsLeft, 4);
});

test('a share sent by email reaches a real SMTP server, with the link and nothing of health', async ({ portal }) => {
  const ann = await signedInAnn(portal.url);
  const made = await ann('POST', '/api/v1/shares', { patient: 'demo-ann', sections: ['results'], hours: 24, email: 'gp@surgery.example' });
  assert.equal(made.status, 201);
  const { viewerUrl, emailSent } = await made.json();
  assert.equal(emailSent, true);
  const mails = portal.mail();
  assert.equal(mails.length, 1, 'one message received over SMTP');
  const mail = mails[0].replace(/=\r?\n/g, '');
  assert.match(mail, /^To: .*gp@surgery\.example/m);
  assert.ok(mail.includes(viewerUrl), 'the viewer link is in the email');
  assert.match(mail, /date of birth/);
  for (const private_ of ['Ann', 'Carter', '1954', 'Penicillin', 'result']) assert.ok(!mail.includes(private_), `the email says ${private_}`);
}, { portal: { smtp: true } });
