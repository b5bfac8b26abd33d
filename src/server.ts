import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Tessera } from './app.ts';
import { registerOAuthCors } from './oauth/cors.ts';
import { registerJwks } from './oauth/jwks.ts';
import { registerOAuth } from './oauth/routes.ts';
import { cognitoIdentityProvider } from './protocols/awsjson/cognito-idp.ts';
import { registerAwsJson } from './protocols/awsjson/dispatcher.ts';
import { verifiedPermissions } from './protocols/awsjson/verified-permissions.ts';
import { type AdminCredentials, registerCerbosAdmin } from './protocols/cerbos/admin-routes.ts';
import { registerCerbos } from './protocols/cerbos/routes.ts';
import { registerPermit } from './protocols/permit/routes.ts';

export interface ServerOptions {
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
  logLevel?: string;
  /** Trust X-Forwarded-* from a proxy in front (for client IPs and https detection). */
  trustProxy?: boolean;
  /** Basic-auth credentials of the Cerbos Admin API; without them it refuses every call. */
  cerbosAdmin?: AdminCredentials;
  /** Cerbos checks build every principal from the request's token. */
  cerbosRequireTokenPrincipal?: boolean;
}

/** Builds the HTTP face of a Tessera: mounts the protocol adapters, nothing else. */
export async function buildServer(t: Tessera, o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: o.logLevel ?? 'info',
      // Tokens and signatures travel in these; they never reach the log.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-amz-security-token"]'],
    },
    // Per-request lines would cost more than a sign-in's own work; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: o.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: () => t.random.uuid(),
  });
  // Before the routes, whose hooks are fixed as they are added.
  registerOAuthCors(app);
  await registerAwsJson(app, { services: [cognitoIdentityProvider(t.userPools, t.region), verifiedPermissions(t.policyStores, (poolId) => t.tokens.issuer(poolId), t.clientTokens, t.clock)], region: t.region, clock: t.clock, credentials: o.credentials });
  await registerJwks(app, t);
  await registerOAuth(app, t);
  await registerCerbos(app, { pdp: t.cerbos, random: t.random, requireTokenPrincipal: o.cerbosRequireTokenPrincipal ?? false });
  await registerCerbosAdmin(app, t.cerbos, o.cerbosAdmin);
  await registerPermit(app, t.rbac);
  app.get('/health', async () => ({ status: 'ok' }));
  return app;
}
