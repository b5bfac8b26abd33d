/** Why an RBAC call failed; the Permit adapter words each in Permit's own shape. */
export type RbacErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unauthorized';

export class RbacError extends Error {
  constructor(
    readonly kind: RbacErrorKind,
    message: string,
    /** For `invalid`: the body field at fault, as a path. */
    readonly field?: Array<string | number>,
  ) {
    super(message);
    this.name = 'RbacError';
  }
}

export const notFound = (what: string, key: string) => new RbacError('not_found', `${what} '${key}' was not found`);
export const conflict = (what: string, key: string) => new RbacError('conflict', `${what} '${key}' already exists`);
export const invalid = (message: string, field?: Array<string | number>) => new RbacError('invalid', message, field);
