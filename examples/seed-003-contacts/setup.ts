/**
 * Seed 003's user pool, made the way the walkthrough makes it, but against Tessera:
 * - the console steps through the SDK: a pool whose users sign in with their email, no MFA, and an
 *   app client without a secret that allows USER_PASSWORD_AUTH;
 * - the groups `admin` and `user`, and the users, with the AWS CLI commands the walkthrough types
 *   (`admin-create-user`, `admin-set-user-password --permanent`, `admin-add-user-to-group`), pointed at
 *   Tessera with `--endpoint-url`. Without an AWS CLI, the same calls go through the SDK, with a note.
 */
import { execFile } from 'node:child_process';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The groups the seed creates in the console; Cerbos sees them as roles. */
export const GROUPS = ['admin', 'user'] as const;
export type Group = (typeof GROUPS)[number];

/** The users the seed creates with the CLI (one per group), signing in with their email. */
export const USERS: ReadonlyArray<{ email: string; group: Group }> = [
  { email: 'alice@example.com', group: 'admin' },
  { email: 'bob@example.com', group: 'user' },
];
/** For this local demo only; it meets the pool's default password policy. */
export const PASSWORD = 'Seed-003!Passw0rd';

export interface Seed003Options {
  /** Tessera's base URL: the SDK's endpoint and the CLI's `--endpoint-url`. */
  tesseraUrl: string;
  region?: string;
  /** Admin credentials (SigV4), for the SDK and the CLI. */
  credentials: Credentials;
  /**
   * The AWS CLI to run: a path or command name, `'auto'` (the default: `/usr/bin/aws`, then `aws` on
   * PATH) or `'none'` (the SDK does everything).
   */
  awsCli?: string;
  /** Where each step is reported; silent by default. */
  log?: (line: string) => void;
}

export interface Seed003 {
  poolId: string;
  clientId: string;
  /** Who created the groups and the users. */
  via: 'aws-cli' | 'sdk';
  /** The CLI that did, when `via` is `aws-cli`. */
  awsCli?: string;
  /** The `aws` command lines, as one would type them (run, or, for the SDK, their equivalents). */
  commands: string[];
  /** Each user's `sub`, their id as a Cerbos principal. */
  subs: Record<string, string>;
}

const shellQuote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

/** The environment the CLI runs in: the admin keys and region, and nothing from the user's AWS configuration. */
function cliEnv(o: { region: string; credentials: Credentials }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: o.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: o.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: o.region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ code: 0, stdout, stderr });
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'number') return resolve({ code, stdout, stderr });
      reject(error);
    });
  });
}

