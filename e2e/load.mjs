// `cargo xtask bench`: a burst of concurrent sign-ins, then of record searches, against a release
// build of the reference portal: throughput, latency, and the portals' peak memory (VmHWM from
// /proc). On SQLite, on PostgreSQL (a throwaway cluster on this machine), with two portals on
// PostgreSQL behind nginx, and as a gateway to Helios FHIR Server holding the record (with the
// same searches sent straight to Helios beside it). Prints figures; never fails on a number.
import fs from 'node:fs';
import { startPortal } from './lib/portal.mjs';
import { endPostgres } from './lib/postgres.mjs';

const SIGN_INS = 300;
const SEARCHES = 2000;
const SEARCH_CONCURRENCY = 64;
const PASSWORD = 'carefront-demo';

/// The portals' memory together (each one's peak, added up).
const memory = (portals) => {
  const each = portals.map(({ child }) => {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kib = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+) kB`))[1]);
    return { peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024 };
  });
  return { peak: each.reduce((a, m) => a + m.peak, 0), now: each.reduce((a, m) => a + m.now, 0) };
};
/// The portals' CPU time so far, in milliseconds (utime + stime from /proc, in 100 Hz ticks).
const cpu = (portals) => portals.reduce((sum, { child }) => {
  const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return sum + (Number(fields[11]) + Number(fields[12])) * 10;
}, 0);
const mib = (x) => `${x.toFixed(0)} MiB`;
/// The p-th percentile of these milliseconds, as "12 ms".
const percentile = (ms, p) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `${sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(0)} ms`;
};
/// A request, and how long its whole answer took.
const timed = async (request, into) => {
  const start = performance.now();
  const res = await request();
  await res.arrayBuffer();
  into.push(performance.now() - start);
  return res;
};

/// One burst of sign-ins, then of searches, against a portal (or two) started with these options.
async function burst(options) {
  const portal = await startPortal({ bin: process.env.CAREFRONT_PORTAL_RELEASE, benchReports: 100, benchSignIns: SIGN_INS, ...options });
  const api = (path, init = {}) => fetch(`${portal.url}/api/v1${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', 'x-carefront': '1', ...(init.headers || {}) },
  });
  try {
    const idle = memory(portal.portals);
    let t0 = performance.now();
    // Different people, all at once, from one address: a hospital's morning rush behind its NAT.
    const signInTimes = [];
    const answers = await Promise.all(Array.from({ length: SIGN_INS }, (_, i) => timed(() => api('/session', {
      method: 'POST', body: JSON.stringify({ username: `bench-${i + 1}`, password: PASSWORD }),
    }), signInTimes)));
    const signInSeconds = (performance.now() - t0) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    const afterSignIns = memory(portal.portals);
    console.log(`  ${SIGN_INS} concurrent sign-ins: ${ok} signed in, ${signInSeconds.toFixed(1)} s, ${(ok / signInSeconds).toFixed(0)} per second; p50 ${percentile(signInTimes, 50)}, p99 ${percentile(signInTimes, 99)}`);
    console.log(`  portal memory: ${mib(idle.now)} idle, peak ${mib(afterSignIns.peak)} during the sign-in burst`);

    const refused = answers.filter((a) => a.status !== 200).map((a) => a.status);
    if (refused.length) console.log(`  refused: ${[...new Set(refused)].join(', ')}`);
    const bench = await api('/session', { method: 'POST', body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
    if (bench.status !== 200) throw new Error(`bench could not sign in after the burst: ${bench.status} ${await bench.text()}`);
    const cookie = bench.headers.get('set-cookie').split(';')[0];
    const terms = await (await api('/terms')).json();
    await api('/terms/acceptances', { method: 'POST', headers: { cookie }, body: JSON.stringify({ document: 'patient', version: terms.patient.version }) });
    if (portal.helios) await firstPages(api, cookie, portal.helios);
    // A record of 100 reports and 1,000 results: pages of 50 results each, every one audited.
    let next = 0, failed = 0;
    const searchTimes = [];
    const cpuBefore = cpu(portal.portals);
    t0 = performance.now();
    await Promise.all(Array.from({ length: SEARCH_CONCURRENCY }, async () => {
      while (next < SEARCHES) {
        const i = next++;
        const path = `/fhir/Observation?patient=bench&_count=50&_offset=${(i * 50) % 1000}`;
        const res = await timed(() => api(path, { headers: { cookie, 'accept-encoding': 'gzip, br' } }), searchTimes);
        if (res.status !== 200) failed += 1;
      }
    }));
    const searchSeconds = (performance.now() - t0) / 1000;
    const end = memory(portal.portals);
    const cpuPerSearch = (cpu(portal.portals) - cpuBefore) / SEARCHES;
    console.log(`  ${SEARCHES} searches of 50 results, ${SEARCH_CONCURRENCY} at a time: ${(SEARCHES / searchSeconds).toFixed(0)} per second, ${failed} failed; p50 ${percentile(searchTimes, 50)}, p99 ${percentile(searchTimes, 99)}`);
    console.log(`  portal CPU per search: ${cpuPerSearch.toFixed(2)} ms (the rest of the machine's two cores go to this client, the database and nginx)`);
    console.log(`  portal memory: peak ${mib(end.peak)} over the whole run, ${mib(end.now)} at the end`);
    if (portal.helios) await straightToHelios(portal.helios, searchTimes);
  } finally {
    await portal.stop();
  }
}

/// A section's first page, one at a time, as a patient opening it meets it: through the gateway
/// (the whole type of their record read from the record server, then kept for seconds) and
/// straight to the record server.
async function firstPages(api, cookie, helios) {
  const auth = { authorization: `Bearer ${await helios.authorization.loaderToken()}` };
  const through = [], straight = [];
  for (const kind of ['Observation', 'DiagnosticReport']) {
    await timed(() => api(`/fhir/${kind}?patient=bench&_count=50`, { headers: { cookie } }), through);
    await timed(() => fetch(`${helios.url}/${kind}?patient=bench&_count=50&_sort=-date`, { headers: { accept: 'application/fhir+json', ...auth } }), straight);
  }
  const ms = (list) => list.map((t) => `${t.toFixed(0)} ms`).join(' and ');
  console.log(`  a section's first page, alone (results, then reports): through the gateway ${ms(through)}; straight to Helios ${ms(straight)}`);
}

/// The same searches sent straight to the record server, with no portal between: what the
/// gateway adds, as a ratio of the medians.
async function straightToHelios(helios, throughGateway) {
  const times = [];
  let next = 0;
  // With a token, as the portal sends one: what the record server's own checks cost is in both.
  const auth = helios.authorization ? { authorization: `Bearer ${await helios.authorization.loaderToken()}` } : {};
  await Promise.all(Array.from({ length: SEARCH_CONCURRENCY }, async () => {
    while (next < SEARCHES) {
      next += 1;
      const res = await timed(() => fetch(`${helios.url}/Observation?patient=bench&_count=50&_sort=-date`,
        { headers: { accept: 'application/fhir+json', 'accept-encoding': 'gzip, br', ...auth } }), times);
      if (res.status !== 200) throw new Error(`Helios answered ${res.status}`);
    }
  }));
  const median = (ms) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  console.log(`  the same ${SEARCHES} searches straight to Helios: p50 ${percentile(times, 50)}, p99 ${percentile(times, 99)}; through the gateway / straight, at p50: ${(median(throughGateway) / median(times)).toFixed(1)}x`);
}

for (const [name, options] of [
  ['SQLite, one portal', { postgres: false }],
  ['PostgreSQL, one portal', { postgres: true }],
  ['PostgreSQL, two portals behind nginx', { cluster: true }],
  ['SQLite, the record on Helios FHIR Server (gateway)', { postgres: false, gateway: true }],
]) {
  console.log(`  ${name}:`);
  await burst(options);
}
await endPostgres();
