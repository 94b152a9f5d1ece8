import {
  newEvent,
  type EventBus,
  type EventHandler,
  type IrisEvent,
  type IrisEventMap,
  type IrisEventType,
  type Logger,
  type SubscribeOptions,
} from '@iris/core';
import { Prisma } from './generated/prisma/client.js';

/**
 * The transactional outbox: a subgraph stores the events a write implies in the same transaction as
 * the write (`outbox."OutboxEvent"`), and its relay publishes them once committed. A bus outage then
 * delays events but never fails a committed write or drops its event, and a write rolled back
 * publishes nothing. The row's id is the event's id, so a redelivery carries the same id and
 * consumers wrapped in {@link handleOnce} handle it once.
 */

/** What the outbox needs of a Prisma client or of an interactive transaction's `tx`. */
export type SqlClient = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

export interface OutboxOptions {
  /** A client outside any transaction, for the relay's own statements. */
  prisma: SqlClient;
  bus: EventBus;
  /** The subgraph whose events these are: each relay publishes its own source's rows. */
  source: string;
  logger: Logger;
  /** How often rows nobody woke the relay for (left by a process that died) are looked for. */
  pollMs?: number;
  /** How long a relay holds rows it claimed before another may take them (it died mid-way). */
  leaseMs?: number;
  /** Rows claimed per statement. */
  batchSize?: number;
  /** The wait before the first retry while the bus fails; it doubles up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** How long handled-event records ({@link handleOnce}) are kept: redeliveries come well within it. */
  processedRetentionMs?: number;
}

export interface EnqueueOptions {
  /**
   * Hand the events to this process's own handlers as soon as the transaction commits, before (and
   * whether or not) the bus takes them: a revocation is refused at once by the process that made it.
   */
  deliverLocally?: boolean;
}

interface ClaimedRow {
  id: string;
  seq: bigint;
  type: IrisEventType;
  payload: unknown;
  occurredAt: Date;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One subgraph's outbox: `enqueue` inside the write's transaction, and the relay that publishes.
 * Run one per process that writes for the subgraph (its server, the analysis worker); several
 * processes may run one for the same source at once.
 */
export class Outbox {
  readonly #prisma: SqlClient;
  readonly #bus: EventBus;
  readonly #source: string;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #batchSize: number;
  readonly #minRetryMs: number;
  readonly #maxRetryMs: number;
  readonly #processedRetentionMs: number;
  /**
   * Transactions of this process that enqueued and had not ended when last looked at, with the events
   * of theirs to hand to this process's handlers as soon as they commit (`deliverLocally`).
   */
  readonly #openTransactions = new Map<bigint, { unseen: Set<string>; local: IrisEvent[] }>();
  /** The open transaction each event of theirs was enqueued in. */
  readonly #transactionOf = new Map<string, bigint>();
  /** Events to hand to this process's handlers before their publication, by id. */
  readonly #localFirst = new Map<string, IrisEvent>();
  #running: Promise<void> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = 0;
  #retryAt = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #prunedAt = Date.now();
  #started = false;
  #stopped = false;

  constructor(options: OutboxOptions) {
    this.#prisma = options.prisma;
    this.#bus = options.bus;
    this.#source = options.source;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#batchSize = options.batchSize ?? 100;
    this.#minRetryMs = options.minRetryMs ?? 100;
    this.#maxRetryMs = options.maxRetryMs ?? 5_000;
    this.#processedRetentionMs = options.processedRetentionMs ?? 7 * 24 * 3_600_000;
  }

  /** Stores one event in `tx` (the write's interactive transaction) and wakes the relay. */
  async enqueue<T extends IrisEventType>(
    tx: SqlClient,
    type: T,
    payload: IrisEventMap[T],
    options?: EnqueueOptions,
  ): Promise<IrisEvent<T>> {
    const [event] = await this.enqueueMany(tx, type, [payload], options);
    return event!;
  }

  /** Stores events of one type in `tx`, in order, with one statement; returns them with their ids. */
  async enqueueMany<T extends IrisEventType>(
    tx: SqlClient,
    type: T,
    payloads: readonly IrisEventMap[T][],
    options: EnqueueOptions = {},
  ): Promise<IrisEvent<T>[]> {
    if (payloads.length === 0) return [];
    const events = payloads.map((payload) => newEvent(type, payload));
    const rows = Prisma.join(
      events.map(
        (e) => Prisma.sql`(${e.id}::uuid, ${this.#source}, ${type}, ${JSON.stringify(e.payload)}::jsonb, ${e.occurredAt}::timestamptz)`,
      ),
    );
    // The transaction's id tells the relay when it has ended: it publishes the rows once it committed,
    // with no polling delay, and stops waiting once it rolled back.
    const [inserted] = await tx.$queryRaw<{ xid: bigint }[]>`
      INSERT INTO outbox."OutboxEvent" (id, source, type, payload, "occurredAt") VALUES ${rows}
      RETURNING txid_current() AS xid`;
    const xid = BigInt(inserted!.xid);
    const open = this.#openTransactions.get(xid) ?? { unseen: new Set<string>(), local: [] };
    for (const event of events) {
      open.unseen.add(event.id);
      this.#transactionOf.set(event.id, xid);
    }
    if (options.deliverLocally) {
      open.local.push(...events);
      for (const event of events) this.#localFirst.set(event.id, event);
    }
    this.#openTransactions.set(xid, open);
    this.#wake(true);
    return events;
  }

