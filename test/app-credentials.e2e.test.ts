import { DEMO } from '@iris/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from './support/apiKeys.js';
import { startTestGraph, type TestGraph } from './support/graph.js';

/**
 * What an app's credentials reach: an API key stops with its account, and an OAuth token carries the
 * app and exactly the scopes its user consented to, never the user's own power.
 */
let graph: TestGraph;
let ownerToken: string;
let adminToken: string;
beforeAll(async () => {
  graph = await startTestGraph();
  ownerToken = await graph.login();
  adminToken = await graph.login(DEMO.adminUser.email);
});
afterAll(async () => graph?.stop());

const STATUS = `mutation($input: SetAccountStatusInput!) { setAccountStatus(input: $input) { active } }`;
const EXCHANGE_KEY = `mutation($k: String!) { exchangeApiKey(input: { apiKey: $k }) { accessToken } }`;
const APP = `query($id: ID!) { app(id: $id) { name } }`;

describe('API keys of a deactivated account', () => {
  it('are refused with ACCOUNT_DEACTIVATED by identity and at the gateway, and work again once it is reactivated', async () => {
    const key = await createApiKey(graph, ownerToken, DEMO.app.id, ['PROFILES_READ']);
    const setActive = async (active: boolean) => {
      const result = await graph.request(STATUS, { input: { accountId: DEMO.account.id, active } }, { token: adminToken });
      expect(result.errors).toBeUndefined();
    };
    await setActive(false);
    try {
      const traded = await graph.request(EXCHANGE_KEY, { k: key }, { url: graph.subgraphs.identity.url });
      expect(traded.data ?? null).toBeNull();
      expect(traded.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DEACTIVATED' });
      expect(traded.errors?.[0]?.message).toMatch(/deactivated/);

      const read = await graph.request(APP, { id: DEMO.app.id }, { headers: { api_key: key } });
      expect(read.data?.app ?? null).toBeNull();
      expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'ACCOUNT_DEACTIVATED' });
    } finally {
      await setActive(true);
    }
    const again = await graph.request(EXCHANGE_KEY, { k: key }, { url: graph.subgraphs.identity.url });
    expect(again.errors).toBeUndefined();
  });

  it('tells a mistyped key from a deactivated account', async () => {
    const traded = await graph.request(EXCHANGE_KEY, { k: 'iris_not_a_key' }, { url: graph.subgraphs.identity.url });
    expect(traded.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
  });
});
