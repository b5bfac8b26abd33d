import { LineCounter, parseAllDocuments, isMap, isNode, isScalar, type Document } from 'yaml';
import { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../util/json-depth.ts';

/**
 * Cerbos policy documents, as its JSON schema defines them: unknown fields are refused, as
 * `cerbos compile` refuses them. Role policies and JSON schemas for attributes are not supported.
 */
const NAME = z.string().min(1);
const VERSION = z.string().regex(/^\w+$/, 'must be a word (letters, digits, underscore)');
const SCOPE = z.string().regex(/^([0-9a-zA-Z][\w-]*(\.[\w-]*)*)*$/, 'must be dot-separated names');
const EFFECT = z.enum(['EFFECT_ALLOW', 'EFFECT_DENY']);
const SCOPE_PERMISSIONS = z.enum(['SCOPE_PERMISSIONS_UNSPECIFIED', 'SCOPE_PERMISSIONS_OVERRIDE_PARENT', 'SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS']);

/** CEL text. Like Cerbos, a YAML scalar stands for its text: `expr: true` is the expression `true`. */
const CEL = z.union([z.string().min(1), z.number(), z.boolean()]).transform(String);

export type Match = { expr: string } | { all: { of: Match[] } } | { any: { of: Match[] } } | { none: { of: Match[] } };
const MATCH: z.ZodType<Match> = z.lazy(() =>
  z.union([
    z.strictObject({ expr: CEL }),
    z.strictObject({ all: z.strictObject({ of: z.array(MATCH).min(1) }) }),
    z.strictObject({ any: z.strictObject({ of: z.array(MATCH).min(1) }) }),
    z.strictObject({ none: z.strictObject({ of: z.array(MATCH).min(1) }) }),
  ]),
);
const CONDITION = z.strictObject({ match: MATCH });
const OUTPUT = z.strictObject({ expr: CEL.optional(), when: z.strictObject({ ruleActivated: CEL.optional(), conditionNotMet: CEL.optional() }).optional() });
const VARIABLES = z.strictObject({ import: z.array(NAME).optional(), local: z.record(z.string(), CEL).optional() });
const CONSTANTS = z.strictObject({ import: z.array(NAME).optional(), local: z.record(z.string(), z.unknown()).optional() });
const SCHEMA_REF = z.strictObject({ ref: z.string().min(1), ignoreWhen: z.strictObject({ actions: z.array(z.string()) }).optional() });

const RESOURCE_RULE = z.strictObject({
  name: z.string().regex(/^([A-Za-z][\w@.-]*)?$/).optional(),
  actions: z.array(NAME).min(1),
  roles: z.array(NAME).optional(),
  derivedRoles: z.array(NAME).optional(),
  condition: CONDITION.optional(),
  effect: EFFECT,
  output: OUTPUT.optional(),
});

const RESOURCE_POLICY = z.strictObject({
  resource: z.string().regex(/^[^!*?[\]{}]+$/, 'a resource policy names one resource kind, not a pattern'),
  version: VERSION,
  scope: SCOPE.optional(),
  scopePermissions: SCOPE_PERMISSIONS.optional(),
  importDerivedRoles: z.array(NAME).optional(),
  constants: CONSTANTS.optional(),
  variables: VARIABLES.optional(),
  schemas: z.strictObject({ principalSchema: SCHEMA_REF.optional(), resourceSchema: SCHEMA_REF.optional() }).optional(),
  rules: z.array(RESOURCE_RULE).optional(),
});

const PRINCIPAL_POLICY = z.strictObject({
  principal: NAME,
  version: VERSION,
  scope: SCOPE.optional(),
  scopePermissions: SCOPE_PERMISSIONS.optional(),
  constants: CONSTANTS.optional(),
  variables: VARIABLES.optional(),
  rules: z
    .array(
      z.strictObject({
        resource: NAME,
        actions: z.array(z.strictObject({ name: z.string().optional(), action: NAME, effect: EFFECT, condition: CONDITION.optional(), output: OUTPUT.optional() })).min(1),
      }),
    )
    .optional(),
});

const DERIVED_ROLES = z.strictObject({
  name: NAME,
  constants: CONSTANTS.optional(),
  variables: VARIABLES.optional(),
  definitions: z.array(z.strictObject({ name: z.string().regex(/^[\w\-.]+$/), parentRoles: z.array(NAME).min(1), condition: CONDITION.optional() })).min(1),
});

const METADATA = z.strictObject({ sourceFile: z.string().optional(), annotations: z.record(z.string(), z.string()).optional(), hash: z.unknown().optional(), sourceAttributes: z.unknown().optional(), storeIdentifier: z.string().optional(), storeIdentitifer: z.string().optional() });
const BASE = { apiVersion: z.literal('api.cerbos.dev/v1'), description: z.string().optional(), disabled: z.boolean().optional(), metadata: METADATA.optional(), variables: z.record(z.string(), CEL).optional() };

export const POLICY_DOCUMENT = z.union([
  z.strictObject({ ...BASE, resourcePolicy: RESOURCE_POLICY }),
  z.strictObject({ ...BASE, principalPolicy: PRINCIPAL_POLICY }),
  z.strictObject({ ...BASE, derivedRoles: DERIVED_ROLES }),
  z.strictObject({ ...BASE, exportVariables: z.strictObject({ name: NAME, definitions: z.record(z.string(), CEL).optional() }) }),
  z.strictObject({ ...BASE, exportConstants: z.strictObject({ name: NAME, definitions: z.record(z.string(), z.unknown()).optional() }) }),
]);

export type PolicyDocument = z.infer<typeof POLICY_DOCUMENT>;
export type ResourcePolicy = z.infer<typeof RESOURCE_POLICY>;
export type PrincipalPolicy = z.infer<typeof PRINCIPAL_POLICY>;
export type DerivedRolesPolicy = z.infer<typeof DERIVED_ROLES>;
export type Condition = z.infer<typeof CONDITION>;
export type RuleOutput = z.infer<typeof OUTPUT>;

/** Where in a source a problem is: 1-based line and column, and the field path. */
export interface SourcePosition {
  line: number;
  column: number;
  path: string;
}

/** A policy problem reported as `cerbos compile` does: file, position and message. */
export interface PolicyProblem {
  file: string;
  position?: SourcePosition;
  message: string;
}

export class PolicyLoadError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: PolicyProblem): string {
  return p.position ? `${p.file}:${p.position.line}:${p.position.column}: ${p.message}` : `${p.file}: ${p.message}`;
}

