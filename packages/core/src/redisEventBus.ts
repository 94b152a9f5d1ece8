import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { newEvent, RecentEventIds, type EventBus, type EventHandler, type IrisEvent, type IrisEventMap, type IrisEventType, type SubscribeOptions } from './events.js';
import type { Logger } from './logger.js';

const STREAM_MAX_LENGTH = 100_000;
/** Clocks differ a little between this process and Redis: a catch-up reads from a bit before the loss. */
const CATCH_UP_MARGIN_MS = 5_000;

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
  ) {
    this.#publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.#subscriber = new Redis(url, { lazyConnect: false });
    for (const client of [this.#publisher, this.#subscriber]) client.on('error', (err) => this.logger.warn({ err }, 'redis connection error'));
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
    while (active() && !this.#closed) {
      try {
        const batch = (await reader.xreadgroup('GROUP', group, this.#consumer, 'COUNT', 50, 'BLOCK', 1_000, 'STREAMS', stream, '>')) as
          | [string, [string, string[]][]][]
          | null;
        for (const [, entries] of batch ?? []) {
          for (const [entryId, fields] of entries) {
            const event = JSON.parse(fields[1]!) as IrisEvent<T>;
            const delivery = this.#deliver(handler as EventHandler<never>, event as never);
            await delivery;
            // Acknowledged after the handler: an instance that dies mid-way leaves it pending for another.
            await reader.xack(stream, group, entryId);
          }
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

  /** Reads the type's stream from `sinceMs` on (stream ids are the Redis server's milliseconds). */
  async history<T extends IrisEventType>(type: T, sinceMs: number): Promise<IrisEvent<T>[]> {
    const entries = (await this.#publisher.xrange(this.prefix + type, `${Math.max(0, Math.floor(sinceMs))}-0`, '+')) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[1]!) as IrisEvent<T>);
  }

  #deliver(handler: EventHandler<never>, event: IrisEvent): Promise<void> {
    const delivery = Promise.resolve()
      .then(() => handler(event as never))
      .catch((err: unknown) => this.logger.error({ err, eventId: event.id, type: event.type }, 'event handler failed'));
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
