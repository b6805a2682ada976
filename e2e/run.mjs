// Browser tests: `cargo xtask test` runs this with the portal binary and the built app.
// CAREFRONT_E2E_ONLY=<part of a name>[|<part of another>…] runs the matching tests only.
import { run } from './lib/harness.mjs';
import './tests/shell.test.mjs';
import './tests/sign-in.test.mjs';
import './tests/terms.test.mjs';
import './tests/allergies.test.mjs';
import './tests/record.test.mjs';
import './tests/synthea.test.mjs';
import './tests/session.test.mjs';
import './tests/hostile.test.mjs';
import './tests/data.test.mjs';
import './tests/proxy.test.mjs';
import './tests/share-link.test.mjs';
import './tests/shares.test.mjs';
import './tests/privacy.test.mjs';
import './tests/account.test.mjs';
import './tests/two-step.test.mjs';
import './tests/passkeys.test.mjs';
import './tests/email.test.mjs';

process.exitCode = (await run()) ? 0 : 1;
