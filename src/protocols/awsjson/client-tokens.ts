import { createHash } from 'node:crypto';
import { ConflictException } from '../../authz/cedar/errors.ts';
import type { ClientTokenRepository } from '../../store/repositories/client-tokens.ts';
import { CLIENT_TOKEN_TTL_MS } from '../../store/pruning.ts';
import type { Clock } from '../../util/clock.ts';

/**
 * AWS's `clientToken` idempotency: a retry with the same token and the same parameters gets the first
 * answer and changes nothing; the same token with other parameters is a ConflictException. Tokens
 * are honoured for 8 hours.
 */
export function idempotent<I extends { clientToken?: string | undefined }>(
  tokens: ClientTokenRepository,
  clock: Clock,
  operation: string,
  handler: (input: I) => Promise<object>,
): (input: I) => Promise<object> {
  return async (input) => {
    const { clientToken, ...rest } = input;
    if (clientToken === undefined) return handler(input);
    const hash = createHash('sha256').update(JSON.stringify(rest)).digest('hex');
    const now = clock.now();
    await tokens.expire(operation, clientToken, now - CLIENT_TOKEN_TTL_MS);
    if (!(await tokens.claim(operation, clientToken, hash, now))) {
      const earlier = await tokens.find(operation, clientToken, now - CLIENT_TOKEN_TTL_MS);
      if (earlier && earlier.requestHash !== hash) throw new ConflictException('The clientToken was already used with different parameters.');
      if (!earlier || earlier.response === null) throw new ConflictException('A request with this clientToken is still in progress.');
      return JSON.parse(earlier.response) as object;
    }
    try {
      const output = await handler(input);
      await tokens.complete(operation, clientToken, JSON.stringify(output));
      return output;
    } catch (e) {
      await tokens.release(operation, clientToken);
      throw e;
    }
  };
}
