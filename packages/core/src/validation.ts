import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { z } from 'zod';
import { badUserInput } from './errors.js';
import { isUuid } from './loaders.js';

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

/**
 * A root field's UUID argument (`device(id:)`, `analysisJob(deviceDataId:)`): anything but a UUID is a
 * `BAD_USER_INPUT` naming the argument (`id: must be a device id`), as {@link parseInput} answers for a
 * mutation's input. A well-formed id of nothing is left to the lookup, which answers null. Not for entity
 * references: those stay null (their loaders skip malformed keys).
 */
export function uuidArgument(value: string, argumentName: string, what: string): string {
  if (isUuid(value)) return value;
  const problem = { field: argumentName, message: `must be ${what} id` };
  throw badUserInput(`${problem.field}: ${problem.message}`, problem.field, { problems: [problem] });
}

/** A display name: trimmed, 1 to `max` characters. */
export const displayName = (zod: typeof z, max = 100) =>
  zod.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

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

/**
 * Where the first NUL character (U+0000) sits in a variables object (`input.name`), or null. Walked
 * with an explicit stack: variables nested thousands deep must not overflow the call stack.
 */
export function findNulCharacter(root: unknown): string | null {
  const pending: [unknown, string][] = [[root, '']];
  while (pending.length > 0) {
    const [value, path] = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || '(value)';
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) pending.push([value[i], `${path}[${i}]`]);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) pending.push([inner, path ? `${path}.${key}` : key]);
    }
  }
  return null;
}

/**
 * PostgreSQL text cannot hold a NUL character (U+0000), so a string carrying one would fail deep in a
 * write as an internal error. It is refused up front, in variables and in the document's literals.
 */
export function rejectNulCharacters<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, source }) {
          const inVariables = findNulCharacter(request.variables ?? {});
          if (inVariables)
            throw badUserInput(`$${inVariables}: text may not contain the NUL character (U+0000).`, inVariables, { http: { status: 400 } });
          if (source.includes('\\u0000') || source.includes('\u0000')) {
            throw badUserInput('A string in the document contains the NUL character (U+0000), which text may not contain.', undefined, {
              http: { status: 400 },
            });
          }
        },
      };
    },
  };
}
