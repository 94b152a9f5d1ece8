import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { boundedQueue, FellBehindError, returnPromptly, type BoundedQueue } from '@iris/core';
import { GraphQLError, GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createUpstreamSubscriptions } from './upstreamSubscriptions.js';

/** A subgraph stand-in: `tick(room)` yields what the test sends to that room; it counts what it is asked. */
const rooms = new Map<string, Set<BoundedQueue<number>>>();
const seen = { connections: 0, subscriptions: 0, open: 0 };
/** The credentials each subscription arrived with. */
const callers: string[] = [];
const send = (room: string, value: number) => {
  for (const queue of rooms.get(room) ?? []) queue.push(value);
};
const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      tick: {
        type: GraphQLInt,
        args: { room: { type: GraphQLString } },
        subscribe: (_source, args: { room: string }, context: { authorization?: string }) => {
          seen.subscriptions += 1;
          callers.push(context.authorization ?? 'none');
          seen.open += 1;
          const queue = boundedQueue<number>({
            maxBuffer: 100,
            overflow: () => new Error('overflow'),
            onClose: () => {
              seen.open -= 1;
              rooms.get(args.room)?.delete(queue);
            },
          });
          rooms.set(args.room, (rooms.get(args.room) ?? new Set()).add(queue));
          const ticks = (async function* () {
            for await (const value of queue) yield { tick: value };
          })();
          return returnPromptly(ticks, queue);
        },
      },
    },
  }),
});

/**
 * Ends, as a subgraph does when a token expires or is revoked, every subscription authorised by
 * `authorization`: one last event with UNAUTHENTICATED, then complete.
 */
