import { createTessera, type Tessera } from '../../../src/app.ts';
import type { Clock } from '../../../src/util/clock.ts';

/** A Tessera without HTTP, on the given database: the domain services as the adapters see them. */
export function domain(db: string, clock?: Clock): Promise<Tessera> {
  return createTessera({ db, region: 'us-east-1', publicUrl: 'http://127.0.0.1', issuerStyle: 'tessera', ...(clock && { clock }) });
}

/** A pool with one client and users, signed in with the password flow; returns their tokens. */
export async function poolWithUsers(t: Tessera, users: Array<{ username: string; groups?: string[]; attributes?: Record<string, string> }>) {
  const up = t.userPools;
  const pool = await up.pools.createPool({ PoolName: `p${Math.random().toString(36).slice(2, 8)}`, Schema: [{ Name: 'costCenter', AttributeDataType: 'String', Mutable: true }] } as never);
  const client = await up.pools.createClient(pool.id, { ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] } as never);
  const tokens: Record<string, { id: string; access: string; refresh: string }> = {};
  for (const u of users) {
    await up.users.createUser(pool.id, { Username: u.username, MessageAction: 'SUPPRESS', UserAttributes: Object.entries(u.attributes ?? {}).map(([Name, Value]) => ({ Name, Value })) } as never);
    await up.users.setPassword(pool.id, u.username, 'Passw0rd!', true);
    for (const g of u.groups ?? []) {
      await up.users.createGroup(pool.id, { GroupName: g } as never).catch(() => undefined);
      await up.users.addUserToGroup(pool.id, u.username, g);
    }
    const step = await up.auth.initiateAuth({ ClientId: client.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: u.username, PASSWORD: 'Passw0rd!' } } as never, { admin: false });
    const r = step.AuthenticationResult!;
    tokens[u.username] = { id: r.IdToken!, access: r.AccessToken!, refresh: r.RefreshToken! };
  }
  return { pool, client, tokens };
}
