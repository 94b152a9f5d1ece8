import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { badUserInput, MASKED_MESSAGE, maskError } from './errors.js';

describe('maskError', () => {
  it('passes a deliberate client error through, without internals', () => {
    const error = badUserInput('input.name: must not be empty', 'input.name');
    const log = vi.fn();
    const formatted = maskError({ ...error.toJSON(), extensions: { ...error.extensions, stacktrace: ['x'] } }, error, log);
    expect(formatted).toEqual({ message: 'input.name: must not be empty', extensions: { code: 'BAD_USER_INPUT', field: 'input.name' } });
    expect(log).not.toHaveBeenCalled();
  });

  it('hides an unexpected error behind a fixed message and logs the original', () => {
    const cause = new Error('relation "devices"."Device" does not exist');
    const wrapped = new GraphQLError(cause.message, { originalError: cause, path: ['device'] });
    const log = vi.fn();
    const formatted = maskError(
      { message: cause.message, path: ['device'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      wrapped,
      log,
      'req-1',
    );
    expect(formatted).toEqual({
      message: MASKED_MESSAGE,
      path: ['device'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
    });
    expect(log).toHaveBeenCalledWith(wrapped);
  });

  it('masks an error that wraps a thrown non-GraphQL error even if it claims a client code', () => {
    const wrapped = new GraphQLError('boom', { originalError: new TypeError('x is undefined'), extensions: { code: 'BAD_USER_INPUT' } });
    expect(maskError({ message: 'boom', extensions: { code: 'BAD_USER_INPUT' } }, wrapped, () => {}).message).toBe(MASKED_MESSAGE);
  });
});
