import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Random secrets (tokens, keys) are 256 bits, so a fast hash is enough to store them: nobody can
 * guess their way back from sha256 of such a value. Passwords, which people choose, use scrypt.
 */
export const newSecret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** A 6-digit code, uniformly drawn. */
export const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
