import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { verifySigV4 } from '../../crypto/sigv4-verifier.ts';
import type { Clock } from '../../util/clock.ts';
import { exactInteger } from '../../util/lossless-json.ts';
import { AwsProtocolError, toAwsError } from './errors.ts';
import type { CallContext, ServiceTable } from './operation.ts';

export interface AwsJsonOptions {
  services: ServiceTable[];
  region: string;
  clock: Clock;
  /** The admin access keys SigV4-signed operations are checked against. */
  credentials: Array<{ accessKeyId: string; secretAccessKey: string }>;
}

const CONTENT_TYPES = ['application/x-amz-json-1.0', 'application/x-amz-json-1.1'];

// Browser SDKs (amazon-cognito-identity-js, Amplify) call the API cross-origin.
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, cache-control, amz-sdk-invocation-id, amz-sdk-request',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amz-apigw-id, date',
  'access-control-max-age': '86400',
};

/**
 * The AWS JSON 1.0/1.1 protocol: `POST /` routed by `X-Amz-Target` to a service's operation table.
 * Bodies are kept raw so SigV4 can hash exactly the bytes that were signed.
 */
export async function registerAwsJson(root: FastifyInstance, opts: AwsJsonOptions): Promise<void> {
  // A child context, so the raw-body parsers and the error handler apply to this protocol only.
  await root.register(async (app) => awsJsonRoutes(app, opts));
}

async function awsJsonRoutes(app: FastifyInstance, opts: AwsJsonOptions): Promise<void> {
  const byPrefix = new Map(opts.services.map((s) => [s.targetPrefix, s]));
  const secrets = new Map(opts.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));

  for (const type of CONTENT_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  // Some clients send AWS JSON as application/json or without a type; the target header decides.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const e = toAwsError(error, request.log);
    void reply.code(e.status).headers(CORS_HEADERS).header('x-amzn-errortype', `${e.type}:`).type('application/x-amz-json-1.1').send(JSON.stringify({ __type: e.type, message: e.message }));
  });

  app.options('/', async (_req, reply) => reply.headers(CORS_HEADERS).code(204).send());

  app.post('/', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.headers(CORS_HEADERS);
    reply.header('x-amzn-requestid', request.id);
    const target = request.headers['x-amz-target'];
    const service = typeof target === 'string' ? byPrefix.get(target.slice(0, target.indexOf('.'))) : undefined;
    const version = service?.jsonVersion ?? (String(request.headers['content-type']).includes('1.0') ? '1.0' : '1.1');
    reply.type(`application/x-amz-json-${version}`);
    try {
      if (typeof target !== 'string' || !service) throw new AwsProtocolError('UnknownOperationException', 'The requested operation is not recognized by the service.');
      const name = target.slice(target.indexOf('.') + 1);
      const operation = Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
      if (!operation) throw new AwsProtocolError('UnknownOperationException', `Unknown operation ${target}`);

      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const ctx: CallContext = { sourceIp: request.ip };
      if (operation.auth === 'sigv4') {
        const verified = await verifySigV4(
          { method: request.method, path: request.url.split('?')[0] ?? '/', query: request.query as Record<string, string>, headers: request.headers, body: raw },
          { service: service.signingName, region: opts.region, secretFor: (id) => secrets.get(id), now: opts.clock.now() },
        );
        ctx.accessKeyId = verified.accessKeyId;
      }
      const input = operation.input.parse(parseJson(raw, service.losslessIntegers === true, service.allowNul === true));
      const output = await operation.handler(input, ctx);
      return reply.code(200).send(JSON.stringify(output ?? {}));
    } catch (error) {
      const e = toAwsError(error, request.log, service?.validationError);
      return reply
        .code(e.status)
        .header('x-amzn-errortype', `${e.type}:`)
        .send(JSON.stringify({ __type: e.type, message: e.message, ...e.fields }));
    }
  });
}

/** Far deeper than any Cognito shape, far shallower than where recursive code (JSON.stringify of a stored free-form map) overflows. */
const MAX_DEPTH = 100;

function parseJson(raw: Buffer, lossless: boolean, allowNul: boolean): unknown {
  if (raw.length === 0) return {};
  if (nestedDeeperThan(raw, MAX_DEPTH)) throw new AwsProtocolError('SerializationException', `The request body is nested deeper than ${MAX_DEPTH} levels.`);
  const text = raw.toString('utf8');
  let value: unknown;
  let nul = false;
  let inexact = false;
  // A reviver costs several times the parse itself, and most bodies need none: no null member to drop,
  // no escaped NUL, and (where 64-bit integers matter) no run of 16 digits that could exceed 2^53.
  const needsReviver = text.includes('null') || text.includes('\\u0000') || (lossless && /\d{16}/.test(text));
  try {
    value = !needsReviver
      ? JSON.parse(text)
      : JSON.parse(text, function (this: unknown, key: string, v: unknown, context?: { source?: string }) {
          if (key.includes('\0') || (typeof v === 'string' && v.includes('\0'))) nul = true;
          if (lossless && typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) {
            const exact = exactInteger(v, context?.source);
            if (exact !== undefined) return exact;
            // Without source access an integer literal beyond 2^53 cannot be read exactly.
            if (context?.source === undefined) inexact = true;
          }
          // AWS JSON servers drop null members (Smithy's AwsJson11ServersDontDeserializeNullStructureValues).
          return v === null && !Array.isArray(this) ? undefined : v;
        });
  } catch {
    value = undefined;
  }
  if (inexact) {
    throw new AwsProtocolError('ValidationException', 'The request holds an integer beyond 2^53, which this Node.js cannot read exactly; run Tessera on Node 22 or with --harmony-json-parse-with-source.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsProtocolError('SerializationException', 'Start of structure or map found where not expected.');
  }
  // PostgreSQL cannot store U+0000 and no member has a use for it: refused alike on every backend.
  if (nul && !allowNul) throw new AwsProtocolError('InvalidParameterException', 'The request contains a NUL character (U+0000), which no member accepts.');
  return value;
}

/** Scans the raw bytes (outside strings) for `{`/`[` nesting, stopping as soon as it exceeds `max`. */
function nestedDeeperThan(raw: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
