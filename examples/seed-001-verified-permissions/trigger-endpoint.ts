/**
 * The same pre token generation handler behind an HTTP endpoint, the other kind of trigger target
 * Tessera takes: it POSTs Cognito's event as JSON and reads back the event with `response` filled.
 * `npm run example:001 -- --http-trigger` uses it instead of the local module.
 */
import { createServer, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { closeServer, failClosed, listen } from '../support/http-app.ts';
import { TRIGGER_MODULE } from './setup.ts';

/** The event as far as this endpoint cares: any JSON object. */
type TriggerEvent = Record<string, unknown>;

export interface TriggerEndpoint {
  /** What to put in LambdaConfig. */
  url: string;
  close(): Promise<void>;
}

export async function startTriggerEndpoint(opts: { port: number; host: string }): Promise<TriggerEndpoint> {
  // A plain JavaScript module, loaded as Tessera loads it.
  const { handler } = (await import(pathToFileURL(TRIGGER_MODULE).href)) as { handler: (event: TriggerEvent) => Promise<TriggerEvent> };
  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const server = createServer((request, response) => {
    failClosed('pre token generation endpoint', response, async () => {
      if (request.method !== 'POST') return json(response, 405, { message: 'Method Not Allowed' });
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      let event: unknown;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return json(response, 400, { message: 'the body is not JSON' });
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) return json(response, 400, { message: 'the body is not an event' });
      try {
        return json(response, 200, await handler(event as TriggerEvent));
      } catch (error) {
        // Lambda's error shape: Tessera fails the sign-in with this message, as Cognito would.
        return json(response, 500, { errorMessage: error instanceof Error ? error.message : String(error), errorType: 'Error' });
      }
    }, json);
  });
  const base = await listen(server, opts.host, opts.port);
  return { url: `${base}/pre-token-generation`, close: () => closeServer(server) };
}
