/**
 * `npm run bench`: sign-in throughput against its floor, USER_SRP_AUTH against USER_PASSWORD_AUTH sign-ins,
 * user lookups at 1k vs 100k users,
 * Verified Permissions IsAuthorized / BatchIsAuthorized against a bare Fastify floor and in-process cedar-wasm,
 * Cerbos CheckResources against the real Cerbos PDP and a bare Fastify floor, Permit-style RBAC
 * checks (/allowed, /allowed/bulk) on a `tessera serve` process against a bare Fastify floor, and the
 * API gateway (authorizer none, and groups with an access token) against calling its upstream directly.
 *
 * Environment (all optional):
 *   TESSERA_BENCH_POSTGRES_URL   also run the lookups on PostgreSQL (a fresh database is created and dropped)
 *   TESSERA_BENCH_ONLY           `login`, `srp`, `oauth`, `lookups`, `authz`, `cerbos`, `rbac` or `gateway` to run one part
 *   TESSERA_BENCH_CONNECTIONS    concurrent sign-ins or authz calls, HTTP and floor alike (default 8; cerbos, rbac and gateway 50; srp 8)
 *   TESSERA_BENCH_WINDOW_S       length of each measured sign-in window (default 5; 8 windows, FTTF FTTF); srp default 3 (PSSPPSSP: password, SRP); authz default 4 (FTTF per operation); cerbos default 4 (CTWFFWTC per case, W = tessera --workers 2); rbac default 3 (FTTF per case); gateway default 3 (DNGGND: direct, none, groups)
 *   TESSERA_BENCH_LARGE          users in the large pool (default 100000)
 *   TESSERA_BENCH_REQUESTS       sequential requests per lookup case (default 300)
 */
import { fileURLToPath } from 'node:url';
import { type AuthzBenchResult, formatAuthzReport, runAuthzBench } from './authz.ts';
import { type CerbosBenchResult, formatCerbosReport, runCerbosBench } from './cerbos.ts';
import { formatGatewayReport, type GatewayBenchResult, runGatewayBench } from './gateway.ts';
import { runLoginBench } from './login.ts';
import { formatSrpReport, runSrpBench, type SrpBenchResult } from './srp.ts';
import { formatRbacReport, type RbacBenchResult, runRbacBench } from './rbac.ts';
import { runLookupBench } from './lookups.ts';
import { runOAuthFlowBench } from './oauth-flow.ts';
import { type BenchReport, environment, formatReport, writeJson } from './report.ts';
import { type BenchDatabase, postgresDatabase, sqliteDatabase } from './server.ts';

