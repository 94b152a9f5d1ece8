import { randomUUID } from 'node:crypto';
import { badUserInput, decodeBase64, notFound, parseInput, type BlobStorage, type TenantScope, type UrlSigner } from '@iris/core';
import type { DeviceDataModel, Outbox } from '@iris/db';
import sharp from 'sharp';
import { z } from 'zod';
import type { DevicesSubgraphData } from '../data/index.js';
import type { DevicesService } from './devices.js';

/** Inline uploads (base64 in a GraphQL request) stay small; larger images go through an upload URL. */
export const MAX_INLINE_BYTES = 8 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;
const UPLOAD_URL_TTL_MS = 15 * 60_000;
const MEDIA_URL_TTL_MS = 15 * 60_000;
const FORMATS = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' } as const;
const EXTENSIONS: Record<string, keyof typeof FORMATS> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' };

const uploadInput = z.object({
  deviceId: z.uuid('must be a device id'),
  imageBase64: z.string().min(1, 'must not be empty'),
  capturedAt: z.date().nullish(),
});

/** Reads an image's real format and size from its bytes (never trusting a declared type). */
async function inspectImage(bytes: Buffer, field: string) {
  try {
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    const contentType = FORMATS[meta.format as keyof typeof FORMATS];
    if (!contentType || !meta.width || !meta.height) throw new Error('unsupported');
    return { contentType, width: meta.width, height: meta.height };
  } catch {
    throw badUserInput(`${field}: is not a JPEG, PNG or WebP image.`, field);
  }
}

/**
 * Captures: stored through the blob storage, recorded as DeviceData, and queued for analysis by
 * publishing `capture.created` (the analysis job). Nothing is half-written: a stored file whose row
 * cannot be written is removed again.
 */
export function createCapturesService(
  data: DevicesSubgraphData,
  devices: DevicesService,
  storage: BlobStorage,
  signer: UrlSigner,
  outbox: Outbox,
  publicUrl: () => string,
  clock: () => Date,
) {
  async function store(
    device: { id: string; accountId: string },
    bytes: Buffer,
    field: string,
    options: { key?: string; capturedAt?: Date | null } = {},
  ) {
    const image = await inspectImage(bytes, field);
    const storageKey = options.key ?? `captures/${device.accountId}/${device.id}/${randomUUID()}.${EXTENSIONS[image.contentType]}`;
    await storage.put(storageKey, bytes);
    let capture: DeviceDataModel;
    try {
      // The capture and its analysis job (the event) are stored together.
      capture = await data.devices.transaction(async (tx) => {
        const created = await data.captures.createCapture(
          {
            accountId: device.accountId,
            deviceId: device.id,
            storageKey,
            contentType: image.contentType,
            byteSize: bytes.length,
            width: image.width,
            height: image.height,
            capturedAt: options.capturedAt ?? clock(),
          },
          tx,
        );
        await outbox.enqueue(tx, 'capture.created', {
          captureId: created.id,
          deviceId: device.id,
          accountId: device.accountId,
          storageKey,
          contentType: created.contentType,
        });
        return created;
      });
    } catch (err) {
      await storage.delete(storageKey);
      throw err;
    }
    return capture;
  }

  return {
    async upload(scope: TenantScope, raw: unknown) {
      const input = parseInput(uploadInput, raw);
      const device = await devices.ownedDevice(input.deviceId, scope);
      const bytes = decodeBase64(input.imageBase64, 'input.imageBase64', {
        maxBytes: MAX_INLINE_BYTES,
        tooLarge: `images above ${MAX_INLINE_BYTES / 1024 / 1024} MiB go through createCaptureUploadUrl.`,
      });
      return store(device, bytes, 'input.imageBase64', { capturedAt: input.capturedAt ?? null });
    },

    async createUploadUrl(scope: TenantScope, raw: unknown) {
      const input = parseInput(
        z.object({
          deviceId: z.uuid('must be a device id'),
          contentType: z.enum(['image/jpeg', 'image/png', 'image/webp'], 'must be image/jpeg, image/png or image/webp'),
        }),
        raw,
      );
      const device = await devices.ownedDevice(input.deviceId, scope);
      const expiresAt = new Date(clock().getTime() + UPLOAD_URL_TTL_MS);
      const path = `/uploads/captures/${device.id}/${randomUUID()}.${EXTENSIONS[input.contentType]}`;
      return { url: `${publicUrl()}${signer.sign(path, expiresAt)}`, expiresAt, maxBytes: MAX_UPLOAD_BYTES };
    },

    /** The PUT behind an upload URL: each URL stores one capture, once. */
    async receiveUpload(path: string, query: Record<string, unknown>, body: Buffer): Promise<{ status: number; body: unknown }> {
      const verdict = signer.verify(path, query, clock());
      if (verdict !== 'ok')
        return {
          status: 403,
          body: { error: verdict === 'expired' ? 'This upload URL has expired: ask for a new one.' : 'This upload URL is not valid.' },
        };
      const match = /^\/uploads\/captures\/([0-9a-f-]{36})\/([0-9a-f-]{36})\.(jpeg|png|webp)$/.exec(path);
      if (!match) return { status: 404, body: { error: 'Unknown upload.' } };
      if (body.length > MAX_UPLOAD_BYTES) return { status: 413, body: { error: `Captures are limited to ${MAX_UPLOAD_BYTES} bytes.` } };
      const device = await data.devices.ownedDevice(match[1]!, { all: true });
      if (!device) return { status: 404, body: { error: 'The device no longer exists.' } };
      const key = `captures/${device.accountId}/${device.id}/${match[2]}.${match[3]}`;
      if (await storage.get(key)) return { status: 409, body: { error: 'This upload URL was used already.' } };
      try {
        const capture = await store(device, body, 'body', { key });
        return { status: 201, body: { id: capture.id, analysisStatus: capture.analysisStatus } };
      } catch (err) {
        const code = (err as { extensions?: { code?: string } }).extensions?.code;
        if (code === 'BAD_USER_INPUT') return { status: 415, body: { error: 'The body is not a JPEG, PNG or WebP image.' } };
        throw err;
      }
    },

    /** The GET behind a signed media URL. */
    async media(
      path: string,
      query: Record<string, unknown>,
    ): Promise<{ status: number; contentType?: string; body: Buffer | { error: string } }> {
      const verdict = signer.verify(path, query, clock());
      if (verdict !== 'ok')
        return {
          status: 403,
          body: { error: verdict === 'expired' ? 'This link has expired: ask for a fresh one.' : 'This link is not valid.' },
        };
      const id = /^\/media\/captures\/([0-9a-f-]{36})$/.exec(path)?.[1];
      const capture = id ? await data.captures.captureById(id) : null;
      const bytes = capture && !capture.deletedAt ? await storage.get(capture.storageKey) : null;
      if (!capture || !bytes) return { status: 404, body: { error: 'No such image.' } };
      return { status: 200, contentType: capture.contentType, body: bytes };
    },

    signedUrl(captureId: string) {
      const expiresAt = new Date(clock().getTime() + MEDIA_URL_TTL_MS);
      return { url: `${publicUrl()}${signer.sign(`/media/captures/${captureId}`, expiresAt)}`, expiresAt };
    },

    async setDeleted(scope: TenantScope, id: string, deleted: boolean) {
      const capture = await data.captures.ownedCapture(id, scope);
      if (!capture) throw notFound('DeviceData', id);
      return data.captures.updateCapture(id, { deletedAt: deleted ? clock() : null });
    },
  };
}

export type CapturesService = ReturnType<typeof createCapturesService>;
