import {
  type AttributeValue,
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedCommandInput,
  CreatePolicyCommand,
  CreatePolicyStoreCommand,
  type EntityItem,
  IsAuthorizedCommand,
  type IsAuthorizedCommandInput,
  PutSchemaCommand,
  VerifiedPermissionsClient,
} from '@aws-sdk/client-verifiedpermissions';
import {
  type AuthorizationAnswer,
  type AuthorizationCall,
  type CedarValueJson,
  type EntityJson,
  isAuthorized,
  preparsePolicySet,
  preparseSchema,
  type SchemaJson,
  statefulIsAuthorized,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { HttpRequest } from '@smithy/protocol-http';
import Fastify, { type FastifyInstance } from 'fastify';
import { LoadGenerator, type WireRequest } from './load.ts';
import { settle } from './machine.ts';
import { table } from './report.ts';
import { REGION, withSqliteServer } from './server.ts';
import { round, summarize, type LatencySummary } from './stats.ts';
import { closedLoop, combine, perSecond, type ThroughputRun } from './throughput.ts';
import { prng } from './prng.ts';

export interface AuthzBenchOptions {
  /** Concurrent connections of the HTTP load, floor and Tessera alike. */
  connections: number;
  /** Length of each measured HTTP window (whole seconds: autocannon counts in seconds). */
  windowMs: number;
  /** Order of the measured windows per operation, e.g. floor, tessera, tessera, floor (ABBA). */
  pattern: Array<'floor' | 'tessera'>;
  warmupMs: number;
  /** Length of each one-connection window, for latency without queueing. */
  unloadedMs: number;
  /** Length of each in-process cedar-wasm measurement. */
  inProcessMs: number;
  /** Requests per BatchIsAuthorized call (AWS allows up to 30). */
  batchSize: number;
}

export interface HttpSide {
  /** HTTP calls per second. */
  callsPerSecond: number;
  /** Authorization decisions per second (calls × requests per call; the floor decides nothing, this is its call rate scaled alike). */
  decisionsPerSecond: number;
  latencyMs: LatencySummary;
  completed: number;
  failed: number;
  /** CPU of the main thread, where the server runs and nothing else, per call. */
  serverMsPerCall: number;
  /** Share of the window the server's thread was on a CPU: near 100% means the server, not the load generator, set the pace. */
  serverBusyPercent: number;
  /** Process CPU per call, load generator (worker thread) included. */
  processMsPerCall: number;
  otherLoadPercent: number;
  windows: Array<{ callsPerSecond: number; p50: number; p99: number; otherLoadPercent: number }>;
}

/** Tessera's cost over the floor's, three ways: cost = 1 / throughput, latency, and server CPU per call. */
export interface CostRatio {
  throughput: number;
  p50: number;
  p99: number;
  serverCpu: number;
  /** Throughput ratio per adjacent floor/Tessera pair of windows: their spread shows the noise. */
  perPair: number[];
}

export interface HttpComparison {
  requestBytes: number;
  responseBytes: number;
  floor: HttpSide;
  tessera: HttpSide;
  /** Tessera / floor; the aim for IsAuthorized is ≤ 2. */
  ratio: CostRatio;
}

export interface InProcessSide {
  callsPerSecond: number;
  latencyMs: LatencySummary;
  /** CPU per call (one thread: the same as wall time unless the machine is busy). */
  cpuMsPerCall: number;
}

export interface AuthzBenchResult {
  connections: number;
  windowMs: number;
  pattern: string;
  store: { policies: number; permits: number; forbids: number; schemaBytes: number; policyBytes: number; entitiesPerRequest: number; entitiesPerBatch: number; allowShare: number };
  isAuthorized: HttpComparison & {
    /** One connection: latency without queueing. */
    unloaded: { floorP50: number; floorP99: number; tesseraP50: number; tesseraP99: number; p50Ratio: number };
  };
  batch: HttpComparison & {
    batchSize: number;
    /** Tessera per decision (ms): call cost / batch size, and server CPU per decision. */
    perDecisionMs: { cost: number; serverCpu: number };
  };
  inProcess: { stateless: InProcessSide; stateful: InProcessSide };
  /** Tessera over HTTP against in-process cedar-wasm for the same requests. */
  vsInProcess: {
    /** (1 / Tessera IsAuthorized throughput) / mean stateless call. */
    costOverStateless: number;
    /** Tessera server CPU per IsAuthorized / stateless CPU per call. */
    serverCpuOverStateless: number;
    /** Tessera unloaded p50 / stateless p50. */
    unloadedP50OverStateless: number;
    costOverStateful: number;
    /** Tessera cost per decision in a batch / stateful cost per call. */
    batchDecisionOverStateful: number;
  };
}

// ---------------------------------------------------------------------------------------------
// The policy store: a document service's schema, ~50 ABAC policies (RBAC through group hierarchy
// plus attribute conditions), and requests with the principal, its groups, the resource and its
// folders as entities.
// ---------------------------------------------------------------------------------------------

const NS = 'DocCloud';
const DEPARTMENTS = ['engineering', 'sales', 'finance', 'legal', 'hr', 'marketing', 'support', 'research'] as const;
const PROJECTS = ['atlas', 'borealis', 'cygnus', 'draco', 'eridanus', 'fornax', 'gemini', 'hydra', 'indus', 'lyra'] as const;
const ACTIONS = ['ViewDocument', 'CommentDocument', 'DownloadDocument', 'EditDocument', 'ShareDocument', 'DeleteDocument'] as const;
const TAGS = ['draft', 'confidential', 'export-controlled', 'legal-hold', 'customer', 'internal', 'roadmap'] as const;
type Action = (typeof ACTIONS)[number];

function schema(): SchemaJson<string> {
  const str = { type: 'String' } as const;
  const long = { type: 'Long' } as const;
  const bool = { type: 'Boolean' } as const;
  const strings = { type: 'Set', element: { type: 'String' } } as const;
  const appliesTo = { principalTypes: ['User'], resourceTypes: ['Document'], context: { type: 'RequestContext' } };
  return {
    [NS]: {
      commonTypes: {
        RequestContext: {
          type: 'Record',
          attributes: { mfa: bool, sourceIp: { type: 'Extension', name: 'ipaddr' }, hour: long, channel: str },
        },
      },
      entityTypes: {
        User: {
          memberOfTypes: ['Group'],
          shape: {
            type: 'Record',
            attributes: { department: str, jobLevel: long, clearance: long, country: str, isContractor: bool, email: str, projects: strings },
          },
        },
        Group: { memberOfTypes: ['Group'], shape: { type: 'Record', attributes: { name: str } } },
        Folder: { memberOfTypes: ['Folder'], shape: { type: 'Record', attributes: { department: str, classification: long } } },
        Document: {
          memberOfTypes: ['Folder'],
          shape: {
            type: 'Record',
            attributes: {
              owner: { type: 'Entity', name: 'User' },
              department: str,
              classification: long,
              isPublic: bool,
              tags: strings,
              project: str,
            },
          },
        },
      },
      actions: {
        Read: {},
        Write: {},
        ViewDocument: { memberOf: [{ id: 'Read' }], appliesTo },
        CommentDocument: { memberOf: [{ id: 'Read' }], appliesTo },
        DownloadDocument: { memberOf: [{ id: 'Read' }], appliesTo },
        EditDocument: { memberOf: [{ id: 'Write' }], appliesTo },
        ShareDocument: { memberOf: [{ id: 'Write' }], appliesTo },
        DeleteDocument: { memberOf: [{ id: 'Write' }], appliesTo },
      },
    },
  } as SchemaJson<string>;
}

/** 50 policies: per-department RBAC with attribute conditions, project ABAC, ownership, and guard-rail forbids. */
function policies(): string[] {
  const a = (id: string) => `${NS}::Action::"${id}"`;
  const g = (id: string) => `${NS}::Group::"${id}"`;
  const f = (id: string) => `${NS}::Folder::"${id}"`;
  const list: string[] = [];
  for (const d of DEPARTMENTS) {
    list.push(`permit (principal in ${g(d)}, action in ${a('Read')}, resource in ${f(`${d}-root`)})\nwhen { resource.classification <= principal.clearance };`);
    list.push(
      `permit (principal in ${g(d)}, action in [${a('EditDocument')}, ${a('CommentDocument')}], resource in ${f(`${d}-root`)})\nwhen { principal.jobLevel >= 3 && resource.department == principal.department && resource.classification <= principal.clearance };`,
    );
    list.push(`permit (principal in ${g(`${d}-managers`)}, action in [${a('ShareDocument')}, ${a('DeleteDocument')}], resource in ${f(`${d}-root`)})\nwhen { context.mfa && principal.jobLevel >= 5 };`);
  }
  PROJECTS.slice(0, 6).forEach((p, i) => {
    list.push(
      `permit (principal, action in [${a('ViewDocument')}, ${a('CommentDocument')}${i % 2 === 0 ? `, ${a('EditDocument')}` : ''}], resource)\nwhen { resource.project == "${p}" && principal.projects.contains("${p}") && principal.jobLevel >= ${1 + (i % 4)} };`,
    );
  });
  list.push(`permit (principal, action in [${a('Read')}, ${a('Write')}], resource)\nwhen { resource.owner == principal };`);
  list.push(`permit (principal in ${g('employees')}, action == ${a('ViewDocument')}, resource)\nwhen { resource.isPublic };`);
  list.push(`permit (principal in ${g('admins')}, action, resource)\nwhen { context.mfa && context.sourceIp.isInRange(ip("10.0.0.0/8")) };`);
  list.push(`permit (principal in ${g('auditors')}, action in ${a('Read')}, resource)\nwhen { context.hour >= 8 && context.hour < 18 };`);
  list.push(`permit (principal in ${g('legal')}, action in ${a('Read')}, resource)\nwhen { resource.tags.contains("legal-hold") };`);
  list.push(`permit (principal in ${g('support')}, action == ${a('CommentDocument')}, resource)\nwhen { resource.tags.contains("customer") && context.channel == "web" };`);
  list.push(`permit (principal, action == ${a('DownloadDocument')}, resource)\nwhen { resource.isPublic && context.channel != "api" };`);
  list.push(`permit (principal in ${g('research')}, action == ${a('ViewDocument')}, resource in ${f('engineering-root')})\nwhen { resource.classification <= 2 };`);
  // Guard rails.
  list.push(`forbid (principal, action, resource)\nwhen { resource.classification > principal.clearance };`);
  list.push(`forbid (principal, action == ${a('DeleteDocument')}, resource)\nunless { context.mfa };`);
  list.push(`forbid (principal in ${g('contractors')}, action in ${a('Write')}, resource)\nwhen { resource.tags.contains("confidential") };`);
  list.push(`forbid (principal, action, resource)\nwhen { principal.isContractor && !context.sourceIp.isInRange(ip("10.0.0.0/8")) };`);
  list.push(`forbid (principal, action == ${a('DownloadDocument')}, resource)\nwhen { resource.tags.containsAny(["export-controlled", "legal-hold"]) && principal.country != "US" };`);
  list.push(`forbid (principal, action in ${a('Write')}, resource)\nwhen { resource.tags.contains("legal-hold") };`);
  list.push(`forbid (principal, action == ${a('ShareDocument')}, resource)\nwhen { resource.classification >= 4 && !(principal in ${g('admins')}) };`);
  list.push(`forbid (principal, action, resource)\nwhen { context.channel == "api" && !context.mfa && resource.classification >= 3 };`);
  list.push(`forbid (principal, action, resource in ${f('hr-root')})\nunless { principal in ${g('hr')} || principal in ${g('admins')} };`);
  list.push(`forbid (principal, action in ${a('Write')}, resource)\nwhen { context.hour < 6 || context.hour > 22 };`);
  list.push(`forbid (principal, action == ${a('ShareDocument')}, resource)\nwhen { resource.tags.contains("draft") && resource.owner != principal };`);
  list.push(`forbid (principal, action, resource)\nwhen { principal.jobLevel < 2 && resource.classification >= 2 };`);
  return list;
}


interface Uid {
  type: string;
  id: string;
}
/** One authorization question in cedar-wasm's terms; the AWS shapes are derived from it. */
interface Question {
  principal: Uid;
  action: Uid;
  resource: Uid;
  context: Record<string, CedarValueJson>;
}

const uid = (type: string, id: string): Uid => ({ type: `${NS}::${type}`, id });
const ref = (type: string, id: string): CedarValueJson => ({ __entity: uid(type, id) });
const ip = (address: string): CedarValueJson => ({ __extn: { fn: 'ip', arg: address } });

/** Deterministic users, documents and contexts: a realistic mix of allows and denies. */
class World {
  private readonly pick = prng(20260425);

  user(i: number): EntityJson[] {
    const p = this.pick;
    const department = DEPARTMENTS[i % DEPARTMENTS.length]!;
    const jobLevel = 1 + p(7);
    const isContractor = p(6) === 0;
    const groups: string[] = [department];
    if (jobLevel >= 5) groups.push(`${department}-managers`);
    if (isContractor) groups.push('contractors');
    if (p(12) === 0) groups.push('admins');
    if (p(10) === 0) groups.push('auditors');
    const projects = [PROJECTS[p(PROJECTS.length)]!, PROJECTS[p(PROJECTS.length)]!];
    const entities: EntityJson[] = [
      {
        uid: uid('User', `user-${i}`),
        attrs: {
          department,
          jobLevel,
          clearance: 1 + p(5),
          country: p(4) === 0 ? 'DE' : 'US',
          isContractor,
          email: `user-${i}@docs.example`,
          projects: [...new Set(projects)],
        },
        parents: groups.map((id) => uid('Group', id)),
      },
    ];
    for (const id of groups) {
      const parents = id.endsWith('-managers') ? [uid('Group', department)] : id === 'contractors' ? [] : [uid('Group', 'employees')];
      entities.push({ uid: uid('Group', id), attrs: { name: id }, parents });
    }
    entities.push({ uid: uid('Group', 'employees'), attrs: { name: 'employees' }, parents: [] });
    return entities;
  }

  /** A document of `department` (its owner sometimes the principal), in a sub-folder of the department's root. */
  document(j: number, department: string, principalId: string): EntityJson[] {
    const p = this.pick;
    const sub = `${department}-team-${p(4)}`;
    const tags = [...new Set([TAGS[p(TAGS.length)]!, TAGS[p(TAGS.length)]!])];
    return [
      {
        uid: uid('Document', `doc-${j}`),
        attrs: {
          owner: p(5) === 0 ? { __entity: uid('User', principalId) } : ref('User', `user-${1000 + p(500)}`),
          department,
          classification: 1 + p(4),
          isPublic: p(8) === 0,
          tags,
          project: PROJECTS[p(PROJECTS.length)]!,
        },
        parents: [uid('Folder', sub)],
      },
      { uid: uid('Folder', sub), attrs: { department, classification: 1 + p(2) }, parents: [uid('Folder', `${department}-root`)] },
      { uid: uid('Folder', `${department}-root`), attrs: { department, classification: 1 }, parents: [] },
    ];
  }

  context(): Record<string, CedarValueJson> {
    const p = this.pick;
    return {
      mfa: p(3) !== 0,
      sourceIp: ip(p(5) === 0 ? `203.0.113.${p(250)}` : `10.${p(250)}.${p(250)}.${1 + p(250)}`),
      hour: 7 + p(14),
      channel: ['web', 'web', 'mobile', 'api'][p(4)]!,
    };
  }

  documentDepartment(own: string): string {
    return this.pick(10) < 7 ? own : DEPARTMENTS[this.pick(DEPARTMENTS.length)]!;
  }

  action(): Action {
    return ACTIONS[this.pick(ACTIONS.length)]!;
  }
}

interface SingleCase {
  question: Question;
  entities: EntityJson[];
}
interface BatchCase {
  questions: Question[];
  entities: EntityJson[];
}

function dedupe(entities: EntityJson[]): EntityJson[] {
  const seen = new Map<string, EntityJson>();
  for (const e of entities) {
    const u = e.uid as Uid;
    seen.set(`${u.type}::${u.id}`, e);
  }
  return [...seen.values()];
}

function singleCases(world: World, n: number): SingleCase[] {
  return Array.from({ length: n }, (_, i) => {
    const user = world.user(i);
    const principal = user[0]!.uid as Uid;
    const department = world.documentDepartment(String(user[0]!.attrs!.department));
    const doc = world.document(i, department, principal.id);
    return {
      question: { principal, action: uid('Action', world.action()), resource: doc[0]!.uid as Uid, context: world.context() },
      entities: dedupe([...user, ...doc]),
    };
  });
}

/** One principal and `size / 3` documents, each asked for view, edit and share: a listing page's buttons. */
function batchCases(world: World, n: number, size: number): BatchCase[] {
  return Array.from({ length: n }, (_, i) => {
    const user = world.user(100 + i);
    const principal = user[0]!.uid as Uid;
    const context = world.context();
    const entities = [...user];
    const questions: Question[] = [];
    for (let k = 0; questions.length < size; k++) {
      const doc = world.document(100 * (i + 1) + k, world.documentDepartment(String(user[0]!.attrs!.department)), principal.id);
      entities.push(...doc);
      for (const action of ['ViewDocument', 'EditDocument', 'ShareDocument'] as const) {
        if (questions.length < size) questions.push({ principal, action: uid('Action', action), resource: doc[0]!.uid as Uid, context });
      }
    }
    return { questions, entities: dedupe(entities) };
  });
}

// --- Cedar JSON → Verified Permissions shapes ---------------------------------------------------

function attributeValue(v: CedarValueJson): AttributeValue {
  if (typeof v === 'boolean') return { boolean: v };
  if (typeof v === 'number') return { long: v };
  if (typeof v === 'string') return { string: v };
  if (Array.isArray(v)) return { set: v.map(attributeValue) };
  if (v === null) throw new Error('null has no Verified Permissions attribute value');
  if ('__entity' in v && typeof v.__entity === 'object') {
    const e = v.__entity as Uid;
    return { entityIdentifier: { entityType: e.type, entityId: e.id } };
  }
  if ('__extn' in v && typeof v.__extn === 'object') {
    const x = v.__extn as { fn: string; arg: string };
    if (x.fn === 'ip') return { ipaddr: x.arg };
    if (x.fn === 'decimal') return { decimal: x.arg };
    throw new Error(`no Verified Permissions attribute value for ${x.fn}`);
  }
  return { record: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, attributeValue(x)])) };
}

