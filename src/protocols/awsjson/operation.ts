import type { z } from 'zod';

/** Who may call an operation: SigV4-signed admins, or anyone (the body then carries its own proof). */
export type OperationAuth = 'sigv4' | 'none';

export interface CallContext {
  /** Access key id of a verified SigV4 signature, for `sigv4` operations. */
  accessKeyId?: string;
  sourceIp: string;
}

export interface Operation<S extends z.ZodType = z.ZodType> {
  auth: OperationAuth;
  input: S;
  handler(input: z.infer<S>, ctx: CallContext): Promise<object | void>;
}

/** One AWS service's operations, by the name after the dot in `X-Amz-Target`. */
export interface ServiceTable {
  /** `AWSCognitoIdentityProviderService`, the prefix of `X-Amz-Target`. */
  targetPrefix: string;
  /** SigV4 signing name, e.g. `cognito-idp`. */
  signingName: string;
  /** `1.0` or `1.1`: the `application/x-amz-json-*` content type of responses. */
  jsonVersion: '1.0' | '1.1';
  /** The exception a request failing its input constraints gets (`InvalidParameterException` if unset). */
  validationError?: string;
  /** Parse integers beyond 2^53 exactly (as `JSON.rawJSON` values), for services carrying 64-bit values. */
  losslessIntegers?: boolean;
  /**
   * Let U+0000 through (Cedar allows it in ids and strings). Without this, any NUL is refused up front;
   * a service that allows it must refuse it itself in whatever it stores (PostgreSQL cannot hold it).
   */
  allowNul?: boolean;
  operations: Record<string, Operation>;
}

/** Declares an operation with its input type inferred from its schema. */
export function op<S extends z.ZodType>(auth: OperationAuth, input: S, handler: (input: z.infer<S>, ctx: CallContext) => Promise<object | void>): Operation {
  return { auth, input, handler } as Operation;
}
