import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Compares digests, so the comparison time never depends on where the inputs differ or on their lengths. */
export const safeEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;
const SEALED_VERSION = 'v1';

const aesKey = (keyHex: string): Buffer => {
  const key = Buffer.from(keyHex, 'hex');
  if (key.length !== 32) throw new Error('AES-256-GCM needs a 32-byte key (64 hex characters)');
  return key;
};

/**
 * Encrypts a secret for storage with AES-256-GCM under the instance's encryption key: `v1.<iv>.<tag>.<ciphertext>`
 * (base64url). A fresh random IV per call; the tag makes tampering fail loudly on open. `context` binds the
 * ciphertext to where it is stored (e.g. a signing key's kid), so a value copied to another row does not open.
 */
export const sealSecret = (keyHex: string, plaintext: string, context = ''): string => {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', aesKey(keyHex), iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [SEALED_VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
};

/** Opens what `sealSecret` produced; throws when the key, the context or the ciphertext does not match. */
export const openSecret = (keyHex: string, sealed: string, context = ''): string => {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== SEALED_VERSION || !iv || !tag || ciphertext === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(keyHex), Buffer.from(iv, 'base64url'), { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
};
