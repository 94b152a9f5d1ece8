import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Account } from './Account.js';
import { Device } from './Device.js';
import { DeviceGroup } from './DeviceGroup.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Mutation, Account, Device, DeviceGroup };