  /**
   * Starts the relay: it publishes what this process commits as it commits, and, within a poll interval,
   * what a previous run left; on a bus other processes share, it polls for what one of them left (it
   * died) every interval after. The first passes of relays started together are spread over the
   * interval, so they do not queue on one connection at once.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const poll = (delayMs: number) => {
      this.#timer = setTimeout(() => {
        this.#wake(false);
        if (this.#bus.shared) poll(this.#pollMs);
      }, delayMs);
      this.#timer.unref();
    };
    poll(this.#pollMs * (0.5 + Math.random()));
  }

  /** Stops polling and publishes what is committed (one try; what the bus refuses waits for another process or the next start). */
  async stop(): Promise<void> {
    this.#started = false;
    clearTimeout(this.#timer);
    await this.flush();
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
  }

  /** Resolves once every event committed so far by this process's transactions was published, or the bus failed. */
  async flush(): Promise<void> {
    this.#retryAt = 0;
    this.#wake(true);
    while (this.#running) await this.#running;
  }

  /** Runs the relay now, or once more after the pass running now. Tracked passes are waited for by `bus.drain()`. */
  #wake(tracked: boolean): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    const pass = this.#run().finally(() => {
      this.#running = null;
      if (this.#again) this.#wake(tracked);
    });
    this.#running = pass;
    if (tracked) this.#bus.track(pass);
  }

