import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badUserInput } from '@iris/core';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';

/** zxcvbn with its common and English dictionaries, loaded once. */
const estimator = new ZxcvbnFactory({
  translations: english.translations,
  graphs: common.adjacencyGraphs,
  dictionary: { ...common.dictionary, ...english.dictionary },
});

const RATINGS = ['VERY_WEAK', 'WEAK', 'FAIR', 'STRONG', 'VERY_STRONG'] as const;
export type PasswordRating = (typeof RATINGS)[number];
/** The document: "The password must have 'Strong' strength." */
export const MINIMUM_SCORE = 3;
const MAX_LENGTH = 256;

export interface PasswordStrength {
  score: number;
  rating: PasswordRating;
  acceptable: boolean;
  warning: string | null;
  suggestions: string[];
}

/** `userInputs` (email, names) count as guessable words: a password made of them scores low. */
export function passwordStrength(password: string, userInputs: string[] = []): PasswordStrength {
  const result = estimator.check(password.slice(0, MAX_LENGTH), userInputs.flatMap((input) => input.split(/[@.\s]+/)).filter(Boolean));
  return {
    score: result.score,
    rating: RATINGS[result.score]!,
    acceptable: result.score >= MINIMUM_SCORE && password.length <= MAX_LENGTH,
    warning: result.feedback.warning || null,
    suggestions: result.feedback.suggestions,
  };
}

/** Refuses a password below STRONG, with the estimator's own advice in the error. */
export function requireStrongPassword(password: string, field: string, userInputs: string[] = []): void {
  if (password.length > MAX_LENGTH) throw badUserInput(`${field}: must be at most ${MAX_LENGTH} characters.`, field);
  const strength = passwordStrength(password, userInputs);
  if (strength.acceptable) return;
  const advice = [strength.warning, ...strength.suggestions].filter(Boolean).join(' ');
  throw badUserInput(
    `${field}: this password is rated ${strength.rating}; it must be STRONG or better.${advice ? ` ${advice}` : ''}`,
    field,
    { rating: strength.rating, score: strength.score, warning: strength.warning, suggestions: strength.suggestions },
  );
}

// Hashing: how a password is stored and checked.
// scrypt is memory-hard (N * r * 128 bytes = 32 MiB here) and ships with Node: no native addon.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// Verified against when the email is unknown, so an unknown email costs the same time as a wrong
// password and sign-in does not reveal which emails have accounts.
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(randomBytes(12).toString('hex')));
