import { hash, verify } from '@node-rs/argon2';

import { passwordPolicyViolations } from '../tenants/tenant-policy.js';
import type { TPasswordPolicy } from '../tenants/tenant-settings.schemas.js';

/**
 * Argon2id (the @node-rs/argon2 default) with its default cost, m=19 MiB, t=2, p=1: OWASP's recommended minimum,
 * about 30 ms here. Prebuilt per platform, so installing needs no compiler and no download step.
 */
export const hashPassword = (password: string): Promise<string> => hash(password);

export const verifyPassword = async (passwordHash: string, password: string): Promise<boolean> => {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
};

/**
 * Verified against when the e-mail is unknown or has no password, so a failed sign-in takes as long whether or
 * not the account exists.
 */
let dummyHash: Promise<string> | undefined;
export const burnPasswordCheck = async (password: string): Promise<void> => {
  dummyHash ??= hash('switchboard-dummy-password');
  await verifyPassword(await dummyHash, password);
};

export type PasswordStrength = { isValid: boolean; score: number; reasons: string[] };

const COMMON = /^(password|passw0rd|qwerty|letmein|welcome|admin|changeme|iloveyou|12345|abc123)/i;

/**
 * The policy's rules decide validity; the 0-4 score adds what the policy cannot express (length beyond the
 * minimum, variety of character classes, obvious words and repetitions), so a UI can show a meter.
 */
export const passwordStrength = (password: string, policy: TPasswordPolicy): PasswordStrength => {
  const reasons = passwordPolicyViolations(password, policy);
  const length = [...password].length;
  const classes = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{L}\p{N}\s]/u].filter((pattern) => pattern.test(password)).length;
  let score = Math.min(2, Math.floor(length / 8)) + (classes >= 3 ? 1 : 0) + (classes === 4 && length >= 12 ? 1 : 0);
  if (COMMON.test(password)) {
    reasons.push('is a commonly used password');
    score = 0;
  }
  if (/^(.)\1+$/u.test(password)) {
    reasons.push('repeats a single character');
    score = 0;
  }
  return { isValid: reasons.length === 0, score: Math.min(4, score), reasons };
};
