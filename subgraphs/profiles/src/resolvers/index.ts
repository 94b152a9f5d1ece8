import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { App } from './App.js';
import { ErasurePart } from './ErasurePart.js';
import { ErasureReceipt } from './ErasureReceipt.js';
import { Mutation } from './Mutation.js';
import { Profile } from './Profile.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Mutation, Profile, App, ErasureReceipt, ErasurePart };
