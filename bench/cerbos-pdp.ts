import { readFileSync } from 'node:fs';
import { startCerbosPdp as startPdp } from '../test/support/cerbos-pdp.ts';
import { onInterrupt } from './cleanup.ts';

export interface CerbosPdp {
  url: string;
  pid: number;
  version: string;
  /** CPU time (user + system, all threads) the PDP process has used so far, in ms; NaN where /proc is unreadable. */
  cpuMs(): number;
  close(): Promise<void>;
}

/** utime + stime of a process from /proc, in ms (USER_HZ is 100). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * The real Cerbos PDP as the differential tests run it (loopback ports, disk store, audit and
 * telemetry off), with its version and a reading of its CPU time for the bench.
 */
export async function startCerbosPdp(policyDir: string): Promise<CerbosPdp> {
  const pdp = await startPdp({ policiesDir: policyDir });
  const forget = onInterrupt(() => pdp.close());
  const close = async () => {
    forget();
    await pdp.close();
  };
  try {
    const info = (await (await fetch(`${pdp.url}/api/server_info`)).json()) as { version?: string };
    return { url: pdp.url, pid: pdp.pid, version: info.version ?? 'unknown', cpuMs: () => processCpuMs(pdp.pid), close };
  } catch (e) {
    await close();
    throw e;
  }
}
