import { describe, expect, it } from 'vitest';
import type { Group } from '../../src/userpools/model.ts';
import { roleClaimsOf } from '../../src/userpools/session-issuer.ts';

const group = (name: string, precedence: number | null, roleArn: string | null): Group => ({ poolId: 'p', name, description: null, roleArn, precedence, createdAt: 0, updatedAt: 0 });
const ROLE_A = 'arn:aws:iam::000000000000:role/a';
const ROLE_B = 'arn:aws:iam::000000000000:role/b';

describe('role claims from groups', () => {
  it('adds no role claims when no group has a role', () => {
    expect(roleClaimsOf([group('g', 1, null)])).toEqual({});
  });

  it('prefers the role of the group with the lowest precedence value', () => {
    expect(roleClaimsOf([group('low', 1, ROLE_A), group('high', 5, ROLE_B)])).toEqual({ 'cognito:roles': [ROLE_A, ROLE_B], 'cognito:preferred_role': ROLE_A });
  });

  it('prefers no role when groups tied for lowest precedence have different roles', () => {
    expect(roleClaimsOf([group('x', 1, ROLE_A), group('y', 1, ROLE_B)])).toEqual({ 'cognito:roles': [ROLE_A, ROLE_B] });
  });

  it('prefers the shared role when groups tied for lowest precedence have the same one', () => {
    expect(roleClaimsOf([group('x', 1, ROLE_A), group('y', 1, ROLE_A), group('z', 2, ROLE_B)])).toMatchObject({ 'cognito:preferred_role': ROLE_A });
  });

  it('ranks groups without a precedence after every group with one', () => {
    expect(roleClaimsOf([group('none', null, ROLE_B), group('some', 100, ROLE_A)])).toMatchObject({ 'cognito:preferred_role': ROLE_A });
  });
});
