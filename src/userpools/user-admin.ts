import { passwordCredentials } from './password-credentials.ts';
import { CLIENT_ID_NOT_APPLICABLE, triggerUserAttributes } from './triggers/event-common.ts';
import {
  GroupExistsException,
  InvalidParameterException,
  NotAuthorizedException,
  ResourceNotFoundException,
  UnsupportedUserStateException,
  UsernameExistsException,
} from '../errors.ts';
import { assertWritableAttributes, type AttributeInput, toAttributeMap } from './attributes.ts';
import type { CodeService } from './codes.ts';
import type { UserPoolDeps } from './context.ts';
import { renderTemplate } from './messages/message-sender.ts';
import type { Group, User, UserPool } from './model.ts';
import { parseListUsersFilter } from './list-users-filter.ts';
import { decodePageToken, paginate } from './pagination.ts';
import { assertBelow, QUOTAS } from './quotas.ts';
import { assertPasswordConforms } from './password-policy.ts';
import type { UserDirectory } from './user-directory.ts';
import { normalizeAttributes, UserWriter } from './user-writer.ts';

export interface AdminCreateUserInput {
  Username: string;
  UserAttributes?: AttributeInput[];
  TemporaryPassword?: string;
  MessageAction?: 'RESEND' | 'SUPPRESS';
  DesiredDeliveryMediums?: Array<'EMAIL' | 'SMS'>;
  ForceAliasCreation?: boolean;
  ValidationData?: AttributeInput[];
  ClientMetadata?: Record<string, string>;
}

export interface GroupInput {
  GroupName: string;
  Description?: string;
  RoleArn?: string;
  Precedence?: number;
}

/** The administrator's side of a pool: users, their state and attributes, groups. */
export class UserAdmin {
  constructor(
    private readonly d: UserPoolDeps,
    private readonly directory: UserDirectory,
    private readonly writer: UserWriter,
    private readonly codes: CodeService,
  ) {}

  async createUser(poolId: string, input: AdminCreateUserInput): Promise<User> {
    const pool = await this.directory.pool(poolId);
    if (input.MessageAction === 'RESEND') return this.resendInvitation(pool, input);
    const attributes = toAttributeMap(input.UserAttributes);
    const temporary = input.TemporaryPassword ?? this.generatePassword(pool);
    if (input.TemporaryPassword !== undefined) assertPasswordConforms(input.TemporaryPassword, pool.settings.Policies.PasswordPolicy);
    // Before anything is written; Cognito ignores its auto-confirm answers for admin-created users.
    await this.d.triggers?.preSignUp(pool, { userName: input.Username, clientId: CLIENT_ID_NOT_APPLICABLE }, {
      source: 'PreSignUp_AdminCreateUser',
      userAttributes: attributes,
      validationData: input.ValidationData ? toAttributeMap(input.ValidationData) : null,
      ...(input.ClientMetadata && { clientMetadata: input.ClientMetadata }),
    });
    const user = await this.writer.create(pool, {
      username: input.Username,
      attributes,
      status: 'FORCE_CHANGE_PASSWORD',
      password: temporary,
      forceAliasCreation: input.ForceAliasCreation ?? false,
      creatingAsAdmin: true,
    });
    if (input.MessageAction !== 'SUPPRESS') await this.sendInvitation(pool, user, temporary, input.DesiredDeliveryMediums);
    return user;
  }

  private async resendInvitation(pool: UserPool, input: AdminCreateUserInput): Promise<User> {
    const user = await this.directory.user(pool, input.Username);
    if (user.status !== 'FORCE_CHANGE_PASSWORD') throw new UnsupportedUserStateException('User account already exists');
    const temporary = input.TemporaryPassword ?? this.generatePassword(pool);
    const now = this.d.clock.now();
    // Resending restarts the temporary password's validity, as Cognito does.
    await this.d.users.update(user.id, { ...(await passwordCredentials(pool.id, user.username, temporary, this.d.random)), passwordUpdatedAt: now, updatedAt: now });
    await this.sendInvitation(pool, user, temporary, input.DesiredDeliveryMediums);
    return (await this.d.users.findById(user.id))!;
  }