const revokers = new Map<string, Set<() => void>>();
const revoke = (authorization: string) => {
  for (const end of revokers.get(authorization) ?? []) end();
};
function endable(source: AsyncIterableIterator<unknown>, authorization: string): AsyncIterableIterator<unknown> {
  let end: () => void = () => {};
  const ended = new Promise<'ended'>((resolve) => (end = () => resolve('ended')));
  const ends = revokers.get(authorization) ?? new Set();
  revokers.set(authorization, ends.add(end));
  const events = (async function* () {
    try {
      for (;;) {
        const next = await Promise.race([source.next(), ended]);
        if (next === 'ended') {
          yield {
            errors: [
              new GraphQLError('Your access token was revoked.', { extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' } }),
            ],
          };
          return;
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      ends.delete(end);
      await source.return?.();
    }
  })();
  return returnPromptly(events, source);
}

let server: WebSocketServer;
let url: string;
beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', () => (seen.connections += 1));
  useServer(
    {
      schema,
      context: (_ctx, _id, payload) => ({ authorization: payload.extensions?.authorization }),
      onOperation: (_ctx, _id, payload, _args, result) =>
        Symbol.asyncIterator in (result as object)
          ? (endable(result as AsyncIterableIterator<unknown>, String(payload.extensions?.authorization)) as never)
          : undefined,
    },
    server,
  );
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const query = 'subscription ($room: String) { tick(room: $room) }';
const request = (room: string, principal = 'a', shareable = true, token = `token-of-${principal}`) => ({
  subgraph: 'devices',
  principal,
  credentials: { authorization: `Bearer ${token}` },
  requestId: 'r',
  query,
  variables: { room },
  shareable,
});
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('upstream subscriptions', () => {
  it('opens one upstream subscription for subscribers asking the same thing, and closes it after the last leaves', async () => {
    const upstream = createUpstreamSubscriptions({ subgraphUrl: () => url });
    const before = { ...seen };
    // One principal, holding several tokens (tabs signed in at different times).
    const subscribers = Array.from({ length: 50 }, (_, i) => upstream.open(request('shared', 'a', true, `tab-${i % 5}`)));
    const firsts = subscribers.map((s) => s.next());
    await until(() => (rooms.get('shared')?.size ?? 0) === 1);
    send('shared', 7);
    expect((await Promise.all(firsts)).map((r) => r.value?.data?.tick)).toEqual(Array(50).fill(7));
    expect(seen.subscriptions - before.subscriptions).toBe(1);
    expect(seen.connections - before.connections).toBe(1);
    expect(upstream.size()).toEqual({ connections: 1, subscriptions: 1 });

    await Promise.all(subscribers.slice(1).map((s) => s.return!()));
    expect(upstream.size().subscriptions).toBe(1);
    await subscribers[0]!.return!();
    expect(upstream.size()).toEqual({ connections: 0, subscriptions: 0 });
    await until(() => seen.open === 0);
  });

  it('keeps principals and replays in subscriptions of their own, on one connection, each with its own credentials', async () => {
    const upstream = createUpstreamSubscriptions({ subgraphUrl: () => url });
    const before = { ...seen };
    const streams = [
      upstream.open(request('apart', 'a')),
      upstream.open(request('apart', 'b')),
      upstream.open(request('apart', 'a', false)),
    ];
    const firsts = streams.map((s) => s.next());
    await until(() => (rooms.get('apart')?.size ?? 0) === 3);
    send('apart', 1);
    expect((await Promise.all(firsts)).map((r) => r.value?.data?.tick)).toEqual([1, 1, 1]);
    expect(seen.subscriptions - before.subscriptions).toBe(3);
    expect(seen.connections - before.connections).toBe(1);
    expect(callers.slice(-3).sort()).toEqual(['Bearer token-of-a', 'Bearer token-of-a', 'Bearer token-of-b']);
    await Promise.all(streams.map((s) => s.return!()));
    await until(() => seen.open === 0);
  });

  it('drops only the subscriber that falls behind; the others get every event', async () => {
    const upstream = createUpstreamSubscriptions({ subgraphUrl: () => url, maxBuffer: 3 });
    const slow = upstream.open(request('busy'));
    const fast = upstream.open(request('busy'));
    const received: number[] = [];
    const reading = (async () => {
      for await (const event of fast) {
        received.push(event.data!.tick as number);
        if (received.length === 10) break;
      }
    })();
    await until(() => (rooms.get('busy')?.size ?? 0) === 1);
    for (let i = 0; i < 10; i++) {
      send('busy', i);
      await until(() => received.length === i + 1);
    }
    await reading;
    expect(received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const slowValues: number[] = [];
    const failure = await (async () => {
      try {
        for await (const event of slow) slowValues.push(event.data!.tick as number);
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(FellBehindError);
    expect(slowValues).toEqual([0, 1, 2]);
    await until(() => seen.open === 0);
  });

  it('hands a shared subscription over to another subscriber’s credentials when those that opened it end', async () => {
    const upstream = createUpstreamSubscriptions({ subgraphUrl: () => url });
    const first = upstream.open(request('handover', 'a', true, 'first'));
    const second = upstream.open(request('handover', 'a', true, 'second'));
    const firsts = [first.next(), second.next()];
    await until(() => (rooms.get('handover')?.size ?? 0) === 1);
    expect(callers.at(-1)).toBe('Bearer first');
    send('handover', 1);
    expect((await Promise.all(firsts)).map((r) => r.value?.data?.tick)).toEqual([1, 1]);

    revoke('Bearer first');
    // The subscriber holding the ended token ends with the subgraph's reason; the other goes on under its own.
    await expect(first.next()).rejects.toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_REVOKED' } }] });
    await until(() => callers.at(-1) === 'Bearer second' && (rooms.get('handover')?.size ?? 0) === 1);
    send('handover', 2);
    expect((await second.next()).value?.data?.tick).toBe(2);
    expect(upstream.size()).toEqual({ connections: 1, subscriptions: 1 });

    revoke('Bearer second');
    await expect(second.next()).rejects.toMatchObject({ errors: [{ extensions: { reason: 'TOKEN_REVOKED' } }] });
    expect(upstream.size().subscriptions).toBe(0);
    await until(() => seen.open === 0);
  });

  it('ends every subscriber with SERVICE_UNAVAILABLE when the subgraph cannot be reached', async () => {
    const upstream = createUpstreamSubscriptions({ subgraphUrl: () => 'http://127.0.0.1:1/graphql' });
    const a = upstream.open(request('nowhere'));
    const b = upstream.open(request('nowhere'));
    for (const stream of [a, b]) await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(upstream.size()).toEqual({ connections: 0, subscriptions: 0 });
  });

  it.each([
    ['never acknowledges the connection', { ack: false }, 4504],
    ['stops answering pings (gone without closing its socket)', { ack: true }, 4408],
  ])('ends every subscriber with SERVICE_UNAVAILABLE when the subgraph %s', { timeout: 30_000 }, async (_name, behaviour, closeCode) => {
    // Speaks just enough of graphql-ws: acknowledges (or not), takes subscribe messages, never answers a ping.
    const silent = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'graphql-transport-ws' });
    silent.on('connection', (socket) =>
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type === 'connection_init' && behaviour.ack) socket.send(JSON.stringify({ type: 'connection_ack' }));
      }),
    );
    await once(silent, 'listening');
    try {
      const upstream = createUpstreamSubscriptions({
        subgraphUrl: () => `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`,
        timeoutMs: 200,
        pingIntervalMs: 200,
      });
      const a = upstream.open(request('silent'));
      const b = upstream.open(request('silent'));
      for (const stream of [a, b]) {
        await expect(stream.next()).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', closeCode } });
      }
      // The close code says which deadline ended it: the silent subgraph itself never closes anything.
      expect(upstream.size()).toEqual({ connections: 0, subscriptions: 0 });
    } finally {
      for (const client of silent.clients) client.terminate();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
