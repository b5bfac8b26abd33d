import type { IdentitySource, Policy, PolicyStore, PolicyTemplate, StoreSchema } from '../../authz/cedar/model.ts';

/** Verified Permissions' output shapes. Its timestamps are ISO 8601 date-times. */

const ACCOUNT = '000000000000';

export const date = (ms: number): string => new Date(ms).toISOString();

export function storeArn(id: string): string {
  return `arn:aws:verifiedpermissions::${ACCOUNT}:policy-store/${id}`;
}

export function storeToWire(s: PolicyStore) {
  return {
    policyStoreId: s.id,
    arn: storeArn(s.id),
    validationSettings: { mode: s.validationMode },
    createdDate: date(s.createdAt),
    lastUpdatedDate: date(s.updatedAt),
    ...(s.description !== undefined && { description: s.description }),
    deletionProtection: s.deletionProtection,
    cedarVersion: 'CEDAR_4',
  };
}

export function storeSummaryToWire(s: PolicyStore) {
  return { policyStoreId: s.id, arn: storeArn(s.id), createdDate: date(s.createdAt), lastUpdatedDate: date(s.updatedAt), ...(s.description !== undefined && { description: s.description }) };
}

export function schemaToWire(storeId: string, s: StoreSchema) {
  return { policyStoreId: storeId, schema: s.json, createdDate: date(s.createdAt), lastUpdatedDate: date(s.updatedAt), namespaces: s.namespaces };
}

/** The scope fields every policy shape carries. */
function policyScope(p: Policy) {
  return {
    ...(p.principal && { principal: p.principal }),
    ...(p.resource && { resource: p.resource }),
    actions: p.actions,
    effect: p.effect,
  };
}

export function policyCreatedToWire(p: Policy) {
  return { policyStoreId: p.storeId, policyId: p.id, policyType: p.type, createdDate: date(p.createdAt), lastUpdatedDate: date(p.updatedAt), ...policyScope(p) };
}

function definitionOf(p: Policy, detail: boolean) {
  if (p.type === 'STATIC') {
    const inner = { ...(p.description !== undefined && { description: p.description }), ...(detail && { statement: p.statement }) };
    return { static: inner };
  }
  return { templateLinked: { policyTemplateId: p.templateId, ...(p.principal && { principal: p.principal }), ...(p.resource && { resource: p.resource }) } };
}

export function policyToWire(p: Policy) {
  return { ...policyCreatedToWire(p), definition: definitionOf(p, true), ...(p.name !== undefined && { name: p.name }) };
}

export function policyItemToWire(p: Policy) {
  return { ...policyCreatedToWire(p), definition: definitionOf(p, false), ...(p.name !== undefined && { name: p.name }) };
}

export function templateToWire(t: PolicyTemplate) {
  return {
    policyStoreId: t.storeId,
    policyTemplateId: t.id,
    statement: t.statement,
    ...(t.description !== undefined && { description: t.description }),
    createdDate: date(t.createdAt),
    lastUpdatedDate: date(t.updatedAt),
    ...(t.name !== undefined && { name: t.name }),
  };
}

export function templateItemToWire(t: PolicyTemplate) {
  const { statement: _statement, ...item } = templateToWire(t);
  return item;
}

export function identitySourceToWire(s: IdentitySource, issuer: string) {
  const cognito = {
    userPoolArn: s.userPoolArn,
    clientIds: s.clientIds,
    issuer,
    ...(s.groupEntityType !== undefined && { groupConfiguration: { groupEntityType: s.groupEntityType } }),
  };
  return {
    policyStoreId: s.storeId,
    identitySourceId: s.id,
    principalEntityType: s.principalEntityType,
    createdDate: date(s.createdAt),
    lastUpdatedDate: date(s.updatedAt),
    // The older `details` member, still filled by Verified Permissions for Cognito sources.
    details: { clientIds: s.clientIds, userPoolArn: s.userPoolArn, discoveryUrl: `${issuer}/.well-known/openid-configuration`, openIdIssuer: 'COGNITO' },
    configuration: { cognitoUserPoolConfiguration: cognito },
  };
}
