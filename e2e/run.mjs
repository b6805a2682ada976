// Browser tests: `cargo xtask test` runs this with the portal binary and the built app.
// CAREFRONT_E2E_ONLY=<part of a name>[|<part of another>…] runs the matching tests only.
// CAREFRONT_E2E_DB=postgres runs the tests that read and write most of the store again, each
// portal on its own database on a throwaway PostgreSQL cluster.
import { run } from './lib/harness.mjs';

const everyFile = ['shell', 'sign-in', 'terms', 'allergies', 'record', 'synthea', 'session', 'hostile', 'data',
  'proxy', 'share-link', 'shares', 'privacy', 'account', 'two-step', 'passkeys', 'email', 'cluster'];
const onPostgres = ['record', 'session', 'proxy', 'share-link', 'shares', 'privacy', 'account', 'email'];

for (const file of process.env.CAREFRONT_E2E_DB === 'postgres' ? onPostgres : everyFile) {
  await import(`./tests/${file}.test.mjs`);
}
process.exitCode = (await run()) ? 0 : 1;
