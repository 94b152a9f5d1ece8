import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Secrets never reach a line: the paths below are redacted wherever they
 * appear in a logged object.
 */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
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
  });
}

export const REQUEST_ID_HEADER = 'x-request-id';
