import { pino, type DestinationStream, type Logger } from 'pino';
import { tracingEnabled, traceLogFields } from './telemetry/tracing.js';

export type { Logger };

/**
 * Structured JSON logs. Secrets never reach a line: the paths below are redacted wherever they
 * appear in a logged object. When tracing runs, a line written inside a span carries its `traceId` and
 * `spanId` (beside the `requestId` of request loggers), so logs and traces find each other.
 */
export function createLogger(options: { level: string; name: string }, destination?: DestinationStream): Logger {
  return pino({
    name: options.name,
    level: options.level,
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
  }, destination);
}

export const REQUEST_ID_HEADER = 'x-request-id';
