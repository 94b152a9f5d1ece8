import type { Logger } from '@iris/core';

export interface JobQueue {
  /** Queues a job id; the handler runs it on one of the workers. */
  enqueue(jobId: string): void;
  /** Resolves when nothing is queued or running (tests, graceful shutdown). */
  drain(): Promise<void>;
  /** Jobs waiting to run: queued, or waiting for a retry (running ones are not counted). */
  depth(): Promise<number>;
  close(): Promise<void>;
}

export interface JobQueueOptions {
  /** How many jobs run at once. */
  workers: number;
  /** Runs of one job before it is given up (dead-lettered). */
  maxAttempts: number;
  /** First retry delay; doubled each time. */
  backoffMs: number;
}

export type JobOutcome = 'done' | 'retry' | 'failed' | 'dead';

/**
 * Runs one attempt of a job. `stalled`: the queue hands the job over again because the attempt it
 * handed out before died with its worker (BullMQ's lock on it lapsed), so a RUNNING row is no one's.
 */
export type JobRunner = (jobId: string, attemptIsLast: (attempts: number) => boolean, stalled: boolean) => Promise<JobOutcome>;

/**
 * The in-process queue: a bounded number of workers, retries with exponential backoff, and a
 * dead-letter state after the last attempt. `run` reports the outcome it recorded; the queue only
 * decides when to run a job again. (A Redis-backed queue takes the same handler when `REDIS_URL` is set.)
 */
export class InProcessJobQueue implements JobQueue {
  readonly #waiting: string[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #running = 0;
  #idle: (() => void)[] = [];
  #closed = false;

  constructor(
    private readonly run: JobRunner,
    private readonly options: JobQueueOptions,
    private readonly logger: Logger,
  ) {}

  enqueue(jobId: string): void {
    if (this.#closed) return;
    this.#waiting.push(jobId);
    this.#pump();
  }

  #pump(): void {
    while (this.#running < this.options.workers && this.#waiting.length > 0) {
      const jobId = this.#waiting.shift()!;
      this.#running += 1;
      void this.#work(jobId, 1);
    }
    if (this.#running === 0 && this.#waiting.length === 0 && this.#timers.size === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #work(jobId: string, attempt: number): Promise<void> {
    try {
      const outcome = await this.run(jobId, (attempts) => attempts >= this.options.maxAttempts, false);
      if (outcome === 'retry' && !this.#closed) {
        const timer = setTimeout(
          () => {
            this.#timers.delete(timer);
            this.enqueue(jobId);
          },
          this.options.backoffMs * 2 ** (attempt - 1),
        );
        this.#timers.add(timer);
      }
    } catch (err) {
      this.logger.error({ err, jobId }, 'job handler failed');
    } finally {
      this.#running -= 1;
      this.#pump();
    }
  }

  drain(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0 && this.#timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async depth(): Promise<number> {
    return this.#waiting.length + this.#timers.size;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#waiting.length = 0;
    if (this.#running > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
