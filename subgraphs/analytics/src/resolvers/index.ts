import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Action } from './Action.js';
import { App } from './App.js';
import { Device } from './Device.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Action, App, Device };
