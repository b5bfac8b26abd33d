import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../../src/authz/cerbos/compiler.ts';
import { type PolicyProblem, PolicyLoadError, parsePolicySource } from '../../../src/authz/cerbos/policy-documents.ts';
import { formatTestRun, runPolicyTests } from '../../../src/authz/cerbos/policy-tests.ts';

/** Loads files as a directory would be; returns the problems reported, or [] when it compiles. */
function problemsOf(files: Record<string, string>): PolicyProblem[] {
  try {
    compilePolicies(Object.entries(files).flatMap(([name, text]) => parsePolicySource(name, text)));
    return [];
  } catch (e) {
    if (e instanceof PolicyLoadError) return e.problems;
    throw e;
  }
}

const contact = (condition: string) => `apiVersion: api.cerbos.dev/v1
resourcePolicy:
  version: default
  resource: contact
  rules:
    - actions: ["read"]
      effect: EFFECT_ALLOW
      roles: ["user"]
      condition:
        match:
          expr: ${condition}
`;

describe('loading Cerbos policies refuses what cerbos compile refuses, with the file and line', () => {
  it('accepts the seed 003 contact policy', () => {
    expect(problemsOf({ 'contact.yaml': contact('request.resource.attr.owner == request.principal.id') })).toEqual([]);
  });

  it('invalid YAML', () => {
    const [p] = problemsOf({ 'bad.yaml': 'apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  rules:\n    - actions: ["read"\n      effect: EFFECT_ALLOW\n' });
    expect(p).toMatchObject({ file: 'bad.yaml', position: { line: 5 }, message: expect.stringMatching(/^invalid YAML/) });
  });

  it('an unknown field, at the field', () => {
    const text = contact('true').replace('  resource: contact\n', '  resource: contact\n  colour: blue\n');
    expect(problemsOf({ 'p.yaml': text })).toEqual([{ file: 'p.yaml', position: expect.objectContaining({ line: 5, column: 3 }), message: 'unknown field "colour"' }]);
  });

  it('a wrong effect and a missing apiVersion', () => {
    expect(problemsOf({ 'p.yaml': contact('true').replace('EFFECT_ALLOW', 'ALLOW') })[0]).toMatchObject({ position: { line: 7 }, message: expect.stringContaining('effect') });
    expect(problemsOf({ 'p.yaml': contact('true').replace('apiVersion: api.cerbos.dev/v1\n', '') })[0]?.message).toContain('apiVersion');
  });

  it.each([
    ['a CEL syntax error', 'request.resource.attr.owner ==', /invalid expression/],
    ['a type error between constants', '1 + "a"', /no matching overload/],
    ['an unknown function', 'frobnicate(R.attr.x)', /undeclared reference to 'frobnicate'/],
    ['an unknown variable', 'user.id == "x"', /undeclared reference to 'user'/],
    ['a malformed timestamp literal', 'timestamp("yesterday") < now()', /timestamp/],
    ['a malformed regex literal', 'R.attr.name.matches("[")', /./],
    ['an undefined policy variable', 'V.missing == 1', /undefined variable 'missing'/],
    ['an undefined constant', 'C.missing == 1', /undefined constant 'missing'/],
  ])('%s in a condition, at the expression', (_name, expr, message) => {
    const problems = problemsOf({ 'p.yaml': contact(expr) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'p.yaml', position: { line: 11 }, message: expect.stringMatching(message) });
  });

  it('cyclic variables', () => {
    const text = contact('V.a').replace('  rules:\n', '  variables:\n    local:\n      a: V.b\n      b: V.a\n  rules:\n');
    const [p] = problemsOf({ 'p.yaml': text });
    expect(p?.message).toMatch(/cyclical variable definitions: a -> b -> a/);
    expect(p?.position?.line).toBe(7);
  });

  it('a missing derived roles import, an unknown derived role and an ambiguous one', () => {
    const roles = (name: string) => `apiVersion: api.cerbos.dev/v1\nderivedRoles:\n  name: ${name}\n  definitions:\n    - name: owner\n      parentRoles: ["user"]\n`;
    const policy = (imports: string[], role: string) =>
      `apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  version: default\n  resource: contact\n  importDerivedRoles: ${JSON.stringify(imports)}\n  rules:\n    - actions: ["read"]\n      effect: EFFECT_ALLOW\n      derivedRoles: ["${role}"]\n`;
    expect(problemsOf({ 'p.yaml': policy(['nowhere'], 'owner') }).map((p) => p.message)).toEqual(['derived roles import "nowhere" cannot be found', 'derived role "owner" is not defined in any imports']);
    expect(problemsOf({ 'r.yaml': roles('common'), 'p.yaml': policy(['common'], 'ghost') })).toEqual([{ file: 'p.yaml', position: expect.objectContaining({ line: 9 }), message: 'derived role "ghost" is not defined in any imports' }]);
    expect(problemsOf({ 'r1.yaml': roles('a'), 'r2.yaml': roles('b'), 'p.yaml': policy(['a', 'b'], 'owner') })[0]?.message).toBe('derived role "owner" is defined in more than one import');
  });

  it('a scoped policy without its parent scope, and a duplicate policy', () => {
    const scoped = contact('true').replace('  resource: contact\n', '  resource: contact\n  scope: acme.hr\n');
    expect(problemsOf({ 'root.yaml': contact('true'), 'hr.yaml': scoped }).map((p) => p.message)).toEqual(['missing ancestor policy resource.contact.vdefault/acme of scope "acme.hr"']);
    expect(problemsOf({ 'a.yaml': contact('true'), 'b.yaml': contact('true') })[0]?.message).toBe('duplicate policy definitions: resource.contact.vdefault is also defined in a.yaml');
  });

  it('a value nested deeper than any policy needs', () => {
    const deep = contact('true').replace('  rules:\n', `  constants:\n    local:\n      x: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n  rules:\n`);
    expect(problemsOf({ 'p.yaml': deep })[0]?.message).toMatch(/nests (deeper than 64 levels|too deeply)|invalid YAML: Maximum call stack/);
  });

  it('reports every problem of a set, not only the first', () => {
    expect(problemsOf({ 'a.yaml': contact('1 +'), 'b.yaml': contact('frob()').replace('contact', 'other') })).toHaveLength(2);
  });
});

