import { entityUid } from './avp-values.ts';
import type { CedarEntity, CedarValue } from './model.ts';

const key = (type: string, id: string) => `${type}::${JSON.stringify(id)}`;

/** Every entity reference inside a Cedar JSON value: `{__entity: …}`, and (read generously) any `{type, id}` record. */
function collectRefs(value: CedarValue, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
    return;
  }
  const v = value as Record<string, unknown>;
  const ref = (v.__entity ?? v) as { type?: unknown; id?: unknown };
  if (typeof ref.type === 'string' && typeof ref.id === 'string') out.push(key(ref.type, ref.id));
  for (const inner of Object.values(v)) collectRefs(inner as CedarValue, out);
}

/** The entity references in a store's policies (entity literals in conditions and scopes). */
export function entityLiteralsOf(policiesJson: unknown[]): string[] {
  const out: string[] = [];
  for (const p of policiesJson) collectRefs(p as CedarValue, out);
  return out;
}

/**
 * The entities one request can reach. Cedar reads entity data only by starting from the principal,
 * action, resource, context or an entity literal in a policy, and following parents and entity-valued
 * attributes and tags; entities no such path reaches cannot change the answer. Used to give each
 * request of a batch only its own part of a shared entity list, which Cedar otherwise parses whole
 * for every request.
 */
export class EntityIndex {
  private readonly byKey = new Map<string, CedarEntity>();

  constructor(entities: CedarEntity[]) {
    for (const e of entities) {
      const uid = entityUid(e);
      if (uid) this.byKey.set(key(uid.type, uid.id), e);
    }
  }

  reachable(seeds: { principal: { type: string; id: string }; resource: { type: string; id: string }; context: Record<string, CedarValue> }, literals: string[]): CedarEntity[] {
    const queue = [key(seeds.principal.type, seeds.principal.id), key(seeds.resource.type, seeds.resource.id), ...literals];
    collectRefs(seeds.context, queue);
    const seen = new Set<string>();
    const out: CedarEntity[] = [];
    while (queue.length > 0) {
      const next = queue.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      const entity = this.byKey.get(next);
      if (!entity) continue;
      out.push(entity);
      collectRefs(entity.parents as CedarValue, queue);
      collectRefs(entity.attrs as CedarValue, queue);
      if (entity.tags) collectRefs(entity.tags as CedarValue, queue);
    }
    return out;
  }
}
