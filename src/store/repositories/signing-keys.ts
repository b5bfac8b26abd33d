import type { Kysely } from 'kysely';
import type { Database, SigningKeyTable } from '../schema.ts';

export type KeyPurpose = 'id' | 'access';

export interface StoredSigningKey {
  kid: string;
  poolId: string;
  purpose: KeyPurpose;
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
}

function toKey(r: SigningKeyTable): StoredSigningKey {
  return {
    kid: r.kid,
    poolId: r.pool_id,
    purpose: r.purpose as KeyPurpose,
    privateJwk: r.private_jwk,
    publicJwk: r.public_jwk,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    expiresAt: r.expires_at,
  };
}

/** A pool's RSA signing keys: one active per purpose, retired ones kept until their tokens expire. */
export class SigningKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(k: StoredSigningKey): Promise<void> {
    await this.db
      .insertInto('signing_keys')
      .values({
        kid: k.kid,
        pool_id: k.poolId,
        purpose: k.purpose,
        private_jwk: k.privateJwk,
        public_jwk: k.publicJwk,
        created_at: k.createdAt,
        retired_at: k.retiredAt,
        expires_at: k.expiresAt,
      })
      .execute();
  }

  /** Keys still published: active ones and retired ones not yet expired. */
  async published(poolId: string, now: number): Promise<StoredSigningKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('pool_id', '=', poolId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at')
      .execute();
    return rows.map(toKey);
  }

  async retireActive(poolId: string, purpose: KeyPurpose, at: number, expiresAt: number): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ retired_at: at, expires_at: expiresAt })
      .where('pool_id', '=', poolId)
      .where('purpose', '=', purpose)
      .where('retired_at', 'is', null)
      .execute();
  }
}
