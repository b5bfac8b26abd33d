import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import type { LoginBenchResult } from './login.ts';
import type { LookupBenchResult } from './lookups.ts';
import type { OAuthFlowBenchResult } from './oauth-flow.ts';

export interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  environment: { node: string; platform: string; cpus: number; cpuModel: string; uvThreadpoolSize: number };
  login?: LoginBenchResult;
  oauth?: OAuthFlowBenchResult;
  lookups: LookupBenchResult[];
}

export function environment(): BenchReport['environment'] {
  const list = cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  };
}

/** A plain text table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** Above this share of the machine used by other processes, a run's figures are flagged as noisy. */
const BUSY_PERCENT = 15;

const fixed = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

export function formatReport(r: BenchReport): string {
  const out: string[] = [];
  const e = r.environment;
  out.push(`Tessera bench — ${r.startedAt} — node ${e.node}, ${e.cpus} × ${e.cpuModel}, UV_THREADPOOL_SIZE ${e.uvThreadpoolSize}`);
  if (r.login) {
    const l = r.login;
    out.push('');
    const perSide = l.pattern.length / 2;
    out.push(`InitiateAuth USER_PASSWORD_AUTH — ${l.connections} connections, ${l.users} users, SQLite file, ${perSide} × ${l.windowMs / 1000}s windows per side (${l.pattern})`);
    const row = (name: string, s: typeof l.floor) => [
      name,
      fixed(s.loginsPerSecond),
      fixed(s.latencyMs.p50),
      fixed(s.latencyMs.p99),
      fixed(s.cpuMsPerLogin, 2),
      fixed(s.mainThreadMsPerLogin, 2),
      Number.isFinite(s.otherLoadPercent) ? `${fixed(s.otherLoadPercent, 0)}%` : '–',
      s.failed,
    ];
    out.push(
      table(
        ['', 'logins/s', 'p50 ms', 'p99 ms', 'CPU ms/login', 'main-thread ms/login', 'other load', 'failed'],
        [row('floor (argon2id verify + 2 × RS256, in-process)', l.floor), row('Tessera (HTTP, autocannon in-process)', l.tessera)],
      ),
    );
    out.push(
      `overhead (floor/Tessera throughput − 1): ${fixed(l.overheadPercent)}%  (aim < 15%; per window pair: ${l.pairOverheadPercent.map((v) => `${fixed(v)}%`).join(', ')})   latency Tessera/floor: p50 ×${fixed(l.latencyRatio.p50, 2)}, p99 ×${fixed(l.latencyRatio.p99, 2)}`,
    );
    const busiest = Math.max(l.floor.otherLoadPercent, l.tessera.otherLoadPercent);
    if (busiest > BUSY_PERCENT) out.push(`note: other processes used up to ${fixed(busiest, 0)}% of the machine during these windows; throughput figures are noisy`);
  }
  if (r.oauth) {
    const f = r.oauth;
    out.push('');
    out.push(`Authorization code flow over HTTP (authorize → login page → login form → PKCE code exchange) — ${f.connections} connections, ${f.users} users, SQLite file (${f.pattern})`);
    out.push(
      table(
        ['', 'flows/s', 'p50 ms', 'p99 ms'],
        [
          ['floor (argon2id verify + 2 × RS256, in-process)', fixed(f.floor.flowsPerSecond), fixed(f.floor.latencyMs.p50), fixed(f.floor.latencyMs.p99)],
          [`Tessera (4 HTTP requests per flow${f.tessera.failed ? `, ${f.tessera.failed} failed` : ''})`, fixed(f.tessera.flowsPerSecond), fixed(f.tessera.latencyMs.p50), fixed(f.tessera.latencyMs.p99)],
        ],
      ),
    );
    out.push(`overhead (floor/Tessera throughput − 1): ${fixed(f.overheadPercent)}%   ratio Tessera/floor throughput: ${fixed(f.floor.flowsPerSecond > 0 ? f.tessera.flowsPerSecond / f.floor.flowsPerSecond : Number.NaN, 2)}`);
    if (f.tessera.otherLoadPercent > BUSY_PERCENT) out.push(`note: other processes used ${fixed(f.tessera.otherLoadPercent, 0)}% of the machine; throughput figures are noisy`);
  }
  for (const lk of r.lookups) {
    const [small, large] = lk.sizes.map(String) as [string, string];
    out.push('');
    out.push(
      `Lookups on ${lk.backend} — one pool at ${small} and (a copy of its database) grown to ${large} users, served side by side; SDK client with SigV4, ${lk.requests} sequential requests per case and size, interleaved`,
    );
    out.push(
      table(
        ['', `p50 @${small}`, `p99 @${small}`, `p50 @${large}`, `p99 @${large}`, 'p50 ratio', 'p99 ratio', 'CPU/req ratio'],
        lk.cases.map((c) => [
          c.name,
          fixed(c.bySize[small]!.p50, 2),
          fixed(c.bySize[small]!.p99, 2),
          fixed(c.bySize[large]!.p50, 2),
          fixed(c.bySize[large]!.p99, 2),
          fixed(c.ratio.p50, 2),
          fixed(c.ratio.p99, 2),
          fixed(c.ratio.cpu, 2),
        ]),
      ),
    );
    const load = Number.isFinite(lk.otherLoadPercent) ? `; other processes' load while measuring: ${fixed(lk.otherLoadPercent, 0)}%` : '';
    if (lk.otherLoadPercent > BUSY_PERCENT) out.push('note: the machine was busy; p99s are noisy, the p50 and CPU ratios (both sizes measured side by side) hold up better');
    const seeding = Object.entries(lk.seedSeconds).map(([n, s]) => `to ${n}: ${s}s`).join(', ');
    out.push(`(latencies in ms; ratio = @${large} / @${small}, aim ≈ 1.0; CPU/req = median process CPU per request, client included; seeding ${seeding}${load})`);
  }
  out.push('');
  out.push(`total ${fixed(r.durationSeconds)}s`);
  return out.join('\n');
}

export function writeJson(path: string, r: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
}
