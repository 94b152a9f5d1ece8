import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring URLs (capture images, uploads, streams): the path and the expiry are covered by
 * an HMAC, so a URL cannot be pointed at another object or kept past its time. URLs are signed with
 * `secret`; those signed with one of `previous` (a secret being rotated out) still verify.
 */
export class UrlSigner {
  readonly #secrets: readonly string[];

  constructor(secret: string, previous: readonly string[] = []) {
    this.#secrets = [secret, ...previous];
  }

  #mac(secret: string, path: string, expires: number): string {
    return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');
  }

  /** `path?expires=<unix>&signature=<mac>` */
  sign(path: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${path}?expires=${expires}&signature=${this.#mac(this.#secrets[0]!, path, expires)}`;
  }

  verify(path: string, query: { expires?: unknown; signature?: unknown }, now: Date): 'ok' | 'expired' | 'invalid' {
    const expires = Number(query.expires);
    if (!Number.isInteger(expires) || typeof query.signature !== 'string') return 'invalid';
    const given = Buffer.from(query.signature);
    const signed = this.#secrets.some((secret) => {
      const expected = Buffer.from(this.#mac(secret, path, expires));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signed) return 'invalid';
    return expires * 1000 < now.getTime() ? 'expired' : 'ok';
  }
}
