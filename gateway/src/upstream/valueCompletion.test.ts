import { GraphQLError } from 'graphql';
import { describe, expect, it, vi } from 'vitest';
import { completionError, valueCompletionPlugin } from './valueCompletion.js';

/** Runs the plugin's willSendResponse on a single result, as Apollo Server would. */
async function send(singleResult: Record<string, unknown>) {
  const warn = vi.fn();
  const plugin = valueCompletionPlugin<{ requestId: string; logger: never }>();
  const hooks = await plugin.requestDidStart!({} as never);
  const response = { body: { kind: 'single', singleResult } };
  await hooks!.willSendResponse!({ response, contextValue: { requestId: 'req-1', logger: { warn } } } as never);
  return { result: response.body.singleResult, warn };
}

describe('value completion errors', () => {
  it("moves @apollo/gateway's extensions.valueCompletion into errors with their paths and NOT_FOUND", async () => {
    const gatewayError = new GraphQLError('Cannot return null for non-nullable array element of type User at index 0.', {
      path: ['device', 'sharedWith', 0],
      extensions: { code: 'INVALID_GRAPHQL' },
    });
    const { result, warn } = await send({ data: { device: null }, extensions: { valueCompletion: [gatewayError] } });
    expect(result).toEqual({
      data: { device: null },
      extensions: undefined,
      errors: [
        {
          message: expect.stringContaining('device.sharedWith.0'),
          path: ['device', 'sharedWith', 0],
          extensions: { code: 'NOT_FOUND' },
        },
      ],
    });
    expect(warn).toHaveBeenCalledOnce();
  });

  it('keeps errors already there and other extensions', async () => {
    const existing = { message: 'No Device with id "x" exists, or you cannot see it.', path: ['a'], extensions: { code: 'NOT_FOUND' } };
    const { result } = await send({
      data: { a: null, b: null },
      errors: [existing],
      extensions: { cost: 3, valueCompletion: [{ message: 'Cannot return null for non-nullable field Query.b.', path: ['b'] }] },
    });
    expect(result.errors).toEqual([existing, expect.objectContaining({ path: ['b'], extensions: { code: 'NOT_FOUND' } })]);
    expect(result.extensions).toEqual({ cost: 3 });
  });

  it("adds nothing for a null that a subgraph's error above or under it already explains", async () => {
    const refused = {
      message: 'This needs one of these scopes: devices:read.',
      path: ['mark', 'device'],
      extensions: { code: 'FORBIDDEN' },
    };
    const failedChild = { message: 'No User with id "u" exists.', path: ['group', 'owner', 'email'], extensions: { code: 'NOT_FOUND' } };
    const { result, warn } = await send({
      data: { mark: null, group: null, other: null },
      errors: [refused, failedChild],
      extensions: {
        valueCompletion: [
          { message: 'Cannot return null for non-nullable field Device.actions.', path: ['mark', 'device', 'actions'] },
          { message: 'Cannot return null for non-nullable field Group.owner.', path: ['group', 'owner'] },
          { message: 'Cannot return null for non-nullable field Query.other.', path: ['other'] },
        ],
      },
    });
    expect(result.errors).toEqual([refused, failedChild, expect.objectContaining({ path: ['other'], extensions: { code: 'NOT_FOUND' } })]);
    expect(warn).toHaveBeenCalledOnce();
  });

  it('adds nothing beside the error of a whole fetch that failed (no path: the subgraph is down)', async () => {
    const down = { message: 'The devices service is unavailable.', extensions: { code: 'SERVICE_UNAVAILABLE' } };
    const { result, warn } = await send({
      data: null,
      errors: [down],
      extensions: { valueCompletion: [{ message: 'Cannot return null for non-nullable field Mutation.addDevice.', path: ['addDevice'] }] },
    });
    expect(result.errors).toEqual([down]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("reports an entity a subgraph could not resolve at the entity's path, unless a completion error under it already does", async () => {
    const { result, warn } = await send({
      data: { device: { sharedWith: [{ id: 'u1', displayName: null }], owner: null } },
      extensions: {
        unresolvedEntities: [
          { path: ['device', 'sharedWith', 0], typename: 'User', serviceName: 'identity' },
          { path: ['device', 'owner'], typename: 'User', serviceName: 'identity' },
        ],
        valueCompletion: [{ message: 'Cannot return null for non-nullable field User.email.', path: ['device', 'owner', 'email'] }],
      },
    });
    expect(result.extensions).toBeUndefined();
    expect(result.errors).toEqual([
      expect.objectContaining({ path: ['device', 'owner', 'email'], extensions: { code: 'NOT_FOUND' } }),
      {
        message:
          'device.sharedWith.0: this User could not be found (it was deleted, or you cannot see it), so its fields from identity are null.',
        path: ['device', 'sharedWith', 0],
        extensions: { code: 'NOT_FOUND' },
      },
    ]);
    expect(warn).toHaveBeenCalledOnce();
    // A subgraph's own error at or above the entity explains it already.
    const refused = { message: 'Not yours.', path: ['device', 'sharedWith', 0], extensions: { code: 'FORBIDDEN' } };
    const explained = await send({
      data: { device: { sharedWith: [{ id: 'u1', displayName: null }] } },
      errors: [refused],
      extensions: { unresolvedEntities: [{ path: ['device', 'sharedWith', 0], typename: 'User', serviceName: 'identity' }] },
    });
    expect(explained.result.errors).toEqual([refused]);
  });

  it('masks an invalid value as an internal error with the request id, and leaves a clean result alone', async () => {
    expect(completionError({ message: 'Invalid value found for field Device.status.', path: ['device', 'status'] }, 'req-9')).toEqual({
      message: expect.stringContaining('request id'),
      path: ['device', 'status'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-9' },
    });
    const { result, warn } = await send({ data: { device: { id: '1' } } });
    expect(result).toEqual({ data: { device: { id: '1' } } });
    expect(warn).not.toHaveBeenCalled();
  });
});
