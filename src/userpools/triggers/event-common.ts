import type { User, UserPool } from '../model.ts';

export type StringMap = Record<string, string>;

/** Who and where a trigger fires for: the common fields of every Cognito trigger event. */
export interface TriggerCaller {
  region: string;
  userPoolId: string;
  /** The username (for UserMigration: the name the user typed). */
  userName: string;
  /** The app client, or CLIENT_ID_NOT_APPLICABLE for admin operations that name none (AdminCreateUser). */
  clientId: string;
  /** `aws-sdk-js-3.654.0`…; see awsSdkVersionOf. Defaults to Cognito's `aws-sdk-unknown-unknown`. */
  awsSdkVersion?: string;
}

/** Cognito's callerContext.clientId when the operation has no app client (AdminCreateUser). */
export const CLIENT_ID_NOT_APPLICABLE = 'CLIENT_ID_NOT_APPLICABLE';
/** Cognito's callerContext.awsSdkVersion when the caller is not a recognizable AWS SDK. */
export const UNKNOWN_SDK_VERSION = 'aws-sdk-unknown-unknown';

export interface TriggerEvent<Source extends string = string, Request = Record<string, unknown>, Response = Record<string, unknown>> {
  version: string;
  triggerSource: Source;
  region: string;
  userPoolId: string;
  userName: string;
  callerContext: { awsSdkVersion: string; clientId: string };
  request: Request;
  response: Response;
}

export function baseEvent<Source extends string>(caller: TriggerCaller, triggerSource: Source, version = '1') {
  return {
    version,
    triggerSource,
    region: caller.region,
    userPoolId: caller.userPoolId,
    userName: caller.userName,
    callerContext: { awsSdkVersion: caller.awsSdkVersion ?? UNKNOWN_SDK_VERSION, clientId: caller.clientId },
  };
}

/**
 * callerContext.awsSdkVersion from a caller's User-Agent (or X-Amz-User-Agent): `aws-sdk-js/3.654.0 …`
 * becomes `aws-sdk-js-3.654.0`; anything else is Cognito's `aws-sdk-unknown-unknown`.
 */
export function awsSdkVersionOf(userAgent: string | undefined): string {
  const match = /(?:^|\s)(aws-sdk-[a-z0-9-]+)\/([0-9][\w.-]*)/i.exec(userAgent ?? '');
  return match ? `${match[1]!.toLowerCase()}-${match[2]}` : UNKNOWN_SDK_VERSION;
}

/**
 * A stored user's attributes as Cognito puts them in `request.userAttributes`: every attribute as a
 * string (including `sub`), `cognito:user_status`, and `cognito:email_alias` /
 * `cognito:phone_number_alias` when that verified attribute signs the user in as an alias.
 */
export function triggerUserAttributes(user: User, pool?: UserPool): StringMap {
  const out: StringMap = { ...user.attributes, sub: user.id, 'cognito:user_status': user.status };
  for (const alias of ['email', 'phone_number'] as const) {
    const value = user.attributes[alias];
    if (value && user.attributes[`${alias}_verified`] === 'true' && pool?.settings.AliasAttributes?.includes(alias)) out[`cognito:${alias}_alias`] = value;
  }
  return out;
}

/** clientMetadata appears in a request only when the caller sent ClientMetadata. */
export function withClientMetadata<T extends object>(request: T, clientMetadata: StringMap | undefined): T & { clientMetadata?: StringMap } {
  return clientMetadata === undefined ? request : { ...request, clientMetadata };
}

/** userNotFound appears only when the app client has PreventUserExistenceErrors ENABLED. */
export function withUserNotFound<T extends object>(request: T, userNotFound: boolean | undefined): T & { userNotFound?: boolean } {
  return userNotFound === undefined ? request : { ...request, userNotFound };
}
