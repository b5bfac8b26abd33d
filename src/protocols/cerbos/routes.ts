import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CerbosPdp } from '../../authz/cerbos/pdp.ts';
import { CerbosError } from '../../authz/cerbos/errors.ts';
import type { Random } from '../../util/random.ts';
import { readCheckResourceSet, readCheckResources, readPlanResources, writeCheckResourceBatch, writeCheckResourceSet, writeCheckResources, writePlanResources } from './check-wire.ts';
import { sendCerbosError } from './errors.ts';

/** The Cerbos PDP version whose API and decisions Tessera reproduces. */
export const CERBOS_COMPATIBLE_VERSION = '0.55.0';

export interface CerbosRoutesOptions {
  pdp: CerbosPdp;
  random: Random;
  /** Whether principals come only from tokens. */
  requireTokenPrincipal: boolean;
}

/**
 * Cerbos' HTTP API at the server root, so `new HTTP(url)` from `@cerbos/http` works unchanged.
 * Bodies are JSON whatever their content type: the JS client sends `text/plain`.
 */
export async function registerCerbos(app: FastifyInstance, o: CerbosRoutesOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    const handle = (work: (req: FastifyRequest) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const out = await work(req);
        return reply.type('application/json').send(out);
      } catch (e) {
        return sendCerbosError(reply, e, (err) => req.log.error({ err }, 'cerbos request failed'));
      }
    };

    scope.post('/api/check/resources', handle(async (req) => {
      const request = readCheckResources(parseBody(req.body), (hasToken) => hasToken || o.requireTokenPrincipal);
      const result = await o.pdp.checkResources(request);
      return writeCheckResources(request, result, callId(o.random));
    }));

    scope.post('/api/check', handle(async (req) => {
      const request = readCheckResourceSet(parseBody(req.body), (hasToken) => hasToken || o.requireTokenPrincipal);
      return writeCheckResourceSet(request, await o.pdp.checkResources(request));
    }));

    scope.post('/api/plan/resources', handle(async (req) => {
      const request = readPlanResources(parseBody(req.body), (hasToken) => hasToken || o.requireTokenPrincipal);
      const out = await o.pdp.planResources(request);
      return writePlanResources(request, out, callId(o.random));
    }));

    scope.post('/api/check_resource_batch', handle(async (req) => {
      const request = readCheckResources(parseBody(req.body), (hasToken) => hasToken || o.requireTokenPrincipal);
      return writeCheckResourceBatch(request, await o.pdp.checkResources(request));
    }));

    scope.get('/api/server_info', handle(async () => ({ version: CERBOS_COMPATIBLE_VERSION })));
    scope.get('/_cerbos/health', handle(async (req) => {
      const service = (req.query as { service?: string }).service;
      if (service && service !== 'cerbos.svc.v1.CerbosService') throw new CerbosError(5, 'unknown service');
      return { status: 'SERVING' };
    }));

    // Cerbos' gateway answers a known path with the wrong method 501, and an unknown API path 404.
    const notAllowed = handle(async () => {
      throw new CerbosError(12, 'Method Not Allowed');
    });
    for (const path of ['/api/check/resources', '/api/check', '/api/check_resource_batch', '/api/plan/resources']) scope.get(path, notAllowed);
    for (const path of ['/api/server_info', '/_cerbos/health']) scope.post(path, notAllowed);
    scope.all('/api/*', handle(async () => {
      throw new CerbosError(5, 'Not Found');
    }));
  });
}

/**
 * A request body as Cerbos' gateway decodes it: JSON whatever the content type, an empty body as
 * `{}`, and anything after the first value ignored.
 */
export function parseBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : '';
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = /after JSON at position (\d+)/.exec((e as Error).message);
    if (!at) throw new CerbosError(3, (e as Error).message);
    value = JSON.parse(text.slice(0, Number(at[1])));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CerbosError(3, `proto: syntax error (line 1:1): unexpected token ${Array.isArray(value) ? '[' : JSON.stringify(value)}`);
  return value;
}

/**
 * Cerbos call ids are ULIDs: 26 Crockford base32 characters, time first. The random part comes from
 * a v4 UUID, which Node draws from a buffered pool, rather than from a synchronous read per call.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function callId(random: Random): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // Hex digits are Crockford digits too; 16 of them carry 64 random bits.
  const uuid = random.uuid();
  return time + (uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(15, 18) + uuid.slice(20, 21)).toUpperCase();
}
