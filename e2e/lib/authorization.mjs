// The hospital's authorization server for the gateway pass: npm `oidc-provider` (a certified
// OpenID provider), on a free loopback port in a Node process of its own (a test waiting on a
// portal command must not keep it from answering that command's token request). It issues SMART
// Backend Services tokens (client_credentials, private_key_jwt) as signed JWTs that Helios
// checks against its key set, so the portal reaches the record server only as a registered
// client.
import { exportJWK, generateKeyPair } from 'jose';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, stopAtExit, stopped } from './net.mjs';

/// The scopes the portal's registration allows: reading the record, making its Subscription and,
/// for `serve --demo` only, writing the demo's invented patients. The test loader (the hospital's
/// own import) may do all.
const PORTAL_SCOPES = 'system/*.rs system/Subscription.cu system/*.cu';
const LOADER_SCOPES = 'system/*.cruds';

/// `portalJwks`: the public key set of the portal's key (`professional keygen --public`);
/// `audience`: the record server's address, the audience of every token; `tokenSeconds`: how
/// long a token lives.
export async function startAuthorization({ portalJwks, audience, tokenSeconds = 300 }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const loaderSecret = `loader-${Math.random().toString(36).slice(2)}`;
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AUTHORIZATION: JSON.stringify({ port, portalJwks, audience, tokenSeconds, loaderSecret }) },
  });
  stopAtExit(child);
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  const issued = [];
  const lines = readline.createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the authorization server stopped (${code}): ${log.join('')}`)));
    lines.on('line', (line) => {
      if (line === 'listening') resolve();
      else if (line.startsWith('issued ')) issued.push(JSON.parse(line.slice(7)));
    });
  });
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    /// The tokens given so far: { client, scope } each.
    issued,
    /// A token for the hospital's own loader, to put test patients on the record server.
    async loaderToken() {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'hospital-loader', client_secret: loaderSecret, scope: LOADER_SCOPES }),
      });
      const answer = await res.json();
      if (!res.ok) throw new Error(`the authorization server refused the loader: ${JSON.stringify(answer)}`);
      return answer.access_token;
    },
    stop: () => stopped(child, 'SIGTERM'),
  };
}

/// The server itself, in its own process: says `listening`, then `issued {…}` for each token.
async function serve({ port, portalJwks, audience, tokenSeconds, loaderSecret }) {
  // Loaded here only: the test process that starts this one has no use for it.
  const { default: Provider, errors } = await import('oidc-provider');
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'tokens' };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'carefront-portal',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'ES384',
        jwks: JSON.parse(fs.readFileSync(portalJwks, 'utf8')),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: PORTAL_SCOPES,
      },
      {
        client_id: 'hospital-loader',
        client_secret: loaderSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: LOADER_SCOPES,
      },
    ],
    jwks: { keys: [signing] },
    ttl: { ClientCredentials: tokenSeconds },
    scopes: [...new Set(`${PORTAL_SCOPES} ${LOADER_SCOPES}`.split(' '))],
    enabledJWA: { clientAuthSigningAlgValues: ['RS384', 'ES384'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new errors.InvalidTarget();
          return { scope: `${PORTAL_SCOPES} ${LOADER_SCOPES}`, audience, accessTokenFormat: 'jwt', accessTokenTTL: tokenSeconds };
        },
      },
    },
  });
  provider.on('client_credentials.issued', (token) => console.log(`issued ${JSON.stringify({ client: token.clientId, scope: token.scope })}`));
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  console.log('listening');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(JSON.parse(process.env.AUTHORIZATION));
