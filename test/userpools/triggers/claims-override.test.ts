import { describe, expect, it } from 'vitest';
import { applyTokenOverride, claimRestriction, RESERVED_CLAIMS, type TokenClaimsPlan } from '../../../src/userpools/triggers/claims-override.ts';
import { readPreTokenGenerationResponse } from '../../../src/userpools/triggers/pre-token-generation.ts';

const plan: TokenClaimsPlan = {
  idClaims: { email: 'jane@example.com', email_verified: true, name: 'Jane', 'cognito:roles': ['arn:aws:iam::1:role/a'], 'cognito:preferred_role': 'arn:aws:iam::1:role/a' },
  accessClaims: {},
  groups: ['admins'],
  scopes: ['openid', 'email', 'aws.cognito.signin.user.admin'],
};

/** Applies a V1_0 response. */
function v1(details: unknown) {
  return applyTokenOverride(plan, readPreTokenGenerationResponse({ claimsOverrideDetails: details }, 'V1_0'));
}

/** Applies a V2_0 response. */
function v2(details: unknown) {
  return applyTokenOverride(plan, readPreTokenGenerationResponse({ claimsAndScopeOverrideDetails: details }, 'V2_0'));
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  throw new Error('expected the response to be refused');
}

describe('claims a pre token generation function cannot touch', () => {
  it('include the documented list', () => {
    for (const claim of ['acr', 'amr', 'aud', 'at_hash', 'auth_time', 'azp', 'cognito:username', 'exp', 'iat', 'identities', 'iss', 'jti', 'nbf', 'nonce', 'origin_jti', 'sub', 'token_use']) {
      expect(RESERVED_CLAIMS).toContain(claim);
    }
  });

  const cases: Array<{ token: 'id' | 'access'; claim: string }> = [
    ...RESERVED_CLAIMS.flatMap((claim) => [
      { token: 'id' as const, claim },
      { token: 'access' as const, claim },
    ]),
    { token: 'id', claim: 'dev:custom:secret' },
    { token: 'id', claim: 'cognito:groups' },
    { token: 'id', claim: 'cognito:roles' },
    { token: 'id', claim: 'cognito:preferred_role' },
    { token: 'access', claim: 'cognito:groups' },
    { token: 'id', claim: 'event_id' },
    { token: 'access', claim: 'event_id' },
    { token: 'access', claim: 'client_id' },
    { token: 'access', claim: 'username' },
    { token: 'access', claim: 'scope' },
    { token: 'access', claim: 'version' },
  ];

  it.each(cases)('leaves $claim in the $token token alone when the function adds it, and reports it', ({ token, claim }) => {
    const generation = { claimsToAddOrOverride: { [claim]: 'forged' } };
    const result = v2(token === 'id' ? { idTokenGeneration: generation } : { accessTokenGeneration: generation });
    const claims = token === 'id' ? result.idClaims : result.accessClaims;
    const original = token === 'id' ? plan.idClaims : plan.accessClaims;
    expect(claims[claim]).toEqual(original[claim]);
    expect(result.ignored).toEqual([{ token, action: 'add', name: claim, reason: claimRestriction(token, claim) }]);
  });

  it.each(cases)('leaves $claim in the $token token alone when the function suppresses it, and reports it', ({ token, claim }) => {
    const generation = { claimsToSuppress: [claim] };
    const result = v2(token === 'id' ? { idTokenGeneration: generation } : { accessTokenGeneration: generation });
    expect(token === 'id' ? result.idClaims : result.accessClaims).toEqual(token === 'id' ? plan.idClaims : plan.accessClaims);
    expect(result.groups).toEqual(plan.groups);
    expect(result.ignored).toEqual([{ token, action: 'suppress', name: claim, reason: claimRestriction(token, claim) }]);
  });

  it.each(RESERVED_CLAIMS.map((claim) => ({ claim })))('ignores $claim in a V1_0 response too', ({ claim }) => {
    const result = v1({ claimsToAddOrOverride: { [claim]: 'forged' }, claimsToSuppress: [claim] });
    expect(result.idClaims).toEqual(plan.idClaims);
    expect(result.ignored.map((i) => i.action)).toEqual(['add', 'suppress']);
  });

  it('may change claims anyone may change, such as email or a new one', () => {
    for (const claim of ['email', 'name', 'custom:tenant', 'tenant', 'https://example.com/roles']) {
      expect(claimRestriction('id', claim)).toBeUndefined();
      expect(claimRestriction('access', claim)).toBeUndefined();
    }
  });
});

