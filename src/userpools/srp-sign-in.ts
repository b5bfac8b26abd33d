import { createHmac } from 'node:crypto';
import { sha256Hex } from '../crypto/constant-time.ts';
import { createVerifier, parseClientPublic, parseTimestamp, serverEphemeral, verifyPasswordClaim } from '../crypto/srp.ts';
import { InvalidParameterException, NotAuthorizedException, UserNotFoundException } from '../errors.ts';
import { ServerSecretRepository } from '../store/repositories/server-secrets.ts';
import { SrpExchangeRepository } from '../store/repositories/srp-exchanges.ts';
import { type BruteForceGuard, guardSubject } from './brute-force.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool, UserPoolClient } from './model.ts';
import { srpPoolName } from './password-credentials.ts';
import { assertSecretHash } from './secret-hash.ts';
import type { UserDirectory } from './user-directory.ts';

const INCORRECT = 'Incorrect username or password.';
/** How far a claim's TIMESTAMP may be from the server's clock, either way. */
const TIMESTAMP_SKEW_MS = 5 * 60_000;

export interface PasswordVerifierChallenge {
  ChallengeName: 'PASSWORD_VERIFIER';
  ChallengeParameters: Record<string, string>;
}

/**
 * USER_SRP_AUTH: InitiateAuth answers the PASSWORD_VERIFIER challenge, and its answer proves the
 * password without sending it. The pending exchange (the server's secret b) is kept in the
 * database under the hash of SECRET_BLOCK, which clients echo back, and is used once.
 * Unknown users and users without a verifier get a decoy exchange that fails like a wrong
 * password, with a salt that is stable per name, so neither answer nor salt reveals who exists.
 */
