import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '@iris/core';

/** What a stored secret encrypted by {@link WebhookSecretStorage} starts with: the format, then the key's id. */
const FORMAT = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface StorageKey {
  /** Names the key in stored values, so a value under an earlier key is found without trying to open it. */
  id: string;
  key: Buffer;
}

/** An endpoint's signing secret as read from its row, and whether the row should be written again. */
export interface OpenedSecret {
  secret: string;
  /** Stored in plaintext (written before secrets were encrypted) or under an earlier key. */
  stale: boolean;
}

/** A stored secret that none of the configured keys opens (its key was dropped from the configuration). */
export class UnreadableSecretError extends Error {}

const deriveKey = (secret: string): StorageKey => {
  const key = Buffer.from(hkdfSync('sha256', secret, 'iris webhook signing secrets', 'aes-256-gcm v1', 32));
  return { key, id: createHmac('sha256', key).update('key id').digest('base64url').slice(0, 12) };
};

/**
 * Webhook signing secrets at rest. Signing is symmetric (HMAC), so Iris must keep each endpoint's secret;
 * the database holds it encrypted with AES-256-GCM under a key derived (HKDF-SHA256, for this use alone)
 * from WEBHOOK_SECRET_KEY, or from URL_SIGNING_SECRET when that is unset. The account's id is bound to the
 * ciphertext (additional data), so a secret copied onto another account's row does not open.
 *
 * Stored as `enc:v1:<key id>:<base64url of IV, ciphertext and tag>`. Rows written before encryption (the
 * plaintext `whsec_…`) and rows under an earlier key (URL_SIGNING_SECRET before WEBHOOK_SECRET_KEY was
 * set, or a value listed in WEBHOOK_SECRET_KEY_PREVIOUS or URL_SIGNING_SECRET_PREVIOUS) still open, and
 * are re-encrypted under the current key when devices starts and when they are next used.
 */
export class WebhookSecretStorage {
  readonly #current: StorageKey;
  readonly #earlier: ReadonlyMap<string, StorageKey>;

  constructor(current: string, earlier: readonly string[] = []) {
    this.#current = deriveKey(current);
    this.#earlier = new Map(earlier.map(deriveKey).map((k) => [k.id, k]));
  }

  static fromConfig(config: Config): WebhookSecretStorage {
    const current = config.WEBHOOK_SECRET_KEY ?? config.URL_SIGNING_SECRET;
    const earlier = [
      ...(config.WEBHOOK_SECRET_KEY ? [config.URL_SIGNING_SECRET] : []),
      ...config.WEBHOOK_SECRET_KEY_PREVIOUS,
      ...config.URL_SIGNING_SECRET_PREVIOUS,
    ];
    return new WebhookSecretStorage(
      current,
      earlier.filter((secret) => secret !== current),
    );
  }

  /** What every value stored under the current key starts with (stored values without it are stale). */
  get currentPrefix(): string {
    return `${FORMAT}${this.#current.id}:`;
  }

  /** `secret` encrypted for the row of an endpoint of `accountId`. */
  seal(accountId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current.key, iv);
    cipher.setAAD(Buffer.from(accountId, 'utf8'));
    const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${this.currentPrefix}${sealed.toString('base64url')}`;
  }

  /** The secret of a row as stored; throws {@link UnreadableSecretError} when no configured key opens it. */
  open(accountId: string, stored: string): OpenedSecret {
    if (!stored.startsWith(FORMAT)) return { secret: stored, stale: true };
    const [keyId = '', payload = ''] = stored.slice(FORMAT.length).split(':');
    const key = keyId === this.#current.id ? this.#current : this.#earlier.get(keyId);
    if (!key) throw new UnreadableSecretError('none of the configured keys encrypted it');
    const bytes = Buffer.from(payload, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(accountId, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const secret = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
      return { secret: secret.toString('utf8'), stale: key !== this.#current };
    } catch {
      throw new UnreadableSecretError('it does not open with the key that encrypted it (altered, or moved from another account)');
    }
  }
}

/** Why a delivery could not be signed, for the delivery log: what to do about an unreadable secret. */
export const UNREADABLE_SECRET =
  'Not sent: the endpoint’s signing secret cannot be decrypted with WEBHOOK_SECRET_KEY (or URL_SIGNING_SECRET), nor any key in WEBHOOK_SECRET_KEY_PREVIOUS or URL_SIGNING_SECRET_PREVIOUS; restore the key it was stored under, or rotate the endpoint’s secret (rotateWebhookEndpointSecret) and give the receiver the new one.';
