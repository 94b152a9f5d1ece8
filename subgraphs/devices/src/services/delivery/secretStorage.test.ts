import { loadConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import { UnreadableSecretError, WebhookSecretStorage } from './secretStorage.js';
import { newSigningSecret } from './signing.js';

const ACCOUNT = '0190a000-0000-7000-8000-000000000001';
const OTHER_ACCOUNT = '0190a000-0000-7000-8000-000000000002';

describe('webhook signing secrets at rest', () => {
  it('are stored encrypted, differently each time, and open to the same secret', () => {
    const storage = new WebhookSecretStorage('a-webhook-secret-key-of-32-bytes-or-more');
    const secret = newSigningSecret();
    const stored = storage.seal(ACCOUNT, secret);
    expect(stored.startsWith(storage.currentPrefix)).toBe(true);
    expect(stored).not.toContain(secret.slice('whsec_'.length, 20));
    expect(storage.seal(ACCOUNT, secret)).not.toBe(stored);
    expect(storage.open(ACCOUNT, stored)).toEqual({ secret, stale: false });
  });

  it('refuse a value altered, moved to another account, or under a key no longer configured', () => {
    const storage = new WebhookSecretStorage('a-webhook-secret-key-of-32-bytes-or-more');
    const stored = storage.seal(ACCOUNT, newSigningSecret());
    expect(() => storage.open(OTHER_ACCOUNT, stored)).toThrow(UnreadableSecretError);
    const altered = `${stored.slice(0, -2)}${stored.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(() => storage.open(ACCOUNT, altered)).toThrow(UnreadableSecretError);
    expect(() => new WebhookSecretStorage('another-webhook-secret-key-of-32-bytes').open(ACCOUNT, stored)).toThrow(UnreadableSecretError);
  });

  it('open plaintext rows and rows under an earlier key, as stale', () => {
    const old = new WebhookSecretStorage('the-webhook-secret-key-before-rotation');
    const storage = new WebhookSecretStorage('the-webhook-secret-key-after-rotation', ['the-webhook-secret-key-before-rotation']);
    const secret = newSigningSecret();
    expect(storage.open(ACCOUNT, secret)).toEqual({ secret, stale: true });
    expect(storage.open(ACCOUNT, old.seal(ACCOUNT, secret))).toEqual({ secret, stale: true });
    expect(storage.currentPrefix).not.toBe(old.currentPrefix);
  });

  it('use WEBHOOK_SECRET_KEY, else URL_SIGNING_SECRET, and still open what the other and the previous keys stored', () => {
    const urlSecret = 'the-url-signing-secret-of-this-deployment';
    const withoutKey = WebhookSecretStorage.fromConfig(loadConfig({ URL_SIGNING_SECRET: urlSecret }));
    const stored = withoutKey.seal(ACCOUNT, 'whsec_one');
    const withKey = WebhookSecretStorage.fromConfig(
      loadConfig({ URL_SIGNING_SECRET: urlSecret, WEBHOOK_SECRET_KEY: 'a-dedicated-webhook-secret-key-for-devices' }),
    );
    expect(withKey.currentPrefix).not.toBe(withoutKey.currentPrefix);
    expect(withKey.open(ACCOUNT, stored)).toEqual({ secret: 'whsec_one', stale: true });

    const rotated = WebhookSecretStorage.fromConfig(
      loadConfig({
        URL_SIGNING_SECRET: 'the-new-url-signing-secret-of-this-deployment',
        URL_SIGNING_SECRET_PREVIOUS: urlSecret,
      }),
    );
    expect(rotated.open(ACCOUNT, stored)).toEqual({ secret: 'whsec_one', stale: true });
    const keyRotated = WebhookSecretStorage.fromConfig(
      loadConfig({
        URL_SIGNING_SECRET: urlSecret,
        WEBHOOK_SECRET_KEY: 'the-next-dedicated-webhook-secret-key',
        WEBHOOK_SECRET_KEY_PREVIOUS: 'a-dedicated-webhook-secret-key-for-devices',
      }),
    );
    expect(keyRotated.open(ACCOUNT, withKey.seal(ACCOUNT, 'whsec_two'))).toEqual({ secret: 'whsec_two', stale: true });
  });

  it('hold WEBHOOK_SECRET_KEY and its previous values to the production strength checks', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_PRIVATE_KEY: 'k',
      JWT_PUBLIC_KEY: 'k',
      DATABASE_URL: 'postgresql://localhost/iris',
      PAYMENT_WEBHOOK_SECRET: 'p'.repeat(40),
      URL_SIGNING_SECRET: 'u'.repeat(40),
      GATEWAY_SECRET: 'g'.repeat(40),
    };
    expect(loadConfig({ ...production, WEBHOOK_SECRET_KEY: 'w'.repeat(40) }).WEBHOOK_SECRET_KEY).toBe('w'.repeat(40));
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEY: 'w'.repeat(20) })).toThrow(
      /WEBHOOK_SECRET_KEY: must be at least 32 bytes/,
    );
    expect(() => loadConfig({ ...production, WEBHOOK_SECRET_KEY: 'w'.repeat(40), WEBHOOK_SECRET_KEY_PREVIOUS: 'v'.repeat(20) })).toThrow(
      /WEBHOOK_SECRET_KEY_PREVIOUS: its secret #1 must be at least 32 bytes/,
    );
  });
});
