import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { cpus } from 'node:os';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createLocalJWKSet, decodeJwt, type JSONWebKeySet, jwtVerify } from 'jose';
import { LoadGenerator, type WireRequest } from './load.ts';
import { settle } from './machine.ts';
import {
  fixed,
  measureSides,
  ratioText,
  type SideRatio,
  type SideSummary,
  type SideTarget,
  sideNotes,
  sideRatio,
  startTesseraProcess,
  summarizeSide,
} from './rbac.ts';
import { table } from './report.ts';
import { round } from './stats.ts';
import { closedLoop } from './throughput.ts';

/** `direct`: the upstream itself; `none`: through the gateway, authorizer `none`; `groups`: through the gateway, a `groups` authorizer and a real access token. */
export type GatewaySideName = 'direct' | 'none' | 'groups';

export interface GatewayBenchOptions {
  /** Concurrent connections of autocannon, the same for every side. */
  connections: number;
  /** Length of each measured window (whole seconds: autocannon counts in seconds). */
  windowMs: number;
  /** Order of the measured windows, e.g. D N G G N D, so linear drift falls on every side alike. */
  pattern: GatewaySideName[];
  /** Warm-up of each side before the measured windows (direct gets a third of it, at least 1s). */
  warmupMs: number;
  /** Users who sign in for access tokens; requests use their tokens round-robin. */
  users: number;
  /** Distinct requests, replayed round-robin. */
  distinctRequests: number;
}

export interface GatewayBenchResult {
  connections: number;
  windowMs: number;
  pattern: string;
  cpus: number;
  users: number;
  distinctRequests: number;
  requestBytes: number;
  tokenBytes: number;
  responseBytes: number;
  sides: Record<GatewaySideName, SideSummary>;
  /** (c)/(b): the groups route against the unauthenticated one; the issue's aim is throughput ≥ ×0.8 (authorization costs under 20%). */
  groupsOverNone: SideRatio;
  /** (b)/(a): the unauthenticated proxy against calling the upstream directly. */
  noneOverDirect: SideRatio;
  /** (c)/(a). */
  groupsOverDirect: SideRatio;
  /** 1 − (c)/(b) throughput, in percent. */
  authorizationCostPercent: number;
  /**
   * One RS256 verification of these tokens (jose, in-process, one thread, keys from the pool's
   * JWKS): a lower bound on what (c) must add per request, against the budget the aim leaves.
   */
  rs256VerifyCpuUs: number;
}

const POOL = 'bench-gateway';
const CLIENT_ID = 'benchgatewayclient00000001';
const GROUP = 'api-users';
const PASSWORD = 'Bench-Passw0rd!';
/** What the upstream answers, to every request: about 200 bytes of JSON. */
const UPSTREAM_BODY = JSON.stringify({
  id: 'ord_01J9Z6W8Q4K3M2N1P0R5S7T9V',
  status: 'accepted',
  sku: 'TSR-2048-BLK',
  quantity: 2,
  unitPrice: { amount: '49.90', currency: 'EUR' },
  createdAt: '2026-11-25T10:00:00.000Z',
  links: { self: '/orders/ord_01J9Z6W8Q4K3M2N1P0R5S7T9V' },
});

/**
 * A small upstream: node:http answering the fixed JSON to every request once its body is read, and
 * remembering the last request's headers (to check what the gateway forwards).
 */
