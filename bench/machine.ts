import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface CpuWindow {
  /** This process, all threads (user + system). */
  processCpuMs: number;
  /**
   * CPU time of the main (JavaScript) thread alone, from /proc on Linux; elsewhere the event loop's
   * busy wall time, which also counts time the thread waited for a core.
   */
  mainThreadMs: number;
  /** Share of the machine's CPU capacity other processes used meanwhile (Linux only; NaN elsewhere). */
  otherLoadPercent: number;
}

/** Busy and total CPU time of the whole machine in ms, from /proc/stat (undefined when unreadable). */
function machineTimes(): { busy: number; total: number } | undefined {
  try {
    // user nice system idle iowait irq softirq steal (guest time is already inside user and nice).
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    // USER_HZ is 100 on every Linux this runs on: one tick is 10 ms.
    return { busy: (total - idle) * 10, total: total * 10 };
  } catch {
    return undefined;
  }
}

/** CPU time of the main thread in ms (Linux), from its /proc task entry. */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring CPU use; the returned function stops and reports. The bench shares its machine
 * with whatever else runs there, so every window says how busy the rest of the machine was.
 */
export function startCpuWindow(): () => CpuWindow {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const m0 = machineTimes();
  const main0 = mainThreadCpu();
  return () => {
    const main1 = mainThreadCpu();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const m1 = machineTimes();
    const processCpuMs = (cpu.user + cpu.system) / 1000;
    let otherLoadPercent = Number.NaN;
    if (m0 && m1 && m1.total > m0.total) {
      otherLoadPercent = Math.max(0, ((m1.busy - m0.busy - processCpuMs) / (m1.total - m0.total)) * 100);
    }
    const mainThreadMs = main0 !== undefined && main1 !== undefined ? main1 - main0 : elu.active;
    return { processCpuMs, mainThreadMs, otherLoadPercent };
  };
}

/**
 * Waits until this process is nearly idle (work still in flight, such as requests the load
 * generator abandoned at the end of a window, has finished), or `maxMs` passed.
 */
export async function settle(maxMs = 3_000): Promise<void> {
  const until = performance.now() + maxMs;
  while (performance.now() < until) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 < 10) return;
  }
}