const identifier = (u: Uid) => ({ entityType: u.type, entityId: u.id });
const avpEntities = (entities: EntityJson[]): { entityList: EntityItem[] } => ({
  entityList: entities.map((e) => ({
    identifier: identifier(e.uid as Uid),
    attributes: Object.fromEntries(Object.entries(e.attrs ?? {}).map(([k, v]) => [k, attributeValue(v)])),
    parents: (e.parents ?? []).map((p) => identifier(p as Uid)),
  })),
});
const avpQuestion = (q: Question) => ({
  principal: identifier(q.principal),
  action: { actionType: q.action.type, actionId: q.action.id },
  resource: identifier(q.resource),
  context: { contextMap: Object.fromEntries(Object.entries(q.context).map(([k, v]) => [k, attributeValue(v)])) },
});

function isAuthorizedInput(storeId: string, c: SingleCase): IsAuthorizedCommandInput {
  return { policyStoreId: storeId, ...avpQuestion(c.question), entities: avpEntities(c.entities) };
}

function batchInput(storeId: string, c: BatchCase): BatchIsAuthorizedCommandInput {
  return { policyStoreId: storeId, entities: avpEntities(c.entities), requests: c.questions.map(avpQuestion) };
}

// --- Requests signed by the real SDK client, captured for replay ----------------------------------

