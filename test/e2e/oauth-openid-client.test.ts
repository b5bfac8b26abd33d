import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/app.ts';
import { buildServer } from '../../src/server.ts';
import { freshDatabase } from '../support/databases.ts';
import { signInThroughForm } from '../support/hosted-ui.ts';
import { ADMIN_CREDENTIALS, REGION } from '../support/server.ts';
import { freePort } from '../support/process.ts';

const CALLBACK = 'https://rp.example/callback';
const API = 'https://api.example';
const USERNAME = 'alice';
const PASSWORD = 'Correct-Horse-9';

/** A port nobody listens on right now, so the server's public URL can name it before it starts. */

/** Awaits a promise that must reject, and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e as Error & Record<string, unknown>,
  );
  expect(outcome, 'expected a rejection, but the call succeeded').toBeInstanceOf(Error);
  return outcome!;
}

describe('OAuth 2.0 and OpenID Connect with the real openid-client', () => {
  let url: string;
  let tessera: Tessera;
  let app: FastifyInstance;
  let admin: CognitoIdentityProviderClient;
  let drop: () => Promise<void>;
  let poolId: string;
  let issuer: URL;
  let userSub: string;
  const clients: Record<'public' | 'confidential' | 'machine', { id: string; secret?: string }> = {} as never;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const fresh = await freshDatabase('sqlite');
    drop = fresh.drop;
    // The public URL names the real port, so discovery points openid-client at this server.
    tessera = await createTessera({ db: fresh.url, region: REGION, publicUrl: url, issuerStyle: 'tessera' });
    app = await buildServer(tessera, { credentials: [ADMIN_CREDENTIALS], logLevel: 'warn' });
    await app.listen({ port, host: '127.0.0.1' });
    admin = new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials: ADMIN_CREDENTIALS, maxAttempts: 1 });

    poolId = (await admin.send(new CreateUserPoolCommand({ PoolName: 'openid-client' }))).UserPool!.Id!;
    issuer = new URL(`${url}/${poolId}`);
    await admin.send(
      new CreateResourceServerCommand({
        UserPoolId: poolId,
        Identifier: API,
        Name: 'Example API',
        Scopes: [
          { ScopeName: 'read', ScopeDescription: 'Read' },
          { ScopeName: 'write', ScopeDescription: 'Write' },
        ],
      }),
    );
    const createClient = async (input: Omit<CreateUserPoolClientCommandInput, 'UserPoolId'>) =>
      (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ...input }))).UserPoolClient!;
    const userFlows = {
      AllowedOAuthFlows: ['code' as const],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile', `${API}/read`],
      CallbackURLs: [CALLBACK],
      SupportedIdentityProviders: ['COGNITO'],
    };
    const pub = await createClient({ ClientName: 'spa', GenerateSecret: false, ...userFlows });
    clients.public = { id: pub.ClientId! };
    const conf = await createClient({ ClientName: 'web', GenerateSecret: true, ...userFlows });
    clients.confidential = { id: conf.ClientId!, secret: conf.ClientSecret! };
    const machine = await createClient({
      ClientName: 'worker',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: [`${API}/read`],
    });
    clients.machine = { id: machine.ClientId!, secret: machine.ClientSecret! };

    const created = await admin.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: USERNAME,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: 'alice@example.com' },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'given_name', Value: 'Alice' },
          { Name: 'phone_number', Value: '+12065550100' },
        ],
      }),
    );
    userSub = created.User!.Attributes!.find((a) => a.Name === 'sub')!.Value!;
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: USERNAME, Password: PASSWORD, Permanent: true }));
  });

  afterAll(async () => {
    admin?.destroy();
    await app?.close();
    await tessera?.close();
    await drop?.();
  });

  const configure = (kind: 'public' | 'basic' | 'post' | 'machine') => {
    const options = { execute: [oidc.allowInsecureRequests] };
    switch (kind) {
      case 'public':
        return oidc.discovery(issuer, clients.public.id, { token_endpoint_auth_method: 'none' }, oidc.None(), options);
      case 'basic':
        return oidc.discovery(issuer, clients.confidential.id, clients.confidential.secret, oidc.ClientSecretBasic(clients.confidential.secret), options);
      case 'post':
        return oidc.discovery(issuer, clients.confidential.id, clients.confidential.secret, oidc.ClientSecretPost(clients.confidential.secret), options);
      case 'machine':
        return oidc.discovery(issuer, clients.machine.id, clients.machine.secret, oidc.ClientSecretBasic(clients.machine.secret), options);
    }
  };

  /** The whole browser leg: authorization URL with PKCE, state and nonce, the login form, the callback. */
  async function authorize(config: oidc.Configuration, scope = 'openid email profile') {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const callback = await signInThroughForm(authorizationUrl, USERNAME, PASSWORD);
    return { callback, verifier, state, nonce };
  }

  async function codeFlow(config: oidc.Configuration, scope = 'openid email profile') {
    const { callback, verifier, state, nonce } = await authorize(config, scope);
    const openid = scope.split(' ').includes('openid');
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      ...(openid && { expectedNonce: nonce }),
      idTokenExpected: openid,
    });
    return { tokens, nonce };
  }

  describe('discovery', () => {
    it('discovers the pool issuer, its endpoints and S256 PKCE from the openid-configuration document', async () => {
      const config = await configure('public');
      const metadata = config.serverMetadata();
      expect(metadata.issuer).toBe(issuer.href);
      expect(metadata.authorization_endpoint).toBe(`${issuer.href}/oauth2/authorize`);
      expect(metadata.token_endpoint).toBe(`${issuer.href}/oauth2/token`);
      expect(metadata.userinfo_endpoint).toBe(`${issuer.href}/oauth2/userInfo`);
      expect(metadata.revocation_endpoint).toBe(`${issuer.href}/oauth2/revoke`);
      expect(metadata.jwks_uri).toBe(`${issuer.href}/.well-known/jwks.json`);
      expect(metadata.supportsPKCE()).toBe(true);
      expect(metadata.supportsPKCE('plain')).toBe(false);
      expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', `${API}/read`, `${API}/write`]));
    });

    it('refuses to discover an issuer that does not exist', async () => {
      const error = await rejection(oidc.discovery(new URL(`${url}/us-east-1_Nope00000`), 'x', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] }));
      expect(error).toBeInstanceOf(Error);
    });
  });

  describe('authorization code flow with PKCE', () => {
    it('signs a public client in through the login form and returns an ID token that openid-client verifies (signature, iss, aud, nonce, at_hash)', async () => {
      const config = await configure('public');
      const { tokens, nonce } = await codeFlow(config);
      expect(tokens.token_type.toLowerCase()).toBe('bearer');
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const claims = tokens.claims()!;
      expect(claims.iss).toBe(issuer.href);
      expect(claims.aud).toBe(clients.public.id);
      expect(claims.sub).toBe(userSub);
      expect(claims.nonce).toBe(nonce);
      expect(claims.at_hash).toEqual(expect.any(String));
      expect(claims.token_use).toBe('id');
      expect(claims['cognito:username']).toBe(USERNAME);
      const access = decodeJwt(tokens.access_token);
      expect(access).toMatchObject({ token_use: 'access', client_id: clients.public.id, username: USERNAME, scope: 'openid email profile' });
    });

    it('refuses a callback whose state differs from the one the client sent', async () => {
      const config = await configure('public');
      const { callback, verifier, nonce } = await authorize(config);
      const error = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'another-state', expectedNonce: nonce }));
      expect(error).toBeInstanceOf(oidc.ClientError);
      expect((error.cause as Error).message).toMatch(/"state"/);
    });

    it('lets openid-client catch an ID token whose nonce is not the one it sent', async () => {
      const config = await configure('public');
      const { callback, verifier, state } = await authorize(config);
      const error = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: 'not-the-nonce' }));
      expect(error).toBeInstanceOf(oidc.ClientError);
      expect((error.cause as Error).message).toMatch(/"nonce"/);
    });

    it('refuses the code when the PKCE verifier is not the one the challenge was made from', async () => {
      const config = await configure('public');
      const { callback, state, nonce } = await authorize(config);
      const error = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state, expectedNonce: nonce }));
      expect(error).toBeInstanceOf(oidc.ResponseBodyError);
      expect(error.error).toBe('invalid_grant');
    });

    it('exchanges the code of a confidential client authenticating with client_secret_basic', async () => {
      const config = await configure('basic');
      const { tokens } = await codeFlow(config);
      expect(tokens.claims()!.aud).toBe(clients.confidential.id);
      expect(decodeJwt(tokens.access_token).client_id).toBe(clients.confidential.id);
    });

    it('exchanges the code of a confidential client authenticating with client_secret_post', async () => {
      const config = await configure('post');
      const { tokens } = await codeFlow(config);
      expect(tokens.claims()!.aud).toBe(clients.confidential.id);
      expect(tokens.refresh_token).toEqual(expect.any(String));
    });

    it('refuses a confidential client whose secret is wrong with invalid_client', async () => {
      const config = await oidc.discovery(issuer, clients.confidential.id, 'wrong', oidc.ClientSecretBasic('wrong'), { execute: [oidc.allowInsecureRequests] });
      const { callback, verifier, state, nonce } = await authorize(config);
      const error = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }));
      // A 401 with a Basic challenge: openid-client surfaces the challenge, the body says invalid_client.
      expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect(error.status).toBe(401);
      expect((error.cause as oidc.WWWAuthenticateChallenge[])[0]!.scheme).toBe('basic');
      expect(await (error.response as Response).json()).toMatchObject({ error: 'invalid_client' });
    });
  });

  describe('refresh_token grant', () => {
    it('refreshes into new access and ID tokens for the same user, which openid-client validates', async () => {
      const config = await configure('basic');
      const { tokens } = await codeFlow(config);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.access_token).not.toBe(tokens.access_token);
      expect(refreshed.claims()!.sub).toBe(userSub);
      expect(refreshed.claims()!.aud).toBe(clients.confidential.id);
      expect(decodeJwt(refreshed.access_token).scope).toBe('openid email profile');
      const info = await oidc.fetchUserInfo(config, refreshed.access_token, userSub);
      expect(info.sub).toBe(userSub);
    });

    it('refreshes for a public client with no secret', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config);
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      expect(refreshed.claims()!.aud).toBe(clients.public.id);
    });

    it('refuses a refresh token presented by another client with invalid_grant', async () => {
      const { tokens } = await codeFlow(await configure('public'));
      const error = await rejection(oidc.refreshTokenGrant(await configure('basic'), tokens.refresh_token!));
      expect(error.error).toBe('invalid_grant');
    });
  });

  describe('userInfo', () => {
    it('returns sub, username and the email claims for the email scope, with email_verified a boolean', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config, 'openid email');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, userSub);
      expect(info).toEqual({ sub: userSub, username: USERNAME, email: 'alice@example.com', email_verified: true });
    });

    it('adds profile claims for the profile scope and leaves out the phone number without the phone scope', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config, 'openid profile');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, userSub);
      expect(info.given_name).toBe('Alice');
      expect(info.email).toBeUndefined();
      expect(info.phone_number).toBeUndefined();
    });

    it('gives only sub and username for openid alone', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config, 'openid');
      expect(await oidc.fetchUserInfo(config, tokens.access_token, userSub)).toEqual({ sub: userSub, username: USERNAME });
    });

    it('refuses an access token without the openid scope with insufficient_scope', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config, `${API}/read`);
      expect(tokens.id_token).toBeUndefined();
      const error = await rejection(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck));
      expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect(error.status).toBe(403);
      const [challenge] = error.cause as oidc.WWWAuthenticateChallenge[];
      expect(challenge!.scheme).toBe('bearer');
      expect(challenge!.parameters.error).toBe('insufficient_scope');
    });

    it('lets openid-client catch a userInfo response about another subject', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config, 'openid');
      const error = await rejection(oidc.fetchUserInfo(config, tokens.access_token, 'someone-else'));
      expect(error).toBeInstanceOf(oidc.ClientError);
      expect((error.cause as Error).message).toMatch(/"sub"/);
    });
  });

  describe('revocation', () => {
    it('revokes a refresh token, after which refreshing fails and the access tokens it issued are refused at userInfo', async () => {
      const config = await configure('basic');
      const { tokens } = await codeFlow(config);
      expect((await oidc.fetchUserInfo(config, tokens.access_token, userSub)).sub).toBe(userSub);
      await oidc.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
      const refresh = await rejection(oidc.refreshTokenGrant(config, tokens.refresh_token!));
      expect(refresh.error).toBe('invalid_grant');
      const info = await rejection(oidc.fetchUserInfo(config, tokens.access_token, userSub));
      expect(info).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect(info.status).toBe(401);
      expect((info.cause as oidc.WWWAuthenticateChallenge[])[0]!.parameters.error).toBe('invalid_token');
    });

    it('revokes for a public client too, and accepts revoking an unknown token (RFC 7009 §2.2)', async () => {
      const config = await configure('public');
      const { tokens } = await codeFlow(config);
      await oidc.tokenRevocation(config, tokens.refresh_token!);
      await oidc.tokenRevocation(config, 'not-a-token-we-ever-issued');
      expect((await rejection(oidc.refreshTokenGrant(config, tokens.refresh_token!))).error).toBe('invalid_grant');
    });
  });

  describe('client_credentials grant', () => {
    it('issues an access token with the custom scope and the client id, and no user', async () => {
      const config = await configure('machine');
      const tokens = await oidc.clientCredentialsGrant(config, { scope: `${API}/read` });
      expect(tokens.id_token).toBeUndefined();
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.expires_in).toBeGreaterThan(0);
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({ token_use: 'access', scope: `${API}/read`, client_id: clients.machine.id, sub: clients.machine.id, iss: issuer.href });
      expect(claims.username).toBeUndefined();
      expect(claims['cognito:username']).toBeUndefined();
    });

    it('grants every allowed custom scope when none is asked for', async () => {
      const tokens = await oidc.clientCredentialsGrant(await configure('machine'));
      expect(decodeJwt(tokens.access_token).scope).toBe(`${API}/read`);
    });

    it('refuses a scope the client is not allowed with invalid_scope', async () => {
      const error = await rejection(oidc.clientCredentialsGrant(await configure('machine'), { scope: `${API}/write` }));
      expect(error.error).toBe('invalid_scope');
    });

    it('refuses client_credentials to a client that does not allow that flow with unauthorized_client', async () => {
      const error = await rejection(oidc.clientCredentialsGrant(await configure('basic'), { scope: `${API}/read` }));
      expect(error.error).toBe('unauthorized_client');
    });

    it('refuses the client token at userInfo, since it names no user', async () => {
      const config = await configure('machine');
      const tokens = await oidc.clientCredentialsGrant(config, { scope: `${API}/read` });
      const error = await rejection(oidc.fetchUserInfo(config, tokens.access_token, oidc.skipSubjectCheck));
      expect(error).toBeInstanceOf(oidc.WWWAuthenticateChallengeError);
      expect([401, 403]).toContain(error.status);
    });
  });
});
