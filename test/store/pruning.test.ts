import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTessera, type Tessera } from '../../src/app.ts';
import { ManualClock } from '../../src/util/clock.ts';
import { backends, freshDatabase } from '../support/databases.ts';

describe.each(backends())('pruning expired records on %s', (backend) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  let t: Tessera;
  let drop: () => Promise<void>;
  let poolId: string;
  let clientId: string;

  beforeAll(async () => {
    const db = await freshDatabase(backend);
    drop = db.drop;
    t = await createTessera({ db: db.url, region: 'us-east-1', publicUrl: 'http://x', issuerStyle: 'tessera', clock });
    poolId = (await t.userPools.pools.createPool({ PoolName: 'prune' })).id;
    clientId = (await t.userPools.pools.createClient(poolId, { ClientName: 'c', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'], RefreshTokenValidity: 1 })).clientId;
    await t.userPools.users.createUser(poolId, { Username: 'fay', MessageAction: 'SUPPRESS' });
    await t.userPools.users.setPassword(poolId, 'fay', 'Passw0rd!', true);
  });
  afterAll(async () => {
    await t?.close();
    await drop?.();
  });

  const signIn = () => t.userPools.auth.initiateAuth({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'fay', PASSWORD: 'Passw0rd!' } }, { admin: false });
  const refresh = (token: string) => t.userPools.auth.initiateAuth({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: token } }, { admin: false });

  it('keeps live sessions and removes those that ended more than a day ago', async () => {
    const old = (await signIn()).AuthenticationResult!.RefreshToken!;
    clock.advance(2 * 86_400_000 + 1000);
    const live = (await signIn()).AuthenticationResult!.RefreshToken!;
    await expect(refresh(old)).rejects.toMatchObject({ message: 'Refresh Token has expired' });
    await t.prune();
    await expect(refresh(old)).rejects.toMatchObject({ message: 'Invalid Refresh Token' });
    await expect(refresh(live)).resolves.toMatchObject({ AuthenticationResult: expect.anything() });
  });

  it('drops retired signing keys once their publication ends, never the active ones', async () => {
    const before = (await t.keys.jwks(poolId)).keys.map((k) => k.kid);
    await t.userPools.pools.rotateSigningKeys(poolId);
    expect((await t.keys.jwks(poolId)).keys).toHaveLength(4);
    clock.advance(2 * 3600_000);
    await t.prune();
    t.keys.forget(poolId);
    const after = (await t.keys.jwks(poolId)).keys.map((k) => k.kid);
    expect(after).toHaveLength(2);
    expect(after.some((kid) => before.includes(kid))).toBe(false);
  });
});
