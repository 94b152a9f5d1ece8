import { randomUUID } from 'node:crypto';
import { boundedQueue, type BoundedQueue } from '@iris/core';
import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** One subscription to open on a subgraph, on behalf of one subscriber. */
export interface UpstreamRequest {
  subgraph: string;
  /** The subscriber's credentials, sent with its subscribe message (the subgraph authorises each one). */
  credentials: Record<string, string>;
  /**
   * Who the subscriber is as far as what it may see goes (see `principalKey`): subscribers who are
   * the same principal and ask the same thing share one upstream subscription, whichever token each holds.
   */
  principal: string;
  requestId: string;
  query: string;
  variables: Record<string, unknown>;
  /**
   * Whether subscribers asking the same thing may share one upstream subscription. Not when the
   * subscription replays history first (`after`): a subscriber joining later would miss the replay.
   */
  shareable: boolean;
}

export interface UpstreamSubscriptionsOptions {
  subgraphUrl: (name: string) => string;
  /** Upstream events held for one subscriber that reads slower than they arrive. */
  maxBuffer?: number;
  /**
   * How long a subgraph has to acknowledge a connection, and to answer each ping on it (default 10 s,
   * `SUBGRAPH_TIMEOUT_MS`): a connection that does not is closed, and its subscribers end with
   * SERVICE_UNAVAILABLE instead of waiting on a socket that will never deliver.
   */
  timeoutMs?: number;
  /** How often each connection to a subgraph is pinged (default 15 s, `SUBSCRIPTION_PING_INTERVAL_MS`). */
  pingIntervalMs?: number;
}

export type UpstreamEvent = FormattedExecutionResult<Record<string, unknown>, unknown>;

interface Stream {
  /** Each subscriber's queue, and the request it came with (its credentials). */
  subscribers: Map<BoundedQueue<UpstreamEvent>, UpstreamRequest>;
  stop: () => void;
}

/**
 * The gateway's side of subscriptions towards the subgraphs, multiplexed twice:
 * - one graphql-ws connection to each subgraph carries every subscriber's subscriptions, each
 *   subscribe message with its subscriber's own credentials (`createConnections`);
 * - subscribers who are the same principal and ask the same document with the same variables share
 *   one subscription on it, and each event is fanned out to them through a bounded queue of their own
 *   (`startStream`).
 *
 * So ten thousand subscribers cost each subgraph one socket, ten thousand tabs of one user cost it one
 * subscription too, and a slow subscriber only ever overflows its own queue.
 */
export function createUpstreamSubscriptions(options: UpstreamSubscriptionsOptions) {
  const maxBuffer = options.maxBuffer ?? 1_000;
  const connections = createConnections(options.subgraphUrl, {
    timeoutMs: options.timeoutMs ?? 10_000,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
  });
  const streams = new Map<string, Stream>();

  return {
    /** The events of one subscriber's upstream subscription; `return()` on it unsubscribes. */
    open(request: UpstreamRequest): AsyncIterableIterator<UpstreamEvent> {
      const key = request.shareable
        ? `${request.subgraph}\n${request.principal}\n${request.query}\n${JSON.stringify(request.variables)}`
        : randomUUID();
      let stream = streams.get(key);
      if (!stream) {
        const started = startStream(request, connections, () => {
          if (streams.get(key) === started) streams.delete(key);
        });
        streams.set(key, (stream = started));
      }
      const joined = stream;
      const queue = boundedQueue<UpstreamEvent>({
        maxBuffer,
        onClose: () => {
          joined.subscribers.delete(queue);
          if (joined.subscribers.size === 0) joined.stop();
        },
      });
      joined.subscribers.set(queue, request);
      return queue;
    },

    /** How many upstream connections and subscriptions are open (for tests and metrics). */
    size: () => ({ connections: connections.size(), subscriptions: streams.size }),
  };
}

/** A graphql-ws client of one subgraph, held while a stream uses it. */
interface HeldConnection {
  client: Client;
  release: () => void;
}

interface Connections {
  acquire(request: UpstreamRequest): HeldConnection;
  /** The credentials a connection that opens again presents: those of a subscriber still on it. */
  presentWith(subgraph: string, request: UpstreamRequest): void;
  presents(subgraph: string): UpstreamRequest | undefined;
  size(): number;
}

/**
 * One lazy graphql-ws connection per subgraph, shared by every stream to it and closed after the last
 * one leaves. Its `connection_init` presents the latest subscriber's credentials, since the subgraph
 * refuses a connection without valid ones. A connection the subgraph does not acknowledge within
 * `timeoutMs`, or one whose ping goes unanswered that long (a subgraph gone without closing its
 * sockets), is closed: its streams end as when the subgraph closes it.
 */
