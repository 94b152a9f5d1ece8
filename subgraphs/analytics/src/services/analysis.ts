import { badUserInput, decodeBase64, parseInput, principalOf, type AuthState, type BlobStorage, type Logger } from '@iris/core';
import type { Outbox, Prisma, ScopedTransaction } from '@iris/db';
import { z } from 'zod';
import { LostClaimError } from '../data/analyses.js';
import type { AnalyticsData } from '../data/index.js';
import { BullJobQueue } from '../jobs/bullQueue.js';
import { InProcessJobQueue, type JobOutcome, type JobQueue } from '../jobs/queue.js';
import {
  createFaceAnalyzer,
  createThreadedFaceAnalyzer,
  ImageInputError,
  type FaceAnalysisResult,
  type FaceAnalyzer,
} from '../vision/index.js';

/** Inline images (base64 in a GraphQL request) are limited like inline captures. */
export const MAX_INLINE_BYTES = 8 * 1024 * 1024;

/**
 * How long a claim holds a job (far longer than one analysis): a RUNNING job claimed longer ago is
 * taken by the next delivery of it, even when the queue did not report the previous attempt stalled.
 */
export const ANALYSIS_LEASE_MS = 10 * 60_000;

const analyzeInput = z.object({ imageBase64: z.string().min(1, 'must not be empty') });

export interface AnalysisOptions {
  workers: number;
  maxAttempts: number;
  backoffMs: number;
  /** Worker threads running the models; 0 runs them on the event loop. */
  threads: number;
  /** With Redis, the queue is BullMQ's, shared by every instance. */
  redis?: { url: string; queueName: string };
  /** With Redis: how often, and after how long, a queued job missing from Redis is queued again. */
  sweepMs?: number;
  /**
   * Whether this process runs queued jobs (default true). With Redis, a subgraph instance can leave
   * them to the analysis worker processes (`pnpm start:worker`) and only queue them.
   */
  runsJobs?: boolean;
}

/**
 * Face analysis: on demand (`analyzeImage`) and for every capture, through the job queue. Inference
 * runs on `threads` worker threads, never on the event loop that serves requests; the models load once
 * per thread, on first use, and are shared by every request and job.
 */
