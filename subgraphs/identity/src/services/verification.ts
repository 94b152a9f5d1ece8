import { badUserInput, ErrorCode, IrisError, type Config } from '@iris/core';
import type { ScopedTransaction, VerificationPurpose } from '@iris/db';
import type { IdentityData } from '../data/index.js';
import { normaliseEmail } from '../data/accounts.js';
import { hashSecret, newCode, sameHash } from './secrets.js';
import type { VerificationSender } from './sender.js';

type Clock = () => Date;
const WRONG_CODE = 'This code is wrong or has expired. Check the latest email, or ask for a new code.';

/** 6-digit codes for registration and password reset: expiry, attempt limit and send limit. */
export function createVerificationService(data: IdentityData, sender: VerificationSender, config: Config, clock: Clock) {
  return {
    expiresInSeconds: config.VERIFICATION_CODE_TTL_SECONDS,

    /**
     * Sends a fresh code (earlier ones stop working), limited per email and hour. With `deliver: false`
     * (an email nobody registered) the code is recorded but goes nowhere, so the answer and the limit
     * are the same for known and unknown emails.
     */
    async send(emailInput: string, purpose: VerificationPurpose, options: { deliver?: boolean } = {}): Promise<void> {
      const email = normaliseEmail(emailInput);
      const now = clock();
      const sent = await data.verification.sentSince(email, purpose, new Date(now.getTime() - 3_600_000));
      if (sent >= config.VERIFICATION_CODE_MAX_SENDS_PER_HOUR) {
        throw new IrisError(ErrorCode.RATE_LIMITED, 'Too many codes were sent to this email in the last hour. Try again later.', {
          retryAfterSeconds: 3_600,
        });
      }
      const code = newCode();
      await data.verification.transaction((tx) =>
        data.verification.issueCode(
          tx,
          { email, purpose, codeHash: hashSecret(code), expiresAt: new Date(now.getTime() + config.VERIFICATION_CODE_TTL_SECONDS * 1000) },
          now,
        ),
      );
      if (options.deliver !== false) await sender.send({ email, purpose, code, expiresInSeconds: config.VERIFICATION_CODE_TTL_SECONDS });
    },

    /**
     * Checks a code before the mutation's transaction starts. A wrong guess is counted at once (it
     * must stick even though the mutation fails); the last allowed wrong guess kills the code. Returns
     * the code to `consume` inside the transaction.
     */
    async check(emailInput: string, purpose: VerificationPurpose, code: string): Promise<{ id: string }> {
      if (!/^\d{6}$/.test(code)) throw badUserInput('input.code: must be the 6 digits from the email.', 'input.code');
      const email = normaliseEmail(emailInput);
      const now = clock();
      const live = await data.verification.liveCode(email, purpose, now);
      if (!live) throw badUserInput(WRONG_CODE, 'input.code');
      if (!sameHash(live.codeHash, hashSecret(code))) {
        const counted = await data.verification.countAttempt(live.id);
        if (counted.attempts >= config.VERIFICATION_CODE_MAX_ATTEMPTS) {
          await data.verification.retire(live.id, now);
          throw badUserInput('Too many wrong codes: this code no longer works. Ask for a new one.', 'input.code');
        }
        throw badUserInput(WRONG_CODE, 'input.code');
      }
      return { id: live.id };
    },

    /** Uses a checked code up, in the mutation's transaction; a concurrent use of the same code loses. */
    async consume(tx: ScopedTransaction<'identity'>, checked: { id: string }): Promise<void> {
      if (!(await data.verification.consume(tx, checked.id, clock()))) throw badUserInput(WRONG_CODE, 'input.code');
    },
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
