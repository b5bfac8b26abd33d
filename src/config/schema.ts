import { z } from 'zod';
import { RBAC_KEY_PATTERN } from '../authz/rbac/model.ts';

const Attributes = z.record(z.string(), z.string());

const UserSpec = z.object({
  username: z.string().min(1),
  password: z.string().min(1).optional(),
  /** false: the password is temporary and the user must change it at first sign-in. */
  permanent: z.boolean().default(true),
  attributes: Attributes.default({}),
  groups: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
});

const GroupSpec = z.object({
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  precedence: z.number().int().min(0).optional(),
  roleArn: z.string().optional(),
});

/** A resource server and its custom scopes; clients may allow them as `{identifier}/{name}`. */
const ResourceServerSpec = z.object({
  identifier: z.string().min(1),
  name: z.string().min(1),
  scopes: z.array(z.object({ name: z.string().min(1), description: z.string().min(1) })).default([]),
});

const ClientSpec = z
  .object({
    name: z.string().min(1),
    id: z.string().regex(/^[\w+]+$/).optional(),
    secret: z.string().min(1).optional(),
    generateSecret: z.boolean().optional(),
  })
  .catchall(z.unknown());

const PoolSpec = z
  .object({
    name: z.string().min(1),
    id: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/).optional(),
    resourceServers: z.array(ResourceServerSpec).default([]),
    clients: z.array(ClientSpec).default([]),
    groups: z.array(GroupSpec).default([]),
    users: z.array(UserSpec).default([]),
    /** Hosted UI branding; the pages accept only safe logo URLs and real CSS colours. */
    HostedUI: z
      .object({ logoUrl: z.string().max(2048).optional(), primaryColor: z.string().max(64).optional(), backgroundColor: z.string().max(64).optional(), textColor: z.string().max(64).optional() })
      .strict()
      .optional(),
  })
  .catchall(z.unknown());

const AvpId = z.string().min(1).max(200).regex(/^[a-zA-Z0-9-_]+$/);
const EntityRef = z.object({ entityType: z.string().min(1), entityId: z.string().min(1) });

/** A Verified Permissions policy store. Policies and templates carry ids here so that re-applying updates them. */
const PolicyStoreSpec = z
  .object({
    id: AvpId,
    description: z.string().max(150).optional(),
    validationMode: z.enum(['OFF', 'STRICT']).default('STRICT'),
    deletionProtection: z.enum(['ENABLED', 'DISABLED']).optional(),
    /** Cedar schema text, or a Cedar JSON schema as a YAML object. */
    schema: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    identitySource: z
      .object({
        /** A pool id, or the name of a pool declared in this file. */
        userPool: z.string().min(1),
        clientIds: z.array(z.string()).default([]),
        principalEntityType: z.string().min(1).optional(),
        groupEntityType: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    templates: z.array(z.object({ id: AvpId, statement: z.string().min(1), description: z.string().max(150).optional() }).strict()).default([]),
    policies: z
      .array(
        z.union([
          z.object({ id: AvpId, statement: z.string().min(1), description: z.string().max(150).optional() }).strict(),
          z.object({ id: AvpId, template: AvpId, principal: EntityRef.optional(), resource: EntityRef.optional() }).strict(),
        ]),
      )
      .default([]),
  })
  .strict();

const RbacKey = z.string().min(1).max(255).regex(RBAC_KEY_PATTERN, 'keys may hold letters, digits and _ - . @ + |');
const RbacAttributes = z.record(z.string(), z.unknown());

/** A Permit-style RBAC environment: its schema (resources, roles), tenants, users and role assignments. */
const RbacEnvironmentSpec = z
  .object({
    key: RbacKey,
    /** The project the environment belongs to, as Permit names it (`default` unless set). */
    project: RbacKey.default('default'),
    /** An API key accepted for this environment besides those `tessera rbac create-api-key` issues (demos, CI). */
    apiKey: z.string().min(24).optional(),
    resources: z
      .array(z.object({ key: RbacKey, name: z.string().optional(), description: z.string().optional(), actions: z.array(RbacKey).min(1), attributes: RbacAttributes.optional() }).strict())
      .default([]),
    roles: z
      .array(
        z
          .object({
            key: RbacKey,
            name: z.string().optional(),
            description: z.string().optional(),
            /** `resource:action`, or `resource:*` for every action of the resource. */
            permissions: z.array(z.string().regex(/^[^:]+:[^:]+$/, 'a permission is resource:action')).default([]),
            extends: z.array(RbacKey).default([]),
          })
          .strict(),
      )
      .default([]),
    tenants: z.array(z.object({ key: RbacKey, name: z.string().optional(), description: z.string().optional(), attributes: RbacAttributes.optional() }).strict()).default([{ key: 'default', name: 'Default Tenant' }]),
    users: z
      .array(
        z
          .object({
            key: RbacKey,
            email: z.string().optional(),
            firstName: z.string().optional(),
            lastName: z.string().optional(),
            attributes: RbacAttributes.optional(),
            roles: z.array(z.object({ role: RbacKey, tenant: RbacKey.default('default') }).strict()).default([]),
          })
          .strict(),
      )
      .default([]),
    /**
     * Keeps users of a user pool in this environment with no app code: a user is synced (key = `sub`)
     * when they sign up or sign in, and their Cognito groups become role assignments through `groupRoles`.
     */
    userPoolSync: z
      .object({
        /** A pool id, or the name of a pool declared in this file. */
        userPool: z.string().min(1),
        tenant: RbacKey.default('default'),
        /** Cognito group → RBAC role keys; a group not listed grants nothing. */
        groupRoles: z.record(z.string(), z.union([RbacKey, z.array(RbacKey)])).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

/** A path template: literal segments, `{name}` for one segment, and a last `{name+}` for the rest of the path. */
const RoutePath = z
  .string()
  .regex(/^\/([A-Za-z0-9._~!$&'()*,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\})?(\/([A-Za-z0-9._~!$&'()*,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\+?\}))*$/, 'a route path is /literal/{param}/{rest+}');

/** Which tokens a route accepts: the pool that issued them, its clients, and ID or access tokens. */
const TokenSource = {
  /** A pool id, or the name of a pool declared in this file. */
  userPool: z.string().min(1),
  clientIds: z.array(z.string().min(1)).optional(),
  tokenUse: z.enum(['access', 'id']).default('access'),
};

const RouteAuthorizer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  /** Allowed when the token's `cognito:groups` holds any of `groups`. */
  z.object({ type: z.literal('groups'), ...TokenSource, groups: z.array(z.string().min(1)).min(1) }).strict(),
  /** Allowed when the access token's `scope` holds any of `scopes` (API Gateway's JWT authorizer rule). */
  z.object({ type: z.literal('scopes'), ...TokenSource, tokenUse: z.literal('access').default('access'), scopes: z.array(z.string().min(1)).min(1) }).strict(),
  /**
   * IsAuthorizedWithToken on a Verified Permissions policy store. `action` and `resource.id` are
   * templates over `{method}` (lower case), `{path}` (the route's path template) and path parameters.
   */
  z
    .object({
      type: z.literal('cedar'),
      policyStoreId: z.string().min(1),
      tokenUse: z.enum(['access', 'id']).default('access'),
      action: z.object({ type: z.string().min(1), id: z.string().min(1).default('{method} {path}') }).strict(),
      resource: z.object({ type: z.string().min(1), id: z.string().min(1) }).strict(),
    })
    .strict(),
  /** A Cerbos check with the principal built from the token; `id` and `action` are templates as for `cedar`. */
  z
    .object({
      type: z.literal('cerbos'),
      ...TokenSource,
      kind: z.string().min(1),
      id: z.string().min(1).default('{path}'),
      action: z.string().min(1).default('{method}'),
      scope: z.string().optional(),
      policyVersion: z.string().optional(),
    })
    .strict(),
  /** A Permit-style RBAC check of the token's `sub`; `resource` (`type` or `type:key`) and `action` are templates. */
  z
    .object({
      type: z.literal('rbac'),
      ...TokenSource,
      environment: RbacKey.optional(),
      resource: z.string().min(1),
      action: z.string().min(1).default('{method}'),
      tenant: RbacKey.default('default'),
    })
    .strict(),
  /** An HTTP endpoint that takes API Gateway's HTTP API authorizer payload (2.0) and answers `{ isAuthorized }`. */
  z
    .object({
      type: z.literal('lambda'),
      url: z.string().url(),
      /** Answers are cached per identity source for this long; 0 turns caching off (API Gateway's default is 300). */
      ttlSeconds: z.number().int().min(0).max(3600).default(300),
      /** Where the identity comes from, as API Gateway writes it; missing sources refuse the request with 401. */
      identitySource: z.array(z.string().regex(/^\$(request\.(header|querystring)\.[A-Za-z0-9_.-]+|context\.[A-Za-z.]+)$/)).default(['$request.header.Authorization']),
      timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    })
    .strict(),
]);

const GatewayRoute = z
  .object({
    path: RoutePath,
    /** HTTP methods; `ANY` (the default) matches all. */
    methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'ANY'])).default(['ANY']),
    /** `http(s)://host:port[/prefix]`; the request's path and query are appended. */
    upstream: z.string().url(),
    authorizer: RouteAuthorizer,
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  })
  .strict();

