import { describe, expect, it } from 'vitest';
import { appCredentialOf } from './auth.js';

const basic = (value: string) => ({ authorization: `Basic ${Buffer.from(value).toString('base64')}` });

describe('appCredentialOf', () => {
  it('reads an app key from app_id + app_key, x-app-id + x-app-key, or HTTP Basic', () => {
    const expected = { kind: 'appKey', appId: 'my-app', appKey: 'iak_secret:with-colon' };
    expect(appCredentialOf({ app_id: 'my-app', app_key: 'iak_secret:with-colon' })).toEqual(expected);
    expect(appCredentialOf({ 'x-app-id': 'my-app', 'x-app-key': 'iak_secret:with-colon' })).toEqual(expected);
    // Only the first colon separates the id from the key (RFC 7617).
    expect(appCredentialOf(basic('my-app:iak_secret:with-colon'))).toEqual(expected);
  });

  it('reads an API key, and leaves a bearer token to the token verifier', () => {
    expect(appCredentialOf({ api_key: 'iris_x' })).toEqual({ kind: 'apiKey', apiKey: 'iris_x' });
    expect(appCredentialOf({ authorization: 'Bearer abc', app_id: 'my-app', app_key: 'k' })).toBeNull();
    expect(appCredentialOf({})).toBeNull();
  });

  it('refuses a credential sent incomplete, saying what is missing', () => {
    expect(appCredentialOf({ app_id: 'my-app' })).toMatchObject({
      reason: 'APP_KEY_INVALID',
      message: expect.stringMatching(/app_key is missing/),
    });
    expect(appCredentialOf({ 'x-app-key': 'k' })).toMatchObject({
      reason: 'APP_KEY_INVALID',
      message: expect.stringMatching(/app_id is missing/),
    });
    for (const value of ['no-colon', ':key-only', 'id-only:']) {
      expect(appCredentialOf(basic(value)), value).toMatchObject({ reason: 'AUTHORIZATION_MALFORMED' });
    }
  });
});
