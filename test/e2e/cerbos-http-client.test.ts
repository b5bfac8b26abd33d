/**
 * Tessera as a Cerbos PDP, driven by the real `@cerbos/http` client pointed at Tessera's URL, with
 * seed 003's contact policy (examples/seed-003-contacts/cerbos) and principals from real Tessera
 * tokens: built by the app from the ID token's claims, or by Tessera from `auxData.jwt` when the
 * principal id is empty. Where Cerbos itself defines the answer (effects, metadata, plans, errors),
 * the expectations are what the real Cerbos 0.55 PDP returns for the same requests.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { HTTP } from '@cerbos/http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/util/clock.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const POLICIES = fileURLToPath(new URL('../../examples/seed-003-contacts/cerbos', import.meta.url));
const PASSWORD = 'Seed-003!Passw0rd';
const ACTIONS = ['read', 'update', 'delete'];

type CheckResourcesRequest = Parameters<HTTP['checkResources']>[0];
type Principal = CheckResourcesRequest['principal'];

interface Tokens {
  idToken: string;
  accessToken: string;
}

/** A pool as seed 003 sets it up: sign-in with email, groups admin and user, users in them. */
async function setUpPool(admin: CognitoIdentityProviderClient, users: Array<{ email: string; groups: string[] }>): Promise<{ poolId: string; clientId: string }> {
  const poolId = (await admin.send(new CreateUserPoolCommand({ PoolName: 'cerbos-contacts', UsernameAttributes: ['email'] }))).UserPool!.Id!;
  const clientId = (await admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'contacts-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] })))
    .UserPoolClient!.ClientId!;
  for (const group of ['admin', 'user']) await admin.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
  for (const { email, groups } of users) {
    await admin.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email, MessageAction: 'SUPPRESS' }));
    await admin.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }));
    for (const group of groups) await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }));
  }
  return { poolId, clientId };
}

async function signIn(anonymous: CognitoIdentityProviderClient, clientId: string, email: string): Promise<Tokens> {
  const r = await anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD } }));
  return { idToken: r.AuthenticationResult!.IdToken!, accessToken: r.AuthenticationResult!.AccessToken! };
}

/** The principal as the seed's app builds it from the (verified) ID token: sub, groups, and the claims as attributes. */
function principalFromIdToken(idToken: string): Principal {
  const claims = decodeJwt(idToken);
  return { id: String(claims.sub), roles: (claims['cognito:groups'] as string[] | undefined) ?? [], attr: claims as NonNullable<Principal['attr']> };
}

/** The seed's two contacts: one owned by the user, one by someone else. */
function contacts(ownerId: string): CheckResourcesRequest['resources'] {
  return [
    { resource: { kind: 'contact', id: 'abc123', attr: { owner: ownerId } }, actions: ACTIONS },
    { resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, actions: ACTIONS },
  ];
}

/** contact id → action → effect. */
function effects(response: Awaited<ReturnType<HTTP['checkResources']>>): Record<string, Record<string, string>> {
  return Object.fromEntries(response.results.map((r) => [r.resource.id, { ...r.actions }]));
}

const ALLOW = 'EFFECT_ALLOW';
const DENY = 'EFFECT_DENY';
const ADMIN_EFFECTS = {
  abc123: { read: ALLOW, update: ALLOW, delete: ALLOW },
  def456: { read: ALLOW, update: ALLOW, delete: ALLOW },
};
const USER_EFFECTS = {
  abc123: { read: ALLOW, update: ALLOW, delete: ALLOW },
  def456: { read: ALLOW, update: DENY, delete: DENY },
};

/** The client's error for Cerbos' 400: `NotOK` with gRPC status 3, INVALID_ARGUMENT. */
const INVALID_ARGUMENT = { name: 'NotOK', code: 3 };

