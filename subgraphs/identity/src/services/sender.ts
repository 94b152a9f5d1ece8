import type { Logger } from '@iris/core';
import type { IdentityData } from '../data/index.js';

export interface VerificationMessage {
  email: string;
  purpose: 'REGISTRATION' | 'PASSWORD_RESET';
  code: string;
  expiresInSeconds: number;
}

/** Delivers verification codes. Swap in an email provider by implementing this. */
export interface VerificationSender {
  send(message: VerificationMessage): Promise<void>;
}

const SUBJECTS = { REGISTRATION: 'Confirm your Iris account', PASSWORD_RESET: 'Reset your Iris password' } as const;

/**
 * The default sender: writes the message to the outbox table and the log, so a person running Iris
 * locally (and the tests) can read the code. The code is logged only outside production.
 */
export function createOutboxSender(data: IdentityData, logger: Logger, production: boolean): VerificationSender {
  return {
    async send(message) {
      const minutes = Math.round(message.expiresInSeconds / 60);
      await data.verification.transaction((tx) =>
        data.verification.writeOutbox(tx, {
          channel: 'email',
          recipient: message.email,
          subject: SUBJECTS[message.purpose],
          body: `Your code is ${message.code}. It expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
        }),
      );
      logger.info(
        { recipient: message.email, purpose: message.purpose, ...(production ? {} : { code: message.code }) },
        'verification code sent to the outbox',
      );
    },
  };
}
