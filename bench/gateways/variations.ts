/**
 * Varied traffic for the gateway benchmark: for each operation, a list of distinct variable sets
 * (pages of profiles and marks from different `after` cursors, the nested query over different marks),
 * each with a cheap check that an answer belongs to those variables. Requests take the list in turn
 * from one counter shared by every connection, so no two requests in flight carry the same variables
 * while the list is longer than the number of connections.
 */
import type { Operation } from './operations.js';

export interface Variation {
  variables: Record<string, unknown>;
  /** True when `body` is an answer without errors to these variables (checked on every response). */
  belongs: (body: string) => boolean;
}

type Post = (url: string, query: string, variables: Record<string, unknown>) => Promise<unknown>;

interface Edge {
  cursor: string;
  node: Record<string, string>;
}

/** Every edge of a connection, in order, read from the subgraph that owns it 100 at a time. */
async function walk(post: Post, url: string, query: string, field: string, variables: Record<string, unknown>): Promise<Edge[]> {
  const edges: Edge[] = [];
  let after: string | null = null;
  for (;;) {
    const answer = (await post(url, query, { ...variables, first: 100, after })) as {
      data?: Record<string, { edges: Edge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>;
      errors?: unknown;
    };
    const connection = answer.data?.[field];
    if (!connection) throw new Error(`walking ${field}: ${JSON.stringify(answer).slice(0, 500)}`);
    edges.push(...connection.edges);
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return edges;
    after = connection.pageInfo.endCursor;
  }
}

/** A fixed shuffle (the same list on every run). */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  let seed = 0x2545f491;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const clean = (body: string) => !body.includes('"errors"');

/**
 * The variable sets of each operation (at most `size`), from the data the subgraphs hold: a page
 * starting after any profile or mark but the last 50, and the nested query over any mark.
 */
export async function variations(
  ops: Operation[],
  post: Post,
  subgraphs: Record<string, string>,
  size: number,
): Promise<Map<string, Variation[]>> {
  const out = new Map<string, Variation[]>();
  for (const op of ops) {
    if (op.name === 'profiles') {
      const edges = await walk(
        post,
        subgraphs.profiles!,
        'query Walk($appId: ID!, $first: Int, $after: String) { profiles(appId: $appId, first: $first, after: $after) { edges { cursor node { deviceId } } pageInfo { hasNextPage endCursor } } }',
        'profiles',
        { appId: op.variables.appId },
      );
      const first = op.variables.first as number;
      const list = edges.slice(0, edges.length - first).map((edge, i) => {
        const next = `"nodes":[{"deviceId":${JSON.stringify(edges[i + 1]!.node.deviceId)}`;
        return { variables: { ...op.variables, after: edge.cursor }, belongs: (body: string) => clean(body) && body.includes(next) };
      });
      out.set(op.name, shuffled(list).slice(0, size));
    } else if (op.name === 'marks' || op.name === 'nested') {
      const edges = await walk(
        post,
        subgraphs.devices!,
        'query Walk($first: Int, $after: String) { deviceMarks(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }',
        'deviceMarks',
        {},
      );
      if (op.name === 'marks') {
        const first = op.variables.first as number;
        const list = edges.slice(0, edges.length - first).map((edge, i) => {
          const next = `"nodes":[{"id":${JSON.stringify(edges[i + 1]!.node.id)}`;
          return { variables: { ...op.variables, after: edge.cursor }, belongs: (body: string) => clean(body) && body.includes(next) };
        });
        out.set(op.name, shuffled(list).slice(0, size));
      } else {
        const list = edges.map((edge) => {
          const mark = `"deviceMark":{"id":${JSON.stringify(edge.node.id)}`;
          return { variables: { id: edge.node.id }, belongs: (body: string) => clean(body) && body.includes(mark) };
        });
        out.set(op.name, shuffled(list).slice(0, size));
      }
    } else {
      throw new Error(`no varied traffic for ${op.name}`);
    }
  }
  return out;
}
