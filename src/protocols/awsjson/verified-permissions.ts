import { z } from 'zod';
import { lastOfEachIdentifier, parseCedarJson, toCedarEntity, toCedarRecord } from '../../authz/cedar/avp-values.ts';
import { ValidationException } from '../../authz/cedar/errors.ts';
import type { PolicyStores } from '../../authz/cedar/index.ts';
import type { CedarEntity, CedarValue } from '../../authz/cedar/model.ts';
import type { PolicyFilterQuery } from '../../store/repositories/policy-stores.ts';
import type { ClientTokenRepository } from '../../store/repositories/client-tokens.ts';
import type { Clock } from '../../util/clock.ts';
import { idempotent } from './client-tokens.ts';
import { op, type ServiceTable } from './operation.ts';
import * as S from './verified-permissions-shapes.ts';
import * as W from './verified-permissions-wire.ts';

type Entities = z.infer<typeof S.EntitiesDefinition> | undefined;
type Context = z.infer<typeof S.ContextDefinition> | undefined;

function entitiesOf(e: Entities): CedarEntity[] {
  if (!e) return [];
  if (e.entityList) return lastOfEachIdentifier(e.entityList.map(toCedarEntity));
  const parsed = parseCedarJson(e.cedarJson ?? '', 'entities.cedarJson');
  if (!Array.isArray(parsed)) throw new ValidationException('entities.cedarJson must be a JSON array of Cedar entities.');
  return parsed as CedarEntity[];
}

function contextOf(c: Context): Record<string, CedarValue> {
  if (!c) return {};
  if (c.contextMap) return toCedarRecord(c.contextMap);
  if (c.cedarJson === undefined) return {};
  const parsed = parseCedarJson(c.cedarJson, 'context.cedarJson');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationException('context.cedarJson must be a JSON object.');
  return parsed as Record<string, CedarValue>;
}

function filterOf(f: z.infer<typeof PolicyFilter> | undefined): PolicyFilterQuery {
  if (!f) return {};
  const ref = (r: z.infer<typeof S.EntityReference> | undefined) => (r === undefined ? undefined : r.identifier ?? null);
  const principal = ref(f.principal);
  const resource = ref(f.resource);
  return {
    ...(f.policyType && { type: f.policyType }),
    ...(f.policyTemplateId !== undefined && { templateId: f.policyTemplateId }),
    ...(principal !== undefined && { principal }),
    ...(resource !== undefined && { resource }),
  };
}

const PolicyFilter = z.object({
  principal: S.EntityReference.optional(),
  resource: S.EntityReference.optional(),
  policyType: z.enum(['STATIC', 'TEMPLATE_LINKED']).optional(),
  policyTemplateId: S.PolicyId.optional(),
});

const MaxResults = (max: number) => z.number().int().min(1).max(max).optional();

function page<T, U>(result: { items: T[]; next?: string }, key: string, map: (t: T) => U) {
  return { [key]: result.items.map(map), ...(result.next !== undefined && { nextToken: result.next }) };
}

function cognitoConfig(c: z.infer<typeof S.IdentitySourceConfiguration>) {
  const cognito = c.cognitoUserPoolConfiguration;
  if (!cognito) throw new ValidationException('Only Cognito user pool identity sources (cognitoUserPoolConfiguration) are supported.');
  return { userPoolArn: cognito.userPoolArn, ...(cognito.clientIds && { clientIds: cognito.clientIds }), ...(cognito.groupConfiguration && { groupEntityType: cognito.groupConfiguration.groupEntityType }) };
}