/** The first of the candidates that runs (`aws --version` exits 0), or undefined. */
export async function findAwsCli(choice = process.env.AWS_CLI ?? 'auto', env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (choice === 'none') return undefined;
  // Debian's awscli first (what CI installs), as another `aws` may come first on PATH.
  const candidates = choice === 'auto' ? ['/usr/bin/aws', 'aws'] : [choice];
  for (const candidate of candidates) {
    try {
      if ((await run(candidate, ['--version'], env)).code === 0) return candidate;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

export async function setUpSeed003(o: Seed003Options): Promise<Seed003> {
  const region = o.region ?? 'us-east-1';
  const log = o.log ?? (() => {});
  const cognito = new CognitoIdentityProviderClient({ endpoint: o.tesseraUrl, region, credentials: o.credentials, maxAttempts: 1 });
  const env = cliEnv({ region, credentials: o.credentials });
  try {
    // The console steps: "Cognito user pool sign-in options: Email", "No MFA", an initial app client.
    const poolId = (
      await cognito.send(
        new CreateUserPoolCommand({ PoolName: 'cerbos-contacts', UsernameAttributes: ['email'], AutoVerifiedAttributes: ['email'], MfaConfiguration: 'OFF' }),
      )
    ).UserPool!.Id!;
    const clientId = (
      await cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: poolId,
          ClientName: 'contacts-app',
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          CallbackURLs: ['http://localhost:8000/callback'],
          LogoutURLs: ['http://localhost:8000'],
        }),
      )
    ).UserPoolClient!.ClientId!;
    log(`user pool ${poolId} (sign-in with email), app client ${clientId} (created through the SDK, as in the console)`);

    // The seed's commands, in its order: groups (console in the seed), then each user and their group.
    const steps: string[][] = [
      ...GROUPS.map((group) => ['create-group', '--user-pool-id', poolId, '--group-name', group]),
      ...USERS.flatMap(({ email, group }) => [
        ['admin-create-user', '--user-pool-id', poolId, '--username', email],
        ['admin-set-user-password', '--user-pool-id', poolId, '--username', email, '--password', PASSWORD, '--permanent'],
        ['admin-add-user-to-group', '--user-pool-id', poolId, '--username', email, '--group-name', group],
      ]),
    ];
    const commands = steps.map((args) => ['aws', 'cognito-idp', ...args, '--endpoint-url', o.tesseraUrl].map(shellQuote).join(' '));
    const subs: Record<string, string> = {};

    const awsCli = await findAwsCli(o.awsCli ?? process.env.AWS_CLI ?? 'auto', env);
    if (awsCli) {
      log(`groups and users with the AWS CLI (${awsCli}):`);
      for (const [i, args] of steps.entries()) {
        log(`  $ ${commands[i]}`);
        const r = await run(awsCli, ['cognito-idp', ...args, '--endpoint-url', o.tesseraUrl, '--output', 'json'], env);
        if (r.code !== 0) throw new Error(`${commands[i]} exited ${r.code}: ${r.stderr.trim()}`);
        if (args[0] === 'admin-create-user') {
          const user = (JSON.parse(r.stdout) as { User: { Attributes?: Array<{ Name: string; Value: string }> } }).User;
          subs[args[4]!] = user.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
        }
      }
      return { poolId, clientId, via: 'aws-cli', awsCli, commands, subs };
    }

    const choice = o.awsCli ?? process.env.AWS_CLI ?? 'auto';
    const why = choice === 'none' ? 'AWS_CLI=none' : choice === 'auto' ? 'no AWS CLI found (`aws`)' : `the AWS CLI ${choice} does not run`;
    log(`note: ${why}, so the same calls go through the AWS SDK; with the CLI they would be:`);
    for (const command of commands) log(`  $ ${command}`);
    for (const group of GROUPS) await cognito.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
    for (const { email, group } of USERS) {
      const user = (await cognito.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: email }))).User!;
      subs[email] = user.Attributes?.find((a) => a.Name === 'sub')?.Value ?? '';
      await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: email, Password: PASSWORD, Permanent: true }));
      await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: email, GroupName: group }));
    }
    return { poolId, clientId, via: 'sdk', commands, subs };
  } finally {
    cognito.destroy();
  }
}

/** USER_PASSWORD_AUTH, as the app's login form does it. */
export async function signIn(o: { tesseraUrl: string; region?: string; clientId: string; username: string; password?: string }) {
  // A public operation: the SDK signs it anyway, with any key.
  const cognito = new CognitoIdentityProviderClient({ endpoint: o.tesseraUrl, region: o.region ?? 'us-east-1', credentials: { accessKeyId: 'anonymous', secretAccessKey: 'anonymous' }, maxAttempts: 1 });
  try {
    const r = await cognito.send(new InitiateAuthCommand({ ClientId: o.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: o.username, PASSWORD: o.password ?? PASSWORD } }));
    const result = r.AuthenticationResult;
    if (!result?.IdToken || !result.AccessToken) throw new Error(`sign-in of ${o.username} ended in a challenge: ${r.ChallengeName ?? 'none'}`);
    return { idToken: result.IdToken, accessToken: result.AccessToken, refreshToken: result.RefreshToken };
  } finally {
    cognito.destroy();
  }
}
