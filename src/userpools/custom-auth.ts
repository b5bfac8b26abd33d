import { sha256Hex } from '../crypto/constant-time.ts';
import { InvalidParameterException, NotAuthorizedException } from '../errors.ts';
import { type CustomAuthSession, CustomAuthSessionRepository } from '../store/repositories/custom-auth-sessions.ts';
import { type BruteForceGuard, guardSubject } from './brute-force.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool, UserPoolClient } from './model.ts';
import { assertSecretHash } from './secret-hash.ts';
import { triggerUserAttributes } from './triggers/event-common.ts';
import type { UserDirectory } from './user-directory.ts';

const INCORRECT = 'Incorrect username or password.';
/** Rounds of challenges one sign-in may go through before it is ended. */
const MAX_ROUNDS = 10;

/** What a step of CUSTOM_AUTH comes to: the user has signed in, or another challenge is due. */
export type CustomAuthStep = { user: User } | { ChallengeName: 'CUSTOM_CHALLENGE'; ChallengeParameters: Record<string, string>; Session: string };

/**
 * CUSTOM_AUTH: the pool's DefineAuthChallenge trigger decides, round by round, whether to fail,
 * issue tokens or ask a CUSTOM_CHALLENGE (made by CreateAuthChallenge, checked by
 * VerifyAuthChallengeResponse). The private parameters of a pending challenge stay server-side
 * under the hash of the Session, and each Session is answered once. Wrong answers count toward the
 * user's lock. Challenges other than CUSTOM_CHALLENGE (SRP first, for instance) are not offered.
 */
export class CustomAuth {
  private readonly sessions: CustomAuthSessionRepository;

  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
    private readonly guard: BruteForceGuard,
  ) {
    this.sessions = new CustomAuthSessionRepository(d.db);
  }

  async start(pool: UserPool, client: UserPoolClient, params: Record<string, string>, clientMetadata?: Record<string, string>): Promise<CustomAuthStep> {
    const typedName = params.USERNAME;
    if (!typedName) throw new InvalidParameterException('Missing required parameter USERNAME');
    assertSecretHash(client, typedName, params.SECRET_HASH);
    if (!this.d.triggers?.has(pool, 'DefineAuthChallenge') || !this.d.triggers.has(pool, 'CreateAuthChallenge') || !this.d.triggers.has(pool, 'VerifyAuthChallengeResponse')) {
      throw new InvalidParameterException('Custom auth lambda trigger is not configured for the user pool.');
    }
    const user = await this.directory.findBySignInName(pool, typedName);
    await this.guard.assertNotLocked(pool.id, guardSubject(user, typedName));
    // Unknown and disabled users fail as a wrong password would, without running the triggers.
    if (!user || !user.enabled) throw new NotAuthorizedException(user ? 'User is disabled.' : INCORRECT);
    return this.round(pool, client, user, [], clientMetadata);
  }

  async answer(pool: UserPool, client: UserPoolClient, session: string | undefined, responses: Record<string, string>, clientMetadata?: Record<string, string>): Promise<CustomAuthStep> {
    if (!session) throw new InvalidParameterException('Missing required parameter Session');
    if (!responses.USERNAME) throw new InvalidParameterException('Missing required parameter USERNAME');
    if (responses.ANSWER === undefined) throw new InvalidParameterException('Missing required parameter ANSWER');
    assertSecretHash(client, responses.USERNAME, responses.SECRET_HASH);
    const pending = await this.sessions.take(sha256Hex(session));
    if (!pending || pending.poolId !== pool.id || pending.clientId !== client.clientId) throw new NotAuthorizedException('Invalid session for the user.');
    if (pending.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Invalid session for the user, session is expired.');
    const user = await this.d.users.findById(pending.userId);
    const named = user && (responses.USERNAME === user.username || (await this.directory.findBySignInName(pool, responses.USERNAME))?.id === user.id);
    if (!user || !named) throw new NotAuthorizedException('Invalid session for the user.');
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    const subject = guardSubject(user, responses.USERNAME);
    await this.guard.assertNotLocked(pool.id, subject);
    const correct =
      (await this.d.triggers!.verifyAuthChallengeResponse(pool, this.call(user, client), {
        userAttributes: triggerUserAttributes(user, pool),
        privateChallengeParameters: pending.privateChallengeParameters,
        challengeAnswer: responses.ANSWER,
        ...(clientMetadata && { clientMetadata }),
      })) ?? false;
    if (!correct) await this.guard.recordFailure(pool.id, subject);
    const history = [...pending.history, { challengeName: 'CUSTOM_CHALLENGE' as const, challengeResult: correct, ...(pending.challengeMetadata !== undefined && { challengeMetadata: pending.challengeMetadata }) }];
    return this.round(pool, client, user, history, clientMetadata);
  }

  /** Asks DefineAuthChallenge what comes next, and makes the next challenge if it asks for one. */
  private async round(pool: UserPool, client: UserPoolClient, user: User, history: CustomAuthSession['history'], clientMetadata?: Record<string, string>): Promise<CustomAuthStep> {
    const triggers = this.d.triggers!;
    const userAttributes = triggerUserAttributes(user, pool);
    const decision = await triggers.defineAuthChallenge(pool, this.call(user, client), { userAttributes, session: history, ...(clientMetadata && { clientMetadata }) });
    if (!decision || decision.kind === 'fail' || history.length >= MAX_ROUNDS) throw new NotAuthorizedException(INCORRECT);
    if (decision.kind === 'issueTokens') {
      // Tokens only right after a correctly answered challenge: a DefineAuthChallenge bug alone cannot let someone in.
      if (!history.at(-1)?.challengeResult) throw new NotAuthorizedException(INCORRECT);
      return { user };
    }
    if (decision.challengeName !== 'CUSTOM_CHALLENGE') throw new InvalidParameterException(`DefineAuthChallenge asked for ${decision.challengeName}; only CUSTOM_CHALLENGE is supported by this server yet.`);
    const created = await triggers.createAuthChallenge(pool, this.call(user, client), { userAttributes, challengeName: 'CUSTOM_CHALLENGE', session: history, ...(clientMetadata && { clientMetadata }) });
    const session = this.d.random.bytes(64).toString('base64url');
    const now = this.d.clock.now();
    await this.sessions.insert(sha256Hex(session), {
      poolId: pool.id,
      clientId: client.clientId,
      userId: user.id,
      history,
      privateChallengeParameters: created?.privateChallengeParameters ?? {},
      ...(created?.challengeMetadata !== undefined && { challengeMetadata: created.challengeMetadata }),
      createdAt: now,
      expiresAt: now + client.settings.AuthSessionValidity * 60_000,
    });
    return { ChallengeName: 'CUSTOM_CHALLENGE', ChallengeParameters: { ...(created?.publicChallengeParameters ?? {}), USERNAME: user.username }, Session: session };
  }

  private call(user: User, client: UserPoolClient) {
    return { userName: user.username, clientId: client.clientId };
  }
}
