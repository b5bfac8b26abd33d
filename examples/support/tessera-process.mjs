// Shared by the runnable examples: Tessera with its demo data on a throw-away SQLite database, in a
// child process that never outlives the example, and one way to stop everything.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tessera.js', import.meta.url));

/**
 * Starts `tessera serve --demo` on TESSERA_PORT (7070) and resolves once it listens. `stop(code)`
 * closes the app given to `setApp`, stops Tessera, removes the database and exits; Ctrl-C calls it.
 * Admin credentials come from TESSERA_ACCESS_KEY_ID / TESSERA_SECRET_ACCESS_KEY, else demo's test/test.
 * `extraArgs` go to `tessera serve` after the defaults, e.g. `['--cerbos-policies', dir]`; with
 * `--gateway-port`, `gatewayUrl` is where the gateway listens.
 */
export async function startTessera(name, extraArgs = []) {
  const port = process.env.TESSERA_PORT ?? '7070';
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-${name}-`));
  const credentials =
    process.env.TESSERA_ACCESS_KEY_ID && process.env.TESSERA_SECRET_ACCESS_KEY
      ? { accessKeyId: process.env.TESSERA_ACCESS_KEY_ID, secretAccessKey: process.env.TESSERA_SECRET_ACCESS_KEY }
      : { accessKeyId: 'test', secretAccessKey: 'test' };

  // Its own process group, so that Ctrl-C reaches only the example, which then stops Tessera once.
  const tessera = spawn(process.execPath, [BIN, 'serve', '--demo', '--db', `sqlite:${join(dataDir, 'tessera.db')}`, '--port', port, '--log-level', process.env.TESSERA_LOG_LEVEL ?? 'warn', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let app;
  let stopping = false;

  async function stop(code = 0) {
    if (stopping) return;
    stopping = true;
    await app?.close().catch(() => undefined);
    if (tessera.exitCode === null && tessera.signalCode === null) {
      const exited = new Promise((resolve) => tessera.once('exit', resolve));
      tessera.kill('SIGTERM');
      const killer = setTimeout(() => tessera.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  }
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  // Should the example die some other way, Tessera does not outlive it.
  process.once('exit', () => {
    if (tessera.exitCode === null && tessera.signalCode === null) tessera.kill('SIGKILL');
  });

  // The gateway, when asked for, announces itself before the ready line.
  let gatewayUrl;
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      const m = /Tessera listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        gatewayUrl = /Tessera gateway listening on (http:\/\/\S+)/.exec(out)?.[1];
        tessera.stdout.off('data', onData);
        tessera.stderr.off('data', onData);
        resolve(m[1]);
      }
    };
    tessera.stdout.on('data', onData);
    tessera.stderr.on('data', onData);
    tessera.once('exit', (code) => reject(new Error(`Tessera exited with ${code} before it was ready:\n${out}`)));
  }).catch((error) => {
    console.error(error.message);
    return stop(1);
  });
  // From here on Tessera's own output (warnings and errors) goes to the terminal.
  tessera.stdout.on('data', (chunk) => process.stderr.write(`[tessera] ${chunk}`));
  tessera.stderr.on('data', (chunk) => process.stderr.write(`[tessera] ${chunk}`));
  tessera.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`Tessera stopped (${signal ?? code}); stopping the app.`);
    void stop(1);
  });

  return { url, gatewayUrl, credentials, stop, setApp: (started) => (app = started) };
}
