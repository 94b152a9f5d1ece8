import { randomUUID } from 'node:crypto';
import type { Revocation } from './auth/revocation.js';
import type { Logger } from './logger.js';

/**
 * Every event that crosses a subgraph boundary, as one typed union. Subgraphs never read each
 * other's tables; they react to these instead.
 */
export type IrisEventMap = {
  /** devices → analytics: a device was registered (analytics starts its activity log). */
  'device.added': { deviceId: string; accountId: string; name: string; byUserId: string };
  /** devices → analytics: a device was deleted. */
  'device.deleted': { deviceId: string; accountId: string; byUserId: string };
  /** profiles → analytics: a phone's profile was created or changed (audience breakdowns). */
  'profile.upserted': {
    appId: string;
    accountId: string;
    deviceId: string;
    gender: string;
    maritalStatus: string;
    parentalStatus: string;
    age: string;
    country: string | null;
  };
  /**
   * profiles → every subgraph holding data about phones: erase what you hold about `deviceId` for
   * `appId` (or, when null, for every app of `accountId`), then publish `userData.erased`.
   */
  'userData.erasureRequested': { erasureId: string; deviceId: string; accountId: string; appId: string | null };
  /** each participant → profiles: what it removed, by kind. */
  'userData.erased': { erasureId: string; subgraph: string; removed: Record<string, number> };
  /**
   * profiles → every profiles instance: every participant has reported, so the receipt is complete.
   * Reports are taken by whichever instance reads them first; this wakes the instance that asked.
   */
  'userData.erasureCompleted': { erasureId: string };
  /** devices → analytics: a capture is stored and waits for analysis (the analysis job). */
  'capture.created': { captureId: string; deviceId: string; accountId: string; storageKey: string; contentType: string };
  /** analytics → devices: a capture was analysed; devices checks the device's mode. */
  'analysis.completed': {
    analysisId: string;
    captureId: string;
    deviceId: string;
    accountId: string;
    width: number;
    height: number;
    faces: { score: number; box: { x: number; y: number; width: number; height: number }; expression: string; eyesOpen: boolean }[];
  };
  /** analytics → devices: a capture could not be analysed (not an image, broken file). */
  'analysis.failed': { captureId: string; deviceId: string; accountId: string; reason: string };
  /** devices → subscribers: a mark was made. */
  'mark.created': { markId: string; accountId: string; deviceId: string; groupId: string | null; modeId: string | null; createdAt: string };
  /** devices → subscribers: a notification was created. */
  'notification.created': { notificationId: string; accountId: string; type: string; deviceId: string | null; markId: string | null };
  /** devices → subscribers: a device's connection status changed. */
  'device.statusChanged': { deviceId: string; accountId: string; status: string; reason: string | null };
  /** identity → devices: a user joined an account (devices keeps who may be shared with). */
  'account.userAdded': { accountId: string; userId: string; email: string };
  /** identity → devices: a user left an account (devices drops the user's shares). */
  'account.userRemoved': { accountId: string; userId: string };
  /**
   * identity → profiles: an account may now read an app's profiles (it registered the app, or was added
   * to it); profiles keeps which accounts see which apps.
   */
  'app.accountLinked': { appId: string; accountId: string };
  /** identity → profiles: an account was removed from an app (profiles stops showing it the app). */
  'app.accountUnlinked': { appId: string; accountId: string };
  /** identity → devices: an account's storage plan changed (devices purges what is older). */
  'account.retentionPlanChanged': { accountId: string; planId: string; retentionDays: number };
  /**
   * identity → every gateway and subgraph instance: refuse the access tokens a revocation names
   * (a session ended, a member removed, an account deactivated, a password changed, a key revoked).
   */
  'auth.revoked': Revocation;
};

export type IrisEventType = keyof IrisEventMap;

/** The subgraphs that hold data about phones and so take part in every erasure. */
export const ERASURE_PARTICIPANTS = ['profiles', 'analytics'] as const;

export interface IrisEvent<T extends IrisEventType = IrisEventType> {
  id: string;
  type: T;
  occurredAt: string;
  payload: IrisEventMap[T];
}

export type EventHandler<T extends IrisEventType> = (event: IrisEvent<T>) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Competing consumers: of all instances subscribed with the same group (a subgraph's name), one
   * handles each event, as work should be done once (make the mark, run the analysis). Without a
   * group every instance gets every event, as live subscriptions need.
   */
  group?: string;
}

/**
 * Publish/subscribe between subgraphs. In-process by default; on Redis when `REDIS_URL` is set, so
 * instances on several machines share the events (see `RedisEventBus`).
 */