export function createAnalysisService(data: AnalyticsData, storage: BlobStorage, outbox: Outbox, logger: Logger, options: AnalysisOptions) {
  let analyzer: FaceAnalyzer | undefined;
  const engine = () => (analyzer ??= options.threads > 0 ? createThreadedFaceAnalyzer({ threads: options.threads }) : createFaceAnalyzer());

  const record = (
    result: FaceAnalysisResult,
    owner: { accountId: string; deviceId?: string | null; dataId?: string | null },
    tx?: ScopedTransaction<'analytics'>,
  ) =>
    data.analyses.createAnalysis(
      {
        accountId: owner.accountId,
        deviceId: owner.deviceId ?? null,
        dataId: owner.dataId ?? null,
        width: result.width,
        height: result.height,
        models: result.models as unknown as Prisma.InputJsonValue,
        durationMs: result.durationMs,
        faces: result.faces as unknown as Prisma.InputJsonValue,
        faceCount: result.faces.length,
      },
      tx,
    );

  /** One run of a capture's job: records the outcome with its event (one transaction), and tells the queue what next. */
  async function runJob(jobId: string, isLastAttempt: (attempts: number) => boolean, stalled: boolean): Promise<JobOutcome> {
    const job = await data.analyses.claim(jobId, new Date(Date.now() - (stalled ? 0 : ANALYSIS_LEASE_MS)));
    if (!job) return 'done';
    if (job.attempts > 1 && stalled) logger.warn({ jobId, attempts: job.attempts }, 'taking over an analysis whose worker stopped mid-way');
    const failed = async (status: 'FAILED' | 'DEAD', reason: string): Promise<JobOutcome> => {
      await data.transaction(async (tx) => {
        await data.analyses.finishClaim(job, status, { lastError: reason }, tx);
        await outbox.enqueue(tx, 'analysis.failed', { captureId: job.dataId, deviceId: job.deviceId, accountId: job.accountId, reason });
      });
      return status === 'FAILED' ? 'failed' : 'dead';
    };
    try {
      const bytes = await storage.get(job.storageKey);
      if (!bytes) return await failed('FAILED', 'The capture file is missing from storage.');
      const result = await engine().analyze(bytes);
      await data.transaction(async (tx) => {
        const analysis = await record(result, job, tx);
        await data.analyses.finishClaim(job, 'DONE', { analysisId: analysis.id, lastError: null }, tx);
        await outbox.enqueue(tx, 'analysis.completed', {
          analysisId: analysis.id,
          captureId: job.dataId,
          deviceId: job.deviceId,
          accountId: job.accountId,
          width: result.width,
          height: result.height,
          faces: result.faces.map((face) => ({
            score: face.score,
            box: face.box,
            expression: face.expression.label,
            eyesOpen: face.eyes.left.open && face.eyes.right.open,
          })),
        });
      });
      return 'done';
    } catch (err) {
      // Another worker took the job over (this one was thought dead): its outcome is the one recorded.
      if (err instanceof LostClaimError) return 'done';
      if (err instanceof ImageInputError) return failed('FAILED', err.message);
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ err, jobId, attempts: job.attempts }, 'analysis attempt failed');
      if (isLastAttempt(job.attempts)) return failed('DEAD', `Gave up after ${job.attempts} attempts: ${reason}`);
      try {
        await data.analyses.finishClaim(job, 'QUEUED', { lastError: reason });
      } catch (lost) {
        if (lost instanceof LostClaimError) return 'done';
        throw lost;
      }
      return 'retry';
    }
  }

  const queue: JobQueue = options.redis
    ? new BullJobQueue(options.redis.url, options.redis.queueName, runJob, { ...options, consume: options.runsJobs ?? true }, logger)
    : new InProcessJobQueue(runJob, options, logger);

  return {
    queue,

    async analyzeImage(auth: AuthState, raw: unknown) {
      const input = parseInput(analyzeInput, raw);
      const bytes = decodeBase64(input.imageBase64, 'input.imageBase64', {
        maxBytes: MAX_INLINE_BYTES,
        tooLarge: `images are limited to ${MAX_INLINE_BYTES / 1024 / 1024} MiB.`,
      });
      let result: FaceAnalysisResult;
      try {
        result = await engine().analyze(bytes);
      } catch (err) {
        if (err instanceof ImageInputError) throw badUserInput(`input.imageBase64: ${err.message}`, 'input.imageBase64');
        throw err;
      }
      return record(result, { accountId: principalOf(auth).accountId });
    },

    async enqueueCapture(capture: { captureId: string; accountId: string; deviceId: string; storageKey: string }) {
      const { captureId, accountId, deviceId, storageKey } = capture;
      const job = await data.analyses.queueJob({ dataId: captureId, accountId, deviceId, storageKey });
      if (job.status === 'QUEUED') queue.enqueue(job.id);
    },

    /**
     * With Redis, every `sweepMs`: jobs recorded as QUEUED that long ago or longer which Redis does not
     * hold (their process stopped between recording and queueing them, their queueing failed, or Redis
     * lost its data) are queued again, so that no capture waits for an analysis forever. Any instance
     * may do it at any time: a job Redis holds is left alone, and a job runs only once it is claimed.
     */
    sweepLostJobs(): () => void {
      if (!(queue instanceof BullJobQueue)) return () => {};
      const sweepMs = options.sweepMs ?? 60_000;
      let running = false;
      const sweep = async () => {
        if (running) return;
        running = true;
        try {
          const jobs = await data.analyses.queuedBefore(new Date(Date.now() - sweepMs), 500);
          const requeued = await queue.requeueMissing(jobs.map((job) => job.id));
          if (requeued > 0) logger.warn({ requeued }, 'queued again analysis jobs that were missing from Redis');
        } catch (err) {
          logger.warn({ err }, 'could not look for lost analysis jobs');
        } finally {
          running = false;
        }
      };
      const timer = setInterval(() => void sweep(), sweepMs);
      timer.unref();
      return () => clearInterval(timer);
    },

    /** Jobs a stopped process left behind run again at start. */
    async resume() {
      for (const job of await data.analyses.unfinishedJobs()) {
        await data.analyses.requeue(job.id);
        queue.enqueue(job.id);
      }
    },

    async close() {
      await queue.close();
      await analyzer?.close();
    },
  };
}

export type AnalysisService = ReturnType<typeof createAnalysisService>;