describe('tessera test runs Cerbos test suites', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cerbos-suites-'));
  writeFileSync(join(dir, 'contact.yaml'), contact('request.resource.attr.owner == request.principal.id'));
  mkdirSync(join(dir, 'tests'));
  const suite = (expectUpdate: string) => `name: ContactSuite
principals:
  alice: { id: alice, roles: [user] }
resources:
  mine: { kind: contact, id: c1, attr: { owner: alice } }
  theirs: { kind: contact, id: c2, attr: { owner: bob } }
tests:
  - name: Owners read
    input: { principals: [alice], resources: [mine, theirs], actions: [read, update] }
    expected:
      - principal: alice
        resource: mine
        actions: { read: EFFECT_ALLOW, update: ${expectUpdate} }
`;

  it('passes when every listed effect holds and unlisted pairs are denied', async () => {
    writeFileSync(join(dir, 'tests', 'contact_test.yaml'), suite('EFFECT_DENY'));
    const { text, exitCode } = formatTestRun(await runPolicyTests(dir));
    expect(exitCode).toBe(0);
    expect(text).toContain('ContactSuite (tests/contact_test.yaml) [4 OK]');
  });

  it('reports a wrong expectation as cerbos compile does, with exit code 4', async () => {
    writeFileSync(join(dir, 'tests', 'contact_test.yaml'), suite('EFFECT_ALLOW'));
    const { text, exitCode } = formatTestRun(await runPolicyTests(dir));
    expect(exitCode).toBe(4);
    expect(text).toContain('[3 OK] [1 FAILED]');
    expect(text).toMatch(/update \[FAILED\]\n\s+OUTCOME: expected: EFFECT_ALLOW, actual: EFFECT_DENY/);
  });

  it('checks the outputs a suite expects, and fails when one is missing', async () => {
    const outputs = mkdtempSync(join(tmpdir(), 'tessera-cerbos-outputs-'));
    writeFileSync(join(outputs, 'contact.yaml'), contact('true').replace('      roles: ["user"]\n', '      roles: ["user"]\n      output:\n        when:\n          ruleActivated: \'"read by " + P.id\'\n'));
    const withOutput = (val: string) => `name: Outputs
principals: { alice: { id: alice, roles: [user] } }
resources: { c: { kind: contact, id: c1 } }
tests:
  - name: Reads say who
    input: { principals: [alice], resources: [c], actions: [read] }
    expected:
      - principal: alice
        resource: c
        actions: { read: EFFECT_ALLOW }
        outputs:
          - action: read
            expected: [{ src: "resource.contact.vdefault#rule-001", val: "${val}" }]
`;
    writeFileSync(join(outputs, 'outputs_test.yaml'), withOutput('read by alice'));
    expect(formatTestRun(await runPolicyTests(outputs)).exitCode).toBe(0);
    writeFileSync(join(outputs, 'outputs_test.yaml'), withOutput('read by bob'));
    const { text, exitCode } = formatTestRun(await runPolicyTests(outputs));
    expect(exitCode).toBe(4);
    expect(text).toContain('OUTCOME: expected: outputs [{"src":"resource.contact.vdefault#rule-001","val":"read by bob"}], actual: outputs [{"src":"resource.contact.vdefault#rule-001","val":"read by alice"}]');
  });

  it('reports policies that do not compile with exit code 3 and the offending line', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'tessera-cerbos-broken-'));
    writeFileSync(join(broken, 'contact.yaml'), contact('R.attr.owner =='));
    const { text, exitCode } = formatTestRun(await runPolicyTests(broken));
    expect(exitCode).toBe(3);
    expect(text).toMatch(/^Compilation errors\ncontact\.yaml:11:\d+ invalid expression/);
    expect(text).toContain('>  11 |           expr: R.attr.owner ==');
  });
});
