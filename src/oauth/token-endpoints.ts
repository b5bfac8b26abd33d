import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientCredentialsInput } from './client-auth.ts';
import { OAuthError, invalidRequest, unsupportedGrantType } from './errors.ts';
import type { OAuthService } from './oauth-service.ts';

type Params = { poolId: string };
type Form = Record<string, string | undefined>;

/** The endpoints that answer JSON rather than pages (their unreadable requests get invalid_request). */
export const JSON_ROUTES = new Set(['/:poolId/oauth2/token', '/:poolId/oauth2/revoke', '/:poolId/oauth2/userInfo']);

/** The token, userInfo and revocation endpoints: machine-facing, JSON, never cached. */
export function tokenEndpoints(app: FastifyInstance, oauth: OAuthService): void {
  // Token endpoint (RFC 6749 §3.2): JSON answers, never cached.
  app.post<{ Params: Params; Body: Form }>('/:poolId/oauth2/token', async (request, reply) => {
    void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
    const form = request.body ?? {};
    const auth = clientAuthOf(request, form);
    try {
      if (!isForm(request)) throw invalidRequest('the body must be application/x-www-form-urlencoded');
      const poolId = request.params.poolId;
      switch (form.grant_type) {
        case 'authorization_code':
          return reply.send(await oauth.exchangeCode(poolId, auth, { code: form.code, redirect_uri: form.redirect_uri, code_verifier: form.code_verifier }));
        case 'refresh_token':
          return reply.send(await oauth.refresh(poolId, auth, { refresh_token: form.refresh_token, scope: form.scope }));
        case 'client_credentials':
          return reply.send(await oauth.clientCredentials(poolId, auth, { scope: form.scope }));
        case undefined:
          throw invalidRequest('grant_type is required');
        default:
          throw unsupportedGrantType(`grant_type ${form.grant_type} is not supported`);
      }
    } catch (e) {
      return sendOAuthError(reply, e, auth.authorization !== undefined);
    }
  });

  const userInfo = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    void reply.header('cache-control', 'no-store');
    const header = request.headers.authorization;
    const token = typeof header === 'string' && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : undefined;
    try {
      return reply.send(await oauth.userInfo(request.params.poolId, token));
    } catch (e) {
      if (e instanceof OAuthError) {
        // RFC 6750 §3: the error travels in WWW-Authenticate.
        void reply.header('www-authenticate', `Bearer error="${e.error}", error_description="${e.description.replace(/["\\]/g, '')}"`);
      }
      return sendOAuthError(reply, e, false);
    }
  };
  app.get<{ Params: Params }>('/:poolId/oauth2/userInfo', userInfo);
  app.post<{ Params: Params }>('/:poolId/oauth2/userInfo', userInfo);

  app.post<{ Params: Params; Body: Form }>('/:poolId/oauth2/revoke', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const form = request.body ?? {};
    const auth = clientAuthOf(request, form);
    try {
      if (!isForm(request)) throw invalidRequest('the body must be application/x-www-form-urlencoded');
      await oauth.revoke(request.params.poolId, auth, { token: form.token, token_type_hint: form.token_type_hint });
      return reply.code(200).send();
    } catch (e) {
      return sendOAuthError(reply, e, auth.authorization !== undefined);
    }
  });
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function clientAuthOf(request: FastifyRequest, form: Form): ClientCredentialsInput {
  const header = request.headers.authorization;
  return {
    ...(typeof header === 'string' && { authorization: header }),
    ...(typeof form.client_id === 'string' && { clientId: form.client_id }),
    ...(typeof form.client_secret === 'string' && { clientSecret: form.client_secret }),
  };
}

/** RFC 6749 §5.2 bodies; 401 with a Basic challenge when the client tried Basic authentication. */
function sendOAuthError(reply: FastifyReply, e: unknown, usedBasic: boolean): FastifyReply {
  if (e instanceof OAuthError) {
    if (e.status === 401 && usedBasic) void reply.header('www-authenticate', 'Basic realm="tessera", charset="UTF-8"');
    return reply.code(e.status).send({ error: e.error, error_description: e.description });
  }
  throw e;
}
