import type { Connection } from '@iris/core';
import type {
  DeviceDataModel as DeviceData,
  DeviceGroupModel as DeviceGroup,
  DeviceMarkModel as DeviceMark,
  DeviceModeModel as DeviceMode,
  DeviceModel as Device,
  NotificationDeliveryAttemptModel as WebhookDeliveryAttempt,
  NotificationDeliveryModel as WebhookDelivery,
  NotificationModel as Notification,
  PushRegistrationModel as PushRegistration,
  WebhookEndpointModel as WebhookEndpoint,
  ZoneModel as Zone,
} from '@iris/db';

/** What the devices subgraph's resolvers receive for each GraphQL type. */
export type {
  Device,
  DeviceData,
  DeviceGroup,
  DeviceMark,
  DeviceMode,
  Notification,
  PushRegistration,
  WebhookDelivery,
  WebhookDeliveryAttempt,
  WebhookEndpoint,
  Zone,
};
/** Identity owns Account and User; here they are only their keys. */
export interface AccountRef {
  id: string;
}
export interface UserRef {
  id: string;
  /** Provided by `sharedWith` (devices keeps each user's email); identity's everywhere else. */
  email?: string;
}
export type DeviceConnection = Connection<Device>;
export type DeviceGroupConnection = Connection<DeviceGroup>;
export type DeviceModeConnection = Connection<DeviceMode>;
export type DeviceDataConnection = Connection<DeviceData>;
export type DeviceMarkConnection = Connection<DeviceMark>;
export type NotificationConnection = Connection<Notification>;
export type WebhookEndpointConnection = Connection<WebhookEndpoint>;
export type WebhookDeliveryConnection = Connection<WebhookDelivery>;
/** An endpoint and the secret only creation and rotation show. */
export type { EndpointWithSecret as WebhookEndpointSecretPayload } from './services/delivery/index.js';
export interface ReplayDeadWebhookDeliveriesPayload {
  endpoint: WebhookEndpoint;
  replayedCount: number;
}