describe('the @cerbos/http client against Tessera (seed 003 contact policy)', () => {
  // Frozen at the start; the expiry test moves it forward, then back.
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let cerbos: HTTP;
  let pool: { poolId: string; clientId: string };
  const USERS = [
    { email: 'alice@example.com', groups: ['admin'] },
    { email: 'bob@example.com', groups: ['user'] },
    { email: 'carol@example.com', groups: ['user'] },
  ];
  const tokens: Record<string, Tokens> = {};
  const sub = (email: string) => String(decodeJwt(tokens[email]!.idToken).sub);

  beforeAll(async () => {
    s = await startTestServer({ clock, cerbos: { policiesDir: POLICIES } });
    cerbos = new HTTP(s.url);
    pool = await setUpPool(s.admin, USERS);
    for (const { email } of USERS) tokens[email] = await signIn(s.anonymous, pool.clientId, email);
  }, 60_000);

  afterAll(async () => {
    await s?.close();
  });

  it('serves the Cerbos API at the server root: server info and health', async () => {
    const info = await cerbos.serverInfo();
    expect(info.version).toMatch(/\S/);
    expect(typeof info.commit).toBe('string');
    expect(typeof info.buildDate).toBe('string');
    expect(await cerbos.checkHealth()).toEqual({ status: 'SERVING' });
  });

  it('decides for principals the app builds from ID token claims: an admin may do anything, a user may change only their own contact', async () => {
    const alice = principalFromIdToken(tokens['alice@example.com']!.idToken);
    expect(alice).toMatchObject({ id: sub('alice@example.com'), roles: ['admin'], attr: { email: 'alice@example.com', token_use: 'id', aud: pool.clientId } });
    expect(effects(await cerbos.checkResources({ principal: alice, resources: contacts(alice.id) }))).toEqual(ADMIN_EFFECTS);

    for (const email of ['bob@example.com', 'carol@example.com']) {
      const user = principalFromIdToken(tokens[email]!.idToken);
      expect(user.roles).toEqual(['user']);
      const response = await cerbos.checkResources({ principal: user, resources: contacts(user.id), requestId: `seed-003-${email}` });
      expect(response.requestId).toBe(`seed-003-${email}`);
      expect(response.cerbosCallId).toMatch(/\S/);
      expect(effects(response)).toEqual(USER_EFFECTS);
      expect(response.isAllowed({ resource: { kind: 'contact', id: 'abc123' }, action: 'delete' })).toBe(true);
      expect(response.isAllowed({ resource: { kind: 'contact', id: 'def456' }, action: 'delete' })).toBe(false);
      expect(response.allowedActions({ kind: 'contact', id: 'def456' })).toEqual(['read']);
      expect(response.allAllowed({ kind: 'contact', id: 'abc123' })).toBe(true);
      expect(response.validationErrors).toEqual([]);
    }

    // Bob's contact is not Carol's: the owner condition compares ids, not roles.
    const carol = principalFromIdToken(tokens['carol@example.com']!.idToken);
    const bobsContact = { kind: 'contact', id: 'bob-1', attr: { owner: sub('bob@example.com') } };
    expect(await cerbos.isAllowed({ principal: carol, resource: bobsContact, action: 'update' })).toBe(false);
    expect(await cerbos.isAllowed({ principal: carol, resource: bobsContact, action: 'read' })).toBe(true);
  });

  it('answers checkResource and isAllowed', async () => {
    const bob = principalFromIdToken(tokens['bob@example.com']!.idToken);
    const own = await cerbos.checkResource({ principal: bob, resource: { kind: 'contact', id: 'abc123', attr: { owner: bob.id } }, actions: ['read', 'update', 'delete', 'create'] });
    expect(own.resource).toMatchObject({ kind: 'contact', id: 'abc123' });
    expect(own.allAllowed()).toBe(true);
    const other = await cerbos.checkResource({ principal: bob, resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, actions: ['read', 'delete'] });
    expect(other.actions).toEqual({ read: ALLOW, delete: DENY });
    expect(other.isAllowed('read')).toBe(true);
    expect(other.isAllowed('delete')).toBe(false);
    // An action the request did not ask about has no answer.
    expect(other.isAllowed('update')).toBeUndefined();

    expect(await cerbos.isAllowed({ principal: bob, resource: { kind: 'contact', id: 'abc123', attr: { owner: bob.id } }, action: 'delete' })).toBe(true);
    expect(await cerbos.isAllowed({ principal: bob, resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, action: 'update' })).toBe(false);
    const alice = principalFromIdToken(tokens['alice@example.com']!.idToken);
    expect(await cerbos.isAllowed({ principal: alice, resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, action: 'delete' })).toBe(true);
  });

  it('returns the matched policy with includeMetadata, as Cerbos does', async () => {
    const bob = principalFromIdToken(tokens['bob@example.com']!.idToken);
    const response = await cerbos.checkResources({
      principal: bob,
      includeMetadata: true,
      resources: [
        ...contacts(bob.id),
        { resource: { kind: 'contact', id: 'ghi789', attr: { owner: bob.id } }, actions: ['archive'] },
        // No policy covers this kind.
        { resource: { kind: 'note', id: 'n1' }, actions: ['read'] },
      ],
    });
    for (const id of ['abc123', 'def456']) {
      const result = response.findResult({ kind: 'contact', id })!;
      expect(result.metadata).toEqual({
        actions: Object.fromEntries(ACTIONS.map((a) => [a, { matchedPolicy: 'resource.contact.vdefault', matchedScope: '' }])),
        effectiveDerivedRoles: [],
      });
    }
    // Denied by default, still under the contact policy.
    expect(response.findResult({ kind: 'contact', id: 'ghi789' })).toMatchObject({
      actions: { archive: DENY },
      metadata: { actions: { archive: { matchedPolicy: 'resource.contact.vdefault', matchedScope: '' } }, effectiveDerivedRoles: [] },
    });
    expect(response.findResult({ kind: 'note', id: 'n1' })).toMatchObject({ actions: { read: DENY }, metadata: { actions: { read: { matchedPolicy: 'NO_MATCH', matchedScope: '' } } } });

    // Without includeMetadata there is none.
    const plain = await cerbos.checkResources({ principal: bob, resources: contacts(bob.id) });
    expect(plain.results.every((r) => r.metadata === undefined)).toBe(true);
  });

  describe('principals from auxData.jwt', () => {
    it('builds the principal from an ID or access token when the principal id is empty, and decides as for the app-built one', async () => {
      for (const [email, expected] of [
        ['alice@example.com', ADMIN_EFFECTS],
        ['bob@example.com', USER_EFFECTS],
        ['carol@example.com', USER_EFFECTS],
      ] as const) {
        const appBuilt = await cerbos.checkResources({ principal: principalFromIdToken(tokens[email]!.idToken), resources: contacts(sub(email)), includeMetadata: true });
        for (const token of [tokens[email]!.idToken, tokens[email]!.accessToken]) {
          const fromToken = await cerbos.checkResources({ principal: { id: '', roles: [] }, auxData: { jwt: { token } }, resources: contacts(sub(email)), includeMetadata: true });
          expect(effects(fromToken)).toEqual(expected);
          expect(fromToken.results.map((r) => r.metadata)).toEqual(appBuilt.results.map((r) => r.metadata));
        }
      }
      const bobsToken = { jwt: { token: tokens['bob@example.com']!.accessToken } };
      const bob = sub('bob@example.com');
      expect(await cerbos.isAllowed({ principal: { id: '', roles: [] }, auxData: bobsToken, resource: { kind: 'contact', id: 'abc123', attr: { owner: bob } }, action: 'delete' })).toBe(true);
      expect(await cerbos.isAllowed({ principal: { id: '', roles: [] }, auxData: bobsToken, resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, action: 'delete' })).toBe(false);
      const one = await cerbos.checkResource({ principal: { id: '', roles: [] }, auxData: bobsToken, resource: { kind: 'contact', id: 'def456', attr: { owner: 'other_user_id' } }, actions: ACTIONS });
      expect(one.actions).toEqual(USER_EFFECTS.def456);
    });

    it('keeps a principal the request names, as Cerbos does: the token then only feeds request.auxData.jwt', async () => {
      const bob = sub('bob@example.com');
      // Bob's token, but the request says admin: Cerbos goes by the request's principal.
      const named = await cerbos.checkResources({
        principal: { id: bob, roles: ['admin'] },
        auxData: { jwt: { token: tokens['bob@example.com']!.idToken } },
        resources: contacts(bob),
      });
      expect(effects(named)).toEqual(ADMIN_EFFECTS);
    });

    it('refuses a tampered, expired, unknown-pool or malformed token with INVALID_ARGUMENT', async () => {
      const check = (token: string, principal: Principal = { id: '', roles: [] }) => cerbos.checkResources({ principal, auxData: { jwt: { token } }, resources: contacts('x') });

      // Bob's ID token made to say admin: the signature no longer holds.
      const { idToken } = tokens['bob@example.com']!;
      const [header, , signature] = idToken.split('.');
      const forged = [header, Buffer.from(JSON.stringify({ ...decodeJwt(idToken), 'cognito:groups': ['admin'] })).toString('base64url'), signature].join('.');
      await expect(check(forged)).rejects.toMatchObject(INVALID_ARGUMENT);
      // Also when the principal is named in the request: a bad token is a bad request.
      await expect(check(forged, { id: sub('bob@example.com'), roles: ['user'] })).rejects.toMatchObject(INVALID_ARGUMENT);
      await expect(check('not-a-jwt')).rejects.toMatchObject(INVALID_ARGUMENT);

      // A token of a pool this Tessera never had: another Tessera's.
      const elsewhere = await startTestServer();
      try {
        const other = await setUpPool(elsewhere.admin, [{ email: 'bob@example.com', groups: ['admin'] }]);
        const foreign = await signIn(elsewhere.anonymous, other.clientId, 'bob@example.com');
        expect(decodeJwt(foreign.idToken)['cognito:groups']).toEqual(['admin']);
        await expect(check(foreign.idToken)).rejects.toMatchObject(INVALID_ARGUMENT);
        await expect(check(foreign.accessToken)).rejects.toMatchObject(INVALID_ARGUMENT);
      } finally {
        await elsewhere.close();
      }

      // A token of a pool that has since been deleted.
      const gone = await setUpPool(s.admin, [{ email: 'dan@example.com', groups: ['admin'] }]);
      const orphan = await signIn(s.anonymous, gone.clientId, 'dan@example.com');
      expect((await check(orphan.idToken)).results).toHaveLength(2);
      await s.admin.send(new DeleteUserPoolCommand({ UserPoolId: gone.poolId }));
      await expect(check(orphan.idToken)).rejects.toMatchObject(INVALID_ARGUMENT);

      // An expired token: an hour and a bit later.
      const fresh = await signIn(s.anonymous, pool.clientId, 'carol@example.com');
      expect((await check(fresh.idToken)).results).toHaveLength(2);
      const now = clock.now();
      clock.advance(3600_000 + 60_000);
      try {
        await expect(check(fresh.idToken)).rejects.toMatchObject(INVALID_ARGUMENT);
        await expect(check(fresh.accessToken)).rejects.toMatchObject(INVALID_ARGUMENT);
      } finally {
        clock.set(now);
      }
      expect((await check(fresh.idToken)).results).toHaveLength(2);

      // On the wire: Cerbos' 400 shape.
      const raw = await fetch(`${s.url}/api/check/resources`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ principal: { id: '', roles: [] }, auxData: { jwt: { token: forged } }, resources: contacts('x') }),
      });
      expect(raw.status).toBe(400);
      expect(raw.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await raw.json()).toMatchObject({ code: 3, message: expect.any(String) });
    });

    it('refuses, as Cerbos does, a request with neither a principal id nor a token', async () => {
      await expect(cerbos.checkResources({ principal: { id: '', roles: ['user'] }, resources: contacts('x') })).rejects.toMatchObject(INVALID_ARGUMENT);
    });

    it('lets conditions read the token claims as request.auxData.jwt', async () => {
      // A policy of its own, in a directory of its own, next to the seed's.
      const dir = mkdtempSync(join(tmpdir(), 'tessera-cerbos-aux-'));
      writeFileSync(
        join(dir, 'mailbox.yaml'),
        `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: mailbox
  rules:
    - actions: ["read"]
      effect: EFFECT_ALLOW
      roles: ["*"]
      condition:
        match:
          all:
            of:
              - expr: request.auxData.jwt.email == request.resource.attr.address
              - expr: '"user" in request.auxData.jwt["cognito:groups"]'
`,
      );
      const aux = await startTestServer({ cerbos: { policiesDir: dir } });
      try {
        const p = await setUpPool(aux.admin, [
          { email: 'bob@example.com', groups: ['user'] },
          { email: 'alice@example.com', groups: ['admin'] },
        ]);
        const bob = await signIn(aux.anonymous, p.clientId, 'bob@example.com');
        const alice = await signIn(aux.anonymous, p.clientId, 'alice@example.com');
        const client = new HTTP(aux.url);
        const read = (token: string, address: string, principal: Principal = { id: '', roles: [] }) =>
          client.isAllowed({ principal, auxData: { jwt: { token } }, resource: { kind: 'mailbox', id: address, attr: { address } }, action: 'read' });
        expect(await read(bob.idToken, 'bob@example.com')).toBe(true);
        expect(await read(bob.idToken, 'alice@example.com')).toBe(false);
        // Alice's own mailbox, but she is not in `user`.
        expect(await read(alice.idToken, 'alice@example.com')).toBe(false);
        // A principal named in the request: the conditions still read the token.
        expect(await read(bob.idToken, 'bob@example.com', { id: 'someone', roles: ['guest'] })).toBe(true);
        expect(await read(alice.idToken, 'bob@example.com', { id: 'someone', roles: ['guest'] })).toBe(false);
      } finally {
        await aux.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('query plans', () => {
    it("plans update for a user as a filter on the contact's owner, and for an admin as always allowed", async () => {
      const bob = principalFromIdToken(tokens['bob@example.com']!.idToken);
      const plan = await cerbos.planResources({ principal: bob, resource: { kind: 'contact' }, action: 'update' });
      expect(plan).toMatchObject({ kind: 'KIND_CONDITIONAL', validationErrors: [] });
      expect('condition' in plan && plan.condition).toEqual({ operator: 'eq', operands: [{ name: 'request.resource.attr.owner' }, { value: bob.id }] });

      const withMeta = await cerbos.planResources({ principal: bob, resource: { kind: 'contact' }, action: 'delete', includeMetadata: true });
      expect(withMeta.kind).toBe('KIND_CONDITIONAL');
      expect(withMeta.metadata).toMatchObject({ conditionString: `(eq request.resource.attr.owner "${bob.id}")`, matchedScope: '' });

      const alice = principalFromIdToken(tokens['alice@example.com']!.idToken);
      expect(await cerbos.planResources({ principal: alice, resource: { kind: 'contact' }, action: 'update' })).toMatchObject({ kind: 'KIND_ALWAYS_ALLOWED' });
      expect(await cerbos.planResources({ principal: bob, resource: { kind: 'contact' }, action: 'read' })).toMatchObject({ kind: 'KIND_ALWAYS_ALLOWED' });
      expect(await cerbos.planResources({ principal: { id: 'v', roles: ['viewer'] }, resource: { kind: 'contact' }, action: 'read' })).toMatchObject({ kind: 'KIND_ALWAYS_DENIED' });
    });

    it('plans for a principal built from auxData.jwt', async () => {
      const plan = await cerbos.planResources({ principal: { id: '', roles: [] }, auxData: { jwt: { token: tokens['carol@example.com']!.idToken } }, resource: { kind: 'contact' }, action: 'update' });
      expect(plan.kind).toBe('KIND_CONDITIONAL');
      expect('condition' in plan && plan.condition).toEqual({ operator: 'eq', operands: [{ name: 'request.resource.attr.owner' }, { value: sub('carol@example.com') }] });
      const admin = await cerbos.planResources({ principal: { id: '', roles: [] }, auxData: { jwt: { token: tokens['alice@example.com']!.accessToken } }, resource: { kind: 'contact' }, action: 'delete' });
      expect(admin.kind).toBe('KIND_ALWAYS_ALLOWED');
    });
  });

  it('records every check in the decision log', async () => {
    const carol = sub('carol@example.com');
    // Contacts of their own, so that this test's records are told apart from earlier ones.
    const resources = [
      { resource: { kind: 'contact', id: 'log-own', attr: { owner: carol } }, actions: ACTIONS },
      { resource: { kind: 'contact', id: 'log-other', attr: { owner: 'other_user_id' } }, actions: ACTIONS },
    ];
    await cerbos.checkResources({ principal: { id: '', roles: [] }, auxData: { jwt: { token: tokens['carol@example.com']!.idToken } }, resources });
    await cerbos.checkResources({ principal: principalFromIdToken(tokens['carol@example.com']!.idToken), resources });
    await s.tessera.decisions.flush();
    const log = await s.tessera.decisions.query({ engine: 'cerbos', principal: carol, limit: 500 });
    const of = (action: string, id: string) => log.filter((d) => d.action === action && new RegExp(`\\b${id}$`).test(d.resource));
    for (const action of ACTIONS) {
      const own = of(action, 'log-own');
      // Once per request: from the token, and from the app-built principal.
      expect(own).toHaveLength(2);
      for (const d of own) expect(d).toMatchObject({ engine: 'cerbos', principal: carol, decision: 'ALLOW', determiningPolicies: ['resource.contact.vdefault'], errors: [] });
    }
    expect(of('read', 'log-other')).toHaveLength(2);
    expect(of('read', 'log-other').every((d) => d.decision === 'ALLOW')).toBe(true);
    for (const action of ['update', 'delete']) {
      const other = of(action, 'log-other');
      expect(other).toHaveLength(2);
      for (const d of other) expect(d).toMatchObject({ principal: carol, decision: 'DENY' });
    }
    expect(of('update', 'log-other')[0]!.resource).toMatch(/contact.*log-other/);
    expect(log.every((d) => d.engine === 'cerbos' && d.latencyMicros >= 0)).toBe(true);

    // Filtered by decision.
    const denied = await s.tessera.decisions.query({ engine: 'cerbos', principal: carol, decision: 'DENY', limit: 500 });
    expect(denied.filter((d) => /\blog-other$/.test(d.resource))).toHaveLength(4);
    expect(denied.every((d) => d.decision === 'DENY')).toBe(true);
  });
});
