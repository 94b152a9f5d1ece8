import { loadConfig, type Logger } from '@iris/core';
import { Notification } from 'apns2';
import { describe, expect, it } from 'vitest';
import { apnsOutcome, buildApnsOptions } from './apns.js';
import { buildFcmMessage, fcmOutcome } from './fcm.js';
import { createPushProviders, NOT_CONFIGURED, type PushMessage } from './push.js';

const message: PushMessage = {
  title: 'New mark on Lobby camera',
  body: '1 face(s) met the device’s mode.',
  data: { notificationId: '0190a000-0000-7000-8000-0000000009a1', type: 'MARK_CREATED', deviceId: '0190a000-0000-7000-8000-000000000201' },
  collapseKey: 'device-0190a000-0000-7000-8000-000000000201',
};
const silent = { debug: () => undefined, error: () => undefined } as unknown as Logger;

describe('FCM messages', () => {
  it('show the title and body, carry the data as strings, and wake a closed app (high priority)', () => {
    expect(buildFcmMessage('fcm-token', message)).toEqual({
      token: 'fcm-token',
      notification: { title: message.title, body: message.body },
      data: message.data,
      android: { priority: 'high', collapseKey: message.collapseKey },
      apns: { payload: { aps: { sound: 'default' } } },
    });
  });

  it('tell a dead token from a failure worth retrying', () => {
    expect(fcmOutcome(Object.assign(new Error('gone'), { code: 'messaging/registration-token-not-registered' }))).toMatchObject({
      ok: false,
      tokenInvalid: true,
      retryable: false,
    });
    expect(fcmOutcome(Object.assign(new Error('busy'), { code: 'messaging/server-unavailable' }))).toMatchObject({
      ok: false,
      tokenInvalid: false,
      retryable: true,
    });
    expect(fcmOutcome(Object.assign(new Error('bad payload'), { code: 'messaging/invalid-payload' }))).toMatchObject({
      tokenInvalid: false,
      retryable: false,
    });
    expect(fcmOutcome(new Error('socket hang up'))).toMatchObject({ retryable: true, error: expect.stringMatching(/socket hang up/) });
  });
});

describe('APNs notifications', () => {
  it('are alerts to the app’s bundle, with the data beside aps', () => {
    const options = buildApnsOptions(message, 'dev.iris.camera');
    expect(options).toMatchObject({
      alert: { title: message.title, body: message.body },
      topic: 'dev.iris.camera',
      collapseId: message.collapseKey,
    });
    const notification = new Notification('a'.repeat(64), options);
    expect(notification.buildApnsOptions()).toEqual({
      aps: { alert: { title: message.title, body: message.body }, sound: 'default' },
      ...message.data,
    });
    expect(notification.pushType).toBe('alert');
  });

  it('tell a dead token from a failure worth retrying', () => {
    expect(apnsOutcome({ statusCode: 410, reason: 'Unregistered' })).toMatchObject({
      ok: false,
      statusCode: 410,
      tokenInvalid: true,
      retryable: false,
    });
    expect(apnsOutcome({ statusCode: 400, reason: 'BadDeviceToken' })).toMatchObject({ tokenInvalid: true, retryable: false });
    expect(apnsOutcome({ statusCode: 429, reason: 'TooManyRequests' })).toMatchObject({ tokenInvalid: false, retryable: true });
    expect(apnsOutcome({ statusCode: 503, reason: 'ServiceUnavailable' })).toMatchObject({ retryable: true });
    expect(apnsOutcome(new Error('connect ETIMEDOUT'))).toMatchObject({ statusCode: null, retryable: true });
  });
});

describe('push providers', () => {
  it('are none without their configuration, and say what to set', async () => {
    expect(await createPushProviders(loadConfig({}), silent)).toEqual({});
    expect(NOT_CONFIGURED.FCM).toMatch(/FCM_SERVICE_ACCOUNT_PATH/);
    expect(NOT_CONFIGURED.APNS).toMatch(/APNS_KEY_PATH, APNS_KEY_ID, APNS_TEAM_ID and APNS_BUNDLE_ID/);
  });

  it('need all four APNs variables or none', () => {
    expect(() => loadConfig({ APNS_KEY_PATH: '/keys/AuthKey.p8', APNS_KEY_ID: 'ABC123' })).toThrow(
      /APNS_TEAM_ID: required with the other APNS_\* variables/,
    );
  });
});
