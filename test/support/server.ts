import type { z } from 'zod';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import type { FastifyInstance } from 'fastify';
import { createTessera, type Tessera } from '../../src/app.ts';
import type { AdminCredentials } from '../../src/protocols/cerbos/admin-routes.ts';
import { buildServer } from '../../src/server.ts';
import { applyConfig } from '../../src/config/apply.ts';
import { ConfigFile } from '../../src/config/schema.ts';
import type { Clock } from '../../src/util/clock.ts';
import { type Backend, freshDatabase } from './databases.ts';

/** A config file as written (defaults not yet filled in), applied before the server starts. */
export type ConfigFileInput = z.input<typeof ConfigFile>;

export const ADMIN_CREDENTIALS = { accessKeyId: 'AKIDTESSERATEST', secretAccessKey: 'tessera-test-secret-key' };
export const REGION = 'us-east-1';

export interface TestServer {
  url: string;
  dbUrl: string;
  tessera: Tessera;
  app: FastifyInstance;
  /** An SDK client signed with the admin credentials. */
  admin: CognitoIdentityProviderClient;
  /** An SDK client with credentials nobody configured, for public (unsigned) operations. */
  anonymous: CognitoIdentityProviderClient;
  /** A Verified Permissions SDK client signed with the admin credentials. */
  avp: VerifiedPermissionsClient;
  close(): Promise<void>;
}

/** A real Tessera on a random port, on a fresh database of the given backend. */
export interface TestCerbosOptions {
  /** A Cerbos policy directory to load (not watched). */
  policiesDir?: string;
  admin?: AdminCredentials;
  requireTokenPrincipal?: boolean;
  globals?: Record<string, unknown>;
}

export async function startTestServer(opts: { backend?: Backend; clock?: Clock; dbUrl?: string; cerbos?: TestCerbosOptions; config?: ConfigFileInput; triggerModules?: string[] } = {}): Promise<TestServer> {
  const fresh = opts.dbUrl ? { url: opts.dbUrl, drop: async () => {} } : await freshDatabase(opts.backend ?? 'sqlite');
  const c = opts.cerbos;
  const tessera = await createTessera({
    db: fresh.url,
    region: REGION,
    publicUrl: 'http://127.0.0.1',
    issuerStyle: 'tessera',
    ...(opts.clock && { clock: opts.clock }),
    ...(opts.triggerModules && { triggerModules: opts.triggerModules }),
    ...(c && { cerbos: { ...(c.requireTokenPrincipal && { requireTokenPrincipal: true }), ...(c.globals && { globals: c.globals }) } }),
  });
  if (opts.config) await applyConfig(tessera, ConfigFile.parse(opts.config));
  if (c?.policiesDir) await tessera.cerbos.loadDirectory(c.policiesDir);
  const app = await buildServer(tessera, { credentials: [ADMIN_CREDENTIALS], logLevel: 'warn', ...(c?.admin && { cerbosAdmin: c.admin }), ...(c?.requireTokenPrincipal && { cerbosRequireTokenPrincipal: true }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new CognitoIdentityProviderClient({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
  const admin = client(ADMIN_CREDENTIALS);
  const anonymous = client({ accessKeyId: 'anonymous', secretAccessKey: 'anonymous' });
  const avp = new VerifiedPermissionsClient({ endpoint: url, region: REGION, credentials: ADMIN_CREDENTIALS, maxAttempts: 1 });
  return {
    url,
    dbUrl: fresh.url,
    tessera,
    app,
    admin,
    anonymous,
    avp,
    close: async () => {
      avp.destroy();
      admin.destroy();
      anonymous.destroy();
      await app.close();
      await tessera.close();
      await fresh.drop();
    },
  };
}

/** Raw AWS JSON call without signing, for malformed-input tests. */
export async function rawCall(url: string, target: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { __type?: string; message?: string }; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers }, body });
  const text = await res.text();
  let parsed: { __type?: string; message?: string } = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { message: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
