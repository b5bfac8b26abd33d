import { createPrivateKey, createPublicKey, generateKeyPair, type JsonWebKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { KeyPurpose, SigningKeyRepository, StoredSigningKey } from '../store/repositories/signing-keys.ts';
import type { Clock } from '../util/clock.ts';

const generateRsa = promisify(generateKeyPair);

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

export type PublicJwk = JWK & { kid: string; alg: 'RS256'; use: 'sig'; kty: 'RSA' };

interface PoolKeys {
  loadedAt: number;
  active: Map<KeyPurpose, SigningKey>;
  verification: Map<string, { purpose: KeyPurpose; key: KeyObject }>;
  jwks: PublicJwk[];
}

// Other instances may rotate keys; after this long a process looks at the database again.
const CACHE_TTL_MS = 60_000;

/**
 * RS256 signing keys per pool and purpose (ID and access tokens use different keys, as Cognito's
 * do). The database is the source of truth; this keeps a short-lived cache so signing and
 * verifying cost no query.
 */
export class KeyRing {
  private readonly pools = new Map<string, PoolKeys>();
  private readonly loading = new Map<string, Promise<PoolKeys>>();

  constructor(
    private readonly repo: SigningKeyRepository,
    private readonly clock: Clock,
  ) {}

  async signingKey(poolId: string, purpose: KeyPurpose): Promise<SigningKey> {
    let keys = await this.keys(poolId);
    let active = keys.active.get(purpose);
    if (!active) {
      await this.create(poolId, purpose);
      keys = await this.keys(poolId, true);
      active = keys.active.get(purpose);
      if (!active) throw new Error('signing key creation did not produce an active key');
    }
    return active;
  }

  /** The public key for a `kid`, or undefined when the pool never had (or no longer publishes) it. */
  async verificationKey(poolId: string, kid: string): Promise<{ purpose: KeyPurpose; key: KeyObject } | undefined> {
    const keys = await this.keys(poolId);
    const found = keys.verification.get(kid);
    if (found || this.clock.now() - keys.loadedAt < 1_000) return found;
    // An unknown kid may come from a key another instance just created: look once more.
    return (await this.keys(poolId, true)).verification.get(kid);
  }

  async jwks(poolId: string): Promise<{ keys: PublicJwk[] }> {
    const keys = await this.keys(poolId);
    if (keys.active.size < 2) {
      await this.signingKey(poolId, 'id');
      await this.signingKey(poolId, 'access');
      return { keys: (await this.keys(poolId)).jwks };
    }
    return { keys: keys.jwks };
  }

  /**
   * Starts new keys for both purposes. The old ones stay published for `keepOldForMs` (the longest
   * token validity of the pool's clients) so tokens they signed keep verifying until they expire.
   */
  async rotate(poolId: string, keepOldForMs: number): Promise<void> {
    const now = this.clock.now();
    for (const purpose of ['id', 'access'] as const) {
      await this.repo.retireActive(poolId, purpose, now, now + keepOldForMs);
      await this.create(poolId, purpose);
    }
    this.pools.delete(poolId);
  }

  forget(poolId: string): void {
    this.pools.delete(poolId);
  }

  private async create(poolId: string, purpose: KeyPurpose): Promise<void> {
    const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
    const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const stored: StoredSigningKey = {
      kid,
      poolId,
      purpose,
      privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: 'RS256', use: 'sig' }),
      createdAt: this.clock.now(),
      retiredAt: null,
      expiresAt: null,
    };
    await this.repo.insert(stored);
  }

  private async keys(poolId: string, reload = false): Promise<PoolKeys> {
    const cached = this.pools.get(poolId);
    if (cached && !reload && this.clock.now() - cached.loadedAt < CACHE_TTL_MS) return cached;
    let pending = this.loading.get(poolId);
    if (!pending) {
      pending = this.load(poolId).finally(() => this.loading.delete(poolId));
      this.loading.set(poolId, pending);
    }
    const keys = await pending;
    this.pools.set(poolId, keys);
    return keys;
  }

  private async load(poolId: string): Promise<PoolKeys> {
    const now = this.clock.now();
    const stored = await this.repo.published(poolId, now);
    const active = new Map<KeyPurpose, SigningKey>();
    const verification = new Map<string, { purpose: KeyPurpose; key: KeyObject }>();
    const jwks: PublicJwk[] = [];
    for (const k of stored) {
      const publicJwk = JSON.parse(k.publicJwk) as PublicJwk;
      verification.set(k.kid, { purpose: k.purpose, key: createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' }) });
      jwks.push(publicJwk);
      // Rows come oldest first, so the newest unretired key of a purpose wins.
      if (k.retiredAt === null) active.set(k.purpose, { kid: k.kid, privateKey: createPrivateKey({ key: JSON.parse(k.privateJwk) as JsonWebKey, format: 'jwk' }) });
    }
    return { loadedAt: now, active, verification, jwks };
  }
}
