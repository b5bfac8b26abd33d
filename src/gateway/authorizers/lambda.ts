import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AuthorizerFailedError, UnauthorizedError } from '../errors.ts';
import { authorizerContextHeaders } from '../identity-headers.ts';
import { AnswerCache } from './answer-cache.ts';
import { compileIdentitySource } from './identity-source.ts';
import { lambdaEvent, type LambdaAuthorizerEvent } from './lambda-payload.ts';
import type { AuthorizerFactory } from './types.ts';

/** API Gateway's simple response; anything else (an IAM policy answer included) is malformed. */
const SimpleResponse = z.object({
  isAuthorized: z.boolean(),
  context: z.record(z.string(), z.unknown()).nullish(),
});
type SimpleResponse = z.infer<typeof SimpleResponse>;

/**
 * An HTTP endpoint standing in for an HTTP API Lambda authorizer: it is POSTed the format 2.0 event
 * and answers `{isAuthorized, context}`. Missing identity sources are refused with 401 before any
 * call; answers are cached per identity-source values for `ttlSeconds`; any failure to get a
 * well-formed answer is a 500 and the request goes no further.
 */
export const lambdaAuthorizer: AuthorizerFactory<'lambda'> = async (spec, ctx) => {
  const url = new URL(spec.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the authorizer URL must be http or https`);
  // The log names the endpoint without its query or credentials, which may hold secrets.
  const endpoint = `${url.origin}${url.pathname}`;
  const readers = spec.identitySource.map((s) => compileIdentitySource(s));
  const cache = spec.ttlSeconds > 0 ? new AnswerCache<SimpleResponse>(spec.ttlSeconds * 1000, ctx.t.clock) : undefined;
  return {
    type: 'lambda',
    authorize: async (r) => {
      const values = readers.map((read) => read(r));
      if (values.some((v) => v === undefined || v === '')) throw new UnauthorizedError();
      const identity = values as string[];
      // Hashed: the key outlives the request, and identity sources are usually tokens.
      const key = cache && createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
      let answer = key === undefined ? undefined : cache?.get(key);
      if (!answer) {
        answer = await invoke(spec.url, lambdaEvent(r, identity, ctx.t.region, ctx.t.clock.now()), spec.timeoutMs, endpoint);
        if (key !== undefined) cache?.set(key, answer);
      }
      const headers = authorizerContextHeaders(answer.context ?? {}, (k) => r.log.warn({ authorizer: endpoint, key: k }, 'authorizer context entry cannot be a header; not forwarded'));
      return { allow: answer.isAuthorized, principal: '', headers, determining: [`lambda:${endpoint}`] };
    },
  };
};

async function invoke(url: string, event: LambdaAuthorizerEvent, timeoutMs: number, endpoint: string): Promise<SimpleResponse> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw new AuthorizerFailedError(`authorizer ${endpoint} ${isTimeout(e) ? `did not answer within ${timeoutMs} ms` : 'is unreachable'}`, { cause: e });
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel();
    throw new AuthorizerFailedError(`authorizer ${endpoint} answered HTTP ${res.status}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw new AuthorizerFailedError(`authorizer ${endpoint} ${isTimeout(e) ? `did not answer within ${timeoutMs} ms` : 'answered something that is not JSON'}`, { cause: e });
  }
  const parsed = SimpleResponse.safeParse(body);
  if (!parsed.success) throw new AuthorizerFailedError(`authorizer ${endpoint} answered without a boolean isAuthorized`);
  return parsed.data;
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || (e.cause instanceof Error && e.cause.name === 'TimeoutError'));
}
