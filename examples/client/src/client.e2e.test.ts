import { readFileSync } from 'node:fs';
import { gql, type NormalizedCacheObject, type ObservableQuery } from '@apollo/client';
import { DEMO } from '@iris/core';
import { filter, firstValueFrom, map, timeout } from 'rxjs';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createApiKey } from '../../../test/support/apiKeys.js';
import { startTestGraph, type TestGraph } from '../../../test/support/graph.js';
import { createIrisClient, type IrisClient } from './client.js';
import type { MarkCreatedSubscription, ProfilesPageQuery, ProfilesPageQueryVariables, SignInMutation } from './generated/graphql.js';
import { DeviceMarks, MarkCreated, ProfilesPage, SignIn, UploadCapture } from './operations.js';

const PORTRAIT = readFileSync(new URL('../../../test/fixtures/images/astronaut.png', import.meta.url)).toString('base64');
const APP = DEMO.app.id;

let graph: TestGraph;
let iris: IrisClient;
let token: string | undefined;
/** The content type of each HTTP answer the client read, in order. */
const contentTypes: string[] = [];

beforeAll(async () => {
  graph = await startTestGraph();
  iris = createIrisClient({
    httpUrl: graph.url,
    wsUrl: graph.url.replace(/^http/, 'ws'),
    getToken: () => token,
    webSocketImpl: WebSocket,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      contentTypes.push(response.headers.get('content-type') ?? '');
      return response;
    },
  });
  // Four more profiles beside the demo app's three, posted as the app's server would (API key).
  const key = await createApiKey(graph, await graph.login(), APP, ['PROFILES_WRITE']);
  for (const deviceId of ['phone-a', 'phone-b', 'phone-c', 'phone-d']) {
    const posted = await graph.request(
      `mutation($input: PostProfileInput!) { postProfile(input: $input) { deviceId } }`,
      { input: { appId: APP, deviceId, city: 'Haifa' } },
      { headers: { api_key: key } },
    );
    if (posted.errors) throw new Error(JSON.stringify(posted.errors));
  }
});
afterAll(async () => {
  await iris?.dispose();
  await graph?.stop();
});

/** The watched list once it holds `count` edges (the cache tells its watchers after fetchMore resolves). */
const edgesOf = (watched: ObservableQuery<ProfilesPageQuery, ProfilesPageQueryVariables>, count: number) =>
  firstValueFrom(
    watched.pipe(
      filter((result): result is ObservableQuery.Result<ProfilesPageQuery, 'complete'> => result.dataState === 'complete'),
      map((result) => result.data.profiles),
      filter((profiles) => profiles.edges.length === count),
      timeout(10_000),
    ),
  );

