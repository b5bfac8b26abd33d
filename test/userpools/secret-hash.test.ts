import { describe, expect, it } from 'vitest';
import type { UserPoolClient } from '../../src/userpools/model.ts';
import { assertSecretHash, computeSecretHash } from '../../src/userpools/secret-hash.ts';

const client = (secret: string | null) => ({ clientId: 'client1', secret }) as UserPoolClient;

describe('SECRET_HASH', () => {
  it('is Base64(HMAC-SHA256(secret, username + client id)) as Cognito documents it', () => {
    // Computed independently: printf 'aliceclient1' | openssl dgst -sha256 -hmac s3cret -binary | base64
    expect(computeSecretHash('s3cret', 'alice', 'client1')).toBe('OLH8A5YiDq5WyVbgkLVAtm0hdL7P1QQ+z61K3T8oAEk=');
  });

  it('is not needed for a client without a secret', () => {
    expect(() => assertSecretHash(client(null), 'alice', undefined)).not.toThrow();
  });

  it('is required for a client with a secret', () => {
    expect(() => assertSecretHash(client('s3cret'), 'alice', undefined)).toThrow(
      expect.objectContaining({ name: 'NotAuthorizedException', message: 'Client client1 is configured with secret but SECRET_HASH was not received' }),
    );
  });

  it('must be made for the same username', () => {
    const hash = computeSecretHash('s3cret', 'alice', 'client1');
    expect(() => assertSecretHash(client('s3cret'), 'alice', hash)).not.toThrow();
    expect(() => assertSecretHash(client('s3cret'), 'mallory', hash)).toThrow(expect.objectContaining({ message: 'Unable to verify secret hash for client client1' }));
  });
});
