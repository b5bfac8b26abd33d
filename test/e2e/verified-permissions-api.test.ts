import {
  type AttributeValue,
  BatchGetPolicyCommand,
  BatchIsAuthorizedCommand,
  type BatchIsAuthorizedInputItem,
  type ContextDefinition,
  CreateIdentitySourceCommand,
  CreatePolicyCommand,
  type CreatePolicyCommandOutput,
  CreatePolicyStoreCommand,
  CreatePolicyTemplateCommand,
  DeleteIdentitySourceCommand,
  DeletePolicyCommand,
  DeletePolicyStoreCommand,
  DeletePolicyTemplateCommand,
  type EntitiesDefinition,
  type EntityIdentifier,
  type EntityItem,
  GetIdentitySourceCommand,
  GetPolicyCommand,
  GetPolicyStoreCommand,
  GetPolicyTemplateCommand,
  GetSchemaCommand,
  IsAuthorizedCommand,
  type IsAuthorizedCommandOutput,
  ListIdentitySourcesCommand,
  ListPoliciesCommand,
  ListPolicyStoresCommand,
  ListPolicyTemplatesCommand,
  type PolicyFilter,
  type PolicyItem,
  PutSchemaCommand,
  type ResourceNotFoundException,
  UpdateIdentitySourceCommand,
  UpdatePolicyCommand,
  UpdatePolicyStoreCommand,
  UpdatePolicyTemplateCommand,
  type VerifiedPermissionsServiceException,
} from '@aws-sdk/client-verifiedpermissions';
import { CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAvpError, expectNotFound } from '../support/avp-errors.ts';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

/** Policy store, policy, template and identity source ids: 22 base62 characters, like AWS's `C7v5xMplfFH3i3e4Jrzb1a`. */
const ID = /^[0-9A-Za-z]{22}$/;

const user = (id: string): EntityIdentifier => ({ entityType: 'User', entityId: id });
const doc = (id: string): EntityIdentifier => ({ entityType: 'Doc', entityId: id });
const action = (id: string) => ({ actionType: 'Action', actionId: id });

