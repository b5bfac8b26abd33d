import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BadGatewayError, BadRequestError, GatewayTimeoutError } from './errors.ts';
import { downstreamHeaders } from './request-headers.ts';
import { sendWireError } from './wire.ts';

/** Where a route forwards: the upstream's origin and path prefix, parsed once. */
export interface Upstream {
  origin: string;
  /** Normalised, without a trailing slash; '' for none. */
  prefix: string;
}

export function parseUpstream(text: string): Upstream {
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the upstream must be an http or https URL`);
  if (url.search || url.hash || url.username || url.password) throw new Error(`the upstream may not carry a query, a fragment or credentials`);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/**
 * The upstream URL: origin, prefix, and the client's raw path byte for byte. If URL parsing would
 * change the path in any way (the proxy parses it again), the request is refused, so what the
 * upstream receives is exactly what routing and authorization saw.
 */
export function upstreamUrl(u: Upstream, rawPath: string): string {
  const url = `${u.origin}${u.prefix}${rawPath}`;
  if (new URL(url).pathname !== `${u.prefix}${rawPath}`) throw new BadRequestError('the path would not reach the upstream unchanged');
  return url;
}

/** undici underneath: keep-alive connection pools per upstream origin, bodies streamed both ways. */
export async function registerProxy(app: FastifyInstance): Promise<void> {
  await app.register(replyFrom, {
    disableRequestLogging: true,
    // A gateway does not replay requests on its own; the client decides whether to retry.
    retryMethods: [],
    destroyAgent: true,
    undici: { connections: 128, pipelining: 1 },
  });
}

export interface Forward {
  url: string;
  headers: Record<string, string | string[]>;
  timeoutMs: number;
  routeKey: string;
}

/** Streams the request to the upstream and its answer back; failures become 502 or 504 with nothing internal in them. */
export function forward(reply: FastifyReply, f: Forward): FastifyReply {
  return reply.from(f.url, {
    timeout: f.timeoutMs,
    retryDelay: () => null,
    // reply-from computed `host` for the upstream; everything else is the gateway's own header set.
    rewriteRequestHeaders: (_req, computed) => ({ ...f.headers, host: computed.host as string }),
    rewriteHeaders: (headers) => downstreamHeaders(headers as Record<string, string | string[] | undefined>),
    onError: (r, { error }) => {
      const timedOut = (error as { statusCode?: number }).statusCode === 504;
      const cause = error.cause instanceof Error ? error.cause : error;
      r.request.log.warn({ route: f.routeKey, upstream: new URL(f.url).origin, code: (cause as { code?: string }).code, reason: cause.message }, timedOut ? 'upstream timed out' : 'upstream failed');
      sendWireError(r as FastifyReply, timedOut ? new GatewayTimeoutError('upstream timed out') : new BadGatewayError('upstream failed'));
    },
  });
}
