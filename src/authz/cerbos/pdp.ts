import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InvalidTokenError } from '../../tokens/errors.ts';
import type { TokenService } from '../../tokens/token-service.ts';
import type { CerbosPolicyRepository } from '../../store/repositories/cerbos-policies.ts';
import type { Clock } from '../../util/clock.ts';
import type { DecisionLog } from '../decisions/decision-log.ts';
import { compilePolicies, policyIdOf } from './compiler.ts';
import { type CheckInput, type CheckOutput, type CheckPrincipal, type CheckResource, type EngineOptions, check, preparePrincipal } from './engine.ts';
import { type PlanInput, type PlanOutput, planResources } from './planner.ts';
import { CerbosError, invalidArgument } from './errors.ts';
import { POLICY_DOCUMENT, type ParsedPolicy, type PolicyDocument, PolicyLoadError, parsePolicySource } from './policy-documents.ts';
import type { PolicyTable } from './policy-table.ts';
import { principalFromClaims, verifiedClaims } from './token-principal.ts';

export interface CheckResourcesRequest {
  principal: CheckPrincipal;
  resources: Array<{ resource: CheckResource; actions: string[] }>;
  auxData?: { jwt?: { token: string } };
}

export interface CheckResourcesResult {
  principal: CheckPrincipal;
  results: Array<{ resource: CheckResource; output: CheckOutput }>;
}

export interface CerbosOptions {
  /** Build every principal from the request's token (`auxData.jwt`), never from the body. */
  requireTokenPrincipal?: boolean;
  globals?: Record<string, unknown>;
  lenientScopeSearch?: boolean;
}

/** How long compiled policies serve before the set's version is read again (other instances' writes). */
const RECHECK_MS = 1_000;

/**
 * The Cerbos-compatible decision point: policies from the database (written by the Admin API or
 * loaded from a directory), compiled once into a rule table per version of the set, and decisions
 * that match Cerbos' own.
 */
export class CerbosPdp {
  private compiled: { version: number; table: PolicyTable; checkedAt: number } | undefined;
  private compiling: Promise<{ version: number; table: PolicyTable; checkedAt: number }> | undefined;
  private readonly engineOptions: EngineOptions;

  constructor(
    private readonly repo: CerbosPolicyRepository,
    private readonly clock: Clock,
    private readonly decisions: DecisionLog,
    private readonly tokens: TokenService,
    private readonly options: CerbosOptions = {},
  ) {
    this.engineOptions = { defaultPolicyVersion: 'default', defaultScope: '', lenientScopeSearch: options.lenientScopeSearch ?? false, globals: options.globals ?? {}, now: () => clock.now() };
  }

  async checkResources(req: CheckResourcesRequest): Promise<CheckResourcesResult> {
    const { principal, jwt } = await this.principalOf(req);
    const table = await this.table();
    const prepared = preparePrincipal(principal);
    const results = req.resources.map(({ resource, actions }) => {
      const started = performance.now();
      const input: CheckInput = { principal, resource, actions, ...(jwt && { auxData: { jwt } }) };
      const output = check(table, input, this.engineOptions, prepared);
      const micros = Math.round((performance.now() - started) * 1000);
      for (const [action, e] of output.actions) {
        this.decisions.record({
          engine: 'cerbos',
          scope: resource.scope ?? '',
          principal: principal.id,
          action,
          resource: `${resource.kind}:${resource.id}`,
          decision: e.effect === 'EFFECT_ALLOW' ? 'ALLOW' : 'DENY',
          determiningPolicies: e.policy && e.policy !== 'NO_MATCH' ? [e.policy] : [],
          errors: [],
          latencyMicros: micros,
        });
      }
      return { resource, output };
    });
    return { principal, results };
  }

  /** PlanResources: the filter over resource attributes that selects what the principal may act on. */
  async planResources(req: Omit<PlanInput, 'auxData'> & { auxData?: { jwt?: { token: string } } }): Promise<PlanOutput & { principal: CheckPrincipal }> {
    const { principal, jwt } = await this.principalOf({ principal: req.principal, resources: [], ...(req.auxData && { auxData: req.auxData }) });
    const out = planResources(await this.table(), { principal, resource: req.resource, actions: req.actions, ...(jwt && { auxData: { jwt } }) }, this.engineOptions);
    return { ...out, principal };
  }

