import type { FastifyInstance } from 'fastify';

/**
 * Browser apps call these cross-origin, as they call Cognito's: a SPA swaps its code at the token
 * endpoint (PKCE, no secret), reads userInfo, revokes, and fetches keys and discovery. None of them
 * reads cookies, so any origin may read the answers, and credentials are never allowed.
 */
const CORS_ROUTES = ['/:poolId/oauth2/token', '/:poolId/oauth2/userInfo', '/:poolId/oauth2/revoke', '/:poolId/.well-known/jwks.json', '/:poolId/.well-known/openid-configuration'];

const ALLOW = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'Authorization, Content-Type, X-Amz-User-Agent, X-Amz-Target, Cache-Control',
  'access-control-max-age': '86400',
};

export function registerOAuthCors(app: FastifyInstance): void {
  const routes = new Set(CORS_ROUTES);
  app.addHook('onSend', async (request, reply) => {
    if (routes.has(request.routeOptions.url ?? '')) void reply.header('access-control-allow-origin', '*');
  });
  for (const url of CORS_ROUTES) app.options(url, async (_request, reply) => reply.code(204).headers(ALLOW).send());
}
