// Shared by the example apps: the plumbing of a plain node:http server, so that each app shows only
// what its seed is about.
import type { Server, ServerResponse } from 'node:http';

/** Listens on host:port (0 for any free port) and resolves with the URL the app is reached at. */
export async function listen(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
}

/**
 * Runs a request's handler; a failure is logged and answered 500, or the connection dropped if the
 * answer had begun. An app that cannot ask its authorizer lets nobody in.
 */
export function failClosed(name: string, response: ServerResponse, handle: () => Promise<unknown>, json: (response: ServerResponse, status: number, body: unknown) => unknown): void {
  handle().catch((error: unknown) => {
    console.error(`${name}:`, error);
    if (!response.headersSent) json(response, 500, { message: 'Internal Server Error' });
    else response.destroy();
  });
}
