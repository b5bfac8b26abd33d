import { z } from 'zod';

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
});

export type ConfigFile = z.infer<typeof ConfigFile>;
export type PoolSpec = z.infer<typeof PoolSpec>;
export type PolicyStoreSpec = z.infer<typeof PolicyStoreSpec>;
