// The hospital's authorization server for the gateway pass: npm `oidc-provider` (a certified
// OpenID provider), on a free loopback port inside the test process. It issues SMART Backend
// Services tokens (client_credentials, private_key_jwt) as signed JWTs that Helios checks
// against its key set, so the portal reaches the record server only as a registered client.
import Provider, { errors } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';
import fs from 'node:fs';
import { freePort } from './net.mjs';

/// The scopes the portal's registration allows: reading the record and, for `serve --demo` only,
/// writing the demo's invented patients. The test loader (the hospital's own import) may do all.
const PORTAL_SCOPES = 'system/*.rs system/*.cu';
const LOADER_SCOPES = 'system/*.cruds';

/// What the provider keeps (the client assertions' jti, each taken once), in this process for
/// the test's life: a database would add nothing, and naming a store keeps the provider's warning
/// about its quick-start one out of every test's output.
function memoryAdapter() {
  const kept = new Map();
  return class {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload) { kept.set(this.key(id), payload); }
    async find(id) { return kept.get(this.key(id)); }
    async findByUid() { return undefined; }
    async findByUserCode() { return undefined; }
    async consume(id) { const p = kept.get(this.key(id)); if (p) p.consumed = Math.floor(Date.now() / 1000); }
    async destroy(id) { kept.delete(this.key(id)); }
    async revokeByGrantId() {}
  };
}

/// `portalJwks`: the public key set of the portal's key (`professional keygen --public`);
/// `audience`: the record server's address, the audience of every token; `tokenSeconds`: how
/// long a token lives.
export async function startAuthorization({ portalJwks, audience, tokenSeconds = 300 }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'tokens' };
  const loaderSecret = `loader-${Math.random().toString(36).slice(2)}`;
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(),
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
  const issued = [];
  provider.on('client_credentials.issued', (token) => issued.push({ client: token.clientId, scope: token.scope }));
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
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
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
