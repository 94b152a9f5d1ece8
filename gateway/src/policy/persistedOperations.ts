import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { graphqlErrorBody, type Config } from '@iris/core';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { GatewayPlugin } from '../plugin.js';

/**
 * Persisted operations, two ways:
 * - automatic persisted queries (APQ, Apollo's protocol): a client sends a document's SHA-256 and only
 *   sends the text when the gateway does not know it yet. Apollo Server does the protocol; here is
 *   its store, shared through Redis when `REDIS_URL` is set.
 * - trusted documents: a manifest of the operations a team's clients ship with
 *   (`PERSISTED_OPERATIONS_FILE`). Clients send an id (`documentId`, or APQ's `sha256Hash`); with
 *   `PERSISTED_OPERATIONS_ONLY` nothing else runs, which closes the graph to hand-written queries.
 */
export class PersistedOperations {
  constructor(readonly documents: ReadonlyMap<string, string>) {}

  /**
   * Reads GraphQL Code Generator's `persisted-documents.json` (`{ "<sha256>": "<document>" }`) or an
   * Apollo persisted query manifest (`{ "format": "apollo-persisted-query-manifest", "operations": [...] }`).
   */
  static fromFile(path: string): PersistedOperations {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const documents = new Map<string, string>();
    if (raw && typeof raw === 'object' && (raw as { format?: unknown }).format === 'apollo-persisted-query-manifest') {
      for (const operation of (raw as { operations: { id: string; body: string }[] }).operations)
        documents.set(operation.id, operation.body);
    } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      for (const [id, body] of Object.entries(raw)) if (typeof body === 'string') documents.set(id, body);
    }
    if (documents.size === 0)
      throw new Error(`${path} holds no operations: expected { "<sha256>": "<document>" } or an Apollo persisted query manifest`);
    return new PersistedOperations(documents);
  }

  /** The manifest PERSISTED_OPERATIONS_FILE names, or undefined when none is set. */
  static fromConfig(config: Pick<Config, 'PERSISTED_OPERATIONS_FILE'>): PersistedOperations | undefined {
    return config.PERSISTED_OPERATIONS_FILE ? PersistedOperations.fromFile(config.PERSISTED_OPERATIONS_FILE) : undefined;
  }

  static sha256 = (document: string) => createHash('sha256').update(document).digest('hex');

  /** The operation's id when it is in the manifest (by its text, hashed as APQ does). */
  idOf(document: string): string | undefined {
    const hash = PersistedOperations.sha256(document);
    return this.documents.has(hash) ? hash : undefined;
  }
}

interface OperationBody {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

const persistedIdOf = (operation: OperationBody): string | undefined => {
  if (typeof operation.documentId === 'string') return operation.documentId;
  const extensions = typeof operation.extensions === 'string' ? safeJson(operation.extensions) : operation.extensions;
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type PersistedOperationCheck = { ok: true } | { ok: false; message: string };

/**
 * Fills in the text of a listed operation sent by id, and in trusted-documents mode refuses anything
 * unlisted. Changes `operation` in place; used for HTTP bodies and WebSocket subscribe payloads alike.
 */
export function resolvePersistedOperation(
  operation: OperationBody,
  manifest: PersistedOperations | undefined,
  only: boolean,
): PersistedOperationCheck {
  const id = persistedIdOf(operation);
  if (manifest && id && operation.query == null) {
    const document = manifest.documents.get(id);
    if (document !== undefined) {
      operation.query = document;
      delete operation.documentId;
      return { ok: true };
    }
  }
  if (!only) return { ok: true };
  if (typeof operation.query === 'string' && manifest?.idOf(operation.query)) return { ok: true };
  return {
    ok: false,
    message: id
      ? `No operation with id "${id}" is registered here. Only the operations in this graph's persisted operations manifest can run.`
      : 'Only registered operations can run here: send a persisted operation id (`documentId` or `extensions.persistedQuery.sha256Hash`).',
  };
}

/** Applies {@link resolvePersistedOperation} to `/graphql` requests before Apollo Server reads them. */
export function registerPersistedOperations(
  app: FastifyInstance,
  manifest: PersistedOperations | undefined,
  only: boolean,
  path = '/graphql',
): void {
  if (!manifest && !only) return;
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== path) return;
    const operations = (
      Array.isArray(request.body) ? request.body : [request.method === 'GET' ? request.query : request.body]
    ) as (OperationBody | null)[];
    for (const operation of operations) {
      if (!operation || typeof operation !== 'object') continue;
      const check = resolvePersistedOperation(operation, manifest, only);
      if (!check.ok) return reply.code(400).send(graphqlErrorBody(check.message, 'PERSISTED_QUERY_NOT_IN_LIST'));
    }
  });
}

/**
 * Apollo Server's APQ store: its default in-memory cache, or Redis so every gateway instance knows a
 * document registered on any of them. Store failures read as "not known", so a Redis outage costs
 * clients one extra round trip with the full text, never an error.
 */
export function apqOptions(config: Pick<Config, 'APQ' | 'PERSISTED_OPERATIONS_ONLY' | 'REDIS_PREFIX'>, redis?: Redis) {
  if (config.PERSISTED_OPERATIONS_ONLY || config.APQ === false) return false as const;
  if (!redis) return {};
  const key = (k: string) => `${config.REDIS_PREFIX}apq:${k}`;
  return {
    ttl: 7 * 86_400,
    cache: {
      get: (k: string) =>
        redis.get(key(k)).then(
          (v) => v ?? undefined,
          () => undefined,
        ),
      set: async (k: string, value: string, options?: { ttl?: number | null }) => {
        const ttl = options?.ttl;
        await (ttl ? redis.set(key(k), value, 'EX', ttl) : redis.set(key(k), value)).catch(() => {});
      },
      delete: (k: string) =>
        redis.del(key(k)).then(
          (n) => n > 0,
          () => false,
        ),
    },
  };
}

/**
 * Persisted operations on `/graphql`: trusted documents (a manifest, and with PERSISTED_OPERATIONS_ONLY
 * nothing else) and APQ's store. The transports Apollo Server does not serve check the same manifest
 * in their admission (`admission.ts`).
 */
export function usePersistedOperations(
  manifest: PersistedOperations | undefined,
  config: Pick<Config, 'APQ' | 'PERSISTED_OPERATIONS_ONLY' | 'REDIS_PREFIX'>,
  redis: Redis | undefined,
): GatewayPlugin {
  return {
    name: 'persisted-operations',
    apolloOptions: { persistedQueries: apqOptions(config, redis) },
    register: (app) => registerPersistedOperations(app, manifest, config.PERSISTED_OPERATIONS_ONLY),
  };
}
