// A real OpenID Connect provider (panva's oidc-provider) standing in for the ITU account (TIES)
// in the tests: discovery, authorization with PKCE required, token, userinfo, JWKS and
// RP-initiated logout, over HTTP on 127.0.0.1.
//
//   node server.js --port 4321 --client-id smepilot --client-secret s3cret \
//     --redirect-uri https://testserver/accounts/oidc/ties/login/callback/ \
//     --post-logout-redirect-uri https://testserver/
//
// People sign in through oidc-provider's development interactions (a login form whose "login"
// is the account's sub, then a consent form), which a test posts to like a browser would.
// Their claims are registered by the test first: POST /test-accounts with a JSON object
// {"sub": ..., "email": ..., "email_verified": ..., "given_name": ..., "family_name": ...}.
// Prints "listening <issuer>" once it answers; exits when its standard input closes.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'post-logout-redirect-uri': { type: 'string', multiple: true, default: [] },
  },
});

const issuer = `http://127.0.0.1:${args.port}`;
const accounts = new Map();

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      post_logout_redirect_uris: args['post-logout-redirect-uri'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // As the ITU's provider does: no authorization code without a PKCE challenge (S256).
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, sub) {
    const claims = accounts.get(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: async () => ({ ...claims, sub }) };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test-accounts') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const claims = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    accounts.set(claims.sub, claims);
    ctx.status = 204;
    return;
  }
  await next();
});

// The test process holds our stdin: when it ends, however it ends, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

provider.listen(Number(args.port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
