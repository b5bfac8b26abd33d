import type { Tessera } from '../app.ts';
import { ResourceNotFoundException } from '../authz/cedar/errors.ts';
import { sameEntity } from '../authz/cedar/model.ts';
import type { ApplyReport } from './apply.ts';
import type { PolicyStoreSpec } from './schema.ts';

async function orMissing<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw e;
  }
}

/**
 * Brings a declared policy store up to date: the store, then its schema, templates, policies
 * (in that order, so a STRICT store validates each against the schema) and identity source.
 * Policies and templates the file does not declare are left alone.
 */
export async function applyPolicyStore(t: Tessera, spec: PolicyStoreSpec, poolIdOf: (nameOrId: string) => Promise<string>, report: ApplyReport): Promise<void> {
  const admin = t.policyStores.admin;
  const settings = { validationMode: spec.validationMode, ...(spec.description !== undefined && { description: spec.description }), ...(spec.deletionProtection && { deletionProtection: spec.deletionProtection }) };
  const existing = await orMissing(admin.getStore(spec.id));
  if (!existing) {
    await admin.createStore(settings, spec.id);
    report.created.push(`policy store ${spec.id}`);
  } else {
    await admin.updateStore(spec.id, settings);
    report.updated.push(`policy store ${spec.id}`);
  }

  if (spec.schema !== undefined) {
    await admin.putSchema(spec.id, typeof spec.schema === 'string' ? { cedarFormat: spec.schema } : { cedarJson: JSON.stringify(spec.schema) });
  }

  for (const tpl of spec.templates) {
    const current = await orMissing(admin.getTemplate(spec.id, tpl.id));
    if (!current) {
      await admin.createTemplate(spec.id, tpl.statement, tpl.description, undefined, tpl.id);
      report.created.push(`policy template ${tpl.id}`);
    } else if (current.statement !== tpl.statement || current.description !== tpl.description) {
      await admin.updateTemplate(spec.id, tpl.id, tpl.statement, tpl.description);
      report.updated.push(`policy template ${tpl.id}`);
    }
  }

  for (const p of spec.policies) {
    const current = await orMissing(admin.getPolicy(spec.id, p.id));
    const definition =
      'statement' in p
        ? { static: { statement: p.statement, ...(p.description !== undefined && { description: p.description }) } }
        : { templateLinked: { policyTemplateId: p.template, ...(p.principal && { principal: p.principal }), ...(p.resource && { resource: p.resource }) } };
    if (current && 'statement' in p && current.type === 'STATIC' && current.statement === p.statement && current.description === p.description) continue;
    if (current && !('statement' in p) && current.templateId === p.template && sameEntity(current.principal, p.principal) && sameEntity(current.resource, p.resource)) continue;
    // An update may not change a policy's effect or scope, so a changed policy is replaced.
    if (current) await admin.deletePolicy(spec.id, p.id);
    await admin.createPolicy(spec.id, definition, undefined, p.id);
    report[current ? 'updated' : 'created'].push(`policy ${p.id}`);
  }

  if (spec.identitySource) {
    const s = spec.identitySource;
    const poolId = await poolIdOf(s.userPool);
    const configuration = { userPoolArn: `arn:aws:cognito-idp:${t.region}:000000000000:userpool/${poolId}`, clientIds: s.clientIds, ...(s.groupEntityType && { groupEntityType: s.groupEntityType }) };
    const [current] = (await admin.listIdentitySources(spec.id, 1)).items;
    if (current) await admin.updateIdentitySource(spec.id, current.id, configuration, s.principalEntityType);
    else {
      await admin.createIdentitySource(spec.id, configuration, s.principalEntityType);
      report.created.push(`identity source for ${poolId}`);
    }
  }

}
