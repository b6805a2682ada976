// `cargo xtask bench`: a burst of concurrent sign-ins, then of record searches, against a release
// build of the reference portal: throughput, and the portal's peak memory (VmHWM from /proc).
// Prints figures; never fails on a number.
import fs from 'node:fs';
import { startPortal } from './lib/portal.mjs';

const SIGN_INS = 300;
const SEARCHES = 2000;
const SEARCH_CONCURRENCY = 64;
const PASSWORD = 'carefront-demo';

const memory = (pid) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+) kB`))[1]);
  return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
};
const mib = (x) => `${x.toFixed(0)} MiB`;

const portal = await startPortal({ bin: process.env.CAREFRONT_PORTAL_RELEASE, benchReports: 100, benchSignIns: SIGN_INS });
const api = (path, init = {}) => fetch(`${portal.url}/api/v1${path}`, {
  ...init,
  headers: { 'content-type': 'application/json', 'x-carefront': '1', ...(init.headers || {}) },
});
try {
  const idle = memory(portal.pid);
  let t0 = performance.now();
  // Different people, all at once, from one address: a hospital's morning rush behind its NAT.
  const answers = await Promise.all(Array.from({ length: SIGN_INS }, (_, i) => api('/session', {
    method: 'POST', body: JSON.stringify({ username: `bench-${i + 1}`, password: PASSWORD }),
  })));
  const signInSeconds = (performance.now() - t0) / 1000;
  const ok = answers.filter((a) => a.status === 200).length;
  const afterSignIns = memory(portal.pid);
  console.log(`  ${SIGN_INS} concurrent sign-ins: ${ok} signed in, ${signInSeconds.toFixed(1)} s, ${(ok / signInSeconds).toFixed(0)} per second`);
  console.log(`  portal memory: ${mib(idle.now)} idle, peak ${mib(afterSignIns.peak)} during the sign-in burst`);

  const refused = answers.filter((a) => a.status !== 200).map((a) => a.status);
  if (refused.length) console.log(`  refused: ${[...new Set(refused)].join(', ')}`);
  const bench = await api('/session', { method: 'POST', body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
  if (bench.status !== 200) throw new Error(`bench could not sign in after the burst: ${bench.status} ${await bench.text()}`);
  const cookie = bench.headers.get('set-cookie').split(';')[0];
  const terms = await (await api('/terms')).json();
  await api('/terms/acceptances', { method: 'POST', headers: { cookie }, body: JSON.stringify({ document: 'patient', version: terms.patient.version }) });
  // A record of 100 reports and 1,000 results: whole pages, filtered pages, and reports.
  const paths = ['Observation?patient=bench&_count=100', 'DiagnosticReport?patient=bench&_count=50',
    'Observation?patient=bench&category=laboratory&_count=50&date=ge2020-01-01', 'Patient?patient=bench'];
  let next = 0, failed = 0;
  t0 = performance.now();
  await Promise.all(Array.from({ length: SEARCH_CONCURRENCY }, async () => {
    while (next < SEARCHES) {
      const i = next++;
      const res = await api(`/fhir/${paths[i % paths.length]}`, { headers: { cookie, 'accept-encoding': 'gzip, br' } });
      await res.arrayBuffer();
      if (res.status !== 200) failed += 1;
    }
  }));
  const searchSeconds = (performance.now() - t0) / 1000;
  const end = memory(portal.pid);
  console.log(`  ${SEARCHES} searches, ${SEARCH_CONCURRENCY} at a time: ${(SEARCHES / searchSeconds).toFixed(0)} per second, ${failed} failed`);
  console.log(`  portal memory: peak ${mib(end.peak)} over the whole run, ${mib(end.now)} at the end`);
} finally {
  await portal.stop();
}
