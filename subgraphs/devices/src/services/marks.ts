import { badUserInput, isUuid, notFound, parseInput, type IrisEventMap, type Logger, type TenantScope } from '@iris/core';
import type { DeviceMarkModel, Outbox, Prisma, ScopedTransaction } from '@iris/db';
import type { ConnectionArgs } from '@iris/core';
import { markFilterWhere, parseMarkFilter, type MarkSubscriptionFilter } from '../data/markFilter.js';
import { markSort, type MarkOrderField } from '../data/marks.js';
import type { Visibility } from '../data/visibility.js';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';
import type { CapturesService } from './captures.js';
import { evaluateModeConditions, type TimeWindow } from './evaluateModeConditions.js';
import type { Point } from './geometry.js';

const badCursor = () => badUserInput('`after` must be the id of a mark you received.', 'after');

const idsInput = z.object({ ids: z.array(z.uuid('must be mark ids')).min(1, 'needs at least one id').max(100, 'at most 100 ids') });

/**
 * Marks: made here when an analysis meets the device's mode (driven by `analysis.completed`), then
 * read, signed, trashed, recovered and purged by their owners.
 */
export function createMarksService(
  data: DevicesSubgraphData,
  captures: CapturesService,
  outbox: Outbox,
  logger: Logger,
  clock: () => Date,
) {
  const { marks } = data;
  // Every live subscriber of a new mark needs its row at the same moment: read it once.
  const recent = new Map<string, Promise<DeviceMarkModel | undefined>>();

  /** The mark's events, stored in its transaction. */
  async function announce(tx: ScopedTransaction<'devices'>, mark: DeviceMarkModel, notificationId: string) {
    await outbox.enqueue(tx, 'mark.created', {
      markId: mark.id,
      accountId: mark.accountId,
      deviceId: mark.deviceId,
      groupId: mark.groupId,
      modeId: mark.modeId,
      createdAt: mark.createdAt.toISOString(),
    });
    await outbox.enqueue(tx, 'notification.created', {
      notificationId,
      accountId: mark.accountId,
      type: 'MARK_CREATED',
      deviceId: mark.deviceId,
      markId: mark.id,
    });
  }

  /** A mark, its notification and their events, in one transaction. */
  async function makeMark(input: {
    accountId: string;
    deviceId: string;
    deviceName: string;
    groupId: string | null;
    modeId: string | null;
    dataId: string | null;
    analysisId: string | null;
    faceCount: number;
  }) {
    const { deviceName, ...row } = input;
    return data.devices.transaction(async (tx) => {
      const mark = await marks.createMark(row, tx);
      const notification = await data.notifications.create(
        {
          accountId: mark.accountId,
          type: 'MARK_CREATED',
          deviceId: mark.deviceId,
          markId: mark.id,
          title: `New mark on ${deviceName}`,
          body: input.faceCount > 0 ? `${input.faceCount} face(s) met the device's mode.` : 'A mark was added.',
        },
        tx,
      );
      await announce(tx, mark, notification.id);
      return mark;
    });
  }

  return {
    /** Marks within `base` (what the caller sees, or one account's), filtered and in the asked order. */
    list(
      base: Prisma.DeviceMarkWhereInput,
      filter: unknown,
      orderBy: { field: MarkOrderField; direction: 'ASC' | 'DESC' } | null | undefined,
      args: ConnectionArgs,
    ) {
      const sort = markSort(orderBy?.field ?? 'CREATED_AT', orderBy?.direction === 'ASC' ? 'asc' : 'desc');
      return marks.marks(base, parseMarkFilter(filter), sort, args);
    },

    /**
     * What a replay after the mark `afterId` reads from: the marks the caller sees. BAD_USER_INPUT unless
     * `afterId` is one of them (not a mark id, no such mark, another tenant's): it can only come from
     * an event the caller received, and one that is not would replay from an arbitrary time.
     */
    async replayFrom(afterId: string, visibility: Visibility): Promise<Prisma.DeviceMarkWhereInput> {
      if (!isUuid(afterId)) throw badCursor();
      const visibleWhere = await marks.visibleMarks(visibility);
      if (!(await marks.isAmong(afterId, visibleWhere))) throw badCursor();
      return visibleWhere;
    },

    /** Marks made after the mark `afterId` (UUIDv7 ids follow creation order), oldest first, page by page. */
    async *replayAfter(afterId: string, visibleWhere: Prisma.DeviceMarkWhereInput, filter: MarkSubscriptionFilter) {
      let cursor = afterId;
      for (;;) {
        const page = await marks.after(cursor, { AND: [visibleWhere, markFilterWhere(filter)] }, 100);
        yield* page;
        if (page.length < 100) return;
        cursor = page.at(-1)!.id;
      }
    },

    /** The row of a mark just announced, read once however many subscribers ask for it. */
    announced(id: string): Promise<DeviceMarkModel | undefined> {
      let row = recent.get(id);
      if (!row) {
        row = marks.marksByIds([id], { scope: { all: true } }).then((rows) => rows[0]);
        recent.set(id, row);
        setTimeout(() => recent.delete(id), 10_000).unref();
      }
      return row;
    },

    /** `analysis.completed`: record the result on the capture, and mark it when the mode is met. */
    async onAnalysisCompleted(event: IrisEventMap['analysis.completed']) {
      const capture = await data.captures.captureById(event.captureId);
      if (!capture) return;
      await data.captures.updateCapture(capture.id, { analysisStatus: 'DONE', analysisError: null });
      const [device] = await data.devices.devicesByIds([event.deviceId], { scope: { all: true } });
      if (!device?.modeId) return;
      const [mode] = await data.modes.modesByIds([device.modeId]);
      if (!mode || mode.deletedAt) return;
      const zones = (await data.devices.zonesOfDevices([device.id])).map((z) => ({
        name: z.name,
        polygon: z.polygon as unknown as Point[],
      }));
      const evaluation = evaluateModeConditions(
        { ...mode, timeWindows: mode.timeWindows as unknown as TimeWindow[] },
        { width: event.width, height: event.height, faces: event.faces },
        zones,
        capture.capturedAt,
      );
      logger.debug({ captureId: capture.id, modeId: mode.id, ...evaluation }, 'mode evaluated');
      if (!evaluation.met) return;
      await makeMark({
        accountId: device.accountId,
        deviceId: device.id,
        deviceName: device.name,
        groupId: device.groupId,
        modeId: mode.id,
        dataId: capture.id,
        analysisId: event.analysisId,
        faceCount: evaluation.qualifyingFaces,
      });
    },

    async onAnalysisFailed(event: IrisEventMap['analysis.failed']) {
      await data.captures.updateCapture(event.captureId, { analysisStatus: 'FAILED', analysisError: event.reason.slice(0, 500) });
    },

    async createByHand(raw: unknown) {
      const input = parseInput(
        z.object({ deviceId: z.uuid('must be a device id'), deviceDataId: z.uuid('must be a capture id').nullish() }),
        raw,
      );
      const [device] = await data.devices.devicesByIds([input.deviceId], { scope: { all: true } });
      if (!device) throw notFound('Device', input.deviceId);
      if (input.deviceDataId) {
        const capture = await data.captures.captureById(input.deviceDataId);
        if (!capture || capture.deviceId !== device.id)
          throw badUserInput('input.deviceDataId: is not a capture of this device.', 'input.deviceDataId');
      }
      return makeMark({
        accountId: device.accountId,
        deviceId: device.id,
        deviceName: device.name,
        groupId: device.groupId,
        modeId: device.modeId,
        dataId: input.deviceDataId ?? null,
        analysisId: null,
        faceCount: 0,
      });
    },

    async deleteByHand(id: string) {
      if (!(await marks.deleteMark(id))) throw notFound('DeviceMark', id);
      return { deletedId: id };
    },

    markRead: (scope: TenantScope, raw: unknown) =>
      marks.updateOwned(parseInput(idsInput, raw).ids, scope, { readAt: clock() }, { readAt: null }),
    trash: (scope: TenantScope, raw: unknown) =>
      marks.updateOwned(parseInput(idsInput, raw).ids, scope, { deletedAt: clock() }, { deletedAt: null }),
    recover: (scope: TenantScope, raw: unknown) => marks.updateOwned(parseInput(idsInput, raw).ids, scope, { deletedAt: null }),
    purge: async (scope: TenantScope, raw: unknown) => ({ purgedIds: await marks.purgeTrashed(parseInput(idsInput, raw).ids, scope) }),

    /** Fresh signed URLs for marks the caller can see that have an image. */
    async sign(visible: (ids: readonly string[]) => Promise<(DeviceMarkModel | null)[]>, raw: unknown) {
      const rows = (await visible(parseInput(idsInput, raw).ids)).filter((m): m is DeviceMarkModel => m !== null && m.dataId !== null);
      return rows.map((mark) => ({ markId: mark.id, ...captures.signedUrl(mark.dataId!) }));
    },
  };
}

export type MarksService = ReturnType<typeof createMarksService>;
