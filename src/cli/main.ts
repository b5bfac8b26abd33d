import { Command, Option } from 'commander';
import { createTessera } from '../app.ts';
import { applyConfig } from '../config/apply.ts';
import { loadConfigFile } from '../config/load.ts';
import type { ConfigFile } from '../config/schema.ts';
import cluster from 'node:cluster';
import { dirname, resolve } from 'node:path';
import type { Tessera } from '../app.ts';
import { PolicyLoadError } from '../authz/cerbos/policy-documents.ts';
import { watchPolicyDirectory } from '../authz/cerbos/policy-directory.ts';
import { buildServer } from '../server.ts';

const DEMO_CONFIG = new URL('../config/demo.yaml', import.meta.url).pathname;
/** Seed 003's Cerbos policy, which the demo serves unless other policies are named. */
const DEMO_CERBOS_POLICIES = new URL('../../examples/seed-003-contacts/cerbos', import.meta.url).pathname;

function dbUrl(value: string): string {
  return value.startsWith('postgres') || value.startsWith('sqlite:') ? value : `sqlite:${value}`;
}

/**
 * The primary of `--workers N`: forks the workers, which share the listening port (node:cluster),
 * replaces one that dies, and stops them all on SIGINT/SIGTERM. It serves nothing itself.
 */
async function runWorkers(count: number, host: string, gatewayHost: string | undefined, closePrimary: () => Promise<void>): Promise<void> {
  let stopping = false;
  // Each worker listens on the API port first, then on the gateway's if there is one.
  const perWorker = gatewayHost === undefined ? 1 : 2;
  const listening = new Promise<number[]>((resolve) => {
    const ports = new Map<number, number[]>();
    cluster.on('listening', (worker, address) => {
      ports.set(worker.id, [...(ports.get(worker.id) ?? []), address.port]);
      const ready = [...ports.values()].filter((p) => p.length === perWorker);
      if (ready.length === count) resolve(ready[0]!);
    });
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`tessera: worker ${worker.process.pid} exited (${signal ?? code}); starting another`);
    cluster.fork();
  });
  for (let i = 0; i < count; i++) cluster.fork();
  const stop = async () => {
    stopping = true;
    const exits = Object.values(cluster.workers ?? {}).map((w) => new Promise((resolve) => (w!.isDead() ? resolve(undefined) : w!.once('exit', resolve))));
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    await Promise.all(exits);
    await closePrimary();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const [port, gatewayPort] = await listening;
  const pids = Object.values(cluster.workers ?? {}).map((w) => w!.process.pid);
  if (gatewayPort !== undefined) console.log(`Tessera gateway listening on http://${gatewayHost}:${gatewayPort}`);
  console.log(`Tessera listening on http://${host}:${port} (${count} worker processes: ${pids.join(' ')})`);
}

/** Loads and watches the Cerbos policy directory; a set that does not compile stops the start. */
async function loadCerbosPolicies(t: Tessera, dir: string, log: { info(m: string): void; error(m: string): void }) {
  try {
    return await watchPolicyDirectory(t.cerbos, dir, log);
  } catch (e) {
    if (!(e instanceof PolicyLoadError)) throw e;
    console.error(`tessera: the Cerbos policies in ${dir} do not compile:\n${e.message}`);
    await t.close();
    process.exit(2);
  }
}

/** TESSERA_PERMIT_API_KEY opens the `default` environment (created if need be), for demos and CI. */
async function acceptPermitApiKey(t: Tessera, key: string): Promise<void> {
  if (key.length < 24) {
    console.error('tessera: TESSERA_PERMIT_API_KEY must be at least 24 characters long');
    process.exit(2);
  }
  const env = (await t.rbac.environments()).find((e) => e.key === 'default') ?? (await t.rbac.ensureEnvironment('default', 'default'));
  await t.rbac.addApiKey(env, key, 'TESSERA_PERMIT_API_KEY');
}

const program = new Command('tessera').description('Self-hosted identity and authorization server').showHelpAfterError();