/** A signed request as it goes on the wire; AWS JSON calls all go to `/`. */
type SignedRequest = WireRequest;

class Captured extends Error {}

/**
 * The SDK client's own serialisation and SigV4 signature (headers, invocation id, user agent and
 * all), taken at the point where it would go on the wire. Signing is the client's cost: doing it
 * beforehand keeps it off the two cores the server and the load generator share.
 */
async function signWithSdk(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, commands: Array<IsAuthorizedCommand | BatchIsAuthorizedCommand>): Promise<SignedRequest[]> {
  let last: HttpRequest | undefined;
  const client = new VerifiedPermissionsClient({
    endpoint,
    region: REGION,
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        last = request;
        throw new Captured('captured');
      },
    },
  });
  const signed: SignedRequest[] = [];
  try {
    for (const command of commands) {
      last = undefined;
      try {
        await client.send(command as IsAuthorizedCommand);
      } catch (e) {
        if (!(e instanceof Captured)) throw e;
      }
      if (!last) throw new Error('the SDK client sent nothing to capture');
      const request: HttpRequest = last;
      // Recent SDKs hand over the JSON as bytes (a Uint8Array that also acts as a string).
      const raw: unknown = request.body;
      let body: string;
      if (typeof raw === 'string') body = raw;
      else if (raw instanceof Uint8Array) body = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
      else throw new Error('expected the SDK client to send a string or bytes');
      // autocannon writes Content-Length itself, with the same value the signature covers.
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
      signed.push({ path: '/', headers, body });
    }
  } finally {
    client.destroy();
  }
  return signed;
}