/** The declarative file `tessera apply -f` and `serve --config` read. Cognito settings keep Cognito's names. */
export const ConfigFile = z.object({
  region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/).optional(),
  publicUrl: z.string().url().optional(),
  issuerStyle: z.enum(['tessera', 'aws']).optional(),
  credentials: z.array(z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) })).optional(),
  smtp: z
    .object({ host: z.string(), port: z.number().int(), secure: z.boolean().optional(), user: z.string().optional(), password: z.string().optional(), from: z.string() })
    .optional(),
  userPools: z.array(PoolSpec).default([]),
  policyStores: z.array(PolicyStoreSpec).default([]),
  cerbos: z
    .object({
      /** A directory of Cerbos policies, relative to this file; loaded at start and watched. */
      policies: z.string().min(1).optional(),
      /** Basic-auth credentials of the Admin API (`/admin/policy`); without them it refuses every call. */
      admin: z.object({ username: z.string().min(1), password: z.string().min(12) }).strict().optional(),
      /** Build every principal from the request's token (`auxData.jwt`), never from the request body. */
      requireTokenPrincipal: z.boolean().optional(),
      /** Values conditions read as `globals` / `G`. */
      globals: z.record(z.string(), z.unknown()).optional(),
    })
    .strict()
    .optional(),
  rbac: z.object({ environments: z.array(RbacEnvironmentSpec).default([]) }).strict().optional(),
  /** A reverse proxy in front of upstream services, on its own port, that authorizes every route. */
  gateway: z
    .object({
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().optional(),
      routes: z.array(GatewayRoute).default([]),
    })
    .strict()
    .optional(),
});

export type ConfigFile = z.infer<typeof ConfigFile>;
export type PoolSpec = z.infer<typeof PoolSpec>;
export type PolicyStoreSpec = z.infer<typeof PolicyStoreSpec>;
export type RbacEnvironmentSpec = z.infer<typeof RbacEnvironmentSpec>;
export type GatewayRouteSpec = z.infer<typeof GatewayRoute>;
export type RouteAuthorizerSpec = z.infer<typeof RouteAuthorizer>;
