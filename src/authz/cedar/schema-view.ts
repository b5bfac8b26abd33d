/** Read-only questions about a Cedar JSON schema that mapping tokens to entities needs. */
export class SchemaView {
  private readonly schema: Record<string, { entityTypes?: Record<string, { memberOfTypes?: string[]; shape?: { type?: string; attributes?: Record<string, unknown> } }> }>;

  constructor(json: string) {
    this.schema = JSON.parse(json);
  }

  private entityType(qualified: string) {
    const cut = qualified.lastIndexOf('::');
    const namespace = cut < 0 ? '' : qualified.slice(0, cut);
    const name = cut < 0 ? qualified : qualified.slice(cut + 2);
    const decl = this.schema[namespace]?.entityTypes?.[name];
    return decl && { namespace, decl };
  }

  /** Attribute names the schema declares for an entity type, or undefined when it does not declare the type. */
  attributesOf(entityType: string): Set<string> | undefined {
    const found = this.entityType(entityType);
    if (!found) return undefined;
    return new Set(Object.keys(found.decl.shape?.attributes ?? {}));
  }

  /** Whether entities of `child` may have parents of type `parent`. Undeclared types: we cannot tell, so yes. */
  allowsParent(child: string, parent: string): boolean {
    const found = this.entityType(child);
    if (!found) return true;
    return (found.decl.memberOfTypes ?? []).some((t) => t === parent || (found.namespace !== '' && `${found.namespace}::${t}` === parent));
  }
}