export interface EventBus {
  /**
   * Whether other processes publish and receive on this bus (Redis). An outbox relay then also polls
   * for events another process committed and left unpublished (it died); in one process there is no
   * other, and a pass at start publishes what a previous run left.
   */
  readonly shared: boolean;
  publish<T extends IrisEventType>(type: T, payload: IrisEventMap[T]): Promise<IrisEvent<T>>;
  /**
   * Publishes an event made elsewhere, with its id: an outbox relay publishes the events its subgraph
   * committed, and a redelivery carries the same id, so idempotent consumers can skip it.
   */
  publishEvent(event: IrisEvent): Promise<void>;
  /**
   * Hands `event` now to this process's handlers that its publication would reach here (on Redis, those
   * without a group), before it is published: a publisher that must act on its own event at once
   * (a revocation refused by the revoking process) does not wait for the bus. The publication of that
   * event id that follows skips them, so they see it once.
   */
  deliverLocally(event: IrisEvent): void;
  subscribe<T extends IrisEventType>(type: T, handler: EventHandler<T>, options?: SubscribeOptions): () => void;
  /**
   * Events of `type` published since `sinceMs` (the bus's own time), oldest first, where the bus keeps
   * them (Redis streams); a bus that keeps none has no `history`.
   */
  history?<T extends IrisEventType>(type: T, sinceMs: number): Promise<IrisEvent<T>[]>;
  /**
   * Work that is about to publish (an outbox relay publishing what a transaction just committed):
   * `drain` waits for it too, so "everything published so far was handled" still holds for writes
   * whose events go through an outbox.
   */
  track(work: Promise<unknown>): void;
  /** Resolves once every delivery this process has started (and all tracked work) has finished (tests, graceful shutdown). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Makes an event: the id is what consumers deduplicate by. */
export const newEvent = <T extends IrisEventType>(type: T, payload: IrisEventMap[T]): IrisEvent<T> => ({
  id: randomUUID(),
  type,
  occurredAt: new Date().toISOString(),
  payload,
});

/**
 * Event ids a bus has handed to some handlers already: those delivered ahead of their publication
 * ({@link EventBus.deliverLocally}), so the publication skips the handlers that had them, or those
 * delivered once and read again (a catch-up after a reconnect). Bounded: the oldest are forgotten.
 */
export class RecentEventIds {
  readonly #ids = new Set<string>();
  constructor(private readonly limit = 10_000) {}

  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.limit) this.#ids.delete(this.#ids.values().next().value!);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** True (once) when `id` is held, which it no longer is. */
  take(id: string): boolean {
    return this.#ids.delete(id);
  }
}

/**
 * Delivers events to handlers in this process, after the publisher's call returns (as a remote bus
 * would), so a slow or failing handler never fails the mutation that published. A failing handler is
 * logged with the event id.
 */
export class InProcessEventBus implements EventBus {
  readonly #handlers = new Map<IrisEventType, Set<EventHandler<never>>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #deliveredAhead = new RecentEventIds();
  readonly shared: boolean = false;

  constructor(private readonly logger: Logger) {}

  async publish<T extends IrisEventType>(type: T, payload: IrisEventMap[T]): Promise<IrisEvent<T>> {
    const event = newEvent(type, payload);
    await this.publishEvent(event);
    return event;
  }

  async publishEvent(event: IrisEvent): Promise<void> {
    if (this.#deliveredAhead.take(event.id)) return;
    this.#deliver(event);
  }

  /** In one process every handler is local: they all get it now, and its publication is skipped. */
  deliverLocally(event: IrisEvent): void {
    this.#deliveredAhead.add(event.id);
    this.#deliver(event);
  }

  #deliver(event: IrisEvent): void {
    for (const handler of this.#handlers.get(event.type) ?? []) {
      const delivery = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => (handler as EventHandler<IrisEventType>)(event))
        .catch((err: unknown) => this.logger.error({ err, eventId: event.id, type: event.type }, 'event handler failed'));
      this.track(delivery);
    }
  }

  track(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work.catch(() => undefined).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  /** One process: groups need no coordination, every handler runs once. */
  subscribe<T extends IrisEventType>(type: T, handler: EventHandler<T>, _options?: SubscribeOptions): () => void {
    const set = this.#handlers.get(type) ?? new Set();
    set.add(handler as EventHandler<never>);
    this.#handlers.set(type, set);
    return () => set.delete(handler as EventHandler<never>);
  }

  /** How many handlers listen for `type` now: one per live subscription, plus the subgraphs' own. */
  listenerCount(type: IrisEventType): number {
    return this.#handlers.get(type)?.size ?? 0;
  }

  /** Resolves once every delivery started so far has finished (tests and graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.drain();
    this.#handlers.clear();
  }
}
