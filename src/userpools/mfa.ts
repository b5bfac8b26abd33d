import { createCipheriv, createDecipheriv } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { CodeMismatchException, EnableSoftwareTokenMFAException, InvalidParameterException, SoftwareTokenMFANotFoundException } from '../errors.ts';
import { ServerSecretRepository } from '../store/repositories/server-secrets.ts';
import { type UserMfa, UserMfaRepository } from '../store/repositories/user-mfa.ts';
import type { BruteForceGuard } from './brute-force.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool, UserPoolSettings } from './model.ts';
import type { UserDirectory } from './user-directory.ts';

/** What a user with a correct password still owes, if anything, before tokens. */
export type MfaRequirement = 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP' | undefined;

export interface PoolMfaConfig {
  MfaConfiguration: UserPoolSettings['MfaConfiguration'];
  SoftwareTokenMfaConfiguration: { Enabled: boolean };
}

/**
 * Wrong codes are counted apart from wrong passwords: a correct password (which clears the password
 * count) must not clear them, or whoever has the password could guess codes without end.
 */
const mfaSubject = (user: User) => `mfa:${user.id}`;

/** RFC 6238 as authenticator apps do it: SHA-1, 30-second steps, 6 digits; a step either side is accepted for clock drift. */
const TOTP_PERIOD_S = 30;
const TOTP_WINDOW = 1;

/**
 * Software-token (TOTP) multi-factor authentication: pool settings, enrolment
 * (AssociateSoftwareToken, VerifySoftwareToken), preferences, and the checks of a code at
 * sign-in. Secrets are sealed at rest with a server key (AES-256-GCM); a code is good once (the
 * last used step is kept) and wrong codes count toward the user's brute-force lock.
 */
