import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { IDENTITY_PREFIX } from './identity-headers.ts';

/** Headers some frameworks obey to change the method the application sees: authorization saw another one. */
const METHOD_OVERRIDES = new Set(['x-http-method-override', 'x-http-method', 'x-method-override']);

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the upstream client refuses outright; `Expect` is answered here. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'http2-settings']);

/** What only a trusted proxy in front may tell us; from anyone else it is a lie about the client. */
const PROXY_ONLY = new Set(['forwarded', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-real-ip']);

/**
 * The client's headers minus what it must not control: every `x-tessera-*` header, method
 * overrides and hop-by-hop headers. Names are compared with `_` read as `-`, because servers that
 * map headers to variables (CGI, WSGI, nginx) do, and `x_tessera_sub` would become `x-tessera-sub`.
 * The Lambda authorizer sees these, and so does the upstream (plus what the gateway adds).
 */
export function clientHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const connectionListed = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((s) => s.trim()) : [];
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const n = name.toLowerCase().replaceAll('_', '-');
    if (n.startsWith(IDENTITY_PREFIX) || METHOD_OVERRIDES.has(n) || HOP_BY_HOP.has(n) || connectionListed.includes(name.toLowerCase())) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The headers sent upstream: the client's cleaned headers, the `X-Forwarded-*` trio, and the
 * verified identity. Behind a trusted proxy the forwarded chain is extended; otherwise it starts
 * here, since a client can write anything into it.
 */
export function upstreamHeaders(req: FastifyRequest, cleaned: IncomingHttpHeaders, identity: Record<string, string>, trustProxy: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(cleaned)) {
    if (value === undefined) continue;
    if (!trustProxy && PROXY_ONLY.has(name.toLowerCase().replaceAll('_', '-'))) continue;
    out[name] = value;
  }
  const remote = req.raw.socket.remoteAddress ?? '';
  const chain = trustProxy && typeof cleaned['x-forwarded-for'] === 'string' ? `${cleaned['x-forwarded-for']}, ${remote}` : remote;
  out['x-forwarded-for'] = chain;
  out['x-forwarded-proto'] = req.protocol;
  out['x-forwarded-host'] = req.host;
  return { ...out, ...identity };
}

/** Response headers that describe the upstream connection, not the client's. */
export function downstreamHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  return out;
}
