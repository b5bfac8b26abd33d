import { createHash, randomBytes } from 'node:crypto';
import { hashPassword } from '../src/crypto/passwords.ts';
import { settle } from './machine.ts';
import { floorKeys, runFloor, type FloorUser } from './floor.ts';
import { PASSWORD, seedUsers, username } from './seed.ts';
import { withSqliteServer } from './server.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { closedLoop, combine, perSecond, type ThroughputRun } from './throughput.ts';

export interface OAuthFlowBenchOptions {
  connections: number;
  users: number;
  windowMs: number;
  pattern: Array<'floor' | 'tessera'>;
  warmupMs: number;
}

export interface OAuthFlowBenchResult {
  connections: number;
  users: number;
  windowMs: number;
  pattern: string;
  floor: { flowsPerSecond: number; latencyMs: LatencySummary };
  tessera: { flowsPerSecond: number; latencyMs: LatencySummary; failed: number; otherLoadPercent: number };
  /** floor throughput / Tessera throughput − 1, in percent. */
  overheadPercent: number;
}

const CALLBACK = 'http://localhost:8000/callback';

/**
 * The whole authorization code flow over HTTP, as a browser-less client drives it: authorize (302
 * to the login page), the login page (CSRF token), the login form (302 with a code), and the PKCE
 * code exchange at the token endpoint — against the same floor as a sign-in (one argon2id verify
 * and two RS256 signatures), at the same concurrency, in alternating windows.
 */
export async function runOAuthFlowBench(o: OAuthFlowBenchOptions, log: (line: string) => void): Promise<OAuthFlowBenchResult> {
  return withSqliteServer(async (server) => {
    const t = server.tessera;
    const pool = await t.userPools.pools.createPool({ PoolName: 'oauth-bench' });
    const client = await t.userPools.pools.createClient(pool.id, {
      ClientName: 'spa',
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email'],
      CallbackURLs: [CALLBACK],
    });
    const hashes = await Promise.all(Array.from({ length: o.users }, () => hashPassword(PASSWORD)));
    await seedUsers(t, pool, { from: 0, to: o.users }, (i) => hashes[i]!);
    const base = `${server.url}/${pool.id}`;
    const floorUsers: FloorUser[] = [];
    for (let i = 0; i < o.users; i++) {
      const user = (await t.userPools.directory.findBySignInName(pool, username(i)))!;
      floorUsers.push({ username: user.username, passwordHash: user.passwordHash!, attributes: user.attributes });
    }
    const keys = await floorKeys();
    let next = 0;
    const flow = () => oneFlow(base, client.clientId, username(next++ % o.users));
    await flow();

    const tesseraWindow = (durationMs: number) => closedLoop(o.connections, durationMs, flow);
    const floorWindow = (durationMs: number) => runFloor({ connections: o.connections, durationMs, users: floorUsers, password: PASSWORD, keys });
    log(`  warm-up: ${o.warmupMs / 1000}s flows`);
    await tesseraWindow(o.warmupMs);
    await settle();

    const floorRuns: ThroughputRun[] = [];
    const tesseraRuns: ThroughputRun[] = [];
    for (const side of o.pattern) {
      const run = side === 'floor' ? await floorWindow(o.windowMs) : await tesseraWindow(o.windowMs);
      await settle();
      (side === 'floor' ? floorRuns : tesseraRuns).push(run);
      const s = summarize(run.latencies);
      log(`  ${side.padEnd(7)} ${round(perSecond(run), 1)} flows/s  p50 ${round(s.p50, 1)} ms  p99 ${round(s.p99, 1)} ms${run.failed ? `  (${run.failed} failed)` : ''}`);
    }
    const floor = combine(floorRuns);
    const tessera = combine(tesseraRuns);
    const lat = (r: ThroughputRun) => {
      const s = summarize(r.latencies);
      return { ...s, p50: round(s.p50), p99: round(s.p99), mean: round(s.mean), max: round(s.max) };
    };
    return {
      connections: o.connections,
      users: o.users,
      windowMs: o.windowMs,
      pattern: o.pattern.map((p) => (p === 'floor' ? 'F' : 'T')).join(''),
      floor: { flowsPerSecond: round(perSecond(floor), 1), latencyMs: lat(floor) },
      tessera: { flowsPerSecond: round(perSecond(tessera), 1), latencyMs: lat(tessera), failed: tessera.failed, otherLoadPercent: round(tessera.cpu.otherLoadPercent, 1) },
      overheadPercent: round((perSecond(floor) / perSecond(tessera) - 1) * 100, 1),
    };
  });
}

/** One browser-less sign-in through the hosted UI and the code exchange; throws unless it ends with tokens. */
async function oneFlow(base: string, clientId: string, user: string): Promise<void> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CALLBACK, scope: 'openid email', state, code_challenge: challenge, code_challenge_method: 'S256' });
  const authorize = await fetch(`${base}/oauth2/authorize?${query}`, { redirect: 'manual' });
  await authorize.arrayBuffer();
  const loginUrl = new URL(authorize.headers.get('location')!, `${base}/oauth2/authorize`);
  const page = await fetch(loginUrl, { redirect: 'manual' });
  const html = await page.text();
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf) throw new Error(`no CSRF token on the login page (${page.status})`);
  const login = await fetch(loginUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: csrf, username: user, password: PASSWORD }),
  });
  await login.arrayBuffer();
  const code = new URL(login.headers.get('location') ?? 'http://x/').searchParams.get('code');
  if (!code) throw new Error(`login did not redirect with a code (${login.status})`);
  const token = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: CALLBACK, code_verifier: verifier }),
  });
  const tokens = (await token.json()) as { id_token?: string; access_token?: string };
  if (!tokens.id_token || !tokens.access_token) throw new Error(`token exchange failed (${token.status})`);
}
