import { z } from 'zod';
import type { AttributeValue } from '../../authz/cedar/avp-values.ts';

/** Request shapes of Verified Permissions, with the constraints of its Smithy model. */

/** Stored text may not hold U+0000 (PostgreSQL cannot); decision requests may. */
const noNul = (s: string) => !s.includes('\0');
const NO_NUL = 'Member must not contain the character U+0000';
const stored = (schema: z.ZodString) => schema.refine(noNul, NO_NUL);

export const PolicyStoreId = z.string().min(1).max(200).regex(/^[a-zA-Z0-9-/_]*$/, 'Member must satisfy regular expression pattern: [a-zA-Z0-9-/_]*');
export const PolicyId = z.string().min(1).max(200).regex(/^[a-zA-Z0-9-/_]*$/, 'Member must satisfy regular expression pattern: [a-zA-Z0-9-/_]*');
export const ClientToken = z.string().min(1).max(64).optional();
export const NextToken = z.string().min(1).max(8000).optional();
export const Description = stored(z.string().max(150)).optional();
export const Name = stored(z.string().min(1).max(100)).optional();
export const ValidationSettings = z.object({ mode: z.enum(['OFF', 'STRICT']) });
export const DeletionProtection = z.enum(['ENABLED', 'DISABLED']).optional();
export const Tags = z.record(z.string(), z.string()).optional();

export const EntityType = z.string().min(1).max(200);
export const EntityIdentifier = z.object({ entityType: EntityType, entityId: z.string().min(1).max(612) });
/** An entity identifier that is stored (a template link's principal or resource). */
export const StoredEntityIdentifier = z.object({ entityType: stored(EntityType), entityId: stored(z.string().min(1).max(612)) });
export const PolicyStatement = stored(z.string().min(1).max(10_000));
export const ActionIdentifier = z.object({
  actionType: z.string().min(1).max(200).regex(/^Action$|^.+::Action$/, 'Member must satisfy regular expression pattern: Action$|^.+::Action'),
  actionId: z.string().min(1).max(512),
});

/** An i64 in range, possibly carried as `JSON.rawJSON` when beyond 2^53 (see the dispatcher). */
const Long = z.union([
  z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  z.custom<object>((v) => {
    const isRaw = (JSON as { isRawJSON?: (x: unknown) => boolean }).isRawJSON;
    if (!isRaw?.(v)) return false;
    const n = BigInt((v as { rawJSON: string }).rawJSON);
    return n >= -(2n ** 63n) && n < 2n ** 63n;
  }, 'Member must be a 64-bit integer'),
]);

const oneMember = (v: object) => Object.keys(v).length === 1;

export const AttributeValueShape: z.ZodType<AttributeValue> = z.lazy(() =>
  z
    .object({
      boolean: z.boolean().optional(),
      long: Long.optional(),
      string: z.string().optional(),
      entityIdentifier: EntityIdentifier.optional(),
      set: z.array(AttributeValueShape).optional(),
      record: z.record(z.string(), AttributeValueShape).optional(),
      ipaddr: z.string().min(1).max(44).optional(),
      decimal: z.string().regex(/^-?\d{1,15}\.\d{1,4}$/, 'Member must satisfy regular expression pattern: -?\\d{1,15}\\.\\d{1,4}').optional(),
      datetime: z.string().min(1).max(100).optional(),
      duration: z.string().min(1).max(100).optional(),
    })
    .strict()
    .refine(oneMember, 'An AttributeValue is a union: set exactly one member'),
) as z.ZodType<AttributeValue>;

export const EntityItem = z
  .object({
    identifier: EntityIdentifier,
    attributes: z.record(z.string(), AttributeValueShape).optional(),
    parents: z.array(EntityIdentifier).max(100).optional(),
    tags: z.record(z.string(), AttributeValueShape).optional(),
  })
  .strict();

export const EntitiesDefinition = z
  .object({ entityList: z.array(EntityItem).optional(), cedarJson: z.string().optional() })
  .strict()
  .refine(oneMember, 'entities is a union: set exactly one of entityList and cedarJson');

export const ContextDefinition = z
  .object({ contextMap: z.record(z.string(), AttributeValueShape).optional(), cedarJson: z.string().optional() })
  .strict()
  .refine(oneMember, 'context is a union: set exactly one of contextMap and cedarJson, or leave context out');

export const AuthorizationItem = {
  action: ActionIdentifier.optional(),
  resource: EntityIdentifier.optional(),
  context: ContextDefinition.optional(),
};

export const Token = z.string().min(1).max(131_072).optional();

export const SchemaDefinition = z
  .object({ cedarJson: stored(z.string().min(1).max(100_000)).optional(), cedarFormat: stored(z.string().min(1).max(100_000)).optional() })
  .strict()
  .refine(oneMember, 'definition is a union: set exactly one of cedarJson and cedarFormat');

export const StaticPolicyDefinition = z.object({ statement: PolicyStatement, description: Description });

export const PolicyDefinition = z
  .object({
    static: StaticPolicyDefinition.optional(),
    templateLinked: z.object({ policyTemplateId: PolicyId, principal: StoredEntityIdentifier.optional(), resource: StoredEntityIdentifier.optional() }).optional(),
  })
  .strict()
  .refine(oneMember, 'definition is a union: set exactly one of static and templateLinked');

export const EntityReference = z
  .object({ unspecified: z.boolean().optional(), identifier: EntityIdentifier.optional() })
  .strict()
  .refine(oneMember, 'an EntityReference is a union: set exactly one of unspecified and identifier');

export const CognitoConfiguration = z.object({
  userPoolArn: stored(z.string().min(1).max(255)),
  clientIds: z.array(stored(z.string().min(1).max(255))).max(1000).optional(),
  groupConfiguration: z.object({ groupEntityType: stored(EntityType) }).optional(),
});

export const IdentitySourceConfiguration = z
  .object({ cognitoUserPoolConfiguration: CognitoConfiguration.optional(), openIdConnectConfiguration: z.unknown().optional() })
  .strict()
  .refine(oneMember, 'configuration is a union: set exactly one member');

export const PrincipalEntityType = stored(z.string().min(1).max(200)).optional();
