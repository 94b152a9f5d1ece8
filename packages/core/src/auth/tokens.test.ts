import { errors, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AccessTokenVerifier, loadTokenKeys, signAccessToken, TokenRevokedError } from './tokens.js';
import type { Config } from '../config.js';

const config = { JWT_ISSUER: 'iris', JWT_AUDIENCE: 'iris-graph', ACCESS_TOKEN_TTL_SECONDS: 900, NODE_ENV: 'test' } as Config;
const user = { kind: 'user', userId: 'u1', accountId: 'a1', role: 'MAIN' } as const;

describe('AccessTokenVerifier', () => {
  it('trusts a token it verified until the token expires, and no longer', async () => {
    const keys = await loadTokenKeys(config);
    let now = new Date('2026-01-01T00:00:00Z');
    const verifier = new AccessTokenVerifier({ keys }, config, () => now);
    const { token } = await signAccessToken(keys, config, user, now);

    expect(await verifier.verify(token)).toMatchObject(user);
    now = new Date(now.getTime() + 30_000);
    expect(await verifier.verify(token)).toMatchObject(user);
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

describe('access tokens and revocation', () => {
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it('carry the session they belong to, and are refused once it is revoked, even while cached', async () => {
    const keys = await loadTokenKeys(config);
    const verifier = new AccessTokenVerifier({ keys }, config);
    const now = Date.now();
    const { token } = await signAccessToken(keys, config, { ...user, sessionId: 's1' });
    expect(claimsOf(token)).toMatchObject({ sid: 's1', sub: 'u1', acc: 'a1' });
    expect(await verifier.verify(token)).toEqual({ ...user, sessionId: 's1' });

    verifier.revocations.apply({ subject: 'session', id: 's2', before: now + 1_000, until: now + 900_000 });
    expect(await verifier.verify(token)).toMatchObject({ userId: 'u1' });
    verifier.revocations.apply({ subject: 'session', id: 's1', before: now + 1_000, until: now + 900_000 });
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(TokenRevokedError);
    expect(await verifier.authenticate({ authorization: `Bearer ${token}` })).toMatchObject({
      principal: null,
      credentialError: { reason: 'TOKEN_REVOKED' },
    });
  });

  it('refuses tokens of a user, an account or an API key issued before the revocation, and not those issued after', async () => {
    const keys = await loadTokenKeys(config);
    let now = new Date('2026-01-01T00:00:00Z');
    const verifier = new AccessTokenVerifier({ keys }, config, () => now);
    const old = await signAccessToken(keys, config, user, now);
    const key = await signAccessToken(
      keys,
      config,
      { kind: 'app', via: 'apiKey', appId: 'app', accountId: 'a2', scopes: ['profiles:read'], apiKeyId: 'k1' },
      now,
    );
    expect(claimsOf(key.token)).toMatchObject({ sub: 'k1', sid: 'k1' });

    const until = now.getTime() + 900_000;
    verifier.revocations.apply({ subject: 'user', id: 'u1', before: now.getTime(), until });
    verifier.revocations.apply({ subject: 'credential', id: 'k1', before: now.getTime(), until });
    await expect(verifier.verify(old.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(verifier.verify(key.token)).rejects.toBeInstanceOf(TokenRevokedError);

    now = new Date(now.getTime() + 2_000);
    const fresh = await signAccessToken(keys, config, user, now);
    expect(await verifier.verify(fresh.token)).toMatchObject({ userId: 'u1' });
    verifier.revocations.apply({ subject: 'account', id: 'a1', before: now.getTime(), until });
    await expect(verifier.verify(fresh.token)).rejects.toBeInstanceOf(TokenRevokedError);
  });

  it('accepts a token issued later in the same second as a revocation (a key traded again right after a scope change)', async () => {
    const keys = await loadTokenKeys(config);
    let now = new Date('2026-01-01T00:00:00.100Z');
    const verifier = new AccessTokenVerifier({ keys }, config, () => now);
    const app = { kind: 'app', via: 'appKey', appId: 'app', accountId: 'a2', scopes: ['devices:read'], credentialId: 'k1' } as const;
    const before = await signAccessToken(keys, config, app, now);
    verifier.revocations.apply({ subject: 'credential', id: 'k1', before: now.getTime(), until: now.getTime() + 900_000 });
    now = new Date('2026-01-01T00:00:00.400Z');
    const after = await signAccessToken(keys, config, app, now);
    await expect(verifier.verify(before.token)).rejects.toBeInstanceOf(TokenRevokedError);
    expect(await verifier.verify(after.token)).toMatchObject({ appId: 'app', scopes: ['devices:read'] });
  });

  it('refuses a token without exp, iat or sid', async () => {
    const keys = await loadTokenKeys(config);
    const verifier = new AccessTokenVerifier({ keys }, config);
    const sign = (claims: Record<string, unknown>, withExp: boolean, withIat: boolean) => {
      let jwt = new SignJWT({ acc: 'a1', role: 'MAIN', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'at+jwt' })
        .setSubject('u1')
        .setIssuer(config.JWT_ISSUER)
        .setAudience(config.JWT_AUDIENCE);
      if (withExp) jwt = jwt.setExpirationTime('10m');
      if (withIat) jwt = jwt.setIssuedAt();
      return jwt.sign(keys.privateKey!);
    };
    expect(await verifier.verify(await sign({ sid: 's' }, true, true))).toMatchObject({ userId: 'u1' });
    for (const token of [await sign({ sid: 's' }, false, true), await sign({ sid: 's' }, true, false), await sign({}, true, true)]) {
      expect(await verifier.authenticate({ authorization: `Bearer ${token}` })).toMatchObject({
        principal: null,
        credentialError: { reason: 'TOKEN_INVALID' },
      });
    }
  });

  it('ends a watched stream when its token expires, or at once when it is revoked', async () => {
    const keys = await loadTokenKeys(config);
    let now = new Date();
    const verifier = new AccessTokenVerifier({ keys }, config, () => now);
    const a = await signAccessToken(keys, config, { ...user, sessionId: 'a' }, now);
    const b = await signAccessToken(keys, config, { ...user, sessionId: 'b' }, now);
    const ended: string[] = [];
    const watchA = await verifier.watch(a.token, (error) => ended.push(`a:${error.reason}`));
    const watchB = await verifier.watch(b.token, (error) => ended.push(`b:${error.reason}`));
    expect(watchA.check()).toBeNull();

    verifier.revocations.apply({ subject: 'session', id: 'a', before: now.getTime(), until: now.getTime() + 900_000 });
    expect(ended).toEqual(['a:TOKEN_REVOKED']);
    now = new Date(now.getTime() + 901_000);
    expect(watchB.check()).toMatchObject({ reason: 'TOKEN_EXPIRED' });
    expect(ended).toEqual(['a:TOKEN_REVOKED', 'b:TOKEN_EXPIRED']);
    watchB.check();
    expect(ended).toHaveLength(2);

    const gone: string[] = [];
    await verifier.watch(a.token, (error) => gone.push(error.reason));
    expect(gone).toEqual(['TOKEN_EXPIRED']);
  });
});
