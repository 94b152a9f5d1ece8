import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  newEvent,
  RecentEventIds,
  type EventBus,
  type EventHandler,
  type IrisEvent,
  type IrisEventMap,
  type IrisEventType,
  type SubscribeOptions,
} from './events.js';
import type { Logger } from './logger.js';

const STREAM_MAX_LENGTH = 100_000;
/** Clocks differ a little between this process and Redis: a catch-up reads from a bit before the loss. */
const CATCH_UP_MARGIN_MS = 5_000;

export interface RedisEventBusOptions {
  /**
   * How long an entry stays pending (delivered to a consumer, not acknowledged) before a live consumer
   * of its group takes it over: its consumer died, or its handler failed. Default 30 s.
   */
  reclaimIdleMs?: number;
  /** Deliveries of one entry to a group before it is acknowledged unhandled and logged as dropped. Default 5. */
  maxDeliveries?: number;
}

/**
 * The event bus on Redis, for several instances of each subgraph. Every event goes to a stream
 * (`iris:events:<type>`) read by consumer groups, one group per subgraph, so each event is handled
 * once per subgraph whichever instance takes it, and acknowledged only after its handler succeeded;
 * and to a pub/sub channel for the handlers without a group (live subscriptions on every gateway).
 */
export class RedisEventBus implements EventBus {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #fanOut = new Map<string, Set<EventHandler<never>>>();
  readonly #readers: Redis[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  /**
   * Events handed to the handlers without a group lately (delivered ahead of their publication, or
   * received), so neither their publication nor a catch-up read hands them over again.
   */
  readonly #fannedOut = new RecentEventIds();
  readonly #consumer = `${process.pid}-${randomUUID().slice(0, 8)}`;
  readonly shared = true;
  #closed = false;
  /** When the pub/sub connection was lost, while it is: what is published meanwhile never reaches it. */
  #disconnectedAt: number | null = null;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly prefix = 'iris:events:',
    private readonly options: RedisEventBusOptions = {},
  ) {
    this.#publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#subscriber = new Redis(url, { lazyConnect: false });
    for (const client of [this.#publisher, this.#subscriber])
      client.on('error', (err) => this.logger.warn({ err }, 'redis connection error'));
    this.#subscriber.on('message', (_channel: string, message: string) => this.#fanOutEvent(JSON.parse(message) as IrisEvent));
    // Pub/sub keeps nothing for a connection that is away: once it is back (and subscribed again), the
    // events of the subscribed types published since it went are read from their streams.
    this.#subscriber.on('close', () => {
      this.#disconnectedAt ??= Date.now();
    });
    this.#subscriber.on('ready', () => {
      if (this.#disconnectedAt === null) return;
      const since = this.#disconnectedAt - CATCH_UP_MARGIN_MS;
      this.#disconnectedAt = null;
      void this.#catchUp(since);
    });
  }

  #fanOutEvent(event: IrisEvent): void {
    if (this.#fannedOut.has(event.id)) return;
    this.#fannedOut.add(event.id);
    for (const handler of this.#fanOut.get(event.type) ?? []) this.#deliver(handler, event);
  }

  /**
   * Hands the handlers without a group what was published since `sinceMs` (Redis's clock) and not yet
   * handed to them; read again a second and three seconds later, as the subscriptions made again on
   * reconnecting may come after the first read.
   */
  async #catchUp(sinceMs: number): Promise<void> {
    for (const delayMs of [0, 1_000, 3_000]) {
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      if (this.#closed) return;
      try {
        for (const [type, handlers] of this.#fanOut) {
          if (handlers.size === 0) continue;
          for (const event of await this.history(type as IrisEventType, sinceMs)) this.#fanOutEvent(event);
        }
      } catch (err) {
        this.logger.warn({ err }, 'could not read the events published while Redis was away; retrying');
      }
    }
  }

  async publish<T extends IrisEventType>(type: T, payload: IrisEventMap[T]): Promise<IrisEvent<T>> {
    const event = newEvent(type, payload);
    await this.publishEvent(event);
    return event;
  }

  async publishEvent(event: IrisEvent): Promise<void> {
    const message = JSON.stringify(event);
    const results = await this.#publisher
      .multi()
      .xadd(this.prefix + event.type, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'event', message)
      .publish(this.prefix + event.type, message)
      .exec();
    // A transaction's commands fail one by one: an event half published is not published.
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error('the Redis transaction publishing the event was aborted');
  }

  /** The handlers without a group get it now; the stream's consumer groups get it when it is published. */
  deliverLocally(event: IrisEvent): void {
    this.#fanOutEvent(event);
  }

  subscribe<T extends IrisEventType>(type: T, handler: EventHandler<T>, options: SubscribeOptions = {}): () => void {
    if (!options.group) {
      const set = this.#fanOut.get(type) ?? new Set();
      if (set.size === 0) void this.#subscriber.subscribe(this.prefix + type);
      set.add(handler as EventHandler<never>);
      this.#fanOut.set(type, set);
      return () => {
        set.delete(handler as EventHandler<never>);
        if (set.size === 0) void this.#subscriber.unsubscribe(this.prefix + type);
      };
    }
    const reader = new Redis(this.url, { lazyConnect: false });
    reader.on('error', (err) => this.logger.warn({ err }, 'redis connection error'));
    this.#readers.push(reader);
    let active = true;
    void this.#consume(reader, type, options.group, handler, () => active);
    return () => {
      active = false;
      reader.disconnect();
    };
  }

  async #consume<T extends IrisEventType>(reader: Redis, type: T, group: string, handler: EventHandler<T>, active: () => boolean) {
    const stream = this.prefix + type;
    try {
      await reader.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) this.logger.error({ err, stream, group }, 'could not create the consumer group');
    }
    const reclaimIdleMs = this.options.reclaimIdleMs ?? 30_000;
    const reclaimEveryMs = Math.min(15_000, Math.max(100, reclaimIdleMs / 2));
    let reclaimAt = Date.now() + reclaimEveryMs;
    // Acknowledged after the handler succeeded: an entry whose consumer died mid-way, or whose handler
    // failed, stays pending, and is taken over by a live consumer of the group once idle long enough.
    const handle = async (entryId: string, fields: string[] | null) => {
      const message = fields?.[1];
      const handled = message === undefined || (await this.#deliver(handler as EventHandler<never>, JSON.parse(message) as IrisEvent));
      if (handled) await reader.xack(stream, group, entryId);
    };
    while (active() && !this.#closed) {
      try {
        if (Date.now() >= reclaimAt) {
          await this.#reclaim(reader, stream, group, reclaimIdleMs, handle);
          reclaimAt = Date.now() + reclaimEveryMs;
        }
        const batch = (await reader.xreadgroup('GROUP', group, this.#consumer, 'COUNT', 50, 'BLOCK', 1_000, 'STREAMS', stream, '>')) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of batch ?? []) {
          for (const [entryId, fields] of entries) await handle(entryId, fields);
        }
      } catch (err) {
        if (!active() || this.#closed) return;
        if (String(err).includes('NOGROUP')) {
          // Redis came back without its data (no persistence): the group is made again, reading the
          // stream from its start so events published since it came back are not skipped.
          await reader.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch(() => undefined);
          continue;
        }
        this.logger.warn({ err, stream, group }, 'reading events failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * Takes over the group's entries pending longer than `minIdleMs` (XAUTOCLAIM), whichever consumer
   * holds them (each process reads under a name of its own, so a dead one's entries are no one's), and
   * handles them again. An entry delivered `maxDeliveries` times already is acknowledged unhandled and
   * logged as dropped, so a poison event does not come back forever.
   */
  async #reclaim(
    reader: Redis,
    stream: string,
    group: string,
    minIdleMs: number,
    handle: (entryId: string, fields: string[] | null) => Promise<void>,
  ) {
    const maxDeliveries = this.options.maxDeliveries ?? 5;
    let cursor = '0-0';
    do {
      const [next, claimed] = (await reader.xautoclaim(stream, group, this.#consumer, minIdleMs, cursor, 'COUNT', 50)) as [
        string,
        [string, string[] | null][],
        ...unknown[],
      ];
      cursor = next;
      if (claimed.length === 0) continue;
      const pending = (await reader.xpending(stream, group, claimed[0]![0], claimed.at(-1)![0], claimed.length, this.#consumer)) as [
        string,
        string,
        number,
        number,
      ][];
      const deliveries = new Map(pending.map(([id, , , count]) => [id, count]));
      for (const [entryId, fields] of claimed) {
        if (this.#closed) return;
        // The claim counted as a delivery: more than the limit means every delivery before it failed.
        if ((deliveries.get(entryId) ?? 0) > maxDeliveries) {
          const event = fields?.[1] ? (JSON.parse(fields[1]) as IrisEvent) : undefined;
          this.logger.error(
            { stream, group, entryId, eventId: event?.id, type: event?.type, deliveries: deliveries.get(entryId) },
            'event dropped: its handler failed on every delivery',
          );
          await reader.xack(stream, group, entryId);
          continue;
        }
        await handle(entryId, fields);
      }
    } while (cursor !== '0-0' && !this.#closed);
  }

  /** Reads the type's stream from `sinceMs` on (stream ids are the Redis server's milliseconds). */
  async history<T extends IrisEventType>(type: T, sinceMs: number): Promise<IrisEvent<T>[]> {
    const entries = (await this.#publisher.xrange(this.prefix + type, `${Math.max(0, Math.floor(sinceMs))}-0`, '+')) as [
      string,
      string[],
    ][];
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as IrisEvent<T>);
  }

  /** Runs a handler; resolves whether it succeeded (a failure is logged). */
  #deliver(handler: EventHandler<never>, event: IrisEvent): Promise<boolean> {
    const delivery = Promise.resolve()
      .then(() => handler(event as never))
      .then(
        () => true,
        (err: unknown) => {
          this.logger.error({ err, eventId: event.id, type: event.type }, 'event handler failed');
          return false;
        },
      );
    this.track(delivery);
    return delivery;
  }

  track(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work.catch(() => undefined).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
    for (const reader of this.#readers) reader.disconnect();
    this.#subscriber.disconnect();
    await this.#publisher.quit().catch(() => undefined);
  }
}
