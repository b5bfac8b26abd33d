import { passwordCredentials } from './password-credentials.ts';
import { verifyPassword } from '../crypto/passwords.ts';
import { NotAuthorizedException, UserNotFoundException } from '../errors.ts';
import { InvalidTokenError } from '../tokens/errors.ts';
import { assertWritableAttributes, type AttributeInput, readableAttributes, toAttributeMap } from './attributes.ts';
import { type BruteForceGuard, guardSubject } from './brute-force.ts';
import type { CodeDeliveryDetails, CodeService } from './codes.ts';
import type { UserPoolDeps } from './context.ts';
import type { User, UserPool } from './model.ts';
import { assertPasswordConforms } from './password-policy.ts';
import { API_SCOPE } from './session-issuer.ts';
import type { UserDirectory } from './user-directory.ts';
import { normalizeAttributes, type UserWriter } from './user-writer.ts';

const MESSAGES: Record<InvalidTokenError['reason'], string> = {
  malformed: 'Invalid Access Token',
  unknown_issuer: 'Invalid Access Token',
  bad_signature: 'Invalid Access Token',
  wrong_token_use: 'Invalid Access Token',
  wrong_client: 'Invalid Access Token',
  expired: 'Access Token has expired',
  revoked: 'Access Token has been revoked',
  user_gone: 'Access Token has been revoked',
  user_disabled: 'User is disabled.',
};

/** Operations a user calls with their own access token (Cognito's `AccessToken` in the body). */
export class SelfService {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
    private readonly writer: UserWriter,
    private readonly codes: CodeService,
    private readonly guard: BruteForceGuard,
  ) {}

  /** The pool and user an access token speaks for, after every check the token service makes. */
  async authenticate(accessToken: string): Promise<{ pool: UserPool; user: User; clientId?: string }> {
    let verified;
    try {
      verified = await this.d.tokens.verify(accessToken, { tokenUse: 'access' });
    } catch (e) {
      if (e instanceof InvalidTokenError) throw new NotAuthorizedException(MESSAGES[e.reason]);
      throw e;
    }
    if (!(verified.claims.scope ?? '').split(' ').includes(API_SCOPE)) throw new NotAuthorizedException('Access Token does not have required scopes');
    const user = await this.d.users.findById(verified.claims.sub);
    if (!user) throw new UserNotFoundException('User does not exist.');
    return { pool: await this.directory.pool(verified.poolId), user, clientId: verified.claims.client_id };
  }

  /** The user behind the token, with the attributes the token's client may read. */
  async getUser(accessToken: string): Promise<User> {
    const { user, clientId } = await this.authenticate(accessToken);
    const client = clientId ? await this.d.pools.findClient(clientId) : undefined;
    return { ...user, attributes: readableAttributes(user, client) };
  }

  async updateAttributes(accessToken: string, list: AttributeInput[]): Promise<{ CodeDeliveryDetailsList: CodeDeliveryDetails[] }> {
    const { pool, user, clientId } = await this.authenticate(accessToken);
    const attributes = normalizeAttributes(pool, toAttributeMap(list));
    for (const flag of ['email_verified', 'phone_number_verified']) {
      if (flag in attributes) throw new NotAuthorizedException(`A client attempted to write unauthorized attribute: ${flag}`);
    }
    // An app client's WriteAttributes, when set, bound what its users may change about themselves.
    const writable = clientId ? (await this.d.pools.findClient(clientId))?.settings.WriteAttributes : undefined;
    const forbidden = writable?.length ? Object.keys(attributes).find((name) => !writable.includes(name)) : undefined;
    if (forbidden) throw new NotAuthorizedException(`A client attempted to write unauthorized attribute: ${forbidden}`);
    assertWritableAttributes(pool.settings, attributes, { creating: false });
    await this.writer.putAttributes(pool, user, attributes);
    const fresh = (await this.d.users.findById(user.id))!;
    const deliveries: CodeDeliveryDetails[] = [];
    for (const attr of pool.settings.AutoVerifiedAttributes ?? []) {
      if (attributes[attr] === undefined || attributes[attr] === user.attributes[attr]) continue;
      const via = this.codes.channelFor(fresh, attr);
      if (via) deliveries.push(await this.codes.issue(pool, fresh, attr === 'email' ? 'verify_email' : 'verify_phone_number', via, { ...(clientId && { clientId }), source: 'CustomMessage_UpdateUserAttribute' }));
    }
    return { CodeDeliveryDetailsList: deliveries };
  }

  async changePassword(accessToken: string, previous: string | undefined, proposed: string): Promise<void> {
    const { pool, user } = await this.authenticate(accessToken);
    const subjectKey = guardSubject(user, user.username);
    await this.guard.assertNotLocked(pool.id, subjectKey);
    if (!user.passwordHash || previous === undefined || !(await verifyPassword(user.passwordHash, previous))) {
      await this.guard.recordFailure(pool.id, subjectKey);
      throw new NotAuthorizedException('Incorrect username or password.');
    }
    assertPasswordConforms(proposed, pool.settings.Policies.PasswordPolicy);
    const now = this.d.clock.now();
    await this.d.users.update(user.id, { ...(await passwordCredentials(pool.id, user.username, proposed, this.d.random)), passwordUpdatedAt: now, updatedAt: now });
  }

  async deleteUser(accessToken: string): Promise<void> {
    const { user } = await this.authenticate(accessToken);
    await this.d.users.delete(user.id);
  }

  async globalSignOut(accessToken: string): Promise<void> {
    const { user } = await this.authenticate(accessToken);
    await this.d.sessions.revokeAllOfUser(user.id, this.d.clock.now());
  }
}
