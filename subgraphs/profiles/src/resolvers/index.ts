import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { App } from './App.js';
import { Profile } from './Profile.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Profile, App };
