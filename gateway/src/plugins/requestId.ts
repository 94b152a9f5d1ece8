import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id that ties a request's log lines together across gateway and subgraphs. A caller's own
 * `x-request-id` is kept when it is sane, so a client can correlate too.
 */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}
