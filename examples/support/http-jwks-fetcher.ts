import type { Fetcher } from 'aws-jwt-verify/https';

/**
 * aws-jwt-verify's default fetcher only does https in Node. A local Tessera serves its JWKS over
 * plain http, so this one goes through global fetch instead.
 */
export class HttpJwksFetcher implements Fetcher {
  constructor(private readonly timeoutMs = 5000) {}

  async fetch(uri: string): Promise<ArrayBuffer> {
    const response = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`GET ${uri}: HTTP ${response.status}`);
    return response.arrayBuffer();
  }
}