/** A parsed policy and how to point at any of its fields. */
export interface ParsedPolicy {
  file: string;
  document: PolicyDocument;
  positionOf(path: ReadonlyArray<string | number>): SourcePosition | undefined;
}

/** Parses one YAML or JSON source holding one or more `---`-separated policies. */
export function parsePolicySource(file: string, text: string): ParsedPolicy[] {
  try {
    return parseDocuments(file, text);
  } catch (e) {
    // The YAML library recurses over nesting; a file nested deep enough exhausts the stack.
    if (e instanceof RangeError) throw new PolicyLoadError([{ file, message: `the policy nests too deeply to read: ${e.message}` }]);
    throw e;
  }
}

function parseDocuments(file: string, text: string): ParsedPolicy[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const out: ParsedPolicy[] = [];
  const problems: PolicyProblem[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      // Later errors are usually echoes of the first.
      const e = doc.errors[0]!;
      const pos = lines.linePos(e.pos[0]);
      problems.push({ file, position: { line: pos.line, column: pos.col, path: '' }, message: `invalid YAML: ${e.message.split('\n')[0]}` });
      continue;
    }
    if (doc.contents === null) continue;
    const positionOf = positionFinder(doc, lines);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
      problems.push({ file, position: positionOf([]), message: `the policy nests deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const parsed = POLICY_DOCUMENT.safeParse(value);
    if (!parsed.success) {
      for (const issue of simplestIssues(parsed.error.issues)) {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push({ file, position: keyPosition(doc, lines, path, key) ?? positionOf(path), message: `unknown field "${key}"` });
        } else problems.push({ file, position: positionOf(path) ?? positionOf([]), message: `${path.join('.') || 'policy'}: ${issue.message}` });
      }
      continue;
    }
    out.push({ file, document: parsed.data, positionOf });
  }
  if (problems.length) throw new PolicyLoadError(problems);
  return out;
}

/** A union failure reports each branch's issues; the branch that got furthest explains best. */
function simplestIssues(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      out.push(...simplestIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
    } else out.push(issue);
  }
  return out.slice(0, 5);
}

function depth(issues: z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'unrecognized_keys' ? 0 : 1)));
}

function keyPosition(doc: Document, lines: LineCounter, path: Array<string | number>, key: string): SourcePosition | undefined {
  const parent = path.length ? doc.getIn(path, true) : doc.contents;
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
  const range = isNode(pair?.key) ? pair.key.range : undefined;
  if (!range) return undefined;
  const pos = lines.linePos(range[0]);
  return { line: pos.line, column: pos.col, path: [...path, key].join('.') };
}

function positionFinder(doc: Document, lines: LineCounter) {
  return (path: ReadonlyArray<string | number>): SourcePosition | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, column: pos.col, path: path.join('.') };
      }
    }
    return undefined;
  };
}