program
  .command('serve')
  .description('run the server')
  .option('--port <port>', 'port to listen on', '7070')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--db <url>', 'sqlite:PATH or postgres://…', process.env.TESSERA_DB ?? 'sqlite:./data/tessera.db')
  .option('--config <file>', 'declarative config to apply at start')
  .option('--public-url <url>', 'URL clients reach this server at (token issuer prefix)')
  .option('--region <region>', 'AWS region of pool ids and ARNs', 'us-east-1')
  .addOption(new Option('--issuer-style <style>', 'iss claim form').choices(['tessera', 'aws']).default('tessera'))
  .option('--demo', 'apply the built-in demo data (the seed scenarios)')
  .option('--log-level <level>', 'pino log level', 'info')
  .option('--cerbos-policies <dir>', 'a directory of Cerbos policies to load and watch')
  .option('--trigger-modules <dir>', 'a directory that local module triggers (LambdaConfig module paths) may be loaded from')
  .option('--gateway-port <port>', 'port of the API gateway (routes from the config file\'s gateway section)')
  .option('--workers <n>', 'HTTP worker processes sharing the port (stateless, like instances on one database)', '1')
  .action(async (o: { port: string; host: string; db: string; config?: string; publicUrl?: string; region: string; issuerStyle: 'tessera' | 'aws'; demo?: boolean; logLevel: string; cerbosPolicies?: string; workers: string; gatewayPort?: string; triggerModules?: string }) => {
    const workers = Number(o.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      console.error('tessera: --workers must be a positive integer');
      process.exit(2);
    }
    if (workers > 1 && dbUrl(o.db) === 'sqlite::memory:') {
      console.error('tessera: --workers needs a database the workers can share: a SQLite file or PostgreSQL');
      process.exit(2);
    }
    // A worker process only serves: the primary migrated the database, applied the config and watches policies.
    const isWorker = cluster.isWorker;
    const file: ConfigFile | undefined = o.config ? loadConfigFile(o.config) : undefined;
    const port = Number(o.port);
    const region = file?.region ?? o.region;
    const publicUrl = o.publicUrl ?? file?.publicUrl ?? `http://${o.host === '0.0.0.0' ? 'localhost' : o.host}:${port}`;
    const credentials = [...(file?.credentials ?? [])];
    if (process.env.TESSERA_ACCESS_KEY_ID && process.env.TESSERA_SECRET_ACCESS_KEY) {
      credentials.push({ accessKeyId: process.env.TESSERA_ACCESS_KEY_ID, secretAccessKey: process.env.TESSERA_SECRET_ACCESS_KEY });
    }
    if (credentials.length === 0) {
      if (!o.demo) {
        console.error('tessera: no admin credentials. Set TESSERA_ACCESS_KEY_ID and TESSERA_SECRET_ACCESS_KEY, or list credentials in --config.');
        process.exit(2);
      }
      credentials.push({ accessKeyId: 'test', secretAccessKey: 'test' });
      if (!isWorker) console.warn('\n  WARNING: demo mode accepts the admin access key "test" with secret "test". Never expose this server.\n');
    }
    const cerbos = file?.cerbos;
    const cerbosAdmin =
      process.env.TESSERA_CERBOS_ADMIN_USER && process.env.TESSERA_CERBOS_ADMIN_PASSWORD ? { username: process.env.TESSERA_CERBOS_ADMIN_USER, password: process.env.TESSERA_CERBOS_ADMIN_PASSWORD } : cerbos?.admin;
    const policiesDir = o.cerbosPolicies ?? (cerbos?.policies && resolve(dirname(o.config!), cerbos.policies)) ?? (o.demo ? DEMO_CERBOS_POLICIES : undefined);
    const t = await createTessera({
      db: dbUrl(o.db),
      region,
      publicUrl,
      issuerStyle: file?.issuerStyle ?? o.issuerStyle,
      ...(file?.smtp && { smtp: file.smtp }),
      ...(o.triggerModules && { triggerModules: [resolve(o.triggerModules)] }),
      ...(cerbos && { cerbos: { ...(cerbos.requireTokenPrincipal && { requireTokenPrincipal: true }), ...(cerbos.globals && { globals: cerbos.globals }) } }),
    });
    const app = await buildServer(t, { credentials, logLevel: o.logLevel, ...(cerbosAdmin && { cerbosAdmin }), ...(cerbos?.requireTokenPrincipal && { cerbosRequireTokenPrincipal: true }) });
    const gatewayPort = o.gatewayPort !== undefined ? Number(o.gatewayPort) : file?.gateway?.port;
    const gatewayHost = file?.gateway?.host ?? o.host;
    if (gatewayPort !== undefined && (!Number.isInteger(gatewayPort) || gatewayPort < 0 || gatewayPort > 65535)) {
      console.error('tessera: --gateway-port must be a port number');
      process.exit(2);
    }
    if (gatewayPort !== undefined && !file?.gateway?.routes.length) {
      console.error('tessera: the gateway needs routes: list them under gateway.routes in --config');
      process.exit(2);
    }
    // The primary applies the config before a worker builds its gateway, so the routes' pools exist.
    const startGateway = async () => {
      if (gatewayPort === undefined) return undefined;
      const { buildGateway } = await import('../gateway/index.ts');
      try {
        return await buildGateway(t, { routes: file!.gateway!.routes }, { logLevel: o.logLevel });
      } catch (e) {
        console.error(`tessera: the gateway's routes are not valid: ${e instanceof Error ? e.message : String(e)}`);
        await t.close();
        process.exit(2);
      }
    };
    if (isWorker) {
      const gateway = await startGateway();
      const stop = async () => {
        await gateway?.close();
        await app.close();
        await t.close();
        process.exit(0);
      };
      process.once('SIGTERM', stop);
      // Ctrl-C reaches the whole process group; the primary answers it by stopping each worker.
      process.once('SIGINT', () => {});
      await app.listen({ port, host: o.host });
      await gateway?.listen({ port: gatewayPort!, host: gatewayHost });
      return;
    }
    if (o.demo) await applyConfig(t, loadConfigFile(DEMO_CONFIG));
    if (file) await applyConfig(t, file);
    if (process.env.TESSERA_PERMIT_API_KEY) await acceptPermitApiKey(t, process.env.TESSERA_PERMIT_API_KEY);
    const policies = policiesDir ? await loadCerbosPolicies(t, policiesDir, app.log) : undefined;
    const pruning = setInterval(() => t.prune().catch((err: unknown) => app.log.warn({ err }, 'pruning expired records failed')), 3600_000);
    pruning.unref();
    if (workers > 1) {
      // Checked here once: a worker whose routes do not build would exit, be replaced, and exit again.
      await (await startGateway())?.close();
      await runWorkers(workers, o.host, gatewayPort !== undefined ? gatewayHost : undefined, async () => {
        clearInterval(pruning);
        policies?.close();
        await app.close();
        await t.close();
      });
      return;
    }
    const gateway = await startGateway();
    const stop = async () => {
      clearInterval(pruning);
      policies?.close();
      await gateway?.close();
      await app.close();
      await t.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await app.listen({ port, host: o.host });
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    if (gateway) {
      await gateway.listen({ port: gatewayPort!, host: gatewayHost });
      const g = gateway.server.address();
      console.log(`Tessera gateway listening on http://${gatewayHost}:${typeof g === 'object' && g ? g.port : gatewayPort}`);
    }
    console.log(`Tessera listening on http://${o.host}:${actualPort}`);
  });

program
  .command('test')
  .description('compile Cerbos policies and run their *_test.yaml suites, as `cerbos compile` does')
  .argument('<dir>', 'the policy directory')
  .action(async (dir: string) => {
    const { formatTestRun, runPolicyTests } = await import('../authz/cerbos/policy-tests.ts');
    const { text, exitCode } = formatTestRun(await runPolicyTests(dir));
    console.log(text);
    process.exit(exitCode);
  });

program
  .command('apply')
  .description('make the database match a declarative config file')
  .requiredOption('-f, --file <file>', 'YAML config file')
  .option('--db <url>', 'sqlite:PATH or postgres://…', process.env.TESSERA_DB ?? 'sqlite:./data/tessera.db')
  .option('--region <region>', 'AWS region of pool ids', 'us-east-1')
  .action(async (o: { file: string; db: string; region: string }) => {
    const file = loadConfigFile(o.file);
    const t = await createTessera({ db: dbUrl(o.db), region: file.region ?? o.region, publicUrl: file.publicUrl ?? 'http://localhost:7070', issuerStyle: file.issuerStyle ?? 'tessera' });
    try {
      const report = await applyConfig(t, file);
      for (const line of report.created) console.log(`created ${line}`);
      for (const line of report.updated) console.log(`updated ${line}`);
    } finally {
      await t.close();
    }
  });

const rbac = program.command('rbac').description('Permit-style RBAC environments');
rbac
  .command('create-api-key')
  .description('issue an API key for an RBAC environment (created if it does not exist) and print it once')
  .option('--environment <key>', 'environment key', 'default')
  .option('--project <key>', 'project key', 'default')
  .option('--name <name>', 'what the key is for', 'cli')
  .option('--db <url>', 'sqlite:PATH or postgres://…', process.env.TESSERA_DB ?? 'sqlite:./data/tessera.db')
  .action(async (o: { environment: string; project: string; name: string; db: string }) => {
    const t = await createTessera({ db: dbUrl(o.db), region: 'us-east-1', publicUrl: 'http://localhost:7070', issuerStyle: 'tessera' });
    try {
      const env = await t.rbac.ensureEnvironment(o.project, o.environment);
      console.log(await t.rbac.issueApiKey(env, o.name));
    } finally {
      await t.close();
    }
  });

program
  .command('rotate-keys')
  .description("start new signing keys for a user pool; old keys stay in the JWKS until their tokens expire")
  .argument('<poolId>', 'user pool id')
  .option('--db <url>', 'sqlite:PATH or postgres://…', process.env.TESSERA_DB ?? 'sqlite:./data/tessera.db')
  .action(async (poolId: string, o: { db: string }) => {
    const t = await createTessera({ db: dbUrl(o.db), region: poolId.split('_')[0] ?? 'us-east-1', publicUrl: 'http://localhost:7070', issuerStyle: 'tessera' });
    try {
      await t.userPools.pools.rotateSigningKeys(poolId);
      console.log(`rotated the signing keys of ${poolId}`);
    } finally {
      await t.close();
    }
  });

program
  .command('decisions')
  .description('print the newest authorization decisions of every engine, one JSON object per line')
  .option('--db <url>', 'sqlite:PATH or postgres://…', process.env.TESSERA_DB ?? 'sqlite:./data/tessera.db')
  .option('--scope <scope>', 'a policy store id (or other engine scope)')
  .option('--principal <principal>', 'an entity, e.g. App::User::"us-east-1_X|sub"')
  .option('--decision <decision>', 'ALLOW or DENY')
  .option('--limit <n>', 'how many', '50')
  .action(async (o: { db: string; scope?: string; principal?: string; decision?: string; limit: string }) => {
    const t = await createTessera({ db: dbUrl(o.db), region: 'us-east-1', publicUrl: 'http://localhost:7070', issuerStyle: 'tessera' });
    try {
      const decision = o.decision?.toUpperCase();
      if (decision !== undefined && decision !== 'ALLOW' && decision !== 'DENY') throw new Error('--decision is ALLOW or DENY');
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new Error('--limit is a whole number from 1 to 10000');
      const rows = await t.decisions.query({ limit, ...(o.scope && { scope: o.scope }), ...(o.principal && { principal: o.principal }), ...(decision && { decision }) });
      for (const row of rows) console.log(JSON.stringify({ ...row, at: new Date(row.at).toISOString() }));
    } finally {
      await t.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`tessera: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
