import { CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import {
  type AttributeValue,
  BatchGetPolicyCommand,
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedInputItem,
  type ContextDefinition,
  CreateIdentitySourceCommand,
  CreatePolicyCommand,
  CreatePolicyStoreCommand,
  CreatePolicyTemplateCommand,
  DeletePolicyTemplateCommand,
  type EntitiesDefinition,
  type EntityIdentifier,
  GetIdentitySourceCommand,
  GetPolicyCommand,
  GetPolicyStoreCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  IsAuthorizedCommand,
  ListIdentitySourcesCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
  ListPolicyTemplatesCommand,
  PutSchemaCommand,
  type ResourceNotFoundException,
  type ServiceQuotaExceededException,
  UpdatePolicyCommand,
  UpdatePolicyStoreCommand,
  UpdatePolicyTemplateCommand,
  type ValidationException,
  VerifiedPermissionsClient,
  type VerifiedPermissionsServiceException,
} from '@aws-sdk/client-verifiedpermissions';
import { validate as cedarValidate } from '@cedar-policy/cedar-wasm/nodejs';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAvpError, expectNotFound } from '../support/avp-errors.ts';
import { expectError } from '../support/expect-error.ts';
import { ADMIN_CREDENTIALS, rawCall, REGION, startTestServer, type TestServer } from '../support/server.ts';

const AMZ_JSON_10 = 'application/x-amz-json-1.0';
/** Well-formed (22 base62 characters) but never issued. */
const UNKNOWN_ID = 'ZZZZZZZZZZZZZZZZZZZZZZ';

const user = (id: string): EntityIdentifier => ({ entityType: 'User', entityId: id });
const doc = (id: string): EntityIdentifier => ({ entityType: 'Doc', entityId: id });
const action = (id: string) => ({ actionType: 'Action', actionId: id });

/** A Cedar schema the STRICT-mode tests validate against. */
const SCHEMA = {
  App: {
    entityTypes: {
      User: { memberOfTypes: ['Group'], shape: { type: 'Record', attributes: { age: { type: 'Long' }, name: { type: 'String' } } } },
      Group: {},
      Doc: { shape: { type: 'Record', attributes: { owner: { type: 'Entity', name: 'User' } } } },
    },
    actions: {
      view: { appliesTo: { principalTypes: ['User'], resourceTypes: ['Doc'], context: { type: 'Record', attributes: { mfa: { type: 'Boolean' } } } } },
      edit: { appliesTo: { principalTypes: ['User'], resourceTypes: ['Doc'] } },
    },
  },
};

/** What Cedar's own validator says about a policy under SCHEMA, without its `for policy \`id\`, ` prefix. */
function cedarValidatorMessages(statement: string, schema: object = SCHEMA): string[] {
  const answer = cedarValidate({ validationSettings: { mode: 'strict' }, schema: schema as never, policies: { staticPolicies: { probe: statement } } });
  if (answer.type !== 'success') throw new Error(`cedar-wasm could not validate: ${JSON.stringify(answer.errors)}`);
  return answer.validationErrors.map((e) => e.error.message.replace(/^for policy `probe`, /, ''));
}

/** A policy whose Cedar text is exactly `bytes` ASCII bytes long. */
function policyOfSize(bytes: number): string {
  const head = 'permit(principal, action, resource) when { "';
  const tail = '" != "" };';
  const text = head + 'x'.repeat(bytes - head.length - tail.length) + tail;
  if (Buffer.byteLength(text) !== bytes) throw new Error('size mismatch');
  return text;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: { __type?: string; message?: string };
}

