import { faceDetailOf } from '../faceDetail.js';
import type { FaceAnalysisResolvers } from '../generated/resolvers-types.js';

export const FaceAnalysis: FaceAnalysisResolvers = {
  __resolveReference: ({ id }, { loaders }, info) => loaders.analysis[faceDetailOf(info)].load(id),
  // Stored as the engine returned them; the GraphQL shape mirrors the engine's one to one.
  models: (analysis) => analysis.models as never,
  faces: (analysis) => analysis.faces as never,
};