async function startUpstream(): Promise<{ url: string; lastHeaders(): IncomingHttpHeaders | undefined; close(): Promise<void> }> {
  let last: IncomingHttpHeaders | undefined;
  const server: Server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      last = req.headers;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(UPSTREAM_BODY) });
      res.end(UPSTREAM_BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    lastHeaders: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The gateway's address, as `tessera serve` prints it. */
function gatewayUrlOf(output: string): string {
  const m = /[Gg]ateway listening on (http:\/\/\S+)/.exec(output);
  if (!m) throw new Error(`tessera serve did not say where its gateway listens:\n${output}`);
  return m[1]!;
}

/**
 * One API call through the gateway, three ways, in alternating windows with the same load generator
 * settings: (a) straight to a small node:http upstream, (b) through Tessera's gateway on a route with
 * authorizer `none`, (c) through the gateway on a `groups` route with access tokens Tessera issued
 * (USER_PASSWORD_AUTH through the Cognito SDK). The same requests, bearer token included, go to
 * every side, so (c) − (b) is the authorizer's work alone.
 */
export async function runGatewayBench(o: GatewayBenchOptions, log: (line: string) => void): Promise<GatewayBenchResult> {
  const upstream = await startUpstream();
  const users = Array.from({ length: o.users }, (_, i) => `gw-user-${i + 1}`);
  const tessera = await startTesseraProcess({
    userPools: [
      {
        name: POOL,
        clients: [{ name: 'bench', id: CLIENT_ID, ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }],
        groups: [{ name: GROUP }],
        users: [
          ...users.map((username) => ({ username, password: PASSWORD, attributes: { email: `${username}@bench.example`, email_verified: 'true' }, groups: [GROUP] })),
          { username: 'outsider', password: PASSWORD, attributes: { email: 'outsider@bench.example', email_verified: 'true' } },
        ],
      },
    ],
    gateway: {
      host: '127.0.0.1',
      routes: [
        { path: '/public/{proxy+}', upstream: upstream.url, authorizer: { type: 'none' } },
        { path: '/api/{proxy+}', upstream: upstream.url, authorizer: { type: 'groups', userPool: POOL, clientIds: [CLIENT_ID], groups: [GROUP] } },
      ],
    },
  }, ['--gateway-port', '0']).catch(async (e: unknown) => {
    await upstream.close();
    throw e;
  });
  const load = new LoadGenerator();
  try {
    const gatewayUrl = gatewayUrlOf(tessera.output());
    log(`  upstream at ${upstream.url}; Tessera (pid ${tessera.pid}) at ${tessera.url}, its gateway at ${gatewayUrl}`);

    // Access tokens as an app gets them: InitiateAuth USER_PASSWORD_AUTH through the Cognito SDK (a
    // public operation: the SDK signs with credentials nobody configured, and Tessera ignores them).
    const cognito = new CognitoIdentityProviderClient({ endpoint: tessera.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDBENCHAPP', secretAccessKey: 'not-an-admin-secret' } });
    const signIn = async (username: string) => {
      const r = await cognito.send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD } }));
      const token = r.AuthenticationResult?.AccessToken;
      if (!token) throw new Error(`InitiateAuth for ${username} returned no access token: ${JSON.stringify(r)}`);
      return token;
    };
    const tokens: string[] = [];
    for (const u of users) tokens.push(await signIn(u));
    const outsiderToken = await signIn('outsider');
    cognito.destroy();
    const subOf = (token: string) => decodeJwt(token).sub;
    log(`  ${tokens.length} access tokens from InitiateAuth (USER_PASSWORD_AUTH), ${round(tokens.reduce((a, t) => a + t.length, 0) / tokens.length, 0)} B each`);

    // The same call on every side but for the route prefix: an order posted with a bearer token.
    const request = (prefix: string, i: number): WireRequest => ({
      path: `${prefix}/orders/${1000 + i}/items`,
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${tokens[i % tokens.length]!}` },
      body: JSON.stringify({ sku: `TSR-${2000 + (i % 97)}-BLK`, quantity: 1 + (i % 5), note: 'bench' }),
    });
    const requests: Record<GatewaySideName, WireRequest[]> = {
      direct: Array.from({ length: o.distinctRequests }, (_, i) => request('/api', i)),
      none: Array.from({ length: o.distinctRequests }, (_, i) => request('/public', i)),
      groups: Array.from({ length: o.distinctRequests }, (_, i) => request('/api', i)),
    };
    const urls: Record<GatewaySideName, string> = { direct: upstream.url, none: gatewayUrl, groups: gatewayUrl };

    // Before anything is timed: every request answers the upstream's body on every side, the
    // identity reaches the upstream on the groups route, and the route really refuses.
    for (const side of ['direct', 'none', 'groups'] as const) {
      for (const [i, r] of requests[side].entries()) {
        const res = await fetch(urls[side] + r.path, { method: 'POST', headers: r.headers, body: r.body });
        const text = await res.text();
        if (res.status !== 200 || text !== UPSTREAM_BODY) throw new Error(`${side}: POST ${r.path} answered ${res.status}: ${text}`);
        if (side === 'groups' && upstream.lastHeaders()?.['x-tessera-sub'] !== subOf(tokens[i % tokens.length]!)) {
          throw new Error(`the groups route did not pass the caller's sub to the upstream: ${JSON.stringify(upstream.lastHeaders())}`);
        }
      }
    }
    const probe = requests.groups[0]!;
    const refused = async (headers: Record<string, string>, status: number, what: string) => {
      const res = await fetch(gatewayUrl + probe.path, { method: 'POST', headers, body: probe.body });
      await res.text();
      if (res.status !== status) throw new Error(`the groups route answered ${res.status} to ${what}, not ${status}`);
    };
    await refused({ 'content-type': 'application/json' }, 401, 'a call without a token');
    await refused({ 'content-type': 'application/json', authorization: `Bearer ${tokens[0]!.slice(0, -4)}AAAA` }, 401, 'a token with a broken signature');
    await refused({ 'content-type': 'application/json', authorization: `Bearer ${outsiderToken}` }, 403, `a token of a user outside ${GROUP}`);
    log(`  ${o.distinctRequests} requests answered on every side, the caller's sub reached the upstream, and the groups route refused no token (401), a bad signature (401) and a user outside the group (403)`);

    // The least a token-checking route must add: one RS256 signature check, here with jose on this thread.
    // The issuer names the pool; its host is the configured public URL (here port 0, as `--port 0` leaves it), so the keys come from where Tessera listens.
    const issuer = decodeJwt(tokens[0]!).iss!;
    const keys = createLocalJWKSet((await (await fetch(`${tessera.url}/${issuer.slice(issuer.lastIndexOf('/') + 1)}/.well-known/jwks.json`)).json()) as JSONWebKeySet);
    let v = 0;
    const verifyRun = await closedLoop(1, 1000, async () => {
      await jwtVerify(tokens[v++ % tokens.length]!, keys, { algorithms: ['RS256'], issuer });
    });
    if (verifyRun.failed > 0) throw new Error('jose refused an access token Tessera issued');
    const rs256VerifyCpuUs = round((verifyRun.cpu.mainThreadMs / Math.max(1, verifyRun.completed)) * 1000, 1);
    log(`  one RS256 verification of these tokens (jose, in-process): ${rs256VerifyCpuUs} µs CPU`);
    await settle();

    const targets: Record<GatewaySideName, SideTarget> = {
      direct: { url: upstream.url, requests: requests.direct, mainThread: true },
      none: { url: gatewayUrl, requests: requests.none, externalCpuMs: tessera.cpuMs, mainThread: true },
      groups: { url: gatewayUrl, requests: requests.groups, externalCpuMs: tessera.cpuMs, mainThread: true },
    };
    const { runs, sequence } = await measureSides(
      load,
      targets,
      { connections: o.connections, windowMs: o.windowMs, pattern: o.pattern, warmupMs: (s) => (s === 'direct' ? Math.max(1000, Math.round(o.warmupMs / 3000) * 1000) : o.warmupMs), label: 'gateway', unitsPerCall: 1 },
      log,
    );
    const sides = {
      direct: summarizeSide(targets.direct, runs.direct, 1),
      none: summarizeSide(targets.none, runs.none, 1),
      groups: summarizeSide(targets.groups, runs.groups, 1),
    };
    const groupsOverNone = sideRatio(sides.groups, sides.none, sequence, 'groups', 'none');
    const meanBytes = (list: WireRequest[]) => Math.round(list.reduce((a, r) => a + Buffer.byteLength(r.body), 0) / list.length);
    return {
      connections: o.connections,
      windowMs: o.windowMs,
      pattern: o.pattern.map((s) => ({ direct: 'D', none: 'N', groups: 'G' })[s]).join(''),
      cpus: cpus().length,
      users: tokens.length,
      distinctRequests: o.distinctRequests,
      requestBytes: meanBytes(requests.groups),
      tokenBytes: Math.round(tokens.reduce((a, t) => a + t.length, 0) / tokens.length),
      responseBytes: Buffer.byteLength(UPSTREAM_BODY),
      sides,
      groupsOverNone,
      noneOverDirect: sideRatio(sides.none, sides.direct, sequence, 'none', 'direct'),
      groupsOverDirect: sideRatio(sides.groups, sides.direct, sequence, 'groups', 'direct'),
      authorizationCostPercent: round((1 - groupsOverNone.throughput) * 100, 1),
      rs256VerifyCpuUs,
    };
  } finally {
    await load.close();
    await settle();
    await tessera.close();
    await upstream.close();
  }
}

