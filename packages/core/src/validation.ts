import type { z } from 'zod';
import { badUserInput } from './errors.js';

/**
 * Checks an argument against a zod schema; the first problem becomes a `BAD_USER_INPUT` naming the
 * field (`input.name`), and all of them are listed in `extensions.problems`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, argumentName = 'input'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    field: [argumentName, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = problems[0]!;
  throw badUserInput(`${first.field}: ${first.message}`, first.field, { problems });
}

/** A display name: trimmed, 1 to `max` characters. */
export const displayName = (zod: typeof z, max = 100) =>
  zod
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

/**
 * Bytes sent inline as base64 (a data URL prefix is allowed). Malformed text, or more than `maxBytes`
 * once decoded, is a `BAD_USER_INPUT` on `field`; the size is checked before anything is decoded.
 */
export function decodeBase64(value: string, field: string, limit: { maxBytes: number; tooLarge: string }): Buffer {
  const base64 = value.replace(/^data:[^;]+;base64,/, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 === 1) throw badUserInput(`${field}: is not base64.`, field);
  if (base64.length * 0.75 > limit.maxBytes + 3) throw badUserInput(`${field}: ${limit.tooLarge}`, field);
  return Buffer.from(base64, 'base64');
}
