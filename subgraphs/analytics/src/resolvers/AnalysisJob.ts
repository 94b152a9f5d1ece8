import { faceDetailOf } from '../faceDetail.js';
import type { AnalysisJobResolvers } from '../generated/resolvers-types.js';

export const AnalysisJob: AnalysisJobResolvers = {
  error: (job) => job.lastError,
  analysis: (job, _args, { loaders }, info) => (job.analysisId ? loaders.analysis[faceDetailOf(info)].load(job.analysisId) : null),
};
