import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { dirname, join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { compilePolicies } from './compiler.ts';
import { type CheckPrincipal, type CheckResource, type EngineOptions, check } from './engine.ts';
import { type ParsedPolicy, PolicyLoadError, parsePolicySource } from './policy-documents.ts';
import { policyFiles } from './pdp.ts';
import type { PolicyTable } from './policy-table.ts';

/**
 * Cerbos policy test suites (`*_test.yaml`), run as `cerbos compile` runs them: every listed
 * principal × resource × action is one test, and pairs the suite does not list expect DENY.
 */
const EFFECT = z.enum(['EFFECT_ALLOW', 'EFFECT_DENY']);
const OPTIONS = z
  .object({ now: z.string().optional(), defaultPolicyVersion: z.string().optional(), defaultScope: z.string().optional(), lenientScopeSearch: z.boolean().optional(), strictEvaluation: z.boolean().optional(), globals: z.record(z.string(), z.unknown()).optional() })
  .strict();
const PRINCIPAL = z.object({ id: z.string().min(1), roles: z.array(z.string()).min(1), attr: z.record(z.string(), z.unknown()).optional(), policyVersion: z.string().optional(), scope: z.string().optional() }).strict();
const RESOURCE = z.object({ kind: z.string().min(1), id: z.string().min(1), attr: z.record(z.string(), z.unknown()).optional(), policyVersion: z.string().optional(), scope: z.string().optional() }).strict();
const AUX = z.object({ jwt: z.record(z.string(), z.unknown()).optional() }).strict();
const GROUPS = (key: string) => z.record(z.string(), z.object({ [key]: z.array(z.string()) }).strict());
const EXPECTATION = z
  .object({
    principal: z.string().optional(),
    principals: z.array(z.string()).optional(),
    principalGroups: z.array(z.string()).optional(),
    resource: z.string().optional(),
    resources: z.array(z.string()).optional(),
    resourceGroups: z.array(z.string()).optional(),
    actions: z.record(z.string(), EFFECT),
    outputs: z.array(z.object({ action: z.string(), expected: z.array(z.object({ src: z.string(), val: z.unknown() }).strict()) }).strict()).optional(),
  })
  .strict();
const SUITE = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    skip: z.boolean().optional(),
    skipReason: z.string().optional(),
    options: OPTIONS.optional(),
    principals: z.record(z.string(), PRINCIPAL).optional(),
    principalGroups: GROUPS('principals').optional(),
    resources: z.record(z.string(), RESOURCE).optional(),
    resourceGroups: GROUPS('resources').optional(),
    auxData: z.record(z.string(), AUX).optional(),
    tests: z.array(
      z
        .object({
          name: z.string().min(1),
          description: z.string().optional(),
          skip: z.boolean().optional(),
          skipReason: z.string().optional(),
          options: OPTIONS.optional(),
          input: z
            .object({ principals: z.array(z.string()).optional(), principalGroups: z.array(z.string()).optional(), resources: z.array(z.string()).optional(), resourceGroups: z.array(z.string()).optional(), actions: z.array(z.string()).min(1), auxData: z.string().optional() })
            .strict(),
          expected: z.array(EXPECTATION).default([]),
        })
        .strict(),
    ).min(1),
  })
  .strict();

export interface TestFailure {
  test: string;
  principal: string;
  resource: string;
  action: string;
  expected: string;
  actual: string;
}

export interface SuiteResult {
  name: string;
  file: string;
  ok: number;
  failures: TestFailure[];
  /** A suite that could not run, and why. */
  error?: string;
  skipped?: boolean;
}

export type TestRun = { kind: 'compile-error'; error: PolicyLoadError; sources: Map<string, string> } | { kind: 'tests'; suites: SuiteResult[] };