export class SrpSignIn {
  private decoySecret: Promise<string> | undefined;
  private readonly exchanges: SrpExchangeRepository;

  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
    private readonly guard: BruteForceGuard,
    /** Authentication's PreAuthentication trigger step, shared by both password flows. */
    private readonly preAuthentication: (pool: UserPool, client: UserPoolClient, user: User | undefined, typedName: string) => Promise<void>,
  ) {
    this.exchanges = new SrpExchangeRepository(d.db);
  }

  async start(pool: UserPool, client: UserPoolClient, params: Record<string, string>): Promise<PasswordVerifierChallenge> {
    const typedName = params.USERNAME;
    if (!typedName) throw new InvalidParameterException('Missing required parameter USERNAME');
    if (!params.SRP_A) throw new InvalidParameterException('Missing required parameter SRP_A');
    assertSecretHash(client, typedName, params.SECRET_HASH);
    const A = parseClientPublic(params.SRP_A);
    if (A === undefined) throw new InvalidParameterException('SRP_A is not a valid SRP public value.');
    const user = await this.directory.findBySignInName(pool, typedName);
    await this.guard.assertNotLocked(pool.id, guardSubject(user, typedName));
    if (!user && client.settings.PreventUserExistenceErrors === 'LEGACY') throw new UserNotFoundException('User does not exist.');
    await this.preAuthentication(pool, client, user, typedName);
    const userIdForSrp = user?.username ?? typedName;
    // Made for every sign-in, used only without a real verifier: both paths cost the same.
    const decoy = await this.decoy(pool, typedName);
    const stored = user?.srp ?? decoy;
    const ephemeral = serverEphemeral(stored.verifier, (n) => this.d.random.bytes(n));
    const secretBlock = this.d.random.bytes(512).toString('base64');
    const now = this.d.clock.now();
    await this.exchanges.insert(sha256Hex(secretBlock), {
      poolId: pool.id,
      clientId: client.clientId,
      userId: user?.id ?? null,
      a: A.toString(16),
      b: ephemeral.b.toString(16),
      B: ephemeral.B.toString(16),
      verifier: stored.verifier,
      typedName,
      userIdForSrp,
      createdAt: now,
      expiresAt: now + client.settings.AuthSessionValidity * 60_000,
    });
    return {
      ChallengeName: 'PASSWORD_VERIFIER',
      ChallengeParameters: { SALT: stored.salt, SRP_B: ephemeral.B.toString(16), SECRET_BLOCK: secretBlock, USERNAME: userIdForSrp, USER_ID_FOR_SRP: userIdForSrp },
    };
  }

  /** Checks the PASSWORD_VERIFIER answer; resolves with the user whose password it proves. */
  async finish(pool: UserPool, client: UserPoolClient, responses: Record<string, string>): Promise<User> {
    for (const name of ['USERNAME', 'PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE', 'TIMESTAMP']) {
      if (!responses[name]) throw new InvalidParameterException(`Missing required parameter ${name}`);
    }
    const claimedAt = parseTimestamp(responses.TIMESTAMP!);
    if (claimedAt === undefined) throw new InvalidParameterException('TIMESTAMP is not in the format "EEE MMM d HH:mm:ss UTC yyyy".');
    if (Math.abs(claimedAt - this.d.clock.now()) > TIMESTAMP_SKEW_MS) throw new NotAuthorizedException('TIMESTAMP is more than five minutes away from the server time.');
    // Taken out whatever happens next: a secret block is good for one answer.
    const pending = await this.exchanges.take(sha256Hex(responses.PASSWORD_CLAIM_SECRET_BLOCK!));
    if (!pending || pending.poolId !== pool.id || pending.clientId !== client.clientId) throw new NotAuthorizedException('Invalid session for the user.');
    if (pending.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Invalid session for the user, session is expired.');
    const { a, b, B, typedName, userIdForSrp, verifier } = pending;
    // Clients hash the secret with the USERNAME they answer with (USER_ID_FOR_SRP), or some
    // (pycognito) with the name typed at InitiateAuth; both name this user.
    try {
      assertSecretHash(client, responses.USERNAME!, responses.SECRET_HASH);
    } catch (e) {
      if (responses.USERNAME === typedName) throw e;
      assertSecretHash(client, typedName, responses.SECRET_HASH);
    }
    const user = pending.userId !== null ? await this.d.users.findById(pending.userId) : undefined;
    const subjectKey = guardSubject(user, typedName);
    const { hasFailures } = await this.guard.assertNotLocked(pool.id, subjectKey);
    // The claim is checked against the verifier the challenge was made with, real or decoy, so a
    // decoy costs the same work and an answer to it the same time as a wrong password.
    const claimValid = verifyPasswordClaim({
      poolName: srpPoolName(pool.id),
      userIdForSrp,
      verifier,
      A: BigInt(`0x${a}`),
      ephemeral: { b: BigInt(`0x${b}`), B: BigInt(`0x${B}`) },
      secretBlock: Buffer.from(responses.PASSWORD_CLAIM_SECRET_BLOCK!, 'base64'),
      timestamp: responses.TIMESTAMP!,
      signature: responses.PASSWORD_CLAIM_SIGNATURE!,
    });
    // The answer must name the user the challenge was for (by USER_ID_FOR_SRP or the name typed),
    // whose verifier must still be the one the exchange used (a password change ends it).
    const named = responses.USERNAME === userIdForSrp || responses.USERNAME === typedName;
    const proven = claimValid && named && user !== undefined && user.srp?.verifier === verifier;
    if (!proven || !user) {
      await this.guard.recordFailure(pool.id, subjectKey);
      throw new NotAuthorizedException(INCORRECT);
    }
    if (hasFailures) await this.guard.recordSuccess(pool.id, subjectKey);
    return user;
  }

  /** A verifier for nobody's password, with a salt derived from the name so it is the same on every try. */
  private async decoy(pool: UserPool, typedName: string) {
    this.decoySecret ??= new ServerSecretRepository(this.d.db).getOrCreate('srp-decoy', () => this.d.random.bytes(32).toString('base64url'), this.d.clock.now());
    const salt = createHmac('sha256', await this.decoySecret).update(`${pool.id}\u0000${typedName.toLowerCase()}`).digest().subarray(0, 16);
    return createVerifier(srpPoolName(pool.id), typedName, this.d.random.bytes(32).toString('base64url'), salt);
  }
}