  private async sendInvitation(pool: UserPool, user: User, temporaryPassword: string, mediums: Array<'EMAIL' | 'SMS'> = ['SMS']): Promise<void> {
    const template = pool.settings.AdminCreateUserConfig.InviteMessageTemplate;
    const custom = this.d.triggers?.has(pool, 'CustomMessage')
      ? await this.d.triggers.customMessage(pool, { userName: user.username, clientId: CLIENT_ID_NOT_APPLICABLE }, { source: 'CustomMessage_AdminCreateUser', userAttributes: triggerUserAttributes(user, pool), usernameParameter: '{username}' })
      : undefined;
    for (const medium of mediums) {
      const destination = medium === 'EMAIL' ? user.attributes.email : user.attributes.phone_number;
      if (!destination) continue;
      const text =
        (medium === 'EMAIL' ? custom?.emailMessage : custom?.smsMessage) ??
        (medium === 'EMAIL' ? (template?.EmailMessage ?? 'Your username is {username} and temporary password is {####}. ') : (template?.SMSMessage ?? 'Your username is {username} and temporary password is {####}. '));
      await this.d.sender.send({
        poolId: pool.id,
        userId: user.id,
        channel: medium,
        destination,
        purpose: 'invitation',
        subject: custom?.emailSubject ?? template?.EmailSubject ?? 'Your temporary password',
        body: renderTemplate(text, { code: temporaryPassword, username: user.username }),
      });
    }
  }

  /** A random temporary password that satisfies the pool's policy. */
  private generatePassword(pool: UserPool): string {
    const length = Math.max(12, pool.settings.Policies.PasswordPolicy.MinimumLength);
    const pick = (alphabet: string) => alphabet[this.d.random.int(alphabet.length)]!;
    const chars = [pick('ABCDEFGHJKLMNPQRSTUVWXYZ'), pick('abcdefghijkmnopqrstuvwxyz'), pick('23456789'), pick('^$*.!@#%&')];
    while (chars.length < length) chars.push(pick('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'));
    for (let i = chars.length - 1; i > 0; i--) {
      const j = this.d.random.int(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    return chars.join('');
  }

  async getUser(poolId: string, username: string): Promise<User> {
    return this.directory.user(await this.directory.pool(poolId), username);
  }

  async deleteUser(poolId: string, username: string): Promise<void> {
    const user = await this.getUser(poolId, username);
    await this.d.users.delete(user.id);
  }

  async setEnabled(poolId: string, username: string, enabled: boolean): Promise<void> {
    const user = await this.getUser(poolId, username);
    const now = this.d.clock.now();
    await this.d.users.update(user.id, { enabled, updatedAt: now });
    // A disabled user's refresh tokens stop working for good, as Cognito's do.
    if (!enabled) await this.d.sessions.revokeAllOfUser(user.id, now);
  }

  async setPassword(poolId: string, username: string, password: string, permanent: boolean): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    assertPasswordConforms(password, pool.settings.Policies.PasswordPolicy);
    await this.writer.setPassword(user, password, permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD');
  }

  async resetPassword(poolId: string, username: string): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    if (user.status === 'UNCONFIRMED' || user.status === 'FORCE_CHANGE_PASSWORD') {
      throw new NotAuthorizedException(`User password cannot be reset in the current state.`);
    }
    await this.d.users.update(user.id, { status: 'RESET_REQUIRED', updatedAt: this.d.clock.now() });
    const via = this.codes.channelFor(user);
    if (via) await this.codes.issue(pool, user, 'forgot_password', via);
  }

  async updateAttributes(poolId: string, username: string, list: AttributeInput[]): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    const attributes = toAttributeMap(list);
    assertWritableAttributes(pool.settings, attributes, { creating: false });
    await this.writer.putAttributes(pool, user, normalizeAttributes(pool, attributes));
  }

