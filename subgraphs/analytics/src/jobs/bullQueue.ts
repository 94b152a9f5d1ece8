import type { Logger } from '@iris/core';
import { Queue, Worker, UnrecoverableError, type Job } from 'bullmq';
import type { JobOutcome, JobQueue, JobQueueOptions } from './queue.js';

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
    run: (jobId: string, attemptIsLast: (attempts: number) => boolean) => Promise<JobOutcome>,
    options: JobQueueOptions & { consume: boolean },
    private readonly logger: Logger,
  ) {
    const connection = { url: redisUrl, maxRetriesPerRequest: null };
    this.#queue = new Queue(name, { connection, defaultJobOptions: { attempts: options.maxAttempts, backoff: { type: 'exponential', delay: options.backoffMs }, removeOnComplete: 1_000 } });
    const work = async (job: Job) => {
      const outcome = await run(job.data.jobId as string, (attempts) => attempts >= options.maxAttempts);
      // BullMQ retries a job whose processor throws; a job the handler gave up on must not be retried.
      if (outcome === 'retry') throw new Error('analysis attempt failed; retrying');
      if (outcome === 'dead') throw new UnrecoverableError('analysis gave up after its last attempt');
    };
    // A process that only queues jobs opens no worker: the analysis worker processes take them.
    this.#worker = options.consume ? new Worker(name, work, { connection, concurrency: options.workers }) : undefined;
    this.#worker?.on('error', (err) => this.logger.warn({ err }, 'analysis queue error'));
  }

  enqueue(jobId: string): void {
    // The job id is the analysis job's row id: enqueueing it twice adds it once.
    this.#queue.add('analyze', { jobId }, { jobId }).catch((err: unknown) => this.logger.error({ err, jobId }, 'could not queue the analysis'));
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
