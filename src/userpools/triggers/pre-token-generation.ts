import { z } from 'zod';
import type { Group } from '../model.ts';
import { roleClaimsOf } from '../session-issuer.ts';
import { setClaim } from './claims-override.ts';
import { baseEvent, type StringMap, type TriggerCaller, type TriggerEvent, withClientMetadata } from './event-common.ts';
import type { PreTokenGenerationVersion } from './lambda-config.ts';
import { lenientString, readWith, unset } from './response-schema.ts';

export type TokenGenerationSource =
  | 'TokenGeneration_HostedAuth'
  | 'TokenGeneration_Authentication'
  | 'TokenGeneration_NewPasswordChallenge'
  | 'TokenGeneration_AuthenticateDevice'
  | 'TokenGeneration_RefreshTokens'
  /** V3_0 only: client_credentials (machine-to-machine) tokens. */
  | 'TokenGeneration_ClientCredentials';

/** The user's groups as the event presents them (and as groupOverrideDetails replaces them). */
export interface GroupConfiguration {
  groupsToOverride: string[];
  iamRolesToOverride: string[];
  preferredRole: string | null;
}

/** groupConfiguration from the user's groups in token order, with the same roles the tokens carry. */
export function groupConfigurationOf(groups: Group[]): GroupConfiguration {
  const roles = roleClaimsOf(groups);
  return {
    groupsToOverride: groups.map((g) => g.name),
    iamRolesToOverride: (roles['cognito:roles'] as string[] | undefined) ?? [],
    preferredRole: (roles['cognito:preferred_role'] as string | undefined) ?? null,
  };
}

export interface PreTokenGenerationInput {
  source: TokenGenerationSource;
  lambdaVersion: PreTokenGenerationVersion;
  userAttributes: StringMap;
  groupConfiguration: GroupConfiguration;
  /** The access token's scopes; sent in V2_0 and V3_0 events only. */
  scopes: string[];
  clientMetadata?: StringMap;
}

export type PreTokenGenerationEvent = TriggerEvent<
  TokenGenerationSource,
  { userAttributes: StringMap; groupConfiguration: GroupConfiguration; scopes?: string[]; clientMetadata?: StringMap },
  { claimsOverrideDetails: null } | { claimsAndScopeOverrideDetails: null }
>;

/** The event's `version` follows the configured LambdaVersion: "1", "2" or "3". */
export function preTokenGenerationEvent(caller: TriggerCaller, input: PreTokenGenerationInput): PreTokenGenerationEvent {
  const v1 = input.lambdaVersion === 'V1_0';
  const request = v1
    ? { userAttributes: input.userAttributes, groupConfiguration: input.groupConfiguration }
    : { userAttributes: input.userAttributes, groupConfiguration: input.groupConfiguration, scopes: input.scopes };
  return {
    ...baseEvent(caller, input.source, input.lambdaVersion.charAt(1)),
    request: withClientMetadata(request, input.clientMetadata),
    response: v1 ? { claimsOverrideDetails: null } : { claimsAndScopeOverrideDetails: null },
  };
}

/**
 * What a pre token generation function asked for, whatever its event version. `groups` is undefined
 * when the response left groups alone, and a replacement (possibly empty: suppressed) otherwise.
 */
export interface TokenOverride {
  id: { claimsToAddOrOverride: Record<string, unknown>; claimsToSuppress: string[] };
  access: { claimsToAddOrOverride: Record<string, unknown>; claimsToSuppress: string[]; scopesToAdd: string[]; scopesToSuppress: string[] };
  groups: GroupConfiguration | undefined;
}

const groupOverrideSchema = z.strictObject({
  groupsToOverride: unset(z.array(z.string())),
  iamRolesToOverride: unset(z.array(z.string())),
  preferredRole: unset(z.string()),
});

/** Absent: leave groups as they are. Null or `{}`: suppress them. Otherwise: replace them. */
function groupsOf(details: z.output<typeof groupOverrideSchema> | null | undefined): GroupConfiguration | undefined {
  if (details === undefined) return undefined;
  return { groupsToOverride: details?.groupsToOverride ?? [], iamRolesToOverride: details?.iamRolesToOverride ?? [], preferredRole: details?.preferredRole ?? null };
}

