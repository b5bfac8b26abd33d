import http from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignedAwsClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** SigV4 signing name, e.g. `verifiedpermissions`. */
  service: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** AWS JSON protocol version: 1.0 for Verified Permissions, 1.1 for Cognito. */
  jsonVersion: '1.0' | '1.1';
  /** Connections kept open to the server; default 32. */
  maxSockets?: number;
}

export interface SignedAwsResponse {
  status: number;
  /** The error name (`x-amzn-errortype` without its `:…` suffix, else body `__type`), on failures. */
  errorType: string | undefined;
  /** The response body exactly as received. */
  text: string;
}

export interface SignedAwsClient {
  /**
   * `POST /` with `X-Amz-Target: target`, signed with SigV4 over exactly the given bytes. A string
   * body is sent as is; anything else goes through `JSON.stringify` (which writes `JSON.rawJSON`
   * values verbatim, so i64 values stay exact).
   */
  call(target: string, body: unknown): Promise<SignedAwsResponse>;
  close(): void;
}

/** A raw AWS JSON client for calls whose body text must be exact (the SDKs round numbers to doubles). */
export function signedAwsClient(opts: SignedAwsClientOptions): SignedAwsClient {
  const base = new URL(opts.url);
  const signer = new SignatureV4({
    service: opts.service,
    region: opts.region,
    credentials: opts.credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: true,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 32 });
  const contentType = `application/x-amz-json-${opts.jsonVersion}`;

  async function call(target: string, body: unknown): Promise<SignedAwsResponse> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const request = new HttpRequest({
      method: 'POST',
      protocol: base.protocol,
      hostname: base.hostname,
      port: Number(base.port),
      path: '/',
      headers: { host: base.host, 'content-type': contentType, 'x-amz-target': target },
      body: text,
    });
    const signed = await signer.sign(request);
    return send(signed.headers, text);
  }

  function send(headers: Record<string, string>, body: string): Promise<SignedAwsResponse> {
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent, method: 'POST', hostname: base.hostname, port: base.port, path: '/', headers: { ...headers, 'content-length': String(payload.length) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({ status, errorType: status >= 300 ? errorName(res.headers['x-amzn-errortype'], text) : undefined, text });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  return { call, close: () => agent.destroy() };
}

function errorName(header: string | string[] | undefined, body: string): string {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  let name = fromHeader;
  if (!name) {
    try {
      const parsed = JSON.parse(body) as { __type?: unknown; code?: unknown };
      name = typeof parsed.__type === 'string' ? parsed.__type : typeof parsed.code === 'string' ? parsed.code : undefined;
    } catch {
      name = undefined;
    }
  }
  if (!name) return 'UnknownError';
  // SDKs strip a `namespace#` prefix and a `:http://…` suffix.
  return name.split(':')[0]!.split('#').pop()!;
}
