import { type CpuWindow, startCpuWindow } from './machine.ts';

/** One timed window of a closed-loop load (HTTP or in-process). */
export interface ThroughputRun {
  /** Successful operations that finished inside the window. */
  completed: number;
  /** Failed operations (non-2xx, errors, timeouts). */
  failed: number;
  elapsedMs: number;
  /** Per-operation latency in ms, of the completed ones. */
  latencies: number[];
  cpu: CpuWindow;
}

/** Pools several windows of one kind into one: total operations over total time. */
export function combine(runs: ThroughputRun[]): ThroughputRun {
  const sum = (f: (r: ThroughputRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  const elapsedMs = sum((r) => r.elapsedMs);
  return {
    completed: sum((r) => r.completed),
    failed: sum((r) => r.failed),
    elapsedMs,
    latencies: runs.flatMap((r) => r.latencies),
    cpu: {
      processCpuMs: sum((r) => r.cpu.processCpuMs),
      mainThreadMs: sum((r) => r.cpu.mainThreadMs),
      otherLoadPercent: sum((r) => r.cpu.otherLoadPercent * r.elapsedMs) / elapsedMs,
    },
  };
}

export function perSecond(r: ThroughputRun): number {
  return r.completed / (r.elapsedMs / 1000);
}

/**
 * Runs `op` from `connections` concurrent loops for `durationMs`; only operations that finish inside
 * the window count, as autocannon counts its HTTP responses.
 */
export async function closedLoop(connections: number, durationMs: number, op: () => Promise<void>): Promise<ThroughputRun> {
  const latencies: number[] = [];
  let failed = 0;
  const stopCpu = startCpuWindow();
  const start = performance.now();
  const end = start + durationMs;
  const cpu = new Promise<CpuWindow>((resolve) => setTimeout(() => resolve(stopCpu()), durationMs));
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await op();
      } catch {
        failed++;
        continue;
      }
      const t1 = performance.now();
      if (t1 <= end) latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return { completed: latencies.length, failed, elapsedMs: durationMs, latencies, cpu: await cpu };
}

/**
 * Each window of side `mine` against the nearest window of side `other` in the order they ran, as
 * throughput ratios: drift over the run (thermal, other load) cancels pairwise.
 */
export function adjacentRatios<S extends string>(sequence: Array<{ side: S; run: ThroughputRun }>, mine: S, other: S): number[] {
  const ratios: number[] = [];
  sequence.forEach((x, i) => {
    if (x.side !== mine) return;
    let nearest: ThroughputRun | undefined;
    let distance = Infinity;
    sequence.forEach((y, j) => {
      if (y.side === other && Math.abs(i - j) < distance) {
        distance = Math.abs(i - j);
        nearest = y.run;
      }
    });
    if (nearest) ratios.push(Math.round((perSecond(x.run) / perSecond(nearest)) * 100) / 100);
  });
  return ratios;
}