// --- The floor: a bare Fastify endpoint ---------------------------------------------------------

/** Fastify with defaults, one route, the body read as bytes and a constant answer of Tessera's size. */
async function startFloor(responseBody: string, contentType: string): Promise<{ url: string; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.addContentTypeParser(contentType, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/', async (_request, reply) => reply.type(contentType).send(responseBody));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => app.close() };
}

// --- The bench ----------------------------------------------------------------------------------

const SINGLE_CASES = 32;
const BATCH_CASES = 8;
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/**
 * Verified Permissions IsAuthorized and BatchIsAuthorized over HTTP against a Tessera on a SQLite
 * file, each in alternating windows (ABBA) with a bare Fastify endpoint that receives the same
 * signed requests and answers with a constant body of the same size. The requests are serialised
 * and SigV4-signed by the real SDK client beforehand and replayed by autocannon from a worker
 * thread, so the server has the main thread to itself. Then the same questions in-process through
 * cedar-wasm: stateless `isAuthorized` (schema and policies parsed on every call) and
 * `statefulIsAuthorized` on a preparsed set.
 */
export async function runAuthzBench(o: AuthzBenchOptions, log: (line: string) => void): Promise<AuthzBenchResult> {
  return withSqliteServer(async (server) => {
    const credentials = await server.admin.config.credentials();
    const keys = { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey };
    const avp = new VerifiedPermissionsClient({ endpoint: server.url, region: REGION, credentials: keys, maxAttempts: 1 });
    const load = new LoadGenerator();
    try {
      // The store, through the SDK like any client would set it up.
      const schemaJson = schema();
      const texts = policies();
      const store = await avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'STRICT' }, description: 'authz bench' }));
      const storeId = store.policyStoreId!;
      const schemaText = JSON.stringify(schemaJson);
      await avp.send(new PutSchemaCommand({ policyStoreId: storeId, definition: { cedarJson: schemaText } }));
      const byId: Record<string, string> = {};
      for (const [i, statement] of texts.entries()) {
        const created = await avp.send(new CreatePolicyCommand({ policyStoreId: storeId, definition: { static: { statement, description: `bench policy ${i}` } } }));
        byId[created.policyId!] = statement;
      }
      log(`  store ${storeId}: schema ${schemaText.length} B, ${texts.length} policies (${texts.join('\n').length} B), validation STRICT`);

      const world = new World();
      const singles = singleCases(world, SINGLE_CASES);
      const batches = batchCases(world, BATCH_CASES, o.batchSize);

      // In-process answers for the same questions; policy ids as the store's, so reasons compare.
      const call = (q: Question, entities: EntityJson[]): AuthorizationCall => ({ ...q, schema: schemaJson, validateRequest: true, policies: { staticPolicies: byId }, entities });
      const PRESET = `tessera-bench-${storeId}`;
      expectSuccess(preparsePolicySet(PRESET, { staticPolicies: byId }), 'preparsePolicySet');
      expectSuccess(preparseSchema(PRESET, schemaJson), 'preparseSchema');
      const statefulCall = (q: Question, entities: EntityJson[]) => ({ ...q, preparsedPolicySetId: PRESET, preparsedSchemaName: PRESET, validateRequest: true, entities });
      const decide = (answer: AuthorizationAnswer) => {
        if (answer.type !== 'success') throw new Error(`cedar-wasm failed: ${JSON.stringify(answer.errors)}`);
        if (answer.response.diagnostics.errors.length > 0) throw new Error(`cedar-wasm evaluation errors: ${JSON.stringify(answer.response.diagnostics.errors)}`);
        return { decision: answer.response.decision === 'allow' ? 'ALLOW' : 'DENY', policies: [...answer.response.diagnostics.reason].sort() };
      };

      // Tessera must give the answers cedar-wasm gives, through the real client, before anything is timed.
      let allows = 0;
      for (const c of singles) {
        const expected = decide(isAuthorized(call(c.question, c.entities)));
        const got = await avp.send(new IsAuthorizedCommand(isAuthorizedInput(storeId, c)));
        const policiesGot = (got.determiningPolicies ?? []).map((p) => p.policyId!).sort();
        if (got.decision !== expected.decision || policiesGot.join() !== expected.policies.join()) {
          throw new Error(`IsAuthorized disagrees with cedar-wasm for ${JSON.stringify(c.question)}: ${got.decision} ${policiesGot.join()} vs ${expected.decision} ${expected.policies.join()}`);
        }
        if (got.errors?.length) throw new Error(`IsAuthorized reported errors: ${JSON.stringify(got.errors)}`);
        if (expected.decision === 'ALLOW') allows++;
      }
      for (const b of batches) {
        const got = await avp.send(new BatchIsAuthorizedCommand(batchInput(storeId, b)));
        if (got.results?.length !== b.questions.length) throw new Error(`BatchIsAuthorized returned ${got.results?.length} results for ${b.questions.length}`);
        b.questions.forEach((q, k) => {
          const expected = decide(isAuthorized(call(q, b.entities)));
          const r = got.results![k]!;
          const policiesGot = (r.determiningPolicies ?? []).map((p) => p.policyId!).sort();
          if (r.decision !== expected.decision || policiesGot.join() !== expected.policies.join()) {
            throw new Error(`BatchIsAuthorized result ${k} disagrees with cedar-wasm: ${r.decision} ${policiesGot.join()} vs ${expected.decision} ${expected.policies.join()}`);
          }
          if (expected.decision === 'ALLOW') allows++;
        });
      }
      const decisions = singles.length + batches.length * o.batchSize;
      const allowShare = round(allows / decisions, 2);
      log(`  Tessera agrees with in-process cedar-wasm on ${decisions} decisions (${Math.round(allowShare * 100)}% allow)`);

      const signSingles = () => signWithSdk(server.url, keys, singles.map((c) => new IsAuthorizedCommand(isAuthorizedInput(storeId, c))));
      const signBatches = () => signWithSdk(server.url, keys, batches.map((b) => new BatchIsAuthorizedCommand(batchInput(storeId, b))));
      // Signatures stay valid for 5 minutes either side of the server's clock, far longer than this bench.
      const signed = { single: await signSingles(), batch: await signBatches() };
      const singleResponse = await replayOnce(server.url, signed.single[0]!, 'IsAuthorized');
      const batchResponse = await replayOnce(server.url, signed.batch[0]!, 'BatchIsAuthorized');
      const floorSingle = await startFloor(singleResponse, CONTENT_TYPE);
      const floorBatch = await startFloor(batchResponse, CONTENT_TYPE);
      try {
        const compare = async (name: string, floorUrl: string, requests: SignedRequest[], perCall: number) => {
          const window = (side: 'floor' | 'tessera', durationMs: number, connections = o.connections) =>
            load.run({ url: side === 'floor' ? floorUrl : server.url, connections, durationMs, requests });
          log(`  ${name} warm-up: ${o.warmupMs / 1000}s Tessera, ${Math.max(1, o.warmupMs / 2000)}s floor`);
          await window('tessera', o.warmupMs);
          await settle();
          await window('floor', Math.max(1000, o.warmupMs / 2));
          await settle();
          const runs = { floor: [] as ThroughputRun[], tessera: [] as ThroughputRun[] };
          const sequence: Array<{ side: 'floor' | 'tessera'; run: ThroughputRun }> = [];
          for (const side of o.pattern) {
            const run = await window(side, o.windowMs);
            await settle();
            if (run.firstFailure) log(`    (${side}: ${run.failed} failed, first: ${run.firstFailure})`);
            runs[side].push(run);
            sequence.push({ side, run });
            logWindow(log, `${name} ${side}`, run, perCall);
          }
          const perPair: number[] = [];
          for (let i = 0; i + 1 < sequence.length; i += 2) {
            const [a, b] = [sequence[i]!, sequence[i + 1]!];
            if (a.side === b.side) continue;
            const [f, t] = a.side === 'floor' ? [a.run, b.run] : [b.run, a.run];
            perPair.push(round(perSecond(f) / perSecond(t)));
          }
          const floor = httpSide(runs.floor, perCall);
          const tessera = httpSide(runs.tessera, perCall);
          const ratio: CostRatio = {
            throughput: round(floor.callsPerSecond / tessera.callsPerSecond),
            p50: round(tessera.latencyMs.p50 / floor.latencyMs.p50),
            p99: round(tessera.latencyMs.p99 / floor.latencyMs.p99),
            serverCpu: round(tessera.serverMsPerCall / floor.serverMsPerCall),
            perPair,
          };
          return { floor, tessera, ratio, window };
        };

        log('  IsAuthorized over HTTP vs bare Fastify…');
        const single = await compare('IsAuthorized', floorSingle.url, signed.single, 1);
        const unloadedFloor = await single.window('floor', o.unloadedMs, 1);
        await settle();
        const unloadedTessera = await single.window('tessera', o.unloadedMs, 1);
        await settle();
        const uf = summarize(unloadedFloor.latencies);
        const ut = summarize(unloadedTessera.latencies);
        log(`  IsAuthorized, 1 connection: floor p50 ${round(uf.p50, 3)} ms p99 ${round(uf.p99, 3)} ms, Tessera p50 ${round(ut.p50, 3)} ms p99 ${round(ut.p99, 3)} ms`);

        log(`  BatchIsAuthorized (${o.batchSize} per call) over HTTP vs bare Fastify…`);
        // Fresh signatures: the single-request windows took a while.
        const batchSigned = await signBatches();
        const batch = await compare('Batch', floorBatch.url, batchSigned, o.batchSize);

        log('  in-process cedar-wasm…');
        let n = 0;
        const statelessRun = await closedLoop(1, o.inProcessMs, async () => {
          const c = singles[n++ % singles.length]!;
          decide(isAuthorized(call(c.question, c.entities)));
        });
        const statefulRun = await closedLoop(1, o.inProcessMs, async () => {
          const c = singles[n++ % singles.length]!;
          decide(statefulIsAuthorized(statefulCall(c.question, c.entities)));
        });
        const stateless = inProcessSide(statelessRun);
        const stateful = inProcessSide(statefulRun);
        log(`    isAuthorized (stateless)   ${stateless.callsPerSecond} calls/s  p50 ${stateless.latencyMs.p50} ms  p99 ${stateless.latencyMs.p99} ms`);
        log(`    statefulIsAuthorized       ${stateful.callsPerSecond} calls/s  p50 ${stateful.latencyMs.p50} ms  p99 ${stateful.latencyMs.p99} ms`);

        const tesseraCostMs = 1000 / single.tessera.callsPerSecond;
        const batchDecisionMs = 1000 / batch.tessera.decisionsPerSecond;
        const statelessMs = 1000 / stateless.callsPerSecond;
        const statefulMs = 1000 / stateful.callsPerSecond;
        return {
          connections: o.connections,
          windowMs: o.windowMs,
          pattern: o.pattern.map((p) => (p === 'floor' ? 'F' : 'T')).join(''),
          store: {
            policies: texts.length,
            permits: texts.filter((t) => t.startsWith('permit')).length,
            forbids: texts.filter((t) => t.startsWith('forbid')).length,
            schemaBytes: schemaText.length,
            policyBytes: texts.join('\n').length,
            entitiesPerRequest: round(singles.reduce((a, c) => a + c.entities.length, 0) / singles.length, 1),
            entitiesPerBatch: round(batches.reduce((a, b) => a + b.entities.length, 0) / batches.length, 1),
            allowShare,
          },
          isAuthorized: {
            requestBytes: meanBytes(signed.single),
            responseBytes: Buffer.byteLength(singleResponse),
            floor: single.floor,
            tessera: single.tessera,
            ratio: single.ratio,
            unloaded: { floorP50: round(uf.p50, 3), floorP99: round(uf.p99, 3), tesseraP50: round(ut.p50, 3), tesseraP99: round(ut.p99, 3), p50Ratio: round(ut.p50 / uf.p50) },
          },
          batch: {
            batchSize: o.batchSize,
            requestBytes: meanBytes(batchSigned),
            responseBytes: Buffer.byteLength(batchResponse),
            floor: batch.floor,
            tessera: batch.tessera,
            ratio: batch.ratio,
            perDecisionMs: { cost: round(batchDecisionMs, 4), serverCpu: round(batch.tessera.serverMsPerCall / o.batchSize, 4) },
          },
          inProcess: { stateless, stateful },
          vsInProcess: {
            costOverStateless: round(tesseraCostMs / statelessMs),
            serverCpuOverStateless: round(single.tessera.serverMsPerCall / stateless.cpuMsPerCall),
            unloadedP50OverStateless: round(ut.p50 / stateless.latencyMs.p50),
            costOverStateful: round(tesseraCostMs / statefulMs),
            batchDecisionOverStateful: round(batchDecisionMs / statefulMs),
          },
        };
      } finally {
        await floorSingle.close();
        await floorBatch.close();
      }
    } finally {
      avp.destroy();
      await load.close();
    }
  });
}