/** A raw AWS JSON 1.0 call signed with SigV4 the way the SDK signs, so the body can be anything. */
async function signedCall(
  url: string,
  target: string,
  body: string,
  o: { credentials?: { accessKeyId: string; secretAccessKey: string }; service?: string; signedBody?: string } = {},
): Promise<Reply> {
  const { host, hostname, port } = new URL(url);
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname,
    port: Number(port),
    path: '/',
    headers: { host, 'content-type': AMZ_JSON_10, 'x-amz-target': target },
    body: o.signedBody ?? body,
  });
  const signer = new SignatureV4({ service: o.service ?? 'verifiedpermissions', region: REGION, credentials: o.credentials ?? ADMIN_CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(request);
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: Reply['body'] = {};
  try {
    parsed = JSON.parse(text) as Reply['body'];
  } catch {
    parsed = { message: text };
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

describe('Amazon Verified Permissions API: bad input is refused, and leaves nothing behind', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  // ── helpers ───────────────────────────────────────────────────────────────────────────────


  const expectValidation = (call: Promise<unknown>, message?: string | RegExp) => expectAvpError(call, 'ValidationException', 400, message) as Promise<ValidationException>;


  const createStore = async (mode: 'OFF' | 'STRICT' = 'OFF') => (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode } }))).policyStoreId!;

  const createStatic = async (policyStoreId: string, statement: string) =>
    (await s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement } } }))).policyId!;

  const createTemplate = async (policyStoreId: string, statement: string) => (await s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId, statement }))).policyTemplateId!;

  const putSchema = (policyStoreId: string, schema: object) => s.avp.send(new PutSchemaCommand({ policyStoreId, definition: { cedarJson: JSON.stringify(schema) } }));

  async function allPolicyIds(policyStoreId: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await s.avp.send(new ListPoliciesCommand({ policyStoreId, maxResults: 50, ...(nextToken && { nextToken }) }));
      ids.push(...page.policies!.map((p) => p.policyId!));
      nextToken = page.nextToken;
    } while (nextToken);
    return ids.sort();
  }

  async function allStoreIds(): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await s.avp.send(new ListPolicyStoresCommand({ maxResults: 50, ...(nextToken && { nextToken }) }));
      ids.push(...page.policyStores!.map((p) => p.policyStoreId!));
      nextToken = page.nextToken;
    } while (nextToken);
    return ids.sort();
  }

  /** Everything a failed write to a store could have touched: the store, its policies with their statements, its templates, its schema. */
  async function snapshot(policyStoreId: string) {
    const { $metadata: _m, ...store } = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId }));
    const ids = await allPolicyIds(policyStoreId);
    const policies = ids.length
      ? (await s.avp.send(new BatchGetPolicyCommand({ requests: ids.map((policyId) => ({ policyStoreId, policyId })) }))).results!.sort((a, b) => a.policyId!.localeCompare(b.policyId!))
      : [];
    const templateItems = (await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId, maxResults: 50 }))).policyTemplates!;
    const templates = await Promise.all(
      templateItems
        .map((t) => t.policyTemplateId!)
        .sort()
        .map(async (policyTemplateId) => {
          const { $metadata: _t, ...t } = await s.avp.send(new GetPolicyTemplateCommand({ policyStoreId, policyTemplateId }));
          return t;
        }),
    );
    const schema = await s.avp.send(new GetSchemaCommand({ policyStoreId })).then(
      ({ $metadata: _s, ...rest }) => rest,
      (e: Error) => e.name,
    );
    return { store, policies, templates, schema };
  }

  /** Runs a call that must fail as `name`, then checks that the store is exactly as it was. */
  async function refusedWithoutTrace(policyStoreId: string, call: () => Promise<unknown>, name = 'ValidationException', status = 400, message?: string | RegExp) {
    const before = await snapshot(policyStoreId);
    const error = await expectAvpError(call(), name, status, message);
    expect(await snapshot(policyStoreId)).toEqual(before);
    return error;
  }

  // ── malformed Cedar ───────────────────────────────────────────────────────────────────────

  describe('malformed Cedar policy text', () => {
    let id: string;
    let existing: string;

    beforeAll(async () => {
      id = await createStore();
      existing = await createStatic(id, 'permit(principal == User::"alice", action == Action::"read", resource);');
    });

    const malformed: Array<[string, string]> = [
      ['a statement cut short', 'permit(principal, action, resource'],
      ['an unknown effect', 'allow(principal, action, resource);'],
      ['an unterminated string', 'permit(principal == User::"alice, action, resource);'],
      ['a broken condition', 'permit(principal, action, resource) when { 1 + };'],
      ['a scope in the wrong order', 'permit(action, principal, resource);'],
      ['an unknown extension function', 'permit(principal, action, resource) when { nosuchfn("x") };'],
      ['two policies in one statement', 'permit(principal, action, resource); forbid(principal, action, resource);'],
      ['a template slot in a static policy', 'permit(principal == ?principal, action, resource);'],
      ['an empty statement', ''],
      ['only a comment', '// nothing to see'],
      ['plain prose', 'let alice read everything'],
    ];

    it.each(malformed)('refuses a static policy with %s, storing nothing', async (_label, statement) => {
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement } } })));
    });

    it.each(malformed.filter(([label]) => !label.includes('slot')))('refuses an update to %s, keeping the old statement', async (_label, statement) => {
      await refusedWithoutTrace(id, () => s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: existing, definition: { static: { statement } } })));
      expect((await s.avp.send(new IsAuthorizedCommand({ policyStoreId: id, principal: user('alice'), action: action('read'), resource: doc('d') }))).decision).toBe('ALLOW');
    });

    it('carries the parser\'s complaint in the message', async () => {
      const error = await expectValidation(s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: 'permit(principal, action, resource' } } })));
      expect(error.message).toMatch(/unexpected end of input|parse/i);
    });

    const malformedTemplates: Array<[string, string]> = [
      ['a syntax error', 'permit(principal == ?principal, action, resource in ?resource'],
      ['two templates in one statement', 'permit(principal == ?principal, action, resource is Doc); permit(principal == ?principal, action, resource is Doc);'],
      ['a slot where Cedar allows none', 'permit(principal, action, resource) when { ?principal == principal };'],
      ['an empty statement', ''],
      // AWS: Verified Permissions requires that neither the principal nor the resource of a template is unconstrained.
      ['an unconstrained principal', 'permit(principal, action == Action::"view", resource == ?resource);'],
      ['an unconstrained resource', 'permit(principal == ?principal, action == Action::"view", resource);'],
    ];

    it.each(malformedTemplates)('refuses a template with %s, storing nothing', async (_label, statement) => {
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement })));
    });

    it('refuses a malformed template update, keeping the old template and its linked policies working', async () => {
      const store = await createStore();
      const templateId = await createTemplate(store, 'permit(principal == ?principal, action == Action::"read", resource in ?resource);');
      await s.avp.send(new CreatePolicyCommand({ policyStoreId: store, definition: { templateLinked: { policyTemplateId: templateId, principal: user('alice'), resource: doc('d') } } }));
      await refusedWithoutTrace(store, () => s.avp.send(new UpdatePolicyTemplateCommand({ policyStoreId: store, policyTemplateId: templateId, statement: 'permit(principal == ?principal, action' })));
      await refusedWithoutTrace(store, () =>
        s.avp.send(new UpdatePolicyTemplateCommand({ policyStoreId: store, policyTemplateId: templateId, statement: 'permit(principal == User::"alice", action, resource is Doc);' })),
      );
      expect((await s.avp.send(new IsAuthorizedCommand({ policyStoreId: store, principal: user('alice'), action: action('read'), resource: doc('d') }))).decision).toBe('ALLOW');
    });

    it('refuses to change a static policy into a template-linked one through UpdatePolicy', async () => {
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
      await refusedWithoutTrace(id, () =>
        s.avp.send(
          new UpdatePolicyCommand({ policyStoreId: id, policyId: existing, definition: { $unknown: ['templateLinked', { policyTemplateId: templateId, principal: user('alice') }] } }),
        ),
      );
      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: templateId }));
    });

    it('refuses a policy definition naming both static and templateLinked', async () => {
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
      const both = { static: { statement: 'permit(principal, action, resource);' }, templateLinked: { policyTemplateId: templateId, principal: user('alice') } };
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: both as never })));
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: {} as never })));
      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: templateId }));
    });

    it('refuses template links that leave a slot empty or fill one the template does not have', async () => {
      const both = await createTemplate(id, 'permit(principal == ?principal, action, resource in ?resource);');
      const principalOnly = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
      const linked = (policyTemplateId: string, principal?: EntityIdentifier, resource?: EntityIdentifier) => () =>
        s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { templateLinked: { policyTemplateId, ...(principal && { principal }), ...(resource && { resource }) } } }));
      await refusedWithoutTrace(id, linked(both, user('alice')));
      await refusedWithoutTrace(id, linked(both, undefined, doc('d')));
      await refusedWithoutTrace(id, linked(principalOnly));
      await refusedWithoutTrace(id, linked(principalOnly, user('alice'), doc('d')));
      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: both }));
      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: principalOnly }));
    });
  });

  // ── STRICT validation ─────────────────────────────────────────────────────────────────────

  describe('schema violations in STRICT mode', () => {
    it('refuses every policy in a STRICT store that has no schema yet', async () => {
      const id = await createStore('STRICT');
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: 'permit(principal, action, resource);' } } })));
    });

    describe('against a schema', () => {
      let id: string;
      /** Its scope names neither principal nor resource, so updates may change everything the refusals below need. */
      let existing: string;
      const VALID = 'permit(principal in App::Group::"staff", action == App::Action::"view", resource) when { principal.age >= 18 && context.mfa };';
      const OPEN = 'permit(principal, action == App::Action::"view", resource) when { principal.age >= 21 };';

      beforeAll(async () => {
        id = await createStore('STRICT');
        await putSchema(id, SCHEMA);
        await createStatic(id, VALID);
        existing = await createStatic(id, OPEN);
      });

      const invalid: Array<[string, string]> = [
        ['an entity type the schema lacks', 'permit(principal == App::Usr::"alice", action == App::Action::"view", resource);'],
        ['an action the schema lacks', 'permit(principal, action == App::Action::"delete", resource);'],
        ['an attribute the schema lacks', 'permit(principal, action == App::Action::"view", resource) when { principal.agee > 3 };'],
        ['an operand of the wrong type', 'permit(principal, action == App::Action::"view", resource) when { principal.name > 3 };'],
        ['a context attribute the action does not have', 'permit(principal, action == App::Action::"edit", resource) when { context.mfa };'],
        ['an entity type outside any namespace', 'permit(principal == User::"alice", action, resource);'],
      ];

      it('accepts a policy that validates, so the refusals below are about the schema', async () => {
        expect(cedarValidatorMessages(VALID)).toEqual([]);
        const policyId = await createStatic(id, 'permit(principal, action == App::Action::"edit", resource) when { resource.owner == principal };');
        expect(policyId).toMatch(/^[0-9A-Za-z]{22}$/);
      });

      it.each(invalid)('refuses a policy with %s, with Cedar\'s validator message, storing nothing', async (_label, statement) => {
        const cedarSays = cedarValidatorMessages(statement);
        expect(cedarSays.length, 'Cedar itself finds the policy invalid').toBeGreaterThan(0);
        const error = await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement } } })));
        expect(error.message).toContain(cedarSays[0]);
      });

      // Same principal and resource as OPEN (none), so only the schema can be the reason for refusing.
      const invalidUpdates: Array<[string, string]> = [
        ['an entity type the schema lacks', 'permit(principal, action == App::Action::"view", resource) when { principal in App::Grp::"staff" };'],
        ['an action the schema lacks', 'permit(principal, action == App::Action::"delete", resource);'],
        ['an attribute the schema lacks', 'permit(principal, action == App::Action::"view", resource) when { principal.agee > 3 };'],
        ['an operand of the wrong type', 'permit(principal, action == App::Action::"view", resource) when { principal.name > 3 };'],
        ['a context attribute the action does not have', 'permit(principal, action == App::Action::"edit", resource) when { context.mfa };'],
      ];

      it.each(invalidUpdates)('refuses an update to a policy with %s, keeping the old statement', async (_label, statement) => {
        const cedarSays = cedarValidatorMessages(statement);
        expect(cedarSays.length, 'Cedar itself finds the policy invalid').toBeGreaterThan(0);
        const error = await refusedWithoutTrace(id, () => s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: existing, definition: { static: { statement } } })));
        expect(error.message).toContain(cedarSays[0]);
        expect((await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: existing }))).definition?.static?.statement).toBe(OPEN);
      });

      it('accepts an update that validates, so the refusals above are about the schema', async () => {
        const statement = 'permit(principal, action == App::Action::"view", resource) when { principal.age >= 21 && context.mfa };';
        expect(cedarValidatorMessages(statement)).toEqual([]);
        await s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: existing, definition: { static: { statement } } }));
        await s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: existing, definition: { static: { statement: OPEN } } }));
      });

      it('refuses a template that does not validate', async () => {
        await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement: 'permit(principal == ?principal, action == App::Action::"share", resource in ?resource);' })));
        await refusedWithoutTrace(id, () =>
          s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement: 'permit(principal == ?principal, action == App::Action::"view", resource in ?resource) when { resource.size > 1 };' })),
        );
      });

      it('accepts a schema change without re-validating stored policies, as AWS documents, and validates the next write against it', async () => {
        const store = await createStore('STRICT');
        await putSchema(store, SCHEMA);
        const statement = 'permit(principal, action == App::Action::"view", resource) when { principal.age >= 18 };';
        const stored = await createStatic(store, statement);
        const withoutAge = structuredClone(SCHEMA);
        delete (withoutAge.App.entityTypes.User.shape.attributes as Record<string, unknown>).age;
        const put = await putSchema(store, withoutAge);
        expect(put.namespaces).toEqual(['App']);
        expect((await s.avp.send(new GetPolicyCommand({ policyStoreId: store, policyId: stored }))).definition?.static?.statement).toBe(statement);
        await refusedWithoutTrace(store, () => createStatic(store, statement));
      });
    });

    describe('schemas that are not schemas', () => {
      let id: string;

      beforeAll(async () => {
        id = await createStore('STRICT');
        await putSchema(id, SCHEMA);
      });

      const badSchemas: Array<[string, string]> = [
        ['text that is not JSON', '{"App": {'],
        ['a JSON array', '[]'],
        ['a JSON string', '"App"'],
        ['a reference to an undeclared entity type', JSON.stringify({ App: { entityTypes: { User: { memberOfTypes: ['Nope'] } }, actions: {} } })],
        ['an unknown attribute type', JSON.stringify({ App: { entityTypes: { User: { shape: { type: 'Record', attributes: { age: { type: 'Integer' } } } } }, actions: {} } })],
        ['an action applying to an undeclared type', JSON.stringify({ App: { entityTypes: {}, actions: { view: { appliesTo: { principalTypes: ['Ghost'], resourceTypes: ['Ghost'] } } } } })],
        // AWS: Verified Permissions supports only one namespace per policy store.
        ['two namespaces', JSON.stringify({ A: { entityTypes: {}, actions: {} }, B: { entityTypes: {}, actions: {} } })],
        ['an empty string', ''],
      ];

      it.each(badSchemas)('refuses %s, keeping the schema it had', async (_label, cedarJson) => {
        await refusedWithoutTrace(id, () => s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { cedarJson } })));
      });

      it('refuses Cedar schema text that does not parse', async () => {
        await refusedWithoutTrace(id, () => s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { $unknown: ['cedarFormat', 'namespace App { entity User in [ }'] } })));
      });

      it('refuses a definition with no member, or with an unknown one', async () => {
        await refusedWithoutTrace(id, () => s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: {} as never })));
        await refusedWithoutTrace(id, () => s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { $unknown: ['yaml', 'App: {}'] } })));
      });
    });
  });

  // ── unknown ids ───────────────────────────────────────────────────────────────────────────

  describe('unknown ids', () => {
    let id: string;
    let policyId: string;
    let templateId: string;

    beforeAll(async () => {
      id = await createStore();
      policyId = await createStatic(id, 'permit(principal, action, resource);');
      templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
    });

    it('answers every operation on an unknown policy store with ResourceNotFoundException naming the store', async () => {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['GetPolicyStore', () => s.avp.send(new GetPolicyStoreCommand({ policyStoreId: UNKNOWN_ID }))],
        ['UpdatePolicyStore', () => s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: UNKNOWN_ID, validationSettings: { mode: 'OFF' } }))],
        ['PutSchema', () => putSchema(UNKNOWN_ID, SCHEMA)],
        ['GetSchema', () => s.avp.send(new GetSchemaCommand({ policyStoreId: UNKNOWN_ID }))],
        ['CreatePolicy', () => s.avp.send(new CreatePolicyCommand({ policyStoreId: UNKNOWN_ID, definition: { static: { statement: 'permit(principal, action, resource);' } } }))],
        ['GetPolicy', () => s.avp.send(new GetPolicyCommand({ policyStoreId: UNKNOWN_ID, policyId }))],
        ['UpdatePolicy', () => s.avp.send(new UpdatePolicyCommand({ policyStoreId: UNKNOWN_ID, policyId, definition: { static: { statement: 'permit(principal, action, resource);' } } }))],
        ['ListPolicies', () => s.avp.send(new ListPoliciesCommand({ policyStoreId: UNKNOWN_ID }))],
        ['CreatePolicyTemplate', () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: UNKNOWN_ID, statement: 'permit(principal == ?principal, action, resource is Doc);' }))],
        ['GetPolicyTemplate', () => s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: UNKNOWN_ID, policyTemplateId: templateId }))],
        ['ListPolicyTemplates', () => s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: UNKNOWN_ID }))],
        ['ListIdentitySources', () => s.avp.send(new ListIdentitySourcesCommand({ policyStoreId: UNKNOWN_ID }))],
        ['IsAuthorized', () => s.avp.send(new IsAuthorizedCommand({ policyStoreId: UNKNOWN_ID, principal: user('alice'), action: action('read'), resource: doc('d') }))],
        [
          'BatchIsAuthorized',
          () => s.avp.send(new BatchIsAuthorizedCommand({ policyStoreId: UNKNOWN_ID, requests: [{ principal: user('alice'), action: action('read'), resource: doc('d') }] })),
        ],
      ];
      for (const [op, call] of calls) {
        const error = (await expectAvpError(call(), 'ResourceNotFoundException', 404).catch((e: Error) => {
          throw new Error(`${op}: ${e.message}`);
        })) as ResourceNotFoundException;
        expect({ op, resourceType: error.resourceType, resourceId: error.resourceId }).toEqual({ op, resourceType: 'POLICY_STORE', resourceId: UNKNOWN_ID });
      }
      expect(await allStoreIds()).not.toContain(UNKNOWN_ID);
    });

    it('answers an unknown policy with ResourceNotFoundException naming the policy', async () => {
      await expectNotFound(s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: UNKNOWN_ID })), 'POLICY', UNKNOWN_ID);
      await refusedWithoutTrace(
        id,
        () => s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: UNKNOWN_ID, definition: { static: { statement: 'permit(principal, action, resource);' } } })),
        'ResourceNotFoundException',
        404,
      );
    });

    it('answers an unknown template with ResourceNotFoundException naming the template, and links nothing to it', async () => {
      await expectNotFound(s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: UNKNOWN_ID })), 'POLICY_TEMPLATE', UNKNOWN_ID);
      await refusedWithoutTrace(
        id,
        () => s.avp.send(new UpdatePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: UNKNOWN_ID, statement: 'permit(principal == ?principal, action, resource is Doc);' })),
        'ResourceNotFoundException',
        404,
      );
      const before = await snapshot(id);
      await expectNotFound(
        s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { templateLinked: { policyTemplateId: UNKNOWN_ID, principal: user('alice') } } })),
        'POLICY_TEMPLATE',
        UNKNOWN_ID,
      );
      expect(await snapshot(id)).toEqual(before);
    });

    it('answers an unknown identity source with ResourceNotFoundException naming it', async () => {
      await expectNotFound(s.avp.send(new GetIdentitySourceCommand({ policyStoreId: id, identitySourceId: UNKNOWN_ID })), 'IDENTITY_SOURCE', UNKNOWN_ID);
    });

    it('does not find a template of one store through another', async () => {
      const other = await createStore();
      await expectNotFound(s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: other, policyTemplateId: templateId })), 'POLICY_TEMPLATE', templateId);
      const before = await snapshot(other);
      await expectAvpError(
        s.avp.send(new CreatePolicyCommand({ policyStoreId: other, definition: { templateLinked: { policyTemplateId: templateId, principal: user('alice') } } })),
        'ResourceNotFoundException',
        404,
      );
      expect(await snapshot(other)).toEqual(before);
    });

    it('refuses an id outside the allowed pattern with ValidationException rather than looking it up', async () => {
      await expectValidation(s.avp.send(new GetPolicyStoreCommand({ policyStoreId: 'not a valid id!' })));
      await expectValidation(s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: 'bad id with spaces' })));
      await expectValidation(s.avp.send(new GetPolicyStoreCommand({ policyStoreId: 'x'.repeat(201) })));
      await expectValidation(s.avp.send(new GetPolicyStoreCommand({ policyStoreId: '' })));
    });
  });

  // ── batches ───────────────────────────────────────────────────────────────────────────────

  describe('BatchIsAuthorized and BatchGetPolicy limits', () => {
    let id: string;

    beforeAll(async () => {
      id = await createStore();
      await createStatic(id, 'permit(principal, action, resource);');
    });

    const batch = (requests: BatchIsAuthorizedInputItem[]) => s.avp.send(new BatchIsAuthorizedCommand({ policyStoreId: id, requests }));

    it('refuses 31 requests in one batch', async () => {
      const requests = Array.from({ length: 31 }, (_, i) => ({ principal: user('alice'), action: action('read'), resource: doc(`d${i}`) }));
      await expectValidation(batch(requests));
      await expect(batch(requests.slice(0, 30))).resolves.toMatchObject({ results: expect.any(Array) });
    });

    it('refuses an empty batch', async () => {
      await expectValidation(batch([]));
    });

    it('refuses a batch whose requests share neither principal nor resource', async () => {
      await expectValidation(
        batch([
          { principal: user('alice'), action: action('read'), resource: doc('d1') },
          { principal: user('bob'), action: action('read'), resource: doc('d2') },
        ]),
      );
    });

    it('refuses a batch where the principal differs in one request and the resource in another', async () => {
      await expectValidation(
        batch([
          { principal: user('alice'), action: action('read'), resource: doc('d1') },
          { principal: user('alice'), action: action('read'), resource: doc('d2') },
          { principal: user('bob'), action: action('read'), resource: doc('d2') },
        ]),
      );
    });

    it('tells principals apart by type as well as id', async () => {
      await expectValidation(
        batch([
          { principal: user('alice'), action: action('read'), resource: doc('d1') },
          { principal: { entityType: 'Admin', entityId: 'alice' }, action: action('read'), resource: doc('d2') },
        ]),
      );
    });

    it('refuses a BatchGetPolicy of more than 100 or of no policies', async () => {
      const ids = await allPolicyIds(id);
      await expectValidation(s.avp.send(new BatchGetPolicyCommand({ requests: Array.from({ length: 101 }, () => ({ policyStoreId: id, policyId: ids[0]! })) })));
      await expectValidation(s.avp.send(new BatchGetPolicyCommand({ requests: [] })));
    });
  });

  // ── malformed entities and context ────────────────────────────────────────────────────────

  describe('malformed entities and context', () => {
    let id: string;

    beforeAll(async () => {
      id = await createStore();
      await createStatic(id, 'permit(principal, action, resource);');
    });

    const ask = (extra: { entities?: EntitiesDefinition; context?: ContextDefinition; principal?: EntityIdentifier; action?: { actionType: string; actionId: string } }) =>
      s.avp.send(
        new IsAuthorizedCommand({
          policyStoreId: id,
          principal: extra.principal ?? user('alice'),
          action: extra.action ?? action('read'),
          resource: doc('d'),
          ...(extra.entities && { entities: extra.entities }),
          ...(extra.context && { context: extra.context }),
        }),
      );
    const withAttribute = (value: AttributeValue): EntitiesDefinition => ({ entityList: [{ identifier: user('alice'), attributes: { a: value } }] });

    it('decides a well-formed request, so the refusals below are about their input', async () => {
      expect((await ask({ entities: withAttribute({ long: 1 }) })).decision).toBe('ALLOW');
    });

    const badValues: Array<[string, AttributeValue]> = [
      ['two members set', { boolean: true, long: 1 } as unknown as AttributeValue],
      ['three members set', { string: 'a', decimal: '1.0', ipaddr: '10.0.0.1' } as unknown as AttributeValue],
      ['no member set', {} as unknown as AttributeValue],
      ['an unknown member', { $unknown: ['float', 1.5] }],
      ['a long that is a string', { long: '12' } as unknown as AttributeValue],
      ['a boolean that is a string', { boolean: 'true' } as unknown as AttributeValue],
      ['a decimal with five fraction digits', { decimal: '1.23456' }],
      ['a decimal that is not a number', { decimal: 'one' }],
      ['a duration in words', { duration: '1 hour' }],
      ['a datetime in words', { datetime: 'yesterday' }],
      ['an ipaddr in words', { ipaddr: 'not an ip' }],
      ['an ipaddr out of range', { ipaddr: '999.1.1.1' }],
      ['an entityIdentifier without an id', { entityIdentifier: { entityType: 'User' } as EntityIdentifier }],
      ['a set holding a value with two members', { set: [{ string: 'ok' }, { string: 'x', long: 2 } as unknown as AttributeValue] }],
      ['a record holding an empty value', { record: { inner: {} as unknown as AttributeValue } }],
    ];

    it.each(badValues)('refuses an entity attribute with %s', async (_label, value) => {
      await expectValidation(ask({ entities: withAttribute(value) }));
    });

    it.each(badValues)('refuses a context value with %s', async (_label, value) => {
      await expectValidation(ask({ context: { contextMap: { a: value } } }));
    });

    it('refuses entities naming both entityList and cedarJson, or neither', async () => {
      await expectValidation(ask({ entities: { entityList: [{ identifier: user('alice') }], cedarJson: '[]' } as unknown as EntitiesDefinition }));
      await expectValidation(ask({ entities: {} as unknown as EntitiesDefinition }));
    });

    it('refuses context naming both contextMap and cedarJson', async () => {
      await expectValidation(ask({ context: { contextMap: {}, cedarJson: '{}' } as unknown as ContextDefinition }));
    });

    // AWS: "exactly one instance of context must be passed. If you don't want to pass context, omit the context parameter … rather than sending context {}."
    it('refuses a context union with no member', async () => {
      await expectValidation(ask({ context: {} as unknown as ContextDefinition }));
    });

    it('refuses Cedar JSON entities that are not JSON, not an array, or not entities', async () => {
      await expectValidation(ask({ entities: { cedarJson: '[{"uid": ' } }));
      await expectValidation(ask({ entities: { cedarJson: '{"uid": {"type": "User", "id": "alice"}}' } }));
      await expectValidation(ask({ entities: { cedarJson: '[{"id": "alice"}]' } }));
      await expectValidation(ask({ entities: { cedarJson: '[{"uid": {"type": "User", "id": "alice"}, "attrs": {"ip": {"__extn": {"fn": "ip", "arg": "nope"}}}, "parents": []}]' } }));
    });

    it('refuses Cedar JSON context that is not JSON or not an object', async () => {
      await expectValidation(ask({ context: { cedarJson: '{"mfa": ' } }));
      await expectValidation(ask({ context: { cedarJson: '[true]' } }));
      await expectValidation(ask({ context: { cedarJson: '"mfa"' } }));
    });

    it('refuses an action type outside `Action` or `Namespace::Action`', async () => {
      await expectValidation(ask({ action: { actionType: 'Verb', actionId: 'read' } }));
    });

    it('refuses an entity id longer than 612 characters', async () => {
      await expectValidation(ask({ principal: { entityType: 'User', entityId: 'a'.repeat(613) } }));
    });

    it('refuses malformed entities in BatchIsAuthorized too', async () => {
      await expectValidation(
        s.avp.send(
          new BatchIsAuthorizedCommand({
            policyStoreId: id,
            entities: withAttribute({ decimal: '1.0', duration: '1h' } as unknown as AttributeValue),
            requests: [{ principal: user('alice'), action: action('read'), resource: doc('d') }],
          }),
        ),
      );
    });
  });

  // ── sizes and quotas ──────────────────────────────────────────────────────────────────────

  describe('sizes and quotas', () => {
    it('refuses a policy over 10,000 bytes and accepts one of exactly 10,000', async () => {
      const id = await createStore();
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: policyOfSize(10_001) } } })));
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: policyOfSize(50_000) } } })));
      const policyId = await createStatic(id, policyOfSize(10_000));
      await refusedWithoutTrace(id, () => s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId, definition: { static: { statement: policyOfSize(10_001) } } })));
      expect((await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId }))).definition?.static?.statement).toBe(policyOfSize(10_000));
    });

    it('refuses a template over 10,000 bytes', async () => {
      const id = await createStore();
      const head = 'permit(principal == ?principal, action, resource is Doc) when { "';
      const tail = '" != "" };';
      const statement = head + 'x'.repeat(10_001 - head.length - tail.length) + tail;
      expect(Buffer.byteLength(statement)).toBe(10_001);
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement })));
    });

    it('refuses descriptions over 150 characters', async () => {
      const storesBefore = await allStoreIds();
      await expectValidation(s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'd'.repeat(151) })));
      expect(await allStoreIds()).toEqual(storesBefore);
      const id = await createStore();
      await refusedWithoutTrace(id, () => s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: id, validationSettings: { mode: 'OFF' }, description: 'd'.repeat(151) })));
      await refusedWithoutTrace(id, () =>
        s.avp.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: 'permit(principal, action, resource);', description: 'd'.repeat(151) } } })),
      );
      await refusedWithoutTrace(id, () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement: 'permit(principal == ?principal, action, resource is Doc);', description: 'd'.repeat(151) })));
    });

    it('refuses a 41st template in a store with ServiceQuotaExceededException', async () => {
      const id = await createStore();
      for (let i = 0; i < 40; i++) await createTemplate(id, `permit(principal == ?principal, action == Action::"a${i}", resource is Doc);`);
      const error = (await refusedWithoutTrace(
        id,
        () => s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement: 'permit(principal == ?principal, action == Action::"extra", resource is Doc);' })),
        'ServiceQuotaExceededException',
        402,
      )) as ServiceQuotaExceededException;
      expect((await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id, maxResults: 50 }))).policyTemplates).toHaveLength(40);
      // resourceType is a required member of ServiceQuotaExceededException in the model.
      expect(error.resourceType).toBe('POLICY_TEMPLATE');
    });

    it('refuses a second identity source in a store with ServiceQuotaExceededException', async () => {
      const pool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'avp-quota' }))).UserPool!;
      const id = await createStore();
      const create = () =>
        s.avp.send(new CreateIdentitySourceCommand({ policyStoreId: id, principalEntityType: 'User', configuration: { cognitoUserPoolConfiguration: { userPoolArn: pool.Arn! } } }));
      await create();
      const error = (await expectAvpError(create(), 'ServiceQuotaExceededException', 402)) as ServiceQuotaExceededException;
      expect((await s.avp.send(new ListIdentitySourcesCommand({ policyStoreId: id }))).identitySources).toHaveLength(1);
      expect(error.resourceType).toBe('IDENTITY_SOURCE');
    });

    it('refuses an identity source whose user pool ARN is malformed, creating none', async () => {
      const id = await createStore();
      await expectValidation(
        s.avp.send(new CreateIdentitySourceCommand({ policyStoreId: id, principalEntityType: 'User', configuration: { cognitoUserPoolConfiguration: { userPoolArn: 'not-an-arn' } } })),
      );
      await expectValidation(s.avp.send(new CreateIdentitySourceCommand({ policyStoreId: id, principalEntityType: 'User', configuration: {} as never })));
      expect((await s.avp.send(new ListIdentitySourcesCommand({ policyStoreId: id }))).identitySources).toEqual([]);
    });
  });

  // ── other constraint violations ───────────────────────────────────────────────────────────

  describe('other constraint violations', () => {
    it('refuses a validation mode that is neither OFF nor STRICT, and a missing one, creating no store', async () => {
      const before = await allStoreIds();
      await expectValidation(s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'LAX' as never } })));
      await expectValidation(s.avp.send(new CreatePolicyStoreCommand({} as never)));
      await expectValidation(s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, deletionProtection: 'MAYBE' as never })));
      expect(await allStoreIds()).toEqual(before);
      const id = await createStore();
      await refusedWithoutTrace(id, () => s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: id, validationSettings: { mode: 'LAX' as never } })));
    });

    it('refuses maxResults below 1 and a nextToken it never issued', async () => {
      const id = await createStore();
      await expectValidation(s.avp.send(new ListPoliciesCommand({ policyStoreId: id, maxResults: 0 })));
      await expectValidation(s.avp.send(new ListPolicyStoresCommand({ maxResults: 0 })));
      await expectValidation(s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id, maxResults: -1 })));
      await expectValidation(s.avp.send(new ListPoliciesCommand({ policyStoreId: id, nextToken: 'bm90LWEtdG9rZW4' })));
    });

    it('refuses a ListPolicies filter naming both identifier and unspecified, or an unknown policy type', async () => {
      const id = await createStore();
      await expectValidation(s.avp.send(new ListPoliciesCommand({ policyStoreId: id, filter: { principal: { identifier: user('alice'), unspecified: true } as never } })));
      await expectValidation(s.avp.send(new ListPoliciesCommand({ policyStoreId: id, filter: { policyType: 'DYNAMIC' as never } })));
    });

    it('reuses the result of a create retried with the same clientToken, and refuses the token with other parameters (ConflictException)', async () => {
      const clientToken = 'a1b2c3d4-e5f6-a1b2-c3d4-tessera000001';
      const before = await allStoreIds();
      const first = await s.avp.send(new CreatePolicyStoreCommand({ clientToken, validationSettings: { mode: 'OFF' }, description: 'once' }));
      const retry = await s.avp.send(new CreatePolicyStoreCommand({ clientToken, validationSettings: { mode: 'OFF' }, description: 'once' }));
      expect(retry.policyStoreId).toBe(first.policyStoreId);
      await expectAvpError(s.avp.send(new CreatePolicyStoreCommand({ clientToken, validationSettings: { mode: 'STRICT' }, description: 'other' })), 'ConflictException', 409);
      expect(await allStoreIds()).toEqual([...before, first.policyStoreId!].sort());

      const policyToken = 'a1b2c3d4-e5f6-a1b2-c3d4-tessera000002';
      const definition = { static: { statement: 'permit(principal == User::"alice", action, resource);' } };
      const p1 = await s.avp.send(new CreatePolicyCommand({ clientToken: policyToken, policyStoreId: first.policyStoreId, definition }));
      const p2 = await s.avp.send(new CreatePolicyCommand({ clientToken: policyToken, policyStoreId: first.policyStoreId, definition }));
      expect(p2.policyId).toBe(p1.policyId);
      await refusedWithoutTrace(
        first.policyStoreId!,
        () =>
          s.avp.send(
            new CreatePolicyCommand({ clientToken: policyToken, policyStoreId: first.policyStoreId, definition: { static: { statement: 'permit(principal == User::"bob", action, resource);' } } }),
          ),
        'ConflictException',
        409,
      );
      expect(await allPolicyIds(first.policyStoreId!)).toEqual([p1.policyId]);
    });
  });

  // ── signatures ────────────────────────────────────────────────────────────────────────────

  describe('unsigned and badly signed calls', () => {
    const AUTH_ERRORS = ['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'InvalidSignatureException', 'AccessDeniedException'];
    let id: string;

    beforeAll(async () => {
      id = await createStore();
      await createStatic(id, 'permit(principal == User::"alice", action, resource);');
    });

    const createStoreBody = JSON.stringify({ validationSettings: { mode: 'OFF' }, description: 'intruder' });
    const createPolicyBody = () => JSON.stringify({ policyStoreId: id, definition: { static: { statement: 'permit(principal, action, resource);' } } });

    const refusedAuth = (reply: { status: number; body: { __type?: string } }, expected: string) => {
      expect([400, 403], JSON.stringify(reply.body)).toContain(reply.status);
      expect(AUTH_ERRORS).toContain(reply.body.__type);
      expect(reply.body.__type).toBe(expected);
    };

    it('refuses calls with no signature at all, for writes and for decisions', async () => {
      const stores = await allStoreIds();
      const before = await snapshot(id);
      const headers = { 'content-type': AMZ_JSON_10 };
      refusedAuth(await rawCall(s.url, 'VerifiedPermissions.CreatePolicyStore', createStoreBody, headers), 'MissingAuthenticationTokenException');
      refusedAuth(await rawCall(s.url, 'VerifiedPermissions.CreatePolicy', createPolicyBody(), headers), 'MissingAuthenticationTokenException');
      refusedAuth(await rawCall(s.url, 'VerifiedPermissions.DeletePolicyStore', JSON.stringify({ policyStoreId: id }), headers), 'MissingAuthenticationTokenException');
      refusedAuth(
        await rawCall(
          s.url,
          'VerifiedPermissions.IsAuthorized',
          JSON.stringify({ policyStoreId: id, principal: user('alice'), action: action('read'), resource: doc('d') }),
          headers,
        ),
        'MissingAuthenticationTokenException',
      );
      refusedAuth(await rawCall(s.url, 'VerifiedPermissions.ListPolicyStores', '{}', headers), 'MissingAuthenticationTokenException');
      expect(await allStoreIds()).toEqual(stores);
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses calls signed with a wrong secret or an unknown access key, through the real SDK', async () => {
      const stores = await allStoreIds();
      const before = await snapshot(id);
      const client = (credentials: { accessKeyId: string; secretAccessKey: string }) => new VerifiedPermissionsClient({ endpoint: s.url, region: REGION, credentials, maxAttempts: 1 });
      const wrongSecret = client({ accessKeyId: ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
      const unknownKey = client({ accessKeyId: 'AKIDNOBODYKNOWS', secretAccessKey: ADMIN_CREDENTIALS.secretAccessKey });
      try {
        for (const [c, name] of [
          [wrongSecret, 'InvalidSignatureException'],
          [unknownKey, 'UnrecognizedClientException'],
        ] as const) {
          const e1 = (await expectError(c.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' } })), name)) as VerifiedPermissionsServiceException;
          expect([400, 403]).toContain(e1.$metadata.httpStatusCode);
          await expectError(c.send(new CreatePolicyCommand({ policyStoreId: id, definition: { static: { statement: 'permit(principal, action, resource);' } } })), name);
          await expectError(c.send(new IsAuthorizedCommand({ policyStoreId: id, principal: user('alice'), action: action('read'), resource: doc('d') })), name);
          await expectError(c.send(new GetPolicyStoreCommand({ policyStoreId: id })), name);
        }
      } finally {
        wrongSecret.destroy();
        unknownKey.destroy();
      }
      expect(await allStoreIds()).toEqual(stores);
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses a signature scoped to another service, and a body changed after signing', async () => {
      const stores = await allStoreIds();
      refusedAuth(await signedCall(s.url, 'VerifiedPermissions.CreatePolicyStore', createStoreBody, { service: 'cognito-idp' }), 'InvalidSignatureException');
      refusedAuth(
        await signedCall(s.url, 'VerifiedPermissions.CreatePolicyStore', createStoreBody, { signedBody: JSON.stringify({ validationSettings: { mode: 'OFF' } }) }),
        'InvalidSignatureException',
      );
      expect(await allStoreIds()).toEqual(stores);
    });

    it('accepts the same raw call when it is signed properly, so the refusals above are about the signature', async () => {
      const reply = await signedCall(s.url, 'VerifiedPermissions.GetPolicyStore', JSON.stringify({ policyStoreId: id }));
      expect(reply.status, reply.text).toBe(200);
      expect(reply.headers.get('content-type')).toContain(AMZ_JSON_10);
      expect((reply.body as { policyStoreId?: string }).policyStoreId).toBe(id);
    });
  });

  // ── raw malformed bodies ──────────────────────────────────────────────────────────────────

  describe('raw malformed JSON bodies, properly signed', () => {
    const expectAwsError = (reply: Reply, types: string[]) => {
      expect(reply.status, reply.text).toBe(400);
      expect(types).toContain(reply.body.__type);
      expect(reply.body.message ?? '').not.toBe('');
      expect(reply.headers.get('x-amzn-errortype') ?? '').toMatch(new RegExp(`^${reply.body.__type}`));
    };

    it.each([
      ['truncated JSON', '{"validationSettings": {"mode": "OFF"'],
      ['not JSON at all', 'validationSettings=OFF'],
      ['a JSON array', '[{"validationSettings": {"mode": "OFF"}}]'],
      ['a JSON string', '"OFF"'],
      ['a JSON number', '42'],
    ])('refuses %s with SerializationException and creates no store', async (_label, body) => {
      const stores = await allStoreIds();
      expectAwsError(await signedCall(s.url, 'VerifiedPermissions.CreatePolicyStore', body), ['SerializationException']);
      expect(await allStoreIds()).toEqual(stores);
    });

    it.each([
      ['a missing required member', '{}'],
      ['a member of the wrong type', '{"validationSettings": {"mode": 5}}'],
      ['a structure where a string belongs', '{"validationSettings": {"mode": {"value": "OFF"}}, "description": {"text": "x"}}'],
      ['an enum value AWS does not define', '{"validationSettings": {"mode": "off"}}'],
    ])('refuses %s with a 400 and creates no store', async (_label, body) => {
      const stores = await allStoreIds();
      expectAwsError(await signedCall(s.url, 'VerifiedPermissions.CreatePolicyStore', body), ['ValidationException', 'SerializationException']);
      expect(await allStoreIds()).toEqual(stores);
    });

    it('refuses malformed policy bodies without storing a policy', async () => {
      const id = await createStore();
      const before = await snapshot(id);
      const bodies = [
        '{"policyStoreId": "' + id + '", "definition": {"static": {"statement": 42}}}',
        '{"policyStoreId": "' + id + '", "definition": {"static": {}}}',
        '{"policyStoreId": "' + id + '", "definition": "permit(principal, action, resource);"}',
        '{"policyStoreId": "' + id + '"}',
        '{"policyStoreId": "' + id + '", "definition": {"static": {"statement": "permit(principal, action, resource);"}, "templateLinked": {"policyTemplateId": "x"}}}',
        '{"policyStoreId": "' + id + '", "definition": {"static": {"statement": "permit(principal, action, resource);"',
      ];
      for (const body of bodies) expectAwsError(await signedCall(s.url, 'VerifiedPermissions.CreatePolicy', body), ['ValidationException', 'SerializationException']);
      expect(await snapshot(id)).toEqual(before);
    });

    it('refuses raw IsAuthorized bodies whose unions are malformed', async () => {
      const id = await createStore();
      await createStatic(id, 'permit(principal, action, resource);');
      const base = { policyStoreId: id, principal: user('alice'), action: action('read'), resource: doc('d') };
      const bodies = [
        { ...base, entities: { entityList: [{ identifier: user('alice'), attributes: { a: { long: 1, string: 'x' } } }] } },
        { ...base, entities: { entityList: [{ identifier: user('alice'), attributes: { a: { float: 1.5 } } }] } },
        { ...base, entities: { entityList: 'alice' } },
        { ...base, context: { contextMap: { a: 1 } } },
        { ...base, entities: { entityList: [{ identifier: user('alice'), attributes: { a: { long: 1.5 } } }] } },
        { ...base, entities: { entityList: [{ identifier: user('alice'), attributes: { a: { set: { string: 'x' } } } }] } },
      ];
      for (const body of bodies) {
        const reply = await signedCall(s.url, 'VerifiedPermissions.IsAuthorized', JSON.stringify(body));
        expect(reply.status, `${JSON.stringify(body)} → ${reply.text}`).toBe(400);
        expect(['ValidationException', 'SerializationException']).toContain(reply.body.__type);
      }
      const ok = await signedCall(s.url, 'VerifiedPermissions.IsAuthorized', JSON.stringify(base));
      expect(ok.status, ok.text).toBe(200);
      expect((ok.body as { decision?: string }).decision).toBe('ALLOW');
    });

    it('answers an operation Verified Permissions does not have with UnknownOperationException', async () => {
      const reply = await signedCall(s.url, 'VerifiedPermissions.DropEverything', '{}');
      expectAwsError(reply, ['UnknownOperationException']);
    });

    it('never answers bad input with a server error', async () => {
      const targets = ['CreatePolicyStore', 'CreatePolicy', 'PutSchema', 'IsAuthorized', 'BatchIsAuthorized', 'ListPolicies', 'BatchGetPolicy', 'CreatePolicyTemplate', 'CreateIdentitySource'];
      const bodies = ['', '{', 'null', '{"policyStoreId": null}', '{"policyStoreId": ["a"]}', '{"requests": {}}', `{"policyStoreId": "${'a'.repeat(5000)}"}`, '{"__proto__": {"x": 1}}'];
      for (const target of targets) {
        for (const body of bodies) {
          const reply = await signedCall(s.url, `VerifiedPermissions.${target}`, body);
          expect(reply.status, `${target} ${body.slice(0, 40)} → ${reply.text}`).toBeGreaterThanOrEqual(400);
          expect(reply.status, `${target} ${body.slice(0, 40)} → ${reply.text}`).toBeLessThan(500);
        }
      }
    });
  });
});
