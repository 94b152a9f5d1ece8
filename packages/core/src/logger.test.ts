import { describe, expect, it } from 'vitest';
import { createLogger, type LogDestination, type LogFormat } from './logger.js';

/** A destination that keeps what is written; `isTTY` makes it look like a terminal. */
function capture(isTTY: boolean): LogDestination & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (chunk: string) => void chunks.push(chunk), text: () => chunks.join('') };
}

function logTo(isTTY: boolean, format?: LogFormat) {
  const out = capture(isTTY);
  const logger = createLogger({ level: 'info', name: 'iris', format }, out);
  return { logger, out };
}

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[`);
const ANSI_CODES = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');

describe('in a terminal', () => {
  it('writes one readable line per entry: local ISO time, level, source, message, the rest as compact JSON', () => {
    const { logger, out } = logTo(true);
    logger
      .child({ component: 'gateway' })
      .child({ requestId: 'r-1' })
      .info(
        { operationType: 'query', operationName: 'Me', durationMs: 4.2, result: 'ok', caller: 'user:MAIN' },
        'query Me ok 4.2 ms user:MAIN',
      );
    const lines = out.text().replace(ANSI_CODES, '').trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: gateway +query Me ok 4\.2 ms user:MAIN \{"requestId":"r-1"\}$/);
    // The operation's fields are in the message; they are not printed twice.
    expect(lines[0]).not.toContain('durationMs');
  });

  it('puts an error stack on lines of its own', () => {
    const { logger, out } = logTo(true);
    const err = new Error('database went away');
    logger.error({ err }, 'unexpected error');
    const text = out.text().replace(ANSI_CODES, '');
    expect(text.split('\n')[0]).toMatch(/ERROR: unexpected error\s*$/);
    // Each frame of the stack on a line of its own, as Node prints it.
    const frames = err
      .stack!.split('\n')
      .slice(1)
      .map((frame) => frame.trim());
    const lines = text.split('\n').map((line) => line.trim());
    for (const frame of frames) expect(lines).toContain(frame);
  });

  it('uses colours only when the destination is a terminal', () => {
    const pretty = logTo(false, 'pretty');
    pretty.logger.info('to a file');
    expect(pretty.out.text()).toMatch(/INFO: to a file/);
    expect(pretty.out.text()).not.toMatch(ANSI);
  });

  it('writes JSON when asked to (LOG_FORMAT=json)', () => {
    const { logger, out } = logTo(true, 'json');
    logger.info({ a: 1 }, 'machine readable');
    expect(JSON.parse(out.text())).toMatchObject({ msg: 'machine readable', a: 1 });
  });
});

describe('elsewhere (a pipe, a file, a container)', () => {
  it('writes one JSON object per line with an ISO time, not an epoch', () => {
    const { logger, out } = logTo(false);
    logger.child({ requestId: 'r-2' }).warn({ result: 'FORBIDDEN' }, 'query Secret FORBIDDEN 1 ms anonymous');
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 40,
      name: 'iris',
      requestId: 'r-2',
      result: 'FORBIDDEN',
      msg: 'query Secret FORBIDDEN 1 ms anonymous',
    });
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('keeps an error stack inside the JSON line', () => {
    const { logger, out } = logTo(false);
    logger.error({ err: new Error('boom') }, 'unexpected error');
    expect(out.text().trimEnd().split('\n')).toHaveLength(1);
    expect((JSON.parse(out.text()) as { err: { stack: string } }).err.stack).toMatch(/^Error: boom\n\s+at /);
  });
});

it('redacts secrets in either format', () => {
  for (const isTTY of [true, false]) {
    const { logger, out } = logTo(isTTY);
    logger.info({ input: { password: 'hunter2' }, headers: { authorization: 'Bearer abc' } }, 'sign-in');
    expect(out.text()).not.toMatch(/hunter2|Bearer abc/);
    expect(out.text()).toContain('[redacted]');
  }
});
