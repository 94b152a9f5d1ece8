import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokenVerifier, loadTokenKeys, signAccessToken } from './tokens.js';
import type { Config } from '../config.js';

const config = { JWT_ISSUER: 'iris', JWT_AUDIENCE: 'iris-graph', ACCESS_TOKEN_TTL_SECONDS: 900, NODE_ENV: 'test' } as Config;
const user = { kind: 'user', userId: 'u1', accountId: 'a1', role: 'MAIN' } as const;

describe('AccessTokenVerifier', () => {
  it('trusts a token it verified until the token expires, and no longer', async () => {
    const keys = await loadTokenKeys(config);
    let now = new Date('2026-01-01T00:00:00Z');
    const verifier = new AccessTokenVerifier({ keys }, config, () => now);
    const { token } = await signAccessToken(keys, config, user, now);

    expect(await verifier.verify(token)).toEqual(user);
    now = new Date(now.getTime() + 30_000);
    expect(await verifier.verify(token)).toEqual(user);
    now = new Date('2026-01-01T00:15:01Z');
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('never trusts a token signed with another key, or one altered after signing', async () => {
    const keys = await loadTokenKeys(config);
    const verifier = new AccessTokenVerifier({ keys }, config);
    const { token } = await signAccessToken(keys, config, user);
    await verifier.verify(token);

    const other = await signAccessToken(await loadTokenKeys(config), config, user);
    await expect(verifier.verify(other.token)).rejects.toThrow();
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'u2', acc: 'a2', role: 'SERVICE_ADMIN' })).toString('base64url')}.${signature}`;
    await expect(verifier.verify(forged)).rejects.toThrow();
  });
});
