// Shared by the example apps: the plumbing of a plain node:http server, so that each app shows only
// what its seed is about.
import type { Server, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

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

/** Stops accepting, ends open keep-alive connections, and resolves once the server has closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * When `moduleUrl` is the program itself (`node --import tsx file.ts`), starts the app, prints what
 * `banner` says and stops it on Ctrl-C; when the module is imported, does nothing.
 */
export async function runWhenMain<T extends { close(): Promise<unknown> }>(moduleUrl: string, start: () => Promise<T>, banner: (started: T) => string): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const app = await start();
  console.log(banner(app));
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A JSON answer that no cache keeps. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