/** Compiles a directory's policies and runs its test suites. */
export async function runPolicyTests(dir: string): Promise<TestRun> {
  const sources = new Map<string, string>();
  const policies: ParsedPolicy[] = [];
  const problems: PolicyLoadError['problems'] = [];
  for (const file of await policyFiles(dir)) {
    const name = relative(dir, file).split(sep).join('/');
    const text = readFileSync(file, 'utf8');
    sources.set(name, text);
    try {
      policies.push(...parsePolicySource(name, text));
    } catch (e) {
      if (!(e instanceof PolicyLoadError)) throw e;
      problems.push(...e.problems);
    }
  }
  let table: PolicyTable;
  try {
    if (problems.length) throw new PolicyLoadError(problems);
    table = compilePolicies(policies);
  } catch (e) {
    if (e instanceof PolicyLoadError) return { kind: 'compile-error', error: e, sources };
    throw e;
  }
  const suites: SuiteResult[] = [];
  for (const file of await policyFiles(dir, true)) suites.push(runSuite(table, file, relative(dir, file).split(sep).join('/')));
  return { kind: 'tests', suites };
}

function shared<T>(dir: string, name: string, schema: z.ZodType<T>): Record<string, T> {
  for (const ext of ['yml', 'yaml', 'json']) {
    const file = join(dir, 'testdata', `${name}.${ext}`);
    if (existsSync(file)) {
      const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
      return z.record(z.string(), schema).parse(doc?.[name] ?? {});
    }
  }
  return {};
}

function runSuite(table: PolicyTable, path: string, file: string): SuiteResult {
  let suite: z.infer<typeof SUITE>;
  try {
    suite = SUITE.parse(parseYaml(readFileSync(path, 'utf8')));
  } catch (e) {
    const message = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message;
    return { name: file, file, ok: 0, failures: [], error: `invalid test suite: ${message}` };
  }
  const result: SuiteResult = { name: suite.name, file, ok: 0, failures: [] };
  if (suite.skip) return { ...result, skipped: true };
  const dir = dirname(path);
  const principals = { ...shared(dir, 'principals', PRINCIPAL), ...suite.principals };
  const resources = { ...shared(dir, 'resources', RESOURCE), ...suite.resources };
  const auxData = { ...shared(dir, 'auxData', AUX), ...suite.auxData };
  const expandNames = (names: string[] | undefined, groups: string[] | undefined, groupDefs: Record<string, Record<string, string[]>> | undefined, key: string) => [
    ...(names ?? []),
    ...(groups ?? []).flatMap((g) => {
      const members = groupDefs?.[g]?.[key];
      if (!members) throw new Error(`unknown group "${g}"`);
      return members;
    }),
  ];
  try {
    for (const test of suite.tests) {
      if (test.skip) continue;
      const options = { ...suite.options, ...test.options };
      // Refused rather than ignored: a suite written for strict evaluation would pass for the wrong reasons.
      if (options.strictEvaluation) throw new Error('strictEvaluation is not supported by Tessera');
      const engine: EngineOptions = {
        defaultPolicyVersion: options.defaultPolicyVersion ?? 'default',
        defaultScope: options.defaultScope ?? '',
        lenientScopeSearch: options.lenientScopeSearch ?? false,
        globals: options.globals ?? {},
        now: () => (options.now ? Date.parse(options.now) : Date.now()),
      };
      const expected = new Map<string, string>();
      const expectedOutputs = new Map<string, Array<{ src: string; val: unknown }>>();
      for (const e of test.expected) {
        const ps = [...(e.principal ? [e.principal] : []), ...expandNames(e.principals, e.principalGroups, suite.principalGroups, 'principals')];
        const rs = [...(e.resource ? [e.resource] : []), ...expandNames(e.resources, e.resourceGroups, suite.resourceGroups, 'resources')];
        for (const p of ps) {
          for (const r of rs) {
            for (const [a, effect] of Object.entries(e.actions)) expected.set(`${p}\u0000${r}\u0000${a}`, effect);
            for (const o of e.outputs ?? []) expectedOutputs.set(`${p}\u0000${r}\u0000${o.action}`, o.expected);
          }
        }
      }
      const jwt = test.input.auxData ? auxData[test.input.auxData]?.jwt : undefined;
      if (test.input.auxData && !auxData[test.input.auxData]) throw new Error(`unknown auxData "${test.input.auxData}"`);
      for (const pName of expandNames(test.input.principals, test.input.principalGroups, suite.principalGroups, 'principals')) {
        const p = principals[pName];
        if (!p) throw new Error(`unknown principal "${pName}"`);
        const principal: CheckPrincipal = { id: p.id, roles: p.roles, attr: p.attr ?? {}, ...(p.policyVersion && { policyVersion: p.policyVersion }), ...(p.scope && { scope: p.scope }) };
        for (const rName of expandNames(test.input.resources, test.input.resourceGroups, suite.resourceGroups, 'resources')) {
          const r = resources[rName];
          if (!r) throw new Error(`unknown resource "${rName}"`);
          const resource: CheckResource = { kind: r.kind, id: r.id, attr: r.attr ?? {}, ...(r.policyVersion && { policyVersion: r.policyVersion }), ...(r.scope && { scope: r.scope }) };
          const out = check(table, { principal, resource, actions: test.input.actions, ...(jwt && { auxData: { jwt } }) }, engine);
          for (const action of test.input.actions) {
            const key = `${pName}\u0000${rName}\u0000${action}`;
            const want = expected.get(key) ?? 'EFFECT_DENY';
            const got = out.actions.get(action)!.effect;
            // Each expected output must be among the rule outputs of that action.
            const missing = (expectedOutputs.get(key) ?? []).filter((o) => !out.outputs.some((x) => x.action === action && x.src === o.src && isDeepStrictEqual(x.val, o.val)));
            if (want === got && !missing.length) result.ok++;
            else if (want !== got) result.failures.push({ test: test.name, principal: pName, resource: rName, action, expected: want, actual: got });
            else {
              const actual = out.outputs.filter((x) => x.action === action).map((x) => ({ src: x.src, val: x.val }));
              result.failures.push({ test: test.name, principal: pName, resource: rName, action, expected: `outputs ${JSON.stringify(missing)}`, actual: `outputs ${JSON.stringify(actual)}` });
            }
          }
        }
      }
    }
  } catch (e) {
    return { ...result, error: (e as Error).message };
  }
  return result;
}