export class Mfa {
  private readonly repo: UserMfaRepository;
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly d: UserPoolDeps,
    private readonly guard: BruteForceGuard,
    private readonly directory: UserDirectory,
  ) {
    this.repo = new UserMfaRepository(d.db);
  }

  poolConfig(pool: UserPool): PoolMfaConfig {
    return { MfaConfiguration: pool.settings.MfaConfiguration, SoftwareTokenMfaConfiguration: { Enabled: pool.settings.SoftwareTokenMfaConfiguration?.Enabled ?? false } };
  }

  /** SetUserPoolMfaConfig: MFA ON or OPTIONAL needs a factor to be on (only the software token is offered here). */
  async setPoolConfig(pool: UserPool, input: { MfaConfiguration?: UserPoolSettings['MfaConfiguration']; SoftwareTokenMfaConfiguration?: { Enabled?: boolean } }): Promise<PoolMfaConfig> {
    const totp = input.SoftwareTokenMfaConfiguration?.Enabled ?? pool.settings.SoftwareTokenMfaConfiguration?.Enabled ?? false;
    const mode = input.MfaConfiguration ?? pool.settings.MfaConfiguration;
    if (mode !== 'OFF' && !totp) throw new InvalidParameterException('At least one MFA method must be enabled to set MfaConfiguration to ON or OPTIONAL.');
    pool.settings = { ...pool.settings, MfaConfiguration: mode, SoftwareTokenMfaConfiguration: { Enabled: totp } };
    pool.updatedAt = this.d.clock.now();
    await this.d.pools.update(pool);
    this.directory.forget({ poolId: pool.id });
    return this.poolConfig(pool);
  }

  async settingsOf(userId: string): Promise<{ enabled: Array<'SOFTWARE_TOKEN_MFA'>; preferred?: 'SOFTWARE_TOKEN_MFA' }> {
    const m = await this.repo.get(userId);
    return { enabled: m.totp?.enabled ? ['SOFTWARE_TOKEN_MFA'] : [], ...(m.preferred && m.totp?.enabled && { preferred: m.preferred }) };
  }

  async requirement(pool: UserPool, user: User): Promise<MfaRequirement> {
    const config = this.poolConfig(pool);
    if (config.MfaConfiguration === 'OFF' || !config.SoftwareTokenMfaConfiguration.Enabled) return undefined;
    const m = await this.repo.get(user.id);
    if (m.totp?.enabled) return 'SOFTWARE_TOKEN_MFA';
    return config.MfaConfiguration === 'ON' ? 'MFA_SETUP' : undefined;
  }

  /** AssociateSoftwareToken: a fresh secret for the user, pending until a code proves the app has it. */
  async associate(user: User): Promise<string> {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const m = await this.repo.get(user.id);
    await this.repo.put(user.id, { ...m, pendingSecret: await this.seal(secret) }, this.d.clock.now());
    return secret;
  }

  /**
   * VerifySoftwareToken: the pending secret becomes the user's token if the code matches. During
   * MFA_SETUP (required MFA) it is enabled and preferred at once; otherwise SetUserMFAPreference does that.
   */
  async verify(pool: UserPool, user: User, code: string, friendlyName: string | undefined, enable: boolean): Promise<void> {
    const m = await this.repo.get(user.id);
    if (!m.pendingSecret) throw new InvalidParameterException('No software token to verify: call AssociateSoftwareToken first.');
    const subject = mfaSubject(user);
    await this.guard.assertNotLocked(pool.id, subject);
    const step = this.matchingStep(await this.open(m.pendingSecret), code);
    if (step === undefined) {
      await this.guard.recordFailure(pool.id, subject);
      throw new EnableSoftwareTokenMFAException('Code mismatch and fail enable Software Token MFA');
    }
    const { pendingSecret, ...rest } = m;
    const totp = { secret: pendingSecret, verified: true, enabled: enable || (m.totp?.enabled ?? false), lastStep: step, ...(friendlyName && { friendlyName }) };
    await this.repo.put(user.id, { ...rest, totp, ...(enable && { preferred: 'SOFTWARE_TOKEN_MFA' as const }) }, this.d.clock.now());
  }

  /** SetUserMFAPreference / AdminSetUserMFAPreference for the software token. */
  async setPreference(user: User, settings: { Enabled?: boolean; PreferredMfa?: boolean } | undefined): Promise<void> {
    if (!settings) return;
    const m = await this.repo.get(user.id);
    if (settings.Enabled === true || settings.PreferredMfa === true) {
      if (!m.totp?.verified) throw new SoftwareTokenMFANotFoundException('Software Token MFA has not been enabled by the user.');
    }
    if (!m.totp) return;
    const enabled = settings.Enabled ?? m.totp.enabled;
    const next: UserMfa = { ...m, totp: { ...m.totp, enabled } };
    if (settings.PreferredMfa === true && enabled) next.preferred = 'SOFTWARE_TOKEN_MFA';
    if (settings.PreferredMfa === false || !enabled) delete next.preferred;
    await this.repo.put(user.id, next, this.d.clock.now());
  }

  /** Checks a sign-in code: right window, not used before; a wrong one counts toward the lock. */
  async checkSignInCode(pool: UserPool, user: User, code: string | undefined): Promise<void> {
    const subject = mfaSubject(user);
    const { hasFailures } = await this.guard.assertNotLocked(pool.id, subject);
    const m = await this.repo.get(user.id);
    const step = m.totp?.enabled && code ? this.matchingStep(await this.open(m.totp.secret), code) : undefined;
    // A code whose step was already used is a replay, however valid it looks.
    if (step === undefined || (m.totp!.lastStep !== undefined && step <= m.totp!.lastStep)) {
      await this.guard.recordFailure(pool.id, subject);
      throw new CodeMismatchException('Invalid code received for user');
    }
    await this.repo.put(user.id, { ...m, totp: { ...m.totp!, lastStep: step } }, this.d.clock.now());
    if (hasFailures) await this.guard.recordSuccess(pool.id, subject);
  }

  /** The time step a 6-digit code belongs to, within the drift window, or undefined. */
  private matchingStep(secret: string, code: string): number | undefined {
    if (!/^[0-9]{6}$/.test(code)) return undefined;
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S });
    const now = this.d.clock.now();
    const delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
    return delta === null ? undefined : Math.floor(now / 1000 / TOTP_PERIOD_S) + delta;
  }

  private mfaKey(): Promise<Buffer> {
    this.key ??= new ServerSecretRepository(this.d.db).getOrCreate('mfa-key', () => this.d.random.bytes(32).toString('base64url'), this.d.clock.now()).then((k) => Buffer.from(k, 'base64url'));
    return this.key;
  }

  private async seal(secret: string): Promise<string> {
    const iv = this.d.random.bytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.mfaKey(), iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  private async open(sealed: string): Promise<string> {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', await this.mfaKey(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
