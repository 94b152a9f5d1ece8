import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export const newSigningSecret = () => `${PREFIX}${randomBytes(32).toString('base64')}`;

/** Enough of a secret to tell two apart in a list; the rest is never shown again. */
export const secretHint = (secret: string) => `${secret.slice(0, PREFIX.length + 4)}…`;

/**
 * The Standard Webhooks headers for one attempt: `webhook-id` (the delivery's id, the same on every
 * retry and replay, so a receiver can drop duplicates), `webhook-timestamp` (seconds, when this attempt
 * was signed) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`).
 */
export function signedHeaders(secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}