describe('applying a V1_0 response', () => {
  it('adds and overrides ID token claims', () => {
    const result = v1({ claimsToAddOrOverride: { tenant: 'acme', name: 'Janet' } });
    expect(result.idClaims).toEqual({ ...plan.idClaims, tenant: 'acme', name: 'Janet' });
  });

  it('suppresses ID token claims', () => {
    expect(v1({ claimsToSuppress: ['email', 'name'] }).idClaims).not.toHaveProperty('email');
  });

  it('suppresses a claim it also adds, as Cognito does', () => {
    const result = v1({ claimsToAddOrOverride: { nickname: 'JJ' }, claimsToSuppress: ['nickname'] });
    expect(result.idClaims).not.toHaveProperty('nickname');
  });

  it('does not touch the access token or the scopes', () => {
    const result = v1({ claimsToAddOrOverride: { tenant: 'acme' } });
    expect(result.accessClaims).toEqual({});
    expect(result.scopes).toEqual(plan.scopes);
  });

  it('reads numbers and booleans as strings', () => {
    expect(v1({ claimsToAddOrOverride: { level: 3, admin: false } }).idClaims).toMatchObject({ level: '3', admin: 'false' });
  });

  it('refuses arrays and objects as claim values', () => {
    expect(refusal(() => v1({ claimsToAddOrOverride: { roles: ['a'] } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
    expect(refusal(() => v1({ claimsToAddOrOverride: { profile: { a: 1 } } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it('refuses a V2_0-shaped response', () => {
    expect(refusal(() => readPreTokenGenerationResponse({ claimsAndScopeOverrideDetails: {} }, 'V1_0'))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it('changes nothing when the function left claimsOverrideDetails null', () => {
    const result = v1(null);
    expect(result).toEqual({ ...plan, ignored: [] });
  });

  it('drops a claim set to null instead of adding it', () => {
    expect(v1({ claimsToAddOrOverride: { tenant: null } }).idClaims).not.toHaveProperty('tenant');
  });
});

describe('overriding groups', () => {
  it('keeps groups and roles when groupOverrideDetails is absent', () => {
    const result = v1({ claimsToAddOrOverride: { a: 'b' } });
    expect(result.groups).toEqual(['admins']);
    expect(result.idClaims['cognito:roles']).toEqual(['arn:aws:iam::1:role/a']);
  });

  it('replaces groups, roles and the preferred role with the ones given', () => {
    const result = v1({ groupOverrideDetails: { groupsToOverride: ['group-A', 'group-B'], iamRolesToOverride: ['arn:aws:iam::1:role/x'], preferredRole: 'arn:aws:iam::1:role/x' } });
    expect(result.groups).toEqual(['group-A', 'group-B']);
    expect(result.idClaims['cognito:roles']).toEqual(['arn:aws:iam::1:role/x']);
    expect(result.idClaims['cognito:preferred_role']).toBe('arn:aws:iam::1:role/x');
  });

  it('suppresses groups and roles for a null groupOverrideDetails', () => {
    const result = v1({ groupOverrideDetails: null });
    expect(result.groups).toEqual([]);
    expect(result.idClaims).not.toHaveProperty('cognito:roles');
    expect(result.idClaims).not.toHaveProperty('cognito:preferred_role');
  });

  it('suppresses groups and roles for an empty groupOverrideDetails', () => {
    const result = v2({ groupOverrideDetails: {} });
    expect(result.groups).toEqual([]);
    expect(result.idClaims).not.toHaveProperty('cognito:roles');
  });

  it('drops the roles a replacement does not name', () => {
    const result = v2({ groupOverrideDetails: { groupsToOverride: ['readers'] } });
    expect(result.groups).toEqual(['readers']);
    expect(result.idClaims).not.toHaveProperty('cognito:roles');
    expect(result.idClaims).not.toHaveProperty('cognito:preferred_role');
  });
});

describe('applying a V2_0 response', () => {
  it('customizes the ID and access tokens separately', () => {
    const result = v2({
      idTokenGeneration: { claimsToAddOrOverride: { family_name: 'Doe' }, claimsToSuppress: ['email'] },
      accessTokenGeneration: { claimsToAddOrOverride: { tenant: 'acme' }, claimsToSuppress: ['unknown'] },
    });
    expect(result.idClaims).toMatchObject({ family_name: 'Doe' });
    expect(result.idClaims).not.toHaveProperty('email');
    expect(result.idClaims).not.toHaveProperty('tenant');
    expect(result.accessClaims).toEqual({ tenant: 'acme' });
  });

  it.each([
    { kind: 'a string', value: 'x' },
    { kind: 'a number', value: 42 },
    { kind: 'a boolean', value: true },
    { kind: 'an array of scalars', value: ['a', 1, false] },
    { kind: 'a JSON object', value: { principal_tags: { TenantID: ['t1'] }, n: null } },
  ])('accepts $kind as a claim value in either token', ({ value }) => {
    const result = v2({ idTokenGeneration: { claimsToAddOrOverride: { c: value } }, accessTokenGeneration: { claimsToAddOrOverride: { c: value } } });
    expect(result.idClaims.c).toEqual(value);
    expect(result.accessClaims.c).toEqual(value);
  });

  it('refuses an array of objects as a claim value', () => {
    expect(refusal(() => v2({ accessTokenGeneration: { claimsToAddOrOverride: { c: [{ a: 1 }] } } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it.each(['email_verified', 'phone_number_verified', 'updated_at', 'address'])('refuses an object or array for %s in the ID token', (claim) => {
    expect(refusal(() => v2({ idTokenGeneration: { claimsToAddOrOverride: { [claim]: { formatted: 'x' } } } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
    expect(refusal(() => v2({ idTokenGeneration: { claimsToAddOrOverride: { [claim]: ['x'] } } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it.each(['email_verified', 'phone_number_verified', 'updated_at', 'address'])('accepts a scalar for %s in the ID token and an object in the access token', (claim) => {
    const result = v2({ idTokenGeneration: { claimsToAddOrOverride: { [claim]: 'x' } }, accessTokenGeneration: { claimsToAddOrOverride: { [claim]: { formatted: 'x' } } } });
    expect(result.idClaims[claim]).toBe('x');
    expect(result.accessClaims[claim]).toEqual({ formatted: 'x' });
  });

  it('adds and suppresses scopes', () => {
    const result = v2({ accessTokenGeneration: { scopesToAdd: ['api/read', 'openid'], scopesToSuppress: ['aws.cognito.signin.user.admin'] } });
    expect(result.scopes).toEqual(['openid', 'email', 'api/read']);
  });

  it('suppresses a scope it also adds', () => {
    expect(v2({ accessTokenGeneration: { scopesToAdd: ['api/write'], scopesToSuppress: ['api/write'] } }).scopes).toEqual(plan.scopes);
  });

  it('does not add a scope containing whitespace, and reports it', () => {
    const result = v2({ accessTokenGeneration: { scopesToAdd: ['api/read api/write', ''] } });
    expect(result.scopes).toEqual(plan.scopes);
    expect(result.ignored.map((i) => [i.action, i.name])).toEqual([
      ['addScope', 'api/read api/write'],
      ['addScope', ''],
    ]);
  });

  it('refuses a V1_0-shaped response', () => {
    expect(refusal(() => readPreTokenGenerationResponse({ claimsOverrideDetails: {} }, 'V2_0'))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it('refuses a member Cognito does not know', () => {
    expect(refusal(() => v2({ accessTokenGeneration: { scopes: ['a'] } }))).toBe('InvalidLambdaResponseException: Unrecognizable lambda output');
  });

  it('changes nothing when the function left claimsAndScopeOverrideDetails null', () => {
    expect(v2(null)).toEqual({ ...plan, ignored: [] });
  });

  it('reads a V3_0 response like a V2_0 one', () => {
    const override = readPreTokenGenerationResponse({ claimsAndScopeOverrideDetails: { accessTokenGeneration: { scopesToAdd: ['m2m/read'] } } }, 'V3_0');
    expect(applyTokenOverride(plan, override).scopes).toContain('m2m/read');
  });

  it('cannot set a prototype through a claim named __proto__', () => {
    const result = applyTokenOverride(plan, {
      id: { claimsToAddOrOverride: JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>, claimsToSuppress: [] },
      access: { claimsToAddOrOverride: {}, claimsToSuppress: [], scopesToAdd: [], scopesToSuppress: [] },
      groups: undefined,
    });
    expect(Object.getPrototypeOf(result.idClaims)).toBe(Object.prototype);
    expect((result.idClaims as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('does not change the plan it was given', () => {
    const before = structuredClone(plan);
    v2({ idTokenGeneration: { claimsToSuppress: ['email'] }, groupOverrideDetails: null, accessTokenGeneration: { scopesToAdd: ['x'] } });
    expect(plan).toEqual(before);
  });
});