describe('Amazon Verified Permissions API through the AWS SDK', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s?.close());

  // ── helpers ───────────────────────────────────────────────────────────────────────────────



  const createStore = async (mode: 'OFF' | 'STRICT' = 'OFF', extra: { description?: string; deletionProtection?: 'ENABLED' | 'DISABLED' } = {}) =>
    (await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode }, ...extra }))).policyStoreId!;

  const createStatic = async (policyStoreId: string, statement: string, description?: string): Promise<CreatePolicyCommandOutput> =>
    s.avp.send(new CreatePolicyCommand({ policyStoreId, definition: { static: { statement, ...(description !== undefined && { description }) } } }));

  const staticId = async (policyStoreId: string, statement: string, description?: string) => (await createStatic(policyStoreId, statement, description)).policyId!;

  const createTemplate = async (policyStoreId: string, statement: string, description?: string) =>
    (await s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId, statement, ...(description !== undefined && { description }) }))).policyTemplateId!;

  const link = async (policyStoreId: string, policyTemplateId: string, principal?: EntityIdentifier, resource?: EntityIdentifier) =>
    (
      await s.avp.send(
        new CreatePolicyCommand({
          policyStoreId,
          definition: { templateLinked: { policyTemplateId, ...(principal && { principal }), ...(resource && { resource }) } },
        }),
      )
    ).policyId!;

  /** Every policy of a store, following nextToken, with the page sizes seen on the way. */
  async function listAll(policyStoreId: string, filter?: PolicyFilter, maxResults?: number): Promise<{ policies: PolicyItem[]; pages: number[] }> {
    const policies: PolicyItem[] = [];
    const pages: number[] = [];
    let nextToken: string | undefined;
    do {
      const page = await s.avp.send(new ListPoliciesCommand({ policyStoreId, ...(filter && { filter }), ...(maxResults && { maxResults }), ...(nextToken && { nextToken }) }));
      policies.push(...page.policies!);
      pages.push(page.policies!.length);
      nextToken = page.nextToken;
      expect(pages.length, 'pagination must end').toBeLessThan(100);
    } while (nextToken);
    return { policies, pages };
  }

  const idsOf = async (policyStoreId: string, filter?: PolicyFilter) => (await listAll(policyStoreId, filter)).policies.map((p) => p.policyId!).sort();

  const decide = (
    policyStoreId: string,
    req: { principal?: EntityIdentifier; action: string; resource?: EntityIdentifier; entities?: EntitiesDefinition; context?: ContextDefinition },
  ): Promise<IsAuthorizedCommandOutput> =>
    s.avp.send(
      new IsAuthorizedCommand({
        policyStoreId,
        principal: req.principal ?? user('alice'),
        action: action(req.action),
        resource: req.resource ?? doc('d1'),
        ...(req.entities && { entities: req.entities }),
        ...(req.context && { context: req.context }),
      }),
    );

  const decisionOf = async (...args: Parameters<typeof decide>) => (await decide(...args)).decision;

  // ── policy stores ─────────────────────────────────────────────────────────────────────────

  describe('policy stores', () => {
    it('creates a store with a 22-character id, an ARN and dates, and reads back its settings', async () => {
      const before = Date.now();
      const created = await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'photo app' }));
      expect(created.$metadata.httpStatusCode).toBe(200);
      expect(created.policyStoreId).toMatch(ID);
      expect(created.arn).toMatch(new RegExp(`^arn:aws:verifiedpermissions::\\d{12}:policy-store/${created.policyStoreId}$`));
      expect(created.createdDate).toBeInstanceOf(Date);
      expect(created.createdDate!.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(created.createdDate!.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
      expect(created.lastUpdatedDate).toBeInstanceOf(Date);

      const got = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: created.policyStoreId }));
      expect(got.policyStoreId).toBe(created.policyStoreId);
      expect(got.arn).toBe(created.arn);
      expect(got.validationSettings).toEqual({ mode: 'OFF' });
      expect(got.description).toBe('photo app');
      expect(got.deletionProtection).toBe('DISABLED');
      expect(got.createdDate!.getTime()).toBe(created.createdDate!.getTime());
    });

    it('gives every store its own id', async () => {
      const ids = await Promise.all([createStore(), createStore(), createStore()]);
      expect(new Set(ids).size).toBe(3);
    });

    it('creates a STRICT store with deletion protection when asked', async () => {
      const id = await createStore('STRICT', { deletionProtection: 'ENABLED' });
      const got = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: id }));
      expect(got.validationSettings).toEqual({ mode: 'STRICT' });
      expect(got.deletionProtection).toBe('ENABLED');
      await s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: id, validationSettings: { mode: 'OFF' }, deletionProtection: 'DISABLED' }));
    });

    it('lists stores with their ARN and description, paging with maxResults and nextToken without repeats', async () => {
      const mine = await Promise.all([1, 2, 3, 4, 5].map((n) => createStore('OFF', { description: `listed ${n}` })));
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await s.avp.send(new ListPolicyStoresCommand({ maxResults: 2, ...(nextToken && { nextToken }) }));
        expect(page.policyStores!.length).toBeLessThanOrEqual(2);
        for (const item of page.policyStores!) {
          seen.push(item.policyStoreId!);
          expect(item.arn).toMatch(new RegExp(`:policy-store/${item.policyStoreId}$`));
          expect(item.createdDate).toBeInstanceOf(Date);
          const n = mine.indexOf(item.policyStoreId!);
          if (n >= 0) expect(item.description).toBe(`listed ${n + 1}`);
        }
        nextToken = page.nextToken;
        pages++;
      } while (nextToken && pages < 1000);
      expect(nextToken).toBeUndefined();
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(mine));
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('updates validation mode, description and deletion protection, advancing lastUpdatedDate only', async () => {
      const created = await s.avp.send(new CreatePolicyStoreCommand({ validationSettings: { mode: 'OFF' }, description: 'before' }));
      await new Promise((r) => setTimeout(r, 20));
      const updated = await s.avp.send(
        new UpdatePolicyStoreCommand({ policyStoreId: created.policyStoreId, validationSettings: { mode: 'STRICT' }, description: 'after', deletionProtection: 'ENABLED' }),
      );
      expect(updated.policyStoreId).toBe(created.policyStoreId);
      expect(updated.arn).toBe(created.arn);
      expect(updated.createdDate!.getTime()).toBe(created.createdDate!.getTime());
      expect(updated.lastUpdatedDate!.getTime()).toBeGreaterThan(created.lastUpdatedDate!.getTime());
      const got = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: created.policyStoreId }));
      expect(got).toMatchObject({ validationSettings: { mode: 'STRICT' }, description: 'after', deletionProtection: 'ENABLED' });

      // deletionProtection is left as it is unless the call names it.
      await s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: created.policyStoreId, validationSettings: { mode: 'OFF' } }));
      const again = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: created.policyStoreId }));
      expect(again.validationSettings).toEqual({ mode: 'OFF' });
      expect(again.deletionProtection).toBe('ENABLED');
      await s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: created.policyStoreId, validationSettings: { mode: 'OFF' }, deletionProtection: 'DISABLED' }));
    });

    it('deletes a store with everything in it: reads, lists and decisions then see nothing', async () => {
      const id = await createStore();
      const policyId = await staticId(id, 'permit(principal, action, resource);');
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
      expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');

      const deleted = await s.avp.send(new DeletePolicyStoreCommand({ policyStoreId: id }));
      expect(deleted.$metadata.httpStatusCode).toBe(200);

      await expectNotFound(s.avp.send(new GetPolicyStoreCommand({ policyStoreId: id })), 'POLICY_STORE', id);
      await expectAvpError(s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId })), 'ResourceNotFoundException', 404);
      await expectAvpError(s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: templateId })), 'ResourceNotFoundException', 404);
      await expectAvpError(s.avp.send(new ListPoliciesCommand({ policyStoreId: id })), 'ResourceNotFoundException', 404);
      await expectAvpError(decide(id, { action: 'read' }), 'ResourceNotFoundException', 404);

      const listed: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await s.avp.send(new ListPolicyStoresCommand({ maxResults: 50, ...(nextToken && { nextToken }) }));
        listed.push(...page.policyStores!.map((p) => p.policyStoreId!));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(listed).not.toContain(id);
    });

    it('answers DeletePolicyStore for a store that is already gone with success (the operation is idempotent)', async () => {
      const id = await createStore();
      await s.avp.send(new DeletePolicyStoreCommand({ policyStoreId: id }));
      const again = await s.avp.send(new DeletePolicyStoreCommand({ policyStoreId: id }));
      expect(again.$metadata.httpStatusCode).toBe(200);
    });

    it('refuses to delete a store with deletion protection (InvalidStateException), keeps it whole, and deletes it once protection is off', async () => {
      const id = await createStore('OFF', { deletionProtection: 'ENABLED' });
      const policyId = await staticId(id, 'permit(principal == User::"alice", action, resource);');
      const refusal = (await expectError(s.avp.send(new DeletePolicyStoreCommand({ policyStoreId: id })), 'InvalidStateException')) as VerifiedPermissionsServiceException;

      const got = await s.avp.send(new GetPolicyStoreCommand({ policyStoreId: id }));
      expect(got.deletionProtection).toBe('ENABLED');
      expect(await idsOf(id)).toEqual([policyId]);
      expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');

      await s.avp.send(new UpdatePolicyStoreCommand({ policyStoreId: id, validationSettings: { mode: 'OFF' }, deletionProtection: 'DISABLED' }));
      await s.avp.send(new DeletePolicyStoreCommand({ policyStoreId: id }));
      await expectNotFound(s.avp.send(new GetPolicyStoreCommand({ policyStoreId: id })), 'POLICY_STORE', id);

      // The Smithy model gives InvalidStateException HTTP status 406.
      expect(refusal.$metadata.httpStatusCode).toBe(406);
    });
  });

  // ── schemas ───────────────────────────────────────────────────────────────────────────────

  describe('schemas', () => {
    const schema = {
      PhotoApp: {
        entityTypes: {
          User: { memberOfTypes: ['Group'], shape: { type: 'Record', attributes: { department: { type: 'String' }, level: { type: 'Long' } } } },
          Group: {},
          Photo: { shape: { type: 'Record', attributes: { owner: { type: 'Entity', name: 'User' }, private: { type: 'Boolean' } } } },
        },
        actions: {
          view: { appliesTo: { principalTypes: ['User'], resourceTypes: ['Photo'], context: { type: 'Record', attributes: { mfa: { type: 'Boolean' } } } } },
          delete: { appliesTo: { principalTypes: ['User'], resourceTypes: ['Photo'] } },
        },
      },
    };

    it('stores a Cedar JSON schema and returns it with its namespaces and dates', async () => {
      const id = await createStore();
      const put = await s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { cedarJson: JSON.stringify(schema) } }));
      expect(put.policyStoreId).toBe(id);
      expect(put.namespaces).toEqual(['PhotoApp']);
      expect(put.createdDate).toBeInstanceOf(Date);
      expect(put.lastUpdatedDate).toBeInstanceOf(Date);

      const got = await s.avp.send(new GetSchemaCommand({ policyStoreId: id }));
      expect(got.policyStoreId).toBe(id);
      expect(got.namespaces).toEqual(['PhotoApp']);
      expect(got.createdDate).toBeInstanceOf(Date);
      const returned = JSON.parse(got.schema!) as typeof schema;
      expect(Object.keys(returned)).toEqual(['PhotoApp']);
      expect(Object.keys(returned.PhotoApp.entityTypes).sort()).toEqual(['Group', 'Photo', 'User']);
      expect(Object.keys(returned.PhotoApp.actions).sort()).toEqual(['delete', 'view']);
      expect(returned.PhotoApp.entityTypes.User.memberOfTypes).toEqual(['Group']);
    });

    it('accepts a schema in the Cedar text format and returns it as Cedar JSON', async () => {
      const id = await createStore();
      const text = `namespace Library {
        entity Member { tier: String };
        entity Book;
        action borrow appliesTo { principal: [Member], resource: [Book] };
      }`;
      const put = await s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { $unknown: ['cedarFormat', text] } }));
      expect(put.namespaces).toEqual(['Library']);
      const got = await s.avp.send(new GetSchemaCommand({ policyStoreId: id }));
      const json = JSON.parse(got.schema!) as Record<string, { entityTypes: Record<string, unknown>; actions: Record<string, { appliesTo?: { principalTypes?: string[]; resourceTypes?: string[] } }> }>;
      expect(Object.keys(json)).toEqual(['Library']);
      expect(Object.keys(json.Library!.entityTypes).sort()).toEqual(['Book', 'Member']);
      expect(json.Library!.actions.borrow!.appliesTo).toMatchObject({ principalTypes: ['Member'], resourceTypes: ['Book'] });
      expect(got.namespaces).toEqual(['Library']);
    });

    it('replaces the schema on a second PutSchema, keeping createdDate', async () => {
      const id = await createStore();
      const first = await s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { cedarJson: JSON.stringify(schema) } }));
      await new Promise((r) => setTimeout(r, 20));
      const other = { Shop: { entityTypes: { Customer: {} }, actions: { buy: { appliesTo: { principalTypes: ['Customer'], resourceTypes: ['Customer'] } } } } };
      const second = await s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { cedarJson: JSON.stringify(other) } }));
      expect(second.namespaces).toEqual(['Shop']);
      const got = await s.avp.send(new GetSchemaCommand({ policyStoreId: id }));
      expect(Object.keys(JSON.parse(got.schema!) as object)).toEqual(['Shop']);
      expect(got.namespaces).toEqual(['Shop']);
      expect(got.createdDate!.getTime()).toBe(first.createdDate!.getTime());
      expect(got.lastUpdatedDate!.getTime()).toBeGreaterThan(first.lastUpdatedDate!.getTime());
    });

    it('answers GetSchema on a store without a schema with ResourceNotFoundException', async () => {
      const id = await createStore();
      await expectAvpError(s.avp.send(new GetSchemaCommand({ policyStoreId: id })), 'ResourceNotFoundException', 404);
    });

    it('accepts policies and templates that validate against the schema of a STRICT store, and decides with namespaced types', async () => {
      const id = await createStore('STRICT');
      await s.avp.send(new PutSchemaCommand({ policyStoreId: id, definition: { cedarJson: JSON.stringify(schema) } }));
      const policyId = await staticId(
        id,
        'permit(principal in PhotoApp::Group::"editors", action == PhotoApp::Action::"view", resource) when { context.mfa && principal.level >= 3 && !resource.private };',
      );
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action == PhotoApp::Action::"delete", resource == ?resource);');
      const linkedId = await link(id, templateId, { entityType: 'PhotoApp::User', entityId: 'alice' }, { entityType: 'PhotoApp::Photo', entityId: 'p1' });

      const entities: EntitiesDefinition = {
        entityList: [
          {
            identifier: { entityType: 'PhotoApp::User', entityId: 'alice' },
            attributes: { department: { string: 'news' }, level: { long: 4 } },
            parents: [{ entityType: 'PhotoApp::Group', entityId: 'editors' }],
          },
          { identifier: { entityType: 'PhotoApp::Group', entityId: 'editors' } },
          {
            identifier: { entityType: 'PhotoApp::Photo', entityId: 'p1' },
            attributes: { owner: { entityIdentifier: { entityType: 'PhotoApp::User', entityId: 'alice' } }, private: { boolean: false } },
          },
        ],
      };
      const ask = (act: string, mfa: boolean) =>
        s.avp.send(
          new IsAuthorizedCommand({
            policyStoreId: id,
            principal: { entityType: 'PhotoApp::User', entityId: 'alice' },
            action: { actionType: 'PhotoApp::Action', actionId: act },
            resource: { entityType: 'PhotoApp::Photo', entityId: 'p1' },
            // Only view declares an mfa context in the schema; requests are checked against it.
            ...(act === 'view' && { context: { contextMap: { mfa: { boolean: mfa } } } }),
            entities,
          }),
        );
      const view = await ask('view', true);
      expect(view.decision).toBe('ALLOW');
      expect(view.determiningPolicies).toEqual([{ policyId }]);
      expect((await ask('view', false)).decision).toBe('DENY');
      const del = await ask('delete', false);
      expect(del.decision).toBe('ALLOW');
      expect(del.determiningPolicies).toEqual([{ policyId: linkedId }]);
    });
  });

  // ── static policies ───────────────────────────────────────────────────────────────────────

  describe('static policies', () => {
    it('creates a policy and reports its type, scope, actions, effect and dates', async () => {
      const id = await createStore();
      const created = await createStatic(id, 'permit(principal in Group::"friends", action in [Action::"view", Action::"comment"], resource in Album::"vacation");', 'friends see the album');
      expect(created.policyStoreId).toBe(id);
      expect(created.policyId).toMatch(ID);
      expect(created.policyType).toBe('STATIC');
      expect(created.principal).toEqual({ entityType: 'Group', entityId: 'friends' });
      expect(created.resource).toEqual({ entityType: 'Album', entityId: 'vacation' });
      expect(created.actions).toEqual(expect.arrayContaining([action('view'), action('comment')]));
      expect(created.actions).toHaveLength(2);
      expect(created.effect).toBe('Permit');
      expect(created.createdDate).toBeInstanceOf(Date);
      expect(created.lastUpdatedDate).toBeInstanceOf(Date);
    });

    it('reads a policy back with its full statement and description', async () => {
      const id = await createStore();
      const statement = 'forbid(principal == User::"mallory", action, resource) unless { context.approved };';
      const policyId = await staticId(id, statement, 'no mallory');
      const got = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId }));
      expect(got.policyStoreId).toBe(id);
      expect(got.policyId).toBe(policyId);
      expect(got.policyType).toBe('STATIC');
      expect(got.definition).toEqual({ static: { statement, description: 'no mallory' } });
      expect(got.principal).toEqual(user('mallory'));
      expect(got.resource).toBeUndefined();
      expect(got.effect).toBe('Forbid');
      expect(got.createdDate).toBeInstanceOf(Date);
    });

    it('leaves principal and resource out of the answer when the scope does not name them', async () => {
      const id = await createStore();
      const created = await createStatic(id, 'permit(principal, action, resource);');
      expect(created.principal).toBeUndefined();
      expect(created.resource).toBeUndefined();
      expect(created.effect).toBe('Permit');
    });

    it('updates a policy\'s action and condition, and the next decision follows at once', async () => {
      const id = await createStore();
      const policyId = await staticId(id, 'permit(principal == User::"alice", action == Action::"read", resource == Doc::"d1");', 'v1');
      const before = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId }));
      expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');
      expect(await decisionOf(id, { action: 'write' })).toBe('DENY');

      await new Promise((r) => setTimeout(r, 20));
      const statement = 'permit(principal == User::"alice", action == Action::"write", resource == Doc::"d1") when { context.ok == true };';
      const updated = await s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId, definition: { static: { statement, description: 'v2' } } }));
      expect(updated.policyId).toBe(policyId);
      expect(updated.policyType).toBe('STATIC');
      expect(updated.principal).toEqual(user('alice'));
      expect(updated.resource).toEqual(doc('d1'));
      expect(updated.actions).toEqual([action('write')]);
      expect(updated.effect).toBe('Permit');
      expect(updated.createdDate!.getTime()).toBe(before.createdDate!.getTime());
      expect(updated.lastUpdatedDate!.getTime()).toBeGreaterThan(before.lastUpdatedDate!.getTime());

      const got = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId }));
      expect(got.definition).toEqual({ static: { statement, description: 'v2' } });

      expect(await decisionOf(id, { action: 'read' })).toBe('DENY');
      expect(await decisionOf(id, { action: 'write', context: { contextMap: { ok: { boolean: true } } } })).toBe('ALLOW');
      expect(await decisionOf(id, { action: 'write', context: { contextMap: { ok: { boolean: false } } } })).toBe('DENY');
    });

    describe('what UpdatePolicy may not change (AWS: delete and re-create instead)', () => {
      let id: string;
      let policyId: string;
      const original = 'permit(principal == User::"alice", action == Action::"read", resource == Doc::"d1");';

      beforeAll(async () => {
        id = await createStore();
        policyId = await staticId(id, original);
      });

      const refused = async (statement: string) => {
        await expectAvpError(s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId, definition: { static: { statement } } })), 'ValidationException', 400);
        const got = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId }));
        expect(got.definition?.static?.statement).toBe(original);
        expect(got.effect).toBe('Permit');
        expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');
      };

      it('refuses to turn a permit into a forbid', async () => {
        await refused('forbid(principal == User::"alice", action == Action::"read", resource == Doc::"d1");');
      });

      it('refuses to change the principal', async () => {
        await refused('permit(principal == User::"bob", action == Action::"read", resource == Doc::"d1");');
      });

      it('refuses to drop the principal from the scope', async () => {
        await refused('permit(principal, action == Action::"read", resource == Doc::"d1");');
      });

      it('refuses to change the resource', async () => {
        await refused('permit(principal == User::"alice", action == Action::"read", resource == Doc::"d2");');
      });

      it('refuses to update a template-linked policy directly', async () => {
        const templateId = await createTemplate(id, 'permit(principal == ?principal, action == Action::"read", resource is Doc);');
        const linkedId = await link(id, templateId, user('carol'));
        await expectAvpError(
          s.avp.send(new UpdatePolicyCommand({ policyStoreId: id, policyId: linkedId, definition: { static: { statement: 'permit(principal == User::"carol", action, resource);' } } })),
          'ValidationException',
          400,
        );
        const got = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: linkedId }));
        expect(got.policyType).toBe('TEMPLATE_LINKED');
        expect(got.definition?.templateLinked).toEqual({ policyTemplateId: templateId, principal: user('carol') });
      });
    });

    it('deletes a policy: it no longer decides, no longer reads, and deleting it again still succeeds', async () => {
      const id = await createStore();
      const keep = await staticId(id, 'permit(principal == User::"bob", action, resource);');
      const policyId = await staticId(id, 'permit(principal == User::"alice", action, resource);');
      expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');

      const deleted = await s.avp.send(new DeletePolicyCommand({ policyStoreId: id, policyId }));
      expect(deleted.$metadata.httpStatusCode).toBe(200);
      expect(await decisionOf(id, { action: 'read' })).toBe('DENY');
      await expectNotFound(s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId })), 'POLICY', policyId);
      expect(await idsOf(id)).toEqual([keep]);

      const again = await s.avp.send(new DeletePolicyCommand({ policyStoreId: id, policyId }));
      expect(again.$metadata.httpStatusCode).toBe(200);
      expect(await idsOf(id)).toEqual([keep]);
    });

    it('keeps stores apart: a policy of one store is not found through another', async () => {
      const a = await createStore();
      const b = await createStore();
      const policyId = await staticId(a, 'permit(principal, action, resource);');
      await expectNotFound(s.avp.send(new GetPolicyCommand({ policyStoreId: b, policyId })), 'POLICY', policyId);
      expect(await decisionOf(b, { action: 'read' })).toBe('DENY');
      await expectAvpError(
        s.avp.send(new UpdatePolicyCommand({ policyStoreId: b, policyId, definition: { static: { statement: 'forbid(principal, action, resource);' } } })),
        'ResourceNotFoundException',
        404,
      );
      const crossDelete = await s.avp.send(new DeletePolicyCommand({ policyStoreId: b, policyId })).then(
        (out) => out.$metadata.httpStatusCode,
        (e: Error) => e.name,
      );
      expect(await idsOf(a)).toEqual([policyId]);
      expect(await decisionOf(a, { action: 'read' })).toBe('ALLOW');
      // DeletePolicy is idempotent in AWS: a policy that does not exist (in this store) is answered with 200.
      expect(crossDelete).toBe(200);
    });

    it('fetches several policies in one BatchGetPolicy, with an error item for each one that is missing', async () => {
      const id = await createStore();
      const statementA = 'permit(principal == User::"alice", action == Action::"read", resource);';
      const a = await staticId(id, statementA, 'alice reads');
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource in ?resource);');
      const b = await link(id, templateId, user('bob'), { entityType: 'Folder', entityId: 'f' });
      const missingPolicy = 'AAAAAAAAAAAAAAAAAAAAAA';
      const missingStore = 'BBBBBBBBBBBBBBBBBBBBBB';

      const out = await s.avp.send(
        new BatchGetPolicyCommand({
          requests: [
            { policyStoreId: id, policyId: a },
            { policyStoreId: id, policyId: missingPolicy },
            { policyStoreId: id, policyId: b },
            { policyStoreId: missingStore, policyId: a },
          ],
        }),
      );
      expect(out.results).toHaveLength(2);
      const byId = new Map(out.results!.map((r) => [r.policyId, r]));
      expect(byId.get(a)).toMatchObject({ policyStoreId: id, policyType: 'STATIC', definition: { static: { statement: statementA, description: 'alice reads' } } });
      expect(byId.get(a)!.createdDate).toBeInstanceOf(Date);
      expect(byId.get(b)).toMatchObject({
        policyStoreId: id,
        policyType: 'TEMPLATE_LINKED',
        definition: { templateLinked: { policyTemplateId: templateId, principal: user('bob'), resource: { entityType: 'Folder', entityId: 'f' } } },
      });
      expect(out.errors).toHaveLength(2);
      expect(out.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ code: 'POLICY_NOT_FOUND', policyStoreId: id, policyId: missingPolicy }),
          expect.objectContaining({ code: 'POLICY_STORE_NOT_FOUND', policyStoreId: missingStore, policyId: a }),
        ]),
      );
      for (const e of out.errors!) expect(e.message).toEqual(expect.any(String));
    });
  });

  // ── listing policies ──────────────────────────────────────────────────────────────────────

  describe('ListPolicies filters and pagination', () => {
    let id: string;
    const p: Record<string, string> = {};

    beforeAll(async () => {
      id = await createStore();
      p.aliceD1 = await staticId(id, 'permit(principal == User::"alice", action == Action::"read", resource == Doc::"d1");', 'alice reads d1');
      p.bob = await staticId(id, 'permit(principal == User::"bob", action, resource);');
      p.anyoneD1 = await staticId(id, 'forbid(principal, action == Action::"delete", resource == Doc::"d1");');
      p.group = await staticId(id, 'permit(principal in Group::"staff", action, resource in Folder::"shared");');
      const template = await createTemplate(id, 'permit(principal == ?principal, action == Action::"read", resource == ?resource);');
      p.template = template;
      p.linkedAlice = await link(id, template, user('alice'), doc('d2'));
      const resourceOnly = await createTemplate(id, 'permit(principal is User, action == Action::"read", resource in ?resource);');
      p.resourceOnly = resourceOnly;
      p.linkedFolder = await link(id, resourceOnly, undefined, { entityType: 'Folder', entityId: 'shared' });
    });

    const sorted = (...keys: string[]) => keys.map((k) => p[k]!).sort();

    it('lists every policy of the store with no filter', async () => {
      expect(await idsOf(id)).toEqual(sorted('aliceD1', 'bob', 'anyoneD1', 'group', 'linkedAlice', 'linkedFolder'));
    });

    it('shows static items with their description but not their statement, and linked items with their template and entities', async () => {
      const { policies } = await listAll(id);
      const item = policies.find((x) => x.policyId === p.aliceD1)!;
      expect(item).toMatchObject({ policyStoreId: id, policyType: 'STATIC', principal: user('alice'), resource: doc('d1'), effect: 'Permit', definition: { static: { description: 'alice reads d1' } } });
      expect(item.actions).toEqual([action('read')]);
      expect(item.definition!.static).not.toHaveProperty('statement');
      expect(item.createdDate).toBeInstanceOf(Date);
      expect(item.lastUpdatedDate).toBeInstanceOf(Date);
      const linked = policies.find((x) => x.policyId === p.linkedAlice)!;
      expect(linked).toMatchObject({
        policyType: 'TEMPLATE_LINKED',
        principal: user('alice'),
        resource: doc('d2'),
        definition: { templateLinked: { policyTemplateId: p.template, principal: user('alice'), resource: doc('d2') } },
      });
      const forbid = policies.find((x) => x.policyId === p.anyoneD1)!;
      expect(forbid.effect).toBe('Forbid');
      expect(forbid.principal).toBeUndefined();
    });

    it('filters by principal identifier, matching static scopes and template links alike', async () => {
      expect(await idsOf(id, { principal: { identifier: user('alice') } })).toEqual(sorted('aliceD1', 'linkedAlice'));
      expect(await idsOf(id, { principal: { identifier: { entityType: 'Group', entityId: 'staff' } } })).toEqual(sorted('group'));
      expect(await idsOf(id, { principal: { identifier: user('nobody') } })).toEqual([]);
    });

    it('filters by unspecified principal', async () => {
      expect(await idsOf(id, { principal: { unspecified: true } })).toEqual(sorted('anyoneD1', 'linkedFolder'));
    });

    it('filters by resource identifier and by unspecified resource', async () => {
      expect(await idsOf(id, { resource: { identifier: doc('d1') } })).toEqual(sorted('aliceD1', 'anyoneD1'));
      expect(await idsOf(id, { resource: { identifier: { entityType: 'Folder', entityId: 'shared' } } })).toEqual(sorted('group', 'linkedFolder'));
      expect(await idsOf(id, { resource: { unspecified: true } })).toEqual(sorted('bob'));
    });

    it('filters by policy type and by template', async () => {
      expect(await idsOf(id, { policyType: 'STATIC' })).toEqual(sorted('aliceD1', 'bob', 'anyoneD1', 'group'));
      expect(await idsOf(id, { policyType: 'TEMPLATE_LINKED' })).toEqual(sorted('linkedAlice', 'linkedFolder'));
      expect(await idsOf(id, { policyTemplateId: p.template! })).toEqual(sorted('linkedAlice'));
    });

    it('combines filters', async () => {
      expect(await idsOf(id, { principal: { identifier: user('alice') }, policyType: 'STATIC' })).toEqual(sorted('aliceD1'));
      expect(await idsOf(id, { principal: { identifier: user('alice') }, resource: { identifier: doc('d2') } })).toEqual(sorted('linkedAlice'));
      expect(await idsOf(id, { principal: { unspecified: true }, resource: { unspecified: true } })).toEqual([]);
    });

    it('pages with maxResults and nextToken, each policy exactly once, including under a filter', async () => {
      const store = await createStore();
      const all = await Promise.all(Array.from({ length: 12 }, (_, i) => staticId(store, `permit(principal == User::"u${i}", action, resource);`)));
      const paged = await listAll(store, undefined, 5);
      expect(paged.pages).toEqual([5, 5, 2]);
      expect(paged.policies.map((x) => x.policyId).sort()).toEqual([...all].sort());

      const one = await listAll(store, undefined, 1);
      expect(one.pages).toEqual(Array(12).fill(1));
      expect(new Set(one.policies.map((x) => x.policyId)).size).toBe(12);

      const filtered = await listAll(store, { principal: { identifier: user('u3') } }, 1);
      expect(filtered.policies.map((x) => x.policyId)).toEqual([all[3]]);
    });

    it('returns 10 policies a page when maxResults is left out, as AWS documents', async () => {
      const store = await createStore();
      await Promise.all(Array.from({ length: 12 }, (_, i) => staticId(store, `permit(principal == User::"d${i}", action, resource);`)));
      const first = await s.avp.send(new ListPoliciesCommand({ policyStoreId: store }));
      expect(first.policies).toHaveLength(10);
      expect(first.nextToken).toEqual(expect.any(String));
      const second = await s.avp.send(new ListPoliciesCommand({ policyStoreId: store, nextToken: first.nextToken }));
      expect(second.policies).toHaveLength(2);
      expect(second.nextToken).toBeUndefined();
    });
  });

  // ── templates ─────────────────────────────────────────────────────────────────────────────

  describe('policy templates and template-linked policies', () => {
    const TEMPLATE = 'permit(principal == ?principal, action in [Action::"view"], resource in ?resource);';

    it('creates, reads, lists, updates and deletes a template', async () => {
      const id = await createStore();
      const created = await s.avp.send(new CreatePolicyTemplateCommand({ policyStoreId: id, statement: TEMPLATE, description: 'viewers' }));
      expect(created.policyStoreId).toBe(id);
      expect(created.policyTemplateId).toMatch(ID);
      expect(created.createdDate).toBeInstanceOf(Date);
      expect(created.lastUpdatedDate).toBeInstanceOf(Date);

      const got = await s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: created.policyTemplateId }));
      expect(got).toMatchObject({ policyStoreId: id, policyTemplateId: created.policyTemplateId, statement: TEMPLATE, description: 'viewers' });

      const other = await createTemplate(id, 'forbid(principal == ?principal, action, resource is Doc);');
      const listed = await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id }));
      expect(listed.policyTemplates!.map((t) => t.policyTemplateId).sort()).toEqual([created.policyTemplateId, other].sort());
      expect(listed.policyTemplates!.find((t) => t.policyTemplateId === created.policyTemplateId)).toMatchObject({ policyStoreId: id, description: 'viewers' });

      const pageOne = await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id, maxResults: 1 }));
      expect(pageOne.policyTemplates).toHaveLength(1);
      const pageTwo = await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id, maxResults: 1, nextToken: pageOne.nextToken }));
      expect(pageTwo.policyTemplates).toHaveLength(1);
      expect(pageTwo.policyTemplates![0]!.policyTemplateId).not.toBe(pageOne.policyTemplates![0]!.policyTemplateId);
      expect(pageTwo.nextToken).toBeUndefined();

      await new Promise((r) => setTimeout(r, 20));
      const newStatement = 'permit(principal == ?principal, action in [Action::"view", Action::"comment"], resource in ?resource);';
      const updated = await s.avp.send(new UpdatePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: created.policyTemplateId, statement: newStatement, description: 'viewers+' }));
      expect(updated.policyTemplateId).toBe(created.policyTemplateId);
      expect(updated.createdDate!.getTime()).toBe(created.createdDate!.getTime());
      expect(updated.lastUpdatedDate!.getTime()).toBeGreaterThan(created.lastUpdatedDate!.getTime());
      const reread = await s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: created.policyTemplateId }));
      expect(reread).toMatchObject({ statement: newStatement, description: 'viewers+' });

      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: created.policyTemplateId }));
      await expectNotFound(s.avp.send(new GetPolicyTemplateCommand({ policyStoreId: id, policyTemplateId: created.policyTemplateId })), 'POLICY_TEMPLATE', created.policyTemplateId!);
      const after = await s.avp.send(new ListPolicyTemplatesCommand({ policyStoreId: id }));
      expect(after.policyTemplates!.map((t) => t.policyTemplateId)).toEqual([other]);
    });

    it('decides through a template-linked policy for the linked principal and resource only', async () => {
      const id = await createStore();
      const templateId = await createTemplate(id, TEMPLATE);
      const vacation = { entityType: 'Album', entityId: 'vacation' };
      const linkedId = await link(id, templateId, user('alice'), vacation);

      const created = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: linkedId }));
      expect(created.policyId).toMatch(ID);
      expect(created).toMatchObject({ policyType: 'TEMPLATE_LINKED', principal: user('alice'), resource: vacation, definition: { templateLinked: { policyTemplateId: templateId, principal: user('alice'), resource: vacation } } });

      const entities: EntitiesDefinition = {
        entityList: [
          { identifier: { entityType: 'Photo', entityId: 'beach.jpg' }, parents: [vacation] },
          { identifier: { entityType: 'Photo', entityId: 'desk.jpg' }, parents: [{ entityType: 'Album', entityId: 'work' }] },
        ],
      };
      const beach = { entityType: 'Photo', entityId: 'beach.jpg' };
      const allowed = await decide(id, { principal: user('alice'), action: 'view', resource: beach, entities });
      expect(allowed.decision).toBe('ALLOW');
      expect(allowed.determiningPolicies).toEqual([{ policyId: linkedId }]);
      expect(allowed.errors).toEqual([]);
      expect(await decisionOf(id, { principal: user('bob'), action: 'view', resource: beach, entities })).toBe('DENY');
      expect(await decisionOf(id, { principal: user('alice'), action: 'view', resource: { entityType: 'Photo', entityId: 'desk.jpg' }, entities })).toBe('DENY');
      expect(await decisionOf(id, { principal: user('alice'), action: 'comment', resource: beach, entities })).toBe('DENY');
    });

    it('links a template with only a ?principal slot', async () => {
      const id = await createStore();
      const templateId = await createTemplate(id, 'permit(principal in ?principal, action == Action::"read", resource is Doc);');
      const linkedId = await link(id, templateId, { entityType: 'Group', entityId: 'readers' });
      const got = await s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: linkedId }));
      expect(got.definition?.templateLinked).toEqual({ policyTemplateId: templateId, principal: { entityType: 'Group', entityId: 'readers' } });
      expect(got.resource).toBeUndefined();
      const entities: EntitiesDefinition = { entityList: [{ identifier: user('alice'), parents: [{ entityType: 'Group', entityId: 'readers' }] }] };
      expect(await decisionOf(id, { action: 'read', entities })).toBe('ALLOW');
      expect(await decisionOf(id, { action: 'read' })).toBe('DENY');
    });

    it('changes the decisions of every linked policy as soon as the template is updated', async () => {
      const id = await createStore();
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action == Action::"view", resource == ?resource);');
      await link(id, templateId, user('alice'), doc('d1'));
      await link(id, templateId, user('bob'), doc('d1'));
      expect(await decisionOf(id, { principal: user('alice'), action: 'view' })).toBe('ALLOW');
      expect(await decisionOf(id, { principal: user('bob'), action: 'view' })).toBe('ALLOW');
      expect(await decisionOf(id, { principal: user('bob'), action: 'edit' })).toBe('DENY');

      await s.avp.send(new UpdatePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: templateId, statement: 'permit(principal == ?principal, action == Action::"edit", resource == ?resource);' }));
      expect(await decisionOf(id, { principal: user('alice'), action: 'view' })).toBe('DENY');
      expect(await decisionOf(id, { principal: user('alice'), action: 'edit' })).toBe('ALLOW');
      expect(await decisionOf(id, { principal: user('bob'), action: 'edit' })).toBe('ALLOW');
    });

    it('removes the linked policies together with their template', async () => {
      const id = await createStore();
      const templateId = await createTemplate(id, 'permit(principal == ?principal, action, resource is Doc);');
      const linkedId = await link(id, templateId, user('alice'));
      const staticPolicy = await staticId(id, 'permit(principal == User::"bob", action, resource);');
      expect(await decisionOf(id, { action: 'read' })).toBe('ALLOW');

      await s.avp.send(new DeletePolicyTemplateCommand({ policyStoreId: id, policyTemplateId: templateId }));
      expect(await decisionOf(id, { action: 'read' })).toBe('DENY');
      await expectAvpError(s.avp.send(new GetPolicyCommand({ policyStoreId: id, policyId: linkedId })), 'ResourceNotFoundException', 404);
      expect(await idsOf(id)).toEqual([staticPolicy]);
    });
  });

  // ── identity sources ──────────────────────────────────────────────────────────────────────

  describe('identity sources', () => {
    it('creates, reads, lists, updates and deletes a Cognito user pool identity source', async () => {
      const pool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'avp-identity' }))).UserPool!;
      const id = await createStore();
      const created = await s.avp.send(
        new CreateIdentitySourceCommand({
          policyStoreId: id,
          principalEntityType: 'PhotoApp::User',
          configuration: { cognitoUserPoolConfiguration: { userPoolArn: pool.Arn!, clientIds: ['client-a'], groupConfiguration: { groupEntityType: 'PhotoApp::Group' } } },
        }),
      );
      expect(created.policyStoreId).toBe(id);
      expect(created.identitySourceId).toMatch(ID);
      expect(created.createdDate).toBeInstanceOf(Date);
      expect(created.lastUpdatedDate).toBeInstanceOf(Date);

      const got = await s.avp.send(new GetIdentitySourceCommand({ policyStoreId: id, identitySourceId: created.identitySourceId }));
      expect(got.identitySourceId).toBe(created.identitySourceId);
      expect(got.policyStoreId).toBe(id);
      expect(got.principalEntityType).toBe('PhotoApp::User');
      const config = got.configuration?.cognitoUserPoolConfiguration;
      expect(config).toMatchObject({ userPoolArn: pool.Arn, clientIds: ['client-a'], groupConfiguration: { groupEntityType: 'PhotoApp::Group' } });
      expect(config?.issuer).toMatch(new RegExp(`/${pool.Id}$`));

      const listed = await s.avp.send(new ListIdentitySourcesCommand({ policyStoreId: id }));
      expect(listed.identitySources).toHaveLength(1);
      expect(listed.identitySources![0]).toMatchObject({ identitySourceId: created.identitySourceId, policyStoreId: id, principalEntityType: 'PhotoApp::User' });
      expect(listed.identitySources![0]!.configuration?.cognitoUserPoolConfiguration).toMatchObject({ userPoolArn: pool.Arn, clientIds: ['client-a'] });

      await new Promise((r) => setTimeout(r, 20));
      const updated = await s.avp.send(
        new UpdateIdentitySourceCommand({
          policyStoreId: id,
          identitySourceId: created.identitySourceId,
          principalEntityType: 'PhotoApp::Member',
          updateConfiguration: { cognitoUserPoolConfiguration: { userPoolArn: pool.Arn!, clientIds: ['client-a', 'client-b'] } },
        }),
      );
      expect(updated.identitySourceId).toBe(created.identitySourceId);
      expect(updated.lastUpdatedDate!.getTime()).toBeGreaterThan(created.lastUpdatedDate!.getTime());
      const reread = await s.avp.send(new GetIdentitySourceCommand({ policyStoreId: id, identitySourceId: created.identitySourceId }));
      expect(reread.principalEntityType).toBe('PhotoApp::Member');
      expect(reread.configuration?.cognitoUserPoolConfiguration?.clientIds).toEqual(['client-a', 'client-b']);

      await s.avp.send(new DeleteIdentitySourceCommand({ policyStoreId: id, identitySourceId: created.identitySourceId }));
      await expectNotFound(s.avp.send(new GetIdentitySourceCommand({ policyStoreId: id, identitySourceId: created.identitySourceId })), 'IDENTITY_SOURCE', created.identitySourceId!);
      const empty = await s.avp.send(new ListIdentitySourcesCommand({ policyStoreId: id }));
      expect(empty.identitySources).toEqual([]);
    });
  });

  // ── IsAuthorized ──────────────────────────────────────────────────────────────────────────

  describe('IsAuthorized decisions', () => {
    it('allows through a matching permit and names it as the determining policy, with no errors', async () => {
      const id = await createStore();
      const policyId = await staticId(id, 'permit(principal == User::"alice", action == Action::"read", resource == Doc::"d1");');
      const out = await decide(id, { action: 'read' });
      expect(out).toMatchObject({ decision: 'ALLOW', determiningPolicies: [{ policyId }], errors: [] });
      expect(out.$metadata.httpStatusCode).toBe(200);
    });

    it('denies by default with no determining policies when nothing matches', async () => {
      const id = await createStore();
      await staticId(id, 'permit(principal == User::"alice", action == Action::"read", resource == Doc::"d1");');
      const out = await decide(id, { principal: user('bob'), action: 'read' });
      expect(out).toMatchObject({ decision: 'DENY', determiningPolicies: [], errors: [] });
    });

    it('names every matching permit when several allow', async () => {
      const id = await createStore();
      const a = await staticId(id, 'permit(principal == User::"alice", action, resource);');
      const b = await staticId(id, 'permit(principal, action == Action::"read", resource);');
      await staticId(id, 'permit(principal == User::"bob", action, resource);');
      const out = await decide(id, { action: 'read' });
      expect(out.decision).toBe('ALLOW');
      expect(out.determiningPolicies!.map((d) => d.policyId).sort()).toEqual([a, b].sort());
    });

    it('lets a matching forbid win, naming only the forbid policies as determining', async () => {
      const id = await createStore();
      await staticId(id, 'permit(principal, action, resource);');
      await staticId(id, 'permit(principal == User::"alice", action, resource);');
      const forbidA = await staticId(id, 'forbid(principal, action == Action::"delete", resource);');
      const forbidB = await staticId(id, 'forbid(principal == User::"alice", action == Action::"delete", resource);');
      const out = await decide(id, { action: 'delete' });
      expect(out.decision).toBe('DENY');
      expect(out.determiningPolicies!.map((d) => d.policyId).sort()).toEqual([forbidA, forbidB].sort());
      expect(out.errors).toEqual([]);
      expect((await decide(id, { action: 'read' })).decision).toBe('ALLOW');
    });

    it('follows entity parents given in entityList for `in`', async () => {
      const id = await createStore();
      const policyId = await staticId(id, 'permit(principal in Group::"admins", action, resource in Folder::"root");');
      const entities: EntitiesDefinition = {
        entityList: [
          { identifier: user('alice'), parents: [{ entityType: 'Group', entityId: 'ops' }] },
          { identifier: { entityType: 'Group', entityId: 'ops' }, parents: [{ entityType: 'Group', entityId: 'admins' }] },
          { identifier: doc('d1'), parents: [{ entityType: 'Folder', entityId: 'sub' }] },
          { identifier: { entityType: 'Folder', entityId: 'sub' }, parents: [{ entityType: 'Folder', entityId: 'root' }] },
        ],
      };
      const out = await decide(id, { action: 'read', entities });
      expect(out.decision).toBe('ALLOW');
      expect(out.determiningPolicies).toEqual([{ policyId }]);
      expect(await decisionOf(id, { action: 'read' })).toBe('DENY');
    });

    describe('typed attribute values of every AttributeValue kind', () => {
      let id: string;
      const kinds: Array<{ kind: string; condition: string; attr: string; yes: AttributeValue; no: AttributeValue }> = [
        { kind: 'boolean', condition: 'principal.flag == true', attr: 'flag', yes: { boolean: true }, no: { boolean: false } },
        { kind: 'long', condition: 'principal.n == -42', attr: 'n', yes: { long: -42 }, no: { long: -41 } },
        { kind: 'string', condition: 'principal.s like "hel*"', attr: 's', yes: { string: 'hello' }, no: { string: 'world' } },
        {
          kind: 'entityIdentifier',
          condition: 'principal.manager == User::"bob"',
          attr: 'manager',
          yes: { entityIdentifier: user('bob') },
          no: { entityIdentifier: user('carol') },
        },
        { kind: 'set', condition: 'principal.tags.contains("b")', attr: 'tags', yes: { set: [{ string: 'a' }, { string: 'b' }] }, no: { set: [{ string: 'a' }] } },
        {
          kind: 'record',
          condition: 'principal.address.city == "Paris" && principal.address.zip == 75001',
          attr: 'address',
          yes: { record: { city: { string: 'Paris' }, zip: { long: 75001 } } },
          no: { record: { city: { string: 'Lyon' }, zip: { long: 75001 } } },
        },
        { kind: 'ipaddr', condition: 'principal.ip.isInRange(ip("10.0.0.0/8"))', attr: 'ip', yes: { ipaddr: '10.1.2.3' }, no: { ipaddr: '192.168.0.1' } },
        { kind: 'decimal', condition: 'principal.score.greaterThan(decimal("1.2500"))', attr: 'score', yes: { decimal: '1.5' }, no: { decimal: '1.0' } },
        { kind: 'datetime', condition: 'principal.joined > datetime("2024-01-01")', attr: 'joined', yes: { datetime: '2024-06-01T12:00:00Z' }, no: { datetime: '2023-06-01' } },
        { kind: 'duration', condition: 'principal.session > duration("1h")', attr: 'session', yes: { duration: '1h30m' }, no: { duration: '45m' } },
      ];
      const policyIds = new Map<string, string>();

      beforeAll(async () => {
        id = await createStore();
        for (const k of kinds) policyIds.set(k.kind, await staticId(id, `permit(principal, action == Action::"kind_${k.kind}", resource) when { ${k.condition} };`));
      });

      it.each(kinds)('passes a $kind attribute to Cedar with its type', async (k) => {
        const ask = (value: AttributeValue) => decide(id, { action: `kind_${k.kind}`, entities: { entityList: [{ identifier: user('alice'), attributes: { [k.attr]: value } }] } });
        const yes = await ask(k.yes);
        expect(yes.decision, JSON.stringify(yes.errors)).toBe('ALLOW');
        expect(yes.determiningPolicies).toEqual([{ policyId: policyIds.get(k.kind) }]);
        expect(yes.errors).toEqual([]);
        const no = await ask(k.no);
        expect(no.decision).toBe('DENY');
        expect(no.errors).toEqual([]);
      });

      it('passes sets of records of entities and extension values, nested', async () => {
        const store = await createStore();
        await staticId(
          store,
          'permit(principal, action == Action::"nested", resource) when { principal.grants.contains({ who: User::"bob", from: ip("10.0.0.1"), weight: decimal("0.5") }) };',
        );
        const grants: AttributeValue = {
          set: [
            { record: { who: { entityIdentifier: user('carol') }, from: { ipaddr: '10.0.0.1' }, weight: { decimal: '0.5' } } },
            { record: { who: { entityIdentifier: user('bob') }, from: { ipaddr: '10.0.0.1' }, weight: { decimal: '0.5000' } } },
          ],
        };
        const out = await decide(store, { action: 'nested', entities: { entityList: [{ identifier: user('alice'), attributes: { grants } }] } });
        expect(out.decision, JSON.stringify(out.errors)).toBe('ALLOW');
      });

      it('passes attributes of the resource as well as of the principal', async () => {
        const store = await createStore();
        await staticId(store, 'permit(principal, action == Action::"read", resource) when { resource.owner == principal && resource.size < 1000 };');
        const entities = (owner: string): EntitiesDefinition => ({
          entityList: [{ identifier: doc('d1'), attributes: { owner: { entityIdentifier: user(owner) }, size: { long: 10 } } }],
        });
        expect(await decisionOf(store, { action: 'read', entities: entities('alice') })).toBe('ALLOW');
        expect(await decisionOf(store, { action: 'read', entities: entities('bob') })).toBe('DENY');
      });
    });

    describe('context', () => {
      let id: string;
      let policyId: string;

      beforeAll(async () => {
        id = await createStore();
        policyId = await staticId(
          id,
          'permit(principal, action == Action::"login", resource) when { context.mfa == true && context.source.isInRange(ip("10.0.0.0/8")) && context.level >= 3 && context.meta.region == "eu" && context.age < duration("1d") };',
        );
      });

      it('reads a contextMap of typed values', async () => {
        const contextMap: Record<string, AttributeValue> = {
          mfa: { boolean: true },
          source: { ipaddr: '10.20.30.40' },
          level: { long: 3 },
          meta: { record: { region: { string: 'eu' } } },
          age: { duration: '2h' },
        };
        const out = await decide(id, { action: 'login', context: { contextMap } });
        expect(out.decision, JSON.stringify(out.errors)).toBe('ALLOW');
        expect(out.determiningPolicies).toEqual([{ policyId }]);
        expect(await decisionOf(id, { action: 'login', context: { contextMap: { ...contextMap, level: { long: 2 } } } })).toBe('DENY');
      });

      it('reads the same context given as Cedar JSON', async () => {
        const cedar = { mfa: true, source: { __extn: { fn: 'ip', arg: '10.20.30.40' } }, level: 3, meta: { region: 'eu' }, age: { __extn: { fn: 'duration', arg: '2h' } } };
        const out = await decide(id, { action: 'login', context: { cedarJson: JSON.stringify(cedar) } });
        expect(out.decision, JSON.stringify(out.errors)).toBe('ALLOW');
        expect(out.determiningPolicies).toEqual([{ policyId }]);
        expect(await decisionOf(id, { action: 'login', context: { cedarJson: JSON.stringify({ ...cedar, mfa: false }) } })).toBe('DENY');
      });

      it('keeps Cedar Long values beyond 2^53 exact in Cedar JSON context', async () => {
        const store = await createStore();
        await staticId(store, 'permit(principal, action == Action::"big", resource) when { context.n == 9007199254740993 };');
        expect(await decisionOf(store, { action: 'big', context: { cedarJson: '{"n": 9007199254740993}' } })).toBe('ALLOW');
        expect(await decisionOf(store, { action: 'big', context: { cedarJson: '{"n": 9007199254740992}' } })).toBe('DENY');
      });
    });

    it('reads entities given as Cedar JSON', async () => {
      const id = await createStore();
      const policyId = await staticId(id, 'permit(principal in Group::"admins", action, resource) when { principal.dept == "eng" && principal.ip.isInRange(ip("10.0.0.0/8")) && resource.owner == principal };');
      const entities = [
        { uid: { type: 'User', id: 'alice' }, attrs: { dept: 'eng', ip: { __extn: { fn: 'ip', arg: '10.0.0.7' } } }, parents: [{ type: 'Group', id: 'admins' }] },
        { uid: { type: 'Group', id: 'admins' }, attrs: {}, parents: [] },
        { uid: { type: 'Doc', id: 'd1' }, attrs: { owner: { __entity: { type: 'User', id: 'alice' } } }, parents: [] },
      ];
      const out = await decide(id, { action: 'read', entities: { cedarJson: JSON.stringify(entities) } });
      expect(out.decision, JSON.stringify(out.errors)).toBe('ALLOW');
      expect(out.determiningPolicies).toEqual([{ policyId }]);
      const other = entities.map((e) => (e.uid.id === 'alice' ? { ...e, attrs: { ...e.attrs, dept: 'sales' } } : e));
      expect(await decisionOf(id, { action: 'read', entities: { cedarJson: JSON.stringify(other) } })).toBe('DENY');
    });

    it('takes the last definition when an entity appears twice in entityList', async () => {
      const id = await createStore();
      await staticId(id, 'permit(principal, action, resource) when { principal.level == 2 };');
      const twice: EntityItem[] = [
        { identifier: user('alice'), attributes: { level: { long: 1 } } },
        { identifier: user('alice'), attributes: { level: { long: 2 } } },
      ];
      expect(await decisionOf(id, { action: 'read', entities: { entityList: twice } })).toBe('ALLOW');
    });

    describe('policies that fail while evaluating', () => {
      it('reports the error and leaves the erroring permit out of the decision', async () => {
        const id = await createStore();
        await staticId(id, 'permit(principal, action, resource) when { principal.age > 18 };');
        const out = await decide(id, { action: 'read', entities: { entityList: [{ identifier: user('alice') }] } });
        expect(out.decision).toBe('DENY');
        expect(out.determiningPolicies).toEqual([]);
        expect(out.errors).toHaveLength(1);
        expect(out.errors![0]!.errorDescription).toMatch(/does not have the attribute `age`/);
      });

      it('ignores an erroring forbid, so another permit still allows, and reports the error', async () => {
        const id = await createStore();
        const permit = await staticId(id, 'permit(principal == User::"alice", action, resource);');
        await staticId(id, 'forbid(principal, action, resource) when { principal.suspended };');
        const out = await decide(id, { action: 'read', entities: { entityList: [{ identifier: user('alice') }] } });
        expect(out.decision).toBe('ALLOW');
        expect(out.determiningPolicies).toEqual([{ policyId: permit }]);
        expect(out.errors).toHaveLength(1);
        expect(out.errors![0]!.errorDescription).toMatch(/suspended/);
      });

      it('reports an extension function error, such as a type mismatch at run time', async () => {
        const id = await createStore();
        await staticId(id, 'permit(principal, action, resource) when { context.limit.lessThan(decimal("1.0")) };');
        const out = await decide(id, { action: 'read', context: { contextMap: { limit: { long: 3 } } } });
        expect(out.decision).toBe('DENY');
        expect(out.errors).toHaveLength(1);
        expect(out.errors![0]!.errorDescription).toEqual(expect.any(String));
        expect(out.errors![0]!.errorDescription!.length).toBeGreaterThan(0);
      });
    });
  });

  // ── BatchIsAuthorized ─────────────────────────────────────────────────────────────────────

  describe('BatchIsAuthorized', () => {
    let id: string;
    let alicePolicy: string;
    let adminsPolicy: string;
    let forbidPolicy: string;
    const entities: EntitiesDefinition = {
      entityList: [
        { identifier: user('bob'), parents: [{ entityType: 'Group', entityId: 'admins' }] },
        { identifier: doc('secret'), attributes: { classified: { boolean: true } } },
      ],
    };

    beforeAll(async () => {
      id = await createStore();
      alicePolicy = await staticId(id, 'permit(principal == User::"alice", action == Action::"read", resource);');
      adminsPolicy = await staticId(id, 'permit(principal in Group::"admins", action, resource);');
      forbidPolicy = await staticId(id, 'forbid(principal, action, resource) when { resource has classified && resource.classified };');
    });

    it('answers each request in order, echoing it, for one principal and many resources', async () => {
      const requests: BatchIsAuthorizedInputItem[] = [
        { principal: user('alice'), action: action('read'), resource: doc('d1') },
        { principal: user('alice'), action: action('write'), resource: doc('d1') },
        { principal: user('alice'), action: action('read'), resource: doc('secret') },
        { principal: user('alice'), action: action('read'), resource: doc('d2'), context: { contextMap: { note: { string: 'x' } } } },
      ];
      const out = await s.avp.send(new BatchIsAuthorizedCommand({ policyStoreId: id, entities, requests }));
      expect(out.results).toHaveLength(4);
      expect(out.results!.map((r) => r.decision)).toEqual(['ALLOW', 'DENY', 'DENY', 'ALLOW']);
      out.results!.forEach((r, i) => {
        expect(r.request?.principal).toEqual(requests[i]!.principal);
        expect(r.request?.action).toEqual(requests[i]!.action);
        expect(r.request?.resource).toEqual(requests[i]!.resource);
        expect(r.errors).toEqual([]);
      });
      expect(out.results![0]!.determiningPolicies).toEqual([{ policyId: alicePolicy }]);
      expect(out.results![1]!.determiningPolicies).toEqual([]);
      expect(out.results![2]!.determiningPolicies).toEqual([{ policyId: forbidPolicy }]);
    });

    it('answers for one resource and many principals', async () => {
      const requests: BatchIsAuthorizedInputItem[] = [
        { principal: user('alice'), action: action('delete'), resource: doc('d1') },
        { principal: user('bob'), action: action('delete'), resource: doc('d1') },
        { principal: user('carol'), action: action('delete'), resource: doc('d1') },
      ];
      const out = await s.avp.send(new BatchIsAuthorizedCommand({ policyStoreId: id, entities, requests }));
      expect(out.results!.map((r) => r.decision)).toEqual(['DENY', 'ALLOW', 'DENY']);
      expect(out.results![1]!.determiningPolicies).toEqual([{ policyId: adminsPolicy }]);
      expect(out.results!.map((r) => r.request?.principal?.entityId)).toEqual(['alice', 'bob', 'carol']);
    });

    it('accepts 30 requests, the most AWS allows', async () => {
      const requests = Array.from({ length: 30 }, (_, i) => ({ principal: user('alice'), action: action(i % 2 ? 'read' : 'write'), resource: doc(`d${i}`) }));
      const out = await s.avp.send(new BatchIsAuthorizedCommand({ policyStoreId: id, requests }));
      expect(out.results).toHaveLength(30);
      out.results!.forEach((r, i) => {
        expect(r.decision).toBe(i % 2 ? 'ALLOW' : 'DENY');
        expect(r.request?.resource).toEqual(doc(`d${i}`));
      });
    });

    it('reports evaluation errors per request', async () => {
      const store = await createStore();
      await staticId(store, 'permit(principal, action, resource) when { resource.public };');
      const out = await s.avp.send(
        new BatchIsAuthorizedCommand({
          policyStoreId: store,
          entities: { entityList: [{ identifier: doc('open'), attributes: { public: { boolean: true } } }, { identifier: doc('bare') }] },
          requests: [
            { principal: user('alice'), action: action('read'), resource: doc('open') },
            { principal: user('alice'), action: action('read'), resource: doc('bare') },
          ],
        }),
      );
      expect(out.results![0]).toMatchObject({ decision: 'ALLOW', errors: [] });
      expect(out.results![1]!.decision).toBe('DENY');
      expect(out.results![1]!.errors).toHaveLength(1);
      expect(out.results![1]!.errors![0]!.errorDescription).toMatch(/public/);
    });
  });
});
