import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { CerbosError } from '../../authz/cerbos/errors.ts';
import type { CerbosPdp } from '../../authz/cerbos/pdp.ts';
import { PolicyLoadError } from '../../authz/cerbos/policy-documents.ts';
import { FailureLimiter } from '../../util/failure-limiter.ts';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../util/json-depth.ts';
import { sendCerbosError } from './errors.ts';
import { parseBody } from './routes.ts';

export interface AdminCredentials {
  username: string;
  password: string;
}

/** Failed sign-ins allowed per client address in a window, before the Admin API stops answering it. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 5 * 60_000;

/**
 * The subset of Cerbos' Admin API that manages policies, behind HTTP basic auth. Unlike Cerbos,
 * which stores a policy that does not compile and fails later, Tessera refuses it on write.
 */
export async function registerCerbosAdmin(app: FastifyInstance, pdp: CerbosPdp, credentials: AdminCredentials | undefined): Promise<void> {
  const failures = new FailureLimiter(MAX_FAILURES, FAILURE_WINDOW_MS);
  const digest = (s: string) => createHash('sha256').update(s).digest();

  const authenticate = (req: FastifyRequest) => {
    if (!credentials) throw new CerbosError(16, 'the Admin API is disabled: configure cerbos.admin or TESSERA_CERBOS_ADMIN_USER and TESSERA_CERBOS_ADMIN_PASSWORD');
    const header = req.headers.authorization;
    if (!header) throw new CerbosError(16, 'authentication required');
    if (!header.startsWith('Basic ')) throw new CerbosError(16, 'unsupported authentication method');
    if (failures.blocked(req.ip)) throw new CerbosError(16, 'too many failed attempts; try again later');
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CerbosError(16, 'failed to decode credentials');
    // Compare digests so that neither the length nor the content of the secrets leaks through timing.
    const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(credentials.username));
    const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(credentials.password));
    if (!(userOk && passOk)) {
      failures.fail(req.ip);
      throw new CerbosError(16, 'incorrect credentials');
    }
  };

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    const handle = (work: (req: FastifyRequest) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        authenticate(req);
        return reply.type('application/json').send(await work(req));
      } catch (e) {
        return sendCerbosError(reply, e, (err) => req.log.error({ err }, 'cerbos admin request failed'));
      }
    };
    const ids = (req: FastifyRequest): string[] => {
      const q = (req.query as { id?: string | string[] }).id;
      let list = q === undefined ? [] : Array.isArray(q) ? q : [q];
      if (!list.length && typeof req.body === 'string' && req.body.trim()) {
        const body = parseBody(req.body) as { id?: unknown };
        list = Array.isArray(body.id) ? body.id.map(String) : typeof body.id === 'string' ? [body.id] : [];
      }
      if (!list.length) throw new CerbosError(3, 'validation error: id: value is required');
      return list;
    };

    const addOrUpdate = handle(async (req) => {
      const body = parseBody(req.body) as { policies?: unknown };
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CerbosError(3, 'proto: syntax error: expected an object');
      for (const k of Object.keys(body)) if (k !== 'policies') throw new CerbosError(3, `proto: unknown field "${k}"`);
      if (!Array.isArray(body.policies) || body.policies.length === 0) throw new CerbosError(3, 'validation error: policies: value is required');
      if (nestedDeeperThan(body.policies, MAX_JSON_DEPTH)) throw new CerbosError(3, 'proto: exceeded max recursion depth');
      await pdp.addOrUpdate(body.policies);
      return { success: {} };
    });
    scope.post('/admin/policy', addOrUpdate);
    scope.put('/admin/policy', addOrUpdate);

    scope.get('/admin/policies', handle(async (req) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const regexp = (name: string) => {
        const v = q[name];
        if (typeof v !== 'string' || !v) return undefined;
        try {
          return new RegExp(v);
        } catch {
          throw new CerbosError(3, `invalid ${name}: ${v}`);
        }
      };
      const wanted = q.policyId === undefined ? undefined : new Set(Array.isArray(q.policyId) ? q.policyId : [q.policyId]);
      const list = (await pdp.list({ includeDisabled: q.includeDisabled === 'true', ...optional('nameRegexp', regexp('nameRegexp')), ...optional('scopeRegexp', regexp('scopeRegexp')), ...optional('versionRegexp', regexp('versionRegexp')) })).filter((id) => !wanted || wanted.has(id));
      return list.length ? { policyIds: list } : {};
    }));

    scope.get('/admin/policy', handle(async (req) => {
      const policies = await pdp.get(ids(req));
      return policies.length ? { policies } : {};
    }));

    const toggle = (disabled: boolean) =>
      handle(async (req) => {
        const list = ids(req);
        try {
          await pdp.setDisabled(list, disabled);
        } catch (e) {
          if (e instanceof PolicyLoadError) throw new CerbosError(3, `Failed to ${disabled ? 'disable' : 'enable'} policies: ${e.message}`);
          throw e;
        }
        // Cerbos counts the policies named that exist, changed or not.
        const existing = (await pdp.list({ includeDisabled: true })).filter((id) => list.includes(id)).length;
        const key = disabled ? 'disabledPolicies' : 'enabledPolicies';
        return existing ? { [key]: existing } : {};
      });
    for (const method of ['post', 'put'] as const) {
      scope[method]('/admin/policy/disable', toggle(true));
      scope[method]('/admin/policy/enable', toggle(false));
    }
    scope.delete('/admin/policy', toggle(true));
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