  /** The compiled policy set, for the planner and the test runner. */
  async table(): Promise<PolicyTable> {
    const now = performance.now();
    const c = this.compiled;
    if (c && now - c.checkedAt < RECHECK_MS) return c.table;
    if (c) {
      const version = await this.repo.version();
      if (version === c.version) {
        c.checkedAt = now;
        return c.table;
      }
    }
    this.compiling ??= this.compile().finally(() => (this.compiling = undefined));
    return (await this.compiling).table;
  }

  private async compile() {
    const version = await this.repo.version();
    const stored = await this.repo.all();
    const policies = stored.map((s) => storedPolicy(s.source, s.definition, s.disabled));
    const compiled = { version, table: compilePolicies(policies), checkedAt: performance.now() };
    if (!this.compiled || this.compiled.version <= version) this.compiled = compiled;
    return compiled;
  }

  /** Adds or replaces policies (the Admin API). The whole resulting set must compile, or nothing changes. */
  async addOrUpdate(documents: unknown[], source = 'admin'): Promise<string[]> {
    const parsed = documents.map((d, i) => {
      const r = POLICY_DOCUMENT.safeParse(d);
      if (!r.success) throw new PolicyLoadError(r.error.issues.slice(0, 5).map((issue) => ({ file: `policies[${i}]`, message: `${issue.path.join('.') || 'policy'}: ${issue.message}` })));
      return { file: `policies[${i}]`, document: r.data, positionOf: () => undefined } satisfies ParsedPolicy;
    });
    return this.write(async (current) => {
      const next = new Map(current);
      for (const p of parsed) next.set(policyIdOf(p.document), { ...p, source });
      return next;
    });
  }

  async setDisabled(ids: string[], disabled: boolean): Promise<number> {
    let changed = 0;
    await this.write(async (current) => {
      const next = new Map(current);
      for (const id of ids) {
        const p = next.get(id);
        if (!p || !!p.document.disabled === disabled) continue;
        next.set(id, { ...p, document: { ...p.document, disabled } });
        changed++;
      }
      return next;
    });
    return changed;
  }

  async list(filter: { includeDisabled?: boolean; nameRegexp?: RegExp; scopeRegexp?: RegExp; versionRegexp?: RegExp } = {}): Promise<string[]> {
    const all = await this.repo.all();
    return all
      .filter((s) => filter.includeDisabled || !s.disabled)
      .filter((s) => {
        const d = JSON.parse(s.definition) as PolicyDocument;
        const { name, version, scope } = coordinates(d);
        return (!filter.nameRegexp || filter.nameRegexp.test(name)) && (!filter.versionRegexp || filter.versionRegexp.test(version)) && (!filter.scopeRegexp || filter.scopeRegexp.test(scope));
      })
      .map((s) => s.id);
  }

  async get(ids: string[]): Promise<PolicyDocument[]> {
    const all = await this.repo.all();
    return all.filter((s) => ids.includes(s.id)).map((s) => JSON.parse(s.definition) as PolicyDocument);
  }

  /**
   * Makes the directory's policies the set's file-sourced policies: new and changed files are
   * stored, removed files deleted. If the result does not compile, nothing changes and the error
   * names each file and line.
   */
  async loadDirectory(dir: string): Promise<number> {
    const files = await policyFiles(dir);
    const parsed: ParsedPolicy[] = [];
    const problems: PolicyLoadError['problems'] = [];
    for (const file of files) {
      const name = relative(dir, file).split(sep).join('/');
      try {
        parsed.push(...parsePolicySource(name, await readFile(file, 'utf8')));
      } catch (e) {
        if (!(e instanceof PolicyLoadError)) throw e;
        problems.push(...e.problems);
      }
    }
    if (problems.length) throw new PolicyLoadError(problems);
    // The files keep their positions through the compile in write(), so errors point at lines.
    await this.write(async (current) => {
      const next = new Map([...current].filter(([, p]) => !p.source.startsWith('file:')));
      for (const p of parsed) next.set(policyIdOf(p.document), { ...p, source: `file:${p.file}` });
      return next;
    });
    return parsed.length;
  }

