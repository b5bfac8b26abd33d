import { passwordCredentials } from './password-credentials.ts';
import { AliasExistsException, InvalidParameterException, UsernameExistsException } from '../errors.ts';
import { assertRequiredAttributes, assertWritableAttributes } from './attributes.ts';
import type { UserPoolDeps } from './context.ts';
import type { Attributes, User, UserPool, UserStatus } from './model.ts';
import type { UserDirectory } from './user-directory.ts';

export interface NewUser {
  username: string;
  attributes: Attributes;
  status: UserStatus;
  /** The initial password (temporary or not); null for none. */
  password: string | null;
  forceAliasCreation: boolean;
  creatingAsAdmin: boolean;
}

/** Emails are compared case-insensitively where they sign a user in, so they are stored folded there. */
export function normalizeAttributes(pool: UserPool, attributes: Attributes): Attributes {
  const signsInWithEmail = pool.settings.UsernameAttributes?.includes('email') || pool.settings.AliasAttributes?.includes('email');
  if (signsInWithEmail && attributes.email) return { ...attributes, email: attributes.email.toLowerCase() };
  return attributes;
}

/**
 * Writes users while keeping the pool's identity rules: unique usernames, unique sign-in emails and
 * phone numbers, verified aliases owned by one user at a time.
 */
export class UserWriter {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
  ) {}

  async create(pool: UserPool, input: NewUser): Promise<User> {
    const attributes = normalizeAttributes(pool, { ...input.attributes });
    assertWritableAttributes(pool.settings, attributes, { creating: true });
    if (!input.creatingAsAdmin) assertRequiredAttributes(pool.settings, attributes);
    const now = this.d.clock.now();
    const sub = this.d.random.uuid();
    let username = input.username;
    const usernameAttributes = pool.settings.UsernameAttributes ?? [];
    if (usernameAttributes.length > 0) {
      // The name typed in is an email or phone number; the username proper is the sub.
      const attr = input.username.includes('@') ? 'email' : input.username.startsWith('+') ? 'phone_number' : undefined;
      if (!attr || !usernameAttributes.includes(attr)) {
        throw new InvalidParameterException(`Username should be ${usernameAttributes.join(' or ')}.`);
      }
      attributes[attr] = attr === 'email' ? input.username.toLowerCase() : input.username;
      username = sub;
    } else if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(username) && pool.settings.AliasAttributes?.length) {
      throw new InvalidParameterException('Username cannot be of email or phone number format, since user pool is configured for alias.');
    }
    if (pool.settings.AliasAttributes?.length && (username.includes('@') || /^\+[0-9]+$/.test(username))) {
      throw new InvalidParameterException('Username cannot be of email or phone number format, since user pool is configured for alias.');
    }
    const usernameKey = this.directory.usernameKey(pool, username);
    if (await this.d.users.findByUsernameKey(pool.id, usernameKey)) throw new UsernameExistsException(input.creatingAsAdmin ? 'User account already exists' : 'User already exists');
    for (const attr of usernameAttributes) {
      const value = attributes[attr];
      if (value && (await this.d.users.findByAttribute(pool.id, attr, value)).length > 0) {
        throw new UsernameExistsException(`An account with the given ${attr === 'email' ? 'email' : 'phone_number'} already exists.`);
      }
    }
    await this.assertAliasesFree(pool, undefined, attributes, input.forceAliasCreation);
    const user: User = {
      id: sub,
      poolId: pool.id,
      username,
      status: input.status,
      enabled: true,
      ...(input.password === null ? { passwordHash: null, srp: null } : await passwordCredentials(pool.id, username, input.password, this.d.random)),
      passwordUpdatedAt: input.password === null ? null : now,
      attributes: { ...attributes, sub },
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.d.users.insert(user, usernameKey);
    } catch (e) {
      // Two concurrent creations of one name: the unique index decides, the loser hears it as Cognito says it.
      if (await this.d.users.findByUsernameKey(pool.id, usernameKey)) throw new UsernameExistsException('User already exists');
      throw e;
    }
    if (this.d.events) await this.d.events.userCreated(pool.id, user);
    return user;
  }

  /**
   * A verified email or phone alias may belong to one user. With ForceAliasCreation the alias moves
   * to the new owner (and is unverified on the old one), as Cognito does.
   */
  private async assertAliasesFree(pool: UserPool, self: User | undefined, attributes: Attributes, force: boolean): Promise<void> {
    for (const alias of pool.settings.AliasAttributes ?? []) {
      const value = attributes[alias];
      if (!value) continue;
      const verifiedFlag = `${alias}_verified`;
      const becomingVerified = alias === 'preferred_username' || attributes[verifiedFlag] === 'true' || (self?.attributes[verifiedFlag] === 'true' && self.attributes[alias] === value);
      if (!becomingVerified) continue;
      const holders = (await this.d.users.findByAttribute(pool.id, alias, value)).filter(
        (u) => u.id !== self?.id && (alias === 'preferred_username' || u.attributes[verifiedFlag] === 'true'),
      );
      if (holders.length === 0) continue;
      if (!force || alias === 'preferred_username') throw new AliasExistsException(`An account with the given ${alias} already exists.`);
      for (const holder of holders) await this.d.users.putAttributes(pool.id, holder.id, { [verifiedFlag]: 'false' });
    }
  }

  async putAttributes(pool: UserPool, user: User, attributes: Attributes, opts: { forceAliasCreation?: boolean } = {}): Promise<void> {
    const changes = { ...attributes };
    // Changing a verifiable attribute makes it unverified, unless the caller says otherwise.
    for (const attr of ['email', 'phone_number'] as const) {
      if (changes[attr] !== undefined && changes[attr] !== user.attributes[attr] && changes[`${attr}_verified`] === undefined) changes[`${attr}_verified`] = 'false';
    }
    for (const attr of pool.settings.UsernameAttributes ?? []) {
      const value = changes[attr];
      if (value && value !== user.attributes[attr] && (await this.d.users.findByAttribute(pool.id, attr, value)).some((u) => u.id !== user.id)) {
        throw new AliasExistsException(`An account with the given ${attr} already exists.`);
      }
    }
    await this.assertAliasesFree(pool, user, changes, opts.forceAliasCreation ?? false);
    await this.d.users.putAttributes(pool.id, user.id, changes);
    await this.d.users.update(user.id, { updatedAt: this.d.clock.now() });
  }

  async deleteAttributes(user: User, names: string[]): Promise<void> {
    await this.d.users.deleteAttributes(user.id, names);
    await this.d.users.update(user.id, { updatedAt: this.d.clock.now() });
  }

  async setPassword(user: User, password: string, status: UserStatus): Promise<void> {
    const now = this.d.clock.now();
    await this.d.users.update(user.id, { ...(await passwordCredentials(user.poolId, user.username, password, this.d.random)), passwordUpdatedAt: now, status, updatedAt: now });
  }
}