/** The Verified Permissions API (AWS JSON 1.0), every operation SigV4-signed as AWS requires. */
export function verifiedPermissions(p: PolicyStores, issuerOf: (poolId: string) => string, clientTokens: ClientTokenRepository, clock: Clock): ServiceTable {
  const { admin, authorizer } = p;
  const once = <I extends { clientToken?: string | undefined }>(operation: string, handler: (input: I) => Promise<object>) => idempotent(clientTokens, clock, operation, handler);
  return {
    targetPrefix: 'VerifiedPermissions',
    signingName: 'verifiedpermissions',
    jsonVersion: '1.0',
    validationError: 'ValidationException',
    losslessIntegers: true,
    allowNul: true,
    operations: {
      CreatePolicyStore: op('sigv4', z.object({ validationSettings: S.ValidationSettings, clientToken: S.ClientToken, description: S.Description, deletionProtection: S.DeletionProtection, tags: S.Tags }), once('CreatePolicyStore', async (i) => {
        const s = await admin.createStore({ validationMode: i.validationSettings.mode, ...(i.description !== undefined && { description: i.description }), ...(i.deletionProtection && { deletionProtection: i.deletionProtection }) });
        const { policyStoreId, arn, createdDate, lastUpdatedDate } = W.storeToWire(s);
        return { policyStoreId, arn, createdDate, lastUpdatedDate };
      })),
      GetPolicyStore: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, tags: z.boolean().optional() }), async (i) => W.storeToWire(await admin.getStore(i.policyStoreId))),
      UpdatePolicyStore: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, validationSettings: S.ValidationSettings, description: S.Description, deletionProtection: S.DeletionProtection }), async (i) => {
        const s = await admin.updateStore(i.policyStoreId, { validationMode: i.validationSettings.mode, ...(i.description !== undefined && { description: i.description }), ...(i.deletionProtection && { deletionProtection: i.deletionProtection }) });
        const { policyStoreId, arn, createdDate, lastUpdatedDate } = W.storeToWire(s);
        return { policyStoreId, arn, createdDate, lastUpdatedDate };
      }),
      DeletePolicyStore: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId }), async (i) => admin.deleteStore(i.policyStoreId)),
      ListPolicyStores: op('sigv4', z.object({ nextToken: S.NextToken, maxResults: MaxResults(50) }), async (i) =>
        page(await admin.listStores(i.maxResults ?? 10, i.nextToken), 'policyStores', W.storeSummaryToWire),
      ),

      PutSchema: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, definition: S.SchemaDefinition }), async (i) => {
        const schema = await admin.putSchema(i.policyStoreId, i.definition);
        const { schema: _json, ...out } = W.schemaToWire(i.policyStoreId, schema);
        return out;
      }),
      GetSchema: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId }), async (i) => W.schemaToWire(i.policyStoreId, await admin.getSchema(i.policyStoreId))),

      CreatePolicy: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, definition: S.PolicyDefinition, clientToken: S.ClientToken, name: S.Name }), once('CreatePolicy', async (i) => {
        const d = i.definition;
        const definition = d.static
          ? { static: { statement: d.static.statement, ...(d.static.description !== undefined && { description: d.static.description }) } }
          : { templateLinked: { policyTemplateId: d.templateLinked!.policyTemplateId, ...(d.templateLinked!.principal && { principal: d.templateLinked!.principal }), ...(d.templateLinked!.resource && { resource: d.templateLinked!.resource }) } };
        return W.policyCreatedToWire(await admin.createPolicy(i.policyStoreId, definition, i.name));
      })),
      GetPolicy: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyId: S.PolicyId }), async (i) => W.policyToWire(await admin.getPolicy(i.policyStoreId, i.policyId))),
      UpdatePolicy: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyId: S.PolicyId, definition: z.object({ static: S.StaticPolicyDefinition }).strict(), name: S.Name }), async (i) => {
        const s = i.definition.static;
        return W.policyCreatedToWire(await admin.updatePolicy(i.policyStoreId, i.policyId, { statement: s.statement, ...(s.description !== undefined && { description: s.description }) }));
      }),
      DeletePolicy: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyId: S.PolicyId }), async (i) => admin.deletePolicy(i.policyStoreId, i.policyId)),
      ListPolicies: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, nextToken: S.NextToken, maxResults: MaxResults(50), filter: PolicyFilter.optional() }), async (i) =>
        page(await admin.listPolicies(i.policyStoreId, filterOf(i.filter), i.maxResults ?? 10, i.nextToken), 'policies', W.policyItemToWire),
      ),
      BatchGetPolicy: op('sigv4', z.object({ requests: z.array(z.object({ policyStoreId: S.PolicyStoreId, policyId: S.PolicyId })).min(1).max(100) }), async (i) => {
        const results: unknown[] = [];
        const errors: unknown[] = [];
        for (const r of i.requests) {
          try {
            const p = await admin.getPolicy(r.policyStoreId, r.policyId);
            const { principal: _p, resource: _r, actions: _a, effect: _e, ...item } = W.policyToWire(p);
            results.push(item);
          } catch (e) {
            const type = (e as { fields?: { resourceType?: string } }).fields?.resourceType;
            if (type === undefined) throw e;
            errors.push({ code: type === 'POLICY_STORE' ? 'POLICY_STORE_NOT_FOUND' : 'POLICY_NOT_FOUND', policyStoreId: r.policyStoreId, policyId: r.policyId, message: (e as Error).message });
          }
        }
        return { results, errors };
      }),

      CreatePolicyTemplate: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, statement: S.PolicyStatement, description: S.Description, clientToken: S.ClientToken, name: S.Name }), once('CreatePolicyTemplate', async (i) => {
        const t = W.templateToWire(await admin.createTemplate(i.policyStoreId, i.statement, i.description, i.name));
        return { policyStoreId: t.policyStoreId, policyTemplateId: t.policyTemplateId, createdDate: t.createdDate, lastUpdatedDate: t.lastUpdatedDate };
      })),
      GetPolicyTemplate: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyTemplateId: S.PolicyId }), async (i) => W.templateToWire(await admin.getTemplate(i.policyStoreId, i.policyTemplateId))),
      UpdatePolicyTemplate: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyTemplateId: S.PolicyId, statement: S.PolicyStatement, description: S.Description, name: S.Name }), async (i) => {
        const t = W.templateToWire(await admin.updateTemplate(i.policyStoreId, i.policyTemplateId, i.statement, i.description));
        return { policyStoreId: t.policyStoreId, policyTemplateId: t.policyTemplateId, createdDate: t.createdDate, lastUpdatedDate: t.lastUpdatedDate };
      }),
      DeletePolicyTemplate: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, policyTemplateId: S.PolicyId }), async (i) => admin.deleteTemplate(i.policyStoreId, i.policyTemplateId)),
      ListPolicyTemplates: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, nextToken: S.NextToken, maxResults: MaxResults(50) }), async (i) =>
        page(await admin.listTemplates(i.policyStoreId, i.maxResults ?? 10, i.nextToken), 'policyTemplates', W.templateItemToWire),
      ),

      CreateIdentitySource: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, configuration: S.IdentitySourceConfiguration, principalEntityType: S.PrincipalEntityType, clientToken: S.ClientToken }), once('CreateIdentitySource', async (i) => {
        const s = await admin.createIdentitySource(i.policyStoreId, cognitoConfig(i.configuration), i.principalEntityType);
        return { policyStoreId: s.storeId, identitySourceId: s.id, createdDate: W.date(s.createdAt), lastUpdatedDate: W.date(s.updatedAt) };
      })),
      GetIdentitySource: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, identitySourceId: S.PolicyId }), async (i) => {
        const s = await admin.getIdentitySource(i.policyStoreId, i.identitySourceId);
        return W.identitySourceToWire(s, issuerOf(s.poolId));
      }),
      UpdateIdentitySource: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, identitySourceId: S.PolicyId, updateConfiguration: S.IdentitySourceConfiguration, principalEntityType: S.PrincipalEntityType }), async (i) => {
        const s = await admin.updateIdentitySource(i.policyStoreId, i.identitySourceId, cognitoConfig(i.updateConfiguration), i.principalEntityType);
        return { policyStoreId: s.storeId, identitySourceId: s.id, createdDate: W.date(s.createdAt), lastUpdatedDate: W.date(s.updatedAt) };
      }),
      DeleteIdentitySource: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, identitySourceId: S.PolicyId }), async (i) => admin.deleteIdentitySource(i.policyStoreId, i.identitySourceId)),
      ListIdentitySources: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, nextToken: S.NextToken, maxResults: MaxResults(50), filters: z.array(z.object({ principalEntityType: S.PrincipalEntityType })).max(1).optional() }), async (i) => {
        const result = await admin.listIdentitySources(i.policyStoreId, i.maxResults ?? 10, i.nextToken, i.filters?.[0]?.principalEntityType);
        return page(result, 'identitySources', (s) => W.identitySourceToWire(s, issuerOf(s.poolId)));
      }),

      IsAuthorized: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, principal: S.EntityIdentifier.optional(), ...S.AuthorizationItem, entities: S.EntitiesDefinition.optional() }), async (i) =>
        authorizer.isAuthorized(i.policyStoreId, { ...(i.principal && { principal: i.principal }), ...(i.action && { action: i.action }), ...(i.resource && { resource: i.resource }), context: contextOf(i.context) }, entitiesOf(i.entities)),
      ),
      BatchIsAuthorized: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, entities: S.EntitiesDefinition.optional(), requests: z.array(z.object({ principal: S.EntityIdentifier.optional(), ...S.AuthorizationItem })).min(1) }), async (i) => {
        const requests = i.requests.map((r) => ({ ...(r.principal && { principal: r.principal }), ...(r.action && { action: r.action }), ...(r.resource && { resource: r.resource }), context: contextOf(r.context) }));
        const results = await authorizer.batchIsAuthorized(i.policyStoreId, requests, entitiesOf(i.entities));
        return { results: results.map((result, n) => ({ request: i.requests[n], ...result })) };
      }),
      IsAuthorizedWithToken: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, identityToken: S.Token, accessToken: S.Token, ...S.AuthorizationItem, entities: S.EntitiesDefinition.optional() }), async (i) => {
        const request = { ...(i.action && { action: i.action }), ...(i.resource && { resource: i.resource }), context: contextOf(i.context) };
        const out = await authorizer.isAuthorizedWithToken(i.policyStoreId, tokensOf(i), [request], entitiesOf(i.entities), false);
        return { ...(out.results[0] as object), principal: out.principal };
      }),
      BatchIsAuthorizedWithToken: op('sigv4', z.object({ policyStoreId: S.PolicyStoreId, identityToken: S.Token, accessToken: S.Token, entities: S.EntitiesDefinition.optional(), requests: z.array(z.object(S.AuthorizationItem)).min(1) }), async (i) => {
        const requests = i.requests.map((r) => ({ ...(r.action && { action: r.action }), ...(r.resource && { resource: r.resource }), context: contextOf(r.context) }));
        const out = await authorizer.isAuthorizedWithToken(i.policyStoreId, tokensOf(i), requests, entitiesOf(i.entities), true);
        return { principal: out.principal, results: out.results.map((result, n) => ({ request: i.requests[n], ...result })) };
      }),
    },
  };
}

function tokensOf(i: { identityToken?: string | undefined; accessToken?: string | undefined }) {
  return { ...(i.identityToken !== undefined && { identityToken: i.identityToken }), ...(i.accessToken !== undefined && { accessToken: i.accessToken }) };
}
