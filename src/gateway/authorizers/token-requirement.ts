import type { TokenUse } from '../../tokens/token-service.ts';
import type { TokenRequirement } from '../token-check.ts';
import type { AuthorizerContext } from './types.ts';

/** A route's token source (pool by id or name, clients, token use) checked against what exists, once at start. */
export async function tokenRequirement(spec: { userPool: string; clientIds?: string[] | undefined; tokenUse: TokenUse }, ctx: AuthorizerContext): Promise<TokenRequirement> {
  const poolId = await ctx.poolId(spec.userPool);
  await ctx.assertClients(poolId, spec.clientIds);
  return { poolId, tokenUse: spec.tokenUse, ...(spec.clientIds && { clientIds: spec.clientIds }) };
}
