import type { ResourceNotFoundException, VerifiedPermissionsServiceException } from '@aws-sdk/client-verifiedpermissions';
import { expect } from 'vitest';
import { expectError } from './expect-error.ts';

/** The call fails with this Verified Permissions exception, HTTP status and (optionally) message. */
export async function expectAvpError(call: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<VerifiedPermissionsServiceException> {
  const error = (await expectError(call, name, message)) as VerifiedPermissionsServiceException;
  expect(error.$metadata.httpStatusCode, `${name} status`).toBe(status);
  expect(error.message.length, 'an error carries a message').toBeGreaterThan(0);
  return error;
}

/** The call fails with ResourceNotFoundException naming the missing resource. */
export async function expectNotFound(call: Promise<unknown>, resourceType: string, resourceId: string): Promise<void> {
  const error = (await expectAvpError(call, 'ResourceNotFoundException', 404)) as ResourceNotFoundException;
  expect(error.resourceType).toBe(resourceType);
  expect(error.resourceId).toBe(resourceId);
}