describe('the typed Apollo client example', () => {
  it('signs in with the typed login mutation', async () => {
    const { data } = await iris.mutate({ mutation: SignIn, variables: { input: { email: DEMO.mainUser.email, password: DEMO.password } } });
    expectTypeOf(data).toEqualTypeOf<SignInMutation>();
    expect(data.login.user).toMatchObject({ email: DEMO.mainUser.email, account: { id: DEMO.account.id, name: DEMO.account.name } });
    token = data.login.accessToken;
    expect(token).toMatch(/^ey/);
  });

  it('pages profiles with fetchMore, and the cache holds the pages merged in order', async () => {
    // The whole list in one request, past the cache, to compare with.
    const whole = await iris.query({ query: ProfilesPage, variables: { appId: APP, first: 50 }, fetchPolicy: 'no-cache' });
    const expected = whole.data.profiles.edges;
    expect(expected).toHaveLength(7);

    const watched = iris.watchQuery({ query: ProfilesPage, variables: { appId: APP, first: 3 } });
    const pages: ProfilesPageQuery[] = [];
    const watching = watched.subscribe((result) => {
      if (result.dataState === 'complete') pages.push(result.data);
    });
    try {
      const first = await firstValueFrom(
        watched.pipe(
          filter((r) => r.dataState === 'complete'),
          timeout(10_000),
        ),
      );
      expect(first.data.profiles.edges.map((e) => e.node.deviceId)).toEqual(expected.slice(0, 3).map((e) => e.node.deviceId));
      expect(first.data.profiles.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

      const second = await watched.fetchMore({ variables: { after: first.data.profiles.pageInfo.endCursor } });
      expect(second.data.profiles.edges).toHaveLength(3); // what fetchMore returns is the new page alone
      const merged = await edgesOf(watched, 6); // what the query watches is both pages
      expect(merged.pageInfo.endCursor).toBe(expected[5]?.cursor);

      const third = await watched.fetchMore({ variables: { after: merged.pageInfo.endCursor } });
      expect(third.data.profiles.edges.map((e) => e.node.deviceId)).toEqual([expected[6]?.node.deviceId]);
      expect((await edgesOf(watched, 7)).pageInfo.hasNextPage).toBe(false);
    } finally {
      watching.unsubscribe();
    }

    const cached = iris.readQuery({ query: ProfilesPage, variables: { appId: APP, first: 3 } });
    expectTypeOf(cached).toEqualTypeOf<ProfilesPageQuery | null>();
    const ids = cached!.profiles.edges.map((e) => e.node.deviceId);
    expect(ids).toEqual(expected.map((e) => e.node.deviceId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(cached!.profiles.edges.map((e) => e.cursor)).toEqual(expected.map((e) => e.cursor));
    expect(cached!.profiles.pageInfo).toEqual({
      __typename: 'PageInfo',
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: expected[0]?.cursor,
      endCursor: expected[6]?.cursor,
    });
    expect(cached!.profiles.totalCount).toBe(7);
    // One list in the cache for the app, whatever page arguments fetched it, each profile once.
    const normalized = iris.cache.extract() as NormalizedCacheObject;
    expect(Object.keys(normalized.ROOT_QUERY ?? {}).filter((field) => field.startsWith('profiles'))).toEqual([
      `profiles:{"appId":"${APP}"}`,
    ]);
    expect(Object.keys(normalized).filter((id) => id.startsWith('Profile:'))).toHaveLength(7);
    // The last page seen by the watcher is the merged list too.
    expect(pages.at(-1)?.profiles.edges).toHaveLength(7);
  });

  it('delivers deviceMarkCreated through the WebSocket link, typed, with fields from several subgraphs', async () => {
    const before = await iris.query({ query: DeviceMarks, variables: { deviceId: DEMO.device.id, first: 10 } });
    expect(before.data.device).toMatchObject({ id: DEMO.device.id, name: DEMO.device.name, group: { id: DEMO.deviceGroup.id } });
    const marksBefore = before.data.deviceMarks.totalCount;

    const connected = new Promise<void>((resolve) => {
      const off = iris.ws.on('connected', () => {
        off();
        resolve();
      });
    });
    const events = iris.subscribe({ query: MarkCreated, variables: { filter: { deviceId: DEMO.device.id } } });
    const first = firstValueFrom(events.pipe(timeout(20_000)));
    await connected;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the gateway opens the subscription at the devices subgraph

    const upload = await iris.mutate({
      mutation: UploadCapture,
      variables: { input: { deviceId: DEMO.device.id, imageBase64: PORTRAIT } },
    });
    expect(upload.data.uploadCapture.analysisStatus).toBe('PENDING');
    await graph.settle();

    const event = await first;
    expect(event.error).toBeUndefined();
    expectTypeOf(event.data).toEqualTypeOf<MarkCreatedSubscription | undefined>();
    const mark = event.data!.deviceMarkCreated;
    expect(mark).toMatchObject({
      faceCount: 1,
      device: { id: DEMO.device.id, name: DEMO.device.name, account: { id: DEMO.account.id, name: DEMO.account.name } }, // devices + identity
      group: { id: DEMO.deviceGroup.id, name: DEMO.deviceGroup.name },
      data: { id: upload.data.uploadCapture.id, analysisStatus: 'DONE' },
      analysis: { faces: [{ expression: { label: 'HAPPY' } }] }, // analytics
    });
    expect(mark.analysis?.faces[0]?.score).toBeGreaterThan(0.5);

    // The new mark now reads back the same through a query, newest first.
    const after = await iris.query({ query: DeviceMarks, variables: { deviceId: DEMO.device.id, first: 10 }, fetchPolicy: 'network-only' });
    expect(after.data.deviceMarks.totalCount).toBe(marksBefore + 1);
    expect(after.data.deviceMarks.edges[0]?.node).toMatchObject({ id: mark.id, faceCount: 1, analysis: { id: mark.analysis?.id } });
  });

  it('reads a page with @defer: the gateway streams the analyses after the page, and the client merges them', async () => {
    const DeferredMarks = gql`
      query DeferredMarks($deviceId: ID!) {
        deviceMarks(filter: { deviceId: $deviceId }, first: 5) {
          nodes {
            id
            device { id name }
            ... @defer(label: "analysis") { analysis { id faces { score } } }
          }
        }
      }
    `;
    const watched = iris.watchQuery({ query: DeferredMarks, variables: { deviceId: DEMO.device.id }, fetchPolicy: 'network-only' });
    const seen: string[] = [];
    const complete = await firstValueFrom(
      watched.pipe(
        filter((result) => {
          seen.push(result.dataState);
          return result.dataState === 'complete';
        }),
        timeout(20_000),
      ),
    );
    // The answer came as Apollo's incremental delivery, which the client asked for itself.
    expect(contentTypes.at(-1)).toMatch(/^multipart\/mixed;.*deferSpec=20220824/);
    const nodes = (complete.data as { deviceMarks: { nodes: { device: { name: string }; analysis: { faces: { score: number }[] } }[] } })
      .deviceMarks.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      expect(node.device.name).toBe(DEMO.device.name);
      expect(node).toHaveProperty('analysis');
    }
    // The newest mark is the portrait's from the test above, with its analysis merged in.
    expect(nodes[0]?.analysis.faces[0]?.score).toBeGreaterThan(0.5);
    expect(complete.error).toBeUndefined();
    expect(seen.at(-1)).toBe('complete');
  });
});