/** The gateway part of the printed report. */
export function formatGatewayReport(r: GatewayBenchResult): string {
  const out: string[] = [];
  const perSide = r.pattern.length / new Set(r.pattern).size;
  const g = r.groupsOverNone;
  const met = r.authorizationCostPercent < 20;
  out.push(
    `API gateway — (a) a node:http upstream answering a constant ${r.responseBytes} B JSON, called directly; (b) Tessera's gateway proxying to it on a route with authorizer none; ` +
      `(c) the gateway on a groups route (cognito:groups of a verified access token). Tessera is its own \`tessera serve --config\` process (SQLite file; with \`--gateway-port\` the gateway listens on its own port in that process); ` +
      `the upstream runs on this process' main thread. Every side gets the same POSTs (${r.requestBytes} B JSON body; the shared load generator posts) with a bearer access token (${r.tokenBytes} B, ${r.users} users' tokens from InitiateAuth USER_PASSWORD_AUTH through the Cognito SDK), ` +
      `which the none route ignores; ${r.distinctRequests} distinct requests, replayed by autocannon from a worker thread; ${r.connections} connections, ${perSide} × ${r.windowMs / 1000}s windows per side (${r.pattern}). ` +
      `Servers and load generator share this machine's ${r.cpus} cores.`,
  );
  out.push('');
  out.push(
    `>>> (c)/(b), groups route / unauthenticated proxy: throughput ×${fixed(g.throughput, 2)} — authorization costs ${fixed(r.authorizationCostPercent, 1)}% of the unauthenticated proxy's throughput ` +
      `(aim: under 20%: ${met ? 'met' : 'NOT met'}); p99 ×${fixed(g.p99, 2)}; per adjacent window pair ${g.perPair.map((v) => `×${fixed(v, 2)}`).join(', ')}`,
  );
  // Throughput ≥ ×0.8 is, where CPU sets the pace, server CPU per request ≤ ×1.25: a budget of a quarter of (b)'s.
  const budget = r.sides.none.serverCpuUsPerCall / 4;
  out.push(
    `    budget: at most ~${fixed(budget, 0)} µs more server CPU per request than (b)'s ${fixed(r.sides.none.serverCpuUsPerCall, 0)} µs; (c) adds ${fixed(r.sides.groups.serverCpuUsPerCall - r.sides.none.serverCpuUsPerCall, 0)} µs, ` +
      `and one RS256 verification of these tokens alone (jose, in-process) costs ${fixed(r.rs256VerifyCpuUs, 0)} µs${r.rs256VerifyCpuUs > budget ? ': more than the budget, which is why the gateway remembers verified tokens for a second' : ''}`,
  );
  out.push('');
  const row = (name: string, x: SideSummary) => [
    name,
    fixed(x.callsPerSecond, 0),
    fixed(x.latencyMs.p50, 2),
    fixed(x.latencyMs.p99, 2),
    fixed(x.serverCpuUsPerCall, 0),
    fixed(x.serverCores, 2),
    fixed(x.clientCores, 2),
    Number.isFinite(x.otherLoadPercent) ? `${fixed(x.otherLoadPercent, 0)}%` : '–',
    x.failed,
  ];
  out.push(
    table(
      ['', 'requests/s', 'p50 ms', 'p99 ms', 'server CPU µs/request', 'server cores', 'client cores', 'other load', 'failed'],
      [row('(a) upstream, direct', r.sides.direct), row('(b) gateway, authorizer none', r.sides.none), row('(c) gateway, groups + access token', r.sides.groups)],
    ),
  );
  out.push(`(c)/(b) groups / none: ${ratioText(r.groupsOverNone)}`);
  out.push(`(b)/(a) none / direct: ${ratioText(r.noneOverDirect)}`);
  out.push(`(c)/(a) groups / direct: ${ratioText(r.groupsOverDirect)}`);
  out.push(
    ...sideNotes(
      [
        ['the upstream (direct)', r.sides.direct],
        ['gateway none', r.sides.none],
        ['gateway groups', r.sides.groups],
      ],
      r.cpus,
    ),
  );
  out.push(
    "(server CPU: (a) the upstream, on this process' main thread; (b) and (c) the Tessera process, all its threads, with what it finished after each window, plus the upstream. client cores: autocannon's worker thread, for every side.)",
  );
  return out.join('\n');
}
