import { TesseraError } from '../../errors.ts';

/** Verified Permissions' errors. Names equal AVP's wire codes; statuses are the model's. */

export class ValidationException extends TesseraError {
  constructor(message: string, fieldList?: Array<{ path: string; message: string }>) {
    super(message, fieldList && { fields: { fieldList } });
  }
}

export type AvpResourceType = 'POLICY_STORE' | 'POLICY' | 'POLICY_TEMPLATE' | 'IDENTITY_SOURCE' | 'SCHEMA';

export class ResourceNotFoundException extends TesseraError {
  override readonly status: number = 404;
  constructor(resourceType: AvpResourceType, resourceId: string, message?: string) {
    super(message ?? `${describe(resourceType)} ${resourceId} does not exist.`, { fields: { resourceId, resourceType } });
  }
}

export class ConflictException extends TesseraError {
  override readonly status: number = 409;
}

export class ServiceQuotaExceededException extends TesseraError {
  override readonly status: number = 402;
  constructor(resourceType: AvpResourceType, message: string) {
    super(message, { fields: { resourceType } });
  }
}

/** The resource is in a state that forbids the operation (e.g. a store with deletion protection). */
export class InvalidStateException extends TesseraError {
  override readonly status: number = 406;
}

function describe(type: AvpResourceType): string {
  return { POLICY_STORE: 'Policy store', POLICY: 'Policy', POLICY_TEMPLATE: 'Policy template', IDENTITY_SOURCE: 'Identity source', SCHEMA: 'Schema for policy store' }[type];
}