const env = process.env;
const int = (name: string, fallback: number) => {
  const v = env[name];
  const n = v === undefined || v === '' ? fallback : Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  return n;
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const only = env.TESSERA_BENCH_ONLY;
  const started = performance.now();
  const report: BenchReport & { authz?: AuthzBenchResult; cerbos?: CerbosBenchResult; rbac?: RbacBenchResult; gateway?: GatewayBenchResult; srp?: SrpBenchResult } = { startedAt: new Date().toISOString(), durationSeconds: 0, environment: environment(), lookups: [] };

  if (!only || only === 'login') {
    log('login bench (InitiateAuth vs floor)…');
    report.login = await runLoginBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 8),
        users: 50,
        windowMs: int('TESSERA_BENCH_WINDOW_S', 5) * 1000,
        warmupMs: 4_000,
        pattern: ['floor', 'tessera', 'tessera', 'floor', 'floor', 'tessera', 'tessera', 'floor'],
      },
      log,
    );
  }
  if (!only || only === 'srp') {
    log('SRP bench (USER_SRP_AUTH vs USER_PASSWORD_AUTH on one Tessera)…');
    report.srp = await runSrpBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 8),
        users: 50,
        windowMs: int('TESSERA_BENCH_WINDOW_S', 3) * 1000,
        warmupMs: 3_000,
        pattern: ['password', 'srp', 'srp', 'password', 'password', 'srp', 'srp', 'password'],
      },
      log,
    );
  }
  if (!only || only === 'oauth') {
    log('OAuth flow bench (hosted UI login + code exchange vs floor)…');
    report.oauth = await runOAuthFlowBench(
      { connections: int('TESSERA_BENCH_CONNECTIONS', 8), users: 50, windowMs: int('TESSERA_BENCH_WINDOW_S', 5) * 1000, warmupMs: 3_000, pattern: ['floor', 'tessera', 'tessera', 'floor'] },
      log,
    );
  }
  if (!only || only === 'lookups') {
    const options = { small: 1_000, large: int('TESSERA_BENCH_LARGE', 100_000), requests: int('TESSERA_BENCH_REQUESTS', 300), warmup: 100 };
    const databases: Array<() => Promise<BenchDatabase>> = [async () => sqliteDatabase()];
    const pgUrl = env.TESSERA_BENCH_POSTGRES_URL;
    if (pgUrl) databases.push(() => postgresDatabase(pgUrl));
    for (const open of databases) {
      const db = await open();
      log(`lookup bench on ${db.backend}…`);
      report.lookups.push(await runLookupBench(db, options, log));
    }
  }

  if (!only || only === 'authz') {
    log('authz bench (Verified Permissions IsAuthorized and BatchIsAuthorized vs bare Fastify, and in-process cedar-wasm)…');
    report.authz = await runAuthzBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 8),
        windowMs: int('TESSERA_BENCH_WINDOW_S', 4) * 1000,
        pattern: ['floor', 'tessera', 'tessera', 'floor'],
        warmupMs: 3_000,
        unloadedMs: 2_000,
        inProcessMs: 3_000,
        batchSize: 30,
      },
      log,
    );
  }

  if (!only || only === 'cerbos') {
    log('cerbos bench (CheckResources: the real Cerbos PDP vs Tessera vs bare Fastify)…');
    report.cerbos = await runCerbosBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 50),
        windowMs: int('TESSERA_BENCH_WINDOW_S', 4) * 1000,
        pattern: ['cerbos', 'tessera', 'workers', 'floor', 'floor', 'workers', 'tessera', 'cerbos'],
        warmupMs: 3_000,
        resourcesPerRequest: [1, 10],
        distinctRequests: 500,
      },
      log,
    );
  }

  if (!only || only === 'rbac') {
    log('rbac bench (Permit-style /allowed and /allowed/bulk on tessera serve vs bare Fastify; no Permit PDP offline)…');
    report.rbac = await runRbacBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 50),
        windowMs: int('TESSERA_BENCH_WINDOW_S', 3) * 1000,
        pattern: ['floor', 'tessera', 'tessera', 'floor'],
        warmupMs: 3_000,
        users: 1_000,
        distinctRequests: 500,
        bulkSize: 10,
      },
      log,
    );
  }

  if (!only || only === 'gateway') {
    log('gateway bench (the upstream directly vs the gateway with authorizer none vs a groups route with an access token)…');
    report.gateway = await runGatewayBench(
      {
        connections: int('TESSERA_BENCH_CONNECTIONS', 50),
        windowMs: int('TESSERA_BENCH_WINDOW_S', 3) * 1000,
        pattern: ['direct', 'none', 'groups', 'groups', 'none', 'direct'],
        warmupMs: 3_000,
        users: 20,
        distinctRequests: 200,
      },
      log,
    );
  }

  report.durationSeconds = Math.round((performance.now() - started) / 100) / 10;
  const out = fileURLToPath(new URL('./results/latest.json', import.meta.url));
  writeJson(out, report);
  const srp = report.srp ? `\n\n${formatSrpReport(report.srp)}` : '';
  const authz = report.authz ? `\n\n${formatAuthzReport(report.authz)}` : '';
  const cerbos = report.cerbos ? `\n\n${formatCerbosReport(report.cerbos)}` : '';
  const rbac = report.rbac ? `\n\n${formatRbacReport(report.rbac)}` : '';
  const gateway = report.gateway ? `\n\n${formatGatewayReport(report.gateway)}` : '';
  process.stdout.write(`\n${formatReport(report)}${srp}${authz}${cerbos}${rbac}${gateway}\nresults: ${out}\n`);
}

main().catch((e: unknown) => {
  log(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
