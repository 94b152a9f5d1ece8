import { paginate, scopeWhere, type ConnectionArgs, type Sort, type TenantScope } from '@iris/core';
import type { AnalysisJobModel, AnalysisJobStatus, Db, Prisma } from '@iris/db';

const jobsSort: Sort<AnalysisJobModel> = { name: 'analysisJob.id', keys: [{ field: 'id', direction: 'desc', type: 'string' }] };

/** Face analyses and the jobs that produce them for captures. */
export function createAnalysesData(prisma: Db) {
  return {
    createAnalysis: (data: Prisma.FaceAnalysisUncheckedCreateInput) => prisma.faceAnalysis.create({ data }),
    analysesByIds: (ids: readonly string[], scope: TenantScope) =>
      prisma.faceAnalysis.findMany({ where: { id: { in: [...ids] }, ...scopeWhere(scope) } }),
    analysesByDataIds: (dataIds: readonly string[], scope: TenantScope) =>
      prisma.faceAnalysis.findMany({ where: { dataId: { in: [...dataIds] }, ...scopeWhere(scope) } }),

    /** One job per capture: a repeated `capture.created` finds the job it made before. */
    queueJob: (row: { dataId: string; accountId: string; deviceId: string; storageKey: string }) =>
      prisma.analysisJob.upsert({ where: { dataId: row.dataId }, update: {}, create: row }),
    job: (id: string) => prisma.analysisJob.findUnique({ where: { id } }),
    /** Takes a queued job for a worker; null when another worker took it first. */
    claim: async (id: string) => {
      const claimed = await prisma.analysisJob.updateMany({ where: { id, status: 'QUEUED' }, data: { status: 'RUNNING', attempts: { increment: 1 } } });
      return claimed.count === 1 ? prisma.analysisJob.findUnique({ where: { id } }) : null;
    },
    finish: (id: string, status: AnalysisJobStatus, fields: { analysisId?: string; lastError?: string | null } = {}) =>
      prisma.analysisJob.update({ where: { id }, data: { status, ...fields } }),
    /** Jobs left queued or running by a process that stopped: they run again. */
    unfinishedJobs: () => prisma.analysisJob.findMany({ where: { status: { in: ['QUEUED', 'RUNNING'] } }, select: { id: true } }),
    requeue: (id: string) => prisma.analysisJob.update({ where: { id }, data: { status: 'QUEUED' } }),

    jobsByDataIds: (dataIds: readonly string[], scope: TenantScope) =>
      prisma.analysisJob.findMany({ where: { dataId: { in: [...dataIds] }, ...scopeWhere(scope) } }),
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
