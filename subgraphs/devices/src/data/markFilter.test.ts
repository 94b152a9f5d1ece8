import { describe, expect, it } from 'vitest';
import { markFilterWhere, matchesMark, parseMarkFilter, parseMarkSubscriptionFilter } from './markFilter.js';

const device = '0190a000-0000-7000-8000-000000000001';
const group = '0190a000-0000-7000-8000-000000000002';
const mode = '0190a000-0000-7000-8000-000000000003';

describe('the mark filter', () => {
  it('refuses ids that are not UUIDs, naming the field', () => {
    expect(() => parseMarkFilter({ deviceId: 'nope' })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'filter.deviceId' }) }),
    );
    expect(() => parseMarkSubscriptionFilter({ deviceModeId: 7 })).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ field: 'filter.deviceModeId' }) }),
    );
    expect(parseMarkFilter(null)).toEqual({});
  });

  it('keeps the trash out of SQL unless asked for, and reads unread as readAt', () => {
    expect(markFilterWhere({})).toEqual({ deletedAt: null });
    expect(markFilterWhere({ deviceGroupId: group, unread: true, deleted: true })).toEqual({
      groupId: group,
      readAt: null,
      deletedAt: { not: null },
    });
    const after = new Date('2026-01-01');
    expect(markFilterWhere({ createdAfter: after, unread: false })).toEqual({
      createdAt: { gt: after },
      readAt: { not: null },
      deletedAt: null,
    });
  });

  it('matches a live mark on the same fields as its SQL form', () => {
    const mark = { deviceId: device, groupId: group, modeId: mode };
    expect(matchesMark({}, mark)).toBe(true);
    expect(matchesMark({ deviceId: device, deviceGroupId: group, deviceModeId: mode }, mark)).toBe(true);
    expect(matchesMark({ deviceModeId: device }, mark)).toBe(false);
    expect(matchesMark({ deviceGroupId: group }, { ...mark, groupId: null })).toBe(false);
    expect(markFilterWhere({ deviceId: device, deviceGroupId: group, deviceModeId: mode })).toEqual({
      deviceId: device,
      groupId: group,
      modeId: mode,
      deletedAt: null,
    });
  });
});
