import { describe, expect, it } from 'vitest';
import { InProcessEventBus, type IrisEvent } from '../events.js';
import { createLogger } from '../logger.js';
import { followRevocations, RevocationList, type Revocation, type TokenClaims } from './revocation.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  iat: seconds(T),
  exp: seconds(T) + 900,
  sid: 's1',
  acc: 'a1',
  userId: 'u1',
  ...over,
});
const revocation = (subject: Revocation['subject'], id: string, before = T + 500): Revocation => ({
  subject,
  id,
  before,
  until: before + 901_000,
});
const logger = createLogger({ level: 'silent', name: 'test' });

describe('RevocationList', () => {
  it('refuses tokens of the revoked session, user, account or credential issued until the revocation, and no others', () => {
    let now = T + 1_000;
    const list = new RevocationList(() => new Date(now));
    list.apply(revocation('session', 's1'));
    expect(list.revokedBy(claims())).toMatchObject({ subject: 'session' });
    expect(list.revokedBy(claims({ sid: 's2' }))).toBeNull();

    list.apply(revocation('user', 'u2'));
    list.apply(revocation('account', 'a3'));
    list.apply(revocation('credential', 'k1'));
    expect(list.revokedBy(claims({ sid: 's2', userId: 'u2' }))).toMatchObject({ subject: 'user' });
    expect(list.revokedBy(claims({ sid: 's2', acc: 'a3' }))).toMatchObject({ subject: 'account' });
    expect(list.revokedBy(claims({ sid: 's2', userId: undefined, credentialId: 'k1' }))).toMatchObject({ subject: 'credential' });
    // Issued the second after: a new sign-in is not refused.
    expect(list.revokedBy(claims({ sid: 's2', userId: 'u2', iat: seconds(T) + 1 }))).toBeNull();

    // Forgotten once every token it refuses has expired.
    now = T + 902_000;
    list.apply(revocation('session', 'other', now));
    expect(list.size).toBe(1);
  });

  it('keeps the latest instant when one subject is revoked twice', () => {
    const list = new RevocationList(() => new Date(T));
    list.apply(revocation('user', 'u1', T + 5_000));
    list.apply(revocation('user', 'u1', T - 10_000));
    expect(list.revokedBy(claims({ sid: 'new', iat: seconds(T) + 3 }))).toMatchObject({ before: T + 5_000 });
  });
});

describe('followRevocations', () => {
  it('applies revocations pushed on the bus, and those the bus kept from before the process started', async () => {
    const bus = new InProcessEventBus(logger);
    const kept: IrisEvent<'auth.revoked'> = {
      id: 'e1',
      type: 'auth.revoked',
      occurredAt: new Date(T).toISOString(),
      payload: revocation('session', 'earlier'),
    };
    const asked: number[] = [];
    Object.assign(bus, {
      history: async (_type: string, sinceMs: number) => {
        asked.push(sinceMs);
        return [kept];
      },
    });
    const list = new RevocationList(() => new Date(T + 1_000));
    const stop = await followRevocations(bus, list, { lookbackMs: 900_000, logger });
    expect(list.revokedBy(claims({ sid: 'earlier' }))).not.toBeNull();
    expect(Date.now() - asked[0]!).toBeGreaterThanOrEqual(900_000);

    await bus.publish('auth.revoked', revocation('session', 'now'));
    await bus.drain();
    expect(list.revokedBy(claims({ sid: 'now' }))).not.toBeNull();
    stop();
  });
});
