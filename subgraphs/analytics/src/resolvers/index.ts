import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Action } from './Action.js';
import { AnalysisJob } from './AnalysisJob.js';
import { App } from './App.js';
import { Device } from './Device.js';
import { DeviceData } from './DeviceData.js';
import { DeviceMark } from './DeviceMark.js';
import { FaceAnalysis } from './FaceAnalysis.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query,
  Mutation,
  Action,
  AnalysisJob,
  App,
  Device,
  DeviceData,
  DeviceMark,
  FaceAnalysis,
};
