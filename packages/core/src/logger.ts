import { pino, type DestinationStream, type Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';
import { tracingEnabled, traceLogFields } from './telemetry/tracing.js';

export type { Logger };

/** `pretty`: one readable line per entry, for a person at a terminal; `json`: one JSON object per line, for machines. */
export type LogFormat = 'pretty' | 'json';

/** Where lines go. A stream that says it is a terminal (`isTTY`) gets the pretty format unless one is asked for. */
export type LogDestination = DestinationStream & { isTTY?: boolean };

/**
 * Fields of the per-operation line (see `operationLog.ts`) that its message already says in words
 * ("query Me ok 12 ms user:MAIN"): JSON lines keep them for machines, pretty lines do not repeat them.
 */
export const OPERATION_LINE_FIELDS = [
  'operationType',
  'operationName',
  'rootFields',
  'durationMs',
  'result',
  'caller',
  'transport',
  'events',
] as const;

/**
 * The process' logger. Secrets never reach a line: the paths below are redacted wherever they appear in
 * a logged object. When tracing runs, a line written inside a span carries its `traceId` and `spanId`
 * (beside the `requestId` of request loggers), so logs and traces find each other.
 *
 * The format is `format`, or else pretty when the destination (stdout by default) is a terminal and JSON
 * otherwise, so `pnpm start` reads well and a container's or a test's output stays parseable. Times are
 * ISO 8601 in both (JSON: `"time":"2026-12-02T14:03:01.123Z"`; pretty: local `14:03:01.123`).
 */
export function createLogger(
  options: { level: string; name: string; format?: LogFormat | undefined },
  destination?: LogDestination,
): Logger {
  const target: LogDestination = destination ?? process.stdout;
  const format = options.format ?? (target.isTTY ? 'pretty' : 'json');
  return pino(
    {
      name: options.name,
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(tracingEnabled() ? { mixin: traceLogFields } : {}),
      redact: {
        paths: [
          'password',
          '*.password',
          'input.password',
          'token',
          '*.token',
          'accessToken',
          'refreshToken',
          '*.accessToken',
          '*.refreshToken',
          'headers.authorization',
          'headers.api_key',
          'req.headers.authorization',
          'req.headers.api_key',
        ],
        censor: '[redacted]',
      },
    },
    format === 'pretty' ? prettyDestination(target) : destination,
  );
}

/**
 * pino-pretty in the process, writing synchronously (a line logged just before `process.exit` is not
 * lost): one line per entry with the extra fields as compact JSON at its end, except an error's stack,
 * which gets lines of its own. Colours only on a terminal that takes them.
 */
function prettyDestination(target: LogDestination): DestinationStream {
  const pretty = prettyFactory({
    colorize: Boolean(target.isTTY) && isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: ['pid', 'hostname', 'name', 'component', 'subgraph', ...OPERATION_LINE_FIELDS].join(','),
    // Which part of the process wrote the line: the gateway, a subgraph, the database, the event bus.
    messageFormat: (log, messageKey) => {
      const source = log.subgraph ?? log.component;
      const message = String(log[messageKey] ?? '');
      return typeof source === 'string' ? `${source.padEnd(9)} ${message}` : message;
    },
  });
  return { write: (line: string) => void target.write(pretty(line)) };
}

export const REQUEST_ID_HEADER = 'x-request-id';
