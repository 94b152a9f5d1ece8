import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Account } from './Account.js';
import { ApiKey } from './ApiKey.js';
import { App } from './App.js';
import { AuthPayload } from './AuthPayload.js';
import { Mutation } from './Mutation/index.js';
import { Order } from './Order.js';
import { Query } from './Query.js';
import { User } from './User.js';

export const resolvers: Resolvers = { DateTime: DateTimeResolver, Query, Mutation, Account, User, App, ApiKey, Order, AuthPayload };