  forget(): void {
    this.compiled = undefined;
  }

  private async write(change: (current: Map<string, ParsedPolicy & { source: string }>) => Promise<Map<string, ParsedPolicy & { source: string }>>): Promise<string[]> {
    const changedIds = await this.repo.transaction(async (repo) => {
      await repo.bump();
      const stored = await repo.all();
      const current = new Map(stored.map((s) => [s.id, { ...storedPolicy(s.source, s.definition, s.disabled), source: s.source }]));
      const next = await change(current);
      compilePolicies([...next.values()]);
      const now = this.clock.now();
      const removed = [...current.keys()].filter((id) => !next.has(id));
      await repo.remove(removed);
      const written: string[] = [];
      for (const [id, p] of next) {
        const definition = JSON.stringify(p.document);
        const before = stored.find((s) => s.id === id);
        if (before && before.definition === definition && before.source === p.source && before.disabled === !!p.document.disabled) continue;
        await repo.upsert({ id, definition, source: p.source, disabled: !!p.document.disabled }, now);
        written.push(id);
      }
      return written;
    });
    this.forget();
    return changedIds;
  }

  /** The request's principal, and the verified claims of its token (read once) when it has one. */
  private async principalOf(req: CheckResourcesRequest): Promise<{ principal: CheckPrincipal; jwt?: Record<string, unknown> }> {
    const token = req.auxData?.jwt?.token;
    if (!token) {
      if (this.options.requireTokenPrincipal) throw invalidArgument('this server builds principals from tokens: auxData.jwt.token is required');
      return { principal: req.principal };
    }
    const jwt = await this.claims(token);
    if (!req.principal.id || this.options.requireTokenPrincipal) {
      const fromToken = principalFromClaims(jwt);
      if (req.principal.id && req.principal.id !== fromToken.id) throw invalidArgument('principal.id does not match the token subject');
      return { principal: { ...fromToken, ...(req.principal.policyVersion && { policyVersion: req.principal.policyVersion }), ...(req.principal.scope && { scope: req.principal.scope }) }, jwt };
    }
    return { principal: req.principal, jwt };
  }

  private async claims(token: string): Promise<Record<string, unknown>> {
    try {
      return await verifiedClaims(this.tokens, token);
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new CerbosError(3, 'invalid auxData');
      throw e;
    }
  }
}

function storedPolicy(source: string, definition: string, disabled: boolean): ParsedPolicy {
  const document = JSON.parse(definition) as PolicyDocument;
  return { file: source.replace(/^file:/, ''), document: disabled ? { ...document, disabled: true } : document, positionOf: () => undefined };
}

function coordinates(d: PolicyDocument): { name: string; version: string; scope: string } {
  if ('resourcePolicy' in d) return { name: d.resourcePolicy.resource, version: d.resourcePolicy.version, scope: d.resourcePolicy.scope ?? '' };
  if ('principalPolicy' in d) return { name: d.principalPolicy.principal, version: d.principalPolicy.version, scope: d.principalPolicy.scope ?? '' };
  if ('derivedRoles' in d) return { name: d.derivedRoles.name, version: '', scope: '' };
  if ('exportVariables' in d) return { name: d.exportVariables.name, version: '', scope: '' };
  return { name: d.exportConstants.name, version: '', scope: '' };
}

/** Policy files under a directory as Cerbos reads them: YAML and JSON, not tests, not `testdata`, not hidden. */
export async function policyFiles(dir: string, tests = false): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'testdata') await walk(full);
      } else if (/\.(ya?ml|json)$/i.test(entry.name) && /_test\.(ya?ml|json)$/i.test(entry.name) === tests) out.push(full);
    }
  };
  await walk(dir);
  return out.sort();
}