  async #run(): Promise<void> {
    let waitMs = 2;
    for (;;) {
      this.#again = false;
      // While the bus fails, rows wait for the retry time however often the relay is woken; local
      // deliveries of committed transactions do not wait for the bus.
      let published = 0;
      if (Date.now() >= this.#retryAt) {
        try {
          published = await this.#publishBatch();
        } catch (err) {
          this.#logger.warn({ err, source: this.#source }, 'the outbox relay could not read its events; retrying');
          published = -1;
        }
        if (published < 0) this.#scheduleRetry();
        else this.#retryMs = 0;
        if (published === this.#batchSize || (published >= 0 && this.#again)) continue;
      }
      if (this.#openTransactions.size === 0) break;
      // A transaction that enqueued has not ended yet: look again when it has.
      let committed: boolean;
      try {
        committed = await this.#settleOpenTransactions();
      } catch {
        break;
      }
      if (committed) {
        waitMs = 2;
        continue;
      }
      if (this.#openTransactions.size === 0) break;
      await sleep(waitMs);
      waitMs = Math.min(waitMs * 2, 20);
    }
    await this.#pruneProcessed();
  }

  /**
   * Claims the oldest unclaimed rows of this source (`FOR UPDATE SKIP LOCKED` and a lease, in one short
   * statement, so no lock outlives it and no other relay takes them), publishes them in order and
   * deletes them. Returns how many were published, or -1 when the bus refused one (the rest are released).
   */
  async #publishBatch(): Promise<number> {
    const claimed = await this.#prisma.$queryRaw<ClaimedRow[]>`
      UPDATE outbox."OutboxEvent" SET "claimedUntil" = now() + ${this.#leaseMs}::int * interval '1 millisecond'
      WHERE id IN (
        SELECT id FROM outbox."OutboxEvent"
        WHERE source = ${this.#source} AND ("claimedUntil" IS NULL OR "claimedUntil" < now())
        ORDER BY seq LIMIT ${this.#batchSize}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, seq, type, payload, "occurredAt"`;
    if (claimed.length === 0) return 0;
    claimed.sort((a, b) => (a.seq < b.seq ? -1 : 1));
    const published: string[] = [];
    let failure: unknown;
    for (const row of claimed) {
      this.#seen(row.id);
      this.#deliverLocally(row.id);
      try {
        await this.#bus.publishEvent({
          id: row.id,
          type: row.type,
          occurredAt: row.occurredAt.toISOString(),
          payload: row.payload as never,
        });
        published.push(row.id);
      } catch (err) {
        failure = err;
        break;
      }
    }
    if (published.length > 0) await this.#prisma.$executeRaw`DELETE FROM outbox."OutboxEvent" WHERE id = ANY(${published}::uuid[])`;
    if (failure === undefined) return published.length;
    const unpublished = claimed.slice(published.length).map((row) => row.id);
    this.#logger.warn(
      { err: failure, source: this.#source, waiting: unpublished.length },
      'the event bus refused an event; the outbox keeps it and retries',
    );
    await this.#prisma.$executeRaw`
      UPDATE outbox."OutboxEvent" SET "claimedUntil" = NULL, attempts = attempts + 1, "lastError" = ${String(failure)}
      WHERE id = ANY(${unpublished}::uuid[])`;
    return -1;
  }

  /** Forgets the transactions that ended; true when one of them committed (its rows can be published now). */
  async #settleOpenTransactions(): Promise<boolean> {
    const xids = [...this.#openTransactions.keys()];
    const statuses = await this.#prisma.$queryRaw<{ xid: bigint; status: string | null }[]>`
      SELECT x AS xid, txid_status(x) AS status FROM unnest(${xids.map(String)}::bigint[]) AS x`;
    let committed = false;
    for (const { xid, status } of statuses) {
      if (status === 'in progress') continue;
      const local = this.#openTransactions.get(BigInt(xid))?.local ?? [];
      this.#forgetTransaction(BigInt(xid));
      if (status === 'committed') {
        committed = true;
        for (const event of local) this.#deliverLocally(event.id);
      } else {
        for (const event of local) this.#localFirst.delete(event.id);
      }
    }
    return committed;
  }

  /**
   * A row of an open transaction was claimed, so that transaction committed: once all its rows were,
   * it is no longer looked after (no status query needed).
   */
  #seen(id: string): void {
    const xid = this.#transactionOf.get(id);
    if (xid === undefined) return;
    this.#transactionOf.delete(id);
    const open = this.#openTransactions.get(xid);
    open?.unseen.delete(id);
    if (open?.unseen.size === 0) this.#openTransactions.delete(xid);
  }

  #forgetTransaction(xid: bigint): void {
    for (const id of this.#openTransactions.get(xid)?.unseen ?? []) this.#transactionOf.delete(id);
    this.#openTransactions.delete(xid);
  }

  /** Hands a committed event asked to be delivered locally first to this process's handlers, once. */
  #deliverLocally(id: string): void {
    const event = this.#localFirst.get(id);
    if (!event) return;
    this.#localFirst.delete(id);
    this.#bus.deliverLocally(event);
  }

  #scheduleRetry(): void {
    if (this.#retryTimer) {
      this.#retryAt = Date.now() + this.#retryMs;
      return;
    }
    this.#retryMs = Math.min(this.#maxRetryMs, this.#retryMs ? this.#retryMs * 2 : this.#minRetryMs);
    this.#retryAt = Date.now() + this.#retryMs;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryAt = 0;
      if (!this.#stopped) this.#wake(false);
    }, this.#retryMs);
    this.#retryTimer.unref();
  }

  /** Handled-event records older than the retention go, at most once an hour per relay. */
  async #pruneProcessed(): Promise<void> {
    if (Date.now() - this.#prunedAt < 3_600_000) return;
    this.#prunedAt = Date.now();
    await this.#prisma
      .$executeRaw`DELETE FROM outbox."ProcessedEvent" WHERE "processedAt" < now() - ${this.#processedRetentionMs}::bigint * interval '1 millisecond'`.catch(
      (err: unknown) => this.#logger.warn({ err }, 'could not prune handled-event records'),
    );
  }
}

/**
 * Wraps a competing consumer's handler (`subscribe(type, handler, { group })`) so that it runs at most
 * once per `consumer` and event id, whatever the bus redelivers (a relay that died after publishing, a
 * Redis stream entry read again). The record is written before the handler runs, so two instances
 * given the same event at once do not both run it, and removed again when the handler fails, so a
 * redelivery may try again.
 */
export function handleOnce<T extends IrisEventType>(prisma: SqlClient, consumer: string, handler: EventHandler<T>): EventHandler<T> {
  return async (event) => {
    const recorded = await prisma.$executeRaw`
      INSERT INTO outbox."ProcessedEvent" (consumer, "eventId") VALUES (${consumer}, ${event.id}::uuid) ON CONFLICT DO NOTHING`;
    if (recorded === 0) return;
    try {
      await handler(event);
    } catch (err) {
      await prisma.$executeRaw`DELETE FROM outbox."ProcessedEvent" WHERE consumer = ${consumer} AND "eventId" = ${event.id}::uuid`.catch(
        () => undefined,
      );
      throw err;
    }
  };
}

/**
 * The bus as a subgraph's event handlers should subscribe to it: a subscription with a group (a
 * competing consumer) runs its handler through {@link handleOnce}, keyed by the group; one without
 * (live fan-out) is left as it is.
 */
export function onceByGroup(bus: EventBus, prisma: SqlClient): Pick<EventBus, 'subscribe'> {
  return {
    subscribe: <T extends IrisEventType>(type: T, handler: EventHandler<T>, options?: SubscribeOptions) =>
      bus.subscribe(type, options?.group ? handleOnce(prisma, options.group, handler) : handler, options),
  };
}
