/**
 * Seed 001's app: a file API that asks Verified Permissions, with the caller's Cognito ID token,
 * whether they may do what they ask.
 *
 *   GET    /files/:id  → action readFile
 *   PUT    /files/:id  → action writeFile
 *   DELETE /files/:id  → action deleteFile
 *
 * The ID token comes as `Authorization: Bearer …`. The app does not verify it: IsAuthorizedWithToken
 * does (issuer = the store's identity source, aud in its clientIds, expiry, token_use, signature) and
 * maps it to the principal `ExampleCorp::User::"<poolId>|<sub>"` whose attributes are the token's claims.
 * A refused token is 401, a DENY is 403, an ALLOW does the work. Tessera also denies the tokens of
 * a revoked session or of a disabled or deleted user (AVP itself would still allow them until they
 * expire): a DENY, so 403, with the reason in the decision's `errors`, which the app logs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { IsAuthorizedWithTokenCommand, VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { failClosed, listen } from '../support/http-app.ts';
import { type Credentials, FILE_ID } from './setup.ts';

export interface AppConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  host: string;
  /** Tessera's base URL: the Verified Permissions endpoint. */
  tesseraUrl: string;
  region?: string;
  /** The app's own AWS credentials, for its IsAuthorizedWithToken calls. */
  credentials: Credentials;
  policyStoreId: string;
  /** Where each decision is logged; silent by default. */
  log?: (message: string) => void;
}

export interface RunningApp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A file no policy mentions. */
export const ROADMAP_ID = '5d1c7e3a-8f2b-4c61-9a0e-3b7f2d9c4e18';

/** The files each app starts with. */
const INITIAL_FILES: Array<[string, { name: string; content: string }]> = [
  [FILE_ID, { name: 'example_image.png', content: 'iVBORw0KGgo…' }],
  [ROADMAP_ID, { name: 'roadmap.txt', content: 'Q3: ship it.' }],
];

const ACTIONS: Record<string, string> = { GET: 'readFile', PUT: 'writeFile', DELETE: 'deleteFile' };

export async function startApp(config: AppConfig): Promise<RunningApp> {
  const avp = new VerifiedPermissionsClient({ endpoint: config.tesseraUrl, region: config.region ?? 'us-east-1', credentials: config.credentials, maxAttempts: 1 });
  const log = config.log ?? (() => {});
  const FILES = new Map(INITIAL_FILES.map(([id, f]) => [id, { ...f }]));

  const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers });
    response.end(JSON.stringify(body));
  };
  const unauthorized = (response: ServerResponse, invalid: boolean) =>
    json(response, 401, { message: 'Unauthorized' }, { 'www-authenticate': `Bearer realm="seed-001"${invalid ? ', error="invalid_token"' : ''}` });

  const files = async (request: IncomingMessage, response: ServerResponse, fileId: string) => {
    const method = request.method ?? 'GET';
    const actionId = ACTIONS[method];
    if (!actionId) return json(response, 405, { message: 'Method Not Allowed' }, { allow: Object.keys(ACTIONS).join(', ') });
    const m = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(request.headers.authorization ?? '');
    if (!m) return unauthorized(response, false);

    let decision;
    try {
      decision = await avp.send(
        new IsAuthorizedWithTokenCommand({
          policyStoreId: config.policyStoreId,
          identityToken: m[1],
          action: { actionType: 'Action', actionId },
          resource: { entityType: 'ExampleCorp::File', entityId: fileId },
        }),
      );
    } catch (error) {
      // A token Verified Permissions would not take: not this pool's, not this client's, expired, not an ID token, forged.
      if (error instanceof Error && error.name === 'ValidationException') {
        log(`${method} /files/${fileId}: token refused (${error.message})`);
        return unauthorized(response, true);
      }
      throw error;
    }
    const principal = decision.principal ? `${decision.principal.entityType}::"${decision.principal.entityId}"` : undefined;
    const determiningPolicies = (decision.determiningPolicies ?? []).map((p) => p.policyId);
    const errors = (decision.errors ?? []).map((e) => e.errorDescription);
    log(`${method} /files/${fileId}: ${decision.decision} for ${principal} (policies: ${determiningPolicies.join(', ') || 'none'}${errors.length ? `; errors: ${errors.join('; ')}` : ''})`);
    if (decision.decision !== 'ALLOW') return json(response, 403, { message: 'Forbidden', decision: decision.decision, principal, determiningPolicies });

    // Only now, once allowed, may the caller learn whether the file exists.
    const stored = FILES.get(fileId);
    if (!stored) return json(response, 404, { message: 'Not Found' });
    if (method === 'PUT') {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      stored.content = Buffer.concat(chunks).toString('utf8');
    }
    if (method === 'DELETE') {
      FILES.delete(fileId);
      response.writeHead(204).end();
      return;
    }
    return json(response, 200, { file: { id: fileId, ...stored }, decision: decision.decision, principal, determiningPolicies });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app.invalid');
    const m = /^\/files\/([\w-]{1,200})$/.exec(url.pathname);
    const handle = async () => {
      if (m) return files(request, response, m[1]!);
      return json(response, 404, { message: 'Not Found' });
    };
    failClosed('seed-001 app', response, handle, json);
  });

  const url = await listen(server, config.host, config.port);
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        avp.destroy();
      }),
  };
}
