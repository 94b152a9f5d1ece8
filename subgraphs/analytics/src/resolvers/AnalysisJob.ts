import type { AnalysisJobResolvers } from '../generated/resolvers-types.js';

export const AnalysisJob: AnalysisJobResolvers = {
  error: (job) => job.lastError,
  analysis: (job, _args, { loaders }) => (job.analysisId ? loaders.analysis.load(job.analysisId) : null),
};
