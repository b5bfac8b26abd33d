/**
 * How the Cerbos-compatible engine decides a check: the behaviour Cerbos 0.55 documents
 * (docs/modules/policies/pages/*.adoc) and shows, each case checked against the real PDP.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check } from '../../../src/authz/cerbos/engine.ts';
import { compile, decisions, effects, engineOptions, principal, request, resource, yaml } from './support.ts';

const ALLOW = 'EFFECT_ALLOW';
const DENY = 'EFFECT_DENY';

describe('the seed 003 contact policy', () => {
  const contacts = compile(readFileSync(new URL('../../../examples/seed-003-contacts/cerbos/contact.yaml', import.meta.url), 'utf8'));
  const contact = (owner: string) => resource('contact', { owner });

  it('lets an admin do every action, including ones the policy never names', () => {
    expect(effects(contacts, request(principal('root', ['admin']), contact('alice'), ['read', 'update', 'delete', 'export:all:rows']))).toEqual({
      read: ALLOW,
      update: ALLOW,
      delete: ALLOW,
      'export:all:rows': ALLOW,
    });
  });

  it('lets a user read and create any contact', () => {
    expect(effects(contacts, request(principal('bob', ['user']), contact('alice'), ['read', 'create']))).toEqual({ read: ALLOW, create: ALLOW });
  });

  it('lets a user update and delete only the contacts they own', () => {
    expect(effects(contacts, request(principal('alice', ['user']), contact('alice'), ['update', 'delete']))).toEqual({ update: ALLOW, delete: ALLOW });
    expect(effects(contacts, request(principal('bob', ['user']), contact('alice'), ['update', 'delete']))).toEqual({ update: DENY, delete: DENY });
  });

  it('denies a user the actions no rule names, reporting the policy it consulted', () => {
    expect(decisions(contacts, request(principal('alice', ['user']), contact('alice'), ['share']))).toEqual({ share: [DENY, 'resource.contact.vdefault', ''] });
  });

  it('denies a role the policy does not know', () => {
    expect(effects(contacts, request(principal('eve', ['guest']), contact('eve'), ['read']))).toEqual({ read: DENY });
  });
});

describe('a resource kind without a policy', () => {
  it('is denied every action, with NO_MATCH as the policy', () => {
    const table = compile(readFileSync(new URL('../../../examples/seed-003-contacts/cerbos/contact.yaml', import.meta.url), 'utf8'));
    expect(decisions(table, request(principal('root', ['admin']), resource('invoice'), ['read', 'delete']))).toEqual({
      read: [DENY, 'NO_MATCH', ''],
      delete: [DENY, 'NO_MATCH', ''],
    });
  });
});

describe('combining rules', () => {
  const table = compile(yaml`
    apiVersion: api.cerbos.dev/v1
    resourcePolicy:
      version: default
      resource: doc
      rules:
        - actions: [edit, view]
          effect: EFFECT_ALLOW
          roles: [user]
        - actions: [edit]
          effect: EFFECT_DENY
          roles: [user]
          condition:
            match:
              expr: R.attr.locked == true
        - actions: [view, edit]
          effect: EFFECT_DENY
          roles: [auditor]
        - actions: [edit]
          effect: EFFECT_ALLOW
          roles: [manager]
  `);

  it('lets a matching DENY beat an ALLOW for the same role', () => {
    expect(effects(table, request(principal('u', ['user']), resource('doc', { locked: true }), ['edit', 'view']))).toEqual({ edit: DENY, view: ALLOW });
  });

  it('leaves the ALLOW in force when the DENY condition does not hold', () => {
    expect(effects(table, request(principal('u', ['user']), resource('doc', { locked: false }), ['edit']))).toEqual({ edit: ALLOW });
  });

  it("lets any role's ALLOW win over another role's DENY, whatever the order of the roles", () => {
    for (const roles of [
      ['auditor', 'user'],
      ['user', 'auditor'],
    ]) {
      expect(effects(table, request(principal('u', roles), resource('doc', {}), ['edit', 'view']))).toEqual({ edit: ALLOW, view: ALLOW });
    }
  });

  it("lets another role's ALLOW win even where one role's DENY applies", () => {
    expect(effects(table, request(principal('u', ['user', 'manager']), resource('doc', { locked: true }), ['edit', 'view']))).toEqual({ edit: ALLOW, view: ALLOW });
  });

  it('denies when every role denies or has no rule', () => {
    expect(effects(table, request(principal('u', ['auditor', 'guest']), resource('doc', {}), ['edit', 'view', 'print']))).toEqual({ edit: DENY, view: DENY, print: DENY });
  });
});

describe('action patterns (gobwas globs with `:` as separator)', () => {
  const table = compile(yaml`
    apiVersion: api.cerbos.dev/v1
    resourcePolicy:
      version: default
      resource: doc
      rules:
        - actions: ["*"]
          effect: EFFECT_ALLOW
          roles: [root]
        - actions: ["report:*"]
          effect: EFFECT_ALLOW
          roles: [user]
        - actions: ["admin:**"]
          effect: EFFECT_ALLOW
          roles: [user]
        - actions: ["size:?*", "[ab]x*", "{create,delete}:*"]
          effect: EFFECT_ALLOW
          roles: [user]
        - actions: ["q?", "{open,close}:item"]
          effect: EFFECT_ALLOW
          roles: [user]
  `);
  const user = (actions: string[]) => effects(table, request(principal('u', ['user']), resource('doc'), actions));

  it('matches every action with a lone `*`, colons included', () => {
    expect(effects(table, request(principal('u', ['root']), resource('doc'), ['x', 'x:y:z', 'report:a:b']))).toEqual({ x: ALLOW, 'x:y:z': ALLOW, 'report:a:b': ALLOW });
  });

  it('lets `*` after a colon match one segment only', () => {
    expect(user(['report:a', 'report:', 'report', 'report:a:b'])).toEqual({ 'report:a': ALLOW, 'report:': ALLOW, report: DENY, 'report:a:b': DENY });
  });

  it('lets `**` match across colons', () => {
    expect(user(['admin:x', 'admin:x:y', 'admin'])).toEqual({ 'admin:x': ALLOW, 'admin:x:y': ALLOW, admin: DENY });
  });

  it('supports `?`, classes and alternatives in a pattern that has a `*`', () => {
    expect(user(['size:1', 'size:12', 'size:', 'axe', 'bx', 'cx', 'create:item', 'delete:x', 'update:x', 'create:a:b'])).toEqual({
      'size:1': ALLOW,
      'size:12': ALLOW,
      'size:': DENY,
      axe: ALLOW,
      bx: ALLOW,
      cx: DENY,
      'create:item': ALLOW,
      'delete:x': ALLOW,
      'update:x': DENY,
      'create:a:b': DENY,
    });
  });

  // Cerbos compiles a pattern as a glob only when it contains `*` (ruletable/index/glob_dimension.go
  // Set: strings.ContainsRune(key, '*')); any other action is a literal name.
  it('takes an action without `*` literally, even when it has `?`, `[` or `{`', () => {
    expect(user(['q?', 'qq', '{open,close}:item', 'open:item'])).toEqual({ 'q?': ALLOW, qq: DENY, '{open,close}:item': ALLOW, 'open:item': DENY });
  });
});

describe('roles in rules', () => {
  const table = compile(yaml`
    apiVersion: api.cerbos.dev/v1
    resourcePolicy:
      version: default
      resource: doc
      rules:
        - actions: [ping]
          effect: EFFECT_ALLOW
          roles: ["*"]
        - actions: [view]
          effect: EFFECT_ALLOW
          roles: ["adm*"]
  `);

  it('matches any role with `*`', () => {
    expect(effects(table, request(principal('u', ['someone-unheard-of']), resource('doc'), ['ping', 'view']))).toEqual({ ping: ALLOW, view: DENY });
  });

  it('matches role names as patterns', () => {
    expect(effects(table, request(principal('u', ['admin']), resource('doc'), ['view']))).toEqual({ view: ALLOW });
    expect(effects(table, request(principal('u', ['user']), resource('doc'), ['view']))).toEqual({ view: DENY });
  });
});

describe('derived roles', () => {
  const table = compile(
    yaml`
      apiVersion: api.cerbos.dev/v1
      derivedRoles:
        name: common
        constants:
          local:
            threshold: 1000
        variables:
          local:
            is_owner: R.attr.owner == P.id
        definitions:
          - name: owner
            parentRoles: [user]
            condition:
              match:
                expr: V.is_owner
          - name: flagged_viewer
            parentRoles: ["*"]
            condition:
              match:
                expr: R.attr.flagged == true
          - name: big_spender
            parentRoles: [customer]
            condition:
              match:
                expr: P.attr.spend > C.threshold
          - name: staff
            parentRoles: [employee, contractor]
          - name: unused
            parentRoles: [user]
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        importDerivedRoles: [common]
        rules:
          - actions: [edit]
            effect: EFFECT_ALLOW
            derivedRoles: [owner]
          - actions: [flag]
            effect: EFFECT_ALLOW
            derivedRoles: [flagged_viewer]
          - actions: [discount]
            effect: EFFECT_ALLOW
            derivedRoles: [big_spender]
          - actions: [list]
            effect: EFFECT_ALLOW
            derivedRoles: [staff]
          - actions: [audit]
            effect: EFFECT_ALLOW
            roles: ["*"]
            condition:
              match:
                expr: '"owner" in runtime.effectiveDerivedRoles'
          - actions: [peek]
            effect: EFFECT_ALLOW
            roles: ["*"]
            condition:
              match:
                expr: '"unused" in runtime.effectiveDerivedRoles'
    `,
  );
  const run = (p: ReturnType<typeof principal>, attr: Record<string, unknown>, actions: string[]) => check(table, request(p, resource('doc', attr), actions), engineOptions());
  const effectsOf = (out: ReturnType<typeof check>) => Object.fromEntries([...out.actions].map(([a, e]) => [a, e.effect]));

  it('applies when the principal has a parent role and the condition, with its own variables, holds', () => {
    expect(effectsOf(run(principal('alice', ['user']), { owner: 'alice' }, ['edit']))).toEqual({ edit: ALLOW });
    expect(effectsOf(run(principal('bob', ['user']), { owner: 'alice' }, ['edit']))).toEqual({ edit: DENY });
  });

  it('does not apply to a principal without a parent role, even when the condition would hold', () => {
    expect(effectsOf(run(principal('erin', ['guest']), { owner: 'erin' }, ['edit', 'list']))).toEqual({ edit: DENY, list: DENY });
  });

  it('reads its own constants in its condition', () => {
    expect(effectsOf(run(principal('carol', ['customer'], { spend: 1500 }), {}, ['discount']))).toEqual({ discount: ALLOW });
    expect(effectsOf(run(principal('carol', ['customer'], { spend: 500 }), {}, ['discount']))).toEqual({ discount: DENY });
  });

  it('applies to every role when its parent roles are `*`', () => {
    expect(effectsOf(run(principal('bob', ['user']), { flagged: true }, ['flag']))).toEqual({ flag: ALLOW });
    expect(effectsOf(run(principal('zed', ['anything']), { flagged: true }, ['flag']))).toEqual({ flag: ALLOW });
    expect(effectsOf(run(principal('zed', ['anything']), { flagged: false }, ['flag']))).toEqual({ flag: DENY });
  });

  it('applies to every holder of any parent role when it has no condition', () => {
    expect(effectsOf(run(principal('dan', ['contractor']), {}, ['list', 'edit']))).toEqual({ list: ALLOW, edit: DENY });
    expect(effectsOf(run(principal('dan', ['employee']), {}, ['list']))).toEqual({ list: ALLOW });
  });

  it('reports as effective only the referenced derived roles whose parents the principal has and whose condition holds', () => {
    expect(run(principal('alice', ['user']), { owner: 'alice' }, ['edit']).effectiveDerivedRoles).toEqual(['owner']);
    expect(run(principal('bob', ['user']), { owner: 'alice', flagged: true }, ['edit']).effectiveDerivedRoles).toEqual(['flagged_viewer']);
    expect(run(principal('carol', ['customer'], { spend: 1500 }), { owner: 'carol', flagged: true }, ['edit']).effectiveDerivedRoles).toEqual(['big_spender', 'flagged_viewer']);
    expect(run(principal('dan', ['contractor']), {}, ['edit']).effectiveDerivedRoles).toEqual(['staff']);
    expect(run(principal('erin', ['guest']), { owner: 'erin' }, ['edit']).effectiveDerivedRoles).toEqual([]);
  });

  it('lets a rule condition read runtime.effectiveDerivedRoles, which holds only referenced roles', () => {
    expect(effectsOf(run(principal('alice', ['user']), { owner: 'alice' }, ['audit', 'peek']))).toEqual({ audit: ALLOW, peek: DENY });
    expect(effectsOf(run(principal('bob', ['user']), { owner: 'alice' }, ['audit']))).toEqual({ audit: DENY });
  });
});

describe('variables and constants', () => {
  const table = compile(
    yaml`
      apiVersion: api.cerbos.dev/v1
      exportVariables:
        name: shared_vars
        definitions:
          same_dept: R.attr.dept == P.attr.dept
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      exportConstants:
        name: shared_consts
        definitions:
          max_pages: 100
          editors: ["ed", "eve"]
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        constants:
          import: [shared_consts]
          local:
            greeting: hello
        variables:
          import: [shared_vars]
          local:
            doubled_plus_one: V.doubled + 1.0
            doubled: R.attr.pages * 2.0
            label: C.greeting + " " + P.id
        rules:
          - actions: [read]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: V.same_dept
          - actions: [print]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: V.doubled_plus_one <= double(C.max_pages)
          - actions: [edit]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: P.id in constants.editors
          - actions: [greet]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: variables.label == "hello " + R.attr.guest
    `,
  );
  const ed = principal('ed', ['user'], { dept: 'x' });
  const bob = principal('bob', ['user'], { dept: 'y' });

  it('makes imported variables visible as V', () => {
    expect(effects(table, request(ed, resource('doc', { dept: 'x' }), ['read']))).toEqual({ read: ALLOW });
    expect(effects(table, request(bob, resource('doc', { dept: 'x' }), ['read']))).toEqual({ read: DENY });
  });

  it('evaluates a variable that reads another after it, whatever order they are written in', () => {
    // doubled_plus_one is written before doubled, which it reads: 49*2+1 = 99 <= 100, 50*2+1 = 101 > 100.
    expect(effects(table, request(ed, resource('doc', { pages: 49 }), ['print']))).toEqual({ print: ALLOW });
    expect(effects(table, request(ed, resource('doc', { pages: 50 }), ['print']))).toEqual({ print: DENY });
  });

  it('makes imported and local constants visible as C and constants, and to variables', () => {
    expect(effects(table, request(ed, resource('doc', { guest: 'ed' }), ['edit', 'greet']))).toEqual({ edit: ALLOW, greet: ALLOW });
    expect(effects(table, request(bob, resource('doc', { guest: 'ed' }), ['edit', 'greet']))).toEqual({ edit: DENY, greet: DENY });
  });

  it('exposes the globals of the engine options as G and globals', () => {
    const withGlobals = compile(yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: G.env == "prod" && globals.region == R.attr.region
    `);
    const input = request(principal('u', ['user']), resource('doc', { region: 'eu' }), ['view']);
    expect(effects(withGlobals, input, engineOptions({ globals: { env: 'prod', region: 'eu' } }))).toEqual({ view: ALLOW });
    expect(effects(withGlobals, input, engineOptions({ globals: { env: 'dev', region: 'eu' } }))).toEqual({ view: DENY });
  });
});

describe('principal policies', () => {
  const table = compile(
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        rules:
          - actions: [view, delete]
            effect: EFFECT_ALLOW
            roles: [user]
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      principalPolicy:
        principal: alice
        version: default
        rules:
          - resource: doc
            actions:
              - action: delete
                effect: EFFECT_DENY
              - action: archive
                effect: EFFECT_ALLOW
                condition:
                  match:
                    expr: R.attr.owner == P.id
              - name: view-secret
                action: "secret:*"
                effect: EFFECT_ALLOW
                output:
                  when:
                    ruleActivated: '"granted " + R.id'
          - resource: "*"
            actions:
              - action: export
                effect: EFFECT_ALLOW
    `,
  );
  const alice = principal('alice', ['user']);

  it("decide first: an explicit DENY overrides the resource policy's ALLOW", () => {
    expect(decisions(table, request(alice, resource('doc', { owner: 'alice' }), ['delete']))).toEqual({ delete: [DENY, 'principal.alice.vdefault', ''] });
  });

  it('leave the actions they have no rule for to the resource policy', () => {
    expect(decisions(table, request(alice, resource('doc', { owner: 'alice' }), ['view']))).toEqual({ view: [ALLOW, 'resource.doc.vdefault', ''] });
  });

  it('fall through to the resource policy when the condition of their rule does not hold', () => {
    expect(decisions(table, request(alice, resource('doc', { owner: 'alice' }), ['archive']))).toEqual({ archive: [ALLOW, 'principal.alice.vdefault', ''] });
    expect(decisions(table, request(alice, resource('doc', { owner: 'bob' }), ['archive']))).toEqual({ archive: [DENY, 'resource.doc.vdefault', ''] });
  });

  it('apply a rule for resource `*` to every kind, even one without a resource policy', () => {
    expect(decisions(table, request(alice, resource('note'), ['export', 'view']))).toEqual({
      export: [ALLOW, 'principal.alice.vdefault', ''],
      view: [DENY, 'NO_MATCH', ''],
    });
  });

  it('apply only to their principal, whatever roles it has', () => {
    expect(effects(table, request(principal('bob', ['user']), resource('doc', { owner: 'bob' }), ['delete', 'archive', 'export']))).toEqual({ delete: ALLOW, archive: DENY, export: DENY });
    expect(effects(table, request(principal('alice', ['user', 'other']), resource('doc'), ['delete', 'view']))).toEqual({ delete: DENY, view: ALLOW });
  });

  it('match actions with patterns and name their rules in outputs', () => {
    const out = check(table, request(alice, resource('doc'), ['secret:x']), engineOptions());
    expect(out.actions.get('secret:x')?.effect).toBe(ALLOW);
    expect(out.outputs).toEqual([{ src: 'principal.alice.vdefault#view-secret', action: 'secret:x', val: 'granted r1' }]);
  });

  describe('in scopes', () => {
    const scoped = compile(
      yaml`
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          version: default
          resource: doc
          rules:
            - actions: [view, edit]
              effect: EFFECT_ALLOW
              roles: [user]
      `,
      yaml`
        apiVersion: api.cerbos.dev/v1
        principalPolicy:
          principal: alice
          version: default
          rules:
            - resource: doc
              actions:
                - action: edit
                  effect: EFFECT_DENY
                  condition:
                    match:
                      expr: R.attr.frozen == true
                - action: publish
                  effect: EFFECT_ALLOW
      `,
      yaml`
        apiVersion: api.cerbos.dev/v1
        principalPolicy:
          principal: alice
          version: default
          scope: acme
          scopePermissions: SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS
          rules:
            - resource: doc
              actions:
                - action: view
                  effect: EFFECT_ALLOW
                  condition:
                    match:
                      expr: R.attr.ok == true
                - action: publish
                  effect: EFFECT_ALLOW
                - action: share
                  effect: EFFECT_ALLOW
      `,
    );
    const aliceAt = (scope: string) => principal('alice', ['user'], {}, { scope });

    it("walk the principal's scope chain, and a parent's DENY still applies", () => {
      expect(decisions(scoped, request(aliceAt('acme'), resource('doc', { frozen: true }), ['edit']))).toEqual({ edit: [DENY, 'principal.alice.vdefault/acme', ''] });
    });

    it('turn a conditional ALLOW that needs consent into a DENY when its condition fails, and defer when it holds', () => {
      expect(decisions(scoped, request(aliceAt('acme'), resource('doc', { ok: false }), ['view']))).toEqual({ view: [DENY, 'principal.alice.vdefault/acme', 'acme'] });
      expect(decisions(scoped, request(aliceAt('acme'), resource('doc', { ok: true }), ['view']))).toEqual({ view: [ALLOW, 'resource.doc.vdefault', ''] });
    });

    it('grant an ALLOW that needs consent only when the parent allows too', () => {
      expect(decisions(scoped, request(aliceAt('acme'), resource('doc'), ['publish', 'share']))).toEqual({
        publish: [ALLOW, 'principal.alice.vdefault/acme', ''],
        share: [DENY, 'resource.doc.vdefault', ''],
      });
    });
  });
});

describe('scoped resource policies', () => {
  const policies = [
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
          - actions: [edit]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: R.attr.owner == P.id
          - actions: [delete]
            effect: EFFECT_DENY
            roles: [user]
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        scope: acme
        rules:
          - actions: [edit, delete]
            effect: EFFECT_ALLOW
            roles: [user]
          - actions: [view]
            effect: EFFECT_DENY
            roles: [user]
            condition:
              match:
                expr: R.attr.secret == true
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: doc
        scope: acme.hr
        scopePermissions: SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: R.attr.public == true
          - actions: [edit, delete, approve]
            effect: EFFECT_ALLOW
            roles: [user]
    `,
  ];
  const table = compile(...policies);
  const u = principal('u', ['user']);
  const at = (scope: string, attr: Record<string, unknown> = {}) => resource('doc', { owner: 'x', ...attr }, { scope });

  describe('that override their parent (the default)', () => {
    it("decide with their own ALLOW, ending the chain before the parent's DENY", () => {
      expect(decisions(table, request(u, at('acme'), ['edit', 'delete']))).toEqual({
        edit: [ALLOW, 'resource.doc.vdefault/acme', 'acme'],
        delete: [ALLOW, 'resource.doc.vdefault/acme', 'acme'],
      });
    });

    it('leave what they do not decide to the parent, which the result names as the scope', () => {
      expect(decisions(table, request(u, at('acme'), ['view', 'approve']))).toEqual({
        view: [ALLOW, 'resource.doc.vdefault/acme', ''],
        approve: [DENY, 'resource.doc.vdefault/acme', ''],
      });
    });

    it('decide with their own DENY', () => {
      expect(decisions(table, request(u, at('acme', { secret: true }), ['view']))).toEqual({ view: [DENY, 'resource.doc.vdefault/acme', 'acme'] });
    });
  });

  describe('that require parental consent for ALLOWs', () => {
    it('deny when the condition of their ALLOW does not hold', () => {
      expect(decisions(table, request(u, at('acme.hr', { public: false }), ['view']))).toEqual({ view: [DENY, 'resource.doc.vdefault/acme.hr', 'acme.hr'] });
    });

    it('defer to the parents when the condition holds', () => {
      expect(decisions(table, request(u, at('acme.hr', { public: true }), ['view']))).toEqual({ view: [ALLOW, 'resource.doc.vdefault/acme.hr', ''] });
      expect(decisions(table, request(u, at('acme.hr', { public: true, secret: true }), ['view']))).toEqual({ view: [DENY, 'resource.doc.vdefault/acme.hr', 'acme'] });
    });

    it('allow an unconditional ALLOW only where a parent allows too', () => {
      expect(decisions(table, request(u, at('acme.hr'), ['edit', 'delete', 'approve']))).toEqual({
        edit: [ALLOW, 'resource.doc.vdefault/acme.hr', 'acme'],
        delete: [ALLOW, 'resource.doc.vdefault/acme.hr', 'acme'],
        approve: [DENY, 'resource.doc.vdefault/acme.hr', ''],
      });
    });
  });

  it('are not consulted for a request without a scope', () => {
    expect(decisions(table, request(u, at('', { owner: 'u' }), ['view', 'edit', 'delete']))).toEqual({
      view: [ALLOW, 'resource.doc.vdefault', ''],
      edit: [ALLOW, 'resource.doc.vdefault', ''],
      delete: [DENY, 'resource.doc.vdefault', ''],
    });
  });

  it('answer NO_MATCH for a scope without a policy when the scope search is strict', () => {
    for (const scope of ['acme.sales', 'acme.hr.payroll', 'globex']) {
      expect(decisions(table, request(u, at(scope, { owner: 'u' }), ['view', 'edit']))).toEqual({ view: [DENY, 'NO_MATCH', ''], edit: [DENY, 'NO_MATCH', ''] });
    }
  });

  it('start from the nearest ancestor with a policy when the scope search is lenient, reporting its policy', () => {
    const lenient = engineOptions({ lenientScopeSearch: true });
    expect(decisions(table, request(u, at('acme.sales', { owner: 'u' }), ['view', 'edit', 'delete']), lenient)).toEqual({
      view: [ALLOW, 'resource.doc.vdefault/acme', ''],
      edit: [ALLOW, 'resource.doc.vdefault/acme', 'acme'],
      delete: [ALLOW, 'resource.doc.vdefault/acme', 'acme'],
    });
    expect(decisions(table, request(u, at('acme.hr.payroll', { owner: 'u' }), ['view', 'edit']), lenient)).toEqual({
      view: [DENY, 'resource.doc.vdefault/acme.hr', 'acme.hr'],
      edit: [ALLOW, 'resource.doc.vdefault/acme.hr', 'acme'],
    });
    expect(decisions(table, request(u, at('globex', { owner: 'u' }), ['view', 'delete']), lenient)).toEqual({
      view: [ALLOW, 'resource.doc.vdefault', ''],
      delete: [DENY, 'resource.doc.vdefault', ''],
    });
  });

  it('take the default scope of the engine options when the request has none', () => {
    expect(decisions(table, request(u, resource('doc', { owner: 'x' }), ['edit']), engineOptions({ defaultScope: 'acme' }))).toEqual({ edit: [ALLOW, 'resource.doc.vdefault/acme', 'acme'] });
  });
});

describe('policy versions', () => {
  const table = compile(
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: contact
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: "v2"
        resource: contact
        rules:
          - actions: [view]
            effect: EFFECT_DENY
            roles: [user]
    `,
  );
  const u = principal('u', ['user']);

  it("are chosen by the resource's policyVersion", () => {
    expect(decisions(table, request(u, resource('contact', {}, { policyVersion: 'v2' }), ['view']))).toEqual({ view: [DENY, 'resource.contact.vv2', ''] });
    expect(decisions(table, request(u, resource('contact'), ['view']))).toEqual({ view: [ALLOW, 'resource.contact.vdefault', ''] });
  });

  it("do not follow the principal's policyVersion, which chooses principal policies only", () => {
    expect(decisions(table, request(principal('u', ['user'], {}, { policyVersion: 'v2' }), resource('contact'), ['view']))).toEqual({ view: [ALLOW, 'resource.contact.vdefault', ''] });
  });

  it('answer NO_MATCH for a version without a policy', () => {
    expect(decisions(table, request(u, resource('contact', {}, { policyVersion: 'v3' }), ['view']))).toEqual({ view: [DENY, 'NO_MATCH', ''] });
  });

  it('default to the version of the engine options', () => {
    expect(decisions(table, request(u, resource('contact'), ['view']), engineOptions({ defaultPolicyVersion: 'v2' }))).toEqual({ view: [DENY, 'resource.contact.vv2', ''] });
  });
});

describe('conditions', () => {
  const table = compile(yaml`
    apiVersion: api.cerbos.dev/v1
    resourcePolicy:
      version: default
      resource: doc
      rules:
        - actions: [count]
          effect: EFFECT_ALLOW
          roles: [user]
          condition:
            match:
              expr: R.attr.tags.size() > 2
        - actions: [count]
          effect: EFFECT_DENY
          roles: [user]
          condition:
            match:
              expr: R.attr.limits.max < 10
        - actions: [divide]
          effect: EFFECT_ALLOW
          roles: [user]
          condition:
            match:
              expr: int(R.attr.n) / int(R.attr.d) > 1
        - actions: [triage]
          effect: EFFECT_ALLOW
          roles: [user]
          condition:
            match:
              all:
                of:
                  - expr: R.attr.status == "open"
                  - any:
                      of:
                        - expr: P.attr.dept == R.attr.dept
                        - expr: '"lead" in P.roles'
                  - none:
                      of:
                        - expr: R.attr.archived == true
                        - expr: R.attr.deleted == true
        - actions: [erroring_any]
          effect: EFFECT_ALLOW
          roles: [user]
          condition:
            match:
              any:
                of:
                  - expr: R.attr.missing.field == 1
                  - expr: R.attr.public == true
        - actions: [erroring_none]
          effect: EFFECT_ALLOW
          roles: [user]
          condition:
            match:
              none:
                of:
                  - expr: R.attr.missing.field == 1
  `);
  const u = principal('u', ['user'], { dept: 'a' });

  it('count as not satisfied when they fail at runtime, for ALLOW and DENY rules alike', () => {
    // tags is missing: the ALLOW does not apply.
    expect(effects(table, request(u, resource('doc', {}), ['count']))).toEqual({ count: DENY });
    // limits is missing: the DENY does not apply, the ALLOW does.
    expect(effects(table, request(u, resource('doc', { tags: ['a', 'b', 'c'] }), ['count']))).toEqual({ count: ALLOW });
    expect(effects(table, request(u, resource('doc', { tags: ['a', 'b', 'c'], limits: { max: 5 } }), ['count']))).toEqual({ count: DENY });
    // Division by zero.
    expect(effects(table, request(u, resource('doc', { n: 10, d: 0 }), ['divide']))).toEqual({ divide: DENY });
    expect(effects(table, request(u, resource('doc', { n: 10, d: 2 }), ['divide']))).toEqual({ divide: ALLOW });
  });

  it('combine with all, any and none, nested', () => {
    const triage = (p: ReturnType<typeof principal>, attr: Record<string, unknown>) => effects(table, request(p, resource('doc', attr), ['triage'])).triage;
    expect(triage(u, { status: 'open', dept: 'a' })).toBe(ALLOW);
    expect(triage(principal('u', ['user', 'lead'], { dept: 'b' }), { status: 'open', dept: 'a' })).toBe(ALLOW);
    expect(triage(principal('u', ['user'], { dept: 'b' }), { status: 'open', dept: 'a' })).toBe(DENY);
    expect(triage(u, { status: 'open', dept: 'a', deleted: true })).toBe(DENY);
    expect(triage(u, { status: 'open', dept: 'a', archived: true })).toBe(DENY);
    expect(triage(u, { status: 'closed', dept: 'a' })).toBe(DENY);
  });

  it('take an expression that fails inside any or none as false', () => {
    expect(effects(table, request(u, resource('doc', { public: true }), ['erroring_any', 'erroring_none']))).toEqual({ erroring_any: ALLOW, erroring_none: ALLOW });
    expect(effects(table, request(u, resource('doc', { public: false }), ['erroring_any']))).toEqual({ erroring_any: DENY });
  });
});

describe('outputs', () => {
  const table = compile(
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: contact
        rules:
          - actions: [view]
            effect: EFFECT_ALLOW
            roles: [user]
            condition:
              match:
                expr: R.attr.public == true
            output:
              when:
                ruleActivated: '"public " + R.id'
                conditionNotMet: '{"private": R.id, "by": P.id}'
          - name: no-archived
            actions: [view, edit]
            effect: EFFECT_DENY
            roles: [user]
            condition:
              match:
                expr: R.attr.archived == true
            output:
              when:
                ruleActivated: '["archived", R.attr.year]'
          - actions: [broken]
            effect: EFFECT_ALLOW
            roles: [user]
            output:
              when:
                ruleActivated: R.attr.nope.deeper
    `,
    yaml`
      apiVersion: api.cerbos.dev/v1
      resourcePolicy:
        version: default
        resource: contact
        scope: acme
        rules:
          - actions: [edit]
            effect: EFFECT_ALLOW
            roles: [user]
            output:
              when:
                ruleActivated: '"scoped"'
    `,
  );
  const u = principal('u', ['user']);

  it('come from ruleActivated when the rule applies, named by policy key and rule-NNN for unnamed rules', () => {
    const out = check(table, request(u, resource('contact', { public: true, archived: false }), ['view']), engineOptions());
    expect(out.actions.get('view')?.effect).toBe(ALLOW);
    expect(out.outputs).toEqual([{ src: 'resource.contact.vdefault#rule-001', action: 'view', val: 'public r1' }]);
  });

  it('come from conditionNotMet when the condition does not hold, and from every rule that applies, per action', () => {
    const out = check(table, request(u, resource('contact', { public: false, archived: true, year: 2020 }), ['view', 'edit']), engineOptions());
    expect(out.outputs).toEqual([
      { src: 'resource.contact.vdefault#rule-001', action: 'view', val: { private: 'r1', by: 'u' } },
      { src: 'resource.contact.vdefault#no-archived', action: 'view', val: ['archived', 2020] },
      { src: 'resource.contact.vdefault#no-archived', action: 'edit', val: ['archived', 2020] },
    ]);
  });

  it('name the scope of the policy they come from', () => {
    const out = check(table, request(u, resource('contact', {}, { scope: 'acme' }), ['edit']), engineOptions());
    expect(out.outputs).toEqual([{ src: 'resource.contact.vdefault/acme#rule-001', action: 'edit', val: 'scoped' }]);
  });

  it('carry the error of an output expression that fails, without changing the decision', () => {
    const out = check(table, request(u, resource('contact'), ['broken']), engineOptions());
    expect(out.actions.get('broken')?.effect).toBe(ALLOW);
    expect(out.outputs).toHaveLength(1);
    expect(out.outputs[0]).toMatchObject({ src: 'resource.contact.vdefault#rule-003', action: 'broken' });
    expect(out.outputs[0]!.val).toBeUndefined();
    // cel-go's words, as Cerbos reports them.
    expect(out.outputs[0]!.error).toBe('no such key: nope');
  });
});

describe('successive requests', () => {
  // A fresh table for each case, so that the order of the cases cannot matter.
  const fresh = () =>
    compile(
      yaml`
        apiVersion: api.cerbos.dev/v1
        resourcePolicy:
          version: default
          resource: doc
          rules:
            - actions: [edit, view]
              effect: EFFECT_ALLOW
              roles: [user]
      `,
      yaml`
        apiVersion: api.cerbos.dev/v1
        principalPolicy:
          principal: alice
          version: default
          rules:
            - resource: doc
              actions:
                - action: edit
                  effect: EFFECT_DENY
      `,
    );
  const alice = (scope?: string) => principal('alice', ['user'], {}, scope === undefined ? {} : { scope });

  it('are decided on their own: a principal scope without policies does not hide the principal policies from the next request', () => {
    const table = fresh();
    expect(decisions(table, request(alice('acme'), resource('doc'), ['edit']))).toEqual({ edit: [ALLOW, 'resource.doc.vdefault', ''] });
    expect(decisions(table, request(alice(), resource('doc'), ['edit']))).toEqual({ edit: [DENY, 'principal.alice.vdefault', ''] });
  });

  it('are decided on their own: a resource scope without policies does not hide the resource policies from the next request', () => {
    const table = fresh();
    expect(decisions(table, request(alice(), resource('doc', {}, { scope: 'acme' }), ['view']))).toEqual({ view: [DENY, 'NO_MATCH', ''] });
    expect(decisions(table, request(alice(), resource('doc'), ['view']))).toEqual({ view: [ALLOW, 'resource.doc.vdefault', ''] });
  });
});
