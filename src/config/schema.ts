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
});

export type ConfigFile = z.infer<typeof ConfigFile>;
export type PoolSpec = z.infer<typeof PoolSpec>;