const v1Schema = z.strictObject({
  claimsOverrideDetails: unset(
    z.strictObject({
      // V1 claim values are strings (numbers and booleans are read as strings).
      claimsToAddOrOverride: unset(z.record(z.string(), lenientString.nullable())),
      claimsToSuppress: unset(z.array(z.string())),
      groupOverrideDetails: groupOverrideSchema.nullable().optional(),
    }),
  ),
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const jsonValue: z.ZodType<unknown> = z.lazy(() => z.union([scalar, z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]));
/** V2/V3 claim values: strings, numbers, booleans, arrays of those, or JSON objects. */
const v2ClaimValue = z.union([scalar, z.array(scalar), z.record(z.string(), jsonValue)]).nullable();

/** ID token claims Cognito does not let a function fill with an array or an object. */
export const SCALAR_ONLY_ID_CLAIMS = ['email_verified', 'phone_number_verified', 'updated_at', 'address'];

const idClaimsSchema = z.record(z.string(), v2ClaimValue).superRefine((claims, ctx) => {
  for (const name of SCALAR_ONLY_ID_CLAIMS) {
    const value = claims[name];
    if (value !== undefined && value !== null && typeof value === 'object') ctx.addIssue({ code: 'custom', path: [name], message: `${name} must be a string, number or boolean` });
  }
});

const v2Schema = z.strictObject({
  claimsAndScopeOverrideDetails: unset(
    z.strictObject({
      idTokenGeneration: unset(z.strictObject({ claimsToAddOrOverride: unset(idClaimsSchema), claimsToSuppress: unset(z.array(z.string())) })),
      accessTokenGeneration: unset(
        z.strictObject({
          claimsToAddOrOverride: unset(z.record(z.string(), v2ClaimValue)),
          claimsToSuppress: unset(z.array(z.string())),
          scopesToAdd: unset(z.array(z.string())),
          scopesToSuppress: unset(z.array(z.string())),
        }),
      ),
      groupOverrideDetails: groupOverrideSchema.nullable().optional(),
    }),
  ),
});

/** A null claim value sets nothing: the entry is dropped. */
function withoutNulls(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims ?? {})) if (value !== null) setClaim(out, name, value);
  return out;
}

/**
 * Reads a pre token generation response in the shape of the configured version: V1_0
 * `claimsOverrideDetails` (ID token only), V2_0/V3_0 `claimsAndScopeOverrideDetails`. A response in
 * the other version's shape, or with values of types the version does not allow, is unreadable.
 */
export function readPreTokenGenerationResponse(response: Record<string, unknown>, version: PreTokenGenerationVersion): TokenOverride {
  if (version === 'V1_0') {
    const d = readWith(v1Schema, response).claimsOverrideDetails;
    return {
      id: { claimsToAddOrOverride: withoutNulls(d?.claimsToAddOrOverride), claimsToSuppress: d?.claimsToSuppress ?? [] },
      access: { claimsToAddOrOverride: {}, claimsToSuppress: [], scopesToAdd: [], scopesToSuppress: [] },
      groups: groupsOf(d?.groupOverrideDetails),
    };
  }
  const d = readWith(v2Schema, response).claimsAndScopeOverrideDetails;
  const id = d?.idTokenGeneration;
  const access = d?.accessTokenGeneration;
  return {
    id: { claimsToAddOrOverride: withoutNulls(id?.claimsToAddOrOverride), claimsToSuppress: id?.claimsToSuppress ?? [] },
    access: {
      claimsToAddOrOverride: withoutNulls(access?.claimsToAddOrOverride),
      claimsToSuppress: access?.claimsToSuppress ?? [],
      scopesToAdd: access?.scopesToAdd ?? [],
      scopesToSuppress: access?.scopesToSuppress ?? [],
    },
    groups: groupsOf(d?.groupOverrideDetails),
  };
}
