import { constantTimeEqual, sha256Hex } from '../crypto/constant-time.ts';
import { verifyAgainstDecoy, verifyPassword } from '../crypto/passwords.ts';
import { createVerifier } from '../crypto/srp.ts';
import {
  CodeMismatchException,
  InvalidParameterException,
  NotAuthorizedException,
  PasswordResetRequiredException,
  UnsupportedOperationException,
  UnsupportedTokenTypeException,
  UserNotConfirmedException,
  UserNotFoundException,
} from '../errors.ts';
import { hashRefreshToken } from '../tokens/token-service.ts';
import { assertWritableAttributes, toAttributeMap } from './attributes.ts';
import { type BruteForceGuard, guardSubject } from './brute-force.ts';
import type { CodeDeliveryDetails, CodeService } from './codes.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool, UserPoolClient } from './model.ts';
import { assertPasswordConforms } from './password-policy.ts';
import { srpPoolName } from './password-credentials.ts';
import { assertSecretHash } from './secret-hash.ts';
import { SrpSignIn } from './srp-sign-in.ts';
import { CustomAuth, type CustomAuthStep } from './custom-auth.ts';
import type { Mfa } from './mfa.ts';
import type { TokenGenerationSource } from './triggers/pre-token-generation.ts';
import { triggerUserAttributes } from './triggers/event-common.ts';
import { UserLambdaValidationException } from './triggers/errors.ts';
import type { AuthenticationResult, SessionIssuer } from './session-issuer.ts';
import type { UserDirectory } from './user-directory.ts';
import type { UserWriter } from './user-writer.ts';

export type AuthFlow = 'USER_PASSWORD_AUTH' | 'ADMIN_USER_PASSWORD_AUTH' | 'ADMIN_NO_SRP_AUTH' | 'REFRESH_TOKEN_AUTH' | 'REFRESH_TOKEN' | 'USER_SRP_AUTH' | 'CUSTOM_AUTH' | 'USER_AUTH';

/** What InitiateAuth and RespondToAuthChallenge return: tokens, or the next challenge. */
export interface AuthStep {
  AuthenticationResult?: AuthenticationResult;
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
}

export interface InitiateAuthInput {
  AuthFlow: AuthFlow;
  ClientId: string;
  AuthParameters?: Record<string, string>;
  ClientMetadata?: Record<string, string>;
}

/** Which client setting lets each flow through, for public and admin calls. */
const FLOW_PERMISSION: Record<string, { public?: string; admin?: string }> = {
  USER_PASSWORD_AUTH: { public: 'ALLOW_USER_PASSWORD_AUTH', admin: 'ALLOW_USER_PASSWORD_AUTH' },
  ADMIN_USER_PASSWORD_AUTH: { admin: 'ALLOW_ADMIN_USER_PASSWORD_AUTH' },
  ADMIN_NO_SRP_AUTH: { admin: 'ALLOW_ADMIN_USER_PASSWORD_AUTH' },
  REFRESH_TOKEN_AUTH: { public: 'ALLOW_REFRESH_TOKEN_AUTH', admin: 'ALLOW_REFRESH_TOKEN_AUTH' },
  REFRESH_TOKEN: { public: 'ALLOW_REFRESH_TOKEN_AUTH', admin: 'ALLOW_REFRESH_TOKEN_AUTH' },
  USER_SRP_AUTH: { public: 'ALLOW_USER_SRP_AUTH', admin: 'ALLOW_USER_SRP_AUTH' },
  CUSTOM_AUTH: { public: 'ALLOW_CUSTOM_AUTH', admin: 'ALLOW_CUSTOM_AUTH' },
};

const INCORRECT = 'Incorrect username or password.';

/**
 * Sign-in flows, challenges and the self-service operations a signed-in or signing-up user calls.
 * Password checks go through the brute-force guard; unknown users cost the same argon2 work as
 * known ones, so neither errors nor timing reveal who has an account.
 */