  async deleteAttributes(poolId: string, username: string, names: string[]): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    for (const name of names) {
      const schema = pool.settings.SchemaAttributes.find((a) => a.Name === name);
      if (!schema) throw new InvalidParameterException(`Attribute does not exist in the schema: ${name}`);
      if (name === 'sub' || schema.Required || schema.Mutable === false) throw new InvalidParameterException(`Cannot delete a required or immutable attribute: ${name}`);
    }
    await this.writer.deleteAttributes(user, names);
  }

  async confirmSignUp(poolId: string, username: string): Promise<void> {
    const user = await this.getUser(poolId, username);
    if (user.status !== 'UNCONFIRMED') throw new NotAuthorizedException(`User cannot be confirmed. Current status is ${user.status}`);
    await this.d.users.update(user.id, { status: 'CONFIRMED', updatedAt: this.d.clock.now() });
  }

  async globalSignOut(poolId: string, username: string): Promise<void> {
    const user = await this.getUser(poolId, username);
    await this.d.sessions.revokeAllOfUser(user.id, this.d.clock.now());
  }

  async listUsers(poolId: string, opts: { limit: number; paginationToken?: string; filter?: string }): Promise<{ items: User[]; next?: string }> {
    const pool = await this.directory.pool(poolId);
    const filter = parseListUsersFilter(opts.filter);
    const after = decodePageToken(opts.paginationToken);
    const query = { poolId, after } as Parameters<typeof this.d.users.list>[0];
    if (filter) {
      const { attribute, op, value } = filter;
      if (attribute === 'username') query.usernameKey = { op, value: this.directory.usernameKey(pool, value) };
      // Cognito documents this filter as case-insensitive; every status is stored upper-case.
      else if (attribute === 'cognito:user_status') query.status = { op, value: value.toUpperCase() };
      else if (attribute === 'status') {
        if (op !== '=' || (value !== 'Enabled' && value !== 'Disabled')) throw new InvalidParameterException('Invalid filter value for status: use status = "Enabled" or "Disabled"');
        query.enabled = value === 'Enabled';
      } else query.attribute = { name: attribute, op, value: attribute === 'email' && usesEmailSignIn(pool) ? value.toLowerCase() : value };
    }
    const keys = new Map<string, string>();
    return paginate(
      opts.limit,
      async (n) => {
        const users = await this.d.users.list({ ...query, limit: n });
        for (const u of users) keys.set(u.id, this.directory.usernameKey(pool, u.username));
        return users;
      },
      (u) => keys.get(u.id)!,
    );
  }

  async createGroup(poolId: string, input: GroupInput): Promise<Group> {
    await this.directory.pool(poolId);
    if (await this.d.groups.find(poolId, input.GroupName)) throw new GroupExistsException('A group with the name already exists.');
    assertBelow(await this.d.groups.count(poolId), QUOTAS.groupsPerPool, 'groups per user pool');
    const now = this.d.clock.now();
    const group: Group = {
      poolId,
      name: input.GroupName,
      description: input.Description ?? null,
      roleArn: input.RoleArn ?? null,
      precedence: input.Precedence ?? null,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.groups.insert(group);
    return group;
  }

  async getGroup(poolId: string, name: string): Promise<Group> {
    await this.directory.pool(poolId);
    const group = await this.d.groups.find(poolId, name);
    if (!group) throw new ResourceNotFoundException('Group not found.');
    return group;
  }

  async updateGroup(poolId: string, input: Partial<GroupInput> & { GroupName: string }): Promise<Group> {
    const group = await this.getGroup(poolId, input.GroupName);
    if (input.Description !== undefined) group.description = input.Description;
    if (input.RoleArn !== undefined) group.roleArn = input.RoleArn;
    if (input.Precedence !== undefined) group.precedence = input.Precedence;
    group.updatedAt = this.d.clock.now();
    await this.d.groups.update(group);
    return group;
  }

  async deleteGroup(poolId: string, name: string): Promise<void> {
    await this.getGroup(poolId, name);
    await this.d.groups.delete(poolId, name);
  }

  async listGroups(poolId: string, limit: number, nextToken?: string): Promise<{ items: Group[]; next?: string }> {
    await this.directory.pool(poolId);
    return paginate(limit, (n) => this.d.groups.list(poolId, n, decodePageToken(nextToken)), (g) => g.name);
  }

  async addUserToGroup(poolId: string, username: string, groupName: string): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    await this.getGroup(poolId, groupName);
    const groups = await this.d.groups.groupsOfUser(user.id, QUOTAS.groupsPerUser + 1);
    if (groups.some((g) => g.name === groupName)) return;
    assertBelow(groups.length, QUOTAS.groupsPerUser, 'groups per user');
    await this.d.groups.addMember(poolId, groupName, user.id);
  }

  async removeUserFromGroup(poolId: string, username: string, groupName: string): Promise<void> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    await this.getGroup(poolId, groupName);
    await this.d.groups.removeMember(groupName, user.id);
  }

  async listGroupsForUser(poolId: string, username: string, limit: number, nextToken?: string): Promise<{ items: Group[]; next?: string }> {
    const pool = await this.directory.pool(poolId);
    const user = await this.directory.user(pool, username);
    return paginate(limit, (n) => this.d.groups.groupsOfUser(user.id, n, decodePageToken(nextToken)), (g) => g.name);
  }

  async listUsersInGroup(poolId: string, groupName: string, limit: number, nextToken?: string): Promise<{ items: User[]; next?: string }> {
    await this.getGroup(poolId, groupName);
    return paginate(
      limit,
      async (n) => {
        const ids = await this.d.groups.memberIds(poolId, groupName, n, decodePageToken(nextToken));
        const users = await Promise.all(ids.map((id) => this.d.users.findById(id)));
        return users.filter((u): u is User => u !== undefined);
      },
      (u) => u.id,
    );
  }
}

export function usesEmailSignIn(pool: UserPool): boolean {
  return Boolean(pool.settings.UsernameAttributes?.includes('email') || pool.settings.AliasAttributes?.includes('email'));
}
