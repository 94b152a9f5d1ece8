import { loadConfig } from '@iris/core';
import { describe, expect, it } from 'vitest';
import type { LookupAddress } from 'node:dns';
import { checkedLookup, isNonPublicAddress, NonPublicAddressError, privateAddressProblem, webhookUrlProblem } from './urlPolicy.js';
import { privateUrlsAllowed } from './worker.js';

describe('webhook URLs', () => {
  it('are absolute http(s) URLs without credentials; https only when asked', () => {
    expect(webhookUrlProblem('https://hooks.example.com/iris', true)).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/iris', false)).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/iris', true)).toMatch(/https:\/\//);
    expect(webhookUrlProblem('ftp://hooks.example.com', false)).toMatch(/http:\/\/ or https:\/\//);
    expect(webhookUrlProblem('/relative', false)).toMatch(/not a URL/);
    expect(webhookUrlProblem('https://me:secret@hooks.example.com', false)).toMatch(/user name or password/);
  });

  it('tell public addresses from loopback, private, link-local and mapped ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect(isNonPublicAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])
      expect(isNonPublicAddress(address), address).toBe(false);
  });

  it('refuse a host that is or resolves to a non-public address', async () => {
    expect(await privateAddressProblem('http://127.0.0.1:8080/hook')).toMatch(
      /reaches 127\.0\.0\.1, which is not a public address.*WEBHOOK_ALLOW_PRIVATE_URLS/,
    );
    expect(await privateAddressProblem('http://[::1]/hook')).toMatch(/reaches ::1/);
    expect(await privateAddressProblem('http://localhost/hook')).toMatch(/not a public address/);
    expect(await privateAddressProblem('https://8.8.8.8/hook')).toBeNull();
  });

  it('are connected to at the addresses checked: a name with any non-public address is refused as the connection is made', async () => {
    const names: Record<string, LookupAddress[]> = {
      'public.example': [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
      'rebound.example': [
        { address: '93.184.216.34', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ],
    };
    let lookups = 0;
    const resolve = async (host: string) => {
      lookups++;
      const found = names[host];
      if (!found) throw Object.assign(new Error(`${host} not found`), { code: 'ENOTFOUND' });
      return found;
    };
    const look = (allowPrivate: boolean, host: string, options: { all?: boolean; family?: number }) =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) =>
        checkedLookup(resolve, allowPrivate)(host, options, (err, address, family) => done({ err, address, family })),
      );
    expect(await look(false, 'public.example', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(await look(false, 'public.example', { family: 6 })).toEqual({ err: null, address: '2606:2800:220:1::1', family: 6 });
    expect((await look(false, 'public.example', { all: true })).address).toEqual(names['public.example']);
    const refused = await look(false, 'rebound.example', { all: true });
    expect(refused.err).toBeInstanceOf(NonPublicAddressError);
    expect(refused.err?.message).toMatch(/^rebound\.example resolves to 169\.254\.169\.254, which is not a public address/);
    expect((await look(true, 'rebound.example', {})).address).toBe('93.184.216.34');
    expect((await look(false, 'nowhere.example', {})).err?.code).toBe('ENOTFOUND');
    // One resolution per connection: the address connected to is the one checked.
    expect(lookups).toBe(6);
  });

  it('may reach private addresses outside production by default, in production only when allowed', () => {
    expect(privateUrlsAllowed(loadConfig({}))).toBe(true);
    expect(privateUrlsAllowed(loadConfig({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }))).toBe(false);
    expect(privateUrlsAllowed({ ...loadConfig({}), NODE_ENV: 'production' })).toBe(false);
    expect(privateUrlsAllowed({ ...loadConfig({}), NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_URLS: true })).toBe(true);
  });
});

describe('WEBHOOK_RETRY_SCHEDULE', () => {
  it('reads durations in ms, s, m and h', () => {
    expect(loadConfig({}).WEBHOOK_RETRY_SCHEDULE).toEqual([5_000, 30_000, 120_000, 600_000, 3_600_000]);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '100ms, 2s,1m,1h' }).WEBHOOK_RETRY_SCHEDULE).toEqual([100, 2_000, 60_000, 3_600_000]);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5 seconds' })).toThrow(
      /WEBHOOK_RETRY_SCHEDULE: must be 1 to 20 comma-separated durations/,
    );
  });
});