function expectSuccess(answer: { type: string; errors?: unknown }, what: string): void {
  if (answer.type !== 'success') throw new Error(`${what} failed: ${JSON.stringify(answer.errors)}`);
}

const meanBytes = (requests: SignedRequest[]) => Math.round(requests.reduce((a, r) => a + Buffer.byteLength(r.body), 0) / requests.length);

/** Sends one captured request as captured (signature included) and returns Tessera's answer body. */
async function replayOnce(url: string, request: SignedRequest, what: string): Promise<string> {
  // fetch sets Host itself, from the same URL that was signed.
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.toLowerCase() !== 'host'));
  const res = await fetch(url, { method: 'POST', headers, body: request.body });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what} replay of an SDK-signed request failed: ${res.status} ${text}`);
  return text;
}

function httpSide(runs: ThroughputRun[], perCall: number): HttpSide {
  const all = combine(runs);
  const latency = summarize(all.latencies);
  const calls = Math.max(1, all.completed);
  return {
    callsPerSecond: round(perSecond(all), 1),
    decisionsPerSecond: round(perSecond(all) * perCall, 1),
    latencyMs: { ...latency, p50: round(latency.p50, 3), p99: round(latency.p99, 3), mean: round(latency.mean, 3), max: round(latency.max, 3) },
    completed: all.completed,
    failed: all.failed,
    serverMsPerCall: round(all.cpu.mainThreadMs / calls, 4),
    serverBusyPercent: round((all.cpu.mainThreadMs / all.elapsedMs) * 100, 0),
    processMsPerCall: round(all.cpu.processCpuMs / calls, 4),
    otherLoadPercent: round(all.cpu.otherLoadPercent, 1),
    windows: runs.map((r) => {
      const s = summarize(r.latencies);
      return { callsPerSecond: round(perSecond(r), 1), p50: round(s.p50, 3), p99: round(s.p99, 3), otherLoadPercent: round(r.cpu.otherLoadPercent, 1) };
    }),
  };
}

function logWindow(log: (line: string) => void, name: string, run: ThroughputRun, perCall: number): void {
  const s = summarize(run.latencies);
  const other = Number.isFinite(run.cpu.otherLoadPercent) ? `  other load ${round(run.cpu.otherLoadPercent, 0)}%` : '';
  const decisions = perCall > 1 ? ` (${round(perSecond(run) * perCall, 0)} decisions/s)` : '';
  log(
    `    ${name.padEnd(20)} ${round(perSecond(run), 1)} calls/s${decisions}  p50 ${round(s.p50, 2)} ms  p99 ${round(s.p99, 2)} ms  server ${round(run.cpu.mainThreadMs / Math.max(1, run.completed), 3)} ms/call, busy ${round((run.cpu.mainThreadMs / run.elapsedMs) * 100, 0)}%${other}${run.failed ? `  (${run.failed} failed)` : ''}`,
  );
}

function inProcessSide(run: ThroughputRun): InProcessSide {
  const s = summarize(run.latencies);
  return {
    callsPerSecond: round(perSecond(run), 1),
    latencyMs: { ...s, p50: round(s.p50, 4), p99: round(s.p99, 4), mean: round(s.mean, 4), max: round(s.max, 4) },
    cpuMsPerCall: round(run.cpu.mainThreadMs / Math.max(1, run.completed), 4),
  };
}

const fixed = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
/** Above this share of the machine used by other processes, figures are flagged as noisy. */
const BUSY_PERCENT = 15;

/** The authz part of the printed report. */
export function formatAuthzReport(r: AuthzBenchResult): string {
  const out: string[] = [];
  const s = r.store;
  const perSide = r.pattern.length / 2;
  out.push(
    `Verified Permissions over HTTP — SQLite file; store: Cedar JSON schema (${s.schemaBytes} B) + ${s.policies} policies (${s.permits} permit, ${s.forbids} forbid), STRICT; ` +
      `${s.entitiesPerRequest} entities per IsAuthorized, ${s.entitiesPerBatch} per batch; ${Math.round(s.allowShare * 100)}% allow. ` +
      `Requests serialised and SigV4-signed beforehand by the SDK client, replayed by autocannon from a worker thread (server alone on the main thread); ` +
      `${r.connections} connections, ${perSide} × ${r.windowMs / 1000}s windows per side (${r.pattern})`,
  );
  const header = ['', 'calls/s', 'decisions/s', 'p50 ms', 'p99 ms', 'server CPU ms/call', 'server busy', 'process CPU ms/call', 'other load', 'failed'];
  const row = (name: string, x: HttpSide) => [
    name,
    fixed(x.callsPerSecond),
    fixed(x.decisionsPerSecond, 0),
    fixed(x.latencyMs.p50, 2),
    fixed(x.latencyMs.p99, 2),
    fixed(x.serverMsPerCall, 3),
    `${fixed(x.serverBusyPercent, 0)}%`,
    fixed(x.processMsPerCall, 3),
    Number.isFinite(x.otherLoadPercent) ? `${fixed(x.otherLoadPercent, 0)}%` : '–',
    x.failed,
  ];
  const a = r.isAuthorized;
  const b = r.batch;
  out.push(
    table(header, [
      row(`floor: bare Fastify, constant ${a.responseBytes} B answer (${a.requestBytes} B request)`, a.floor),
      row('Tessera IsAuthorized', a.tessera),
      row(`floor: bare Fastify, constant ${b.responseBytes} B answer (${b.requestBytes} B request)`, b.floor),
      row(`Tessera BatchIsAuthorized (${b.batchSize} per call)`, b.tessera),
    ]),
  );
  const ratioLine = (name: string, x: CostRatio, aim: string) =>
    `${name} cost / floor cost: 1/throughput ×${fixed(x.throughput, 2)}${aim}, p50 ×${fixed(x.p50, 2)}, p99 ×${fixed(x.p99, 2)}, server CPU/call ×${fixed(x.serverCpu, 2)}  (1/throughput per window pair: ${x.perPair.map((v) => `×${fixed(v, 2)}`).join(', ')})`;
  out.push(ratioLine('IsAuthorized', a.ratio, ' (aim ≤ 2)'));
  out.push(
    `IsAuthorized at 1 connection: floor p50 ${fixed(a.unloaded.floorP50, 3)} ms (p99 ${fixed(a.unloaded.floorP99, 3)}), Tessera p50 ${fixed(a.unloaded.tesseraP50, 3)} ms (p99 ${fixed(a.unloaded.tesseraP99, 3)}): ×${fixed(a.unloaded.p50Ratio, 2)}`,
  );
  out.push(ratioLine('BatchIsAuthorized', b.ratio, ''));
  out.push(`BatchIsAuthorized per decision: ${fixed(b.perDecisionMs.cost * 1000, 1)} µs (1/throughput), ${fixed(b.perDecisionMs.serverCpu * 1000, 1)} µs server CPU`);
  const busiest = Math.max(a.floor.otherLoadPercent, a.tessera.otherLoadPercent, b.floor.otherLoadPercent, b.tessera.otherLoadPercent);
  if (busiest > BUSY_PERCENT) out.push(`note: other processes used up to ${fixed(busiest, 0)}% of the machine during these windows; throughput figures are noisy`);
  const floorBusy = Math.min(a.floor.serverBusyPercent, b.floor.serverBusyPercent);
  if (floorBusy < 85) out.push(`note: a floor server was busy only ${fixed(floorBusy, 0)}% of its window: the load generator or other processes (see other load) set its pace, so its throughput understates the floor; the server CPU/call ratio does not depend on that`);
  out.push('');
  const ip = r.inProcess;
  out.push('cedar-wasm in-process, the same IsAuthorized questions, one at a time on one thread');
  out.push(
    table(
      ['', 'calls/s', 'p50 ms', 'p99 ms', 'CPU ms/call'],
      [
        ['isAuthorized (stateless: schema + policies parsed every call)', fixed(ip.stateless.callsPerSecond), fixed(ip.stateless.latencyMs.p50, 3), fixed(ip.stateless.latencyMs.p99, 3), fixed(ip.stateless.cpuMsPerCall, 3)],
        ['statefulIsAuthorized (preparsed schema and policy set)', fixed(ip.stateful.callsPerSecond), fixed(ip.stateful.latencyMs.p50, 3), fixed(ip.stateful.latencyMs.p99, 3), fixed(ip.stateful.cpuMsPerCall, 3)],
      ],
    ),
  );
  const v = r.vsInProcess;
  out.push(
    `Tessera HTTP IsAuthorized vs in-process stateless: cost (1/throughput) ×${fixed(v.costOverStateless, 2)}, server CPU ×${fixed(v.serverCpuOverStateless, 2)}, p50 at 1 connection ×${fixed(v.unloadedP50OverStateless, 2)};` +
      ` vs stateful: cost ×${fixed(v.costOverStateful, 2)}; batch decision vs stateful call ×${fixed(v.batchDecisionOverStateful, 2)}`,
  );
  return out.join('\n');
}
