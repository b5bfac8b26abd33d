import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CerbosPdp } from '../../authz/cerbos/pdp.ts';
import { CerbosError } from '../../authz/cerbos/errors.ts';
import type { Random } from '../../util/random.ts';
import { readCheckResources, writeCheckResources } from './check-wire.ts';
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

    scope.get('/api/server_info', handle(async () => ({ version: CERBOS_COMPATIBLE_VERSION })));
    scope.get('/_cerbos/health', handle(async (req) => {
      const service = (req.query as { service?: string }).service;
      if (service && service !== 'cerbos.svc.v1.CerbosService') throw new CerbosError(5, 'unknown service');
      return { status: 'SERVING' };
    }));
  });
}

export function parseBody(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') throw new CerbosError(3, 'unexpected EOF');
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new CerbosError(3, (e as Error).message);
  }
}

/** Cerbos call ids are ULIDs: 26 Crockford base32 characters, time first. */
function callId(random: Random): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const bytes = random.bytes(16);
  let rest = '';
  for (let i = 0; i < 16; i++) rest += alphabet[bytes[i]! % 32];
  return time + rest;
}
