// Helios FHIR Server (crates.io `helios-hfs`, installed by `cargo xtask setup`): the hospital's
// own record server for the gateway pass, one per test on a free loopback port, on a fresh
// SQLite file, knowing the R4 search parameters set-up assembled. Given the portal's public key
// set, it takes only tokens from the hospital's authorization server (SMART Backend Services).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startAuthorization } from './authorization.mjs';
import { freePort, listening, stopAtExit, stopped } from './net.mjs';

export const onHelios = process.env.CAREFRONT_E2E_RECORDS === 'helios';

export async function startHelios(dir, { portalJwks, tokenSeconds } = {}) {
  const data = process.env.CAREFRONT_HELIOS_DATA;
  if (!data || !fs.existsSync(path.join(data, 'search-parameters-r4.json'))) {
    throw new Error('CAREFRONT_HELIOS_DATA must name the folder with search-parameters-r4.json (run through `cargo xtask test`)');
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const authorization = portalJwks ? await startAuthorization({ portalJwks, audience: url, tokenSeconds }) : null;
  const authEnv = authorization ? {
    HFS_AUTH_ENABLED: 'true',
    HFS_AUTH_JWKS_URL: authorization.jwksUrl,
    HFS_AUTH_ISSUER: authorization.issuer,
    HFS_AUTH_AUDIENCE: url,
    HFS_SMART_TOKEN_ENDPOINT: authorization.tokenEndpoint,
  } : {};
  const child = spawn('hfs', ['--host', '127.0.0.1', '--port', String(port), '--data-dir', data], {
    stdio: ['ignore', 'ignore', 'pipe'],
    cwd: dir,
    env: { ...process.env, HFS_UI_ENABLED: 'false', DATABASE_URL: path.join(dir, 'helios.db'), RUST_LOG: 'warn', ...authEnv },
  });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  stopAtExit(child);
  await listening(port, child, 'Helios', () => log.join(''));
  return {
    url,
    /// The hospital's authorization server, when Helios asks for tokens.
    authorization,
    /// Sends a transaction Bundle through Helios's own REST API; the ids of the Patients it made.
    async load(bundle) {
      const token = authorization ? { Authorization: `Bearer ${await authorization.loaderToken()}` } : {};
      const res = await fetch(`${url}/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json', ...token },
        body: bundle,
      });
      const answer = await res.json();
      if (res.status !== 200) throw new Error(`Helios refused a Bundle (${res.status}): ${JSON.stringify(answer).slice(0, 500)}`);
      return answer.entry.map((e) => e.resource).filter((r) => r?.resourceType === 'Patient').map((r) => r.id);
    },
    async stop() {
      await stopped(child, 'SIGTERM');
      await authorization?.stop();
    },
  };
}
