import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Every address of a host name; the system resolver unless another is given (a test's, say). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;
export const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

const HOW_TO_ALLOW = 'loopback, private or link-local networks are refused; WEBHOOK_ALLOW_PRIVATE_URLS=true allows them';

/** Addresses a webhook must not reach unless allowed: this host, private networks, link-local (cloud metadata), multicast. */
const nonPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  nonPublic.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not on the public Internet. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return nonPublic.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  return family === 0 ? true : nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** What is wrong with a webhook URL's form, or null: `http(s)://host/...`, no credentials in it. */
export function webhookUrlProblem(raw: string, httpsOnly: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL; give an absolute address such as https://example.com/iris-webhooks';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !httpsOnly)) {
    return httpsOnly ? 'must be an https:// URL' : 'must be an http:// or https:// URL';
  }
  if (url.username || url.password) return 'must not hold a user name or password; authenticate deliveries by their signature';
  return null;
}

/**
 * Why a URL's host may not be called (it is, or resolves to, a non-public address), or null. Checked when
 * an endpoint is saved and again before every attempt, since a name can be pointed elsewhere later.
 */
export async function privateAddressProblem(raw: string, resolve: Resolver = systemResolver): Promise<string | null> {
  const host = hostOf(raw);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolve(host)).map((a) => a.address);
  } catch {
    return `its host ${host} does not resolve`;
  }
  const refused = addresses.find(isNonPublicAddress);
  return refused ? `reaches ${refused}, which is not a public address (${HOW_TO_ALLOW})` : null;
}

/** A URL's host name, or its IP address without brackets. */
export const hostOf = (raw: string) => new URL(raw).hostname.replace(/^\[(.*)\]$/, '$1');

/** A connection refused because its host name resolved to a non-public address. */
export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to ${address}, which is not a public address (${HOW_TO_ALLOW})`);
  }
}

/**
 * The `lookup` of a delivery's connections (net.connect, tls.connect): the name is resolved once, every
 * address it has is checked, and the connection is made to the checked address, so a name pointed at a
 * private address between a check and the connection (DNS rebinding) cannot slip past. With
 * `allowPrivate` (WEBHOOK_ALLOW_PRIVATE_URLS, or outside production) nothing is refused. IP addresses in a
 * URL do not come here (they are connected to as they are) and are checked beforehand.
 */
export function checkedLookup(resolve: Resolver, allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        const refused = allowPrivate ? undefined : all.find((a) => isNonPublicAddress(a.address));
        if (refused) return callback(new NonPublicAddressError(hostname, refused.address), '', 0);
        const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
        const usable = family === 0 ? all : all.filter((a) => a.family === family);
        if (usable.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND', hostname });
          return callback(error, '', 0);
        }
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