/** The report `cerbos compile` prints: a tree of suites, tests and failures. */
export function formatTestRun(run: TestRun): { text: string; exitCode: number } {
  if (run.kind === 'compile-error') {
    const lines = ['Compilation errors'];
    for (const p of run.error.problems) {
      lines.push(p.position ? `${p.file}:${p.position.line}:${p.position.column} ${p.message}` : `${p.file}: ${p.message}`);
      const source = run.sources.get(p.file);
      if (source && p.position) {
        const all = source.split('\n');
        for (let n = Math.max(1, p.position.line - 3); n <= Math.min(all.length, p.position.line + 1); n++) {
          lines.push(`${n === p.position.line ? '>' : ' '} ${String(n).padStart(3)} | ${all[n - 1]}`);
          if (n === p.position.line) lines.push(`${' '.repeat(8 + p.position.column - 1)}^`);
        }
      }
      lines.push('');
    }
    return { text: lines.join('\n'), exitCode: 3 };
  }
  const lines = ['Test results'];
  let ok = 0;
  let failed = 0;
  for (const s of run.suites) {
    ok += s.ok;
    failed += s.failures.length + (s.error ? 1 : 0);
    const counts = s.skipped ? '[SKIPPED]' : `[${s.ok} OK]${s.failures.length ? ` [${s.failures.length} FAILED]` : ''}${s.error ? ' [ERRORED]' : ''}`;
    lines.push(`${s.name} (${s.file}) ${counts}`);
    if (s.error) lines.push(`  ERROR: ${s.error}`);
    for (const f of s.failures) {
      lines.push(`  ${f.test}`, `    ${f.principal}`, `      ${f.resource}`, `        ${f.action} [FAILED]`, `          OUTCOME: expected: ${f.expected}, actual: ${f.actual}`);
    }
  }
  lines.push('', `${ok + failed} tests executed [${ok} OK]${failed ? ` [${failed} FAILED]` : ''}`);
  return { text: lines.join('\n'), exitCode: failed ? 4 : 0 };
}
