import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminSetUserPasswordCommand,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  InitiateAuthCommand,
  ListGroupsCommand,
  ListUsersInGroupCommand,
  type ListUsersInGroupCommandOutput,
  UpdateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/expect-error.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('Cognito groups through the AWS SDK', () => {
  let s: TestServer;
  let poolId: string;
  let clientId: string;
  const PASSWORD = 'Gr0up!Passw0rd';
  const ROLE = 'arn:aws:iam::123456789012:role/readers';

  beforeAll(async () => {
    s = await startTestServer();
    poolId = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'groups' }))).UserPool!.Id!;
    clientId = (
      await s.admin.send(new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }))
    ).UserPoolClient!.ClientId!;
  });
  afterAll(async () => s?.close());

  const createGroup = (GroupName: string, extra: { Description?: string; Precedence?: number; RoleArn?: string } = {}, pool = poolId) =>
    s.admin.send(new CreateGroupCommand({ UserPoolId: pool, GroupName, ...extra }));
  const createUser = async (Username: string, pool = poolId) => {
    await s.admin.send(new AdminCreateUserCommand({ UserPoolId: pool, Username, MessageAction: 'SUPPRESS' }));
    await s.admin.send(new AdminSetUserPasswordCommand({ UserPoolId: pool, Username, Password: PASSWORD, Permanent: true }));
  };
  const addToGroup = (Username: string, GroupName: string) => s.admin.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username, GroupName }));
  const groupsOf = async (Username: string) => ((await s.admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username }))).Groups ?? []).map((g) => g.GroupName);
  const membersOf = async (GroupName: string) => ((await s.admin.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName }))).Users ?? []).map((u) => u.Username).sort();
  const signIn = (USERNAME: string) =>
    s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME, PASSWORD } }));

  describe('group lifecycle', () => {
    it('creates a group with its description, role and precedence', async () => {
      const { Group } = await createGroup('editors', { Description: 'Can edit', Precedence: 3, RoleArn: ROLE });
      expect(Group).toMatchObject({ GroupName: 'editors', UserPoolId: poolId, Description: 'Can edit', Precedence: 3, RoleArn: ROLE });
      expect(Group!.CreationDate).toBeInstanceOf(Date);
      expect(Group!.LastModifiedDate).toBeInstanceOf(Date);
      const { Group: got } = await s.admin.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'editors' }));
      expect(got).toMatchObject({ GroupName: 'editors', Description: 'Can edit', Precedence: 3, RoleArn: ROLE });
    });

    it('creates a group with only a name, leaving the optional fields out', async () => {
      const { Group } = await createGroup('bare');
      expect(Group!.GroupName).toBe('bare');
      expect(Group!.Description).toBeUndefined();
      expect(Group!.Precedence).toBeUndefined();
      expect(Group!.RoleArn).toBeUndefined();
    });

    it('refuses a second group with the same name', async () => {
      await createGroup('unique');
      await expectError(createGroup('unique'), 'GroupExistsException', 'A group with the name already exists.');
    });

    it('refuses a negative precedence and a role ARN that is too short', async () => {
      await expectError(createGroup('negative', { Precedence: -1 }), 'InvalidParameterException', /precedence/);
      await expectError(createGroup('short-role', { RoleArn: 'arn:x' }), 'InvalidParameterException', /roleArn/);
    });

    it('refuses groups in a pool that does not exist', async () => {
      await expectError(createGroup('orphan', {}, 'us-east-1_Nope0000'), 'ResourceNotFoundException', 'User pool us-east-1_Nope0000 does not exist.');
      await expectError(s.admin.send(new ListGroupsCommand({ UserPoolId: 'us-east-1_Nope0000' })), 'ResourceNotFoundException');
    });

    it('answers ResourceNotFoundException for a group that does not exist', async () => {
      await expectError(s.admin.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'ghosts' })), 'ResourceNotFoundException', 'Group not found.');
      await expectError(s.admin.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'ghosts', Description: 'x' })), 'ResourceNotFoundException', 'Group not found.');
      await expectError(s.admin.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'ghosts' })), 'ResourceNotFoundException', 'Group not found.');
      await expectError(s.admin.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'ghosts' })), 'ResourceNotFoundException', 'Group not found.');
    });

    it('updates a group description and precedence', async () => {
      const { Group: before } = await createGroup('movable', { Description: 'old', Precedence: 9 });
      const { Group: after } = await s.admin.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'movable', Description: 'new', Precedence: 1 }));
      expect(after).toMatchObject({ GroupName: 'movable', Description: 'new', Precedence: 1 });
      expect(after!.CreationDate!.getTime()).toBe(before!.CreationDate!.getTime());
      const { Group: got } = await s.admin.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'movable' }));
      expect(got).toMatchObject({ Description: 'new', Precedence: 1 });
    });

    it('deletes a group and the memberships in it, but not its members', async () => {
      await createGroup('temporary');
      await createUser('member-of-temporary');
      await addToGroup('member-of-temporary', 'temporary');
      expect(await groupsOf('member-of-temporary')).toEqual(['temporary']);
      await s.admin.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: 'temporary' }));
      await expectError(s.admin.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'temporary' })), 'ResourceNotFoundException');
      expect(await groupsOf('member-of-temporary')).toEqual([]);
      expect((await signIn('member-of-temporary')).AuthenticationResult?.AccessToken).toBeTruthy();
    });

    it('keeps groups of different pools apart', async () => {
      const other = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'other-groups' }))).UserPool!.Id!;
      await createGroup('editors', { Description: 'elsewhere' }, other);
      const { Group } = await s.admin.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: 'editors' }));
      expect(Group!.Description).toBe('Can edit');
      const names = ((await s.admin.send(new ListGroupsCommand({ UserPoolId: other }))).Groups ?? []).map((g) => g.GroupName);
      expect(names).toEqual(['editors']);
    });

    it('pages through groups with Limit and NextToken', async () => {
      const pool = (await s.admin.send(new CreateUserPoolCommand({ PoolName: 'many-groups' }))).UserPool!.Id!;
      for (const name of ['g1', 'g2', 'g3', 'g4', 'g5']) await createGroup(name, {}, pool);
      const pages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await s.admin.send(new ListGroupsCommand({ UserPoolId: pool, Limit: 2, NextToken: token }));
        pages.push((page.Groups ?? []).map((g) => g.GroupName!));
        token = page.NextToken;
      } while (token && pages.length < 10);
      expect(pages).toEqual([['g1', 'g2'], ['g3', 'g4'], ['g5']]);
      await expectError(s.admin.send(new ListGroupsCommand({ UserPoolId: pool, Limit: 61 })), 'InvalidParameterException', /limit/);
    });
  });

  describe('memberships', () => {
    beforeAll(async () => {
      for (const name of ['viewers', 'auditors']) await createGroup(name);
      for (const name of ['uma', 'victor', 'wendy']) await createUser(name);
    });

    it('adds users to groups, idempotently, and lists them both ways', async () => {
      await addToGroup('uma', 'viewers');
      await addToGroup('uma', 'viewers');
      await addToGroup('victor', 'viewers');
      await addToGroup('uma', 'auditors');
      expect(await membersOf('viewers')).toEqual(['uma', 'victor']);
      expect(await membersOf('auditors')).toEqual(['uma']);
      expect((await groupsOf('uma')).sort()).toEqual(['auditors', 'viewers']);
      expect(await groupsOf('wendy')).toEqual([]);
      const users = (await s.admin.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'viewers' }))).Users!;
      expect(users.every((u) => u.UserStatus === 'CONFIRMED' && u.Enabled === true && u.Attributes!.some((a) => a.Name === 'sub'))).toBe(true);
    });

    it('removes a user from a group', async () => {
      await addToGroup('wendy', 'auditors');
      await s.admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'wendy', GroupName: 'auditors' }));
      expect(await groupsOf('wendy')).toEqual([]);
      expect(await membersOf('auditors')).not.toContain('wendy');
    });

    it('refuses memberships for unknown users and unknown groups', async () => {
      await expectError(addToGroup('nobody', 'viewers'), 'UserNotFoundException', 'User does not exist.');
      await expectError(addToGroup('uma', 'ghosts'), 'ResourceNotFoundException', 'Group not found.');
      await expectError(s.admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'nobody', GroupName: 'viewers' })), 'UserNotFoundException');
      await expectError(s.admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'uma', GroupName: 'ghosts' })), 'ResourceNotFoundException');
      await expectError(s.admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'nobody' })), 'UserNotFoundException', 'User does not exist.');
    });

    it('pages a user groups and a group members with Limit and NextToken', async () => {
      for (const name of ['p1', 'p2', 'p3']) {
        await createGroup(name);
        await addToGroup('victor', name);
      }
      const groupPages: string[][] = [];
      let token: string | undefined;
      do {
        const page = await s.admin.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: 'victor', Limit: 2, NextToken: token }));
        groupPages.push((page.Groups ?? []).map((g) => g.GroupName!));
        token = page.NextToken;
      } while (token && groupPages.length < 10);
      expect(groupPages).toEqual([['p1', 'p2'], ['p3', 'viewers']]);

      for (const name of ['uma', 'wendy']) await addToGroup(name, 'p1');
      const members: string[] = [];
      let pages = 0;
      token = undefined;
      do {
        const page: ListUsersInGroupCommandOutput = await s.admin.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: 'p1', Limit: 2, NextToken: token }));
        expect(page.Users!.length).toBeLessThanOrEqual(2);
        members.push(...page.Users!.map((u) => u.Username!));
        token = page.NextToken;
        pages++;
      } while (token && pages < 10);
      expect(pages).toBe(2);
      expect(members.sort()).toEqual(['uma', 'victor', 'wendy']);
    });
  });

  describe('the cognito:groups claim', () => {
    beforeAll(async () => {
      await createGroup('rank-five', { Precedence: 5 });
      await createGroup('rank-one', { Precedence: 1 });
      await createGroup('rank-three', { Precedence: 3 });
      await createGroup('no-rank');
      await createUser('xena');
      // Added in an order unrelated to precedence or name.
      for (const g of ['rank-three', 'no-rank', 'rank-five', 'rank-one']) await addToGroup('xena', g);
      await createUser('yuri');
    });

    it('lists the groups in both ID and access tokens, lowest precedence first', async () => {
      const auth = (await signIn('xena')).AuthenticationResult!;
      const id = decodeJwt(auth.IdToken!);
      const access = decodeJwt(auth.AccessToken!);
      for (const claims of [id, access]) {
        const groups = claims['cognito:groups'] as string[];
        expect(groups).toHaveLength(4);
        expect(groups.slice(0, 3)).toEqual(['rank-one', 'rank-three', 'rank-five']);
        expect(groups).toContain('no-rank');
      }
      expect(id['cognito:groups']).toEqual(access['cognito:groups']);
    });

    it('leaves the claim out for a user in no group', async () => {
      const auth = (await signIn('yuri')).AuthenticationResult!;
      expect(decodeJwt(auth.IdToken!)['cognito:groups']).toBeUndefined();
      expect(decodeJwt(auth.AccessToken!)['cognito:groups']).toBeUndefined();
    });

    it('reflects membership and precedence changes in tokens minted from a refresh token', async () => {
      const first = (await signIn('xena')).AuthenticationResult!;
      await s.admin.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: poolId, Username: 'xena', GroupName: 'rank-three' }));
      await s.admin.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: 'rank-five', Precedence: 0 }));
      const refreshed = (
        await s.anonymous.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: first.RefreshToken! } }))
      ).AuthenticationResult!;
      for (const token of [refreshed.IdToken!, refreshed.AccessToken!]) {
        const groups = decodeJwt(token)['cognito:groups'] as string[];
        expect(groups.slice(0, 2)).toEqual(['rank-five', 'rank-one']);
        expect(groups).not.toContain('rank-three');
        expect(groups).toContain('no-rank');
      }
    });
  });
});
