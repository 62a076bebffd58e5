/**
 * Audit rows are kept for a long time and read by many people, so anything that looks like a secret is replaced
 * before it is written, even if a caller passes it by mistake. Matching is on key names, recursively.
 */
const SECRET_WORDS = new Set(['password', 'passwd', 'pwd', 'secret', 'token', 'hash', 'authorization', 'cookie', 'key', 'credential', 'credentials', 'otp']);

/** By the last word of the key (camelCase or snake_case): `refreshToken`, `key_hash` go; `passwordPolicy`, `apiKeyId` stay. */
const isSecretKey = (key: string) => {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return SECRET_WORDS.has(words.at(-1) ?? '');
};

export const REDACTED = '[redacted]';

export const redactSecrets = (value: unknown, depth = 0): unknown => {
  if (depth > 8) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, isSecretKey(key) ? REDACTED : redactSecrets(inner, depth + 1)]),
    );
  }
  return value;
};
