import { badUserInput, parseInput, uuidArgument } from '@iris/core';
import { z } from 'zod';
import { faceDetailOf } from '../faceDetail.js';
import type { QueryResolvers } from '../generated/resolvers-types.js';

const MAX_RANGE_MS = 366 * 86_400_000;
const statisticsInput = z
  .object({
    from: z.date(),
    to: z.date(),
    bucket: z.enum(['HOUR', 'DAY']),
    deviceId: z.uuid('must be a device id').nullish(),
    deviceModeId: z.uuid('must be a device mode id').nullish(),
  })
  .refine((i) => i.from < i.to, { message: 'must be after `from`', path: ['to'] })
  .refine((i) => i.to.getTime() - i.from.getTime() <= MAX_RANGE_MS, { message: 'the range may span at most 366 days', path: ['to'] });

export const Query: QueryResolvers = {
  action: (_parent, { id }, { loaders }) => loaders.action.load(uuidArgument(id, 'id', 'an action')),
  faceAnalysis: (_parent, { id }, { loaders }, info) =>
    loaders.analysis[faceDetailOf(info)].load(uuidArgument(id, 'id', 'a face analysis')),
  analysisJob: (_parent, { deviceDataId }, { loaders }) =>
    loaders.jobByCapture.load(uuidArgument(deviceDataId, 'deviceDataId', 'a capture')),
  analysisJobs: (_parent, { status, ...args }, { data, scope }) => data.analyses.jobs(status, args, scope),
  markStatistics: (_parent, { input }, { data, scope }) => {
    const checked = parseInput(statisticsInput, input);
    if (checked.bucket === 'HOUR' && checked.to.getTime() - checked.from.getTime() > 31 * 86_400_000) {
      throw badUserInput('input.to: hourly buckets cover at most 31 days; use DAY for longer ranges.', 'input.to');
    }
    return data.markStats.buckets(scope, {
      from: checked.from,
      to: checked.to,
      bucket: checked.bucket === 'HOUR' ? 'hour' : 'day',
      deviceId: checked.deviceId ?? null,
      modeId: checked.deviceModeId ?? null,
    });
  },
};
