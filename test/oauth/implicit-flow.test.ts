import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CreateUserPoolClientCommand, CreateUserPoolCommand, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInThroughForm } from '../support/hosted-ui.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const CALLBACK = 'https://spa.example/cb';

describe('the implicit flow', () => {
  let s: TestServer;
  let poolId: string;
  let implicitClient: string;
  let codeOnlyClient: string;

  const authorizeUrl = (clientId: string, extra: Record<string, string> = {}) =>
    `${s.url}/${poolId}/oauth2/authorize?${new URLSearchParams({ response_type: 'token', client_id: clientId, redirect_uri: CALLBACK, state: 'st&ate', nonce: 'n-1', scope: 'openid email aws.cognito.signin.user.admin', ...extra })}`;

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'implicit' }))).UserPool!.Id!;
    const client = (flows: Array<'code' | 'implicit'>) =>
      s.admin.send(
        new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: flows.join('-'), AllowedOAuthFlows: flows, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: ['openid', 'email', 'aws.cognito.signin.user.admin'], CallbackURLs: [CALLBACK] }),
      );
    implicitClient = (await client(['implicit'])).UserPoolClient!.ClientId!;
    codeOnlyClient = (await client(['code'])).UserPoolClient!.ClientId!;
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: 'ivy', MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: 'ivy@example.com' }] }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'ivy', Password: 'Passw0rd!', Permanent: true }));
  });
  afterAll(async () => s?.close());

  it('returns tokens in the fragment, never a refresh token, with the state and the nonce', async () => {
    const landed = await signInThroughForm(authorizeUrl(implicitClient), 'ivy', 'Passw0rd!');
    expect(`${landed.origin}${landed.pathname}`).toBe(CALLBACK);
    expect(landed.search).toBe('');
    const fragment = new URLSearchParams(landed.hash.slice(1));
    expect(fragment.get('state')).toBe('st&ate');
    expect(fragment.get('token_type')).toBe('Bearer');
    expect(fragment.get('refresh_token')).toBeNull();
    expect(decodeJwt(fragment.get('id_token')!)).toMatchObject({ nonce: 'n-1', aud: implicitClient, email: 'ivy@example.com' });
    const me = await s.anonymous.send(new GetUserCommand({ AccessToken: fragment.get('access_token')! }));
    expect(me.Username).toBe('ivy');
  });

  it('refuses the implicit flow to a client that allows only the code flow, at its redirect URI', async () => {
    const response = await fetch(authorizeUrl(codeOnlyClient), { redirect: 'manual' });
    expect(response.status).toBe(302);
    const target = new URL(response.headers.get('location')!);
    const fragment = new URLSearchParams(target.hash.slice(1));
    expect(fragment.get('error')).toBe('unauthorized_client');
    expect(fragment.get('state')).toBe('st&ate');
  });

  it('refuses PKCE parameters on the implicit flow', async () => {
    const response = await fetch(authorizeUrl(implicitClient, { code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' }), { redirect: 'manual' });
    expect(new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1)).get('error')).toBe('invalid_request');
  });
});
