import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Fastify, { type FastifyInstance } from 'fastify';
import { type CpuWindow, startCpuWindow } from './machine.ts';
import type { ThroughputRun } from './throughput.ts';

/** One request as the client would put it on the wire (autocannon adds Host and Content-Length). */
export interface WireRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadJob {
  url: string;
  connections: number;
  durationMs: number;
  requests: WireRequest[];
}

export type LoadRun = ThroughputRun & { firstFailure?: string };

interface LoadAnswer {
  latencies: Float64Array;
  failed: number;
  firstFailure?: string;
  error?: string;
}

// Plain CommonJS evaluated in a worker thread: an in-process server keeps the main thread to
// itself, so its CPU time is measurable apart from the load generator's. Prebuilt
// requests (no setupRequest) keep autocannon's own cost per request as low as it goes. Only 200s
// count; anything else is a failure.
const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require(workerData.autocannon);
parentPort.on('message', (job) => {
  const latencies = [];
  let failed = 0;
  let firstFailure;
  const start = performance.now();
  const end = start + job.durationMs;
  const requests = job.requests.map((r) => ({ method: 'POST', path: r.path, headers: r.headers, body: r.body }));
  const instance = autocannon(
    { url: job.url, connections: job.connections, pipelining: 1, duration: Math.max(1, Math.round(job.durationMs / 1000)), timeout: 30, requests },
    (err, result) => {
      if (err) return parentPort.postMessage({ error: String(err && err.stack || err) });
      parentPort.postMessage({ latencies: Float64Array.from(latencies), failed: failed + result.errors + result.timeouts, firstFailure });
    },
  );
  instance.on('response', (client, statusCode, bytes, responseTime) => {
    if (performance.now() > end) return;
    if (statusCode === 200) latencies.push(responseTime);
    else {
      failed++;
      if (firstFailure === undefined) firstFailure = 'HTTP ' + statusCode;
    }
  });
});
`;

/** autocannon in a worker thread; one closed-loop window at a time. */
export class LoadGenerator {
  private readonly worker = new Worker(LOAD_WORKER, { eval: true, workerData: { autocannon: createRequire(import.meta.url).resolve('autocannon') } });

  /**
   * One closed-loop window. CPU is measured on this side (the main thread is where an in-process
   * server runs); `external` reads the CPU time of a server in another process over the same
   * window. A long synchronous call (a batch) can hold the timer that ends the CPU window past the
   * window's end, so CPU is scaled back to the window's length.
   */
  run(job: LoadJob, external?: () => number): Promise<LoadRun & { externalCpuMs: number }> {
    const stopCpu = startCpuWindow();
    const external0 = external?.() ?? 0;
    const started = performance.now();
    const cpu = new Promise<{ window: CpuWindow; externalCpuMs: number }>((resolve) =>
      setTimeout(() => {
        const window = stopCpu();
        const externalCpuMs = (external?.() ?? 0) - external0;
        const scale = job.durationMs / Math.max(job.durationMs, performance.now() - started);
        resolve({ window: { ...window, processCpuMs: window.processCpuMs * scale, mainThreadMs: window.mainThreadMs * scale }, externalCpuMs: externalCpuMs * scale });
      }, job.durationMs),
    );
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.worker.once('error', onError);
      this.worker.once('message', (answer: LoadAnswer) => {
        this.worker.off('error', onError);
        if (answer.error) return reject(new Error(`load generator: ${answer.error}`));
        void cpu.then(({ window, externalCpuMs }) => {
          const latencies = Array.from(answer.latencies);
          resolve({
            completed: latencies.length,
            failed: answer.failed,
            elapsedMs: job.durationMs,
            latencies,
            cpu: window,
            externalCpuMs,
            ...(answer.firstFailure ? { firstFailure: answer.firstFailure } : {}),
          });
        });
      });
      this.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * A floor for the Cerbos bench: Fastify with defaults and one route at `path` that reads the body
 * (Fastify's own text/plain parser, as the client sends it) and answers with a constant JSON body.
 */
export async function startFloor(path: string, responseBody: string): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.post(path, async (_request, reply) => reply.type('application/json').send(responseBody));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => app.close() };
}
