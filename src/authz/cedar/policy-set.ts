import type { PolicySetParts } from './cedar.ts';
import type { Policy, PolicyTemplate } from './model.ts';

/** Stored policies and templates as the Cedar engine takes them: static texts, templates and their links, by id. */
export function policySetOf(contents: { policies: Policy[]; templates: PolicyTemplate[] }): PolicySetParts {
  const parts: PolicySetParts = { staticPolicies: {}, templates: {}, templateLinks: [] };
  for (const t of contents.templates) parts.templates[t.id] = t.statement;
  for (const p of contents.policies) {
    if (p.type === 'STATIC') parts.staticPolicies[p.id] = p.statement ?? '';
    else if (p.templateId !== undefined) {
      const values: Record<string, { type: string; id: string }> = {};
      if (p.principal) values['?principal'] = { type: p.principal.entityType, id: p.principal.entityId };
      if (p.resource) values['?resource'] = { type: p.resource.entityType, id: p.resource.entityId };
      parts.templateLinks.push({ templateId: p.templateId, newId: p.id, values });
    }
  }
  return parts;
}
