// Helios FHIR Server (crates.io `helios-hfs`, installed by `cargo xtask setup`): the hospital's
// own record server for the gateway pass, one per test on a free loopback port, on a fresh
// SQLite file, knowing the R4 search parameters set-up assembled.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, listening, stopped } from './net.mjs';

export const onHelios = process.env.CAREFRONT_E2E_RECORDS === 'helios';

export async function startHelios(dir) {
  const data = process.env.CAREFRONT_HELIOS_DATA;
  if (!data || !fs.existsSync(path.join(data, 'search-parameters-r4.json'))) {
    throw new Error('CAREFRONT_HELIOS_DATA must name the folder with search-parameters-r4.json (run through `cargo xtask test`)');
  }
  const port = await freePort();
  const child = spawn('hfs', ['--host', '127.0.0.1', '--port', String(port), '--data-dir', data], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dir,
    env: { ...process.env, HFS_UI_ENABLED: 'false', DATABASE_URL: path.join(dir, 'helios.db'), RUST_LOG: 'warn' },
  });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  process.once('exit', () => child.kill());
  await listening(port, child, 'Helios', () => log.join(''));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    /// Sends a transaction Bundle through Helios's own REST API; the ids of the Patients it made.
    async load(bundle) {
      const res = await fetch(`${url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: bundle,
      });
      const answer = await res.json();
      if (res.status !== 200) throw new Error(`Helios refused a Bundle (${res.status}): ${JSON.stringify(answer).slice(0, 500)}`);
      return answer.entry.map((e) => e.resource).filter((r) => r?.resourceType === 'Patient').map((r) => r.id);
    },
    stop: () => stopped(child, 'SIGTERM'),
  };
}
