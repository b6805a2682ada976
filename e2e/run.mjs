// Browser tests: `cargo xtask test` runs this with the portal binary and the built app.
// CAREFRONT_E2E_ONLY=<part of a name>[|<part of another>…] runs the matching tests only.
// CAREFRONT_E2E_DB=postgres runs the tests that read and write most of the store again, each
// portal on its own database on a throwaway PostgreSQL cluster. CAREFRONT_E2E_RECORDS=helios runs
// the tests of the record, proxies, shares and privacy with the portal as a gateway in front of a
// Helios FHIR server holding the record.
import { run } from './lib/harness.mjs';

const everyFile = ['shell', 'sign-in', 'terms', 'allergies', 'record', 'synthea', 'session', 'hostile', 'data',
  'proxy', 'share-link', 'shares', 'privacy', 'account', 'two-step', 'passkeys', 'email', 'messages', 'cluster'];
const onPostgres = ['record', 'session', 'proxy', 'share-link', 'shares', 'privacy', 'account', 'email', 'messages'];
const onGateway = ['allergies', 'record', 'synthea', 'proxy', 'share-link', 'shares', 'privacy', 'gateway'];

const files = process.env.CAREFRONT_E2E_RECORDS === 'helios' ? onGateway
  : process.env.CAREFRONT_E2E_DB === 'postgres' ? onPostgres : everyFile;
for (const file of files) {
  await import(`./tests/${file}.test.mjs`);
}
// Exits even if a server a failed test started is still running (each is stopped as it goes).
process.exit((await run()) ? 0 : 1);
