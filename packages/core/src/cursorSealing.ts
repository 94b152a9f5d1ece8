import { createCipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { configSchema } from './config.js';

/**
 * The first byte of every sealed cursor. Cursors of an earlier format (base64 of JSON, starting `[`)
 * or of a later one are refused instead of being misread.
 */
const FORMAT_VERSION = 1;
/** HMAC-SHA256 truncated to 128 bits: the synthetic IV and, at once, the authentication tag. */
const TAG_BYTES = 16;

/**
 * Seals and opens cursors: deterministic authenticated encryption (SIV, RFC 5297's construction with
 * HMAC-SHA256 as its PRF). The tag is an HMAC of the connection's identity and the position, and is
 * also the AES-256-CTR counter block that encrypts the position. The same position of the same
 * connection always gives the same cursor (Relay and Apollo caches compare cursors by value), across
 * restarts and instances that share the secret; nothing of the position is readable, and a cursor
 * changed in any bit, cut short, sealed with another key or for another connection does not open.
 *
 * Chosen over AES-GCM with a synthetic IV because it is as strong for this use (positions are never
 * secret from their owner, only opaque and unforgeable) and one tag shorter: 17 bytes over the position.
 *
 * Secret rotation: cursors are sealed with the current secret only, and opened with it or with any of
 * the previous secrets given (URL_SIGNING_SECRET_PREVIOUS), so a client's "load more" keeps working while
 * an operator moves every instance to a new secret; once the old one is dropped from the list, its
 * cursors are refused like any other foreign cursor.
 */
export class CursorSealer {
  /** The current secret's keys first (the only ones that seal), then each previous secret's. */
  readonly #keys: readonly SealingKeys[];

  /** The keys are derived (HKDF-SHA256) from `secret` and from each of `previous`, each key for this one use. */
  constructor(secret: string, previous: readonly string[] = []) {
    this.#keys = [secret, ...previous.filter((old) => old !== secret)].map(deriveKeys);
  }

  /** `position` sealed for `connection` (its sort's name and, where given, the list's scope), base64url, with the current secret. */
  seal(connection: string, position: Buffer): string {
    const keys = this.#keys[0]!;
    const tag = tagOf(keys, connection, position);
    const cipher = createCipheriv('aes-256-ctr', keys.encryption, tag);
    return Buffer.concat([Buffer.of(FORMAT_VERSION), tag, cipher.update(position), cipher.final()]).toString('base64url');
  }

  /** The position sealed in `cursor` for `connection` with the current or a previous secret, or undefined for anything else. */
  open(connection: string, cursor: string): Buffer | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.length < 1 + TAG_BYTES || bytes[0] !== FORMAT_VERSION) return undefined;
    const tag = bytes.subarray(1, 1 + TAG_BYTES);
    for (const keys of this.#keys) {
      const decipher = createCipheriv('aes-256-ctr', keys.encryption, tag);
      const position = Buffer.concat([decipher.update(bytes.subarray(1 + TAG_BYTES)), decipher.final()]);
      if (timingSafeEqual(tag, tagOf(keys, connection, position))) return position;
    }
    return undefined;
  }
}

interface SealingKeys {
  encryption: Buffer;
  mac: Buffer;
}

function deriveKeys(secret: string): SealingKeys {
  const derive = (use: string) => Buffer.from(hkdfSync('sha256', secret, 'iris cursors', use, 32));
  return { encryption: derive('encryption v1'), mac: derive('authentication v1') };
}

function tagOf(keys: SealingKeys, connection: string, position: Buffer): Buffer {
  const name = Buffer.from(connection, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return createHmac('sha256', keys.mac)
    .update(Buffer.of(FORMAT_VERSION))
    .update(length)
    .update(name)
    .update(position)
    .digest()
    .subarray(0, TAG_BYTES);
}

// Until `useCursorSecret` is called: the development default of URL_SIGNING_SECRET, which production
// refuses (config.ts), so only development and tests ever seal with it.
let sealer = new CursorSealer(configSchema.shape.URL_SIGNING_SECRET.parse(undefined));

/**
 * Sets the secret every cursor of this process is sealed with: URL_SIGNING_SECRET, which every instance
 * already shares (and production requires), so a cursor one instance wrote opens on any other. The
 * cursor keys are derived from it for this use alone, so they reveal nothing of the URL-signing key.
 * Cursors sealed with one of `previous` (URL_SIGNING_SECRET_PREVIOUS) still open, during a rotation.
 */
export function useCursorSecret(secret: string, previous: readonly string[] = []): void {
  sealer = new CursorSealer(secret, previous);
}

/** The sealer `useCursorSecret` set. */
export const cursorSealer = (): CursorSealer => sealer;
