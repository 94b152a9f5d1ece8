import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring URLs (capture images, uploads, streams): the path and the expiry are covered by
 * an HMAC, so a URL cannot be pointed at another object or kept past its time.
 */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  #mac(path: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('base64url');
  }

  /** `path?expires=<unix>&signature=<mac>` */
  sign(path: string, expiresAt: Date): string {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return `${path}?expires=${expires}&signature=${this.#mac(path, expires)}`;
  }

  verify(path: string, query: { expires?: unknown; signature?: unknown }, now: Date): 'ok' | 'expired' | 'invalid' {
    const expires = Number(query.expires);
    if (!Number.isInteger(expires) || typeof query.signature !== 'string') return 'invalid';
    const expected = Buffer.from(this.#mac(path, expires));
    const given = Buffer.from(query.signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return expires * 1000 < now.getTime() ? 'expired' : 'ok';
  }
}