function createConnections(
  subgraphUrl: (name: string) => string,
  { timeoutMs, pingIntervalMs }: { timeoutMs: number; pingIntervalMs: number },
): Connections {
  const clients = new Map<string, { client: Client; streams: number }>();
  const latest = new Map<string, UpstreamRequest>();
  return {
    acquire(request) {
      const key = request.subgraph;
      latest.set(key, request);
      let entry = clients.get(key);
      if (!entry) {
        let socket: WebSocket | undefined;
        let unanswered: NodeJS.Timeout | undefined;
        entry = {
          streams: 0,
          client: createClient({
            url: subgraphUrl(request.subgraph).replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            lazy: true,
            lazyCloseTimeout: 1_000,
            retryAttempts: 0,
            connectionAckWaitTimeout: timeoutMs,
            keepAlive: pingIntervalMs,
            on: {
              connected: (connected) => void (socket = connected as WebSocket),
              ping: (received) => {
                if (received) return;
                clearTimeout(unanswered);
                unanswered = setTimeout(() => {
                  if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'The subgraph did not answer a ping');
                }, timeoutMs);
              },
              pong: (received) => void (received && clearTimeout(unanswered)),
              closed: () => clearTimeout(unanswered),
            },
            connectionParams: () => {
              // The socket may finish opening after its last subscriber left (and `latest` was cleared):
              // the credentials that created the client still answer connection_init.
              const opener = latest.get(key) ?? request;
              return { ...opener.credentials, requestId: opener.requestId };
            },
          }),
        };
        clients.set(key, entry);
      }
      entry.streams += 1;
      const held = entry;
      return {
        client: held.client,
        release: () => {
          held.streams -= 1;
          if (held.streams === 0 && clients.get(key) === held) {
            clients.delete(key);
            latest.delete(key);
            void held.client.dispose();
          }
        },
      };
    },
    presentWith: (subgraph, request) => void latest.set(subgraph, request),
    presents: (subgraph) => latest.get(subgraph),
    size: () => clients.size,
  };
}

/**
 * One subscription on a subgraph, fanned out to its subscribers' queues until it completes, fails, or its
 * last subscriber leaves (`stop`); `onEnded` runs once when it is over.
 */
function startStream(request: UpstreamRequest, connections: Connections, onEnded: () => void): Stream {
  const { client, release } = connections.acquire(request);
  const subscribers = new Map<BoundedQueue<UpstreamEvent>, UpstreamRequest>();
  let ended = false;
  let unsubscribe = () => {};
  const finish = (each: (subscriber: BoundedQueue<UpstreamEvent>) => void) => {
    if (ended) return;
    ended = true;
    onEnded();
    for (const subscriber of subscribers.keys()) each(subscriber);
    subscribers.clear();
    release();
  };
  // The subgraph holds the subscription to the credentials it was opened with, and ends it with an
  // UNAUTHENTICATED event when they expire or are revoked. The subscribers holding those credentials
  // end with it; the others, the same principal under other tokens, go on under one of theirs.
  const handOver = (opener: UpstreamRequest, refusal: UpstreamRefusal) => {
    for (const [subscriber, held] of subscribers) {
      if (held.credentials.authorization !== opener.credentials.authorization) continue;
      subscribers.delete(subscriber);
      subscriber.fail(refusal);
    }
    const next = subscribers.values().next().value;
    if (ended) return;
    if (!next) return finish(() => {});
    // A connection opened again later presents credentials that still hold.
    if (connections.presents(next.subgraph)?.credentials.authorization === opener.credentials.authorization) {
      connections.presentWith(next.subgraph, next);
    }
    openWith(next);
  };
  const openWith = (opener: UpstreamRequest) => {
    let current = true;
    const stop = client.subscribe<Record<string, unknown>>(
      { query: opener.query, variables: opener.variables, extensions: { ...opener.credentials, requestId: opener.requestId } },
      {
        next: (event) => {
          if (!current) return;
          if (!event.data && event.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
            unsubscribe();
            handOver(opener, upstreamError(event.errors) as UpstreamRefusal);
            return;
          }
          for (const subscriber of subscribers.keys()) subscriber.push(event);
        },
        complete: () => current && finish((subscriber) => subscriber.end()),
        error: (err) => current && finish((subscriber) => subscriber.fail(upstreamError(err))),
      },
    );
    unsubscribe = () => {
      current = false;
      stop();
    };
  };
  openWith(request);
  return {
    subscribers,
    stop: () => {
      if (ended) return;
      finish(() => {});
      unsubscribe();
    },
  };
}

export type UpstreamSubscriptions = ReturnType<typeof createUpstreamSubscriptions>;

/** The GraphQL errors a subgraph refused a subscription with, kept together for the subscriber. */
export class UpstreamRefusal extends Error {
  constructor(readonly errors: GraphQLError[]) {
    super(errors[0]?.message ?? 'The subscription was refused.');
  }
}

/** What graphql-ws reports (GraphQL errors of the subscribe, a close event, a socket error) as one error. */
function upstreamError(err: unknown): Error {
  if (Array.isArray(err)) {
    return new UpstreamRefusal(
      (err as { message: string; extensions?: Record<string, unknown> }[]).map(
        (e) => new GraphQLError(e.message, { extensions: e.extensions ?? {} }),
      ),
    );
  }
  if (err instanceof Error) return err;
  const code = (err as { code?: number } | undefined)?.code;
  return new GraphQLError('The subscription ended: its source closed. Subscribe again with `after` to catch up.', {
    extensions: { code: 'SERVICE_UNAVAILABLE', ...(code ? { closeCode: code } : {}) },
  });
}
