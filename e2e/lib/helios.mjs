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

/// The hospital's SubscriptionTopic for new information (R4 Backport: a Basic resource), which
/// the portal subscribes to with `--records-topic`.
export const NEW_INFORMATION_TOPIC = 'https://hospital.example/fhir/topic/new-information';

function newInformationTopic() {
  const trigger = (type) => ({
    url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.resourceTrigger',
    extension: [
      { url: 'resource', valueUri: `http://hl7.org/fhir/StructureDefinition/${type}` },
      { url: 'supportedInteraction', valueCode: 'create' },
    ],
  });
  return {
    resourceType: 'Basic',
    id: 'new-information',
    code: { coding: [{ system: 'http://hl7.org/fhir/fhir-types', code: 'SubscriptionTopic' }] },
    extension: [
      { url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.url', valueUri: NEW_INFORMATION_TOPIC },
      { url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-SubscriptionTopic.title', valueString: 'New results, documents, letters and appointments' },
      ...['DiagnosticReport', 'Observation', 'DocumentReference', 'Appointment'].map(trigger),
    ],
  };
}

/// `topic`: Helios runs its Subscriptions engine and holds the new-information topic.
export async function startHelios(dir, { portalJwks, tokenSeconds, topic } = {}) {
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
    env: { ...process.env, HFS_UI_ENABLED: 'false', DATABASE_URL: path.join(dir, 'helios.db'), RUST_LOG: 'warn', ...authEnv,
      ...(topic ? { HFS_SUBSCRIPTIONS_ENABLED: 'true' } : {}) },
  });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  stopAtExit(child);
  await listening(port, child, 'Helios', () => log.join(''));
  const auth = async () => (authorization ? { Authorization: `Bearer ${await authorization.loaderToken()}` } : {});
  /// Sends a resource or a transaction through Helios's own REST API; its answer.
  async function send(method, where, resource) {
    const res = await fetch(`${url}/${where}`, {
      method,
      headers: { 'Content-Type': 'application/fhir+json', ...(await auth()) },
      // A file's bytes or text are sent as they are; anything else as JSON.
      body: typeof resource === 'string' || Buffer.isBuffer(resource) ? resource : JSON.stringify(resource),
    });
    const answer = await res.json();
    if (res.status >= 300) throw new Error(`Helios refused ${method} ${where} (${res.status}): ${JSON.stringify(answer).slice(0, 500)}`);
    return answer;
  }
  if (topic) await send('PUT', 'Basic/new-information', newInformationTopic());
  return {
    url,
    /// The hospital's authorization server, when Helios asks for tokens.
    authorization,
    /// Sends a transaction Bundle, as the hospital's own import would; the ids of the Patients it made.
    async load(bundle) {
      const answer = await send('POST', '', bundle);
      return answer.entry.map((e) => e.resource).filter((r) => r?.resourceType === 'Patient').map((r) => r.id);
    },
    /// Adds or replaces one resource, as the hospital's systems would.
    put: (resource) => send('PUT', `${resource.resourceType}/${resource.id}`, resource),
    /// Searches, as the hospital's own systems may.
    async search(query) {
      const res = await fetch(`${url}/${query}`, { headers: { Accept: 'application/fhir+json', ...(await auth()) } });
      return res.json();
    },
    async stop() {
      await stopped(child, 'SIGTERM');
      await authorization?.stop();
    },
  };
}