export class Authentication {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
    private readonly issuer: SessionIssuer,
    private readonly codes: CodeService,
    private readonly guard: BruteForceGuard,
    private readonly writer: UserWriter,
    private readonly mfa: Mfa,
  ) {
    this.custom = new CustomAuth(d, directory, guard);
    this.srp = new SrpSignIn(d, directory, guard, (pool, client, user, typedName) => this.preAuthentication(pool, client, user, typedName));
  }

  private readonly srp: SrpSignIn;
  private readonly custom: CustomAuth;

  async initiateAuth(input: InitiateAuthInput, caller: { admin: boolean; poolId?: string }): Promise<AuthStep> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertClientOfPool(client, caller);
    const params = input.AuthParameters ?? {};
    const permission = FLOW_PERMISSION[input.AuthFlow]?.[caller.admin ? 'admin' : 'public'];
    if (!permission) {
      throw new InvalidParameterException(
        input.AuthFlow === 'USER_AUTH'
          ? `${input.AuthFlow} is not supported by this server yet.`
          : `Invalid AuthFlow ${input.AuthFlow} for ${caller.admin ? 'AdminInitiateAuth' : 'InitiateAuth'}.`,
      );
    }
    if (!client.settings.ExplicitAuthFlows.includes(permission)) {
      throw new InvalidParameterException(caller.admin ? 'Auth flow not enabled for this client' : `${input.AuthFlow} flow not enabled for this client`);
    }
    if (input.AuthFlow === 'REFRESH_TOKEN_AUTH' || input.AuthFlow === 'REFRESH_TOKEN') return this.refresh(pool, client, params);
    if (input.AuthFlow === 'USER_SRP_AUTH') return this.srp.start(pool, client, params);
    if (input.AuthFlow === 'CUSTOM_AUTH') return this.customStep(pool, client, await this.custom.start(pool, client, params, input.ClientMetadata));
    return this.passwordAuth(pool, client, params);
  }

  private async passwordAuth(pool: UserPool, client: UserPoolClient, params: Record<string, string>): Promise<AuthStep> {
    const username = params.USERNAME;
    const password = params.PASSWORD;
    if (!username) throw new InvalidParameterException('Missing required parameter USERNAME');
    if (password === undefined) throw new InvalidParameterException('Missing required parameter PASSWORD');
    assertSecretHash(client, username, params.SECRET_HASH);
    const user = await this.checkPassword(pool, client, username, password);
    return this.afterPassword(pool, client, user);
  }

  /**
   * Verifies a password for a sign-in name. Throttled names are refused before any argon2 work;
   * each failure, for existing users or not, counts toward the lock.
   */
  private async checkPassword(pool: UserPool, client: UserPoolClient, typedName: string, password: string): Promise<User> {
    const user = await this.directory.findBySignInName(pool, typedName);
    const subjectKey = guardSubject(user, typedName);
    const { hasFailures } = await this.guard.assertNotLocked(pool.id, subjectKey);
    await this.preAuthentication(pool, client, user, typedName);
    if (!user && this.d.triggers?.has(pool, 'UserMigration')) {
      const migrated = await this.migrateUser(pool, client, typedName, password);
      if (migrated) return migrated;
    }
    const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDecoy(password);
    if (!user || !ok) {
      await this.guard.recordFailure(pool.id, subjectKey);
      if (!user && client.settings.PreventUserExistenceErrors === 'LEGACY') throw new UserNotFoundException('User does not exist.');
      throw new NotAuthorizedException(INCORRECT);
    }
    // Most sign-ins have no failures on record: skip the write then.
    if (hasFailures) await this.guard.recordSuccess(pool.id, subjectKey);
    // A password set before SRP existed gets its verifier now, while it is at hand.
    if (!user.srp) {
      const srp = createVerifier(srpPoolName(pool.id), user.username, password, this.d.random.bytes(16));
      await this.d.users.update(user.id, { srp, updatedAt: user.updatedAt });
      return { ...user, srp };
    }
    return user;
  }

  /**
   * UserMigration at sign-in: a name this pool does not know is offered, with the password typed,
   * to the pool's migration trigger; if it vouches for them the user is created with its attributes
   * and that password (never stored as such), and the sign-in goes on. A refusal reads as an unknown user.
   */
  private async migrateUser(pool: UserPool, client: UserPoolClient, typedName: string, password: string): Promise<User | undefined> {
    let migrated;
    try {
      migrated = await this.d.triggers!.userMigration(pool, { userName: typedName, clientId: client.clientId }, { source: 'UserMigration_Authentication', password });
    } catch (e) {
      if (e instanceof UserLambdaValidationException) return undefined;
      throw e;
    }
    if (!migrated) return undefined;
    const user = await this.writer.create(pool, {
      username: typedName,
      attributes: migrated.userAttributes,
      status: migrated.finalUserStatus,
      password,
      forceAliasCreation: migrated.forceAliasCreation,
      creatingAsAdmin: true,
    });
    if (migrated.finalUserStatus === 'RESET_REQUIRED') throw new PasswordResetRequiredException('Password reset required for the user');
    return user;
  }

  /** A CUSTOM_AUTH step: the next challenge, or, once the triggers let the user in, what follows a first factor. */
  private async customStep(pool: UserPool, client: UserPoolClient, step: CustomAuthStep): Promise<AuthStep> {
    if ('user' in step) return this.afterPassword(pool, client, step.user);
    return step;
  }

  private async afterPassword(pool: UserPool, client: UserPoolClient, user: User): Promise<AuthStep> {
    const challenge = await this.requiredChallenge(pool, client, user);
    if (challenge) return challenge;
    return this.afterFirstFactor(pool, client, user);
  }

  /** With the password (and any new one) settled: the MFA challenge the pool and user call for, or tokens. */
  private async afterFirstFactor(pool: UserPool, client: UserPoolClient, user: User, source: TokenGenerationSource = 'TokenGeneration_Authentication'): Promise<AuthStep> {
    return (await this.secondFactorChallenge(pool, client, user)) ?? this.issueTokens(pool, client, user, source);
  }

  /** The end of a successful API sign-in: PostAuthentication (which may still refuse it), then tokens. */
  private async issueTokens(pool: UserPool, client: UserPoolClient, user: User, source: TokenGenerationSource): Promise<AuthStep> {
    await this.postAuthentication(pool, client, user);
    return { AuthenticationResult: await this.issuer.start(pool, client, user, { source }), ChallengeParameters: {} };
  }

  /** PostAuthentication, after every factor and before tokens, for the API and the hosted UI. */
  async postAuthentication(pool: UserPool, client: UserPoolClient, user: User): Promise<void> {
    if (!this.d.triggers?.has(pool, 'PostAuthentication')) return;
    await this.d.triggers.postAuthentication(pool, { userName: user.username, clientId: client.clientId }, { userAttributes: triggerUserAttributes(user, pool), newDeviceUsed: false });
  }

  /**
   * PreAuthentication, before the password is checked; it may refuse the sign-in. Unknown users
   * are run too (with userNotFound) when the client hides their existence, as Cognito does, so the
   * trigger's time does not tell them apart.
   */
  async preAuthentication(pool: UserPool, client: UserPoolClient, user: User | undefined, typedName: string): Promise<void> {
    if (!this.d.triggers?.has(pool, 'PreAuthentication')) return;
    if (!user && client.settings.PreventUserExistenceErrors !== 'ENABLED') return;
    await this.d.triggers.preAuthentication(pool, { userName: user?.username ?? typedName, clientId: client.clientId }, { userAttributes: user ? triggerUserAttributes(user, pool) : {}, ...(!user && { userNotFound: true }) });
  }

  /** The user of a pending MFA_SETUP challenge, for the enrolment steps that run inside it (the session stays usable). */
  async mfaSetupUser(clientSession: string): Promise<{ pool: UserPool; user: User; clientId: string }> {
    const pending = await this.d.challenges.peek(sha256Hex(clientSession));
    if (!pending || pending.challenge !== 'MFA_SETUP') throw new NotAuthorizedException('Invalid session for the user.');
    if (pending.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Invalid session for the user, session is expired.');
    const user = await this.d.users.findById(pending.userId);
    if (!user) throw new NotAuthorizedException('Invalid session for the user.');
    return { pool: await this.directory.pool(pending.poolId), user, clientId: pending.clientId };
  }

  /** Answers SOFTWARE_TOKEN_MFA (the code) or MFA_SETUP (after enrolment inside the session). */
  private async secondFactor(pool: UserPool, client: UserPoolClient, name: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP', session: string | undefined, responses: Record<string, string>): Promise<AuthStep> {
    if (!session) throw new InvalidParameterException('Missing required parameter Session');
    if (!responses.USERNAME) throw new InvalidParameterException('Missing required parameter USERNAME');
    assertSecretHash(client, responses.USERNAME, responses.SECRET_HASH);
    const user = await this.passSecondFactor(pool, client, name, session, responses.USERNAME, responses.SOFTWARE_TOKEN_MFA_CODE);
    return this.issueTokens(pool, client, user, 'TokenGeneration_Authentication');
  }

  /**
   * The second factor, for the API and the hosted UI alike: uses up the challenge session, then
   * checks the code (SOFTWARE_TOKEN_MFA) or that enrolment inside the session finished (MFA_SETUP).
   */
  async passSecondFactor(pool: UserPool, client: UserPoolClient, name: 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP', session: string, username: string, code: string | undefined): Promise<User> {
    const pending = await this.d.challenges.take(sha256Hex(session));
    if (!pending || pending.clientId !== client.clientId || pending.challenge !== name) throw new NotAuthorizedException('Invalid session for the user.');
    if (pending.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Invalid session for the user, session is expired.');
    const user = await this.d.users.findById(pending.userId);
    const named = user && (username === user.username || (await this.directory.findBySignInName(pool, username))?.id === user.id);
    if (!user || !named) throw new NotAuthorizedException('Invalid session for the user.');
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    if (name === 'SOFTWARE_TOKEN_MFA') await this.mfa.checkSignInCode(pool, user, code);
    else if ((await this.mfa.requirement(pool, user)) !== 'SOFTWARE_TOKEN_MFA') throw new NotAuthorizedException('Software token MFA has not been set up: call AssociateSoftwareToken and VerifySoftwareToken with this session first.');
    return user;
  }

  /** The step after the password (API and hosted UI): the MFA challenge the user owes, with its Session, if any. */
  async secondFactorChallenge(pool: UserPool, client: UserPoolClient, user: User): Promise<AuthStep | undefined> {
    const need = await this.mfa.requirement(pool, user);
    if (need === 'SOFTWARE_TOKEN_MFA') return this.challenge(pool, client, user, 'SOFTWARE_TOKEN_MFA', { USER_ID_FOR_SRP: user.username });
    if (need === 'MFA_SETUP') return this.challenge(pool, client, user, 'MFA_SETUP', { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: user.username });
    return undefined;
  }

  /**
   * The hosted UI's sign-in: the same password check, throttling and user-state rules as
   * InitiateAuth, but its result is the user (the OAuth code comes next) or the challenge to show.
   */
  async hostedSignIn(pool: UserPool, client: UserPoolClient, username: string, password: string): Promise<{ user: User } | { challenge: AuthStep }> {
    const user = await this.checkPassword(pool, client, username, password);
    const challenge = await this.requiredChallenge(pool, client, user);
    return challenge ? { challenge } : { user };
  }

  /** What a user with a correct password must still do before getting tokens, if anything. */
  private async requiredChallenge(pool: UserPool, client: UserPoolClient, user: User): Promise<AuthStep | undefined> {
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    if (user.status === 'UNCONFIRMED') throw new UserNotConfirmedException('User is not confirmed.');
    if (user.status === 'RESET_REQUIRED') throw new PasswordResetRequiredException('Password reset required for the user');
    if (user.status === 'FORCE_CHANGE_PASSWORD') {
      const validityDays = pool.settings.Policies.PasswordPolicy.TemporaryPasswordValidityDays;
      const since = user.passwordUpdatedAt ?? user.createdAt;
      if (this.d.clock.now() - since > validityDays * 86_400_000) {
        throw new NotAuthorizedException('Temporary password has expired and must be reset by an administrator.');
      }
      const { sub: _sub, ...visible } = user.attributes;
      return this.challenge(pool, client, user, 'NEW_PASSWORD_REQUIRED', {
        USER_ID_FOR_SRP: user.username,
        requiredAttributes: JSON.stringify(pool.settings.SchemaAttributes.filter((a) => a.Required && a.Name !== 'sub' && !user.attributes[a.Name]).map((a) => `userAttributes.${a.Name}`)),
        userAttributes: JSON.stringify(visible),
      });
    }
    return undefined;
  }

  private async challenge(pool: UserPool, client: UserPoolClient, user: User, name: string, parameters: Record<string, string>): Promise<AuthStep> {
    const session = this.d.random.bytes(64).toString('base64url');
    const now = this.d.clock.now();
    await this.d.challenges.insert(sha256Hex(session), {
      poolId: pool.id,
      clientId: client.clientId,
      userId: user.id,
      challenge: name,
      createdAt: now,
      expiresAt: now + client.settings.AuthSessionValidity * 60_000,
    });
    return { ChallengeName: name, ChallengeParameters: parameters, Session: session };
  }

  async respondToAuthChallenge(
    input: { ClientId: string; ChallengeName: string; Session?: string; ChallengeResponses?: Record<string, string>; ClientMetadata?: Record<string, string> },
    caller: { admin: boolean; poolId?: string },
  ): Promise<AuthStep> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertClientOfPool(client, caller);
    const responses = input.ChallengeResponses ?? {};
    if (input.ChallengeName === 'PASSWORD_VERIFIER') return this.afterPassword(pool, client, await this.srp.finish(pool, client, responses));
    if (input.ChallengeName === 'CUSTOM_CHALLENGE') return this.customStep(pool, client, await this.custom.answer(pool, client, input.Session, responses, input.ClientMetadata));
    if (input.ChallengeName === 'SOFTWARE_TOKEN_MFA' || input.ChallengeName === 'MFA_SETUP') return this.secondFactor(pool, client, input.ChallengeName, input.Session, responses);
    if (input.ChallengeName !== 'NEW_PASSWORD_REQUIRED') throw new InvalidParameterException(`Unsupported challenge: ${input.ChallengeName}`);
    if (!input.Session) throw new InvalidParameterException('Missing required parameter Session');
    if (!responses.USERNAME) throw new InvalidParameterException('Missing required parameter USERNAME');
    assertSecretHash(client, responses.USERNAME, responses.SECRET_HASH);
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(responses)) if (key.startsWith('userAttributes.')) attributes[key.slice('userAttributes.'.length)] = value;
    const user = await this.completeNewPassword(pool, client, input.Session, responses.USERNAME, responses.NEW_PASSWORD, attributes);
    return this.afterFirstFactor(pool, client, user, 'TokenGeneration_NewPasswordChallenge');
  }

  /** Answers NEW_PASSWORD_REQUIRED (for the API and the hosted UI): sets the password, confirms the user. */
  async completeNewPassword(pool: UserPool, client: UserPoolClient, session: string, username: string, newPassword: string | undefined, attributes: Record<string, string>): Promise<User> {
    // Checked before the session is used up, so a client can retry with a better password.
    if (!newPassword) throw new InvalidParameterException('Missing required parameter NEW_PASSWORD');
    assertPasswordConforms(newPassword, pool.settings.Policies.PasswordPolicy);
    const pending = await this.d.challenges.take(sha256Hex(session));
    if (!pending || pending.clientId !== client.clientId || pending.challenge !== 'NEW_PASSWORD_REQUIRED') throw new NotAuthorizedException('Invalid session for the user.');
    if (pending.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Invalid session for the user, session is expired.');
    const user = await this.d.users.findById(pending.userId);
    if (!user) throw new NotAuthorizedException('Invalid session for the user.');
    const named = await this.directory.findBySignInName(pool, username);
    if (named?.id !== user.id) throw new NotAuthorizedException('Invalid session for the user.');
    // The user may have been disabled since the challenge was issued.
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    if (Object.keys(attributes).length > 0) {
      assertWritableAttributes(pool.settings, attributes, { creating: false });
      await this.writer.putAttributes(pool, user, attributes);
    }
    await this.writer.setPassword(user, newPassword, 'CONFIRMED');
    return (await this.d.users.findById(user.id))!;
  }

  private async refresh(pool: UserPool, client: UserPoolClient, params: Record<string, string>): Promise<AuthStep> {
    const token = params.REFRESH_TOKEN;
    if (!token) throw new InvalidParameterException('Missing required parameter REFRESH_TOKEN');
    return this.refreshWith(pool, client, token, (user) => {
      // Apps compute the hash with the username or, in email-sign-in pools, often with the sub.
      const given = params.SECRET_HASH;
      try {
        assertSecretHash(client, user.username, given);
      } catch {
        assertSecretHash(client, user.id, given);
      }
    });
  }

  /**
   * GetTokensFromRefreshToken, which Amplify v6 refreshes with: the same checks and tokens as
   * REFRESH_TOKEN_AUTH, the client proving itself with its secret rather than a secret hash.
   * Refresh tokens are not rotated, so none is returned and the client keeps its own.
   */
  async getTokensFromRefreshToken(input: { ClientId: string; RefreshToken: string; ClientSecret?: string }): Promise<{ AuthenticationResult: AuthenticationResult }> {
    const { client, pool } = await this.directory.client(input.ClientId);
    const step = await this.refreshWith(pool, client, input.RefreshToken, () => {
      if (!input.ClientSecret || !constantTimeEqual(input.ClientSecret, client.secret!)) throw new NotAuthorizedException('Client authentication failed.');
    });
    return { AuthenticationResult: step.AuthenticationResult! };
  }

  private async refreshWith(pool: UserPool, client: UserPoolClient, token: string, proveClient: (user: User) => void): Promise<AuthStep> {
    const session = await this.d.sessions.findByRefreshTokenHash(hashRefreshToken(token));
    if (!session || session.clientId !== client.clientId) throw new NotAuthorizedException('Invalid Refresh Token');
    const user = await this.d.users.findById(session.userId);
    if (!user) throw new NotAuthorizedException('Invalid Refresh Token');
    // Disabling revokes sessions too; the caller should hear the cause.
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    if (session.revokedAt !== null) throw new NotAuthorizedException('Refresh Token has been revoked');
    if (session.expiresAt <= this.d.clock.now()) throw new NotAuthorizedException('Refresh Token has expired');
    if (client.secret !== null) proveClient(user);
    const tokens = await this.issuer.mint(pool, client, user, session, {}, 'TokenGeneration_RefreshTokens');
    return { AuthenticationResult: this.issuer.result(client, tokens), ChallengeParameters: {} };
  }

  async revokeToken(input: { Token: string; ClientId: string; ClientSecret?: string }): Promise<void> {
    const { client } = await this.directory.client(input.ClientId);
    if (client.secret !== null) {
      if (!input.ClientSecret || !constantTimeEqual(input.ClientSecret, client.secret)) throw new NotAuthorizedException('Client authentication failed.');
    }
    if (!client.settings.EnableTokenRevocation) throw new UnsupportedOperationException('Token revocation is not enabled for this client.');
    if (input.Token.split('.').length === 3) throw new UnsupportedTokenTypeException('Unsupported token type.');
    const session = await this.d.sessions.findByRefreshTokenHash(hashRefreshToken(input.Token));
    // RFC 7009: an unknown token is not an error; a token of another client is not revocable by this one.
    if (!session) return;
    if (session.clientId !== client.clientId) throw new NotAuthorizedException('Client authentication failed.');
    await this.d.sessions.revoke(session.originJti, this.d.clock.now());
  }

  async signUp(input: {
    ClientId: string;
    SecretHash?: string;
    Username: string;
    Password: string;
    UserAttributes?: Array<{ Name: string; Value?: string }>;
    ValidationData?: Array<{ Name: string; Value?: string }>;
    ClientMetadata?: Record<string, string>;
  }): Promise<{ UserConfirmed: boolean; UserSub: string; CodeDeliveryDetails?: CodeDeliveryDetails }> {
    const { client, pool } = await this.directory.client(input.ClientId);
    if (pool.settings.AdminCreateUserConfig.AllowAdminCreateUserOnly) throw new NotAuthorizedException('SignUp is not permitted for this user pool');
    assertSecretHash(client, input.Username, input.SecretHash);
    assertPasswordConforms(input.Password, pool.settings.Policies.PasswordPolicy);
    const attributes = toAttributeMap(input.UserAttributes);
    for (const flag of ['email_verified', 'phone_number_verified']) {
      if (flag in attributes) throw new InvalidParameterException(`Cannot set ${flag} during sign-up.`);
    }
    // Before anything is written: a trigger that refuses leaves no user behind.
    const pre = await this.d.triggers?.preSignUp(pool, { userName: input.Username, clientId: client.clientId }, {
      source: 'PreSignUp_SignUp',
      userAttributes: attributes,
      validationData: input.ValidationData ? toAttributeMap(input.ValidationData) : null,
      ...(input.ClientMetadata && { clientMetadata: input.ClientMetadata }),
    });
    for (const [flag, attribute] of [['autoVerifyEmail', 'email'], ['autoVerifyPhone', 'phone_number']] as const) {
      if (!pre?.[flag]) continue;
      if (!attributes[attribute]) throw new InvalidParameterException(`PreSignUp set ${flag} but the user has no ${attribute}.`);
      attributes[`${attribute}_verified`] = 'true';
    }
    const user = await this.writer.create(pool, {
      username: input.Username,
      attributes,
      status: pre?.autoConfirmUser ? 'CONFIRMED' : 'UNCONFIRMED',
      password: input.Password,
      forceAliasCreation: false,
      creatingAsAdmin: false,
    });
    if (pre?.autoConfirmUser) return { UserConfirmed: true, UserSub: user.id };
    const autoVerified = pool.settings.AutoVerifiedAttributes ?? [];
    const prefer = autoVerified.includes('email') && user.attributes.email ? 'email' : autoVerified.includes('phone_number') && user.attributes.phone_number ? 'phone_number' : undefined;
    const via = prefer ? this.codes.channelFor(user, prefer) : undefined;
    const delivery = via ? await this.codes.issue(pool, user, 'signup', via, { clientId: client.clientId }) : undefined;
    return { UserConfirmed: false, UserSub: user.id, ...(delivery && { CodeDeliveryDetails: delivery }) };
  }

  async confirmSignUp(input: { ClientId: string; SecretHash?: string; Username: string; ConfirmationCode: string; ForceAliasCreation?: boolean; ClientMetadata?: Record<string, string> }): Promise<void> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertSecretHash(client, input.Username, input.SecretHash);
    const user = await this.userOrMismatch(pool, client, input.Username);
    if (user.status !== 'UNCONFIRMED') throw new NotAuthorizedException(`User cannot be confirmed. Current status is ${user.status}`);
    await this.codes.consume(user, 'signup', input.ConfirmationCode);
    const verified: Record<string, string> = {};
    const autoVerified = pool.settings.AutoVerifiedAttributes ?? [];
    if (autoVerified.includes('email') && user.attributes.email) verified.email_verified = 'true';
    else if (autoVerified.includes('phone_number') && user.attributes.phone_number) verified.phone_number_verified = 'true';
    await this.writer.putAttributes(pool, user, verified, { forceAliasCreation: input.ForceAliasCreation ?? false });
    await this.d.users.update(user.id, { status: 'CONFIRMED', updatedAt: this.d.clock.now() });
    await this.postConfirmation(pool, client, user.id, 'PostConfirmation_ConfirmSignUp', input.ClientMetadata);
  }

  /** PostConfirmation runs once the user is confirmed; if it fails the caller hears it, and the user stays confirmed, as in Cognito. */
  private async postConfirmation(pool: UserPool, client: UserPoolClient, userId: string, source: 'PostConfirmation_ConfirmSignUp' | 'PostConfirmation_ConfirmForgotPassword', clientMetadata?: Record<string, string>): Promise<void> {
    if (!this.d.triggers?.has(pool, 'PostConfirmation')) return;
    const user = (await this.d.users.findById(userId))!;
    await this.d.triggers.postConfirmation(pool, { userName: user.username, clientId: client.clientId }, { source, userAttributes: triggerUserAttributes(user, pool), ...(clientMetadata && { clientMetadata }) });
  }

  async resendConfirmationCode(input: { ClientId: string; SecretHash?: string; Username: string }): Promise<{ CodeDeliveryDetails: CodeDeliveryDetails }> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertSecretHash(client, input.Username, input.SecretHash);
    const user = await this.directory.findBySignInName(pool, input.Username);
    if (!user) return this.unknownUser(client);
    if (user.status !== 'UNCONFIRMED') throw new InvalidParameterException('User is already confirmed.');
    const via = this.codes.channelFor(user);
    if (!via) throw new InvalidParameterException('No email or phone number is registered for the user.');
    return { CodeDeliveryDetails: await this.codes.issue(pool, user, 'signup', via, { clientId: client.clientId, source: 'CustomMessage_ResendCode' }) };
  }

  async forgotPassword(input: { ClientId: string; SecretHash?: string; Username: string }): Promise<{ CodeDeliveryDetails: CodeDeliveryDetails }> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertSecretHash(client, input.Username, input.SecretHash);
    const user = await this.directory.findBySignInName(pool, input.Username);
    if (!user) return this.unknownUser(client);
    if (!user.enabled) throw new NotAuthorizedException('User is disabled.');
    if (user.status === 'FORCE_CHANGE_PASSWORD') throw new NotAuthorizedException('User password cannot be reset in the current state.');
    const via = user.attributes.email_verified === 'true' ? this.codes.channelFor(user, 'email') : user.attributes.phone_number_verified === 'true' ? this.codes.channelFor(user, 'phone_number') : undefined;
    // An unconfirmed user may still reset with the address the sign-up code went to.
    const fallback = user.status === 'UNCONFIRMED' ? this.codes.channelFor(user) : undefined;
    const channel = via ?? fallback;
    if (!channel) throw new InvalidParameterException('Cannot reset password for the user as there is no registered/verified email or phone_number');
    return { CodeDeliveryDetails: await this.codes.issue(pool, user, 'forgot_password', channel, { clientId: client.clientId }) };
  }

  async confirmForgotPassword(input: { ClientId: string; SecretHash?: string; Username: string; ConfirmationCode: string; Password: string; ClientMetadata?: Record<string, string> }): Promise<void> {
    const { client, pool } = await this.directory.client(input.ClientId);
    assertSecretHash(client, input.Username, input.SecretHash);
    const user = await this.userOrMismatch(pool, client, input.Username);
    assertPasswordConforms(input.Password, pool.settings.Policies.PasswordPolicy);
    await this.codes.consume(user, 'forgot_password', input.ConfirmationCode);
    const status = user.status === 'RESET_REQUIRED' || user.status === 'FORCE_CHANGE_PASSWORD' ? 'CONFIRMED' : user.status;
    await this.writer.setPassword(user, input.Password, status);
    await this.guard.recordSuccess(pool.id, guardSubject(user, input.Username));
    await this.postConfirmation(pool, client, user.id, 'PostConfirmation_ConfirmForgotPassword', input.ClientMetadata);
  }

  /** With PreventUserExistenceErrors, an unknown user looks like a wrong code. */
  private async userOrMismatch(pool: UserPool, client: UserPoolClient, name: string): Promise<User> {
    const user = await this.directory.findBySignInName(pool, name);
    if (user) return user;
    if (client.settings.PreventUserExistenceErrors === 'ENABLED') throw new CodeMismatchException('Invalid verification code provided, please try again.');
    throw new UserNotFoundException('Username/client id combination not found.');
  }

  /** With PreventUserExistenceErrors, an unknown user gets a plausible delivery, and nothing is sent. */
  private unknownUser(client: UserPoolClient): { CodeDeliveryDetails: CodeDeliveryDetails } {
    if (client.settings.PreventUserExistenceErrors !== 'ENABLED') throw new UserNotFoundException('Username/client id combination not found.');
    return { CodeDeliveryDetails: { Destination: 'u***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } };
  }
}

/** Admin calls name the pool and the client: they must agree. */
function assertClientOfPool(client: UserPoolClient, caller: { admin: boolean; poolId?: string }): void {
  if (caller.admin && caller.poolId !== client.poolId) throw new InvalidParameterException(`Client ${client.clientId} does not belong to this user pool.`);
}
