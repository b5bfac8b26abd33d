import { randomLowerAlphanumeric, randomString, type Random } from '../util/random.ts';

/** `us-east-1_AbC123xyZ`: the shape aws-jwt-verify and the SDKs parse a region from. */
export function newPoolId(random: Random, region: string): string {
  return `${region}_${randomString(random, 9)}`;
}

export function newClientId(random: Random): string {
  return randomLowerAlphanumeric(random, 26);
}

export function newClientSecret(random: Random): string {
  return randomLowerAlphanumeric(random, 51);
}

export const POOL_ID_PATTERN = /^[\w-]+_[0-9a-zA-Z]+$/;
