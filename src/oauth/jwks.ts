import type { FastifyInstance } from 'fastify';
import type { Tessera } from '../app.ts';

/** `{issuer}/.well-known/jwks.json`: a pool's published signing keys, current and retiring. */
export async function registerJwks(app: FastifyInstance, t: Tessera): Promise<void> {
  app.get<{ Params: { poolId: string } }>('/:poolId/.well-known/jwks.json', async (request, reply) => {
    const { poolId } = request.params;
    if (!(await t.userPools.directory.findPool(poolId))) return reply.code(404).send({ error: 'not_found', error_description: `User pool ${poolId} does not exist.` });
    // Keys change only by rotation, which keeps old keys published: caches may hold this a while.
    return reply.header('cache-control', 'public, max-age=300').send(await t.keys.jwks(poolId));
  });
}
