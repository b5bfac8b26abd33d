import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.ts';

const POOL = 'us-east-1_CorsTest01';
const ORIGIN = 'https://spa.example';

/** A SPA on another origin swaps its code, reads userInfo, revokes and reads keys, as it does with Cognito. */
describe('cross-origin calls from browser apps', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ config: { userPools: [{ name: 'cors', id: POOL, clients: [{ name: 'spa', id: 'corsspaclient0000000000001', AllowedOAuthFlows: ['code'], AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid'], CallbackURLs: [`${ORIGIN}/`] }] }] } });
  });
  afterAll(() => s?.close());

  it('lets any origin read the token, userInfo, revoke, keys and discovery answers, errors included, without credentials', async () => {
    const calls: Array<[string, RequestInit]> = [
      ['/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&client_id=corsspaclient0000000000001&code=nope' }],
      ['/oauth2/userInfo', { headers: { authorization: 'Bearer nope' } }],
      ['/oauth2/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope&client_id=corsspaclient0000000000001' }],
      ['/.well-known/jwks.json', {}],
      ['/.well-known/openid-configuration', {}],
    ];
    for (const [path, init] of calls) {
      const res = await fetch(`${s.url}/${POOL}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), origin: ORIGIN } });
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
  });

  it('answers the preflight of a token request with a Basic authorization header', async () => {
    const res = await fetch(`${s.url}/${POOL}/oauth2/token`, { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('does not open the hosted UI pages, which carry the sign-in cookie, to other origins', async () => {
    const res = await fetch(`${s.url}/${POOL}/login?client_id=corsspaclient0000000000001&response_type=code&redirect_uri=${encodeURIComponent(`${ORIGIN}/`)}`, { headers: { origin: ORIGIN }, redirect: 'manual' });
    expect([200, 302]).toContain(res.status);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
