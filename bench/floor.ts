import { generateKeyPair, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { verifyPassword } from '../src/crypto/passwords.ts';
import { closedLoop, type ThroughputRun } from './throughput.ts';

const generateRsa = promisify(generateKeyPair);

export interface FloorKeys {
  id: { kid: string; privateKey: KeyObject };
  access: { kid: string; privateKey: KeyObject };
}

/** Two 2048-bit RSA keys, one per token kind, as Tessera keeps them (KeyObjects handed to jose). */
export async function floorKeys(): Promise<FloorKeys> {
  const [id, access] = await Promise.all([generateRsa('rsa', { modulusLength: 2048 }), generateRsa('rsa', { modulusLength: 2048 })]);
  return { id: { kid: 'floor-id', privateKey: id.privateKey }, access: { kid: 'floor-access', privateKey: access.privateKey } };
}

export interface FloorUser {
  username: string;
  passwordHash: string;
  attributes: Record<string, string>;
}

/**
 * The least work any server must do for a password sign-in: one argon2id verification and two RS256
 * signatures over Cognito-shaped ID and access token payloads. No HTTP, no database.
 */
export async function floorLogin(user: FloorUser, password: string, keys: FloorKeys): Promise<void> {
  if (!(await verifyPassword(user.passwordHash, password))) throw new Error(`floor: password did not verify for ${user.username}`);
  const iat = Math.floor(Date.now() / 1000);
  const iss = 'http://127.0.0.1/us-east-1_FloorPool';
  const sub = user.attributes.sub ?? randomUUID();
  const originJti = randomUUID();
  const eventId = randomUUID();
  await new SignJWT({
    sub,
    iss,
    client_id: 'floorclientid0000000000000',
    origin_jti: originJti,
    event_id: eventId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: iat,
    exp: iat + 3600,
    iat,
    jti: randomUUID(),
    username: user.username,
  })
    .setProtectedHeader({ kid: keys.access.kid, alg: 'RS256' })
    .sign(keys.access.privateKey);
  const { sub: _sub, ...claims } = user.attributes;
  await new SignJWT({
    ...claims,
    email_verified: claims.email_verified === 'true',
    sub,
    iss,
    'cognito:username': user.username,
    origin_jti: originJti,
    aud: 'floorclientid0000000000000',
    event_id: eventId,
    token_use: 'id',
    auth_time: iat,
    exp: iat + 3600,
    iat,
    jti: randomUUID(),
  })
    .setProtectedHeader({ kid: keys.id.kid, alg: 'RS256' })
    .sign(keys.id.privateKey);
}

/**
 * Runs `floorLogin` from `connections` concurrent loops for `durationMs` (the same concurrency the
 * HTTP load uses, since argon2 runs on libuv's threadpool). Only logins that finish inside the window
 * count, as for the HTTP run.
 */
export async function runFloor(o: { connections: number; durationMs: number; users: FloorUser[]; password: string; keys: FloorKeys }): Promise<ThroughputRun> {
  let next = 0;
  return closedLoop(o.connections, o.durationMs, () => floorLogin(o.users[next++ % o.users.length]!, o.password, o.keys));
}
