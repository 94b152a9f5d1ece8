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
