import type { NotificationModel } from '@iris/db';
import type { PushMessage } from './push.js';

/** The `type` of a webhook body: a notification, or the message `sendTestWebhook` sends. */
export const NOTIFICATION_CREATED = 'notification.created';
export const WEBHOOK_TEST = 'webhook.test';

/** The webhook body of a notification, in the Standard Webhooks shape (`type`, `timestamp`, `data`). */
export function notificationWebhookPayload(notification: NotificationModel) {
  return {
    type: NOTIFICATION_CREATED,
    timestamp: notification.createdAt.toISOString(),
    data: {
      id: notification.id,
      accountId: notification.accountId,
      type: notification.type,
      title: notification.title,
      body: notification.body,
      deviceId: notification.deviceId,
      markId: notification.markId,
      createdAt: notification.createdAt.toISOString(),
    },
  };
}

/** The body `sendTestWebhook` sends, so a receiver can check its signature handling before real traffic. */
export function testWebhookPayload(endpointId: string, accountId: string, at: Date) {
  return {
    type: WEBHOOK_TEST,
    timestamp: at.toISOString(),
    data: { endpointId, accountId, message: 'A test message from Iris: your endpoint and its signature check work.' },
  };
}

/** What a phone shows for a notification; one per device at a time, the newest winning. */
export function notificationPushMessage(notification: NotificationModel): PushMessage {
  const data: Record<string, string> = { notificationId: notification.id, type: notification.type };
  if (notification.deviceId) data.deviceId = notification.deviceId;
  if (notification.markId) data.markId = notification.markId;
  return {
    title: notification.title,
    body: notification.body,
    data,
    ...(notification.deviceId ? { collapseKey: `device-${notification.deviceId}` } : {}),
  };
}
