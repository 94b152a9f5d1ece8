import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/resolvers-types.js';
import { Account } from './Account.js';
import { Device } from './Device.js';
import { DeviceData } from './DeviceData.js';
import { DeviceGroup } from './DeviceGroup.js';
import { DeviceMark } from './DeviceMark.js';
import { DeviceMode } from './DeviceMode.js';
import { Mutation } from './Mutation/index.js';
import { Notification } from './Notification.js';
import { Query } from './Query.js';
import { Subscription } from './Subscription.js';
import { User } from './User.js';
import { WebhookDelivery } from './WebhookDelivery.js';
import { WebhookEndpoint } from './WebhookEndpoint.js';
import { Zone } from './Zone.js';

export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query,
  Mutation,
  Subscription,
  Account,
  Device,
  DeviceData,
  DeviceGroup,
  DeviceMark,
  DeviceMode,
  Notification,
  User,
  WebhookDelivery,
  WebhookEndpoint,
  Zone,
};
