import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The triggers Tessera runs, named as Cognito names them in `LambdaConfig` and in its error messages
 * (`PreSignUp failed with error …`). `PreTokenGeneration` is configured by either the legacy
 * `PreTokenGeneration` key or `PreTokenGenerationConfig {LambdaVersion, LambdaArn}`.
 */
export const TRIGGER_NAMES = [
  'PreSignUp',
  'PostConfirmation',
  'PreAuthentication',
  'PostAuthentication',
  'PreTokenGeneration',
  'CustomMessage',
  'UserMigration',
  'DefineAuthChallenge',
  'CreateAuthChallenge',
  'VerifyAuthChallengeResponse',
] as const;

export type TriggerName = (typeof TRIGGER_NAMES)[number];

export type PreTokenGenerationVersion = 'V1_0' | 'V2_0' | 'V3_0';

/**
 * Where a trigger runs. Cognito takes a Lambda ARN; Tessera takes an `http(s)://` URL (it POSTs the
 * event and reads the event back) or a JS/TS module exporting `handler`. An ARN is kept as such so
 * invoking it can say clearly why it cannot run here.
 */
export type TriggerTarget =
  | { kind: 'http'; url: string }
  | { kind: 'module'; path: string; exportName: string }
  | { kind: 'lambda-arn'; arn: string }
  | { kind: 'unsupported'; value: string };

/** The configured target string of a trigger, or undefined when the pool has none. */
export function configuredTarget(lambdaConfig: Record<string, unknown> | undefined, trigger: TriggerName): string | undefined {
  if (!lambdaConfig) return undefined;
  if (trigger === 'PreTokenGeneration') {
    const config = lambdaConfig.PreTokenGenerationConfig as { LambdaArn?: unknown } | undefined;
    // Cognito requires both keys to name the same function when both are set; the detailed one wins here.
    const arn = typeof config?.LambdaArn === 'string' && config.LambdaArn !== '' ? config.LambdaArn : lambdaConfig.PreTokenGeneration;
    return typeof arn === 'string' && arn !== '' ? arn : undefined;
  }
  const value = lambdaConfig[trigger];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The event version a pre token generation trigger gets: `PreTokenGenerationConfig.LambdaVersion`,
 * or V1_0 when only the legacy `PreTokenGeneration` key is set (as Cognito does).
 */
export function preTokenGenerationVersion(lambdaConfig: Record<string, unknown> | undefined): PreTokenGenerationVersion {
  const version = (lambdaConfig?.PreTokenGenerationConfig as { LambdaVersion?: unknown } | undefined)?.LambdaVersion;
  return version === 'V2_0' || version === 'V3_0' ? version : 'V1_0';
}

/**
 * Reads a target string. Module paths are absolute, `file://` URLs, or relative to `baseDir`; a
 * `#name` suffix picks an export other than `handler` (`./triggers.mjs#preSignUp`).
 */
export function parseTarget(value: string, baseDir: string): TriggerTarget {
  if (/^https?:\/\//i.test(value)) return { kind: 'http', url: value };
  if (/^arn:/i.test(value)) return { kind: 'lambda-arn', arn: value };
  const hash = value.lastIndexOf('#');
  const exportName = hash > 0 && /^[A-Za-z_$][\w$]*$/.test(value.slice(hash + 1)) ? value.slice(hash + 1) : 'handler';
  const spec = exportName === 'handler' && !value.endsWith('#handler') ? value : value.slice(0, hash);
  if (/^file:\/\//i.test(spec)) return { kind: 'module', path: fileURLToPath(spec), exportName };
  // Another scheme (ftp:, s3:…) is a mistake, not a relative path; a Windows drive letter is a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) return { kind: 'unsupported', value };
  return { kind: 'module', path: isAbsolute(spec) ? spec : resolve(baseDir, spec), exportName };
}
