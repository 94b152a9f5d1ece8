import type { Logger } from '@iris/core';
import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import type { JobQueue, JobQueueOptions, JobRunner } from './queue.js';

/**
 * The analysis queue on Redis (BullMQ), when `REDIS_URL` is set: jobs survive a restart, any instance's
 * workers take them, a failed attempt is retried with exponential backoff, and a job that keeps failing
 * stays in BullMQ's failed set (the dead-letter state) as its row says DEAD.
 */
export class BullJobQueue implements JobQueue {
  readonly #queue: Queue;
  readonly #worker: Worker | undefined;

  constructor(
    redisUrl: string,
    name: string,
    run: JobRunner,
    options: JobQueueOptions & { consume: boolean },
    private readonly logger: Logger,
  ) {
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    this.#queue = new Queue(name, {
      connection,
      defaultJobOptions: {
        attempts: options.maxAttempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: 1_000,
      },
    });
    const work = async (job: Job) => {
      // BullMQ counts the times the job went back to waiting because its worker stopped renewing its lock
      // (killed mid-analysis): that attempt's RUNNING row is then taken over.
      const outcome = await run(job.data.jobId as string, (attempts) => attempts >= options.maxAttempts, job.stalledCounter > 0);
      // BullMQ retries a job whose processor throws; a job the handler gave up on must not be retried.
      if (outcome === 'retry') throw new Error('analysis attempt failed; retrying');
      if (outcome === 'dead') throw new UnrecoverableError('analysis gave up after its last attempt');
    };
    // A process that only queues jobs opens no worker: the analysis worker processes take them.
    // A job whose worker died goes back to waiting (BullMQ's default allows it once, then fails it, which
    // would leave its row RUNNING): a kill counts like a failed attempt, within the same bound.
    this.#worker = options.consume
      ? new Worker(name, work, { connection, concurrency: options.workers, maxStalledCount: options.maxAttempts })
      : undefined;
    this.#worker?.on('error', (err) => this.logger.warn({ err }, 'analysis queue error'));
  }

  enqueue(jobId: string): void {
    this.#add(jobId).catch((err: unknown) => this.logger.error({ err, jobId }, 'could not queue the analysis'));
  }

  /**
   * Queues again those of `jobIds` that Redis does not hold in any state (never added, or lost with
   * Redis's data); a job it holds, waiting, delayed for a retry, running or finished, is left alone.
   * Resolves to how many were queued again.
   */
  async requeueMissing(jobIds: readonly string[]): Promise<number> {
    let requeued = 0;
    for (const jobId of jobIds) {
      if (await this.#queue.getJob(jobId)) continue;
      await this.#add(jobId);
      requeued += 1;
    }
    return requeued;
  }

  /** The job id is the analysis job's row id: adding it twice adds it once. */
  #add(jobId: string) {
    return this.#queue.add('analyze', { jobId }, { jobId });
  }

  async drain(): Promise<void> {
    for (;;) {
      const counts = await this.#queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts('waiting', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue.close();
  }
}
