import { paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import {
  Prisma,
  uuidArray,
  type AnalysisJobModel,
  type AnalysisJobStatus,
  type FaceAnalysisModel,
  type ScopedClient,
  type ScopedTransaction,
} from '@iris/db';

const jobsSort: Sort<AnalysisJobModel> = { name: 'analysisJob.id', keys: [{ field: 'id', direction: 'desc', type: 'uuid' }] };

/**
 * How much of each face an analysis is read with: `full` as stored, or `summary`, each face cut down
 * in the database to its score, box and expression label (no landmarks, eyes or expression scores).
 */
export type FaceDetail = 'full' | 'summary';

/**
 * Analyses whose `column` is among `ids`, in the tenant's scope, with summary faces. The faces are
 * cut down by PostgreSQL, so the 68 landmarks of every face never cross the wire nor get parsed.
 */
function summaryAnalyses(
  prisma: ScopedClient<'analytics'>,
  column: 'id' | 'dataId',
  ids: readonly string[],
  scope: TenantScope,
): Promise<FaceAnalysisModel[]> {
  if (ids.length === 0 || (!scope.all && scope.accountIds.length === 0)) return Promise.resolve([]);
  const tenant = scope.all ? Prisma.empty : Prisma.sql`AND "accountId" = ANY(${uuidArray(scope.accountIds)})`;
  return prisma.$queryRaw<FaceAnalysisModel[]>`
    SELECT id, "accountId", "deviceId", "dataId", width, height, models, "durationMs", "faceCount", "createdAt",
      CASE WHEN jsonb_typeof(faces) = 'array' THEN (
        SELECT coalesce(jsonb_agg(jsonb_build_object('score', face->'score', 'box', face->'box', 'expression', jsonb_build_object('label', face->'expression'->'label')) ORDER BY position), '[]'::jsonb)
        FROM jsonb_array_elements(faces) WITH ORDINALITY AS face_at(face, position)
      ) ELSE faces END AS faces
    FROM analytics."FaceAnalysis"
    WHERE ${Prisma.raw(column === 'id' ? 'id' : '"dataId"')} = ANY(${uuidArray(ids)}) ${tenant}`;
}

/** A job's outcome came after another worker took the job over: it is that worker's to record. */
export class LostClaimError extends Error {
  constructor(readonly jobId: string) {
    super(`analysis job ${jobId} was taken over by another worker`);
  }
}

/** Face analyses and the jobs that produce them for captures. */
export function createAnalysesData(prisma: ScopedClient<'analytics'>) {
  return {
    createAnalysis: (data: Prisma.FaceAnalysisUncheckedCreateInput, tx: ScopedTransaction<'analytics'> = prisma) =>
      tx.faceAnalysis.create({ data }),
    analysesByIds: (ids: readonly string[], scope: TenantScope, detail: FaceDetail = 'full'): Promise<FaceAnalysisModel[]> =>
      detail === 'summary'
        ? summaryAnalyses(prisma, 'id', ids, scope)
        : prisma.faceAnalysis.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),
    analysesByCaptureIds: (captureIds: readonly string[], scope: TenantScope, detail: FaceDetail = 'full'): Promise<FaceAnalysisModel[]> =>
      detail === 'summary'
        ? summaryAnalyses(prisma, 'dataId', captureIds, scope)
        : prisma.faceAnalysis.findMany({ where: { dataId: { in: [...captureIds] }, ...scopeWhere(scope) } }),

    /** One job per capture: a repeated `capture.created` finds the job it made before. */
    queueJob: (row: { dataId: string; accountId: string; deviceId: string; storageKey: string }) =>
      prisma.analysisJob.upsert({ where: { dataId: row.dataId }, update: {}, create: row }),
    job: (id: string) => prisma.analysisJob.findUnique({ where: { id } }),
    /**
     * Takes a job for a worker; null when another worker holds it. A QUEUED job is taken; a RUNNING
     * one only when its holder is known gone: its claim is older than `staleBefore` (the queue said the
     * previous attempt stalled, or the claim outlived the lease). Each claim counts an attempt, and that
     * count is the claim's token: `finishClaim` writes only for the latest one.
     */
    claim: async (id: string, staleBefore?: Date) => {
      const taken = staleBefore
        ? [{ status: 'QUEUED' as const }, { status: 'RUNNING' as const, updatedAt: { lt: staleBefore } }]
        : [{ status: 'QUEUED' as const }];
      const claimed = await prisma.analysisJob.updateMany({
        where: { id, OR: taken },
        data: { status: 'RUNNING', attempts: { increment: 1 } },
      });
      return claimed.count === 1 ? prisma.analysisJob.findUnique({ where: { id } }) : null;
    },
    /**
     * Records a claimed job's outcome, in the caller's transaction; throws `LostClaimError` when a later
     * claim took the job over (this attempt was thought dead), so the transaction writes nothing: one
     * analysis and one event per capture.
     */
    finishClaim: async (
      job: { id: string; attempts: number },
      status: AnalysisJobStatus,
      fields: { analysisId?: string; lastError?: string | null } = {},
      tx: ScopedTransaction<'analytics'> = prisma,
    ) => {
      const updated = await tx.analysisJob.updateMany({
        where: { id: job.id, status: 'RUNNING', attempts: job.attempts },
        data: { status, ...fields },
      });
      if (updated.count !== 1) throw new LostClaimError(job.id);
    },
    /** Jobs left queued or running by a process that stopped: they run again. */
    unfinishedJobs: () => prisma.analysisJob.findMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true } }),
    requeue: (id: string) => prisma.analysisJob.update({ where: { id }, data: { status: 'QUEUED' } }),
    /** The oldest jobs still waiting to be taken that were recorded (or last retried) before `before`. */
    queuedBefore: (before: Date, take: number) =>
      prisma.analysisJob.findMany({
        where: { status: 'QUEUED', updatedAt: { lt: before } },
        orderBy: { updatedAt: 'asc' },
        take,
        select: { id: true },
      }),

    jobsByCaptureIds: (captureIds: readonly string[], scope: TenantScope) =>
      prisma.analysisJob.findMany({ where: { dataId: { in: [...captureIds] }, ...scopeWhere(scope) } }),
    jobs: (status: AnalysisJobStatus | null | undefined, args: ConnectionArgs, scope: TenantScope) => {
      const where = { ...scopeWhere(scope), ...(status ? { status } : {}) };
      return paginate(args, {
        sort: jobsSort,
        fetch: (page) => prisma.analysisJob.findMany({ ...page, where: { ...where, ...page.where } }),
        count: () => prisma.analysisJob.count({ where }),
      });
    },
  };
}

export type AnalysesData = ReturnType<typeof createAnalysesData>;
